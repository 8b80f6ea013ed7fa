#pragma once
// First run: make a new identity key or import a key file, keep it in the keychain (or, where no
// keychain service exists, in a passphrase-encrypted file after a warned opt-in), then show the
// address, copyable and as a QR code, for the relay's administrator to enrol.

#include "client/ui/identity_store.h"

#include <QDialog>

#include <functional>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;

namespace cmeet::client {

class UserPrompts;

class IdentitySetup : public QDialog {
    Q_OBJECT

public:
    IdentitySetup(IdentityStore &store, UserPrompts &prompts, QWidget *parent = nullptr);

    // The key once kept (when the user presses Continue on the last page).
    [[nodiscard]] const std::optional<crypto::PrivateKey> &key() const { return m_key; }

private:
    QWidget *buildChoosePage();
    QWidget *buildNoKeychainPage();
    QWidget *buildDonePage();
    void keep(const crypto::PrivateKey &key);
    void onKept(const Expected<crypto::PrivateKey, IdentityFailure> &result);
    void importKeyFile();
    void useKeyFile();
    void showDone(const crypto::PrivateKey &key);
    void busy(bool busy);

    IdentityStore &m_store;
    UserPrompts &m_prompts;
    std::optional<crypto::PrivateKey> m_pending; // made or imported, not yet kept
    std::optional<crypto::PrivateKey> m_key;
    QStackedWidget *m_pages;
    QLabel *m_status;
    QLineEdit *m_importPassphrase;
    QLabel *m_keychainProblem;
    QCheckBox *m_optIn;
    QLineEdit *m_filePassphrase;
    QLineEdit *m_filePassphraseConfirm;
    QPushButton *m_useKeyFile;
    QLabel *m_address;
    QLabel *m_qr;
};

// The address as a QR code, scale pixels per module with a quiet zone (libqrencode).
[[nodiscard]] QImage addressQrCode(const QString &text, int scale);

} // namespace cmeet::client
