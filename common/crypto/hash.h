#pragma once

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QByteArrayView>

namespace cmeet::crypto {

[[nodiscard]] QByteArray sha256(QByteArrayView data);
[[nodiscard]] QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

// RFC 5869 HKDF with SHA-256. length at most 255 * 32 bytes.
[[nodiscard]] Expected<SecretBytes, CryptoError> hkdfSha256(QByteArrayView inputKeyMaterial, QByteArrayView salt,
                                                            QByteArrayView info, qsizetype length);

} // namespace cmeet::crypto
