#include "crypto/ffs.h"
#include "crypto/hash.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

#include <openssl/bn.h>

#include <memory>
#include <optional>

using namespace cmeet;
using crypto::FfsErrorCode;

namespace {

// The impostor below does its own arithmetic with OpenSSL, as an attacker would: nothing of
// ffs.cpp helps it.
struct BnFree {
    void operator()(BIGNUM *bn) const { BN_free(bn); }
};
struct BnCtxFree {
    void operator()(BN_CTX *ctx) const { BN_CTX_free(ctx); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn bn(QByteArrayView bytes)
{
    return Bn(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

QByteArray fixed(const BIGNUM *value, qsizetype width)
{
    QByteArray out(width, '\0');
    if (BN_bn2binpad(value, reinterpret_cast<unsigned char *>(out.data()), static_cast<int>(width)) != width)
        qFatal("number does not fit");
    return out;
}

QByteArray fixed(int small, qsizetype width) { return QByteArray(width - 1, '\0') + static_cast<char>(small); }

crypto::Address address(char fill) { return *crypto::Address::fromBytes(QByteArray(crypto::Address::size, fill)); }

crypto::FfsSession newSession() { return {*crypto::randomBytes(16), address('\x0a'), address('\x0b')}; }

// The commitment exactly as docs/identity.md specifies it, written again here: the impostor's
// right guesses pass only if ffs.cpp hashes these same bytes.
QByteArray commitmentDigest(const crypto::FfsSession &session, int round, const QByteArray &x)
{
    QByteArray input = QByteArray("cmeet-ffs-commitment-v1") + static_cast<char>(session.id.size()) + session.id
        + session.verifier.bytes() + session.identity.bytes() + QByteArray(3, '\0') + static_cast<char>(round) + x;
    return crypto::sha256(input);
}

// Knows the public key only. Each round it guesses the challenge, picks a random y and commits
// to x = y^2 * prod(v_i^e_i) for the guessed e: y opens that commitment exactly when the
// verifier draws the guess.
class Impostor {
public:
    Impostor(crypto::FfsPublicKey key, crypto::FfsSession session) : m_key(std::move(key)), m_session(std::move(session)) {}

    QByteArray commit()
    {
        const qsizetype k = m_key.values.size();
        const qsizetype width = m_key.modulus.size();
        m_guess = *crypto::randomBytes((k + 7) / 8);
        if (k % 8 != 0)
            m_guess.back() = static_cast<char>(static_cast<unsigned char>(m_guess.back()) & ((1U << (k % 8)) - 1U));
        std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
        Bn n = bn(m_key.modulus);
        Bn y(BN_new());
        Bn x(BN_new());
        if (BN_rand_range(y.get(), n.get()) != 1 || BN_mod_sqr(x.get(), y.get(), n.get(), ctx.get()) != 1)
            qFatal("impostor arithmetic failed");
        for (qsizetype i = 0; i < k; ++i) {
            if (((static_cast<unsigned char>(m_guess[i / 8]) >> (i % 8)) & 1U) != 0
                && BN_mod_mul(x.get(), x.get(), bn(m_key.values[i]).get(), n.get(), ctx.get()) != 1)
                qFatal("impostor arithmetic failed");
        }
        m_y = fixed(y.get(), width);
        return commitmentDigest(m_session, m_round, fixed(x.get(), width));
    }

    QByteArray respond()
    {
        ++m_round;
        return m_y;
    }

    [[nodiscard]] const QByteArray &guess() const { return m_guess; }

private:
    crypto::FfsPublicKey m_key;
    crypto::FfsSession m_session;
    QByteArray m_guess;
    QByteArray m_y;
    int m_round = 0;
};

struct RecordedRound {
    QByteArray commitment;
    QByteArray challenge;
    QByteArray response;
};

// Replays recorded commitments and responses to a verifier; the error that stopped it, or
// nullopt when it accepted.
std::optional<crypto::FfsError> replay(const QList<RecordedRound> &transcript, crypto::FfsVerifier &verifier)
{
    for (const RecordedRound &round : transcript) {
        auto challenge = verifier.challenge(round.commitment);
        if (!challenge)
            return challenge.error();
        if (auto checked = verifier.check(round.response); !checked)
            return checked.error();
    }
    if (!verifier.accepted())
        return crypto::FfsError{FfsErrorCode::OutOfOrder, QStringLiteral("transcript too short")};
    return std::nullopt;
}

} // namespace

class TestFfs : public QObject {
    Q_OBJECT

private:
    // Generated once: a 2048-bit modulus takes a noticeable fraction of a second.
    std::optional<crypto::FfsRegistrar> m_registrar;
    std::optional<crypto::FfsRegistrar> m_otherRegistrar;
    std::optional<crypto::FfsKeyPair> m_keys;            // k = 20 under m_registrar
    std::optional<crypto::FfsKeyPair> m_sameModulusKeys; // another identity under m_registrar
    std::optional<crypto::FfsKeyPair> m_otherKeys;       // an identity under m_otherRegistrar

    crypto::FfsProver prover(const crypto::FfsKeyPair &keys, const crypto::FfsSession &session)
    {
        auto created = crypto::FfsProver::create(keys.publicKey, keys.secret, session);
        if (!created)
            qFatal("prover: %s", qPrintable(created.error().detail));
        return std::move(created).value();
    }

    crypto::FfsVerifier verifier(const crypto::FfsPublicKey &key, const crypto::FfsSession &session,
                                 int rounds = crypto::ffs::defaultRounds)
    {
        auto created = crypto::FfsVerifier::create(key, session, rounds);
        if (!created)
            qFatal("verifier: %s", qPrintable(created.error().detail));
        return std::move(created).value();
    }

    QList<RecordedRound> honestTranscript(const crypto::FfsSession &session)
    {
        auto honest = prover(*m_keys, session);
        auto checking = verifier(m_keys->publicKey, session);
        QList<RecordedRound> transcript;
        while (!checking.accepted()) {
            RecordedRound round;
            round.commitment = *honest.commit();
            round.challenge = *checking.challenge(round.commitment);
            round.response = *honest.respond(round.challenge);
            if (!checking.check(round.response))
                qFatal("honest run rejected");
            transcript.append(round);
        }
        return transcript;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QElapsedTimer timer;
        timer.start();
        auto registrar = crypto::FfsRegistrar::create();
        QVERIFY(registrar);
        qInfo("2048-bit modulus generated in %lld ms", static_cast<long long>(timer.restart()));
        QCOMPARE(registrar->modulus().size(), 256);
        QVERIFY((static_cast<unsigned char>(registrar->modulus().front()) & 0x80) != 0); // exactly 2048 bits
        auto other = crypto::FfsRegistrar::create();
        QVERIFY(other);
        QVERIFY(other->modulus() != registrar->modulus());
        auto keys = registrar->issue();
        auto sameModulus = registrar->issue();
        auto otherKeys = other->issue();
        QVERIFY(keys && sameModulus && otherKeys);
        qInfo("second modulus and three key pairs in %lld ms", static_cast<long long>(timer.elapsed()));
        m_registrar = std::move(*registrar);
        m_otherRegistrar = std::move(*other);
        m_keys = std::move(*keys);
        m_sameModulusKeys = std::move(*sameModulus);
        m_otherKeys = std::move(*otherKeys);
    }

    void issuedKeysHaveTheDocumentedShape()
    {
        QCOMPARE(m_keys->publicKey.modulus, m_registrar->modulus());
        QCOMPARE(m_keys->publicKey.values.size(), crypto::ffs::defaultSecrets);
        QCOMPARE(m_keys->secret.count(), crypto::ffs::defaultSecrets);
        QCOMPARE(m_keys->secret.width(), 256);
        QVERIFY(m_keys->publicKey.validate());
        QVERIFY(m_keys->publicKey != m_sameModulusKeys->publicKey);
        // A restarted registrar issues under the same published modulus.
        auto restarted = crypto::FfsRegistrar::fromModulus(m_registrar->modulus());
        QVERIFY(restarted);
        auto later = restarted->issue(1);
        QVERIFY(later);
        QCOMPARE(later->publicKey.modulus, m_registrar->modulus());
    }

    void honestProverPasses()
    {
        const crypto::FfsSession session = newSession();
        auto honest = prover(*m_keys, session);
        auto checking = verifier(m_keys->publicKey, session);
        QCOMPARE(checking.rounds(), 2);
        QVERIFY(!checking.accepted());

        // One round by hand: the message sizes the wire carries.
        auto commitment = honest.commit();
        QVERIFY(commitment);
        QCOMPARE(commitment->size(), crypto::ffs::commitmentSize);
        auto challenge = checking.challenge(*commitment);
        QVERIFY(challenge);
        QCOMPARE(challenge->size(), 3); // 20 bits
        QCOMPARE(static_cast<unsigned char>(challenge->back()) >> 4, 0);
        auto response = honest.respond(*challenge);
        QVERIFY(response);
        QCOMPARE(response->size(), 256);
        QVERIFY(checking.check(*response));
        QVERIFY(!checking.accepted());

        QVERIFY(crypto::runIdentification(honest, checking));
        QVERIFY(checking.accepted());
    }

    void honestProverPassesOtherParameters()
    {
        // k = 1 with t = 40, and k = 64 with t = 1 (an 8-byte challenge, every bit used).
        for (const auto &[k, rounds] : {std::pair{1, 40}, std::pair{64, 1}, std::pair{8, 5}}) {
            auto keys = m_registrar->issue(k);
            QVERIFY(keys);
            const crypto::FfsSession session = newSession();
            auto honest = prover(*keys, session);
            auto checking = verifier(keys->publicKey, session, rounds);
            auto result = crypto::runIdentification(honest, checking);
            QVERIFY2(result, qPrintable(result ? QString() : result.error().detail));
            QVERIFY(checking.accepted());
        }
    }

    void proverWithWrongSecretsFails()
    {
        const crypto::FfsSession session = newSession();
        // Another identity's secrets under the same modulus: every message is well formed, only
        // the arithmetic is wrong. It would pass only if every challenge were zero (2^-40).
        auto wrong = prover(*m_sameModulusKeys, session);
        auto checking = verifier(m_keys->publicKey, session);
        auto result = crypto::runIdentification(wrong, checking);
        QVERIFY(!result);
        QCOMPARE(result.error().code, FfsErrorCode::Rejected);
        QVERIFY(!checking.accepted());

        // Another registrar's identity: its responses are not even reduced mod our n.
        auto foreign = prover(*m_otherKeys, session);
        auto checkingForeign = verifier(m_keys->publicKey, session);
        auto foreignResult = crypto::runIdentification(foreign, checkingForeign);
        QVERIFY(!foreignResult);
        QVERIFY(foreignResult.error().code == FfsErrorCode::Rejected
                || foreignResult.error().code == FfsErrorCode::MalformedMessage);
        QVERIFY(!checkingForeign.accepted());

        // Secrets that do not belong to the public key are refused before any message.
        for (const crypto::FfsKeyPair *keys : {&*m_sameModulusKeys, &*m_otherKeys}) {
            auto mismatched = crypto::FfsProver::create(m_keys->publicKey, keys->secret, session);
            QVERIFY(!mismatched);
            QCOMPARE(mismatched.error().code, FfsErrorCode::InvalidSecret);
        }
        QByteArray random = m_keys->secret.toBytes().view().toByteArray();
        for (qsizetype i = 0; i < 20; ++i) {
            QByteArray value = *crypto::randomBytes(256);
            value[0] = '\0'; // below n
            random.replace(4 + i * 256, 256, value);
        }
        auto randomSecret = crypto::FfsSecret::fromBytes(random);
        QVERIFY(randomSecret);
        auto randomProver = crypto::FfsProver::create(m_keys->publicKey, *randomSecret, session);
        QVERIFY(!randomProver);
        QCOMPARE(randomProver.error().code, FfsErrorCode::InvalidSecret);
        QVERIFY(randomProver.error().detail.contains(QStringLiteral("does not match")));
    }

    void impostorGuessingChallengesFails()
    {
        // Default parameters: each round passes exactly when the guess is right (2^-20).
        for (int attempt = 0; attempt < 4; ++attempt) {
            const crypto::FfsSession session = newSession();
            Impostor impostor(m_keys->publicKey, session);
            auto checking = verifier(m_keys->publicKey, session);
            while (!checking.accepted()) {
                auto challenge = checking.challenge(impostor.commit());
                QVERIFY(challenge);
                auto checked = checking.check(impostor.respond());
                QCOMPARE(checked.hasValue(), *challenge == impostor.guess());
                if (!checked) {
                    QCOMPARE(checked.error().code, FfsErrorCode::Rejected);
                    break;
                }
            }
            QVERIFY(!checking.accepted());
        }
    }

    void impostorPassesOnlyTheRoundsItGuesses()
    {
        // k = 1: the guess is right half the time, which shows the impostor's arithmetic and the
        // commitment layout are right; still no run gets through the 40 rounds.
        auto keys = m_registrar->issue(1);
        QVERIFY(keys);
        int passedRounds = 0;
        for (int attempt = 0; attempt < 32; ++attempt) {
            const crypto::FfsSession session = newSession();
            Impostor impostor(keys->publicKey, session);
            auto checking = verifier(keys->publicKey, session, 40);
            while (!checking.accepted()) {
                auto challenge = checking.challenge(impostor.commit());
                QVERIFY(challenge);
                auto checked = checking.check(impostor.respond());
                QCOMPARE(checked.hasValue(), *challenge == impostor.guess());
                if (!checked)
                    break;
                ++passedRounds;
            }
            QVERIFY(!checking.accepted());
        }
        QVERIFY(passedRounds > 0); // no right guess in 32 first rounds: probability 2^-32
    }

    void zeroResponseIsRefused()
    {
        // y = 0 gives x' = 0 whatever the challenge: a commitment to 0 would pass every round.
        const crypto::FfsSession session = newSession();
        auto checking = verifier(m_keys->publicKey, session);
        QVERIFY(checking.challenge(commitmentDigest(session, 0, QByteArray(256, '\0'))));
        auto checked = checking.check(QByteArray(256, '\0'));
        QVERIFY(!checked);
        QCOMPARE(checked.error().code, FfsErrorCode::MalformedMessage);
        QVERIFY(!checking.accepted());
    }

    void recordedTranscriptReplayedFails()
    {
        const crypto::FfsSession session = newSession();
        const QList<RecordedRound> transcript = honestTranscript(session);
        QCOMPARE(transcript.size(), 2);
        // Same session, fresh verifier: its challenges are new, the recorded responses answer
        // the old ones.
        auto fresh = verifier(m_keys->publicKey, session);
        const auto error = replay(transcript, fresh);
        QVERIFY(error);
        QCOMPARE(error->code, FfsErrorCode::Rejected);
        QVERIFY(!fresh.accepted());
    }

    void transcriptReplayedIntoAnotherSessionFails()
    {
        const crypto::FfsSession session = newSession();
        const QList<RecordedRound> transcript = honestTranscript(session);
        crypto::FfsSession other = session;
        other.id = *crypto::randomBytes(16);
        auto fresh = verifier(m_keys->publicKey, other);
        const auto error = replay(transcript, fresh);
        QVERIFY(error);
        QCOMPARE(error->code, FfsErrorCode::Rejected);
        // Even a challenge that happened to match would not help: the first round already
        // fails on the commitment (the recorded x hashed with another session).
        QVERIFY(error->detail.contains(QStringLiteral("round 1 ")));
    }

    void relayIntoAnotherSessionFails()
    {
        // A man in the middle forwards every message unchanged between an honest prover in one
        // session and a verifier in another (runIdentification is exactly that forwarding).
        const crypto::FfsSession session = newSession();
        crypto::FfsSession otherId = session;
        otherId.id = *crypto::randomBytes(16);
        crypto::FfsSession otherVerifier = session;
        otherVerifier.verifier = address('\x0c');
        crypto::FfsSession otherIdentity = session;
        otherIdentity.identity = address('\x0d');
        for (const crypto::FfsSession &verifierSession : {otherId, otherVerifier, otherIdentity}) {
            auto honest = prover(*m_keys, session);
            auto checking = verifier(m_keys->publicKey, verifierSession);
            auto result = crypto::runIdentification(honest, checking);
            QVERIFY(!result);
            QCOMPARE(result.error().code, FfsErrorCode::Rejected);
            QVERIFY(result.error().detail.contains(QStringLiteral("round 1 ")));
        }
        // The same forwarding within one session passes: the binding is what stops the relay.
        auto honest = prover(*m_keys, session);
        auto checking = verifier(m_keys->publicKey, session);
        QVERIFY(crypto::runIdentification(honest, checking));
    }

    void respondingTwiceIsRefused()
    {
        const crypto::FfsSession session = newSession();
        auto honest = prover(*m_keys, session);
        auto checking = verifier(m_keys->publicKey, session);

        auto early = honest.respond(QByteArray(3, '\0'));
        QVERIFY(!early);
        QCOMPARE(early.error().code, FfsErrorCode::OutOfOrder);

        auto challenge = checking.challenge(*honest.commit());
        QVERIFY(challenge);
        QVERIFY(honest.respond(*challenge));
        // A second response to the same commitment, for the same or another challenge, would
        // reveal a product of secrets: refused.
        for (const QByteArray &again : {*challenge, QByteArray("\x01\x00\x00", 3), QByteArray("\xff\xff\x0f", 3)}) {
            auto second = honest.respond(again);
            QVERIFY(!second);
            QCOMPARE(second.error().code, FfsErrorCode::OutOfOrder);
        }

        // A malformed challenge uses up the commitment too.
        QVERIFY(honest.commit());
        auto tooLong = honest.respond(QByteArray(4, '\0'));
        QCOMPARE(tooLong.error().code, FfsErrorCode::MalformedMessage);
        QCOMPARE(honest.respond(QByteArray(3, '\0')).error().code, FfsErrorCode::OutOfOrder);
        QVERIFY(honest.commit());
        auto extraBits = honest.respond(QByteArray("\x00\x00\x10", 3)); // bit 20 of a 20-bit challenge
        QCOMPARE(extraBits.error().code, FfsErrorCode::MalformedMessage);
    }

    void verifierNeverChallengesTwice()
    {
        const crypto::FfsSession session = newSession();
        auto honest = prover(*m_keys, session);
        auto checking = verifier(m_keys->publicKey, session);
        QCOMPARE(checking.check(QByteArray(256, '\x01')).error().code, FfsErrorCode::OutOfOrder);

        // Any error ends the session.
        auto second = verifier(m_keys->publicKey, session);
        const QByteArray commitment = *honest.commit();
        auto challenge = second.challenge(commitment);
        QVERIFY(challenge);
        QCOMPARE(second.challenge(commitment).error().code, FfsErrorCode::OutOfOrder);
        QCOMPARE(second.check(*honest.respond(*challenge)).error().code, FfsErrorCode::OutOfOrder);
        QVERIFY(!second.accepted());

        auto third = verifier(m_keys->publicKey, session);
        QCOMPARE(third.challenge(QByteArray(31, '\0')).error().code, FfsErrorCode::MalformedMessage);
        QCOMPARE(third.challenge(QByteArray(32, '\0')).error().code, FfsErrorCode::OutOfOrder);

        auto fourth = verifier(m_keys->publicKey, session);
        QVERIFY(fourth.challenge(QByteArray(32, '\0')));
        QCOMPARE(fourth.check(m_keys->publicKey.modulus).error().code, FfsErrorCode::MalformedMessage); // y = n
    }

    void badPublicKeysAreRefused()
    {
        const crypto::FfsPublicKey good = m_keys->publicKey;
        const auto with = [&good](auto change) {
            crypto::FfsPublicKey key = good;
            change(key);
            return key;
        };
        const QList<std::pair<crypto::FfsPublicKey, QString>> cases{
            {with([](auto &key) {
                 key.modulus = QByteArray(128, '\xff');
                 for (QByteArray &value : key.values)
                     value = value.right(128);
             }),
             QStringLiteral("1024 bits")},
            {with([](auto &key) { key.modulus.back() = static_cast<char>(key.modulus.back() & '\xfe'); }), QStringLiteral("even")},
            {with([](auto &key) { key.modulus.prepend('\0'); }), QStringLiteral("leading zero")},
            {with([](auto &key) { key.modulus = QByteArray(1025, '\xff'); }), QStringLiteral("8192 bits")},
            {with([](auto &key) { key.values[3] = QByteArray(256, '\0'); }), QStringLiteral("value 3 is not in [2, n)")},
            {with([](auto &key) { key.values[4] = fixed(1, 256); }), QStringLiteral("value 4 is not in [2, n)")},
            {with([](auto &key) { key.values[5] = key.modulus; }), QStringLiteral("value 5 is not in [2, n)")},
            {with([](auto &key) { key.values[6] = QByteArray(256, '\xff'); }), QStringLiteral("value 6 is not in [2, n)")},
            {with([](auto &key) { key.values[7].chop(1); }), QStringLiteral("value 7 has 255 bytes")},
            {with([](auto &key) { key.values[9] = key.values[8]; }), QStringLiteral("value 9 repeats value 8")},
            {with([](auto &key) { key.values.clear(); }), QStringLiteral("0 values")},
            {with([](auto &key) {
                 while (key.values.size() <= crypto::ffs::maxSecrets)
                     key.values.append(fixed(static_cast<int>(key.values.size()) + 2, 256));
             }),
             QStringLiteral("65 values")},
        };
        const crypto::FfsSession session = newSession();
        for (const auto &[key, expected] : cases) {
            auto valid = key.validate();
            QVERIFY2(!valid, qPrintable(expected));
            QCOMPARE(valid.error().code, FfsErrorCode::InvalidPublicKey);
            QVERIFY2(valid.error().detail.contains(expected), qPrintable(valid.error().detail));
            QCOMPARE(crypto::FfsVerifier::create(key, session).error().code, FfsErrorCode::InvalidPublicKey);
            QCOMPARE(crypto::FfsProver::create(key, m_keys->secret, session).error().code, FfsErrorCode::InvalidPublicKey);
            QCOMPARE(crypto::FfsPublicKey::fromJson(key.toJson()).error().code, FfsErrorCode::InvalidPublicKey);
        }
        QCOMPARE(crypto::FfsRegistrar::fromModulus(QByteArray(128, '\xff')).error().code, FfsErrorCode::InvalidPublicKey);
    }

    void weakParametersAreRefused()
    {
        const crypto::FfsSession session = newSession();
        // k * t < 40.
        auto oneRound = crypto::FfsVerifier::create(m_keys->publicKey, session, 1);
        QCOMPARE(oneRound.error().code, FfsErrorCode::WeakParameters);
        QVERIFY2(oneRound.error().detail.contains(QStringLiteral("2^-20")), qPrintable(oneRound.error().detail));
        auto nineteen = m_registrar->issue(19);
        QVERIFY(nineteen);
        QCOMPARE(crypto::FfsVerifier::create(nineteen->publicKey, session).error().code, FfsErrorCode::WeakParameters);
        QVERIFY(crypto::FfsVerifier::create(nineteen->publicKey, session, 3));
        auto one = m_registrar->issue(1);
        QVERIFY(one);
        QCOMPARE(crypto::FfsVerifier::create(one->publicKey, session, 39).error().code, FfsErrorCode::WeakParameters);
        QVERIFY(crypto::FfsVerifier::create(one->publicKey, session, 40));
        // Rounds and secrets out of range.
        QCOMPARE(crypto::FfsVerifier::create(m_keys->publicKey, session, 0).error().code, FfsErrorCode::WeakParameters);
        QCOMPARE(crypto::FfsVerifier::create(m_keys->publicKey, session, 65).error().code, FfsErrorCode::WeakParameters);
        QCOMPARE(m_registrar->issue(0).error().code, FfsErrorCode::WeakParameters);
        QCOMPARE(m_registrar->issue(65).error().code, FfsErrorCode::WeakParameters);
        QCOMPARE(crypto::FfsRegistrar::create(1024).error().code, FfsErrorCode::WeakParameters);
        QCOMPARE(crypto::FfsRegistrar::create(2049).error().code, FfsErrorCode::WeakParameters);
    }

    void badSessionsAreRefused()
    {
        crypto::FfsSession shortId = newSession();
        shortId.id.chop(1);
        crypto::FfsSession longId = newSession();
        longId.id = QByteArray(65, 'x');
        crypto::FfsSession noVerifier = newSession();
        noVerifier.verifier = crypto::Address();
        crypto::FfsSession noIdentity = newSession();
        noIdentity.identity = crypto::Address();
        for (const crypto::FfsSession &session : {shortId, longId, noVerifier, noIdentity}) {
            QCOMPARE(crypto::FfsVerifier::create(m_keys->publicKey, session).error().code, FfsErrorCode::InvalidSession);
            QCOMPARE(crypto::FfsProver::create(m_keys->publicKey, m_keys->secret, session).error().code,
                     FfsErrorCode::InvalidSession);
        }
    }

    void publicKeyJson()
    {
        const QJsonObject json = m_keys->publicKey.toJson();
        QCOMPARE(json.keys(), (QStringList{QStringLiteral("modulus"), QStringLiteral("values")}));
        QVERIFY(json.value(QStringLiteral("modulus")).toString().startsWith(QStringLiteral("0x")));
        QCOMPARE(json.value(QStringLiteral("modulus")).toString().size(), 2 + 512);
        auto parsed = crypto::FfsPublicKey::fromJson(json);
        QVERIFY(parsed);
        QCOMPARE(*parsed, m_keys->publicKey);

        QJsonObject upper = json;
        upper[QStringLiteral("modulus")] = QString(QStringLiteral("0x") + json.value(QStringLiteral("modulus")).toString().mid(2).toUpper());
        QJsonObject extra = json;
        extra[QStringLiteral("k")] = 20;
        QJsonObject numberValue = json;
        numberValue[QStringLiteral("values")] = QJsonArray{1, 2};
        QJsonObject noValues = json;
        noValues.remove(QStringLiteral("values"));
        for (const QJsonObject &bad : {upper, extra, numberValue, noValues, QJsonObject()})
            QCOMPARE(crypto::FfsPublicKey::fromJson(bad).error().code, FfsErrorCode::InvalidPublicKey);
    }

    void secretBytes()
    {
        const crypto::SecretBytes stored = m_keys->secret.toBytes();
        QCOMPARE(stored.size(), 4 + 20 * 256);
        QCOMPARE(stored.view().first(4).toByteArray(), QByteArray("\x01\x14\x01\x00", 4)); // version 1, k = 20, width 256
        auto restored = crypto::FfsSecret::fromBytes(stored.view());
        QVERIFY(restored);
        QVERIFY(*restored == m_keys->secret);
        // The restored secret proves as well as the issued one.
        const crypto::FfsSession session = newSession();
        auto fromStore = crypto::FfsProver::create(m_keys->publicKey, *restored, session);
        QVERIFY(fromStore);
        auto checking = verifier(m_keys->publicKey, session);
        QVERIFY(crypto::runIdentification(*fromStore, checking));

        const QByteArray bytes = stored.view().toByteArray();
        QByteArray zeroValue = bytes;
        zeroValue.replace(4 + 256, 256, QByteArray(256, '\0'));
        QByteArray noValues = bytes.first(4);
        noValues[1] = '\0';
        QByteArray version2 = bytes;
        version2[0] = '\x02';
        QByteArray narrow = bytes;
        narrow[2] = '\0'; // width 0
        for (const QByteArray &bad : {bytes.chopped(1), QByteArray(bytes + '\0'), zeroValue, noValues, version2, narrow, QByteArray()}) {
            auto parsed = crypto::FfsSecret::fromBytes(bad);
            QVERIFY(!parsed);
            QCOMPARE(parsed.error().code, FfsErrorCode::InvalidSecret);
        }
    }

    void handCheckableKey()
    {
        // n = 2^2048 - 5 = -1 mod 36, so 4^-1 = (n + 1) / 4 = 2^2046 - 1 = 0x3fff…ff and
        // 9^-1 = (n + 1) / 9 = 0x1c71c7…1c: the public values of s = 2 and s = 3 under the
        // documented convention v = s^-2, written down without a computer. (n has the factor 401:
        // this checks the arithmetic and the convention, it is no modulus to use.)
        const QByteArray n = QByteArray(255, '\xff') + '\xfb';
        const crypto::FfsPublicKey key{
            n, {QByteArray(1, '\x3f') + QByteArray(255, '\xff'), QByteArray::fromHex(QByteArray("1c71c7").repeated(86).left(512))}};
        QVERIFY(key.validate());
        auto secret = crypto::FfsSecret::fromBytes(QByteArray(QByteArray("\x01\x02\x01\x00", 4) + fixed(2, 256) + fixed(3, 256)));
        QVERIFY(secret);
        const crypto::FfsSession session = newSession();
        auto honest = crypto::FfsProver::create(key, *secret, session);
        QVERIFY2(honest, qPrintable(honest ? QString() : honest.error().detail));
        auto checking = verifier(key, session, 20); // k = 2: 20 rounds for 2^-40
        QVERIFY(crypto::runIdentification(*honest, checking));

        // The other convention, v = s^2, does not match these secrets.
        const crypto::FfsPublicKey squares{n, {fixed(4, 256), fixed(9, 256)}};
        QVERIFY(squares.validate());
        QCOMPARE(crypto::FfsProver::create(squares, *secret, session).error().code, FfsErrorCode::InvalidSecret);
    }
};

QTEST_GUILESS_MAIN(TestFfs)
#include "test_ffs.moc"
