#include "crypto/ffs.h"

#include "base/hex.h"
#include "crypto/hash.h"

#include <QJsonArray>

#include <openssl/bn.h>

#include <memory>

namespace cmeet::crypto {
namespace {

constexpr char secretVersion = 0x01;
constexpr qsizetype secretHeaderSize = 4; // version, k, width (2 bytes)

auto fail(FfsErrorCode code, const QString &detail) { return Unexpected<FfsError>{FfsError{code, detail}}; }
auto internalError() { return fail(FfsErrorCode::InternalError, QStringLiteral("an OpenSSL big-number operation failed")); }
auto randomFailed() { return fail(FfsErrorCode::RandomFailed, QStringLiteral("could not draw a random number mod n")); }

struct BnFree {
    void operator()(BIGNUM *bn) const { BN_clear_free(bn); }
};
struct BnCtxFree {
    void operator()(BN_CTX *ctx) const { BN_CTX_free(ctx); }
};
struct MontFree {
    void operator()(BN_MONT_CTX *mont) const { BN_MONT_CTX_free(mont); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;
using Mont = std::unique_ptr<BN_MONT_CTX, MontFree>;

// Any number here may be secret or derived from one: secure heap when the process set one
// up, always cleared when freed.
Bn newBn() { return Bn(BN_secure_new()); }
BnCtx newCtx() { return BnCtx(BN_CTX_secure_new()); }

// Null on allocation failure.
Bn bnFrom(QByteArrayView bigEndian)
{
    Bn bn = newBn();
    if (bn && BN_bin2bn(reinterpret_cast<const unsigned char *>(bigEndian.data()), static_cast<int>(bigEndian.size()),
                        bn.get())
                  == nullptr)
        bn.reset();
    return bn;
}

// Big-endian, exactly `width` bytes; false when the number does not fit.
bool writeFixed(const BIGNUM *bn, char *out, qsizetype width)
{
    return BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out), static_cast<int>(width)) == width;
}

QByteArray fixedBytes(const BIGNUM *bn, qsizetype width)
{
    QByteArray out(width, '\0');
    return writeFixed(bn, out.data(), width) ? out : QByteArray();
}

bool challengeBit(QByteArrayView challenge, qsizetype index)
{
    return ((static_cast<unsigned char>(challenge[index / 8]) >> (index % 8)) & 1U) != 0;
}

qsizetype challengeSize(qsizetype k) { return (k + 7) / 8; }

// A uniformly random unit mod n. A non-unit would be a factor of n (probability ~2^-1000), so
// the loop practically never repeats.
bool randomUnit(BIGNUM *out, const BIGNUM *n, BN_CTX *ctx)
{
    Bn gcd = newBn();
    for (int attempt = 0; gcd && attempt < 16; ++attempt) {
        if (BN_priv_rand_range_ex(out, n, 0, ctx) != 1 || BN_gcd(gcd.get(), out, n, ctx) != 1)
            return false;
        if (BN_is_one(gcd.get()))
            return true;
    }
    return false;
}

// SHA-256(domain || len(id) || id || verifier || identity || round (4 bytes) || x (modulus width)).
// Every field but the id has a fixed size, so distinct sessions can't produce the same input.
QByteArray commitmentDigest(const FfsSession &session, int round, QByteArrayView x)
{
    QByteArray input("cmeet-ffs-commitment-v1");
    input += static_cast<char>(session.id.size());
    input += session.id;
    input += session.verifier.bytes();
    input += session.identity.bytes();
    for (int shift = 24; shift >= 0; shift -= 8)
        input += static_cast<char>((round >> shift) & 0xff);
    input += x;
    return sha256(input);
}

Expected<Ok, FfsError> validateModulus(const QByteArray &modulus)
{
    if (modulus.isEmpty() || modulus.front() == '\0')
        return fail(FfsErrorCode::InvalidPublicKey, QStringLiteral("modulus must be big-endian without leading zero bytes"));
    // Size check before parsing: a published key must not make us parse megabytes.
    if (modulus.size() > ffs::maxModulusBits / 8)
        return fail(FfsErrorCode::InvalidPublicKey,
                    QStringLiteral("modulus has %1 bytes; at most %2 bits are accepted").arg(modulus.size()).arg(ffs::maxModulusBits));
    Bn n = bnFrom(modulus);
    if (!n)
        return internalError();
    const int bits = BN_num_bits(n.get());
    if (bits < ffs::minModulusBits)
        return fail(FfsErrorCode::InvalidPublicKey, QStringLiteral("modulus has %1 bits; at least %2 are required")
                                                        .arg(bits).arg(ffs::minModulusBits));
    if (!BN_is_odd(n.get()))
        return fail(FfsErrorCode::InvalidPublicKey, QStringLiteral("modulus is even"));
    return Ok{};
}

Expected<Ok, FfsError> validateSession(const FfsSession &session)
{
    if (session.id.size() < ffs::minSessionIdSize || session.id.size() > ffs::maxSessionIdSize)
        return fail(FfsErrorCode::InvalidSession, QStringLiteral("session id has %1 bytes; %2 to %3 are accepted")
                                                      .arg(session.id.size()).arg(ffs::minSessionIdSize).arg(ffs::maxSessionIdSize));
    if (session.verifier == Address() || session.identity == Address())
        return fail(FfsErrorCode::InvalidSession, QStringLiteral("session needs both the verifier's and the identity's address"));
    return Ok{};
}

} // namespace

// ---- FfsPublicKey ----

Expected<Ok, FfsError> FfsPublicKey::validate() const
{
    if (auto valid = validateModulus(modulus); !valid)
        return valid;
    if (values.isEmpty() || values.size() > ffs::maxSecrets)
        return fail(FfsErrorCode::InvalidPublicKey,
                    QStringLiteral("public key has %1 values; 1 to %2 are accepted").arg(values.size()).arg(ffs::maxSecrets));
    BnCtx ctx = newCtx();
    Bn n = bnFrom(modulus);
    Bn gcd = newBn();
    if (!ctx || !n || !gcd)
        return internalError();
    for (qsizetype i = 0; i < values.size(); ++i) {
        const auto invalid = [i](const QString &what) {
            return fail(FfsErrorCode::InvalidPublicKey, QStringLiteral("value %1 ").arg(i) + what);
        };
        if (values[i].size() != modulus.size())
            return invalid(QStringLiteral("has %1 bytes; it must have the modulus' width, %2").arg(values[i].size()).arg(modulus.size()));
        Bn v = bnFrom(values[i]);
        if (!v)
            return internalError();
        // v = 1 has the public square root 1: that challenge bit would prove nothing.
        if (BN_is_zero(v.get()) || BN_is_one(v.get()) || BN_cmp(v.get(), n.get()) >= 0)
            return invalid(QStringLiteral("is not in [2, n)"));
        if (BN_gcd(gcd.get(), v.get(), n.get(), ctx.get()) != 1)
            return internalError();
        if (!BN_is_one(gcd.get()))
            return invalid(QStringLiteral("shares a factor with the modulus"));
        // Equal values answer to the same square root: two challenge bits would count as one.
        for (qsizetype j = 0; j < i; ++j) {
            if (values[j] == values[i])
                return invalid(QStringLiteral("repeats value %1").arg(j));
        }
    }
    return Ok{};
}

QJsonObject FfsPublicKey::toJson() const
{
    QJsonArray hexValues;
    for (const QByteArray &value : values)
        hexValues.append(hex::encode(value));
    return QJsonObject{{QStringLiteral("modulus"), hex::encode(modulus)}, {QStringLiteral("values"), hexValues}};
}

Expected<FfsPublicKey, FfsError> FfsPublicKey::fromJson(const QJsonObject &json)
{
    const auto malformed = [](const QString &detail) { return fail(FfsErrorCode::InvalidPublicKey, detail); };
    if (json.size() != 2 || !json.value(QStringLiteral("modulus")).isString() || !json.value(QStringLiteral("values")).isArray())
        return malformed(QStringLiteral("public key must be {\"modulus\": hex, \"values\": [hex, ...]}"));
    const auto modulus = hex::decodeLowercase(json.value(QStringLiteral("modulus")).toString());
    if (!modulus)
        return malformed(QStringLiteral("modulus is not 0x + lowercase hex"));
    FfsPublicKey key{*modulus, {}};
    const QJsonArray values = json.value(QStringLiteral("values")).toArray();
    if (values.size() > ffs::maxSecrets)
        return malformed(QStringLiteral("public key has %1 values; 1 to %2 are accepted").arg(values.size()).arg(ffs::maxSecrets));
    for (const QJsonValue &value : values) {
        const auto bytes = hex::decodeLowercase(value.toString());
        if (!value.isString() || !bytes)
            return malformed(QStringLiteral("value %1 is not 0x + lowercase hex").arg(key.values.size()));
        key.values.append(*bytes);
    }
    if (auto valid = key.validate(); !valid)
        return unexpected(valid.error());
    return key;
}

// ---- FfsSecret ----

Expected<FfsSecret, FfsError> FfsSecret::fromBytes(QByteArrayView bytes)
{
    const auto invalid = [](const QString &detail) { return fail(FfsErrorCode::InvalidSecret, detail); };
    if (bytes.size() < secretHeaderSize || bytes[0] != secretVersion)
        return invalid(QStringLiteral("not an FFS secret (version 1)"));
    const qsizetype k = static_cast<unsigned char>(bytes[1]);
    const qsizetype width = static_cast<unsigned char>(bytes[2]) * 256 + static_cast<unsigned char>(bytes[3]);
    if (k < 1 || k > ffs::maxSecrets || width < ffs::minModulusBits / 8 || width > ffs::maxModulusBits / 8)
        return invalid(QStringLiteral("secret header gives %1 values of %2 bytes").arg(k).arg(width));
    if (bytes.size() != secretHeaderSize + k * width)
        return invalid(QStringLiteral("secret has %1 bytes; its header announces %2").arg(bytes.size()).arg(secretHeaderSize + k * width));
    for (qsizetype i = 0; i < k; ++i) {
        unsigned char any = 0; // OR of every byte: no early exit on secret data
        for (const char byte : bytes.sliced(secretHeaderSize + i * width, width))
            any = static_cast<unsigned char>(any | static_cast<unsigned char>(byte));
        if (any == 0)
            return invalid(QStringLiteral("secret value %1 is zero").arg(i));
    }
    return FfsSecret(SecretBytes(bytes));
}

qsizetype FfsSecret::count() const
{
    return m_bytes.size() < secretHeaderSize ? 0 : static_cast<unsigned char>(m_bytes.data()[1]);
}

qsizetype FfsSecret::width() const
{
    if (m_bytes.size() < secretHeaderSize)
        return 0;
    return static_cast<unsigned char>(m_bytes.data()[2]) * 256 + static_cast<unsigned char>(m_bytes.data()[3]);
}

QByteArrayView FfsSecret::value(qsizetype index) const
{
    return m_bytes.view().sliced(secretHeaderSize + index * width(), width());
}

// ---- FfsRegistrar ----

Expected<FfsRegistrar, FfsError> FfsRegistrar::create(int bits)
{
    if (bits < ffs::minModulusBits || bits > ffs::maxModulusBits || bits % 2 != 0)
        return fail(FfsErrorCode::WeakParameters, QStringLiteral("modulus size must be an even number of bits from %1 to %2")
                                                      .arg(ffs::minModulusBits).arg(ffs::maxModulusBits));
    BnCtx ctx = newCtx();
    Bn p = newBn();
    Bn q = newBn();
    Bn n = newBn();
    Bn difference = newBn();
    if (!ctx || !p || !q || !n || !difference)
        return internalError();
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (BN_generate_prime_ex2(p.get(), bits / 2, 0, nullptr, nullptr, nullptr, ctx.get()) != 1
            || BN_generate_prime_ex2(q.get(), bits / 2, 0, nullptr, nullptr, nullptr, ctx.get()) != 1
            || BN_mul(n.get(), p.get(), q.get(), ctx.get()) != 1 || BN_sub(difference.get(), p.get(), q.get()) != 1)
            return internalError();
        // OpenSSL sets the top two bits of each prime, so n has exactly `bits` bits; and p, q
        // far apart, or Fermat's method finds them from n (|p - q| >= 2^(bits/2 - 100), FIPS 186-5's bound).
        if (BN_num_bits(n.get()) == bits && BN_num_bits(difference.get()) > bits / 2 - 100) {
            // Issuing secrets needs only n: drop the factors now (BN_clear_free wipes them), so a
            // registrar compromised later has nothing that computes square roots.
            p.reset();
            q.reset();
            difference.reset();
            return FfsRegistrar(fixedBytes(n.get(), (bits + 7) / 8));
        }
    }
    return internalError();
}

