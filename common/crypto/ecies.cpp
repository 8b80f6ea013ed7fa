#include "crypto/ecies.h"

#include "crypto/hash.h"

#include <openssl/evp.h>

#include <memory>

namespace cmeet::crypto::ecies {
namespace {

constexpr qsizetype publicKeySize = 33;
constexpr qsizetype nonceSize = 12;
constexpr qsizetype tagSize = 16;
constexpr char info[] = "c-meet ecies v1";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char *bytesOf(QByteArrayView view) { return reinterpret_cast<const unsigned char *>(view.data()); }

Expected<SecretBytes, CryptoError> deriveKey(const SecretBytes &sharedX, QByteArrayView ephemeralKey,
                                             QByteArrayView recipientKey)
{
    const QByteArray salt = ephemeralKey.toByteArray() + recipientKey.toByteArray();
    return hkdfSha256(sharedX.view(), salt, QByteArrayView(info), 32);
}

// AES-256-GCM in one direction; returns false on any failure, including a tag mismatch.
bool runGcm(bool encrypting, const SecretBytes &key, QByteArrayView nonce, QByteArrayView associatedData,
            QByteArrayView input, char *output, char *tag)
{
    CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    if (!context)
        return false;
    const auto init = encrypting ? EVP_EncryptInit_ex : EVP_DecryptInit_ex;
    const auto update = encrypting ? EVP_EncryptUpdate : EVP_DecryptUpdate;
    int length = 0;
    if (init(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1
        || init(context.get(), nullptr, nullptr, bytesOf(key.view()), bytesOf(nonce)) != 1)
        return false;
    if (!associatedData.isEmpty()
        && update(context.get(), nullptr, &length, bytesOf(associatedData), static_cast<int>(associatedData.size())) != 1)
        return false;
    if (!input.isEmpty()
        && update(context.get(), reinterpret_cast<unsigned char *>(output), &length, bytesOf(input),
                  static_cast<int>(input.size())) != 1)
        return false;
    if (encrypting) {
        return EVP_EncryptFinal_ex(context.get(), nullptr, &length) == 1
            && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, tagSize, tag) == 1;
    }
    return EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, tagSize, tag) == 1
        && EVP_DecryptFinal_ex(context.get(), nullptr, &length) == 1;
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
    auto nonce = randomBytes(nonceSize);
    if (!nonce)
        return unexpected(nonce.error());

    QByteArray out = ephemeralKey + *nonce;
    const qsizetype bodyOffset = out.size();
    out.resize(bodyOffset + plaintext.size() + tagSize);
    if (!runGcm(true, *key, *nonce, associatedData, plaintext, out.data() + bodyOffset,
                out.data() + bodyOffset + plaintext.size()))
        return unexpected(CryptoError::InternalError);
    return out;
}

Expected<SecretBytes, CryptoError> decrypt(const PrivateKey &recipient, QByteArrayView ciphertext,
                                           QByteArrayView associatedData)
{
    if (ciphertext.size() < overhead)
        return unexpected(CryptoError::DecryptionFailed);
    const QByteArrayView ephemeralKey = ciphertext.first(publicKeySize);
    const QByteArrayView nonce = ciphertext.sliced(publicKeySize, nonceSize);
    const QByteArrayView body = ciphertext.sliced(publicKeySize + nonceSize, ciphertext.size() - overhead);
    QByteArray tag = ciphertext.last(tagSize).toByteArray();

    auto sender = PublicKey::fromBytes(ephemeralKey);
    if (!sender || ephemeralKey[0] == 0x04)
        return unexpected(CryptoError::DecryptionFailed);
    auto sharedX = ecdhSharedX(recipient, *sender);
    if (!sharedX)
        return unexpected(CryptoError::DecryptionFailed);
    auto key = deriveKey(*sharedX, ephemeralKey, recipient.publicKey().compressed());
    if (!key)
        return unexpected(key.error());
    SecretBytes plaintext(body.size());
    if (!runGcm(false, *key, nonce, associatedData, body, plaintext.data(), tag.data()))
        return unexpected(CryptoError::DecryptionFailed);
    return plaintext;
}

} // namespace cmeet::crypto::ecies
