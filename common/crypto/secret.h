#pragma once
// Secret bytes (private keys, derived keys): wiped when destroyed or overwritten, compared in
// constant time, never implicitly converted to printable text.

#include "base/expected.h"
#include "crypto/error.h"

#include <QByteArray>
#include <QByteArrayView>

namespace cmeet::crypto {

class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(qsizetype size);            // zero-filled
    explicit SecretBytes(QByteArrayView bytes);      // copies
    SecretBytes(const SecretBytes &other);
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(const SecretBytes &other);
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    ~SecretBytes();

    [[nodiscard]] qsizetype size() const { return m_bytes.size(); }
    [[nodiscard]] bool isEmpty() const { return m_bytes.isEmpty(); }
    [[nodiscard]] const char *data() const { return m_bytes.constData(); }
    [[nodiscard]] char *data() { return m_bytes.data(); }
    [[nodiscard]] QByteArrayView view() const { return m_bytes; }

    // Constant time in the contents (the sizes are not secret).
    [[nodiscard]] bool equals(QByteArrayView other) const;
    bool operator==(const SecretBytes &other) const { return equals(other.view()); }

    // Overwrites the contents with zeros, then releases them.
    void wipe();

private:
    QByteArray m_bytes; // never shared: we detach on copy so wiping one copy wipes its own buffer
};

// Constant-time equality of two byte strings of the same length (false when lengths differ).
[[nodiscard]] bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

// Overwrites memory in a way the compiler may not optimise away.
void secureWipe(void *data, qsizetype size);

// Bytes from the operating system's CSPRNG (via OpenSSL RAND_bytes).
[[nodiscard]] Expected<QByteArray, CryptoError> randomBytes(qsizetype count);
[[nodiscard]] Expected<SecretBytes, CryptoError> randomSecret(qsizetype count);

} // namespace cmeet::crypto
