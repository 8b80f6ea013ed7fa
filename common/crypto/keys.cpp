#include "crypto/keys.h"

#include "base/hex.h"
#include "crypto/keccak.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_recovery.h>

#include <QRandomGenerator>

#include <array>
#include <cstring>

namespace cmeet::crypto {
namespace {

const unsigned char *bytesOf(QByteArrayView view) { return reinterpret_cast<const unsigned char *>(view.data()); }
unsigned char *bytesOf(QByteArray &array) { return reinterpret_cast<unsigned char *>(array.data()); }

// One context for the process, randomized against side channels. The secp256k1 API is safe
// to use from several threads with a const context.
const secp256k1_context *context()
{
    static const secp256k1_context *shared = [] {
        secp256k1_context *created = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        // Randomization only adds side-channel protection; a context without it is still correct.
        // The seed comes from the operating system: the first caller is often a thread-pool
        // worker, which then needs no OpenSSL generator of its own for one draw.
        std::array<quint32, 8> seed{};
        QRandomGenerator::system()->fillRange(seed.data(), seed.size());
        if (secp256k1_context_randomize(created, reinterpret_cast<const unsigned char *>(seed.data())) != 1)
            qWarning("secp256k1 context randomization failed");
        OPENSSL_cleanse(seed.data(), sizeof seed);
        return created;
    }();
    return shared;
}

QByteArray serializePublicKey(const secp256k1_pubkey &key, unsigned int flags)
{
    QByteArray out(flags == SECP256K1_EC_COMPRESSED ? 33 : 65, Qt::Uninitialized);
    size_t length = static_cast<size_t>(out.size());
    secp256k1_ec_pubkey_serialize(context(), bytesOf(out), &length, &key, flags);
    return out;
}

// Parses r || s || v into libsecp256k1's form; rejects v outside {27, 28}, r/s out of range, high s.
Expected<secp256k1_ecdsa_recoverable_signature, CryptoError> parseSignature(QByteArrayView bytes)
{
    if (bytes.size() != Signature::size)
        return unexpected(CryptoError::InvalidLength);
    const auto v = static_cast<unsigned char>(bytes[64]);
    if (v != 27 && v != 28)
        return unexpected(CryptoError::InvalidRecoveryId);
    secp256k1_ecdsa_recoverable_signature recoverable;
    if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &recoverable, bytesOf(bytes), v - 27) != 1)
        return unexpected(CryptoError::InvalidSignature);
    secp256k1_ecdsa_signature plain;
    secp256k1_ecdsa_recoverable_signature_convert(context(), &plain, &recoverable);
    // normalize returns 1 when it had to lower s, i.e. when the input was high-s.
    if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &plain) == 1)
        return unexpected(CryptoError::HighS);
    // r = 0 or s = 0 parse but can never verify.
    unsigned char compact[64];
    secp256k1_ecdsa_signature_serialize_compact(context(), compact, &plain);
    const auto allZero = [](const unsigned char *p) {
        unsigned char any = 0;
        for (int i = 0; i < 32; ++i)
            any |= p[i];
        return any == 0;
    };
    if (allZero(compact) || allZero(compact + 32))
        return unexpected(CryptoError::InvalidSignature);
    return recoverable;
}

} // namespace

// ---- Address ----

Expected<Address, CryptoError> Address::fromBytes(QByteArrayView bytes)
{
    if (bytes.size() != size)
        return unexpected(CryptoError::InvalidAddress);
    return Address(bytes.toByteArray());
}

const QByteArray &Address::zeroBytes()
{
    static const QByteArray zero(size, '\0');
    return zero;
}

Expected<Address, CryptoError> Address::fromHex(QStringView text)
{
    auto bytes = hex::decode(text, size);
    if (!bytes)
        return unexpected(CryptoError::InvalidAddress);
    const QStringView digits = text.mid(2);
    bool hasLower = false;
    bool hasUpper = false;
    for (const QChar c : digits) {
        hasLower = hasLower || (c >= u'a' && c <= u'f');
        hasUpper = hasUpper || (c >= u'A' && c <= u'F');
    }
    Address address(std::move(*bytes));
    if (hasLower && hasUpper && address.toChecksumHex() != text)
        return unexpected(CryptoError::InvalidAddress);
    return address;
}

QString Address::toLowerHex() const { return hex::encode(m_bytes); }