Expected<FfsRegistrar, FfsError> FfsRegistrar::fromModulus(QByteArrayView modulus)
{
    QByteArray bytes = modulus.toByteArray();
    if (auto valid = validateModulus(bytes); !valid)
        return unexpected(valid.error());
    return FfsRegistrar(std::move(bytes));
}

Expected<FfsKeyPair, FfsError> FfsRegistrar::issue(int k) const
{
    if (k < 1 || k > ffs::maxSecrets)
        return fail(FfsErrorCode::WeakParameters, QStringLiteral("k = %1; 1 to %2 secrets are accepted").arg(k).arg(ffs::maxSecrets));
    const qsizetype width = m_modulus.size();
    BnCtx ctx = newCtx();
    Bn n = bnFrom(m_modulus);
    Bn s = newBn();
    Bn inverse = newBn();
    Bn v = newBn();
    if (!ctx || !n || !s || !inverse || !v)
        return internalError();
    SecretBytes stored(secretHeaderSize + k * width);
    stored.data()[0] = secretVersion;
    stored.data()[1] = static_cast<char>(k);
    stored.data()[2] = static_cast<char>(width >> 8);
    stored.data()[3] = static_cast<char>(width & 0xff);
    FfsPublicKey publicKey{m_modulus, {}};
    for (qsizetype i = 0; i < k; ++i) {
        if (!randomUnit(s.get(), n.get(), ctx.get()))
            return randomFailed();
        BN_set_flags(s.get(), BN_FLG_CONSTTIME); // the inverse without branches on s
        if (BN_mod_inverse(inverse.get(), s.get(), n.get(), ctx.get()) == nullptr
            || BN_mod_sqr(v.get(), inverse.get(), n.get(), ctx.get()) != 1
            || !writeFixed(s.get(), stored.data() + secretHeaderSize + i * width, width))
            return internalError();
        publicKey.values.append(fixedBytes(v.get(), width));
    }
    // Catches what random draws make negligible (v = 1, two equal values).
    if (auto valid = publicKey.validate(); !valid)
        return unexpected(valid.error());
    return FfsKeyPair{std::move(publicKey), FfsSecret(std::move(stored))};
}

