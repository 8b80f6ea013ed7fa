// A whole meeting driven through cmeet-cli commands, as people at a terminal would: identity
// files, a real cmeet-relay, one process per command, a replica per person, the export.

#include "base/hex.h"
#include "client/core/local_relay.h"
#include "crypto/hash.h"
#include "ledger/meeting_verifier.h"
#include "store/meeting_file.h"
#include "support/cli_people.h"

#include <QDateTime>
#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;

class TestCliMeeting : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalRelay> m_relay;

    using Run = test::ProgramRun;

    // Runs cmeet-cli as `who` (its key and state directory).
    test::CliPeople m_people{QStringLiteral(CMEET_CLI_PATH), m_dir.path(), [this] { return m_relay ? m_relay->url().toString() : QString(); }};

    Run as(const QString &who, const QStringList &arguments) const { return m_people.as(who, arguments); }
    QString ok(const QString &who, const QStringList &arguments) const { return m_people.ok(who, arguments); }

    // The scheduled time in `meeting show`'s first line: ISO 8601 with the local offset.
    static QDateTime shownTime(const QString &text)
    {
        static const QRegularExpression time(QStringLiteral("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)"));
        return QDateTime::fromString(time.match(text).captured(0), Qt::ISODate);
    }

    static QString idIn(const QString &text)
    {
        static const QRegularExpression id(QStringLiteral("0x[0-9a-f]{64}"));
        return id.match(text).captured(0);
    }

