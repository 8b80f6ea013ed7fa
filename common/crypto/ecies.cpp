#include "crypto/ecies.h"

#include "crypto/aead.h"
#include "crypto/hash.h"

namespace cmeet::crypto::ecies {
namespace {

constexpr qsizetype publicKeySize = 33;
constexpr char info[] = "c-meet ecies v1";

Expected<SecretBytes, CryptoError> deriveKey(const SecretBytes &sharedX, QByteArrayView ephemeralKey,
                                             QByteArrayView recipientKey)
{
    const QByteArray salt = ephemeralKey.toByteArray() + recipientKey.toByteArray();
    return hkdfSha256(sharedX.view(), salt, QByteArrayView(info), 32);
}

} // namespace

Expected<QByteArray, CryptoError> encrypt(const PublicKey &recipient, QByteArrayView plaintext,
                                          QByteArrayView associatedData)
{
    if (plaintext.size() > (1 << 20))
        return unexpected(CryptoError::InvalidLength);
    auto ephemeral = PrivateKey::generate();
    if (!ephemeral)
        return unexpected(ephemeral.error());
    auto sharedX = ecdhSharedX(*ephemeral, recipient);
    if (!sharedX)
        return unexpected(sharedX.error());
    const QByteArray ephemeralKey = ephemeral->publicKey().compressed();
    auto key = deriveKey(*sharedX, ephemeralKey, recipient.compressed());
    if (!key)
        return unexpected(key.error());
    auto nonce = randomBytes(aead::nonceSize);
    if (!nonce)
        return unexpected(nonce.error());
    auto sealed = aead::seal(*key, *nonce, associatedData, plaintext);
    if (!sealed)
        return unexpected(sealed.error());
    return QByteArray(ephemeralKey + *nonce + *sealed);
}

Expected<SecretBytes, CryptoError> decrypt(const PrivateKey &recipient, QByteArrayView ciphertext,
                                           QByteArrayView associatedData)
{
    if (ciphertext.size() < overhead)
        return unexpected(CryptoError::DecryptionFailed);
    const QByteArrayView ephemeralKey = ciphertext.first(publicKeySize);
    const QByteArrayView nonce = ciphertext.sliced(publicKeySize, aead::nonceSize);
    const QByteArrayView sealed = ciphertext.sliced(publicKeySize + aead::nonceSize);

    auto sender = PublicKey::fromBytes(ephemeralKey);
    if (!sender)
        return unexpected(CryptoError::DecryptionFailed);
    auto sharedX = ecdhSharedX(recipient, *sender);
    if (!sharedX)
        return unexpected(CryptoError::DecryptionFailed);
    auto key = deriveKey(*sharedX, ephemeralKey, recipient.publicKey().compressed());
    if (!key)
        return unexpected(key.error());
    return aead::open(*key, nonce, associatedData, sealed);
}

} // namespace cmeet::crypto::ecies