// ---- FfsProver ----

Expected<FfsProver, FfsError> FfsProver::create(FfsPublicKey publicKey, FfsSecret secret, FfsSession session)
{
    if (auto valid = publicKey.validate(); !valid)
        return unexpected(valid.error());
    if (auto valid = validateSession(session); !valid)
        return unexpected(valid.error());
    if (secret.count() != publicKey.values.size() || secret.width() != publicKey.modulus.size())
        return fail(FfsErrorCode::InvalidSecret, QStringLiteral("secret has %1 values of %2 bytes; the public key %3 of %4")
                                                     .arg(secret.count()).arg(secret.width())
                                                     .arg(publicKey.values.size()).arg(publicKey.modulus.size()));
    BnCtx ctx = newCtx();
    Bn n = bnFrom(publicKey.modulus);
    Bn product = newBn();
    if (!ctx || !n || !product)
        return internalError();
    for (qsizetype i = 0; i < secret.count(); ++i) {
        Bn s = bnFrom(secret.value(i));
        Bn v = bnFrom(publicKey.values[i]);
        if (!s || !v)
            return internalError();
        if (BN_cmp(s.get(), n.get()) >= 0)
            return fail(FfsErrorCode::InvalidSecret, QStringLiteral("secret value %1 is not below the modulus").arg(i));
        if (BN_mod_sqr(product.get(), s.get(), n.get(), ctx.get()) != 1
            || BN_mod_mul(product.get(), product.get(), v.get(), n.get(), ctx.get()) != 1)
            return internalError();
        if (!BN_is_one(product.get()))
            return fail(FfsErrorCode::InvalidSecret, QStringLiteral("secret value %1 does not match the public key").arg(i));
    }
    return FfsProver(std::move(publicKey), std::move(secret), std::move(session));
}

