// A meeting anchored on a real dev chain by a real relay: opened at its start, closed at its end
// with the final Merkle root, through the durable queue, also when the node stops answering.

#include "base/hex.h"
#include "chain/abi.h"
#include "chain/eth_client.h"
#include "chain/meeting_registry.h"
#include "chain/roster_tree.h"
#include "client/core/approval.h"
#include "client/core/local_chain.h"
#include "client/core/local_relay.h"
#include "client/core/participant.h"
#include "client/core/relay_connection.h"
#include "crypto/keccak.h"
#include "crypto/keystore.h"
#include "ledger/merkle_log.h"
#include "store/meeting_file.h"
#include "support/program_run.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {
qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }
}

class TestAnchoring : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalChain> m_chain;
    std::unique_ptr<client::LocalRelay> m_relay;
    crypto::PrivateKey m_host = *crypto::PrivateKey::generate();
    crypto::PrivateKey m_alice = *crypto::PrivateKey::generate();
    crypto::Address m_registry;

    QString relayCommand(const QStringList &arguments)
    {
        QString output;
        (void)m_relay->command(arguments, &output); // callers check what it printed
        return output.trimmed();
    }

    QJsonObject anchorState(client::RelayConnection &connection, const QString &meeting)
    {
        auto details = connection.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}});
        return details ? details->toObject().value(QStringLiteral("anchor")).toObject() : QJsonObject();
    }

    // A meeting of the host and Alice, created and started by the host (attendance code 1234).
    struct Started {
        QString meeting;
        std::unique_ptr<client::Participant> host;
        QByteArray startId;
    };
    std::optional<Started> startMeeting(client::RelayConnection &host, const QString &title)
    {
        auto created = host.call(QStringLiteral("meeting.create"), {{QStringLiteral("title"), title}, {QStringLiteral("scheduledAt"), now()},
                                                                    {QStringLiteral("roster"), QJsonArray{m_alice.address().toLowerHex()}},
                                                                    {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}});
        if (!created)
            return std::nullopt;
        Started started{created->toObject().value(QStringLiteral("id")).toString(), nullptr, {}};
        started.host = std::make_unique<client::Participant>(m_host, started.meeting, host.relayAddress());
        const auto start = started.host->makeEvent(EventType::Start, {{QStringLiteral("title"), title},
                                                                      {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}},
                                                                      {QStringLiteral("roster"), QJsonArray{m_host.address().toLowerHex(), m_alice.address().toLowerHex()}},
                                                                      {QStringLiteral("delegation"), *started.host->newSession(now())},
                                                                      {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x01'))}},
                                                   std::nullopt, now());
        if (!start || !host.submit(start->wireBytes(), QStringLiteral("1234")))
            return std::nullopt;
        started.startId = start->id();
        return started;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_chain = std::make_unique<client::LocalChain>(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(m_chain->start(0, m_dir.filePath(QStringLiteral("chain-state.json"))), qPrintable(m_chain->lastOutput()));
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "anchoring test");
        QVERIFY(m_relay->init());
        const auto relayAddress = crypto::Address::fromHex(relayCommand({QStringLiteral("address")}));
        QVERIFY(relayAddress);
        chain::EthClient client(m_chain->url());
        QVERIFY(client.setBalance(*relayAddress, *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"))));
        const QString deployed = relayCommand({QStringLiteral("deploy-registry"), QStringLiteral("--chain"), m_chain->url().toString()});
        QVERIFY2(deployed.startsWith(QStringLiteral("MeetingRegistry 0x")), qPrintable(deployed));
        m_registry = *crypto::Address::fromHex(deployed.section(QLatin1Char(' '), 1, 1));
        QVERIFY(m_relay->importDirectory({{m_host.address(), QStringLiteral("Host")}, {m_alice.address(), QStringLiteral("Alice")}}, {QStringLiteral("P-001")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
    }

    void meetingIsAnchoredEvenWhenTheNodeStalls()
    {
        client::RelayConnection host;
        client::RelayConnection alice;
        QVERIFY(host.open(m_relay->url()) && host.login(m_host));
        QVERIFY(alice.open(m_relay->url()) && alice.login(m_alice));
        const QList<crypto::Address> roster{m_host.address(), m_alice.address()};
        auto started = startMeeting(host, QStringLiteral("Anchored"));
        QVERIFY(started);
        const QString meeting = started->meeting;
        client::Participant &hostPart = *started->host;
        client::Participant alicePart(m_alice, meeting, alice.relayAddress());
        auto early = host.call(QStringLiteral("meeting.approve"), {{QStringLiteral("id"), meeting}, {QStringLiteral("signature"), m_host.sign(QByteArray(32, '\x01'))->toHex()}});
        QCOMPARE(early.error().code, protocol::ErrorCode::MeetingNotEnded);
        QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("status")).toString(),
                                  QStringLiteral("done"), 20000);

        chain::EthClient client(m_chain->url());
        QCOMPARE(*chain::registry::rosterRootOf(client, m_registry, meeting), chain::rosterRoot(roster));

        const auto join = alicePart.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *alicePart.newSession(now())}}, started->startId, now());
        QVERIFY(alice.submit(join->wireBytes(), QStringLiteral("1234")));
        const auto comment = alicePart.makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Anchored soon.")}}, join->id(), now());
        QVERIFY(alice.submit(comment->wireBytes()));

        // The node stops answering: the meeting still ends at once; the close waits in the queue.
        m_chain->pause();
        const auto end = hostPart.makeEvent(EventType::End, {}, comment->id(), now());
        QElapsedTimer timer;
        timer.start();
        auto ended = host.submit(end->wireBytes());
        QVERIFY(ended);
        QVERIFY2(timer.elapsed() < 2000, "ending waited for the chain");
        QTRY_VERIFY_WITH_TIMEOUT(!anchorState(host, meeting).value(QStringLiteral("close")).toObject().value(QStringLiteral("lastError")).toString().isEmpty(), 20000);
        QCOMPARE(anchorState(host, meeting).value(QStringLiteral("close")).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("pending"));

        // Back again: the close lands, with the final root over the whole log.
        m_chain->resume();
        QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting).value(QStringLiteral("close")).toObject().value(QStringLiteral("status")).toString(),
                                  QStringLiteral("done"), 40000);
        auto events = host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}});
        QVERIFY(events);
        ledger::MerkleLog log;
        QByteArray ackEndId;
        for (const QJsonValue &entry : events->toObject().value(QStringLiteral("events")).toArray()) {
            const auto event = Event::fromWire(entry[QStringLiteral("event")].toString().toUtf8());
            log.append(event->id());
            ackEndId = event->id();
        }
        const QByteArray expected = crypto::keccak256(*chain::abi::encode(*chain::abi::parseTypes(u"bytes32,bytes32,uint64"),
                                                                            {chain::abi::Value::fixedBytes(ackEndId), chain::abi::Value::fixedBytes(log.root()),
                                                                             chain::abi::Value::integer(static_cast<quint64>(log.size()))}));
        QCOMPARE(*chain::registry::closingOf(client, m_registry, meeting), expected);
        const QJsonObject close = anchorState(host, meeting).value(QStringLiteral("close")).toObject();
        QVERIFY(close.value(QStringLiteral("attempts")).toInt() >= 1);
        qInfo("open gas %lld, close gas %lld", anchorState(host, meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("gasUsed")).toInteger(),
              close.value(QStringLiteral("gasUsed")).toInteger());

        // Approvals: each participant signs the final record (checked against the chain first);
        // when all have, the relay records one commitment to the signatures on chain.
        const QJsonObject anchor = anchorState(host, meeting);
        QCOMPARE(*crypto::Address::fromHex(anchor.value(QStringLiteral("registry")).toString()), m_registry);
        const QByteArray digest = chain::registry::approvalDigest(static_cast<quint64>(anchor.value(QStringLiteral("chainId")).toInteger()), m_registry,
                                                                  meeting, ackEndId, log.root());
        const auto approve = [&](client::RelayConnection &connection, const crypto::PrivateKey &key) {
            return connection.call(QStringLiteral("meeting.approve"), {{QStringLiteral("id"), meeting}, {QStringLiteral("signature"), key.sign(digest)->toHex()}});
        };
        auto forged = approve(alice, m_host); // alice sends the host's signature as hers
        QVERIFY(!forged);
        QCOMPARE(forged.error().code, protocol::ErrorCode::WrongSigner);
        QVERIFY(approve(host, m_host));
        QCOMPARE(approve(host, m_host).error().code, protocol::ErrorCode::AlreadyApproved);
        QVERIFY(approve(alice, m_alice));
        QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting).value(QStringLiteral("approvals")).toObject().value(QStringLiteral("status")).toString(),
                                  QStringLiteral("done"), 20000);
        auto approvals = host.call(QStringLiteral("meeting.approvals"), {{QStringLiteral("id"), meeting}});
        QVERIFY(approvals);
        QList<QPair<crypto::Address, QByteArray>> signatures;
        for (const QJsonValue &approval : approvals->toArray()) {
            const crypto::Address identity = *crypto::Address::fromHex(approval[QStringLiteral("identity")].toString());
            const QByteArray signature = *hex::decode(approval[QStringLiteral("signature")].toString());
            QCOMPARE(*crypto::recoverAddress(digest, *crypto::Signature::fromBytes(signature)), identity); // auditors check each off-chain
            signatures.append({identity, signature});
        }
        QCOMPARE(signatures.size(), 2);
        QCOMPARE(*chain::registry::approvalBatchOf(client, m_registry, meeting), chain::registry::approvalsCommitment(signatures));

        // The meeting file an auditor gets: cmeet-audit finds the anchor and both approvals, and
        // the on-chain commitment to them.
        const QString path = m_dir.filePath(QStringLiteral("stalled.cmeet"));
        {
            auto file = store::MeetingFile::create(path, host.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}})->toObject());
            QVERIFY(file);
            QList<QPair<qint64, QByteArray>> entries;
            for (const QJsonValue &entry : host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}})->toObject().value(QStringLiteral("events")).toArray())
                entries.append({entry[QStringLiteral("index")].toInteger(), entry[QStringLiteral("event")].toString().toUtf8()});
            QVERIFY((*file)->appendAll(entries));
            for (const QJsonValue &approval : approvals->toArray())
                QVERIFY((*file)->putApproval({approval[QStringLiteral("identity")].toString(), approval[QStringLiteral("signature")].toString(), {}}));
        }
        const test::ProgramRun audited = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), path, QStringLiteral("--chain"), m_chain->url().toString()});
        QVERIFY2(audited.exitCode == 2 && !audited.out.contains(QStringLiteral("FAILED")), qPrintable(audited.outAndErr())); // keys: no identity registry here
        QVERIFY2(audited.out.contains(QStringLiteral("2 of 2 on the roster approved this final record")), qPrintable(audited.out));
        QVERIFY2(audited.out.contains(QStringLiteral("the registry holds the commitment to these 2 approvals")), qPrintable(audited.out));
    }

    // cmeet-cli approve: the participant's own replica, checked against the chain, then signed.
    void cliApprovalChecksTheChainFirst()
    {
        const QByteArray passphrase = "alice's passphrase";
        QFile keyFile(m_dir.filePath(QStringLiteral("alice.key")));
        QVERIFY(keyFile.open(QIODevice::WriteOnly) && keyFile.write(*crypto::keystore::seal(m_alice, crypto::SecretBytes(passphrase))) > 0);
        keyFile.close();
        const auto cli = [&](const QStringList &arguments) {
            test::ProgramOptions options;
            options.environment = test::environmentWith({{QStringLiteral("CMEET_PASSPHRASE"), QString::fromUtf8(passphrase)},
                                                         {QStringLiteral("CMEET_KEY"), keyFile.fileName()},
                                                         {QStringLiteral("CMEET_RELAY"), m_relay->url().toString()},
                                                         {QStringLiteral("CMEET_STATE"), m_dir.filePath(QStringLiteral("alice-state"))},
                                                         {QStringLiteral("CMEET_CHAIN"), m_chain->url().toString()}});
            options.timeoutMs = 90000;
            const test::ProgramRun run = test::runProgram(QStringLiteral(CMEET_CLI_PATH), arguments, options);
            return qMakePair(run.exitCode, run.outAndErr());
        };

        client::RelayConnection host;
        QVERIFY(host.open(m_relay->url()) && host.login(m_host));
        auto started = startMeeting(host, QStringLiteral("Approved by CLI"));
        QVERIFY(started);
        const QString meeting = started->meeting;
        client::Participant &hostPart = *started->host;
        const auto joined = cli({QStringLiteral("join"), meeting, QStringLiteral("--code"), QStringLiteral("1234")});
        QVERIFY2(joined.first == 0, qPrintable(joined.second));
        const auto early = cli({QStringLiteral("approve"), meeting});
        QCOMPARE(early.first, 1);
        QVERIFY2(early.second.contains(QStringLiteral("has not ended")), qPrintable(early.second));

        auto events = host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}});
        const QJsonArray entries = events->toObject().value(QStringLiteral("events")).toArray();
        const auto last = Event::fromWire(entries.last()[QStringLiteral("event")].toString().toUtf8());
        const auto endAfterJoin = hostPart.makeEvent(EventType::End, {}, last->id(), now());
        QVERIFY(host.submit(endAfterJoin->wireBytes()));

        // The approval waits for the close to be anchored, then checks it against the replica.
        const auto approved = cli({QStringLiteral("approve"), meeting});
        QVERIFY2(approved.first == 0 && approved.second.contains(QStringLiteral("1 of 2 approvals")), qPrintable(approved.second));
        const auto again = cli({QStringLiteral("approve"), meeting});
        QVERIFY2(again.first == 1 && again.second.contains(QStringLiteral("already_approved")), qPrintable(again.second));

        // A final record other than the anchored one is never signed.
        chain::EthClient client(m_chain->url());
        QList<QByteArray> log;
        for (const QJsonValue &entry : host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}})->toObject().value(QStringLiteral("events")).toArray())
            log.append(entry[QStringLiteral("event")].toString().toUtf8());
        auto schemas = protocol::SchemaValidator::load();
        auto record = client::finalRecordOf(log, **schemas, host.relayAddress());
        QVERIFY(record);
        const quint64 chainId = *client.chainId();
        QVERIFY(client::checkedApprovalDigest(client, m_registry, chainId, meeting, *record));
        client::FinalRecord shortened = *record;
        shortened.size -= 1;
        QVERIFY(client::checkedApprovalDigest(client, m_registry, chainId, meeting, shortened).error().contains(QStringLiteral("different final record")));
        QVERIFY(client::checkedApprovalDigest(client, m_registry, chainId + 1, meeting, *record).error().contains(QStringLiteral("the node is on chain")));
        client::FinalRecord otherRelay = *record;
        otherRelay.relay = m_alice.address();
        QVERIFY(client::checkedApprovalDigest(client, m_registry, chainId, meeting, otherRelay).error().contains(QStringLiteral("does not belong to the relay")));
        QVERIFY(!client::finalRecordOf(log.mid(0, log.size() - 2), **schemas, host.relayAddress()));

        // Alice exports the meeting for an auditor, who checks it against the chain: the open and
        // closing records verify, and so does the one approval so far; the keys of the start and
        // join stay unchecked (this relay has no identity registry), so the verdict is exit 2.
        const QString exported = m_dir.filePath(QStringLiteral("approved.cmeet"));
        const auto exportRun = cli({QStringLiteral("export"), meeting, QStringLiteral("--out"), exported});
        QVERIFY2(exportRun.first == 0, qPrintable(exportRun.second));
        const auto auditFile = [&](const QString &path, const QStringList &extra = {}) {
            return test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), QStringList{QStringLiteral("verify"), path, QStringLiteral("--chain"), m_chain->url().toString()} + extra);
        };
        const test::ProgramRun audited = auditFile(exported);
        QVERIFY2(audited.exitCode == 2 && !audited.out.contains(QStringLiteral("FAILED")), qPrintable(audited.outAndErr()));
        QVERIFY2(audited.out.contains(QStringLiteral("opened in the registry %1").arg(m_registry.toChecksumHex())), qPrintable(audited.out));
        QVERIFY2(audited.out.contains(QStringLiteral("closed in the registry %1 on chain %2 on this log's final record").arg(m_registry.toChecksumHex()).arg(chainId)),
                 qPrintable(audited.out));
        QVERIFY2(audited.out.contains(QStringLiteral("1 of 2 on the roster approved this final record; not in the file: %1").arg(m_host.address().toLowerHex())),
                 qPrintable(audited.out));
        // Where each record was written: the transactions the file names, confirmed by the chain.
        const QJsonObject anchor = (*store::MeetingFile::open(exported, true))->meeting().value(QStringLiteral("anchor")).toObject();
        for (const QString &step : {QStringLiteral("open"), QStringLiteral("close")}) {
            const QJsonObject done = anchor.value(step).toObject();
            const QString where = QStringLiteral("tx %1, block %2").arg(done.value(QStringLiteral("tx")).toString()).arg(done.value(QStringLiteral("block")).toInteger());
            QVERIFY2(audited.out.contains((step == QStringLiteral("open") ? QStringLiteral("opened in ") : QStringLiteral("closed in ")) + where), qPrintable(audited.out));
        }
        // A file naming the opening's transaction for the closing: caught.
        const QString wrongTx = m_dir.filePath(QStringLiteral("wrong-tx.cmeet"));
        QVERIFY(QFile::copy(exported, wrongTx));
        {
            auto file = store::MeetingFile::open(wrongTx, false);
            QJsonObject meetingData = (*file)->meeting();
            QJsonObject swapped = anchor;
            swapped.insert(QStringLiteral("close"), anchor.value(QStringLiteral("open")));
            meetingData.insert(QStringLiteral("anchor"), swapped);
            QVERIFY((*file)->setMeeting(meetingData));
        }
        const test::ProgramRun wrongTxRun = auditFile(wrongTx);
        QVERIFY2(wrongTxRun.exitCode == 1 && wrongTxRun.out.contains(QStringLiteral("the closing's transaction: the file names tx %1").arg(anchor.value(QStringLiteral("open")).toObject().value(QStringLiteral("tx")).toString()))
                     && wrongTxRun.out.contains(QStringLiteral("which does not record this in the registry")),
                 qPrintable(wrongTxRun.outAndErr()));
        // A registry that anchored another final root for this very meeting (a relay that closed
        // it on something else than the log it handed out): the file's record is not the chain's.
        {
            QVERIFY(client.setBalance(m_alice.address(), *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"))));
            chain::TransactionSender liar(client, m_alice, chainId);
            const QByteArray constructor = *chain::abi::encode(*chain::abi::parseTypes(u"address"), {chain::abi::Value::address(m_alice.address())});
            const auto deployed = liar.deploy(QByteArray(*chain::registry::bytecode(QStringLiteral("MeetingRegistry")) + constructor));
            QVERIFY(deployed && deployed->success && deployed->contractAddress);
            const QList<crypto::Address> roster{m_host.address(), m_alice.address()};
            QVERIFY(liar.send(*deployed->contractAddress, chain::registry::openCall(meeting, Event::fromWire(log.constFirst())->id(), chain::rosterRoot(roster)))->success);
            QVERIFY(liar.send(*deployed->contractAddress, chain::registry::closeCall(meeting, record->ackEndId, QByteArray(32, '\x66'), record->size))->success);
            const test::ProgramRun otherRoot = auditFile(exported, {QStringLiteral("--registry"), deployed->contractAddress->toLowerHex()});
            QVERIFY2(otherRoot.exitCode == 1 && otherRoot.out.contains(QStringLiteral("opened in the registry %1").arg(deployed->contractAddress->toChecksumHex()))
                         && otherRoot.out.contains(QStringLiteral("holds another final record than this log")),
                     qPrintable(otherRoot.outAndErr()));
        }
        // Against a chain that never saw this meeting (a registry of another relay), and with an
        // approval of another record: both caught.
        const test::ProgramRun elsewhere = auditFile(exported, {QStringLiteral("--registry"), m_alice.address().toLowerHex()});
        QVERIFY2(elsewhere.exitCode != 0 && !elsewhere.out.contains(QStringLiteral("closed in the registry")), qPrintable(elsewhere.outAndErr()));
        const QString otherApproval = m_dir.filePath(QStringLiteral("other-approval.cmeet"));
        QVERIFY(QFile::copy(exported, otherApproval));
        {
            auto file = store::MeetingFile::open(otherApproval, false);
            QVERIFY(file);
            const QByteArray otherDigest = chain::registry::approvalDigest(chainId, m_registry, meeting, shortened.ackEndId, QByteArray(32, '\x07'));
            QVERIFY((*file)->putApproval({m_alice.address().toLowerHex(), m_alice.sign(otherDigest)->toHex(), {}}));
        }
        const test::ProgramRun forged = auditFile(otherApproval);
        QVERIFY2(forged.exitCode == 1 && forged.out.contains(QStringLiteral("is not its signature of this final record")), qPrintable(forged.outAndErr()));

        // Alice's join, proven on its own: with the chain the proof is complete (exit 0).
        const QString proofPath = m_dir.filePath(QStringLiteral("join.proof.json"));
        const test::ProgramRun proved = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("prove"), exported, Event::fromWire(log.at(2))->idHex(),
                                                                                          QStringLiteral("--out"), proofPath});
        QVERIFY2(proved.exitCode == 0, qPrintable(proved.outAndErr()));
        const auto verifyProof = [&](const QStringList &extra) {
            return test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), QStringList{QStringLiteral("verify-proof"), proofPath, QStringLiteral("--chain"), m_chain->url().toString()} + extra);
        };
        const test::ProgramRun proofChecked = verifyProof({});
        QVERIFY2(proofChecked.exitCode == 0 && proofChecked.out.contains(QStringLiteral("closed the meeting on this final record")), qPrintable(proofChecked.outAndErr()));
        const test::ProgramRun otherRegistry = verifyProof({QStringLiteral("--registry"), m_alice.address().toLowerHex()});
        QVERIFY2(otherRegistry.exitCode != 0 && !otherRegistry.out.contains(QStringLiteral("closed the meeting on this final record")), qPrintable(otherRegistry.outAndErr()));
    }

    // Three meetings at once, and the node goes away (stopped, its chain kept in its state file)
    // before they end: they end anyway, and once the node is back every anchor lands, sent by the
    // one sender in order (the closes together), so no two transactions share a nonce.
    void concurrentMeetingsAnchorAfterTheNodeRestarts()
    {
        client::RelayConnection host;
        QVERIFY(host.open(m_relay->url()) && host.login(m_host));
        chain::EthClient client(m_chain->url());
        const crypto::Address relay = host.relayAddress();
        const quint64 noncesBefore = *client.pendingNonce(relay);
        std::vector<Started> started;
        QList<QString> meetings;
        for (int i = 0; i < 3; ++i) {
            auto one = startMeeting(host, QStringLiteral("Concurrent %1").arg(i));
            QVERIFY(one);
            meetings.append(one->meeting);
            started.push_back(std::move(*one));
        }
        for (const QString &meeting : meetings)
            QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("status")).toString(),
                                      QStringLiteral("done"), 20000);

        const quint16 port = m_chain->port();
        m_chain->stop();
        for (const Started &meeting : started) {
            const auto end = meeting.host->makeEvent(EventType::End, {}, meeting.startId, now());
            QVERIFY(host.submit(end->wireBytes()));
        }
        // Jobs are sent strictly in order: the first close is the one being retried.
        QTRY_VERIFY_WITH_TIMEOUT(!anchorState(host, meetings.first()).value(QStringLiteral("close")).toObject().value(QStringLiteral("lastError")).toString().isEmpty(),
                                 20000);
        QVERIFY2(m_chain->start(port, m_dir.filePath(QStringLiteral("chain-state.json"))), qPrintable(m_chain->lastOutput()));
        for (const QString &meeting : meetings) {
            QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting).value(QStringLiteral("close")).toObject().value(QStringLiteral("status")).toString(),
                                      QStringLiteral("done"), 60000);
            // What the chain holds is this meeting's own final record.
            QList<QByteArray> log;
            for (const QJsonValue &entry : host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}})->toObject().value(QStringLiteral("events")).toArray())
                log.append(entry[QStringLiteral("event")].toString().toUtf8());
            auto schemas = protocol::SchemaValidator::load();
            const auto record = client::finalRecordOf(log, **schemas, relay);
            QVERIFY(record);
            QCOMPARE(*chain::registry::closingOf(client, m_registry, meeting), client::closingCommitment(*record));
        }
        // The closes, all due when the node came back, went in one transaction (anchorMany), at a
        // fraction of the gas each; every transaction used its own nonce: none reused, none skipped.
        QSet<QString> transactions;
        QSet<QString> closeTransactions;
        qint64 closeGas = 0;
        for (const QString &meeting : meetings) {
            const QJsonObject state = anchorState(host, meeting);
            transactions.insert(state.value(QStringLiteral("open")).toObject().value(QStringLiteral("tx")).toString());
            closeTransactions.insert(state.value(QStringLiteral("close")).toObject().value(QStringLiteral("tx")).toString());
            closeGas = state.value(QStringLiteral("close")).toObject().value(QStringLiteral("gasUsed")).toInteger();
        }
        QCOMPARE(closeTransactions.size(), 1);
        QVERIFY2(closeGas > 0 && closeGas < 40000, qPrintable(QString::number(closeGas))); // one close alone: about 50,000
        transactions.unite(closeTransactions);
        QCOMPARE(*client.pendingNonce(relay), noncesBefore + static_cast<quint64>(transactions.size()));
    }

    // A batch with a step the registry refuses (a close for a meeting it never opened, slipped
    // into the queue behind two opens) is refused as a whole; the steps then go one by one, so
    // the good ones land and the bad one alone carries the error.
    void aRefusedBatchGoesStepByStep()
    {
        client::RelayConnection host;
        QVERIFY(host.open(m_relay->url()) && host.login(m_host));
        m_chain->pause();
        auto first = startMeeting(host, QStringLiteral("Batch 1"));
        auto second = startMeeting(host, QStringLiteral("Batch 2"));
        QVERIFY(first && second);
        const QString stray = QStringLiteral("00000000-0000-4000-8000-0000000000aa");
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("stray"));
        db.setDatabaseName(QDir(m_relay->dataDir()).filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA busy_timeout = 5000")));
        QVERIFY(query.prepare(QStringLiteral("INSERT INTO anchor_jobs(meeting, kind, call_data, created_at) VALUES (?, 'close', ?, ?)")));
        query.addBindValue(stray);
        query.addBindValue(chain::registry::closeCall(stray, QByteArray(32, '\x01'), QByteArray(32, '\x02'), 2));
        query.addBindValue(now());
        QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
        const auto strayState = [&] {
            QSqlQuery state(db);
            state.exec(QStringLiteral("SELECT status, attempts, last_error FROM anchor_jobs WHERE meeting = '%1'").arg(stray));
            return state.next() ? QStringList{state.value(0).toString(), state.value(1).toString(), state.value(2).toString()} : QStringList();
        };
        // The attempt under way while the node was frozen (without the stray step) must fail first:
        // every later attempt sees all three steps due together.
        QTRY_VERIFY_WITH_TIMEOUT(!anchorState(host, first->meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("lastError")).toString().isEmpty(),
                                 20000);
        m_chain->resume();
        for (const auto *meeting : {&*first, &*second})
            QTRY_COMPARE_WITH_TIMEOUT(anchorState(host, meeting->meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("status")).toString(),
                                      QStringLiteral("done"), 40000);
        chain::EthClient client(m_chain->url());
        QCOMPARE(*chain::registry::rosterRootOf(client, m_registry, second->meeting), chain::rosterRoot({m_host.address(), m_alice.address()}));
        // Due together, they would have shared a transaction: they went one by one.
        QVERIFY(anchorState(host, first->meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("tx"))
                != anchorState(host, second->meeting).value(QStringLiteral("open")).toObject().value(QStringLiteral("tx")));
        // The stray step is refused on its own (the node says why), and waits for another try.
        QTRY_VERIFY_WITH_TIMEOUT(strayState().value(1).toInt() >= 1, 20000);
        QCOMPARE(strayState().value(0), QStringLiteral("pending"));
        QVERIFY2(strayState().value(2).contains(hex::encode(chain::abi::selector(u"NotOpened()")).mid(2)), qPrintable(strayState().value(2)));
        // Out of the queue again, so later meetings are not held behind it.
        QVERIFY(query.exec(QStringLiteral("DELETE FROM anchor_jobs WHERE meeting = '%1'").arg(stray)));
        query = QSqlQuery();
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("stray"));
    }

    void cleanupTestCase()
    {
        m_relay.reset();
        m_chain.reset();
    }
};

QTEST_GUILESS_MAIN(TestAnchoring)
#include "test_anchoring.moc"
