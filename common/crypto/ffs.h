#pragma once
// Feige-Fiat-Shamir identification, used when an identity is enrolled (DESIGN.md §4,
// docs/identity.md). The registrar publishes a modulus n = p * q (>= 2048 bits; p and q are
// wiped as soon as n is built: issuing secrets does not need them) and gives each identity k
// secrets s_i. Its public key is v_i = s_i^-2 mod n, so that the verifier only multiplies.
//
// One round, prover P and verifier V (k secrets, all arithmetic mod n):
//   P: r random in [1, n), x = r^2,         sends c = SHA-256(session || round || x)
//   V: e = k random bits (CSPRNG),          sends e
//   P: y = r * prod(s_i^e_i),               sends y, and forgets r
//   V: x' = y^2 * prod(v_i^e_i), accepts the round when y != 0 and c == SHA-256(session || round || x')
// An honest prover passes because y^2 * prod(v_i^e_i) = r^2 * prod(s_i^2e_i * s_i^-2e_i) = x.
// Someone without the secrets passes a round only by guessing e before committing (probability
// 2^-k): answering two challenges for one commitment gives a square root of a product of v_i,
// which is as hard as factoring n. V runs t rounds with k * t >= 40, so an impostor passes with
// probability at most 2^-40 (defaults: k = 20, t = 2). No sign bits and no Blum modulus: FFS
// adds them so that the proof does not even reveal that the v_i are squares; ours are squares
// by construction, so the plain variant keeps soundness and zero knowledge.
//
// Why a transcript can't be reused:
// - Replayed to any verifier: its fresh challenge differs from the recorded one except with
//   probability 2^-k per round, and the recorded y answers only the recorded challenge.
// - Relayed live into another session (a man in the middle forwarding c, e and y between an
//   honest prover in session A and a verifier in session B): the prover hashes x with its own
//   session (id, verifier address, identity address, round). Verifier B recomputes x' = x and
//   hashes it with session B, which differs, so c does not match. The relay cannot rewrite c
//   for session B because c hides x: it must send a commitment to B before B's challenge, and
//   learns x only from a response, i.e. after choosing a challenge for the prover; it succeeds
//   only if that challenge equals B's (probability 2^-k per round).
// That relies on the prover's view of the session being its own: `verifier` is the registrar
// its channel authenticated, and `id` is fresh for the session and reached the prover over that
// channel (random from the verifier; better, a channel binding such as a TLS exporter value).
// A relay that can hand the prover B's session as its own is outside what any binding stops.
//
// Messages are byte strings of fixed size (commitment 32 bytes, challenge ceil(k / 8) bytes,
// response the modulus' width), so the registrar and the staff member can run in different
// processes. Any error ends a verifier's session: it never issues a second challenge in a round.

#include "base/expected.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace cmeet::crypto {

namespace ffs {
inline constexpr int minModulusBits = 2048;
inline constexpr int maxModulusBits = 8192; // bounds the work a published key can ask of a verifier
inline constexpr int maxSecrets = 64;       // k: a challenge fits in 8 bytes
inline constexpr int maxRounds = 64;        // t
inline constexpr int minSoundnessBits = 40; // k * t: an impostor passes with probability <= 2^-40
inline constexpr int defaultSecrets = 20;
inline constexpr int defaultRounds = 2;
inline constexpr qsizetype commitmentSize = 32;
inline constexpr qsizetype minSessionIdSize = 16;
inline constexpr qsizetype maxSessionIdSize = 64;
} // namespace ffs

enum class FfsErrorCode {
    InvalidPublicKey, // modulus or values malformed, out of range or of the wrong width
    InvalidSecret,    // malformed, or does not match the public key
    InvalidSession,   // session id too short or too long, or an address left at zero
    WeakParameters,   // k * t below 40 bits, or k or t out of range
    MalformedMessage, // commitment, challenge or response of the wrong size or out of range
    OutOfOrder,       // a call the protocol's state does not allow (a second response, say)
    Rejected,         // the response does not prove knowledge of the secrets
    RandomFailed,     // the CSPRNG refused to produce bytes
    InternalError,    // an OpenSSL call failed where it should not
};

struct FfsError {
    FfsErrorCode code;
    QString detail; // human-readable; never contains secrets
};

// Big-endian, fixed width: the modulus has no leading zero byte, every value has exactly the
// modulus' width. v_i = s_i^-2 mod n.
struct FfsPublicKey {
    QByteArray modulus;
    QList<QByteArray> values;

    // Modulus of 2048..8192 bits and odd; 1..64 values, each in [2, n), coprime to n and distinct.
    // Checks the form only: that n is hard to factor is the registrar's responsibility.
    [[nodiscard]] Expected<Ok, FfsError> validate() const;

    // {"modulus": "0x…", "values": ["0x…", …]}, lowercase hex of the fixed-width bytes.
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Expected<FfsPublicKey, FfsError> fromJson(const QJsonObject &json);

    bool operator==(const FfsPublicKey &other) const = default;
};

// An identity's k secrets s_i, wiped when destroyed.
class FfsSecret {
public:
    // Storage form (seal it like any key): version 0x01 || k (1 byte) || width (2 bytes,
    // big-endian) || s_1 … s_k (width bytes each, big-endian).
    [[nodiscard]] SecretBytes toBytes() const { return m_bytes; }
    [[nodiscard]] static Expected<FfsSecret, FfsError> fromBytes(QByteArrayView bytes);

