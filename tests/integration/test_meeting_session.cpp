// The desktop app's core (client::RelayLink, client::MeetingSession) against the real relay binary
// on 127.0.0.1: logging in, refusals, an unreachable relay, a meeting held by a host and two
// participants whose replicas are checked entry by entry, the relay restarted mid-meeting with
// what was typed offline sent afterwards, a replica reopened, and a replica tampered with.

#include "client/core/local_relay.h"
#include "client/core/meeting_session.h"
#include "client/core/polls.h"
#include "client/core/relay_connection.h"
#include "client/core/relay_link.h"
#include "client/models/timeline_model.h"
#include "store/meeting_file.h"
#include "support/program_run.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using client::MeetingSession;
using client::RelayLink;
using protocol::EventType;

namespace {

constexpr int waitMs = 20000;

struct Person {
    QString name;
    crypto::PrivateKey key = *crypto::PrivateKey::generate();
    std::unique_ptr<RelayLink> link;
    std::unique_ptr<MeetingSession> session;
};

} // namespace

class TestMeetingSession : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_relayDir;
    QTemporaryDir m_replicas;
    QTemporaryDir m_backupDir; // a relay is restored there: declared first, it outlives it
    std::unique_ptr<client::LocalRelay> m_relay;
    int m_port = 0;
    int m_standbyPort = 0;
    QString m_meeting;
    std::vector<std::unique_ptr<Person>> m_people;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;

    Person &person(const QString &name)
    {
        for (auto &p : m_people) {
            if (p->name == name)
                return *p;
        }
        qFatal("no person %s", qPrintable(name));
    }

    [[nodiscard]] QUrl relayUrl() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }
    // Where a standby relay would serve (standbyAddressIsUsedWhenTheRelayIsGone).
    [[nodiscard]] QUrl standbyUrl() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_standbyPort)); }

    std::unique_ptr<RelayLink> linkFor(const crypto::PrivateKey &key)
    {
        auto link = std::make_unique<RelayLink>(key.address(), key);
        link->setBackoff(100, 400);
        return link;
    }

    void openSession(Person &p)
    {
        p.session = std::make_unique<MeetingSession>(*p.link, m_meeting, m_replicas.filePath(p.name + QStringLiteral(".cmeet")), *m_schemas);
        p.session->open();
        QTRY_VERIFY_WITH_TIMEOUT(p.session->phase() == MeetingSession::Phase::Live, waitMs);
    }

    // The relay's log, read over a connection of its own.
    QList<QByteArray> relayLog()
    {
        client::RelayConnection reader;
        if (!reader.open(m_relay->url()) || !reader.login(person(QStringLiteral("host")).key))
            return {};
        QList<QByteArray> log;
        auto events = reader.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), m_meeting}});
        for (const QJsonValue &entry : events->toObject().value(QStringLiteral("events")).toArray())
            log.append(entry[QStringLiteral("event")].toString().toUtf8());
        return log;
    }

    // Every session holds the relay's whole log, every entry verified, and so does its replica.
    void expectEveryoneHasTheLog()
    {
        const QList<QByteArray> log = relayLog();
        QVERIFY(!log.isEmpty());
        for (auto &p : m_people) {
            QTRY_COMPARE_WITH_TIMEOUT(p->session->entries().size(), log.size(), waitMs);
            for (const client::TimelineEntry &entry : p->session->entries())
                QVERIFY2(entry.problems.isEmpty() && entry.event, qPrintable(p->name + QStringLiteral(": ") + entry.problems.join(QLatin1Char(';'))));
            QVERIFY2(p->session->problems().isEmpty(), qPrintable(p->session->problems().join(QLatin1Char('\n'))));
            const auto replica = store::MeetingFile::open(m_replicas.filePath(p->name + QStringLiteral(".cmeet")), true);
            QVERIFY(replica);
            QTRY_COMPARE_WITH_TIMEOUT((*replica)->events().value_or(QList<QByteArray>()), log, waitMs);
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_schemas = *protocol::SchemaValidator::load();
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_relayDir.path(), "session test passphrase");
        QVERIFY2(m_relay->init(), qPrintable(m_relay->lastOutput()));
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            m_people.push_back(std::make_unique<Person>());
            m_people.back()->name = name;
            QVERIFY2(m_relay->addStaff(m_people.back()->key.address(), name), qPrintable(m_relay->lastOutput()));
        }
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Patient One")}));
        m_port = test::freePort();
        m_standbyPort = test::freePort();
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        QCOMPARE(m_relay->url(), relayUrl());
    }

    void logsInAndAnswersRequests()
    {
        Person &host = person(QStringLiteral("host"));
        host.link = linkFor(host.key);
        QSignalSpy online(host.link.get(), &RelayLink::online);
        host.link->start({relayUrl(), standbyUrl()}); // the standby is not used while the relay answers
        QCOMPARE(host.link->state(), RelayLink::State::Connecting); // nothing waited for
        QVERIFY(online.wait(waitMs));
        QCOMPARE(host.link->state(), RelayLink::State::Online);
        QCOMPARE(host.link->account().value(QStringLiteral("name")).toString(), QStringLiteral("host"));
        QVERIFY(host.link->stateText().contains(QStringLiteral("host")));

        std::optional<Expected<QJsonValue, protocol::ProtocolError>> answer;
        host.link->request(QStringLiteral("meeting.create"),
                           {{QStringLiteral("title"), QStringLiteral("Tumour board")},
                            {QStringLiteral("scheduledAt"), QDateTime::currentMSecsSinceEpoch() + 3600 * 1000},
                            {QStringLiteral("roster"), QJsonArray{person(QStringLiteral("alice")).key.address().toLowerHex(),
                                                                  person(QStringLiteral("bob")).key.address().toLowerHex()}},
                            {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}},
                           this, [&](const auto &result) { answer = result; });
        QVERIFY(!answer); // answered later, never inside request()
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), waitMs);
        QVERIFY2(*answer, qPrintable(answer->hasValue() ? QString() : answer->error().detail));
        m_meeting = (**answer).toObject().value(QStringLiteral("id")).toString();

        // The relay's own error comes back as itself.
        answer.reset();
        host.link->request(QStringLiteral("meeting.get"), {{QStringLiteral("id"), QStringLiteral("not a meeting")}}, this,
                           [&](const auto &result) { answer = result; });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), waitMs);
        QVERIFY(!*answer);
        QVERIFY(answer->error().code != protocol::ErrorCode::InternalError);
    }

    void unknownIdentityIsRefusedWithTheReason()
    {
        const crypto::PrivateKey stranger = *crypto::PrivateKey::generate();
        auto link = linkFor(stranger);
        QSignalSpy states(link.get(), &RelayLink::stateChanged);
        link->start(relayUrl());
        QTRY_COMPARE_WITH_TIMEOUT(link->state(), RelayLink::State::Refused, waitMs);
        QVERIFY2(link->stateText().contains(QStringLiteral("unknown_staff")) && link->stateText().contains(stranger.address().toChecksumHex()),
                 qPrintable(link->stateText()));
        QTest::qWait(500); // no retries after a refusal
        QCOMPARE(link->state(), RelayLink::State::Refused);
        QCOMPARE(link->failedAttempts(), 0);

        // Requests while not online fail at once, later, with the state in the reason.
        std::optional<Expected<QJsonValue, protocol::ProtocolError>> answer;
        link->request(QStringLiteral("meeting.list"), {}, this, [&](const auto &result) { answer = result; });
        QVERIFY(!answer);
        QTRY_VERIFY(answer.has_value());
        QVERIFY(!*answer && answer->error().detail.contains(QStringLiteral("not connected")));
    }

    void anotherRelayAtTheAddressIsRefused()
    {
        Person &host = person(QStringLiteral("host"));
        auto link = linkFor(host.key);
        const auto elsewhere = crypto::Address::fromHex(QString(QStringLiteral("0x") + QString(40, QLatin1Char('1'))));
        QVERIFY(elsewhere);
        link->setExpectedRelay(*elsewhere);
        link->start(relayUrl());
        QTRY_COMPARE_WITH_TIMEOUT(link->state(), RelayLink::State::Refused, waitMs);
        QVERIFY2(link->stateText().contains(QStringLiteral("not the one")), qPrintable(link->stateText()));
    }

    void unreachableRelayIsRetriedWithBackoff()
    {
        Person &host = person(QStringLiteral("host"));
        auto link = linkFor(host.key);
        const QUrl nowhere(QStringLiteral("ws://127.0.0.1:%1").arg(test::freePort()));
        link->start(nowhere);
        QTRY_VERIFY_WITH_TIMEOUT(link->failedAttempts() >= 3, waitMs);
        QVERIFY(link->state() == RelayLink::State::Offline || link->state() == RelayLink::State::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(link->state(), RelayLink::State::Offline, waitMs);
        QVERIFY2(link->stateText().contains(nowhere.toDisplayString()) && link->stateText().contains(QStringLiteral("Retrying")),
                 qPrintable(link->stateText()));
        link->stop();
        const int attempts = link->failedAttempts();
        QTest::qWait(600);
        QCOMPARE(link->failedAttempts(), attempts); // stopped means stopped
    }

    void meetingHeldThroughSessions()
    {
        QVERIFY(!m_meeting.isEmpty());
        for (auto &p : m_people) {
            if (!p->link) {
                p->link = linkFor(p->key);
                p->link->start({relayUrl(), standbyUrl()});
            }
            openSession(*p);
            QVERIFY(p->session->entries().isEmpty());
            QCOMPARE(p->session->meeting().value(QStringLiteral("title")).toString(), QStringLiteral("Tumour board"));
        }
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        QVERIFY(host.session->isHost());
        QVERIFY(!alice.session->isHost());

        QSignalSpy hostAccepted(host.session.get(), &MeetingSession::accepted);
        host.session->start(QStringLiteral("4711"));
        QVERIFY(hostAccepted.wait(waitMs));
        QCOMPARE(hostAccepted.constFirst().at(0).value<EventType>(), EventType::Start);
        QTRY_VERIFY_WITH_TIMEOUT(host.session->isPresent(), waitMs);

        // A wrong code: the relay's reason, and nothing is left queued.
        QSignalSpy aliceRejected(alice.session.get(), &MeetingSession::rejected);
        QSignalSpy aliceAccepted(alice.session.get(), &MeetingSession::accepted);
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->entries().size(), 2, waitMs);
        alice.session->join(QStringLiteral("1234"));
        QVERIFY(aliceRejected.wait(waitMs));
        QVERIFY2(aliceRejected.constFirst().at(1).toString().contains(QStringLiteral("code")), qPrintable(aliceRejected.constFirst().at(1).toString()));
        QCOMPARE(alice.session->outgoing(), 0);
        QVERIFY(!alice.session->isPresent());

        alice.session->join(QStringLiteral("4711"));
        QVERIFY(aliceAccepted.wait(waitMs));
        QTRY_COMPARE_WITH_TIMEOUT(bob.session->entries().size(), 4, waitMs);
        bob.session->join(QStringLiteral("4711"));
        QTRY_VERIFY_WITH_TIMEOUT(alice.session->isPresent() && bob.session->isPresent(), waitMs);
        host.session->post(EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}});
        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("T3 N0 on MRI")}, {QStringLiteral("patient"), QStringLiteral("P-001")}});
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->outgoing(), 0, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(host.session->outgoing(), 0, waitMs);
        expectEveryoneHasTheLog();

        // A poll: the voting key is kept before the poll goes out, votes are secret, the end reveals them.
        QSignalSpy hostAcceptedPoll(host.session.get(), &MeetingSession::accepted);
        host.session->openPoll(QStringLiteral("Operate?"), {QStringLiteral("Yes"), QStringLiteral("No")}, QStringLiteral("P-001"));
        QVERIFY(hostAcceptedPoll.wait(waitMs));
        const QByteArray pollId = hostAcceptedPoll.constLast().at(1).toByteArray();
        QTRY_VERIFY_WITH_TIMEOUT(alice.session->findEvent(pollId, EventType::Poll) && bob.session->findEvent(pollId, EventType::Poll), waitMs);
        QSignalSpy bobRejected(bob.session.get(), &MeetingSession::rejected);
        alice.session->vote(pollId, 0);
        bob.session->vote(pollId, 1);
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->outgoing() + bob.session->outgoing(), 0, waitMs);
        QVERIFY(bobRejected.isEmpty());
        QSignalSpy aliceEndRejected(alice.session.get(), &MeetingSession::rejected);
        alice.session->endPoll(pollId); // alice holds no voting key
        QVERIFY(aliceEndRejected.wait(waitMs));
        QVERIFY2(aliceEndRejected.constFirst().at(1).toString().contains(QStringLiteral("no voting key")), qPrintable(aliceEndRejected.constFirst().at(1).toString()));
        host.session->endPoll(pollId);
        QTRY_VERIFY_WITH_TIMEOUT(bob.session->entries().constLast().event->type() == EventType::PollEndAck, waitMs);
        QList<protocol::Event> bobsLog;
        for (const client::TimelineEntry &entry : bob.session->entries())
            bobsLog.append(*entry.event);
        const auto tally = client::tallyPoll(bobsLog, pollId);
        QVERIFY(tally && tally->ended);
        QCOMPARE(tally->counts, (QList<int>{1, 1}));
        QCOMPARE(tally->invalid, 0);

        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("One vote each way")}});
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->outgoing(), 0, waitMs);
        expectEveryoneHasTheLog();
        const QList<client::TimelineEntry> &entries = bob.session->entries();
        QCOMPARE(entries.constLast().event->type(), EventType::Ack);
        QCOMPARE(entries.at(entries.size() - 2).event->type(), EventType::Comment);
        QCOMPARE(entries.at(entries.size() - 2).event->by(), alice.key.address());
    }

    void relayRestartedMidMeeting()
    {
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        m_relay->stop();
        for (auto &p : m_people)
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Waiting, waitMs);
        // Typed while the relay is away: queued, not lost.
        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Typed while the relay was down")}});
        bob.session->post(EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Me too")}},
                          bob.session->entries().at(bob.session->entries().size() - 2).event->id());
        QCOMPARE(alice.session->outgoing(), 1);
        QTest::qWait(300);
        QCOMPARE(alice.session->outgoing(), 1);
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Live, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->outgoing(), 0, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(bob.session->outgoing(), 0, waitMs);
        expectEveryoneHasTheLog();
        int typedOffline = 0;
        for (const client::TimelineEntry &entry : alice.session->entries())
            typedOffline += entry.event->content().value(QStringLiteral("text")).toString() == QStringLiteral("Typed while the relay was down") ? 1 : 0;
        QCOMPARE(typedOffline, 1); // sent once
    }

    // With a standby address the app moves there by itself when its relay is gone (here the same
    // relay restarted at the standby's port, as a standby takes the database over): the sessions
    // come back live and what was typed meanwhile is sent once. Then back to the first address.
    void standbyAddressIsUsedWhenTheRelayIsGone()
    {
        Person &alice = person(QStringLiteral("alice"));
        m_relay->stop();
        for (auto &p : m_people)
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Waiting, waitMs);
        QTRY_VERIFY2_WITH_TIMEOUT(alice.link->stateText().contains(QStringLiteral("Trying ") + standbyUrl().toDisplayString()), qPrintable(alice.link->stateText()),
                                  waitMs);
        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Sent to the standby")}});
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_standbyPort)}), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people) {
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Live, waitMs);
            QCOMPARE(p->link->url(), standbyUrl());
        }
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->outgoing(), 0, waitMs);
        expectEveryoneHasTheLog();
        int sent = 0;
        for (const client::TimelineEntry &entry : alice.session->entries())
            sent += entry.event->content().value(QStringLiteral("text")).toString() == QStringLiteral("Sent to the standby") ? 1 : 0;
        QCOMPARE(sent, 1);

        m_relay->stop();
        for (auto &p : m_people)
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Waiting, waitMs);
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people) {
            QTRY_COMPARE_WITH_TIMEOUT(p->session->phase(), MeetingSession::Phase::Live, waitMs);
            QCOMPARE(p->link->url(), relayUrl());
        }
    }

    void reopenedReplicaResumes()
    {
        Person &alice = person(QStringLiteral("alice"));
        const qsizetype before = alice.session->entries().size();
        alice.session.reset();
        openSession(alice);
        QCOMPARE(alice.session->entries().size(), before);
        QVERIFY(alice.session->isPresent());
        // A timeline follows the session: the replica at once, then each arrival as a row.
        client::TimelineModel timeline;
        QAbstractItemModelTester tester(&timeline, QAbstractItemModelTester::FailureReportingMode::QtTest);
        timeline.setSession(alice.session.get());
        QCOMPARE(timeline.entryCount(), before);
        const int rows = timeline.rowCount();
        // The session key kept in the replica still signs.
        QSignalSpy accepted(alice.session.get(), &MeetingSession::accepted);
        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("After reopening")}});
        QVERIFY(accepted.wait(waitMs));
        QTRY_COMPARE_WITH_TIMEOUT(timeline.entryCount(), before + 2, waitMs);
        QCOMPARE(timeline.rowCount(), rows + 1);
        QCOMPARE(timeline.index(rows, 0).data(client::TimelineModel::TextRole).toString(), QStringLiteral("After reopening"));
        QCOMPARE(timeline.index(rows, 0).data(client::TimelineModel::CheckRole).value<client::TimelineModel::Check>(),
                 client::TimelineModel::Check::Verified);
        expectEveryoneHasTheLog();
    }

    void tamperedReplicaIsReported()
    {
        Person &bob = person(QStringLiteral("bob"));
        bob.session.reset();
        const QString path = m_replicas.filePath(bob.name + QStringLiteral(".cmeet"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery select(db);
            QVERIFY(select.exec(QStringLiteral("SELECT position, bytes FROM events")));
            int changed = 0;
            while (select.next()) {
                QByteArray bytes = select.value(1).toByteArray();
                if (!bytes.contains("T3 N0"))
                    continue;
                QSqlQuery update(db);
                update.prepare(QStringLiteral("UPDATE events SET bytes = ? WHERE position = ?"));
                update.addBindValue(bytes.replace("T3 N0", "T4 N0"));
                update.addBindValue(select.value(0));
                QVERIFY(update.exec());
                ++changed;
            }
            QCOMPARE(changed, 1);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        bob.session = std::make_unique<MeetingSession>(*bob.link, m_meeting, path, *m_schemas);
        QSignalSpy problems(bob.session.get(), &MeetingSession::problemFound);
        bob.session->open();
        QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), waitMs);
        QVERIFY2(bob.session->problems().join(QLatin1Char('\n')).contains(QStringLiteral("not signed by its author's session key")),
                 qPrintable(bob.session->problems().join(QLatin1Char('\n'))));
        // The entry stays as it is: the evidence is kept, never replaced by the relay's version.
        QTRY_COMPARE_WITH_TIMEOUT(bob.session->phase(), MeetingSession::Phase::Live, waitMs);
        const auto replica = store::MeetingFile::open(path, true);
        QVERIFY(replica && (*replica)->events().value_or(QList<QByteArray>()).join().contains("T4 N0"));
    }

    // A relay restored from a backup older than what it acknowledged: the member is told, and
    // their copy stays as it is (nobody, the relay included, may quietly drop events).
    void relayRestoredFromAnOlderBackupIsReported()
    {
        Person &alice = person(QStringLiteral("alice"));
        const QString backup = m_backupDir.filePath(QStringLiteral("relay"));
        QProcess command;
        command.start(QStringLiteral(CMEET_RELAY_PATH), {QStringLiteral("backup"), backup, QStringLiteral("--data-dir"), m_relayDir.path()});
        QVERIFY(command.waitForFinished(60000));
        QVERIFY2(command.exitCode() == 0, command.readAllStandardError().constData());
        const qsizetype atBackup = alice.session->entries().size();
        alice.session->post(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("After the backup")}});
        QTRY_COMPARE_WITH_TIMEOUT(alice.session->entries().size(), atBackup + 2, waitMs); // the comment and its ack
        const qsizetype held = alice.session->entries().size();

        QSignalSpy problems(alice.session.get(), &MeetingSession::problemFound);
        m_relay->stop();
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), backup, "session test passphrase");
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), waitMs);
        const QString problem = problems.constFirst().constFirst().toString();
        QVERIFY2(problem.contains(QStringLiteral("The relay holds %1 entries of this meeting; your copy holds %2").arg(atBackup).arg(held)), qPrintable(problem));
        QCOMPARE(alice.session->entries().size(), held);
    }

    void cleanupTestCase()
    {
        for (auto &p : m_people) {
            p->session.reset();
            p->link.reset();
        }
        m_relay->stop();
    }
};

QTEST_GUILESS_MAIN(TestMeetingSession)
#include "test_meeting_session.moc"
