#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>

#include <memory>

namespace cmeet::crypto {

void sha256(std::initializer_list<QByteArrayView> parts, std::span<char, 32> digest)
{
    // Fetched once, and one context per thread: SHA256() looks the algorithm up on every call,
    // which cost three times the hashing of a Merkle node, and EVP_Digest makes a context each time.
    static EVP_MD *const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    bool ok = algorithm != nullptr && context != nullptr && EVP_DigestInit_ex2(context.get(), algorithm, nullptr) == 1;
    for (const QByteArrayView part : parts)
        ok = ok && EVP_DigestUpdate(context.get(), part.data(), static_cast<size_t>(part.size())) == 1;
    unsigned int length = 0;
    if (!ok || EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char *>(digest.data()), &length) != 1 || length != SHA256_DIGEST_LENGTH)
        qFatal("SHA-256 failed"); // only on a broken OpenSSL: never return an unhashed buffer
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray digest(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    sha256({data}, std::span<char, SHA256_DIGEST_LENGTH>(digest.data(), SHA256_DIGEST_LENGTH));
    return digest;
}

struct Sha256Stream::Context {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    bool finished = false;
    ~Context() { EVP_MD_CTX_free(context); }
};

Sha256Stream::Sha256Stream() : m_context(std::make_unique<Context>())
{
    if (m_context->context == nullptr || EVP_DigestInit_ex(m_context->context, EVP_sha256(), nullptr) != 1)
        qFatal("SHA-256 failed");
}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::addData(QByteArrayView data)
{
    if (m_context->finished || EVP_DigestUpdate(m_context->context, data.data(), static_cast<size_t>(data.size())) != 1)
        qFatal("SHA-256 failed"); // data after the result is a bug: never hash only part of it
}

QByteArray Sha256Stream::result()
{
    QByteArray digest(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    unsigned int length = 0;
    if (m_context->finished || EVP_DigestFinal_ex(m_context->context, reinterpret_cast<unsigned char *>(digest.data()), &length) != 1
        || length != SHA256_DIGEST_LENGTH)
        qFatal("SHA-256 failed");
    m_context->finished = true;
    return digest;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray mac(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    unsigned int macLength = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
             static_cast<size_t>(data.size()), reinterpret_cast<unsigned char *>(mac.data()), &macLength)
            == nullptr
        || macLength != SHA256_DIGEST_LENGTH)
        qFatal("HMAC-SHA-256 failed");
    return mac;
}

Expected<SecretBytes, CryptoError> hkdfSha256(QByteArrayView inputKeyMaterial, QByteArrayView salt,
                                              QByteArrayView info, qsizetype length)
{
    if (length <= 0 || length > 255 * SHA256_DIGEST_LENGTH)
        return unexpected(CryptoError::InvalidLength);
    std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
    if (!kdf)
        return unexpected(CryptoError::InternalError);
    std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> context(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
    if (!context)
        return unexpected(CryptoError::InternalError);

    // OSSL_PARAM takes non-const pointers but does not modify inputs. An empty salt or info is
    // left out: RFC 5869 then uses a salt of zeros and empty info, which OpenSSL does by default.
    char digestName[] = "SHA256";
    OSSL_PARAM params[5];
    int count = 0;
    params[count++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digestName, 0);
    params[count++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char *>(inputKeyMaterial.data()),
                                                        static_cast<size_t>(inputKeyMaterial.size()));
    if (!salt.isEmpty())
        params[count++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(salt.data()),
                                                            static_cast<size_t>(salt.size()));
    if (!info.isEmpty())
        params[count++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char *>(info.data()),
                                                            static_cast<size_t>(info.size()));
    params[count] = OSSL_PARAM_construct_end();
    SecretBytes output(length);
    if (EVP_KDF_derive(context.get(), reinterpret_cast<unsigned char *>(output.data()),
                       static_cast<size_t>(length), params) != 1)
        return unexpected(CryptoError::InternalError);
    return output;
}

Expected<SecretBytes, CryptoError> scrypt(QByteArrayView password, QByteArrayView salt, ScryptCost cost, qsizetype length)
{
    constexpr quint64 maxN = quint64{1} << 20;
    constexpr quint64 maxMemory = quint64{256} << 20; // 128 * r * N bytes
    constexpr quint64 maxWork = quint64{1} << 24;     // N * r * p
    if (cost.n < 2 || cost.n > maxN || (cost.n & (cost.n - 1)) != 0 || cost.r == 0 || cost.r > 32 || cost.p == 0
        || cost.p > 16 || length <= 0 || length > 1024 || 128 * quint64{cost.r} * cost.n > maxMemory
        || cost.n * cost.r * cost.p > maxWork)
        return unexpected(CryptoError::InvalidLength);
    SecretBytes key(length);
    const quint64 memory = 128 * quint64{cost.r} * (cost.n + quint64{cost.p} + 2);
    if (EVP_PBE_scrypt(password.data(), static_cast<size_t>(password.size()),
                       reinterpret_cast<const unsigned char *>(salt.data()), static_cast<size_t>(salt.size()), cost.n,
                       cost.r, cost.p, memory, reinterpret_cast<unsigned char *>(key.data()), static_cast<size_t>(length)) != 1)
        return unexpected(CryptoError::InternalError);
    return key;
}

} // namespace cmeet::crypto
