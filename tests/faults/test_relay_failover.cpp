// Losing a server: two relays with one key and one PostgreSQL database, one serving and one
// standing by. The serving relay is killed (SIGKILL) mid-meeting, again and again; each time the
// other takes the meeting over from the database, the people's commands (cmeet-cli given both
// relays' URLs) carry on against it, and the killed one comes back as the standby. At the end
// the meeting is ended, every acknowledged comment is in the log once, and the exported meeting
// file passes cmeet-audit. Also: the database server restarted under the pair, a pg_dump
// restored, and the pair losing its database's primary to a promoted replica. CI runs three
// takeovers; CMEET_FAILOVERS asks for more.

#include "client/core/local_relay.h"
#include "ledger/meeting_verifier.h"
#include "protocol/event.h"
#include "support/cli_people.h"
#include "support/postgres_server.h"

#include <QDir>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace cmeet;

class TestRelayFailover : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::array<std::unique_ptr<client::LocalRelay>, 2> m_relays;
    std::array<quint16, 2> m_ports{};
    test::CliPeople m_people{QStringLiteral(CMEET_CLI_PATH), m_dir.path(), [this] {
                                 return QStringLiteral("ws://127.0.0.1:%1,ws://127.0.0.1:%2").arg(m_ports[0]).arg(m_ports[1]);
                             }};
    QString m_meeting;
    QString m_database;
    QStringList m_addresses; // host, alice, bob

    QStringList portArguments(int which) const { return {QStringLiteral("--port"), QString::number(m_ports[which])}; }

    // The meeting's entries in who's replica (brought up to date from the relay first).
    QList<QByteArray> logSeenBy(const QString &who)
    {
        if (m_people.ok(who, {QStringLiteral("events"), m_meeting}).isEmpty())
            return {};
        return m_people.replicaLogOf(who, m_meeting);
    }

    // A meeting of host, alice and bob (addresses in that order) started and joined; its id, or
    // empty when a step failed.
    QString startMeeting(const QStringList &addresses)
    {
        const QString meeting = m_people.ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Tumour board"),
                                                                     QStringLiteral("--roster"), addresses.mid(1).join(QLatin1Char(',')), QStringLiteral("--agenda"),
                                                                     QStringLiteral("P-001")});
        if (meeting.isEmpty() || m_people.ok(QStringLiteral("host"), {QStringLiteral("start"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty())
            return {};
        for (const QString &who : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            if (m_people.ok(who, {QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty())
                return {};
        }
        return meeting;
    }

    // Renames who's replica of meeting out of the way, so that what it holds next comes from
    // the relay alone.
    bool setReplicaAside(const QString &who, const QString &meeting)
    {
        const QDir state(m_people.stateDirectory(who));
        const QStringList files = state.entryList({meeting + QStringLiteral(".*")}, QDir::Files);
        return std::all_of(files.begin(), files.end(),
                           [&](const QString &file) { return QFile::rename(state.filePath(file), state.filePath(file + QStringLiteral(".set-aside"))); });
    }

    // Two relays on one database with one key (made by the first, copied to the second, as an
    // operator does), the three people and the patient enrolled, the first serving and the
    // second standing by on this test's ports. Empty, with what went wrong in *failure, when a
    // step fails.
    std::array<std::unique_ptr<client::LocalRelay>, 2> startPair(const QString &directoryPrefix, const QString &database, const QStringList &addresses,
                                                                 QString *failure)
    {
        std::array<std::unique_ptr<client::LocalRelay>, 2> pair;
        for (int which = 0; which < 2; ++which) {
            pair[which] = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(directoryPrefix + QString::number(which)),
                                                               "failover passphrase");
            pair[which]->setDatabase(database);
        }
        client::LocalRelay &first = *pair[0];
        client::LocalRelay &second = *pair[1];
        bool enrolled = first.init() && QDir().mkpath(second.dataDir())
            && QFile::copy(first.dataDir() + QStringLiteral("/relay.key"), second.dataDir() + QStringLiteral("/relay.key"));
        for (int i = 0; enrolled && i < addresses.size(); ++i)
            enrolled = first.addStaff(*crypto::Address::fromHex(addresses.at(i)), QStringLiteral("Person %1").arg(i));
        enrolled = enrolled && first.admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Jane Doe")});
        if (!enrolled || !first.start(portArguments(0))) {
            *failure = first.lastOutput();
            return {};
        }
        if (!second.startStandingBy(portArguments(1))) {
            *failure = second.lastOutput();
            return {};
        }
        return pair;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        m_database = test::newPostgresDatabase(&error);
        QVERIFY2(!m_database.isEmpty(), qPrintable(error));

        const QStringList addresses = m_people.createIdentities({QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QCOMPARE(addresses.size(), 3);
        for (quint16 &port : m_ports)
            port = test::freePort();
        QString failure;
        m_relays = startPair(QStringLiteral("relay-"), m_database, addresses, &failure);
        QVERIFY2(m_relays[0], qPrintable(failure));
        m_meeting = startMeeting(addresses);
        QVERIFY(!m_meeting.isEmpty());
        m_addresses = addresses;
    }

    // The database server restarted under the pair: the serving relay's connection, and the
    // serving lock with it, are gone, so it stops (exit code 3) rather than serve on, and the
    // standby, whose connection went too, stops as well; started again they serve the meeting,
    // with nothing acknowledged lost.
    void databaseRestartStopsTheRelays()
    {
        client::LocalRelay &relay = *m_relays[0];
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("before the database restart")})
                     .isEmpty());
        QString output;
        QVERIFY2(test::PostgresServer::shared()->restartAbruptly(&output), qPrintable(output));
        QVERIFY2(relay.waitForExit(10000) == std::optional(3), qPrintable(relay.lastOutput()));
        QVERIFY2(relay.lastOutput().contains(QStringLiteral("lost the database connection")), qPrintable(relay.lastOutput()));
        QVERIFY2(m_relays[1]->waitForExit(10000) == std::optional(1), qPrintable(m_relays[1]->lastOutput()));
        QVERIFY2(m_relays[1]->lastOutput().contains(QStringLiteral("cannot take the serving lock")), qPrintable(m_relays[1]->lastOutput()));
        QVERIFY2(relay.start(portArguments(0)), qPrintable(relay.lastOutput()));
        QVERIFY2(m_relays[1]->startStandingBy(portArguments(1)), qPrintable(m_relays[1]->lastOutput()));
        QVERIFY(!m_people.ok(QStringLiteral("bob"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("after the database restart")})
                     .isEmpty());
        const QList<QByteArray> log = logSeenBy(QStringLiteral("alice"));
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto report = ledger::verifyMeetingLog(log, **schemas);
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        QStringList texts;
        for (const protocol::Event &event : report.readable)
            texts.append(event.content().value(QStringLiteral("text")).toString());
        QVERIFY(texts.contains(QStringLiteral("before the database restart")) && texts.contains(QStringLiteral("after the database restart")));
    }

    void standbyTakesOverAndLosesNothing()
    {
        const int failovers = qEnvironmentVariableIsSet("CMEET_FAILOVERS") ? qEnvironmentVariableIntValue("CMEET_FAILOVERS") : 3;
        QStringList acknowledged; // comments whose command said they were stored
        int refusedInTheGap = 0;
        qint64 longestTakeoverMs = 0;
        int serving = 0;
        for (int round = 0; round < failovers; ++round) {
            // The standby does not serve, nor even listen, while the other relay does.
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_ports[1 - serving]);
            QVERIFY(!probe.waitForConnected(1000));
            for (const QString &who : {QStringLiteral("alice"), QStringLiteral("bob")}) {
                const QString text = QStringLiteral("%1 before takeover %2").arg(who).arg(round);
                QVERIFY2(!m_people.ok(who, {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), text}).isEmpty(), qPrintable(text));
                acknowledged.append(text);
            }
            m_relays[serving]->kill();
            QElapsedTimer takeover;
            takeover.start();
            // At once, while the standby may still be taking over: stored, or refused and not lost.
            const QString gapText = QStringLiteral("alice in the gap %1").arg(round);
            if (!m_people.ok(QStringLiteral("alice"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), gapText}).isEmpty())
                acknowledged.append(gapText);
            else
                ++refusedInTheGap;
            const int standby = 1 - serving;
            QVERIFY2(m_relays[standby]->waitUntilListening(), qPrintable(m_relays[standby]->lastOutput()));
            longestTakeoverMs = std::max(longestTakeoverMs, takeover.elapsed());
            QCOMPARE(m_relays[standby]->url().port(), int(m_ports[standby]));
            // The killed relay comes back as the standby.
            QVERIFY2(m_relays[serving]->startStandingBy(portArguments(serving)), qPrintable(m_relays[serving]->lastOutput()));
            serving = standby;
        }
        QVERIFY(!m_people.ok(QStringLiteral("bob"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("last word")}).isEmpty());
        acknowledged.append(QStringLiteral("last word"));
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("end"), m_meeting}).isEmpty());

        const QList<QByteArray> log = logSeenBy(QStringLiteral("host"));
        QVERIFY(!log.isEmpty());
        QCOMPARE(logSeenBy(QStringLiteral("alice")), log);
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto report = ledger::verifyMeetingLog(log, **schemas);
        QVERIFY2(report.ok() && report.ended, qPrintable(report.problems.join(QLatin1Char('\n'))));
        QHash<QString, int> texts;
        for (const protocol::Event &event : report.readable)
            ++texts[event.content().value(QStringLiteral("text")).toString()];
        for (const QString &text : std::as_const(acknowledged))
            QVERIFY2(texts.value(text) == 1, qPrintable(QStringLiteral("acknowledged once: ") + text));

        const QString exported = m_dir.filePath(QStringLiteral("meeting.cmeet"));
        QVERIFY(m_people.ok(QStringLiteral("alice"), {QStringLiteral("export"), m_meeting, QStringLiteral("--out"), exported}).contains(QStringLiteral("verified")));
        const test::ProgramRun audit = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), exported});
        QVERIFY2(audit.exitCode == 2 && !audit.out.contains(QStringLiteral("FAILED")), qPrintable(audit.outAndErr())); // no chain here: not fully checked
        qInfo("%d takeovers (longest %lld ms from the kill to listening), %lld comments acknowledged and all in the log once, "
              "%d refused while no relay served; %lld entries, audited",
              failovers, static_cast<long long>(longestTakeoverMs), static_cast<long long>(acknowledged.size()), refusedInTheGap,
              static_cast<long long>(log.size()));
    }

    // A pg_dump of the database, restored into a new one, is a relay that serves the same log
    // (docs/operations.md, Backups with PostgreSQL).
    void dumpRestoresTheSameLog()
    {
        test::PostgresServer *server = test::PostgresServer::shared();
        QVERIFY(server);
        const QList<QByteArray> before = logSeenBy(QStringLiteral("host"));
        QVERIFY(!before.isEmpty());
        const QString dump = server->scratchPath(QStringLiteral("relay.dump"));
        QString output;
        QVERIFY2(server->run(QStringLiteral("pg_dump"), {QStringLiteral("--format=custom"), QStringLiteral("--file"), dump, m_database}, &output), qPrintable(output));
        QString error;
        const QString restored = server->createDatabase(&error);
        QVERIFY2(!restored.isEmpty(), qPrintable(error));
        QVERIFY2(server->run(QStringLiteral("pg_restore"), {QStringLiteral("--no-owner"), QStringLiteral("--dbname"), restored, dump}, &output), qPrintable(output));

        for (auto &relay : m_relays)
            relay->stop();
        client::LocalRelay restoredRelay(QStringLiteral(CMEET_RELAY_PATH), m_relays[0]->dataDir(), "failover passphrase");
        restoredRelay.setDatabase(restored);
        QVERIFY2(restoredRelay.start(portArguments(0)), qPrintable(restoredRelay.lastOutput()));
        // Everything the host's replica now holds comes from the restored relay.
        QVERIFY(setReplicaAside(QStringLiteral("host"), m_meeting));
        QCOMPARE(logSeenBy(QStringLiteral("host")), before);
        restoredRelay.stop();
    }

    // The database's own failover under the relay pair (docs/operations.md, Mapping onto
    // PostgreSQL replication): a primary with a synchronous streaming replica, and both relays
    // given both servers. The primary fails; the serving relay, its connection gone, stops, and
    // so does the standby; started again before the replica is promoted, a relay finds no server
    // that takes writes and says so; once a failover tool has promoted the replica the pair
    // serves the meeting on from it, and the standby still takes over from a killed relay. Every
    // acknowledged comment is in the log once.
    void pairLosesThePrimaryToItsReplica()
    {
        for (auto &pairRelay : m_relays)
            pairRelay->stop(); // their ports are this pair's
        QString error;
        const std::unique_ptr<test::PostgresServer> primary = test::PostgresServer::startNew(&error);
        QVERIFY2(primary, qPrintable(error));
        const QString onPrimary = primary->createDatabase(&error);
        QVERIFY2(!onPrimary.isEmpty(), qPrintable(error));
        const std::unique_ptr<test::PostgresServer> replica = primary->startReplica(&error);
        QVERIFY2(replica, qPrintable(error));
        const QString both = QStringLiteral("postgresql://cmeet@127.0.0.1:%1,127.0.0.1:%2/%3?target_session_attrs=read-write&connect_timeout=5")
                                 .arg(primary->port())
                                 .arg(replica->port())
                                 .arg(onPrimary.section(QLatin1Char('/'), -1));

        QString failure;
        const std::array<std::unique_ptr<client::LocalRelay>, 2> pair = startPair(QStringLiteral("replicated-"), both, m_addresses, &failure);
        QVERIFY2(pair[0], qPrintable(failure));
        client::LocalRelay &first = *pair[0];
        client::LocalRelay &second = *pair[1];
        const QString meeting = startMeeting(m_addresses);
        QVERIFY(!meeting.isEmpty());
        QStringList acknowledged;
        const auto comment = [&](const QString &who, const QString &text) {
            if (m_people.ok(who, {QStringLiteral("comment"), meeting, QStringLiteral("--text"), text}).isEmpty())
                return false;
            acknowledged.append(text);
            return true;
        };
        for (const QString &who : {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("alice")})
            QVERIFY(comment(who, QStringLiteral("%1 on the primary, comment %2").arg(who).arg(acknowledged.size())));

        primary->stopAbruptly();
        QVERIFY2(first.waitForExit(10000) == std::optional(3), qPrintable(first.lastOutput()));
        QVERIFY2(second.waitForExit(10000) == std::optional(1), qPrintable(second.lastOutput()));
        QVERIFY2(second.lastOutput().contains(QStringLiteral("cannot take the serving lock")), qPrintable(second.lastOutput()));
        // libpq's own words for the replica: connected, but not a server that takes writes.
        QVERIFY2(!first.start(portArguments(0)), qPrintable(first.lastOutput()));
        QVERIFY2(first.lastOutput().contains(QStringLiteral("session is read-only")), qPrintable(first.lastOutput()));

        QString output;
        QVERIFY2(replica->promote(&output), qPrintable(output));
        QVERIFY2(first.start(portArguments(0)), qPrintable(first.lastOutput()));
        QVERIFY2(second.startStandingBy(portArguments(1)), qPrintable(second.lastOutput()));
        QVERIFY(comment(QStringLiteral("bob"), QStringLiteral("on the promoted replica")));
        first.kill();
        QVERIFY2(second.waitUntilListening(), qPrintable(second.lastOutput()));
        QVERIFY(comment(QStringLiteral("alice"), QStringLiteral("on the promoted replica, from the standby")));
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("end"), meeting}).isEmpty());

        // Read from the relay afresh.
        QVERIFY(setReplicaAside(QStringLiteral("host"), meeting));
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("events"), meeting}).isEmpty());
        const QList<QByteArray> log = m_people.replicaLogOf(QStringLiteral("host"), meeting);
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto report = ledger::verifyMeetingLog(log, **schemas);
        QVERIFY2(report.ok() && report.ended, qPrintable(report.problems.join(QLatin1Char('\n'))));
        QStringList texts;
        for (const protocol::Event &event : report.readable)
            texts.append(event.content().value(QStringLiteral("text")).toString());
        for (const QString &text : std::as_const(acknowledged))
            QVERIFY2(texts.count(text) == 1, qPrintable(QStringLiteral("acknowledged once: ") + text));
        second.stop();
    }

    void cleanupTestCase()
    {
        for (auto &relay : m_relays) {
            if (relay)
                relay->stop();
        }
    }
};

QTEST_GUILESS_MAIN(TestRelayFailover)
#include "test_relay_failover.moc"