// The prover multiplies secret numbers in Montgomery form: no division on secret values
// (BN_mod_mul's BN_div is not constant time). montMul(a, toMont(b)) = a * b mod n.
Expected<QByteArray, FfsError> FfsProver::commit()
{
    m_r.wipe();
    const qsizetype width = m_publicKey.modulus.size();
    BnCtx ctx = newCtx();
    Bn n = bnFrom(m_publicKey.modulus);
    Mont mont(BN_MONT_CTX_new());
    Bn r = newBn();
    Bn rMont = newBn();
    Bn x = newBn();
    if (!ctx || !n || !mont || !r || !rMont || !x || BN_MONT_CTX_set(mont.get(), n.get(), ctx.get()) != 1)
        return internalError();
    if (!randomUnit(r.get(), n.get(), ctx.get()))
        return randomFailed();
    SecretBytes rBytes(width);
    if (BN_to_montgomery(rMont.get(), r.get(), mont.get(), ctx.get()) != 1
        || BN_mod_mul_montgomery(x.get(), r.get(), rMont.get(), mont.get(), ctx.get()) != 1
        || !writeFixed(r.get(), rBytes.data(), width))
        return internalError();
    m_r = std::move(rBytes);
    return commitmentDigest(m_session, m_round, fixedBytes(x.get(), width));
}

