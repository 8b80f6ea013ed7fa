#pragma once

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QByteArrayView>
#include <initializer_list>
#include <memory>
#include <span>

namespace cmeet::crypto {

[[nodiscard]] QByteArray sha256(QByteArrayView data);
// SHA-256 of parts one after another, written to digest: no buffer joins them and nothing is
// allocated (a Merkle tree hashes a prefix byte and one or two hashes per node).
void sha256(std::initializer_list<QByteArrayView> parts, std::span<char, 32> digest);

// SHA-256 over data that arrives in pieces (an image's chunks), with OpenSSL's code.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream &) = delete;
    Sha256Stream &operator=(const Sha256Stream &) = delete;

    void addData(QByteArrayView data);
    // The digest of everything added; the stream takes no more data after it.
    [[nodiscard]] QByteArray result();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};
[[nodiscard]] QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

// RFC 5869 HKDF with SHA-256. length at most 255 * 32 bytes.
[[nodiscard]] Expected<SecretBytes, CryptoError> hkdfSha256(QByteArrayView inputKeyMaterial, QByteArrayView salt,
                                                            QByteArrayView info, qsizetype length);

struct ScryptCost {
    quint64 n = 1 << 15; // 32 MiB with r = 8: about 0.1 s on the reference machine
    quint32 r = 8;
    quint32 p = 1;
};

// RFC 7914 scrypt for passphrases and short codes. Refuses costs above 256 MiB of memory or
// N * r * p > 2^24 (a file or peer must not make us spend minutes or gigabytes).
[[nodiscard]] Expected<SecretBytes, CryptoError> scrypt(QByteArrayView password, QByteArrayView salt, ScryptCost cost,
                                                        qsizetype length);

} // namespace cmeet::crypto