private Q_SLOTS:
    void wholeMeetingFromTheCommandLine()
    {
        const QStringList addresses = m_people.createIdentities({QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QCOMPARE(addresses.size(), 3);
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "relay passphrase");
        QVERIFY(m_relay->init());
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(i)), QStringList{QStringLiteral("Host"), QStringLiteral("Alice"), QStringLiteral("Bob")}.at(i)));
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Jane Doe")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));

        // Scheduled relative to now (never a fixed date: the listing depends on the clock), given in
        // UTC and shown in the local time zone with its offset: the same instant either way.
        QDateTime at = QDateTime::currentDateTimeUtc().addDays(3);
        at.setTime(QTime(at.time().hour(), at.time().minute()));
        const QString meeting = ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Tumour board"),
                                                            QStringLiteral("--description"), QStringLiteral("Weekly colorectal cases"),
                                                            QStringLiteral("--at"), at.toString(Qt::ISODate),
                                                            QStringLiteral("--roster"), addresses.at(1) + QLatin1Char(',') + addresses.at(2),
                                                            QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!meeting.isEmpty());
        QVERIFY(ok(QStringLiteral("alice"), {QStringLiteral("meeting"), QStringLiteral("list")}).contains(meeting));
        QVERIFY(ok(QStringLiteral("bob"), {QStringLiteral("meeting"), QStringLiteral("show"), meeting}).contains(QStringLiteral("P-001  Jane Doe")));
        // Only the host edits or cancels, and only before the start.
        const Run editByAlice = as(QStringLiteral("alice"), {QStringLiteral("meeting"), QStringLiteral("edit"), meeting, QStringLiteral("--title"), QStringLiteral("Mine now")});
        QCOMPARE(editByAlice.exitCode, 1);
        QVERIFY2(editByAlice.err.contains(QStringLiteral("not_host")), qPrintable(editByAlice.err));
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("edit"), meeting, QStringLiteral("--title"), QStringLiteral("Tumour board, room 2")}).isEmpty());
        // An edit changes only what it is given: bob is still on the roster, P-001 on the agenda,
        // the time and description as they were.
        const QString afterEdit = ok(QStringLiteral("bob"), {QStringLiteral("meeting"), QStringLiteral("show"), meeting});
        QVERIFY2(afterEdit.contains(QStringLiteral("Tumour board, room 2")) && afterEdit.contains(QStringLiteral("P-001  Jane Doe"))
                     && afterEdit.contains(QStringLiteral("Weekly colorectal cases")),
                 qPrintable(afterEdit));
        QCOMPARE(shownTime(afterEdit), at);
        const QString spare = ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Spare"),
                                                          QStringLiteral("--roster"), addresses.at(1), QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!spare.isEmpty());
        const Run cancelByAlice = as(QStringLiteral("alice"), {QStringLiteral("meeting"), QStringLiteral("cancel"), spare});
        QCOMPARE(cancelByAlice.exitCode, 1);
        QVERIFY(cancelByAlice.err.contains(QStringLiteral("not_host")));
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("cancel"), spare}).isEmpty());
        QVERIFY(ok(QStringLiteral("alice"), {QStringLiteral("meeting"), QStringLiteral("show"), spare}).contains(QStringLiteral("cancelled")));

        QVERIFY(ok(QStringLiteral("host"), {QStringLiteral("start"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).contains(QStringLiteral("code to show in the room: 2468")));
        QVERIFY(ok(QStringLiteral("alice"), {QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).startsWith(QStringLiteral("joined")));
        const Run editStarted = as(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("edit"), meeting, QStringLiteral("--title"), QStringLiteral("Too late")});
        QCOMPARE(editStarted.exitCode, 1);
        QVERIFY(editStarted.err.contains(QStringLiteral("meeting_not_editable")));
        const Run wrongCode = as(QStringLiteral("bob"), {QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("1111")});
        QCOMPARE(wrongCode.exitCode, 1);
        QVERIFY(wrongCode.err.contains(QStringLiteral("wrong_attendance_code")));
        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).isEmpty());

        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("discuss"), meeting, QStringLiteral("--patient"), QStringLiteral("P-001")}).isEmpty());
        const QString comment = idIn(ok(QStringLiteral("alice"), {QStringLiteral("comment"), meeting, QStringLiteral("--text"), QStringLiteral("CT: T3 N0."), QStringLiteral("--patient"), QStringLiteral("P-001")}));
        QVERIFY(!comment.isEmpty());
        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("reply"), meeting, QStringLiteral("--to"), comment.left(12), QStringLiteral("--text"), QStringLiteral("Agreed.")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("disagree"), meeting, QStringLiteral("--with"), comment, QStringLiteral("--reason"), QStringLiteral("Old scan.")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("patient-data"), meeting, QStringLiteral("--patient"), QStringLiteral("P-001"), QStringLiteral("--field"), QStringLiteral("mdtOutcome"),
                                             QStringLiteral("--value"), QStringLiteral("Surgery")}).isEmpty());
        const Run notHost = as(QStringLiteral("alice"), {QStringLiteral("discuss"), meeting, QStringLiteral("--patient"), QStringLiteral("P-001")});
        QCOMPARE(notHost.exitCode, 1);
        QVERIFY(notHost.err.contains(QStringLiteral("not_host")));

        const QString poll = idIn(ok(QStringLiteral("host"), {QStringLiteral("poll"), meeting, QStringLiteral("--question"), QStringLiteral("Operate?"),
                                                              QStringLiteral("--option"), QStringLiteral("Yes"), QStringLiteral("--option"), QStringLiteral("No")}));
        QVERIFY(!poll.isEmpty());
        QVERIFY(!ok(QStringLiteral("alice"), {QStringLiteral("vote"), meeting, QStringLiteral("--poll"), poll, QStringLiteral("--option"), QStringLiteral("0")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("vote"), meeting, QStringLiteral("--poll"), poll, QStringLiteral("--option"), QStringLiteral("1")}).isEmpty());
        const Run twice = as(QStringLiteral("alice"), {QStringLiteral("vote"), meeting, QStringLiteral("--poll"), poll, QStringLiteral("--option"), QStringLiteral("1")});
        QVERIFY(twice.err.contains(QStringLiteral("already_voted")));
        // Before the end nobody can read the votes, not even in results.
        QVERIFY(ok(QStringLiteral("bob"), {QStringLiteral("results"), meeting}).contains(QStringLiteral("still open")));
        const QString tally = ok(QStringLiteral("host"), {QStringLiteral("poll-end"), meeting, QStringLiteral("--poll"), poll});
        QVERIFY2(tally.contains(QStringLiteral("0. Yes: 1")) && tally.contains(QStringLiteral("1. No: 1")), qPrintable(tally));
        QVERIFY(ok(QStringLiteral("alice"), {QStringLiteral("results"), meeting}).contains(QStringLiteral("was counted")));

        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("leave"), meeting}).isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("end"), meeting}).isEmpty());
        QVERIFY(ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("show"), meeting}).contains(QStringLiteral("mdtOutcome: Surgery")));

        // The export: a .cmeet file that verifies from its contents alone and holds no keys.
        const QString exported = m_dir.filePath(QStringLiteral("meeting.cmeet"));
        QVERIFY(ok(QStringLiteral("alice"), {QStringLiteral("export"), meeting, QStringLiteral("--out"), exported}).contains(QStringLiteral("verified")));
        auto file = store::MeetingFile::open(exported, true);
        QVERIFY(file);
        const auto log = (*file)->events();
        QVERIFY(log);
        QCOMPARE(log->size(), 2 * 14);
        auto schemas = protocol::SchemaValidator::load();
        const auto report = ledger::verifyMeetingLog(*log, **schemas);
        QVERIFY2(report.ok() && report.ended, qPrintable(report.problems.join(QLatin1Char('\n'))));
        QVERIFY(!(*file)->meeting().contains(QStringLiteral("local")));
        // The host opens the start's attendance commitment for an auditor: the salt it prints and
        // the code shown in the room hash to the commitment in the exported start.
        const QString opening = ok(QStringLiteral("host"), {QStringLiteral("attendance-opening"), meeting, QStringLiteral("--code"), QStringLiteral("2468")});
        const QString salt = QRegularExpression(QStringLiteral("salt (0x[0-9a-f]{64})")).match(opening).captured(1);
        QVERIFY2(!salt.isEmpty(), qPrintable(opening));
        const QString commitment = protocol::Event::fromWire(log->constFirst())->content().value(QStringLiteral("attendanceCommitment")).toString();
        QCOMPARE(hex::encode(crypto::sha256(QByteArray(*hex::decode(salt) + QByteArrayLiteral("2468")))), commitment);
        const Run wrongOpening = as(QStringLiteral("host"), {QStringLiteral("attendance-opening"), meeting, QStringLiteral("--code"), QStringLiteral("1111")});
        QCOMPARE(wrongOpening.exitCode, 1);
        QVERIFY(wrongOpening.err.contains(QStringLiteral("not the code committed")));
        QCOMPARE(as(QStringLiteral("alice"), {QStringLiteral("attendance-opening"), meeting, QStringLiteral("--code"), QStringLiteral("2468")}).exitCode, 1); // only the host can
        const QString alicesReplica = QDir(m_dir.filePath(QStringLiteral("alice-state"))).entryList({QStringLiteral("*.cmeet")}).value(0);
        QVERIFY(!alicesReplica.isEmpty());
        auto replica = store::MeetingFile::open(m_dir.filePath(QStringLiteral("alice-state/")) + alicesReplica, true);
        QCOMPARE(*(*replica)->events(), *log);
    }
};

QTEST_GUILESS_MAIN(TestCliMeeting)
#include "test_cli_meeting.moc"
