// cmeet-cli killed with SIGKILL at random instants while it takes part in a meeting: logging
// in, bringing its replica (the local copy of the meeting, a SQLite file) up to date, signing,
// submitting and storing what the relay acknowledged. After every kill the next command must
// work, and at the end the replica must be intact, hold exactly the relay's log (nothing lost,
// nothing twice) and verify. Then the desktop app, killed the same way while it starts, reopens
// the meeting and follows it: started once more it catches up, and its replica is the relay's
// log. CI runs a handful of kills; CMEET_CLIENT_KILLS asks for more.

#include "client/core/local_relay.h"
#include "client/ui/app_settings.h"
#include "ledger/meeting_verifier.h"
#include "protocol/event.h"
#include "support/cli_people.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace cmeet;

class TestClientKills : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalRelay> m_relay;
    test::CliPeople m_people{QStringLiteral(CMEET_CLI_PATH), m_dir.path(), [this] { return m_relay ? m_relay->url().toString() : QString(); }};
    QString m_meeting;

    // The meeting's log as the relay holds it, through the host's own replica.
    QList<QByteArray> relayLog()
    {
        if (m_people.ok(QStringLiteral("host"), {QStringLiteral("events"), m_meeting}).isEmpty())
            return {};
        return m_people.replicaLogOf(QStringLiteral("host"), m_meeting);
    }

    // Runs a comment as alice and kills it after delayMs (if it is still running); whether it
    // was killed.
    bool commentKilledAfter(int delayMs, const QString &text)
    {
        QProcess cli;
        cli.setProcessEnvironment(m_people.environment(QStringLiteral("alice")));
        cli.start(m_people.program(), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), text});
        if (!cli.waitForStarted(10000))
            return false;
        const bool finished = cli.waitForFinished(delayMs);
        if (!finished) {
            ::kill(static_cast<pid_t>(cli.processId()), SIGKILL);
            cli.waitForFinished(10000);
        }
        return !finished;
    }

    [[nodiscard]] int killCount() const
    {
        return qEnvironmentVariableIsSet("CMEET_CLIENT_KILLS") ? qEnvironmentVariableIntValue("CMEET_CLIENT_KILLS") : 6;
    }

    // The desktop app as bob, in a profile folder that reopens the meeting it had open; whether
    // it started (a kill before then would have no process id to go to).
    [[nodiscard]] bool startApp(QProcess &app, const QString &profile)
    {
        QProcessEnvironment environment = m_people.environment(QStringLiteral("bob"));
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(environment);
        app.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its log, beside the test's
        app.start(QStringLiteral(CMEET_APP_PATH), {QStringLiteral("--profile"), profile, QStringLiteral("--key-file"), m_people.keyFile(QStringLiteral("bob"))});
        return app.waitForStarted(10000) && app.processId() > 0;
    }

    // The entries in the app's copy of the meeting, read while the app may be writing it.
    [[nodiscard]] static QList<QByteArray> appReplica(const client::AppSettings &settings, const QString &meeting)
    {
        return test::meetingFileEntries(settings.replicaPath(meeting));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QStringList addresses = m_people.createIdentities({QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QCOMPARE(addresses.size(), 3);
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "relay passphrase");
        QVERIFY(m_relay->init());
        QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(0)), QStringLiteral("Host")));
        QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(1)), QStringLiteral("Alice")));
        QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(2)), QStringLiteral("Bob")));
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Jane Doe")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        m_meeting = m_people.ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Tumour board"),
                                                         QStringLiteral("--roster"), addresses.at(1) + QLatin1Char(',') + addresses.at(2), QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!m_meeting.isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("start"), m_meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("join"), m_meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty());
    }

    void killedCommandsLoseNothing()
    {
        // How long one comment takes from start to end: the kills fall anywhere in it.
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("Timed")}).isEmpty());
        const int commandMs = static_cast<int>(timer.elapsed());

        const int kills = killCount();
        QRandomGenerator random(QRandomGenerator::global()->generate());
        int killed = 0;
        int round = 0;
        for (; killed < kills && round < kills * 4; ++round) {
            // The host writes meanwhile, so each of alice's commands has entries to fetch first.
            QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("Host %1").arg(round)}).isEmpty());
            const int delayMs = static_cast<int>(random.bounded(commandMs + 1));
            killed += commentKilledAfter(delayMs, QStringLiteral("Killed %1").arg(round)) ? 1 : 0;
        }
        QCOMPARE(killed, kills);

        // The next commands work: her replica is brought up to date and she still speaks with the
        // session key she joined with (kept in the replica).
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("events"), m_meeting}).isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("After the kills")}).isEmpty());

        const QList<QByteArray> relay = relayLog();
        const QList<QByteArray> alice = m_people.replicaLogOf(QStringLiteral("alice"), m_meeting);
        QVERIFY(!relay.isEmpty());
        QCOMPARE(alice.size(), relay.size());
        QVERIFY(alice == relay);
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto report = ledger::verifyMeetingLog(alice, **schemas);
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        // Each killed comment is in the log at most once: a command killed after its submit does not
        // make the next one send it again.
        QHash<QString, int> texts;
        for (const protocol::Event &event : report.readable)
            ++texts[event.content().value(QStringLiteral("text")).toString()];
        for (auto it = texts.cbegin(); it != texts.cend(); ++it)
            QVERIFY2(it.key().isEmpty() || it.value() == 1, qPrintable(it.key()));
        QCOMPARE(texts.value(QStringLiteral("After the kills")), 1);
        qsizetype landed = 0;
        for (auto it = texts.cbegin(); it != texts.cend(); ++it)
            landed += it.key().startsWith(QStringLiteral("Killed")) ? 1 : 0;
        qInfo("%d commands killed within %d ms (and %d that finished first), %lld of their comments in the log; %lld entries, "
              "the replica equal to the relay's log",
              killed, commandMs, round - killed, static_cast<long long>(landed), static_cast<long long>(relay.size()));
    }

    void killedAppCatchesUp()
    {
        client::AppSettings settings = client::AppSettings::load(m_dir.filePath(QStringLiteral("bob-app")));
        settings.relayUrl = m_relay->url();
        settings.resumeMeeting = m_meeting; // as if the app had quit with the meeting open
        settings.save();

        // How long the app takes from its start to a copy of the whole meeting: the kills fall
        // anywhere in that (unlocking the key, loading and checking the copy, logging in,
        // fetching, storing), while the host writes.
        QElapsedTimer timer;
        timer.start();
        qsizetype relaySize = relayLog().size();
        {
            QProcess app;
            QVERIFY(startApp(app, settings.profileDir));
            QTRY_COMPARE_WITH_TIMEOUT(appReplica(settings, m_meeting).size(), relaySize, 60000);
            ::kill(static_cast<pid_t>(app.processId()), SIGKILL);
            QVERIFY(app.waitForFinished(10000));
        }
        const int catchUpMs = static_cast<int>(timer.elapsed());

        QRandomGenerator random(QRandomGenerator::global()->generate());
        for (int round = 0; round < killCount(); ++round) {
            QProcess host;
            host.setProcessEnvironment(m_people.environment(QStringLiteral("host")));
            host.start(m_people.program(), {QStringLiteral("comment"), m_meeting, QStringLiteral("--text"), QStringLiteral("While the app starts %1").arg(round)});
            QProcess app;
            QVERIFY(startApp(app, settings.profileDir));
            QVERIFY(!app.waitForFinished(static_cast<int>(random.bounded(catchUpMs + 1)))); // still running when killed
            ::kill(static_cast<pid_t>(app.processId()), SIGKILL);
            QVERIFY(app.waitForFinished(10000));
            QVERIFY(host.waitForFinished(30000));
            QCOMPARE(host.exitCode(), 0);
        }

        // Started once more, it reopens the meeting and catches up, then follows it to its end:
        // the relay's whole log, nothing twice, and it verifies.
        QProcess app;
        QVERIFY(startApp(app, settings.profileDir));
        relaySize = relayLog().size();
        QTRY_COMPARE_WITH_TIMEOUT(appReplica(settings, m_meeting).size(), relaySize, 60000);
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("end"), m_meeting}).isEmpty());
        const QList<QByteArray> relay = relayLog();
        QTRY_COMPARE_WITH_TIMEOUT(appReplica(settings, m_meeting).size(), relay.size(), 60000);
        app.terminate();
        QVERIFY(app.waitForFinished(10000));
        const QList<QByteArray> copy = appReplica(settings, m_meeting);
        QVERIFY(copy == relay);
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto report = ledger::verifyMeetingLog(copy, **schemas);
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        qInfo("the app killed %d times within %d ms of its start; started again, its copy holds the relay's %lld entries and verifies",
              killCount(), catchUpMs, static_cast<long long>(relay.size()));
    }
};

QTEST_GUILESS_MAIN(TestClientKills)
#include "test_client_kills.moc"
