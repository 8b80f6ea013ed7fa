#include "crypto/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace cmeet::crypto {

namespace {

// OpenSSL's cleanup at exit must not run: it assumes every other thread has ended, but Qt's
// threads are still ending when QThread::wait() returns (their thread-local destructors, and
// with them OpenSSL's per-thread cleanup, run after it), and once the cleanup has run those
// threads' random generators and error queues are never freed. Asked before main, so before
// anything (libpq, Qt's TLS) first initialises OpenSSL; the process's exit frees it all.
[[maybe_unused]] const bool openSslWithoutExitCleanup = OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

} // namespace

SecretBytes::SecretBytes(qsizetype size) : m_bytes(size, '\0') {}

SecretBytes::SecretBytes(QByteArrayView bytes) : m_bytes(bytes.data(), bytes.size()) {}

SecretBytes::SecretBytes(const SecretBytes &other) : m_bytes(other.m_bytes.constData(), other.m_bytes.size()) {}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept : m_bytes(std::move(other.m_bytes)) {}

SecretBytes &SecretBytes::operator=(const SecretBytes &other)
{
    if (this != &other) {
        wipe();
        m_bytes = QByteArray(other.m_bytes.constData(), other.m_bytes.size());
    }
    return *this;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    if (this != &other) {
        wipe();
        m_bytes = std::move(other.m_bytes);
    }
    return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

bool SecretBytes::equals(QByteArrayView other) const { return constantTimeEquals(m_bytes, other); }

void SecretBytes::wipe()
{
    if (!m_bytes.isEmpty() && !m_bytes.isDetached()) {
        // Shared buffer (should not happen, we deep-copy): drop our reference without touching it.
        m_bytes = QByteArray();
        return;
    }
    secureWipe(m_bytes.data(), m_bytes.size());
    m_bytes = QByteArray();
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), static_cast<size_t>(a.size())) == 0;
}

void secureWipe(void *data, qsizetype size)
{
    if (data != nullptr && size > 0)
        OPENSSL_cleanse(data, static_cast<size_t>(size));
}

Expected<QByteArray, CryptoError> randomBytes(qsizetype count)
{
    if (count < 0 || count > (1 << 20))
        return unexpected(CryptoError::InvalidLength);
    QByteArray bytes(count, Qt::Uninitialized);
    if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), static_cast<int>(count)) != 1)
        return unexpected(CryptoError::RandomFailed);
    return bytes;
}

Expected<SecretBytes, CryptoError> randomSecret(qsizetype count)
{
    if (count < 0 || count > (1 << 20))
        return unexpected(CryptoError::InvalidLength);
    SecretBytes secret(count);
    if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char *>(secret.data()), static_cast<int>(count)) != 1)
        return unexpected(CryptoError::RandomFailed);
    return secret;
}

} // namespace cmeet::crypto
