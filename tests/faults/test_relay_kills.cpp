// The relay killed with SIGKILL at random instants while several meetings run: each time it is
// started again and every client reconnects. Nothing the relay acknowledged may be lost, every
// meeting must end, and every meeting's file must pass cmeet-audit. CI runs a handful of kills;
// tests/faults/run-kills runs a hundred or more (CMEET_RELAY_KILLS) and docs/FAULTS.md has the
// figures.

#include "base/hex.h"
#include "client/core/local_relay.h"
#include "client/core/meeting_export.h"
#include "client/core/participant.h"
#include "client/core/relay_connection.h"
#include "ledger/meeting_verifier.h"
#include "protocol/event.h"
#include "support/postgres_server.h"
#include "support/program_run.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

struct Person {
    QString name;
    crypto::PrivateKey key = *crypto::PrivateKey::generate();
    std::unique_ptr<client::RelayConnection> connection;
    std::unique_ptr<client::Participant> participant;
    QHash<qint64, QByteArray> inFlight; // request id -> event id, sent and not answered yet
};

struct Meeting {
    QString id;
    std::vector<Person *> people; // the host first
    QByteArray discussion;
    QSet<QByteArray> acknowledged; // ids of events the relay acknowledged
};

const QString attendanceCode = QStringLiteral("2468");

} // namespace

class TestRelayKills : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<client::LocalRelay> m_relay;
    QTemporaryDir m_dataDir;
    std::vector<std::unique_ptr<Person>> m_people;
    std::vector<Meeting> m_meetings;

    bool connect(Person &person)
    {
        person.connection = std::make_unique<client::RelayConnection>();
        person.inFlight.clear(); // their answers went with the old connection: outcome unknown
        return person.connection->open(m_relay->url()) && person.connection->login(person.key);
    }

    // A blocking submit, for the steps every meeting needs (start, join, discussion, end).
    QByteArray submit(Person &person, Meeting &meeting, EventType type, const QJsonObject &content, const QByteArray &ref, const QString &code = {})
    {
        auto event = person.participant->makeEvent(type, content, ref.isEmpty() ? std::nullopt : std::optional(ref), now());
        if (!event)
            return {};
        auto ack = person.connection->submit(event->wireBytes(), code);
        if (!ack) {
            qWarning() << protocol::typeName(type) << "refused:" << ack.error().detail;
            return {};
        }
        meeting.acknowledged.insert(event->id());
        return event->id();
    }

    QList<QByteArray> storedLog(Person &reader, const QString &meeting)
    {
        QList<QByteArray> log;
        while (true) {
            auto events = reader.connection->call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}, {QStringLiteral("fromIndex"), log.size()}});
            if (!events) {
                qWarning() << "events.get:" << events.error().detail;
                return {};
            }
            const QJsonArray piece = events->toObject().value(QStringLiteral("events")).toArray();
            for (const QJsonValue &entry : piece)
                log.append(entry[QStringLiteral("event")].toString().toUtf8());
            if (piece.isEmpty() || log.size() >= events->toObject().value(QStringLiteral("size")).toInteger())
                return log;
        }
    }

