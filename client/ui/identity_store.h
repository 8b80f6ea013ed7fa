#pragma once
// Where a profile's identity key lives (DESIGN.md §9): the operating system's keychain through
// QtKeychain (Secret Service on Linux, the Credential Manager on Windows, the Keychain on macOS)
// by default; only where no keychain service exists, and only after the user has opted in with a
// warning, a passphrase-encrypted key file in the profile (crypto::keystore). Never a plain file.
// Every call answers later through its callback: keychain jobs (one at a time: QtKeychain 0.13)
// and scrypt (on a thread of its own) never block the window.

#include "crypto/keys.h"
#include "crypto/secret.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QThread;

namespace cmeet::client {

struct IdentityFailure {
    QString message;                 // what went wrong and what to do, for the user
    bool keychainUnavailable = false; // no keychain service here at all (the key-file opt-in helps)
};

class IdentityStore : public QObject {
    Q_OBJECT

public:
    enum class Storage { None, Keychain, KeyFile };
    using Done = std::function<void(const Expected<crypto::PrivateKey, IdentityFailure> &result)>;

    // service: the keychain's service name (tests use their own).
    explicit IdentityStore(QString profileDir, QString service = QStringLiteral("c-meet"), QObject *parent = nullptr);
    ~IdentityStore() override;

    // What the profile says (settings.ini [identity]).
    [[nodiscard]] Storage storage() const;
    [[nodiscard]] std::optional<crypto::Address> address() const;
    [[nodiscard]] QString keyFilePath() const;

    // The key kept in the keychain (storage() == Keychain).
    void readFromKeychain(const Done &done);
    // Keeps key in the keychain and records it in the profile.
    void saveToKeychain(const crypto::PrivateKey &key, const Done &done);
    // The opt-in: key in a passphrase-encrypted file in the profile (scrypt on its own thread).
    void saveToFile(const crypto::PrivateKey &key, const crypto::SecretBytes &passphrase, const Done &done);
    // The key from the profile's key file, or from any key file (import).
    void openFile(const QString &path, const crypto::SecretBytes &passphrase, const Done &done);

    // The keychain entry's name for this profile: one identity per profile.
    [[nodiscard]] QString keychainKey() const;

private:
    void remember(Storage storage, const crypto::Address &address);
    void runOffThread(std::function<Expected<crypto::PrivateKey, IdentityFailure>()> work, const Done &done);

    QString m_profileDir;
    QString m_service;
    QThread *m_worker = nullptr;
};

// What a keychain failure means for the user: what is missing and how to fix it.
[[nodiscard]] IdentityFailure describeKeychainFailure(int qtKeychainError, const QString &detail);

} // namespace cmeet::client