Expected<QByteArray, FfsError> FfsProver::respond(QByteArrayView challenge)
{
    // Taken out first: whatever happens below, this r never answers a second challenge.
    SecretBytes rBytes = std::move(m_r);
    m_r.wipe();
    if (rBytes.isEmpty())
        return fail(FfsErrorCode::OutOfOrder, QStringLiteral("no commitment awaits a response (each is answered once)"));
    const qsizetype k = m_secret.count();
    if (challenge.size() != challengeSize(k))
        return fail(FfsErrorCode::MalformedMessage, QStringLiteral("challenge has %1 bytes; %2 expected").arg(challenge.size()).arg(challengeSize(k)));
    if (k % 8 != 0 && (static_cast<unsigned char>(challenge.back()) >> (k % 8)) != 0)
        return fail(FfsErrorCode::MalformedMessage, QStringLiteral("challenge sets bits beyond the %1 secrets").arg(k));
    const qsizetype width = m_publicKey.modulus.size();
    BnCtx ctx = newCtx();
    Bn n = bnFrom(m_publicKey.modulus);
    Mont mont(BN_MONT_CTX_new());
    Bn y = bnFrom(rBytes.view());
    Bn sMont = newBn();
    if (!ctx || !n || !mont || !y || !sMont || BN_MONT_CTX_set(mont.get(), n.get(), ctx.get()) != 1)
        return internalError();
    for (qsizetype i = 0; i < k; ++i) {
        if (!challengeBit(challenge, i))
            continue;
        Bn s = bnFrom(m_secret.value(i));
        if (!s || BN_to_montgomery(sMont.get(), s.get(), mont.get(), ctx.get()) != 1
            || BN_mod_mul_montgomery(y.get(), y.get(), sMont.get(), mont.get(), ctx.get()) != 1)
            return internalError();
    }
    QByteArray response = fixedBytes(y.get(), width);
    if (response.isEmpty())
        return internalError();
    ++m_round;
    return response;
}

// ---- FfsVerifier ----

Expected<FfsVerifier, FfsError> FfsVerifier::create(FfsPublicKey publicKey, FfsSession session, int rounds)
{
    if (auto valid = publicKey.validate(); !valid)
        return unexpected(valid.error());
    if (auto valid = validateSession(session); !valid)
        return unexpected(valid.error());
    const qsizetype k = publicKey.values.size();
    if (rounds < 1 || rounds > ffs::maxRounds)
        return fail(FfsErrorCode::WeakParameters, QStringLiteral("%1 rounds; 1 to %2 are accepted").arg(rounds).arg(ffs::maxRounds));
    if (k * rounds < ffs::minSoundnessBits)
        return fail(FfsErrorCode::WeakParameters,
                    QStringLiteral("k = %1 secrets and t = %2 rounds give an impostor a 2^-%3 chance; at most 2^-%4 is accepted")
                        .arg(k).arg(rounds).arg(k * rounds).arg(ffs::minSoundnessBits));
    return FfsVerifier(std::move(publicKey), std::move(session), rounds);
}

