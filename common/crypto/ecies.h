#pragma once
// ECIES for encrypted votes: ephemeral ECDH on secp256k1, HKDF-SHA256, AES-256-GCM.
//
// Ciphertext layout: ephemeral public key (33 bytes, compressed) || nonce (12) || encrypted
// plaintext || GCM tag (16). Key = HKDF-SHA256(ikm = shared X, salt = ephemeral key || recipient
// key (both compressed), info = "c-meet ecies v1"). associatedData is authenticated, not
// encrypted: votes bind the poll id and the voter, so a ciphertext can't be replayed by another
// voter or in another poll.

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QByteArrayView>

namespace cmeet::crypto::ecies {

inline constexpr qsizetype overhead = 33 + 12 + 16;

[[nodiscard]] Expected<QByteArray, CryptoError> encrypt(const PublicKey &recipient, QByteArrayView plaintext,
                                                        QByteArrayView associatedData);
[[nodiscard]] Expected<SecretBytes, CryptoError> decrypt(const PrivateKey &recipient, QByteArrayView ciphertext,
                                                         QByteArrayView associatedData);

} // namespace cmeet::crypto::ecies
