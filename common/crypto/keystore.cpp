#include "crypto/keystore.h"

#include "base/hex.h"
#include "crypto/aead.h"

#include <QJsonDocument>
#include <QJsonObject>


namespace cmeet::crypto::keystore {
namespace {

constexpr int formatVersion = 1;
constexpr qsizetype saltSize = 16;

Expected<SecretBytes, CryptoError> deriveKey(const SecretBytes &passphrase, QByteArrayView salt, ScryptCost cost)
{
    return scrypt(passphrase.view(), salt, cost, aead::keySize);
}

QByteArray associatedData(const QString &address) { return "cmeet-keyfile-v1:" + address.toLatin1(); }

QByteArray secretAssociatedData(const QString &kind, const QString &owner)
{
    return QByteArray("cmeet-secret-v1:" + kind.toUtf8() + '\n' + owner.toUtf8());
}

QJsonObject kdfJson(ScryptCost cost, QByteArrayView salt)
{
    return {{QStringLiteral("name"), QStringLiteral("scrypt")},
            {QStringLiteral("n"), static_cast<qint64>(cost.n)},
            {QStringLiteral("r"), static_cast<qint64>(cost.r)},
            {QStringLiteral("p"), static_cast<qint64>(cost.p)},
            {QStringLiteral("salt"), hex::encode(salt)}};
}

// Encrypts plaintext under a key derived from the passphrase; the members every sealed file
// shares ("kdf", "cipher", "nonce", "ciphertext"), to which the caller adds its own.
Expected<QJsonObject, CryptoError> encrypt(const SecretBytes &passphrase, ScryptCost cost, QByteArrayView associated, QByteArrayView plaintext)
{
    if (passphrase.isEmpty() || plaintext.isEmpty())
        return unexpected(CryptoError::InvalidLength);
    auto salt = randomBytes(saltSize);
    auto nonce = randomBytes(aead::nonceSize);
    if (!salt || !nonce)
        return unexpected(CryptoError::RandomFailed);
    auto derived = deriveKey(passphrase, *salt, cost);
    if (!derived)
        return unexpected(derived.error());
    auto ciphertext = aead::seal(*derived, *nonce, associated, plaintext);
    if (!ciphertext)
        return unexpected(ciphertext.error());
    return QJsonObject{{QStringLiteral("version"), formatVersion},
                       {QStringLiteral("kdf"), kdfJson(cost, *salt)},
                       {QStringLiteral("cipher"), QStringLiteral("aes-256-gcm")},
                       {QStringLiteral("nonce"), hex::encode(*nonce)},
                       {QStringLiteral("ciphertext"), hex::encode(*ciphertext)}};
}

// The passphrase's key from a file's "kdf" member; InvalidLength when it is malformed.
Expected<SecretBytes, CryptoError> keyFromFile(const QJsonObject &file, const SecretBytes &passphrase)
{
    const QJsonObject kdf = file.value(QStringLiteral("kdf")).toObject();
    const auto salt = hex::decode(kdf.value(QStringLiteral("salt")).toString(), saltSize);
    if (!salt || kdf.value(QStringLiteral("name")).toString() != QStringLiteral("scrypt")
        || file.value(QStringLiteral("cipher")).toString() != QStringLiteral("aes-256-gcm"))
        return unexpected(CryptoError::InvalidLength);
    const ScryptCost cost{static_cast<quint64>(kdf.value(QStringLiteral("n")).toInteger()),
                          static_cast<quint32>(kdf.value(QStringLiteral("r")).toInteger()),
                          static_cast<quint32>(kdf.value(QStringLiteral("p")).toInteger())};
    return deriveKey(passphrase, *salt, cost); // scrypt refuses costs a file must not impose
}

} // namespace

Expected<QByteArray, CryptoError> seal(const PrivateKey &key, const SecretBytes &passphrase, ScryptCost cost)
{
    auto file = encrypt(passphrase, cost, associatedData(key.address().toLowerHex()), key.secret().view());
    if (!file)
        return unexpected(file.error());
    file->insert(QStringLiteral("address"), key.address().toChecksumHex());
    return QJsonDocument(*file).toJson(QJsonDocument::Indented);
}

Expected<Address, CryptoError> addressOf(QByteArrayView keyFile)
{
    const QJsonObject file = QJsonDocument::fromJson(keyFile.toByteArray()).object();
    return Address::fromHex(file.value(QStringLiteral("address")).toString());
}

Expected<PrivateKey, CryptoError> open(QByteArrayView keyFile, const SecretBytes &passphrase)
{
    const QJsonObject file = QJsonDocument::fromJson(keyFile.toByteArray()).object();
    auto address = Address::fromHex(file.value(QStringLiteral("address")).toString());
    const auto nonce = hex::decode(file.value(QStringLiteral("nonce")).toString(), aead::nonceSize);
    const auto ciphertext = hex::decode(file.value(QStringLiteral("ciphertext")).toString(), 32 + aead::tagSize);
    if (file.value(QStringLiteral("version")).toInt() != formatVersion || !address || !nonce || !ciphertext)
        return unexpected(CryptoError::InvalidLength);
    auto derived = keyFromFile(file, passphrase);
    if (!derived)
        return unexpected(derived.error());
    auto secret = aead::open(*derived, *nonce, associatedData(address->toLowerHex()), *ciphertext);
    if (!secret)
        return unexpected(CryptoError::DecryptionFailed);
    auto key = PrivateKey::fromBytes(secret->view());
    if (!key || key->address() != *address)
        return unexpected(CryptoError::DecryptionFailed);
    return key;
}

Expected<QByteArray, CryptoError> sealSecret(const SealedSecret &sealed, const SecretBytes &passphrase, ScryptCost cost)
{
    auto file = encrypt(passphrase, cost, secretAssociatedData(sealed.kind, sealed.owner), sealed.secret.view());
    if (!file)
        return unexpected(file.error());
    file->insert(QStringLiteral("kind"), sealed.kind);
    file->insert(QStringLiteral("owner"), sealed.owner);
    return QJsonDocument(*file).toJson(QJsonDocument::Indented);
}

Expected<SealedSecret, CryptoError> openSecret(QByteArrayView file, const SecretBytes &passphrase)
{
    const QJsonObject object = QJsonDocument::fromJson(file.toByteArray()).object();
    const QString kind = object.value(QStringLiteral("kind")).toString();
    const QString owner = object.value(QStringLiteral("owner")).toString();
    const auto nonce = hex::decode(object.value(QStringLiteral("nonce")).toString(), aead::nonceSize);
    const auto ciphertext = hex::decode(object.value(QStringLiteral("ciphertext")).toString());
    if (object.value(QStringLiteral("version")).toInt() != formatVersion || kind.isEmpty() || !nonce || !ciphertext
        || ciphertext->size() <= aead::tagSize)
        return unexpected(CryptoError::InvalidLength);
    auto derived = keyFromFile(object, passphrase);
    if (!derived)
        return unexpected(derived.error());
    auto secret = aead::open(*derived, *nonce, secretAssociatedData(kind, owner), *ciphertext);
    if (!secret)
        return unexpected(CryptoError::DecryptionFailed);
    return SealedSecret{kind, owner, std::move(*secret)};
}

} // namespace cmeet::crypto::keystore
