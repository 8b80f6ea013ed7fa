// Bad input loses nothing: thousands of mutated messages (bits flipped, bytes replaced, inserted,
// deleted, slices repeated, messages cut short), alone and in batches with valid ones, sent to
// RelayService on a real SQLite file in the middle of a meeting. Every message gets one
// well-formed answer, the stored log stays a log that verifies and grows only by what was
// accepted, and the meeting goes on. Seeded, so a failure can be replayed
// (CMEET_MUTATION_SEED, CMEET_MUTATIONS for a longer run).

#include "base/hex.h"
#include "ledger/meeting_verifier.h"
#include "protocol/login.h"
#include "support/relay_fixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

QByteArray compact(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

QByteArray request(const QString &method, const QJsonObject &params)
{
    return compact({{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), 7},
                    {QStringLiteral("method"), method}, {QStringLiteral("params"), params}});
}

// One to three random edits of message.
QByteArray mutated(QByteArray message, QRandomGenerator &random)
{
    const int edits = 1 + static_cast<int>(random.bounded(3));
    for (int e = 0; e < edits && !message.isEmpty(); ++e) {
        const qsizetype at = random.bounded(static_cast<int>(message.size()));
        switch (random.bounded(6)) {
        case 0: // flip a bit
            message[at] = static_cast<char>(message[at] ^ (1 << random.bounded(8)));
            break;
        case 1: // replace a byte, often by one that means something in JSON
            message[at] = "{}[]\":,\\0x-e. "[random.bounded(15)];
            break;
        case 2:
            message.insert(at, static_cast<char>(random.bounded(256)));
            break;
        case 3:
            message.remove(at, 1 + random.bounded(8));
            break;
        case 4: { // repeat a slice
            const qsizetype length = 1 + random.bounded(static_cast<int>(std::min<qsizetype>(64, message.size() - at)));
            message.insert(at, message.mid(at, length));
            break;
        }
        default: // cut short
            message.truncate(at);
            break;
        }
    }
    return message;
}

} // namespace

