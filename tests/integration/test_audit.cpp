// cmeet-audit verify on real meeting files: a meeting held on a RelayService over a real SQLite
// file, written to a .cmeet the way cmeet-cli export writes it, then audited by the real
// program. Honest files verify (exit 2 without a chain, saying what was not checked); each
// tampering is caught with its own finding and exit 1; files that are not meeting files get a
// clear message and exit 2. (Chain anchors and approvals against anvil: test_anchoring.)

#include "base/hex.h"
#include "client/audit/meeting_audit.h"
#include "client/core/local_relay.h"
#include "client/core/meeting_export.h"
#include "client/core/polls.h"
#include "client/core/relay_connection.h"
#include "client/core/simulation.h"
#include "protocol/canonical_json.h"
#include "store/meeting_file.h"
#include "support/program_run.h"
#include "support/relay_fixture.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTimeZone>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

QJsonObject resultOf(const QJsonObject &reply) { return reply.value(QStringLiteral("result")).toObject(); }
QByteArray idOf(const QJsonObject &reply)
{
    return Event::fromWire(resultOf(reply).value(QStringLiteral("ack")).toString().toUtf8())->ref().value_or(QByteArray());
}

// Runs SQL on a meeting file as a tamperer would: straight on the SQLite file.
void tamper(const QString &path, const QStringList &statements, const QList<QVariantList> &values = {})
{
    const QString name = QStringLiteral("tamper-") + path;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open())
            qFatal("cannot open %s", qPrintable(path));
        for (qsizetype i = 0; i < statements.size(); ++i) {
            QSqlQuery query(db);
            query.prepare(statements.at(i));
            for (const QVariant &value : values.value(i))
                query.addBindValue(value);
            if (!query.exec())
                qFatal("tampering failed: %s", qPrintable(statements.at(i)));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace

class TestAudit : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_honest;                 // the honest meeting file
    QList<QByteArray> m_log;          // its log
    QJsonObject m_meeting;            // its metadata
    crypto::PrivateKey m_aliceSession = *crypto::PrivateKey::generate();
    crypto::PrivateKey m_bobSession = *crypto::PrivateKey::generate();
    qint64 m_commentEntry = -1;

    test::ProgramRun audit(const QStringList &arguments)
    {
        return test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), QStringList{QStringLiteral("verify")} + arguments);
    }

    // A copy of the honest file to tamper with.
    QString copy(const QString &name)
    {
        const QString path = m_dir.filePath(name + QStringLiteral(".cmeet"));
        QFile::remove(path);
        if (!QFile::copy(m_honest, path))
            qFatal("cannot copy the meeting file");
        return path;
    }

    // The entry at position, re-signed after changing it (by the given key).
    static QByteArray resigned(const QByteArray &bytes, const std::function<void(QJsonObject &)> &change, const crypto::PrivateKey &key)
    {
        QJsonObject body = Event::fromWire(bytes)->toJson();
        body.remove(QStringLiteral("sig"));
        change(body);
        auto event = Event::create({*protocol::typeFromName(body.value(QStringLiteral("type")).toString()), body.value(QStringLiteral("meeting")).toString(),
                                    *crypto::Address::fromHex(body.value(QStringLiteral("by")).toString()),
                                    body.contains(QStringLiteral("ref")) ? hex::decode(body.value(QStringLiteral("ref")).toString()) : std::nullopt,
                                    body.value(QStringLiteral("ts")).toInteger(), body.value(QStringLiteral("content")).toObject()});
        (void)event->sign(key);
        return event->wireBytes();
    }

    // Audits a tampered file: exit 1 and a failed finding whose text has `expected` (at `entry`, when given).
    void expectCaught(const QString &path, const QString &expected, qint64 entry = -1)
    {
        const test::ProgramRun run = audit({path, QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 1, qPrintable(run.outAndErr()));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(report.value(QStringLiteral("verdict")).toString(), QStringLiteral("INVALID (tampered or broken)"));
        bool found = false;
        for (const QJsonValue &value : report.value(QStringLiteral("findings")).toArray()) {
            const QJsonObject f = value.toObject();
            found = found || (f.value(QStringLiteral("outcome")).toString() == QStringLiteral("FAILED") && f.value(QStringLiteral("detail")).toString().contains(expected)
                              && (entry < 0 || f.value(QStringLiteral("entry")).toInteger(-1) == entry));
        }
        QVERIFY2(found, qPrintable(expected + QStringLiteral(" not among the findings:\n") + run.out));
        // The log is read on all cores a chunk at a time: one thread or several, the same findings.
        QCOMPARE(findingsOnThreads(path, 1), report.value(QStringLiteral("findings")).toArray());
        QCOMPARE(findingsOnThreads(path, 3), report.value(QStringLiteral("findings")).toArray());
    }

    static QJsonArray findingsOnThreads(const QString &path, int threads)
    {
        audit::AuditOptions options;
        options.threads = threads;
        const auto report = audit::auditMeetingFile(path, options);
        return report ? report->toJson().value(QStringLiteral("findings")).toArray() : QJsonArray();
    }

    void replaceEntry(const QString &path, qint64 position, const QByteArray &bytes)
    {
        tamper(path, {QStringLiteral("UPDATE events SET bytes = ?, id = ? WHERE position = ?")},
               {{bytes, Event::fromWire(bytes) ? Event::fromWire(bytes)->id() : QByteArray(32, '\x42'), position}});
    }

    // Writes log as the file's events, as a tamperer with SQLite would.
    static void rewriteLog(const QString &path, const QList<QByteArray> &log)
    {
        QStringList statements{QStringLiteral("DELETE FROM events")};
        QList<QVariantList> values{{}};
        for (qsizetype i = 0; i < log.size(); ++i) {
            const auto event = Event::fromWire(log.at(i));
            statements.append(QStringLiteral("INSERT INTO events (position, id, type, bytes) VALUES (?, ?, ?, ?)"));
            values.append({i, event->id(), protocol::typeName(event->type()), log.at(i)});
        }
        tamper(path, statements, values);
    }

    [[nodiscard]] qint64 firstEntryOf(EventType type) const
    {
        for (qsizetype i = 0; i < m_log.size(); ++i) {
            if (Event::fromWire(m_log.at(i))->type() == type)
                return i;
        }
        qFatal("no such entry");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("cmeet.*.info=false"));
        // A meeting with every kind of event: joins, comments, a reply, a disagreement, patient
        // data, a poll with two encrypted votes, a leave and the end.
        test::RelayFixture f;
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f.login(f.addMember(name));
        test::Member &host = f.member(QStringLiteral("host"));
        test::Member &alice = f.member(QStringLiteral("alice"));
        test::Member &bob = f.member(QStringLiteral("bob"));
        f.createMeeting(host, {QStringLiteral("alice"), QStringLiteral("bob")});
        f.prepareParticipants(f.meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QVERIFY(f.start(host).contains(QStringLiteral("result")));
        QVERIFY(f.join(alice).contains(QStringLiteral("result")));
        QVERIFY(f.join(bob).contains(QStringLiteral("result")));
        m_aliceSession = *alice.participant->sessionKey();
        m_bobSession = *bob.participant->sessionKey();
        QVERIFY(f.submit(host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}).contains(QStringLiteral("result")));
        const QJsonObject comment = f.submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("CT: T2 N0.")}, {QStringLiteral("patient"), QStringLiteral("P-001")}});
        m_commentEntry = resultOf(comment).value(QStringLiteral("index")).toInteger();
        QVERIFY(f.submit(bob, EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed.")}}, idOf(comment)).contains(QStringLiteral("result")));
        QVERIFY(f.submit(bob, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("Old scan.")}}, idOf(comment)).contains(QStringLiteral("result")));
        const QByteArray changeId = idOf(f.submit(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")},
                                                                                     {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                                                                                     {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Surgery")}}));
        QVERIFY(f.submit(alice, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("Too early to decide.")}}, changeId).contains(QStringLiteral("result")));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = idOf(f.submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                                        {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                                        {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}}));
        QVERIFY(f.submit(bob, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("Wrong question.")}}, pollId).contains(QStringLiteral("result")));
        for (const auto &[member, option] : {std::pair{&alice, 0}, std::pair{&bob, 0}}) {
            const QByteArray ciphertext = *client::encryptBallot(voting.publicKey(), pollId, member->key.address(), option);
            QVERIFY(f.submit(*member, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(ciphertext)}}, pollId).contains(QStringLiteral("result")));
        }
        QVERIFY(f.submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId).contains(QStringLiteral("result")));
        QVERIFY(f.submit(bob, EventType::Leave, {}).contains(QStringLiteral("result")));
        QVERIFY(f.submit(host, EventType::End, {}).contains(QStringLiteral("result")));

        m_log = f.log(host);
        m_meeting = resultOf(f.request(host, QStringLiteral("meeting.get"), {{QStringLiteral("id"), f.meeting}}));
        m_meeting.insert(QStringLiteral("names"), QJsonObject{{host.key.address().toLowerHex(), QStringLiteral("Dr Host")},
                                                              {alice.key.address().toLowerHex(), QStringLiteral("Dr Alice")},
                                                              {bob.key.address().toLowerHex(), QStringLiteral("Dr Bob")}});
        m_honest = m_dir.filePath(QStringLiteral("honest.cmeet"));
        auto file = store::MeetingFile::create(m_honest, m_meeting);
        QVERIFY(file);
        QVERIFY((*file)->appendLog(m_log));
    }

    // Without a chain: everything the file alone shows verifies, and the report says plainly
    // what was not checked (the keys against a registry, the anchor): exit 2, never 0.
    void honestFileWithoutAChain()
    {
        const test::ProgramRun text = audit({m_honest});
        QCOMPARE(text.exitCode, 2);
        QVERIFY2(text.out.contains(QStringLiteral("NOT FULLY CHECKED")) && !text.out.contains(QStringLiteral("FAILED")), qPrintable(text.out));
        QVERIFY(text.out.contains(QStringLiteral("the chain anchor was not checked: no chain given")));
        QVERIFY(text.out.contains(QStringLiteral("not checked against a chain")));
        QVERIFY(text.out.contains(QStringLiteral("poll tallied: option 1: 2, option 2: 0; 0 invalid; 2 votes counted")));
        // No patient identifier and no free text of the meeting on stdout: only the report shows them.
        QVERIFY2(!text.out.contains(QStringLiteral("P-001")) && !text.out.contains(QStringLiteral("Operate?")) && !text.out.contains(QStringLiteral("CT: T2")), qPrintable(text.out));

        const test::ProgramRun json = audit({m_honest, QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 2);
        QVERIFY2(!json.out.contains(QStringLiteral("P-001")) && !json.out.contains(QStringLiteral("Operate?")), qPrintable(json.out));
        const QJsonObject report = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(report.value(QStringLiteral("entries")).toInteger(), m_log.size());
        QCOMPARE(report.value(QStringLiteral("meeting")).toString(), m_meeting.value(QStringLiteral("id")).toString());
        QCOMPARE(report.value(QStringLiteral("verdict")).toString(), QStringLiteral("NOT FULLY CHECKED"));
        QStringList verifiedAreas;
        int keysUnchecked = 0;
        for (const QJsonValue &value : report.value(QStringLiteral("findings")).toArray()) {
            const QJsonObject f = value.toObject();
            if (f.value(QStringLiteral("outcome")).toString() == QStringLiteral("verified"))
                verifiedAreas.append(f.value(QStringLiteral("area")).toString());
            if (f.value(QStringLiteral("area")).toString() == QStringLiteral("keys"))
                keysUnchecked += f.value(QStringLiteral("outcome")).toString() == QStringLiteral("unchecked") ? 1 : 0;
        }
        QVERIFY2(verifiedAreas.contains(QStringLiteral("file")) && verifiedAreas.contains(QStringLiteral("log")), qPrintable(json.out));
        QCOMPARE(keysUnchecked, 3); // host, alice and bob each signed a start or join with their own key
        const QJsonObject poll = report.value(QStringLiteral("polls")).toArray().first().toObject();
        QCOMPARE(poll.value(QStringLiteral("counts")).toArray(), (QJsonArray{2, 0}));
        QCOMPARE(poll.value(QStringLiteral("votes")).toArray().size(), 2);
    }

    void flippedByteInEachKindOfEntry()
    {
        QSet<QString> kinds;
        for (qsizetype position = 0; position < m_log.size(); ++position) {
            const QString type = Event::fromWire(m_log.at(position))->toJson().value(QStringLiteral("type")).toString();
            if (kinds.contains(type))
                continue;
            kinds.insert(type);
            const QString path = copy(QStringLiteral("flipped-") + type);
            QByteArray bytes = m_log.at(position);
            const qsizetype at = bytes.indexOf("\"ts\":") + 6; // a digit of the timestamp: still canonical JSON
            bytes[at] = bytes[at] == '1' ? '2' : '1';
            tamper(path, {QStringLiteral("UPDATE events SET bytes = ? WHERE position = ?")}, {{bytes, position}});
            expectCaught(path, QString(), position);
        }
        QCOMPARE(kinds.size(), 16); // every type but ackError, which is never stored
    }

    void entryDeletedOrSwapped()
    {
        // Deleted, and the positions after it moved up to hide the gap.
        const QString deleted = copy(QStringLiteral("deleted"));
        tamper(deleted, {QStringLiteral("DELETE FROM events WHERE position = ?"), QStringLiteral("UPDATE events SET position = -position WHERE position > ?"),
                         QStringLiteral("UPDATE events SET position = -position - 1 WHERE position < 0")},
               {{m_commentEntry}, {m_commentEntry}, {}});
        expectCaught(deleted, QStringLiteral("acknowledgement does not ref the entry before it"), m_commentEntry);
        // Deleted, gap left: the file itself gives it away.
        const QString gap = copy(QStringLiteral("gap"));
        tamper(gap, {QStringLiteral("DELETE FROM events WHERE position = ?")}, {{m_commentEntry}});
        expectCaught(gap, QStringLiteral("gap at index %1").arg(m_commentEntry));
        // Two entries swapped.
        const QString swapped = copy(QStringLiteral("swapped"));
        tamper(swapped, {QStringLiteral("UPDATE events SET id = randomblob(32) WHERE position IN (?, ?)")}, {{m_commentEntry, m_commentEntry + 2}});
        replaceEntry(swapped, m_commentEntry, m_log.at(m_commentEntry + 2));
        replaceEntry(swapped, m_commentEntry + 2, m_log.at(m_commentEntry));
        expectCaught(swapped, QString(), m_commentEntry);
    }

    // A comment's text changed and re-signed: by its author's session key the signature holds,
    // but the relay's acknowledgement no longer covers it; by another's, the signer is wrong too.
    void commentRewritten()
    {
        const auto rewrite = [](QJsonObject &body) {
            QJsonObject content = body.value(QStringLiteral("content")).toObject();
            content.insert(QStringLiteral("text"), QStringLiteral("CT: T4 N2."));
            body.insert(QStringLiteral("content"), content);
        };
        const QString byAuthor = copy(QStringLiteral("rewritten-by-author"));
        replaceEntry(byAuthor, m_commentEntry, resigned(m_log.at(m_commentEntry), rewrite, m_aliceSession));
        expectCaught(byAuthor, QStringLiteral("tree head"), m_commentEntry + 1);
        const QString byOther = copy(QStringLiteral("rewritten-by-other"));
        replaceEntry(byOther, m_commentEntry, resigned(m_log.at(m_commentEntry), rewrite, m_bobSession));
        expectCaught(byOther, QStringLiteral("not signed by its author's session key"), m_commentEntry);
    }

    // Votes removed or added, acknowledgements forged: without the relay's key, each shows.
    void votesAndAcknowledgementsForged()
    {
        const qint64 aliceVote = firstEntryOf(EventType::Vote);
        QList<QByteArray> withoutVote = m_log;
        withoutVote.remove(aliceVote, 2); // the vote and its acknowledgement
        const QString removed = copy(QStringLiteral("vote-removed"));
        rewriteLog(removed, withoutVote);
        expectCaught(removed, QStringLiteral("pollEndAck does not list the poll's 1 votes"));

        // A second vote by Alice (signed by her session key), "acknowledged" by a key that is not the relay's.
        const crypto::PrivateKey forger = *crypto::PrivateKey::generate();
        const QByteArray secondVote = resigned(m_log.at(aliceVote), [](QJsonObject &body) { body.insert(QStringLiteral("ts"), body.value(QStringLiteral("ts")).toInteger() + 1); },
                                               m_aliceSession);
        const QByteArray forgedAck = resigned(m_log.at(aliceVote + 1), [&](QJsonObject &body) {
            body.insert(QStringLiteral("by"), forger.address().toLowerHex());
            body.insert(QStringLiteral("ref"), Event::fromWire(secondVote)->idHex());
        }, forger);
        QList<QByteArray> withVote = m_log;
        withVote.insert(aliceVote + 2, secondVote);
        withVote.insert(aliceVote + 3, forgedAck);
        const QString added = copy(QStringLiteral("vote-added"));
        rewriteLog(added, withVote);
        expectCaught(added, QStringLiteral("second vote by %1 in one poll").arg(Event::fromWire(m_log.at(aliceVote))->by().toChecksumHex()), aliceVote + 2);
        expectCaught(added, QStringLiteral("acknowledgement not signed by the relay"), aliceVote + 3);

        // The comment's acknowledgement replaced by one signed with another key.
        const QString forged = copy(QStringLiteral("ack-forged"));
        replaceEntry(forged, m_commentEntry + 1, resigned(m_log.at(m_commentEntry + 1), [&](QJsonObject &body) {
            body.insert(QStringLiteral("by"), forger.address().toLowerHex());
        }, forger));
        expectCaught(forged, QStringLiteral("acknowledgement not signed by the relay"), m_commentEntry + 1);
        // ... or removed: the comment is never acknowledged.
        const QString unacknowledged = copy(QStringLiteral("ack-removed"));
        QList<QByteArray> withoutAck = m_log;
        withoutAck.removeAt(m_commentEntry + 1);
        rewriteLog(unacknowledged, withoutAck);
        expectCaught(unacknowledged, QStringLiteral("the comment before it was never acknowledged"), m_commentEntry + 1);
    }

    // The file's own metadata disagreeing with the host-signed start.
    void metadataChanged()
    {
        QJsonObject otherHost = m_meeting;
        otherHost.insert(QStringLiteral("host"), crypto::PrivateKey::generate()->address().toLowerHex());
        const QString host = copy(QStringLiteral("other-host"));
        tamper(host, {QStringLiteral("UPDATE meta SET value = ? WHERE key = 'meeting'")}, {{QString::fromUtf8(QJsonDocument(otherHost).toJson(QJsonDocument::Compact))}});
        expectCaught(host, QStringLiteral("the file names host"));
        QJsonObject shorterRoster = m_meeting;
        QJsonArray roster = shorterRoster.value(QStringLiteral("roster")).toArray();
        roster.removeLast();
        shorterRoster.insert(QStringLiteral("roster"), roster);
        const QString rosterPath = copy(QStringLiteral("other-roster"));
        tamper(rosterPath, {QStringLiteral("UPDATE meta SET value = ? WHERE key = 'meeting'")},
               {{QString::fromUtf8(QJsonDocument(shorterRoster).toJson(QJsonDocument::Compact))}});
        expectCaught(rosterPath, QStringLiteral("roster"));
    }

    void helpAndUsage()
    {
        const test::ProgramRun help = audit({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(QStringLiteral("Exit codes: 0 verified, 1 tampered or invalid, 2 not fully checked")));
        QVERIFY(help.out.contains(QStringLiteral("--chain <url>")) && help.out.contains(QStringLiteral("--json")));
        const test::ProgramRun unknown = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verfy"), m_honest});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("unknown command \"verfy\"")));
        const test::ProgramRun badChain = audit({m_honest, QStringLiteral("--chain"), QStringLiteral("ftp://example")});
        QCOMPARE(badChain.exitCode, 2);
        QVERIFY(badChain.err.contains(QStringLiteral("--chain takes an http:// or https:// URL")));
        // A chain that does not answer: the anchor is reported as not checked, never as verified.
        const test::ProgramRun deadChain = audit({m_honest, QStringLiteral("--chain"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--registry"),
                                                  crypto::PrivateKey::generate()->address().toLowerHex()});
        QCOMPARE(deadChain.exitCode, 2);
        QVERIFY2(deadChain.out.contains(QStringLiteral("unchecked   anchor    the chain could not be read")), qPrintable(deadChain.out));
        const test::ProgramRun noThreads = audit({m_honest, QStringLiteral("--threads"), QStringLiteral("0")});
        QVERIFY2(noThreads.exitCode == 2 && noThreads.err.contains(QStringLiteral("--threads takes a number from 1 to 1024")), qPrintable(noThreads.outAndErr()));
        const test::ProgramRun oneThread = audit({m_honest, QStringLiteral("--threads"), QStringLiteral("1")});
        QCOMPARE(oneThread.exitCode, 2);
        QCOMPARE(oneThread.out, audit({m_honest}).out);
        const test::ProgramRun reportHelp = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), QStringLiteral("--help")});
        QVERIFY2(reportHelp.exitCode == 0 && reportHelp.out.contains(QStringLiteral("--pdf <out>")) && reportHelp.out.contains(QStringLiteral("patient identifiers")),
                 qPrintable(reportHelp.outAndErr()));
    }

    // Selective disclosure: every event of the meeting proves, and the proof checks on its own
    // (exit 2 without a chain: the anchor is not checked); one changed character anywhere in
    // what the proof shows fails it.
    void proofsOfEveryEvent()
    {
        int proven = 0;
        QJsonObject sample;
        for (const QByteArray &bytes : m_log) {
            const auto event = Event::fromWire(bytes);
            if (protocol::isRelayAcknowledgement(event->type()))
                continue;
            const auto proof = audit::proveEvent(m_honest, event->idHex());
            QVERIFY2(proof, qPrintable(proof ? QString() : proof.error()));
            const audit::AuditReport report = audit::verifyProof(*proof);
            QVERIFY2(report.verdict() == audit::Verdict::Incomplete, qPrintable(report.toText()));
            QCOMPARE(report.findings.constFirst().eventId, event->idHex());
            if (event->type() == EventType::Comment)
                sample = *proof;
            ++proven;
        }
        QCOMPARE(proven, 16);
        // The proof shows the comment, its acknowledgement, the author's join and the ackEnd; of
        // the other events, nothing but hashes.
        const QString shown = QString::fromUtf8(QJsonDocument(sample).toJson());
        QVERIFY(shown.contains(QStringLiteral("CT: T2 N0.")) && !shown.contains(QStringLiteral("Agreed.")) && !shown.contains(QStringLiteral("Operate?")));

        // The command line, both ways.
        const QString proofPath = m_dir.filePath(QStringLiteral("comment.proof.json"));
        const test::ProgramRun proveRun = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("prove"), m_honest,
                                                           Event::fromWire(m_log.at(m_commentEntry))->idHex(), QStringLiteral("--out"), proofPath});
        QVERIFY2(proveRun.exitCode == 0, qPrintable(proveRun.outAndErr()));
        const test::ProgramRun checked = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify-proof"), proofPath});
        QVERIFY2(checked.exitCode == 2 && checked.out.contains(QStringLiteral("is in the final record of meeting")) && !checked.out.contains(QStringLiteral("FAILED")),
                 qPrintable(checked.outAndErr()));
        const test::ProgramRun ackProof = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("prove"), m_honest,
                                                           Event::fromWire(m_log.at(m_commentEntry + 1))->idHex(), QStringLiteral("--out"), proofPath});
        QVERIFY2(ackProof.exitCode == 2 && ackProof.err.contains(QStringLiteral("prove the event it acknowledges")), qPrintable(ackProof.outAndErr()));

        // One changed hex digit or number digit anywhere but the anchor reference (which only the
        // chain can check): always caught.
        QJsonObject withoutAnchor = sample;
        const QJsonValue anchor = withoutAnchor.take(QStringLiteral("anchor"));
        const QByteArray text = QJsonDocument(withoutAnchor).toJson(QJsonDocument::Compact);
        QList<qsizetype> digits;
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (QByteArrayView("0123456789abcdef").contains(text.at(i)))
                digits.append(i);
        }
        QRandomGenerator random(20261204);
        for (int round = 0; round < 400; ++round) {
            QByteArray mutated = text;
            const qsizetype at = digits.at(random.bounded(static_cast<int>(digits.size())));
            const char replacement = "0123456789abcdef"[random.bounded(16)];
            if (replacement == mutated.at(at))
                continue;
            mutated[at] = replacement;
            QJsonObject proof = QJsonDocument::fromJson(mutated).object();
            proof.insert(QStringLiteral("anchor"), anchor);
            const audit::AuditReport report = audit::verifyProof(proof);
            QVERIFY2(report.verdict() == audit::Verdict::Invalid, qPrintable(QStringLiteral("not caught: ") + QString::fromUtf8(mutated.mid(qMax<qsizetype>(0, at - 40), 80))));
        }
    }

    // Files that are not meeting files: a clear message, exit 2, no crash.
    void notMeetingFiles()
    {
        const auto write = [&](const QString &name, const QByteArray &bytes) {
            QFile file(m_dir.filePath(name));
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
                qFatal("cannot write %s", qPrintable(name));
            return file.fileName();
        };
        QFile honest(m_honest);
        QVERIFY(honest.open(QIODevice::ReadOnly));
        const QByteArray honestBytes = honest.readAll();
        QByteArray random(8192, '\0');
        for (char &byte : random)
            byte = static_cast<char>(QRandomGenerator::global()->bounded(256));
        QStringList paths{write(QStringLiteral("empty.cmeet"), {}), write(QStringLiteral("random.cmeet"), random),
                          write(QStringLiteral("truncated.cmeet"), honestBytes.left(honestBytes.size() / 2)), m_dir.filePath(QStringLiteral("missing.cmeet"))};
        const QString otherApp = m_dir.filePath(QStringLiteral("other-app.cmeet"));
        tamper(otherApp, {QStringLiteral("CREATE TABLE bookmarks (url TEXT, title TEXT)"), QStringLiteral("INSERT INTO bookmarks VALUES ('https://example.org', 'x')")});
        paths.append(otherApp);
        const QString newer = copy(QStringLiteral("newer-schema"));
        tamper(newer, {QStringLiteral("PRAGMA user_version = 99")});
        paths.append(newer);
        for (const QString &path : paths) {
            const test::ProgramRun run = audit({path});
            QVERIFY2(run.exitCode == 2, qPrintable(path + QStringLiteral(": ") + run.outAndErr()));
            QVERIFY2(run.err.contains(QStringLiteral("not a meeting file c-meet can read: ") + path), qPrintable(path + QStringLiteral(": ") + run.outAndErr()));
            const QString pdf = m_dir.filePath(QStringLiteral("bad.pdf"));
            const test::ProgramRun report = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), path, QStringLiteral("--pdf"), pdf});
            QVERIFY2(report.exitCode == 2 && report.err.contains(QStringLiteral("not a meeting file c-meet can read: ") + path) && !QFile::exists(pdf),
                     qPrintable(path + QStringLiteral(": ") + report.outAndErr()));
        }
    }

    // Meetings of several sizes, held by simulated people on a real relay process and exported as
    // a member exports them: not one finding fails, and only the chain is left unchecked.
    void untouchedSimulatedMeetingsHaveNoFinding()
    {
        for (const auto &[participants, patients, comments] : {std::tuple{1, 1, 1}, std::tuple{4, 2, 3}, std::tuple{9, 3, 6}}) {
            QTemporaryDir relayDir;
            client::LocalRelay relay(client::LocalRelay::findBinary(), relayDir.path(), "audit test");
            client::Scenario scenario;
            scenario.participants = participants;
            scenario.patients = patients;
            scenario.commentsPerParticipant = comments;
            const client::SimulationCast cast = client::castFor(scenario);
            QVERIFY2(relay.init() && relay.importDirectory(cast.staff, cast.patients) && relay.start(), qPrintable(relay.lastOutput()));
            const auto result = client::Simulation(relay.url(), cast.members, cast.patients, scenario).run();
            QVERIFY2(result, result ? "" : qPrintable(result.error()));
            const QString path = m_dir.filePath(QStringLiteral("simulated-%1.cmeet").arg(participants));
            client::RelayConnection host;
            QVERIFY(host.open(relay.url()) && host.login(cast.members.constFirst().key));
            const auto exported = client::exportMeetingFile(host, result->meeting, result->log, path);
            QVERIFY2(exported, exported ? "" : qPrintable(exported.error()));
            const auto report = audit::auditMeetingFile(path);
            QVERIFY(report);
            QCOMPARE(report->entries, result->log.size());
            QVERIFY2(report->verdict() == audit::Verdict::Incomplete, qPrintable(report->toText()));
            for (const audit::Finding &finding : report->findings) {
                QVERIFY2(finding.outcome != audit::Outcome::Failed, qPrintable(report->toText()));
                if (finding.outcome == audit::Outcome::NotChecked)
                    QVERIFY2(finding.area == QStringLiteral("keys") || finding.area == QStringLiteral("anchor"), qPrintable(report->toText()));
            }
            QCOMPARE(report->polls.size(), patients);
        }
    }

    // The meeting record people read, as HTML and as a PDF rendered back with poppler.
    void reportOfTheMeeting()
    {
        const QString html = m_dir.filePath(QStringLiteral("record.html"));
        const test::ProgramRun written = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), m_honest, QStringLiteral("--html"), html});
        QVERIFY2(written.exitCode == 2 && written.out.contains(QStringLiteral("wrote the meeting record to %1: NOT FULLY CHECKED").arg(html)), qPrintable(written.outAndErr()));
        QVERIFY2(!written.out.contains(QStringLiteral("P-001")) && !written.err.contains(QStringLiteral("P-001")), qPrintable(written.outAndErr()));
        QFile file(html);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString page = QString::fromUtf8(file.readAll());
        const auto at = [](qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::systemTimeZone()).toString(QStringLiteral("HH:mm:ss")); };
        const Event comment = *Event::fromWire(m_log.at(m_commentEntry));
        const Event leave = *Event::fromWire(m_log.at(firstEntryOf(EventType::Leave)));
        for (const QString &expected :
             {QStringLiteral("Audit verdict: <span class=\"unchecked\">NOT FULLY CHECKED</span>"), QStringLiteral("<h2>Patient P-001</h2>"),
              QStringLiteral("<b>Dr Alice</b>: CT: T2 N0."), QStringLiteral("<b>Dr Bob</b> replied: Agreed."),
              QStringLiteral("<b>Dr Bob</b> <span class=\"failed\">disagreed</span>: Old scan."),
              QStringLiteral("<td>mdtOutcome</td><td><i>(empty)</i></td><td>Surgery</td><td>Dr Host</td>"), QStringLiteral("Operate?"),
              QStringLiteral("<tr><td>Yes</td><td>2</td></tr><tr><td>No</td><td>0</td></tr>"), QStringLiteral("2 votes counted, 0 invalid. Voted: Dr Alice, Dr Bob"),
              QStringLiteral("Present:</b> all 3 on the roster"), at(comment.ts()), QStringLiteral("– %1").arg(at(leave.ts())),
              QStringLiteral("the chain anchor was not checked: no chain given")}) {
            QVERIFY2(page.contains(expected), qPrintable(expected + QStringLiteral(" is not in the record")));
        }
        // A disagreement with a change sits in the changes' table, under the change.
        const qsizetype changeAt = page.indexOf(QStringLiteral("<td>mdtOutcome</td>"));
        const qsizetype objectionAt = page.indexOf(QStringLiteral("<b>Dr Alice</b> <span class=\"failed\">disagreed</span>: Too early to decide."));
        QVERIFY(changeAt > 0 && objectionAt > changeAt && page.indexOf(QStringLiteral("</table>"), changeAt) > objectionAt);
        // One with anything else (the poll) says what it is about.
        QVERIFY(page.contains(QStringLiteral("About the poll by Dr Host at ")) && page.contains(QStringLiteral("disagreed</span>: Wrong question.")));
        // The reply and the disagreement sit under the comment they answer.
        for (const QString &answer : {QStringLiteral("<b>Dr Bob</b> replied"), QStringLiteral("<b>Dr Bob</b> <span class=\"failed\">disagreed")}) {
            const qsizetype answerAt = page.indexOf(answer);
            QVERIFY(page.indexOf(QStringLiteral("CT: T2 N0.")) < answerAt);
            QVERIFY2(page.mid(answerAt - 120, 120).contains(QStringLiteral("margin-left:22px")), qPrintable(page.mid(answerAt - 120, 200)));
        }

        // The PDF: pages poppler can render and whose text is the record's.
        const QString pdf = m_dir.filePath(QStringLiteral("record.pdf"));
        const test::ProgramRun printed = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), m_honest, QStringLiteral("--pdf"), pdf});
        QVERIFY2(printed.exitCode == 2 && QFile::exists(pdf), qPrintable(printed.outAndErr()));
        const test::ProgramRun text = test::runProgram(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), pdf, QStringLiteral("-")});
        QVERIFY2(text.exitCode == 0, qPrintable(text.outAndErr()));
        for (const QString &expected : {QStringLiteral("MDT meeting record"), QStringLiteral("NOT FULLY CHECKED"), QStringLiteral("Patient P-001"),
                                        QStringLiteral("CT: T2 N0."), QStringLiteral("Old scan."), QStringLiteral("Surgery"), QStringLiteral("Operate?"), QStringLiteral("Dr Alice")})
            QVERIFY2(text.out.contains(expected), qPrintable(expected + QStringLiteral(" is not in the PDF's text:\n") + text.out));
        const QString prefix = m_dir.filePath(QStringLiteral("page"));
        const test::ProgramRun rendered = test::runProgram(QStringLiteral("pdftoppm"), {QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"), pdf, prefix});
        QVERIFY2(rendered.exitCode == 0, qPrintable(rendered.outAndErr()));
        const QStringList pages = QDir(m_dir.path()).entryList({QStringLiteral("page-*.png")}, QDir::Files, QDir::Name);
        QVERIFY2(!pages.isEmpty(), "pdftoppm rendered no page");
        for (const QString &name : pages) {
            const QImage image(m_dir.filePath(name));
            QVERIFY2(!image.isNull() && image.width() < image.height(), qPrintable(name + QStringLiteral(": not an A4 portrait page")));
            int inked = 0;
            for (int y = 0; y < image.height(); y += 2) {
                for (int x = 0; x < image.width(); x += 2)
                    inked += qGray(image.pixel(x, y)) < 128 ? 1 : 0;
            }
            QVERIFY2(inked > 100, qPrintable(name + QStringLiteral(" is blank")));
        }

        // A tampered file's record says so first, with the finding.
        const QString byOther = copy(QStringLiteral("report-tampered"));
        replaceEntry(byOther, m_commentEntry, resigned(m_log.at(m_commentEntry), [](QJsonObject &body) { body.insert(QStringLiteral("ts"), body.value(QStringLiteral("ts")).toInteger() + 1); }, m_bobSession));
        const QString tamperedHtml = m_dir.filePath(QStringLiteral("tampered.html"));
        const test::ProgramRun tampered = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), byOther, QStringLiteral("--html"), tamperedHtml});
        QCOMPARE(tampered.exitCode, 1);
        QFile tamperedFile(tamperedHtml);
        QVERIFY(tamperedFile.open(QIODevice::ReadOnly));
        const QString tamperedPage = QString::fromUtf8(tamperedFile.readAll());
        QVERIFY(tamperedPage.contains(QStringLiteral("INVALID (tampered or broken)")) && tamperedPage.contains(QStringLiteral("not signed by its author's session key")));

        // Neither --html nor --pdf: nothing with patient identifiers goes to the terminal.
        const test::ProgramRun neither = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("report"), m_honest});
        QVERIFY2(neither.exitCode == 2 && neither.err.contains(QStringLiteral("give one of --html OUT or --pdf OUT")) && neither.out.isEmpty(), qPrintable(neither.outAndErr()));
    }
};

QTEST_GUILESS_MAIN(TestAudit)
#include "test_audit.moc"