QString Address::toChecksumHex() const
{
    // EIP-55: uppercase the i-th letter when the i-th nibble of keccak256(lowercase hex) is >= 8.
    const QByteArray lower = m_bytes.toHex();
    const QByteArray hash = keccak256(lower);
    QString out = QStringLiteral("0x");
    out.reserve(42);
    for (qsizetype i = 0; i < lower.size(); ++i) {
        const auto hashByte = static_cast<unsigned char>(hash[i / 2]);
        const int nibble = (i % 2 == 0) ? (hashByte >> 4) : (hashByte & 0x0f);
        const char c = lower[i];
        out += QLatin1Char(nibble >= 8 && c >= 'a' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return out;
}

// ---- PublicKey ----

Expected<PublicKey, CryptoError> PublicKey::fromBytes(QByteArrayView bytes)
{
    const auto prefix = bytes.isEmpty() ? 0 : static_cast<unsigned char>(bytes[0]);
    const bool compressed = bytes.size() == 33 && (prefix == 0x02 || prefix == 0x03);
    const bool uncompressed = bytes.size() == 65 && prefix == 0x04; // not the "hybrid" 0x06/0x07 forms
    if (!compressed && !uncompressed)
        return unexpected(CryptoError::InvalidPublicKey);
    secp256k1_pubkey key;
    if (secp256k1_ec_pubkey_parse(context(), &key, bytesOf(bytes), static_cast<size_t>(bytes.size())) != 1)
        return unexpected(CryptoError::InvalidPublicKey);
    return PublicKey(serializePublicKey(key, SECP256K1_EC_UNCOMPRESSED));
}

QByteArray PublicKey::compressed() const
{
    secp256k1_pubkey key;
    // m_uncompressed was produced by libsecp256k1, so it always parses.
    if (secp256k1_ec_pubkey_parse(context(), &key, bytesOf(m_uncompressed), 65) != 1)
        return {};
    return serializePublicKey(key, SECP256K1_EC_COMPRESSED);
}

Address PublicKey::address() const
{
    return *Address::fromBytes(keccak256(QByteArrayView(m_uncompressed).sliced(1)).right(Address::size));
}

// ---- Signature ----

Expected<Signature, CryptoError> Signature::fromBytes(QByteArrayView bytes)
{
    if (auto parsed = parseSignature(bytes); !parsed)
        return unexpected(parsed.error());
    return Signature(bytes.toByteArray());
}

Expected<Signature, CryptoError> Signature::fromHex(QStringView text)
{
    auto bytes = hex::decodeLowercase(text, size);
    if (!bytes)
        return unexpected(CryptoError::InvalidLength);
    return fromBytes(*bytes);
}

QString Signature::toHex() const { return hex::encode(m_bytes); }

// ---- PrivateKey ----

Expected<PrivateKey, CryptoError> PrivateKey::fromBytes(QByteArrayView bytes)
{
    if (bytes.size() != 32)
        return unexpected(CryptoError::InvalidPrivateKey);
    if (secp256k1_ec_seckey_verify(context(), bytesOf(bytes)) != 1)
        return unexpected(CryptoError::InvalidPrivateKey);
    secp256k1_pubkey key;
    if (secp256k1_ec_pubkey_create(context(), &key, bytesOf(bytes)) != 1)
        return unexpected(CryptoError::InternalError);
    return PrivateKey(SecretBytes(bytes), *PublicKey::fromBytes(serializePublicKey(key, SECP256K1_EC_UNCOMPRESSED)));
}

Expected<PrivateKey, CryptoError> PrivateKey::generate()
{
    // A random 32-byte string is a valid key except with probability ~2^-128; retry then.
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto candidate = randomSecret(32);
        if (!candidate)
            return unexpected(candidate.error());
        if (auto key = fromBytes(candidate->view()); key)
            return key;
    }
    return unexpected(CryptoError::RandomFailed);
}

Expected<Signature, CryptoError> PrivateKey::sign(QByteArrayView digest) const
{
    if (digest.size() != 32)
        return unexpected(CryptoError::InvalidLength);
    secp256k1_ecdsa_recoverable_signature recoverable;
    // Default nonce function: RFC 6979; libsecp256k1 always produces low-s.
    if (secp256k1_ecdsa_sign_recoverable(context(), &recoverable, bytesOf(digest), bytesOf(m_secret.view()),
                                         nullptr, nullptr) != 1)
        return unexpected(CryptoError::InternalError);
    QByteArray out(Signature::size, Qt::Uninitialized);
    int recoveryId = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), bytesOf(out), &recoveryId, &recoverable);
    out[64] = static_cast<char>(27 + recoveryId);
    return Signature(std::move(out));
}

// ---- recovery and EIP-191 ----

Expected<PublicKey, CryptoError> recoverPublicKey(QByteArrayView digest, const Signature &signature)
{
    if (digest.size() != 32)
        return unexpected(CryptoError::InvalidLength);
    auto parsed = parseSignature(signature.bytes());
    if (!parsed)
        return unexpected(parsed.error());
    secp256k1_pubkey key;
    if (secp256k1_ecdsa_recover(context(), &key, &parsed.value(), bytesOf(digest)) != 1)
        return unexpected(CryptoError::RecoveryFailed);
    return *PublicKey::fromBytes(serializePublicKey(key, SECP256K1_EC_UNCOMPRESSED));
}

Expected<Address, CryptoError> recoverAddress(QByteArrayView digest, const Signature &signature)
{
    auto key = recoverPublicKey(digest, signature);
    if (!key)
        return unexpected(key.error());
    return key->address();
}

Expected<SecretBytes, CryptoError> ecdhSharedX(const PrivateKey &ourKey, const PublicKey &theirKey)
{
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_parse(context(), &point, bytesOf(theirKey.uncompressed()), 65) != 1)
        return unexpected(CryptoError::InvalidPublicKey);
    const auto copyX = [](unsigned char *output, const unsigned char *x32, const unsigned char *, void *) {
        std::memcpy(output, x32, 32);
        return 1;
    };
    SecretBytes shared(32);
    if (secp256k1_ecdh(context(), reinterpret_cast<unsigned char *>(shared.data()), &point,
                       bytesOf(ourKey.secret().view()), copyX, nullptr) != 1)
        return unexpected(CryptoError::InternalError);
    return shared;
}

QByteArray eip191Hash(QByteArrayView message)
{
    Keccak256 hasher;
    hasher.update("\x19" "Ethereum Signed Message:\n");
    hasher.update(QByteArray::number(message.size()));
    hasher.update(message);
    return hasher.finish();
}

} // namespace cmeet::crypto
