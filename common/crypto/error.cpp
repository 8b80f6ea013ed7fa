#include "crypto/error.h"

namespace cmeet::crypto {

QString describe(CryptoError error)
{
    switch (error) {
    case CryptoError::InvalidLength: return QStringLiteral("input has the wrong length");
    case CryptoError::InvalidPrivateKey: return QStringLiteral("private key is zero or not below the curve order");
    case CryptoError::InvalidPublicKey: return QStringLiteral("public key is not a point on secp256k1");
    case CryptoError::InvalidSignature: return QStringLiteral("signature is malformed (r or s out of range)");
    case CryptoError::HighS: return QStringLiteral("signature has a high s value (only low-s signatures are accepted)");
    case CryptoError::InvalidRecoveryId: return QStringLiteral("signature recovery byte v must be 27 or 28");
    case CryptoError::RecoveryFailed: return QStringLiteral("no public key can be recovered from this signature");
    case CryptoError::InvalidAddress: return QStringLiteral("address must be 0x + 40 hex digits with a valid EIP-55 checksum when mixed-case");
    case CryptoError::DecryptionFailed: return QStringLiteral("decryption failed: wrong key or tampered ciphertext");
    case CryptoError::RandomFailed: return QStringLiteral("the random number generator failed");
    case CryptoError::InternalError: return QStringLiteral("internal cryptography error");
    }
    return QStringLiteral("unknown cryptography error");
}

} // namespace cmeet::crypto