private Q_SLOTS:
    void killedAtRandomLosesNothing()
    {
        const int kills = qEnvironmentVariableIntValue("CMEET_RELAY_KILLS") > 0 ? qEnvironmentVariableIntValue("CMEET_RELAY_KILLS") : 5;
        constexpr int meetings = 3;
        constexpr int perMeeting = 5; // a host and four participants
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dataDir.path(), "kill test passphrase");
        m_relay->setDatabase(test::postgresDatabaseIfAsked()); // CMEET_TEST_DATABASE=postgresql: the same kills on PostgreSQL
        QVERIFY(m_relay->init());
        for (int i = 0; i < meetings * perMeeting; ++i) {
            m_people.push_back(std::make_unique<Person>());
            m_people.back()->name = QStringLiteral("Member %1").arg(i);
            QVERIFY(m_relay->addStaff(m_people.back()->key.address(), m_people.back()->name));
        }
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Patient One")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        for (auto &person : m_people)
            QVERIFY(connect(*person));

        // The meetings: created, started, joined, a patient under discussion.
        for (int m = 0; m < meetings; ++m) {
            Meeting meeting;
            QJsonArray roster; // the host and the participants
            QJsonArray invited; // the participants
            for (int i = 0; i < perMeeting; ++i) {
                meeting.people.push_back(m_people.at(static_cast<size_t>(m * perMeeting + i)).get());
                roster.append(meeting.people.back()->key.address().toLowerHex());
                if (i > 0)
                    invited.append(roster.last());
            }
            Person &host = *meeting.people.front();
            auto created = host.connection->call(QStringLiteral("meeting.create"), {{QStringLiteral("title"), QStringLiteral("Board %1").arg(m)},
                                                                                    {QStringLiteral("scheduledAt"), now()},
                                                                                    {QStringLiteral("roster"), invited},
                                                                                    {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}});
            QVERIFY(created);
            meeting.id = created->toObject().value(QStringLiteral("id")).toString();
            for (Person *person : meeting.people)
                person->participant = std::make_unique<client::Participant>(person->key, meeting.id, person->connection->relayAddress());
            const QByteArray start = submit(host, meeting, EventType::Start,
                                            {{QStringLiteral("title"), QStringLiteral("Board %1").arg(m)},
                                             {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}},
                                             {QStringLiteral("roster"), roster},
                                             {QStringLiteral("delegation"), *host.participant->newSession(now())},
                                             {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x22'))}},
                                            {}, attendanceCode);
            QVERIFY(!start.isEmpty());
            for (size_t i = 1; i < meeting.people.size(); ++i)
                QVERIFY(!submit(*meeting.people.at(i), meeting, EventType::Join,
                                {{QStringLiteral("delegation"), *meeting.people.at(i)->participant->newSession(now())}}, start, attendanceCode)
                             .isEmpty());
            meeting.discussion = submit(host, meeting, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}, start);
            QVERIFY(!meeting.discussion.isEmpty());
            m_meetings.push_back(std::move(meeting));
        }

        // Comments from everyone, without waiting for answers, every few milliseconds; the
        // relay is killed at a random instant, started again, and everyone reconnects.
        QRandomGenerator random(20261206);
        qint64 sent = 0;
        const auto comment = [&] {
            Meeting &meeting = m_meetings.at(static_cast<size_t>(random.bounded(meetings)));
            Person &author = *meeting.people.at(static_cast<size_t>(random.bounded(perMeeting)));
            auto event = author.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Comment %1").arg(++sent)},
                                                                            {QStringLiteral("patient"), QStringLiteral("P-001")}},
                                                       meeting.discussion, now());
            const qint64 request = author.connection->send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}});
            author.inFlight.insert(request, event->id());
        };
        // The answers to the comments (not to the blocking calls, which take their own).
        const auto collectAnswers = [this](Person *person, Meeting &meeting) {
            QObject::connect(person->connection.get(), &client::RelayConnection::responseReceived, this, [person, &meeting](qint64 id) {
                if (!person->inFlight.contains(id))
                    return;
                const QByteArray eventId = person->inFlight.take(id);
                const auto response = person->connection->takeResponse(id);
                if (response && response->contains(QStringLiteral("result")))
                    meeting.acknowledged.insert(eventId);
            });
        };
        for (Meeting &meeting : m_meetings) {
            for (Person *person : meeting.people)
                collectAnswers(person, meeting);
        }
        QElapsedTimer timer;
        timer.start();
        for (int kill = 1; kill <= kills; ++kill) {
            QElapsedTimer window;
            window.start();
            const qint64 until = 100 + random.bounded(400); // ms of load before this kill
            while (window.elapsed() < until) {
                comment();
                QTest::qWait(random.bounded(1, 6));
            }
            m_relay->kill();
            // The killed relay stored where this run asked (its log says so).
            QVERIFY2(m_relay->lastOutput().contains(m_relay->database().isEmpty() ? QStringLiteral("storing in /") : QStringLiteral("storing in postgresql://")),
                     qPrintable(m_relay->lastOutput()));
            QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
            for (Meeting &meeting : m_meetings) {
                for (Person *person : meeting.people) {
                    QVERIFY(connect(*person));
                    collectAnswers(person, meeting);
                }
            }
        }
        // Answers still on their way arrive before the meetings end.
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(m_people.cbegin(), m_people.cend(), [](const auto &p) { return p->inFlight.isEmpty(); }), 30000);

        qint64 acknowledged = 0;
        for (Meeting &meeting : m_meetings) {
            Person &host = *meeting.people.front();
            QVERIFY(!submit(host, meeting, EventType::End, {}, Event::fromWire(storedLog(host, meeting.id).constLast())->id()).isEmpty());
            const QList<QByteArray> log = storedLog(host, meeting.id);
            QSet<QByteArray> stored;
            for (const QByteArray &entry : log)
                stored.insert(Event::fromWire(entry)->id());
            for (const QByteArray &id : std::as_const(meeting.acknowledged))
                QVERIFY2(stored.contains(id), "an acknowledged event was lost");
            acknowledged += meeting.acknowledged.size();
            const ledger::VerificationReport verified = ledger::verifyMeetingLog(log, *protocol::SchemaValidator::load().value(), host.connection->relayAddress());
            QVERIFY2(verified.ok() && verified.ended, qPrintable(verified.problems.join(QLatin1Char('\n'))));
            // The meeting file an auditor gets, checked by cmeet-audit (no chain here: exit 2,
            // "not fully checked", with nothing failed).
            const QString file = m_dataDir.filePath(meeting.id + QStringLiteral(".cmeet"));
            QVERIFY(client::exportMeetingFile(*host.connection, meeting.id, log, file));
            const test::ProgramRun audit = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), file});
            QVERIFY2(audit.exitCode == 2 && !audit.out.contains(QStringLiteral("FAILED")), qPrintable(audit.outAndErr()));
        }
        qInfo("%d kills in %.1f s: %lld comments sent, %lld events acknowledged, none lost; %d meetings ended and audited", kills,
              static_cast<double>(timer.elapsed()) / 1000.0, static_cast<long long>(sent), static_cast<long long>(acknowledged), meetings);
    }
};

QTEST_GUILESS_MAIN(TestRelayKills)
#include "test_relay_kills.moc"
