// `cmeet-relay backup DIR` while the relay serves a running meeting, and the restore: a relay
// started on the backup serves exactly the log as it stood when the backup was taken, which
// verifies; a member whose replica holds more (acknowledged after the backup) is told the relay
// has lost events, not handed a shorter history as if it were whole.

#include "client/core/local_relay.h"
#include "ledger/meeting_verifier.h"
#include "support/cli_people.h"
#include "support/program_run.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;

class TestRelayBackup : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalRelay> m_relay;
    test::CliPeople m_people{QStringLiteral(CMEET_CLI_PATH), m_dir.path(), [this] { return m_relay ? m_relay->url().toString() : QString(); }};

    QString path(const QString &name) const { return m_dir.filePath(name); }

    test::ProgramRun relayCommand(const QStringList &arguments) const { return test::runProgram(QStringLiteral(CMEET_RELAY_PATH), arguments); }

    // The meeting's log in who's replica in stateDir.
private Q_SLOTS:
    void backupOfARunningRelayRestores()
    {
        const QStringList addresses = m_people.createIdentities({QStringLiteral("host"), QStringLiteral("alice")});
        QCOMPARE(addresses.size(), 2);
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), path(QStringLiteral("relay")), "relay passphrase");
        QVERIFY(m_relay->init());
        QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(0)), QStringLiteral("Host")));
        QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(1)), QStringLiteral("Alice")));
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Jane Doe")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        const QString meeting = m_people.ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Tumour board"),
                                                                     QStringLiteral("--roster"), addresses.at(1), QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!meeting.isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("start"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty());
        for (int i = 0; i < 3; ++i)
            QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("comment"), meeting, QStringLiteral("--text"), QStringLiteral("Before %1").arg(i)}).isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("events"), meeting}).isEmpty());
        const QList<QByteArray> atBackup = m_people.replicaLogOf(QStringLiteral("host"), meeting);
        QCOMPARE(atBackup.size(), 10);

        // While the relay runs. A second backup to the same place is refused, as is one of no relay.
        const test::ProgramRun backup = relayCommand({QStringLiteral("backup"), path(QStringLiteral("backup")), QStringLiteral("--data-dir"), path(QStringLiteral("relay"))});
        QVERIFY2(backup.exitCode == 0 && backup.out.contains(QStringLiteral("1 meetings, 10 log entries")), qPrintable(backup.outAndErr()));
        QCOMPARE(QFile::permissions(QDir(path(QStringLiteral("backup"))).filePath(QStringLiteral("relay.key"))),
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser);
        const test::ProgramRun again = relayCommand({QStringLiteral("backup"), path(QStringLiteral("backup")), QStringLiteral("--data-dir"), path(QStringLiteral("relay"))});
        QVERIFY2(again.exitCode == 1 && again.err.contains(QStringLiteral("is not empty")), qPrintable(again.outAndErr()));
        const test::ProgramRun nothing = relayCommand({QStringLiteral("backup"), path(QStringLiteral("other")), QStringLiteral("--data-dir"), path(QStringLiteral("no-relay"))});
        QVERIFY2(nothing.exitCode == 1 && nothing.err.contains(QStringLiteral("no relay in")), qPrintable(nothing.outAndErr()));

        QVERIFY(!m_people.ok(QStringLiteral("alice"), {QStringLiteral("comment"), meeting, QStringLiteral("--text"), QStringLiteral("After the backup")}).isEmpty());
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("events"), meeting}).isEmpty());
        QCOMPARE(m_people.replicaLogOf(QStringLiteral("host"), meeting).size(), 12);
        m_relay->stop();

        // The restore: a relay started on the backup serves the log as it was, and it verifies.
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), path(QStringLiteral("backup")), "relay passphrase");
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        const QString fresh = path(QStringLiteral("fresh-state"));
        QVERIFY(!m_people.ok(QStringLiteral("host"), {QStringLiteral("events"), meeting, QStringLiteral("--state"), fresh}).isEmpty());
        const QList<QByteArray> restored = test::CliPeople::replicaLog(fresh, meeting);
        QVERIFY(restored == atBackup);
        auto schemas = protocol::SchemaValidator::load();
        const auto report = ledger::verifyMeetingLog(restored, **schemas);
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));

        // The host's own replica holds two entries more, acknowledged by this relay's key: told so.
        const test::ProgramRun behind = m_people.as(QStringLiteral("host"), {QStringLiteral("events"), meeting});
        QVERIFY2(behind.exitCode != 0 && behind.err.contains(QStringLiteral("the relay holds 10 entries of this meeting, your replica 12")),
                 qPrintable(behind.outAndErr()));
        QCOMPARE(m_people.replicaLogOf(QStringLiteral("host"), meeting).size(), 12);
    }
};

QTEST_GUILESS_MAIN(TestRelayBackup)
#include "test_relay_backup.moc"
