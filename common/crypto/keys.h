#pragma once
// secp256k1 keys, Ethereum addresses (EIP-55) and recoverable signatures (EIP-191 for messages).
// Opaque value types; secp256k1 itself stays in keys.cpp.

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace cmeet::crypto {

// A 20-byte Ethereum address.
class Address {
public:
    static constexpr qsizetype size = 20;

    Address() : m_bytes(zeroBytes()) {} // the zero address, shared: every Event starts with one
    // "0x" + 40 hex digits: all lowercase, all uppercase, or mixed case with a valid EIP-55 checksum.
    [[nodiscard]] static Expected<Address, CryptoError> fromHex(QStringView text);
    [[nodiscard]] static Expected<Address, CryptoError> fromBytes(QByteArrayView bytes);

    [[nodiscard]] const QByteArray &bytes() const { return m_bytes; }
    [[nodiscard]] QString toLowerHex() const;    // the form used inside events
    [[nodiscard]] QString toChecksumHex() const; // EIP-55, for people
    bool operator==(const Address &other) const = default;

private:
    explicit Address(QByteArray bytes) : m_bytes(std::move(bytes)) {}
    static const QByteArray &zeroBytes();
    QByteArray m_bytes;
};

class PublicKey {
public:
    // 33-byte compressed or 65-byte uncompressed SEC1 encoding of a point on the curve.
    [[nodiscard]] static Expected<PublicKey, CryptoError> fromBytes(QByteArrayView bytes);

    [[nodiscard]] const QByteArray &uncompressed() const { return m_uncompressed; } // 65 bytes, 0x04 || X || Y
    [[nodiscard]] QByteArray compressed() const;                                    // 33 bytes
    [[nodiscard]] Address address() const; // last 20 bytes of keccak256(X || Y)
    bool operator==(const PublicKey &other) const = default;

private:
    explicit PublicKey(QByteArray uncompressed) : m_uncompressed(std::move(uncompressed)) {}
    QByteArray m_uncompressed;
};

// A 65-byte recoverable signature r || s || v with v in {27, 28} and s in the lower half of the
// curve order: exactly one encoding per signature, so signatures are not malleable.
class Signature {
public:
    static constexpr qsizetype size = 65;

    [[nodiscard]] static Expected<Signature, CryptoError> fromBytes(QByteArrayView bytes);
    [[nodiscard]] static Expected<Signature, CryptoError> fromHex(QStringView text);

    [[nodiscard]] const QByteArray &bytes() const { return m_bytes; }
    [[nodiscard]] QString toHex() const;
    bool operator==(const Signature &other) const = default;

private:
    friend class PrivateKey;
    explicit Signature(QByteArray bytes) : m_bytes(std::move(bytes)) {}
    QByteArray m_bytes;
};

class PrivateKey {
public:
    [[nodiscard]] static Expected<PrivateKey, CryptoError> generate();
    // 32 bytes, big-endian, in [1, n-1].
    [[nodiscard]] static Expected<PrivateKey, CryptoError> fromBytes(QByteArrayView bytes);

    [[nodiscard]] const SecretBytes &secret() const { return m_secret; }
    [[nodiscard]] const PublicKey &publicKey() const { return m_publicKey; }
    [[nodiscard]] Address address() const { return m_publicKey.address(); }

    // Deterministic (RFC 6979) low-s signature of a 32-byte digest.
    [[nodiscard]] Expected<Signature, CryptoError> sign(QByteArrayView digest) const;

    // Constant time.
    bool operator==(const PrivateKey &other) const { return m_secret == other.m_secret; }

private:
    PrivateKey(SecretBytes secret, PublicKey publicKey)
        : m_secret(std::move(secret)), m_publicKey(std::move(publicKey)) {}
    SecretBytes m_secret;
    PublicKey m_publicKey;
};

[[nodiscard]] Expected<PublicKey, CryptoError> recoverPublicKey(QByteArrayView digest, const Signature &signature);
[[nodiscard]] Expected<Address, CryptoError> recoverAddress(QByteArrayView digest, const Signature &signature);

// Raw ECDH: the X coordinate (32 bytes) of ourKey * theirKey. Feed it to a KDF, never use as a key.
[[nodiscard]] Expected<SecretBytes, CryptoError> ecdhSharedX(const PrivateKey &ourKey, const PublicKey &theirKey);

// EIP-191 version 0x45: keccak256("\x19Ethereum Signed Message:\n" + decimal length + message).
// What ethers' hashMessage / verifyMessage use.
[[nodiscard]] QByteArray eip191Hash(QByteArrayView message);

} // namespace cmeet::crypto
