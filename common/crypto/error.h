#pragma once

#include <QString>

namespace cmeet::crypto {

enum class CryptoError {
    InvalidLength,      // input of the wrong size
    InvalidPrivateKey,  // zero or not below the curve order
    InvalidPublicKey,   // not a point on secp256k1
    InvalidSignature,   // r or s out of range, or not a signature at all
    HighS,              // s above half the curve order: only low-s signatures are accepted
    InvalidRecoveryId,  // v not 27 or 28
    RecoveryFailed,     // no public key recovers from this signature and hash
    InvalidAddress,     // not 0x + 40 hex digits, or a wrong EIP-55 checksum
    DecryptionFailed,   // ciphertext, tag or key do not match
    RandomFailed,       // the CSPRNG refused to produce bytes
    InternalError,      // a library call failed where it should not
};

[[nodiscard]] QString describe(CryptoError error);

} // namespace cmeet::crypto
