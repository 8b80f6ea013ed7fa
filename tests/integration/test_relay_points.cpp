// Every curve point and scalar a client sends, fuzzed against the relay and judged by an
// independent oracle: a poll's votingKey, a pollEnd's votingSecret, the signatures of events,
// delegations and logins, and a vote's ephemeral key. The oracle is plain modular arithmetic with OpenSSL's BIGNUM (Euler's
// criterion for "x^3 + 7 has a square root mod p", range checks on scalars), not the
// libsecp256k1 code the relay uses. Whatever is refused leaves the stored log as it was, and the
// meeting can always end.

#include "base/hex.h"
#include "client/core/polls.h"
#include "ledger/meeting_verifier.h"
#include "protocol/canonical_json.h"
#include "protocol/login.h"
#include "support/relay_fixture.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTest>
#include <memory>
#include <openssl/bn.h>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;
using test::errorCode;

namespace {

using Number = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

Number number(const QByteArray &bigEndian)
{
    return Number(BN_bin2bn(reinterpret_cast<const unsigned char *>(bigEndian.constData()), static_cast<int>(bigEndian.size()), nullptr), BN_free);
}

QByteArray bytes32(const BIGNUM *value)
{
    QByteArray out(32, '\0');
    BN_bn2binpad(value, reinterpret_cast<unsigned char *>(out.data()), 32);
    return out;
}

const QByteArray fieldPrime = test::fromHex(QStringLiteral("0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"));
const QByteArray groupOrder = test::fromHex(QStringLiteral("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));

// The oracle: is this the SEC1 compressed encoding of a point on y^2 = x^3 + 7 over F_p?
bool isCompressedPoint(const QByteArray &encoded)
{
    if (encoded.size() != 33 || (encoded[0] != '\x02' && encoded[0] != '\x03'))
        return false;
    const Number p = number(fieldPrime);
    const Number x = number(encoded.mid(1));
    if (BN_cmp(x.get(), p.get()) >= 0)
        return false;
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> context(BN_CTX_new(), BN_CTX_free);
    Number rhs(BN_new(), BN_free);
    Number exponent(BN_dup(p.get()), BN_free);
    Number power(BN_new(), BN_free);
    BN_mod_sqr(rhs.get(), x.get(), p.get(), context.get());
    BN_mod_mul(rhs.get(), rhs.get(), x.get(), p.get(), context.get());
    BN_add_word(rhs.get(), 7);
    BN_mod(rhs.get(), rhs.get(), p.get(), context.get());
    BN_sub_word(exponent.get(), 1);
    BN_rshift1(exponent.get(), exponent.get()); // (p - 1) / 2
    BN_mod_exp(power.get(), rhs.get(), exponent.get(), p.get(), context.get());
    return BN_is_zero(power.get()) || BN_is_one(power.get()); // a square (or zero) mod p
}

// The oracle for scalars: a secret key or a signature's r or s is in [1, n - 1].
bool isScalar(const QByteArray &bigEndian)
{
    const Number value = number(bigEndian);
    return !BN_is_zero(value.get()) && BN_cmp(value.get(), number(groupOrder).get()) < 0;
}

// n - k: the secret key of the point with the other parity byte.
QByteArray negated(const QByteArray &secret)
{
    Number result(BN_new(), BN_free);
    BN_sub(result.get(), number(groupOrder).get(), number(secret).get());
    return bytes32(result.get());
}

QByteArray randomBytes(QRandomGenerator &random, int size)
{
    QByteArray out(size, '\0');
    for (char &byte : out)
        byte = static_cast<char>(random.bounded(256));
    return out;
}

// Signatures (r || s || v) around a good one: r or s zero or at or beyond n, high s, every
// wrong v, the other v, one bit flipped, random r and s.
QList<QByteArray> signatureVariants(const QByteArray &good, QRandomGenerator &random)
{
    const QByteArray r = good.left(32);
    const QByteArray s = good.mid(32, 32);
    const QByteArray v = good.right(1);
    const auto withV = [&](char value) -> QByteArray { return r + s + QByteArray(1, value); };
    QList<QByteArray> variants{QByteArray(32, '\0') + s + v, r + QByteArray(32, '\0') + v, groupOrder + s + v, r + groupOrder + v,
                               QByteArray(32, '\xff') + s + v, test::highSTwin(good), withV(0), withV(1), withV(26), withV(29), withV('\xff'),
                               withV(good.at(64) == 27 ? 28 : 27)};
    for (int i = 0; i < 60; ++i) {
        QByteArray mutated = good;
        const int at = random.bounded(64);
        mutated[at] = static_cast<char>(mutated[at] ^ (1 << random.bounded(8)));
        variants.append(mutated);
        variants.append(randomBytes(random, 64) + v);
    }
    return variants;
}

// The oracle for the one encoding: r and s in [1, n - 1], s <= n - s (low s), v 27 or 28.
bool isWellFormedSignature(const QByteArray &signature)
{
    const QByteArray s = signature.mid(32, 32);
    return isScalar(signature.left(32)) && isScalar(s) && (signature.at(64) == 27 || signature.at(64) == 28)
        && BN_cmp(number(s).get(), number(negated(s)).get()) <= 0;
}

QJsonObject resultOf(const QJsonObject &reply) { return reply.value(QStringLiteral("result")).toObject(); }
QByteArray idOf(const QJsonObject &reply)
{
    return Event::fromWire(resultOf(reply).value(QStringLiteral("ack")).toString().toUtf8())->ref().value_or(QByteArray());
}

} // namespace

class TestRelayPoints : public QObject {
    Q_OBJECT

    std::unique_ptr<test::RelayFixture> f;
    QRandomGenerator random{20261204}; // fixed seed: a failure is reproducible

    test::Member &m(const QString &name) { return f->member(name); }

    void startMeeting()
    {
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice")});
        QVERIFY(f->start(m(QStringLiteral("host"))).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("alice"))).contains(QStringLiteral("result")));
    }