class TestRelayMutations : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::RelayFixture> f;

    test::Member &m(const QString &name) { return f->member(name); }

    // Every answer is a response with a result, or an error with a stable code and a detail.
    static bool wellFormed(const QByteArray &reply)
    {
        static const QRegularExpression code(QStringLiteral("^[a-z][a-z0-9_]{1,63}$"));
        const QJsonObject object = QJsonDocument::fromJson(reply).object();
        if (object.value(QStringLiteral("type")).toString() != QStringLiteral("response"))
            return false;
        if (object.contains(QStringLiteral("result")))
            return !object.contains(QStringLiteral("error"));
        const QJsonObject error = object.value(QStringLiteral("error")).toObject();
        return code.match(error.value(QStringLiteral("code")).toString()).hasMatch() && !error.value(QStringLiteral("detail")).toString().isEmpty();
    }

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("cmeet.*.info=false")); } // a line per refusal otherwise

    void mutatedMessagesLoseNothing()
    {
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("dave")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("dave")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("dave")});
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        test::Member &bob = m(QStringLiteral("bob"));
        test::Member &dave = m(QStringLiteral("dave"));
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
        QVERIFY(f->join(alice).contains(QStringLiteral("result")));
        QVERIFY(f->join(bob).contains(QStringLiteral("result")));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        QVERIFY(f->submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                  {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                  {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}})
                    .contains(QStringLiteral("result")));
        const QList<QByteArray> before = f->log(host);
        const QByteArray startId = Event::fromWire(before.constFirst())->id();
        const QByteArray pollId = Event::fromWire(before.at(before.size() - 2))->id();
        const QByteArray last = Event::fromWire(before.constLast())->id();

        // Valid messages to mutate, each with the session it comes from.
        const auto submission = [&](test::Member &author, EventType type, const QJsonObject &content, const QByteArray &ref, const QString &code = {}) {
            QJsonObject params{{QStringLiteral("event"), QString::fromUtf8(author.participant->makeEvent(type, content, ref, f->now)->wireBytes())}};
            if (!code.isEmpty())
                params.insert(QStringLiteral("attendanceCode"), code);
            return request(QStringLiteral("event.submit"), params);
        };
        client::Participant davesJoin(dave.key, f->meeting, f->service->address());
        const QList<QPair<test::Member *, QByteArray>> seeds = {
            {&alice, submission(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("CT: T3 N0, MRI pending.")}, {QStringLiteral("patient"), QStringLiteral("P-001")}}, last)},
            {&bob, submission(bob, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}}, pollId)},
            {&host, submission(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("lc")},
                                                                   {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("x")}}, last)},
            {&dave, request(QStringLiteral("event.submit"),
                            {{QStringLiteral("event"), QString::fromUtf8(davesJoin.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *davesJoin.newSession(f->now)}},
                                                                                                startId, f->now)->wireBytes())},
                             {QStringLiteral("attendanceCode"), QStringLiteral("0000")}})}, // a wrong code: dave stays out
            {&alice, request(QStringLiteral("meeting.edit"), {{QStringLiteral("id"), f->meeting}, {QStringLiteral("title"), QStringLiteral("x")}})},
            {&alice, request(QStringLiteral("events.get"), {{QStringLiteral("meeting"), f->meeting}, {QStringLiteral("fromIndex"), 3}, {QStringLiteral("limit"), 2}})},
            {&host, request(QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), f->meeting}, {QStringLiteral("code"), QStringLiteral("4711")}})},
        };

        const quint32 seed = qEnvironmentVariableIsSet("CMEET_MUTATION_SEED") ? qEnvironmentVariable("CMEET_MUTATION_SEED").toUInt()
                                                                              : QRandomGenerator::global()->generate();
        const int rounds = qEnvironmentVariableIsSet("CMEET_MUTATIONS") ? qEnvironmentVariableIntValue("CMEET_MUTATIONS") : 20000;
        qInfo("seed %u, %d mutated messages", seed, rounds);
        QRandomGenerator random(seed);
        qint64 acceptedEvents = 0;
        qint64 refused = 0;
        const auto account = [&](const QByteArray &message, const QByteArray &reply) {
            QVERIFY2(wellFormed(reply), qPrintable(QStringLiteral("seed %1: %2 -> %3").arg(seed).arg(QString::fromUtf8(message), QString::fromUtf8(reply))));
            const QJsonObject object = QJsonDocument::fromJson(reply).object();
            if (!object.contains(QStringLiteral("result")))
                ++refused;
            else if (object.value(QStringLiteral("result")).toObject().contains(QStringLiteral("ack")))
                ++acceptedEvents;
        };
        for (int i = 0; i < rounds; ++i) {
            const auto &[member, message] = seeds.at(random.bounded(static_cast<int>(seeds.size())));
            const QByteArray bad = mutated(message, random);
            if (i % 10 == 9) { // sometimes in a batch, between valid reads
                const QByteArray read = request(QStringLiteral("events.get"), {{QStringLiteral("meeting"), f->meeting}, {QStringLiteral("limit"), 1}});
                const QList<relay::Outcome> outcomes = f->service->handleBatch({{&alice.session, read, {}}, {&member->session, bad, {}}, {&bob.session, read, {}}});
                QCOMPARE(outcomes.size(), 3);
                account(read, outcomes.at(0).reply);
                account(bad, outcomes.at(1).reply);
                account(read, outcomes.at(2).reply);
            } else {
                account(bad, f->service->handle(member->session, bad).reply);
            }
            if (QTest::currentTestFailed())
                return;
        }
        qInfo("%lld refused, %lld events accepted", static_cast<long long>(refused), static_cast<long long>(acceptedEvents));
        QVERIFY(refused > rounds / 2);

        // The log grew only by what was accepted, still verifies, and the meeting goes on.
        const QList<QByteArray> after = f->log(host);
        QCOMPARE(after.size(), before.size() + 2 * acceptedEvents);
        QCOMPARE(after.mid(0, before.size()), before);
        const auto schemas = protocol::SchemaValidator::load();
        const ledger::VerificationReport report = ledger::verifyMeetingLog(after, **schemas, f->service->address());
        QVERIFY2(report.ok() && !report.ended, qPrintable(QStringLiteral("seed %1: ").arg(seed) + report.problems.join(QLatin1Char('\n'))));
        const QJsonObject next = f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("still here")}});
        QVERIFY2(next.contains(QStringLiteral("result")), QJsonDocument(next).toJson().constData());
        QCOMPARE(next.value(QStringLiteral("result")).toObject().value(QStringLiteral("index")).toInteger(), after.size());
        QVERIFY(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        QVERIFY(ledger::verifyMeetingLog(f->log(host), **schemas, f->service->address()).ok());
    }
};

QTEST_GUILESS_MAIN(TestRelayMutations)
#include "test_relay_mutations.moc"
