#include "client/ui/identity_store.h"

#include "base/hex.h"
#include "crypto/keystore.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSettings>
#include <QThread>

Q_LOGGING_CATEGORY(lcIdentity, "cmeet.app.identity", QtInfoMsg)

namespace cmeet::client {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("IdentityStore", text);
}

QSettings profileSettings(const QString &profileDir)
{
    return QSettings(QDir(profileDir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
}

} // namespace

IdentityFailure describeKeychainFailure(int qtKeychainError, const QString &detail)
{
    switch (qtKeychainError) {
    case QKeychain::EntryNotFound:
        return {tr("Your identity key is not in the keychain any more. Import your key file, or ask your relay's administrator "
                   "to enrol a new identity."),
                false};
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return {tr("The keychain did not let c-meet read or store your key (%1). Unlock your keychain (your login keyring) and "
                   "try again.")
                    .arg(detail),
                false};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
    default:
        // On Linux both a missing Secret Service and a missing D-Bus session end up here.
        return {tr("There is no keychain service on this computer to keep your identity key safe (%1). To fix this, install "
                   "and unlock GNOME Keyring (or KWallet, or KeePassXC with its Secret Service integration turned on), then "
                   "try again.")
                    .arg(detail),
                true};
    }
}

IdentityStore::IdentityStore(QString profileDir, QString service, QObject *parent)
    : QObject(parent), m_profileDir(std::move(profileDir)), m_service(std::move(service))
{
}

IdentityStore::~IdentityStore()
{
    if (m_worker != nullptr) {
        m_worker->wait(); // scrypt finishes in about a second; its answer is dropped
        delete m_worker;
    }
}

IdentityStore::Storage IdentityStore::storage() const
{
    const QString storage = profileSettings(m_profileDir).value(QStringLiteral("identity/storage")).toString();
    if (storage == QStringLiteral("keychain"))
        return Storage::Keychain;
    if (storage == QStringLiteral("file"))
        return Storage::KeyFile;
    return Storage::None;
}

std::optional<crypto::Address> IdentityStore::address() const
{
    const auto address = crypto::Address::fromHex(profileSettings(m_profileDir).value(QStringLiteral("identity/address")).toString());
    return address ? std::optional(*address) : std::nullopt;
}

QString IdentityStore::keyFilePath() const
{
    return QDir(m_profileDir).filePath(QStringLiteral("identity.key"));
}

QString IdentityStore::keychainKey() const
{
    return QStringLiteral("identity key of profile ") + QDir(m_profileDir).absolutePath();
}

void IdentityStore::remember(Storage storage, const crypto::Address &address)
{
    QDir().mkpath(m_profileDir);
    QSettings settings = profileSettings(m_profileDir);
    settings.setValue(QStringLiteral("identity/storage"), storage == Storage::Keychain ? QStringLiteral("keychain") : QStringLiteral("file"));
    settings.setValue(QStringLiteral("identity/address"), address.toLowerHex());
}

void IdentityStore::readFromKeychain(const Done &done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(keychainKey());
    connect(job, &QKeychain::Job::finished, this, [this, job, done] {
        if (job->error() != QKeychain::NoError) {
            qCWarning(lcIdentity) << "keychain read failed:" << job->error() << job->errorString();
            done(unexpected(describeKeychainFailure(job->error(), job->errorString())));
            return;
        }
        QByteArray secret = job->binaryData();
        auto key = crypto::PrivateKey::fromBytes(secret);
        secret.fill('\0'); // our copy; QtKeychain keeps its own until the job is deleted
        const auto expected = address();
        if (!key || (expected && key->address() != *expected)) {
            done(unexpected(IdentityFailure{tr("The keychain holds something else than this profile's identity key. Import your key "
                                               "file again."),
                                            false}));
            return;
        }
        done(*key);
    });
    job->start();
}

void IdentityStore::saveToKeychain(const crypto::PrivateKey &key, const Done &done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(keychainKey());
    job->setBinaryData(QByteArray(key.secret().data(), key.secret().size()));
    connect(job, &QKeychain::Job::finished, this, [this, job, key, done] {
        if (job->error() != QKeychain::NoError) {
            qCWarning(lcIdentity) << "keychain write failed:" << job->error() << job->errorString();
            done(unexpected(describeKeychainFailure(job->error(), job->errorString())));
            return;
        }
        remember(Storage::Keychain, key.address());
        qCInfo(lcIdentity) << "identity" << key.address().toChecksumHex() << "kept in the keychain";
        done(key);
    });
    job->start();
}

void IdentityStore::saveToFile(const crypto::PrivateKey &key, const crypto::SecretBytes &passphrase, const Done &done)
{
    const QString path = keyFilePath();
    QDir().mkpath(m_profileDir);
    runOffThread(
        [key, passphrase, path]() -> Expected<crypto::PrivateKey, IdentityFailure> {
            auto sealed = crypto::keystore::seal(key, passphrase);
            if (!sealed)
                return unexpected(IdentityFailure{crypto::describe(sealed.error()), false});
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(*sealed) != sealed->size()
                || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || !file.commit())
                return unexpected(IdentityFailure{tr("Cannot write the key file %1: %2").arg(path, file.errorString()), false});
            return key;
        },
        [this, done](const Expected<crypto::PrivateKey, IdentityFailure> &result) {
            if (result)
                remember(Storage::KeyFile, result->address());
            done(result);
        });
}

void IdentityStore::openFile(const QString &path, const crypto::SecretBytes &passphrase, const Done &done)
{
    runOffThread(
        [path, passphrase]() -> Expected<crypto::PrivateKey, IdentityFailure> {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return unexpected(IdentityFailure{tr("Cannot read the key file %1: %2").arg(path, file.errorString()), false});
            auto key = crypto::keystore::open(file.read(crypto::keystore::maxFileBytes), passphrase);
            if (!key)
                return unexpected(IdentityFailure{tr("Wrong passphrase, or %1 is not a c-meet key file.").arg(path), false});
            return *key;
        },
        done);
}

void IdentityStore::runOffThread(std::function<Expected<crypto::PrivateKey, IdentityFailure>()> work, const Done &done)
{
    if (m_worker != nullptr) {
        m_worker->wait(); // one at a time: the user cannot start a second before the first answers
        delete m_worker;
    }
    m_worker = QThread::create([this, work = std::move(work), done] {
        auto result = work();
        QMetaObject::invokeMethod(this, [done, result = std::move(result)] { done(result); }, Qt::QueuedConnection);
    });
    m_worker->start();
}

} // namespace cmeet::client
