#pragma once
// AES-256-GCM, the one authenticated cipher we use (votes, key files).

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QByteArrayView>

namespace cmeet::crypto::aead {

inline constexpr qsizetype keySize = 32;
inline constexpr qsizetype nonceSize = 12;
inline constexpr qsizetype tagSize = 16;

// Returns ciphertext || tag. The nonce must never repeat under one key.
[[nodiscard]] Expected<QByteArray, CryptoError> seal(const SecretBytes &key, QByteArrayView nonce,
                                                     QByteArrayView associatedData, QByteArrayView plaintext);
// Takes ciphertext || tag; DecryptionFailed when anything was altered or the key is wrong.
[[nodiscard]] Expected<SecretBytes, CryptoError> open(const SecretBytes &key, QByteArrayView nonce,
                                                      QByteArrayView associatedData, QByteArrayView sealed);

} // namespace cmeet::crypto::aead
