// cmeet-cli as a user runs it: a real process, real files.

#include "crypto/keystore.h"
#include "protocol/event.h"
#include "store/meeting_file.h"
#include "support/program_run.h"

#include <QFile>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QTest>

using namespace cmeet;

namespace {

using Run = test::ProgramRun;

Run runCli(const QStringList &arguments, const QByteArray &passphrase = "demo passphrase", const QByteArray &input = {})
{
    test::ProgramOptions options;
    options.environment = test::environmentWith({{QStringLiteral("CMEET_PASSPHRASE"), QString::fromUtf8(passphrase)}});
    options.input = input;
    return test::runProgram(QStringLiteral(CMEET_CLI_PATH), arguments, options);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void helpEverywhere()
    {
        for (const QStringList &arguments : {QStringList{QStringLiteral("--help")},
                                             QStringList{QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("identity"), QStringLiteral("show"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("event"), QStringLiteral("sign"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("event"), QStringLiteral("verify"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("demo"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("simulate"), QStringLiteral("--help")},
                                             QStringList{QStringLiteral("tour"), QStringLiteral("--help")}}) {
            const Run run = runCli(arguments);
            QCOMPARE(run.exitCode, 0);
            QVERIFY2(run.out.contains(QStringLiteral("Usage")) || run.out.contains(QStringLiteral("usage")), qPrintable(run.out));
        }
        // Every action of a meeting, of its management and of the registrar, and identity prove.
        QStringList commands{QStringLiteral("identity prove")};
        for (const char *action : {"create", "edit", "cancel", "list", "show"})
            commands.append(QStringLiteral("meeting ") + QLatin1String(action));
        for (const char *action : {"start", "join", "comment", "reply", "disagree", "discuss", "patient-data", "poll", "vote", "poll-end",
                                   "results", "leave", "end", "events", "export", "approve", "attendance-opening"})
            commands.append(QLatin1String(action));
        for (const char *action : {"deploy", "enrol", "add-key", "revoke", "status", "ffs-setup", "ffs-issue"})
            commands.append(QStringLiteral("registrar ") + QLatin1String(action));
        for (const QString &command : commands) {
            const Run run = runCli(command.split(QLatin1Char(' ')) + QStringList{QStringLiteral("--help")});
            QCOMPARE(run.exitCode, 0);
            QVERIFY2(run.out.startsWith(QStringLiteral("Usage: cmeet-cli ") + command), qPrintable(command + QStringLiteral(": ") + run.out));
        }
        for (const QString &group : {QStringLiteral("identity"), QStringLiteral("event"), QStringLiteral("meeting"), QStringLiteral("registrar")}) {
            const Run groupHelp = runCli({group, QStringLiteral("--help")});
            QCOMPARE(groupHelp.exitCode, 0);
            QVERIFY(groupHelp.out.contains(QStringLiteral("Usage: cmeet-cli %1 ACTION").arg(group)));
            const Run unknownAction = runCli({group, QStringLiteral("bogus")});
            QCOMPARE(unknownAction.exitCode, 2);
            QVERIFY(unknownAction.err.contains(QStringLiteral("unknown %1 action \"bogus\"").arg(group)));
        }
        const Run unknown = runCli({QStringLiteral("frobnicate")});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("unknown command \"frobnicate\"")));
    }

    void identityKeyFileIsEncryptedAndPrivate()
    {
        const Run created = runCli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--out"), path(QStringLiteral("host.key"))});
        QCOMPARE(created.exitCode, 0);
        auto address = crypto::Address::fromHex(created.out.trimmed());
        QVERIFY(address);

        QFile file(path(QStringLiteral("host.key")));
        QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray contents = file.readAll();
        auto key = crypto::keystore::open(contents, crypto::SecretBytes(QByteArrayView("demo passphrase")));
        QVERIFY(key);
        QCOMPARE(key->address(), *address);
        QVERIFY(!contents.contains(key->secret().view().toByteArray().toHex()));

        const Run shown = runCli({QStringLiteral("identity"), QStringLiteral("show"), path(QStringLiteral("host.key"))});
        QCOMPARE(shown.exitCode, 0);
        QCOMPARE(shown.out.trimmed(), address->toChecksumHex());

        const Run again = runCli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--out"), path(QStringLiteral("host.key"))});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains(QStringLiteral("--force")));
        QFile unchanged(path(QStringLiteral("host.key")));
        QVERIFY(unchanged.open(QIODevice::ReadOnly));
        QCOMPARE(unchanged.readAll(), contents); // nothing lost

        const Run noPassphrase = runCli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--out"), path(QStringLiteral("other.key"))}, QByteArray());
        QCOMPARE(noPassphrase.exitCode, 1);
        QVERIFY(!QFile::exists(path(QStringLiteral("other.key"))));
    }

    void signThenVerify()
    {
        QVERIFY(runCli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--out"), path(QStringLiteral("signer.key"))}).exitCode == 0);
        const QStringList signArguments{QStringLiteral("event"), QStringLiteral("sign"),
                                        QStringLiteral("--key"), path(QStringLiteral("signer.key")),
                                        QStringLiteral("--type"), QStringLiteral("comment"),
                                        QStringLiteral("--meeting"), QStringLiteral("6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d"),
                                        QStringLiteral("--ref"), QStringLiteral("0x") + QString(64, u'a'),
                                        QStringLiteral("--content"), QStringLiteral("{\"text\": \"Résumé: MRI first.\", \"patient\": \"P-001\"}")};
        const Run signedRun = runCli(signArguments);
        QCOMPARE(signedRun.exitCode, 0);
        const QByteArray wire = signedRun.out.trimmed().toUtf8();
        auto event = protocol::Event::fromWire(wire);
        QVERIFY2(event, qPrintable(signedRun.out + signedRun.err));
        QCOMPARE(event->content().value(QStringLiteral("text")).toString(), QStringLiteral("Résumé: MRI first."));

        const Run verified = runCli({QStringLiteral("event"), QStringLiteral("verify")}, {}, wire + '\n');
        QCOMPARE(verified.exitCode, 0);
        QVERIFY(verified.out.contains(QStringLiteral("1 accepted, 0 rejected")));
        QVERIFY(verified.out.contains(event->idHex()));

        QByteArray tampered = wire;
        tampered.replace("MRI", "CT ");
        const Run caught = runCli({QStringLiteral("event"), QStringLiteral("verify"), QStringLiteral("--signer"),
                                   event->recoverSigner()->toChecksumHex()}, {}, wire + '\n' + tampered + '\n');
        QCOMPARE(caught.exitCode, 1);
        QVERIFY2(caught.out.contains(QStringLiteral("REJECTED -:2 wrong_signer")), qPrintable(caught.out));
        QVERIFY(caught.out.contains(QStringLiteral("1 accepted, 1 rejected")));

        const Run wrongPassphrase = runCli(signArguments, "not the passphrase");
        QCOMPARE(wrongPassphrase.exitCode, 1);
        QVERIFY(wrongPassphrase.err.contains(QStringLiteral("wrong passphrase")));

        QStringList badContent = signArguments;
        badContent.last() = QStringLiteral("{\"text\": \"\"}");
        const Run schema = runCli(badContent);
        QCOMPARE(schema.exitCode, 1);
        QVERIFY2(schema.err.contains(QStringLiteral("schema_violation")), qPrintable(schema.err));
    }

    void tourRunsAndItsOutputVerifies()
    {
        const Run demo = runCli({QStringLiteral("tour"), QStringLiteral("--out"), path(QStringLiteral("demo.events"))});
        QCOMPARE(demo.exitCode, 0);
        QVERIFY(demo.out.contains(QStringLiteral("forgery caught")));
        QVERIFY(demo.out.contains(QStringLiteral("0 rejected in the audit")));
        const Run verified = runCli({QStringLiteral("event"), QStringLiteral("verify"), path(QStringLiteral("demo.events"))});
        QCOMPARE(verified.exitCode, 0);
        QVERIFY2(verified.out.contains(QStringLiteral("13 accepted, 0 rejected")), qPrintable(verified.out));
    }

    // The main job, small: a relay process, a simulated meeting over WebSockets, the audit.
    void demoEndToEnd()
    {
        const Run demo = runCli({QStringLiteral("demo"), QStringLiteral("--participants"), QStringLiteral("4"), QStringLiteral("--patients"),
                                 QStringLiteral("2"), QStringLiteral("--comments"), QStringLiteral("2"), QStringLiteral("--data-dir"),
                                 path(QStringLiteral("demo-relay"))});
        QVERIFY2(demo.exitCode == 0, qPrintable(demo.out + demo.err));
        // The exported file, audited against the dev chain: everything checked, keys and anchor included.
        QVERIFY2(demo.out.contains(QStringLiteral("Audit of the meeting file (cmeet-audit verify): VERIFIED, 64 entries")), qPrintable(demo.out));
        QVERIFY2(demo.out.contains(QStringLiteral("anchored on chain  yes, approved by 5")), qPrintable(demo.out));
        // The record people read, as a PDF: its text names the verdict, the patients and the people
        // (no "fi" in what is looked for: the PDF sets it as a ligature).
        const QString record = path(QStringLiteral("demo-relay/meeting-record.pdf"));
        QVERIFY2(demo.out.contains(QStringLiteral("meeting record     ") + record), qPrintable(demo.out));
        const test::ProgramRun text = test::runProgram(QStringLiteral("pdftotext"), {record, QStringLiteral("-")});
        QVERIFY2(text.exitCode == 0 && text.out.contains(QStringLiteral("Audit verdict: VERIFIED")) && text.out.contains(QStringLiteral("Patient P-002"))
                     && text.out.contains(QStringLiteral("Participant 4")) && text.out.contains(QStringLiteral("5 of 5 on the roster approved"))
                     && text.out.contains(QStringLiteral("Images shown")) && text.out.contains(QStringLiteral("Scan of P-002 (synthetic)")),
                 qPrintable(text.outAndErr()));
        // start, 4 joins, per patient: discussion, data change, image, 4 remarks, poll, 4 votes, pollEnd; end.
        QVERIFY2(demo.out.contains(QStringLiteral("events submitted   32 (64 log entries")), qPrintable(demo.out));
        QVERIFY2(demo.out.contains(QStringLiteral("images shown       2, in the meeting file")), qPrintable(demo.out));
        // The summary: bytes stored (events and the relay's database) and time taken.
        static const QRegularExpression stored(QStringLiteral("bytes stored +(\\d+\\.\\d\\d) MB of event bytes; relay database (\\d+\\.\\d\\d) MB"));
        const QRegularExpressionMatch bytes = stored.match(demo.out);
        QVERIFY2(bytes.hasMatch() && bytes.captured(1).toDouble() > 0.01 && bytes.captured(2).toDouble() > 0.01, qPrintable(demo.out));
        QVERIFY(QRegularExpression(QStringLiteral("time taken +\\d+\\.\\d s")).match(demo.out).hasMatch());
        QVERIFY(QFile::exists(path(QStringLiteral("demo-relay/relay.sqlite"))));
        auto exported = store::MeetingFile::open(path(QStringLiteral("demo-relay/meeting.cmeet")), true);
        QVERIFY(exported);
        QCOMPARE((*exported)->size(), 64);
        QCOMPARE((*exported)->imageHashes()->size(), 2); // the bytes the host showed, as the audit checked them
        const Run again = runCli({QStringLiteral("demo"), QStringLiteral("--data-dir"), path(QStringLiteral("demo-relay"))});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains(QStringLiteral("already holds a relay")));
        const Run badOption = runCli({QStringLiteral("demo"), QStringLiteral("--participants"), QStringLiteral("zero")});
        QCOMPARE(badOption.exitCode, 2);
        QVERIFY(badOption.err.contains(QStringLiteral("--participants must be a number")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