    QJsonObject poll(const QByteArray &votingKey)
    {
        return f->submit(m(QStringLiteral("host")), EventType::Poll,
                         {{QStringLiteral("question"), QStringLiteral("Operate?")},
                          {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                          {QStringLiteral("votingKey"), hex::encode(votingKey)}});
    }

    // A refusal with one of the codes allowed, and the stored log unchanged.
    void expectRefused(const QJsonObject &reply, const QList<QByteArray> &logBefore, const QStringList &codes, const QByteArray &input)
    {
        QVERIFY2(codes.contains(errorCode(reply)), qPrintable(hex::encode(input) + QStringLiteral(": ") + QString::fromUtf8(QJsonDocument(reply).toJson())));
        QCOMPARE(f->log(m(QStringLiteral("host"))), logBefore);
    }

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("cmeet.*.info=false")); } // a line per refusal otherwise

    // A poll is accepted exactly when its votingKey is a point on the curve; each accepted one
    // ends with its secret (those are made from secrets, or are their negations) and the
    // meeting ends. The keys: fresh ones, their twins with the other parity byte, x at and
    // beyond p, x = 0, every parity byte, and random x (about half of them on the curve).
    void pollVotingKeys()
    {
        startMeeting();
        QList<QPair<QByteArray, QByteArray>> known; // (compressed key, its secret)
        for (int i = 0; i < 24; ++i) {
            const crypto::PrivateKey key = *crypto::PrivateKey::generate();
            const QByteArray compressed = key.publicKey().compressed();
            known.append({compressed, key.secret().view().toByteArray()});
            QByteArray twin = compressed;
            twin[0] = compressed[0] == '\x02' ? '\x03' : '\x02';
            known.append({twin, negated(key.secret().view().toByteArray())});
        }
        QList<QByteArray> unknown;
        const QByteArray p = fieldPrime;
        QByteArray pPlusOne = p;
        pPlusOne[31] = static_cast<char>(pPlusOne[31] + 1);
        for (const QByteArray &x : QList<QByteArray>{p, pPlusOne, QByteArray(32, '\xff'), QByteArray(32, '\0'), fieldPrime.left(31) + QByteArray(1, '\x2e')}) {
            unknown.append(QByteArray(1, '\x02') + x);
            unknown.append(QByteArray(1, '\x03') + x);
        }
        for (const char prefix : {'\x00', '\x01', '\x04', '\x05', '\x06', '\x07', '\xff'})
            unknown.append(QByteArray(1, prefix) + known.first().first.mid(1)); // a point's x, wrong parity byte
        int offCurve = 0;
        while (offCurve < 60) { // random x with no point: the case the third-party client found
            const QByteArray candidate = QByteArray(1, random.bounded(2) ? '\x02' : '\x03') + randomBytes(random, 32);
            if (!isCompressedPoint(candidate)) {
                unknown.append(candidate);
                ++offCurve;
            }
        }

        int accepted = 0;
        for (const auto &[key, secret] : known) {
            QVERIFY(isCompressedPoint(key)); // the oracle agrees with the keys libsecp256k1 made
            const QJsonObject reply = poll(key);
            QVERIFY2(reply.contains(QStringLiteral("result")), qPrintable(hex::encode(key)));
            const QJsonObject ended = f->submit(m(QStringLiteral("host")), EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(secret)}}, idOf(reply));
            QVERIFY2(ended.contains(QStringLiteral("result")), qPrintable(hex::encode(key)));
            ++accepted;
        }
        const QList<QByteArray> logBefore = f->log(m(QStringLiteral("host")));
        int refused = 0;
        for (const QByteArray &key : unknown) {
            if (isCompressedPoint(key))
                continue; // a point after all (x = 0 or p - 1 may be): no secret known to end its poll
            ++refused;
            expectRefused(poll(key), logBefore, {key.at(0) == '\x02' || key.at(0) == '\x03' ? QStringLiteral("invalid_voting_key") : QStringLiteral("schema_violation")},
                          key);
        }
        QCOMPARE(accepted, 48);
        QVERIFY(refused >= 60 + 7 + 6); // the random ones, the parity bytes, x = p, p + 1, 2^256 - 1 (both parities)
        QVERIFY(f->submit(m(QStringLiteral("host")), EventType::End, {}).contains(QStringLiteral("result")));
    }

    // pollEnd: only the poll's own secret closes it; scalars out of range (0, n, beyond) and the
    // secret of the twin point are refused, and nothing changes.
    void pollEndSecrets()
    {
        startMeeting();
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = idOf(poll(voting.publicKey().compressed()));
        const QByteArray secret = voting.secret().view().toByteArray();
        QByteArray orderPlusOne = groupOrder;
        orderPlusOne[31] = static_cast<char>(orderPlusOne[31] + 1);
        QList<QByteArray> wrong{QByteArray(32, '\0'), groupOrder, orderPlusOne, QByteArray(32, '\xff'), negated(secret)};
        for (int i = 0; i < 40; ++i)
            wrong.append(randomBytes(random, 32));
        const QList<QByteArray> logBefore = f->log(m(QStringLiteral("host")));
        for (const QByteArray &candidate : wrong) {
            QVERIFY(candidate != secret); // in range or not, not the poll's secret
            expectRefused(f->submit(m(QStringLiteral("host")), EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(candidate)}}, pollId),
                          logBefore, {QStringLiteral("voting_key_mismatch")}, candidate);
        }
        QVERIFY(f->submit(m(QStringLiteral("host")), EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(secret)}}, pollId)
                    .contains(QStringLiteral("result")));
    }

    // An event's signature: r and s out of range or zero, high s and v outside {27, 28} are
    // refused as bad_signature before anything else; in-range values that are not the author's
    // signature recover another key or none. None is ever accepted.
    void eventSignatures()
    {
        startMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        const auto comment = alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("signed")}}, f->lastId(alice), f->now);
        QVERIFY(comment);
        const QList<QByteArray> signatures = signatureVariants(comment->signature()->bytes(), random);
        const QList<QByteArray> logBefore = f->log(alice);
        for (const QByteArray &signature : signatures) {
            QJsonObject wire = comment->toJson();
            wire.insert(QStringLiteral("sig"), hex::encode(signature));
            const QJsonObject reply = f->submitBytes(alice, *protocol::json::serialize(wire));
            const bool wellFormed = isWellFormedSignature(signature);
            expectRefused(reply, logBefore, wellFormed ? QStringList{QStringLiteral("bad_signature"), QStringLiteral("wrong_signer")} : QStringList{QStringLiteral("bad_signature")},
                          signature);
            if (!wellFormed)
                QVERIFY(!reply.contains(QStringLiteral("ackError"))); // refused while parsing, as documented
        }
        QVERIFY(f->submitBytes(alice, comment->wireBytes()).contains(QStringLiteral("result")));
    }

    // A join's delegation signed any other way than by a key of the identity is refused as
    // delegation_invalid, whether its signature is malformed or recovers somebody else.
    void delegationSignatures()
    {
        startMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        QVERIFY(f->submit(alice, EventType::Leave, {}).contains(QStringLiteral("result")));
        const QByteArray startId = Event::fromWire(f->log(alice).constFirst())->id();
        const QJsonObject good = *alice.participant->newSession(f->now);
        const QList<QByteArray> logBefore = f->log(alice);
        for (const QByteArray &signature : signatureVariants(*hex::decode(good.value(QStringLiteral("sig")).toString()), random)) {
            QJsonObject delegation = good;
            delegation.insert(QStringLiteral("sig"), hex::encode(signature));
            const auto join = alice.participant->makeEvent(EventType::Join, {{QStringLiteral("delegation"), delegation}}, startId, f->now);
            expectRefused(f->submitBytes(alice, join->wireBytes(), QStringLiteral("4711")), logBefore, {QStringLiteral("delegation_invalid")}, signature);
        }
        const auto join = alice.participant->makeEvent(EventType::Join, {{QStringLiteral("delegation"), good}}, startId, f->now);
        QVERIFY(f->submitBytes(alice, join->wireBytes(), QStringLiteral("4711")).contains(QStringLiteral("result")));
    }

    // A login signed any other way than by the identity's key logs nobody in: a malformed
    // signature is a bad request, a well-formed one recovers no key or another one.
    void loginSignatures()
    {
        startMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        relay::Session session;
        const QByteArray nonce = *hex::decode(QJsonDocument::fromJson(f->service->greet(session)).object().value(QStringLiteral("nonce")).toString());
        const QByteArray good = protocol::signLogin(alice.key, f->service->address(), nonce)->bytes();
        const auto login = [&](const QByteArray &signature) {
            const QJsonObject message{{QStringLiteral("type"), QStringLiteral("login")}, {QStringLiteral("id"), 1},
                                      {QStringLiteral("identity"), alice.key.address().toLowerHex()}, {QStringLiteral("signature"), hex::encode(signature)}};
            return QJsonDocument::fromJson(f->service->handle(session, QJsonDocument(message).toJson(QJsonDocument::Compact)).reply).object();
        };
        for (const QByteArray &signature : signatureVariants(good, random)) {
            const QString code = errorCode(login(signature));
            const QStringList allowed = isWellFormedSignature(signature) ? QStringList{QStringLiteral("bad_signature"), QStringLiteral("wrong_signer")}
                                                                         : QStringList{QStringLiteral("bad_request")};
            QVERIFY2(allowed.contains(code), qPrintable(hex::encode(signature) + QStringLiteral(": ") + code));
            QVERIFY(!session.identity);
        }
        QVERIFY(login(good).contains(QStringLiteral("result")));
        QCOMPARE(session.identity, std::optional<crypto::Address>(alice.key.address()));
    }

    // A vote's ciphertext is opaque to the relay: one whose ephemeral key is not a point is
    // stored and counted, the poll still ends, and every client's tally calls it invalid.
    void voteEphemeralKeys()
    {
        startMeeting();
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = idOf(poll(voting.publicKey().compressed()));
        const QByteArray honest = *client::encryptBallot(voting.publicKey(), pollId, alice.key.address(), 0);
        QByteArray ephemeral;
        do
            ephemeral = QByteArray(1, '\x02') + randomBytes(random, 32);
        while (isCompressedPoint(ephemeral));
        const QByteArray forged = ephemeral + honest.mid(33);
        QVERIFY(f->submit(alice, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(forged)}}, pollId).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        QList<Event> events;
        for (const QByteArray &bytes : f->log(host))
            events.append(*Event::fromWire(bytes));
        const auto tally = client::tallyPoll(events, pollId);
        QVERIFY(tally && tally->ended);
        QCOMPARE(tally->counted.size(), 1);
        QCOMPARE(tally->invalid, 1);
        QCOMPARE(tally->counts, (QList<int>{0, 0}));
    }
};

QTEST_GUILESS_MAIN(TestRelayPoints)
#include "test_relay_points.moc"
