#include "crypto/aead.h"

#include <openssl/evp.h>

#include <memory>

namespace cmeet::crypto::aead {
namespace {

const unsigned char *bytesOf(QByteArrayView view) { return reinterpret_cast<const unsigned char *>(view.data()); }

// One pass of AES-256-GCM. Encrypting writes the tag to tag; decrypting checks it.
bool runGcm(bool encrypting, const SecretBytes &key, QByteArrayView nonce, QByteArrayView associatedData,
            QByteArrayView input, char *output, char *tag)
{
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int length = 0;
    if (!context
        || EVP_CipherInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytesOf(key.view()), bytesOf(nonce),
                             encrypting ? 1 : 0) != 1)
        return false;
    if (!associatedData.isEmpty()
        && EVP_CipherUpdate(context.get(), nullptr, &length, bytesOf(associatedData),
                            static_cast<int>(associatedData.size())) != 1)
        return false;
    if (!input.isEmpty()
        && EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char *>(output), &length, bytesOf(input),
                            static_cast<int>(input.size())) != 1)
        return false;
    if (!encrypting && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, tagSize, tag) != 1)
        return false;
    if (EVP_CipherFinal_ex(context.get(), nullptr, &length) != 1)
        return false;
    return !encrypting || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, tagSize, tag) == 1;
}

bool validSizes(const SecretBytes &key, QByteArrayView nonce, qsizetype length)
{
    return key.size() == keySize && nonce.size() == nonceSize && length <= (1 << 24);
}

} // namespace

Expected<QByteArray, CryptoError> seal(const SecretBytes &key, QByteArrayView nonce, QByteArrayView associatedData,
                                       QByteArrayView plaintext)
{
    if (!validSizes(key, nonce, plaintext.size()))
        return unexpected(CryptoError::InvalidLength);
    QByteArray out(plaintext.size() + tagSize, Qt::Uninitialized);
    if (!runGcm(true, key, nonce, associatedData, plaintext, out.data(), out.data() + plaintext.size()))
        return unexpected(CryptoError::InternalError);
    return out;
}

Expected<SecretBytes, CryptoError> open(const SecretBytes &key, QByteArrayView nonce, QByteArrayView associatedData,
                                        QByteArrayView sealed)
{
    if (sealed.size() < tagSize || !validSizes(key, nonce, sealed.size()))
        return unexpected(CryptoError::DecryptionFailed);
    QByteArray tag = sealed.last(tagSize).toByteArray();
    const QByteArrayView body = sealed.first(sealed.size() - tagSize);
    SecretBytes plaintext(body.size());
    if (!runGcm(false, key, nonce, associatedData, body, plaintext.data(), tag.data()))
        return unexpected(CryptoError::DecryptionFailed);
    return plaintext;
}

} // namespace cmeet::crypto::aead