Unexpected<FfsError> FfsVerifier::failSession(FfsErrorCode code, const QString &detail)
{
    if (m_state != State::Accepted)
        m_state = State::Failed;
    m_commitment.clear();
    m_challenge.clear();
    return Unexpected<FfsError>{FfsError{code, detail}};
}

Expected<QByteArray, FfsError> FfsVerifier::challenge(QByteArrayView commitment)
{
    if (m_state != State::AwaitingCommitment)
        return failSession(FfsErrorCode::OutOfOrder, QStringLiteral("no commitment expected: a challenge is pending or the session is over"));
    if (commitment.size() != ffs::commitmentSize)
        return failSession(FfsErrorCode::MalformedMessage, QStringLiteral("commitment has %1 bytes; %2 expected")
                                                        .arg(commitment.size()).arg(ffs::commitmentSize));
    const qsizetype k = m_publicKey.values.size();
    auto bits = randomBytes(challengeSize(k));
    if (!bits)
        return failSession(FfsErrorCode::RandomFailed, QStringLiteral("the CSPRNG failed to produce a challenge"));
    if (k % 8 != 0)
        bits->back() = static_cast<char>(static_cast<unsigned char>(bits->back()) & ((1U << (k % 8)) - 1U));
    m_commitment = commitment.toByteArray();
    m_challenge = *bits;
    m_state = State::AwaitingResponse;
    return *bits;
}

Expected<Ok, FfsError> FfsVerifier::check(QByteArrayView response)
{
    if (m_state != State::AwaitingResponse)
        return failSession(FfsErrorCode::OutOfOrder, QStringLiteral("no challenge awaits a response"));
    const qsizetype width = m_publicKey.modulus.size();
    if (response.size() != width)
        return failSession(FfsErrorCode::MalformedMessage, QStringLiteral("response has %1 bytes; %2 expected").arg(response.size()).arg(width));
    BnCtx ctx = newCtx();
    Bn n = bnFrom(m_publicKey.modulus);
    Bn y = bnFrom(response);
    Bn x = newBn();
    if (!ctx || !n || !y || !x)
        return failSession(FfsErrorCode::InternalError, QStringLiteral("an OpenSSL big-number operation failed"));
    // y = 0 would give x' = 0 for every challenge: a commitment to 0 would pass any round.
    if (BN_is_zero(y.get()) || BN_cmp(y.get(), n.get()) >= 0)
        return failSession(FfsErrorCode::MalformedMessage, QStringLiteral("response is not in [1, n)"));
    bool ok = BN_mod_sqr(x.get(), y.get(), n.get(), ctx.get()) == 1;
    for (qsizetype i = 0; ok && i < m_publicKey.values.size(); ++i) {
        if (!challengeBit(m_challenge, i))
            continue;
        Bn v = bnFrom(m_publicKey.values[i]);
        ok = v && BN_mod_mul(x.get(), x.get(), v.get(), n.get(), ctx.get()) == 1;
    }
    if (!ok)
        return failSession(FfsErrorCode::InternalError, QStringLiteral("an OpenSSL big-number operation failed"));
    if (!constantTimeEquals(commitmentDigest(m_session, m_round, fixedBytes(x.get(), width)), m_commitment))
        return failSession(FfsErrorCode::Rejected, QStringLiteral("round %1 of %2: the response does not open the commitment")
                                                .arg(m_round + 1).arg(m_rounds));
    ++m_round;
    m_state = m_round == m_rounds ? State::Accepted : State::AwaitingCommitment;
    m_commitment.clear();
    m_challenge.clear();
    return Ok{};
}

Expected<Ok, FfsError> runIdentification(FfsProver &prover, FfsVerifier &verifier)
{
    while (!verifier.accepted()) {
        auto commitment = prover.commit();
        if (!commitment)
            return unexpected(commitment.error());
        auto challenge = verifier.challenge(*commitment);
        if (!challenge)
            return unexpected(challenge.error());
        auto response = prover.respond(*challenge);
        if (!response)
            return unexpected(response.error());
        if (auto checked = verifier.check(*response); !checked)
            return checked;
    }
    return Ok{};
}

} // namespace cmeet::crypto