    [[nodiscard]] qsizetype count() const;
    [[nodiscard]] qsizetype width() const;
    [[nodiscard]] QByteArrayView value(qsizetype index) const;

    // Constant time.
    bool operator==(const FfsSecret &other) const { return m_bytes == other.m_bytes; }

private:
    friend class FfsRegistrar;
    explicit FfsSecret(SecretBytes bytes) : m_bytes(std::move(bytes)) {}
    SecretBytes m_bytes; // the storage form, validated
};

struct FfsKeyPair {
    FfsPublicKey publicKey;
    FfsSecret secret;
};

// The trusted centre. It keeps only n: p and q are wiped right after n is computed.
class FfsRegistrar {
public:
    // n = p * q with two random primes of bits / 2 bits each; bits even, 2048..8192.
    [[nodiscard]] static Expected<FfsRegistrar, FfsError> create(int bits = ffs::minModulusBits);
    // A registrar restarted with its published modulus.
    [[nodiscard]] static Expected<FfsRegistrar, FfsError> fromModulus(QByteArrayView modulus);

    [[nodiscard]] const QByteArray &modulus() const { return m_modulus; }

    // k fresh random secrets coprime to n and their public key.
    [[nodiscard]] Expected<FfsKeyPair, FfsError> issue(int k = ffs::defaultSecrets) const;

private:
    explicit FfsRegistrar(QByteArray modulus) : m_modulus(std::move(modulus)) {}
    QByteArray m_modulus;
};

// What both sides bind every commitment to. Each side fills it from its own view of the
// session (see the header comment); the two must agree for an honest run to pass.
struct FfsSession {
    QByteArray id;    // 16..64 bytes, fresh for this enrolment
    Address verifier; // the registrar running the verification
    Address identity; // the identity being enrolled
};

// Holds the secrets for one session. Move-only: a copy holding the same r could answer two
// challenges for one commitment, which reveals products of the secrets.
class FfsProver {
public:
    // InvalidSecret unless v_i * s_i^2 = 1 mod n for every i.
    [[nodiscard]] static Expected<FfsProver, FfsError> create(FfsPublicKey publicKey, FfsSecret secret,
                                                             FfsSession session);

    FfsProver(const FfsProver &) = delete;
    FfsProver &operator=(const FfsProver &) = delete;
    FfsProver(FfsProver &&) noexcept = default;
    FfsProver &operator=(FfsProver &&) noexcept = default;
    ~FfsProver() = default;

    // Draws a fresh r (forgetting any unanswered one) and returns the commitment for the
    // current round (32 bytes).
    [[nodiscard]] Expected<QByteArray, FfsError> commit();
    // Answers the challenge (ceil(k / 8) bytes, bit i = challenge bit for s_i, least significant
    // bit of byte 0 first, unused bits zero) with y (the modulus' width). r is wiped by this call
    // whatever its outcome, so each commitment gets at most one response.
    [[nodiscard]] Expected<QByteArray, FfsError> respond(QByteArrayView challenge);

private:
    FfsProver(FfsPublicKey publicKey, FfsSecret secret, FfsSession session)
        : m_publicKey(std::move(publicKey)), m_secret(std::move(secret)), m_session(std::move(session)) {}
    FfsPublicKey m_publicKey;
    FfsSecret m_secret;
    FfsSession m_session;
    SecretBytes m_r; // empty unless a commitment awaits its challenge
    int m_round = 0;
};

// Checks one prover over `rounds` rounds in one session.
class FfsVerifier {
public:
    // WeakParameters unless k * rounds >= 40 and 1 <= rounds <= 64.
    [[nodiscard]] static Expected<FfsVerifier, FfsError> create(FfsPublicKey publicKey, FfsSession session,
                                                               int rounds = ffs::defaultRounds);

    // Records the commitment and returns a fresh random challenge for it.
    [[nodiscard]] Expected<QByteArray, FfsError> challenge(QByteArrayView commitment);
    // Checks the response to the last challenge; Rejected when it does not verify.
    [[nodiscard]] Expected<Ok, FfsError> check(QByteArrayView response);

    // True once every round passed.
    [[nodiscard]] bool accepted() const { return m_state == State::Accepted; }
    [[nodiscard]] int rounds() const { return m_rounds; }

private:
    enum class State { AwaitingCommitment, AwaitingResponse, Accepted, Failed };

    FfsVerifier(FfsPublicKey publicKey, FfsSession session, int rounds)
        : m_publicKey(std::move(publicKey)), m_session(std::move(session)), m_rounds(rounds) {}
    Unexpected<FfsError> failSession(FfsErrorCode code, const QString &detail); // any error ends the session

    FfsPublicKey m_publicKey;
    FfsSession m_session;
    int m_rounds = 0;
    int m_round = 0;
    State m_state = State::AwaitingCommitment;
    QByteArray m_commitment;
    QByteArray m_challenge;
};

// Runs the verifier's rounds in process. Ok only when the verifier accepted.
[[nodiscard]] Expected<Ok, FfsError> runIdentification(FfsProver &prover, FfsVerifier &verifier);

} // namespace cmeet::crypto
