// The contracts on a real dev chain (anvil from npm, 127.0.0.1), driven by our own C++ client:
// deployment from the committed artifacts, every function and every revert path, EIP-712
// approvals checked on chain, and the gas each step costs.

#include "base/hex.h"
#include "chain/abi.h"
#include "chain/eip712.h"
#include "chain/eth_client.h"
#include "chain/meeting_registry.h"
#include "chain/roster_tree.h"
#include "client/core/local_chain.h"
#include "crypto/keccak.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace cmeet;
using chain::abi::Value;

namespace {

QByteArray bytecodeOf(const QString &contract)
{
    QFile file(QStringLiteral(CMEET_CONTRACTS_DIR "/artifacts/%1.json").arg(contract));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("no artifact for %s", qPrintable(contract));
    return *hex::decode(QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("bytecode")).toString());
}

QByteArray call(QStringView signature, const QList<Value> &arguments)
{
    auto data = chain::abi::encodeCall(signature, arguments);
    if (!data)
        qFatal("cannot encode %s: %s", qPrintable(signature.toString()), qPrintable(data.error().detail));
    return *data;
}

// The node refused with exactly this custom error (its 4-byte selector in the revert data).
bool revertedWith(const Expected<chain::Receipt, chain::ChainError> &result, QStringView error)
{
    const QString selector = hex::encode(chain::abi::selector(error)).mid(2);
    return !result && result.error().code == chain::ErrorCode::RpcError && result.error().detail.contains(selector);
}

} // namespace

class TestContracts : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<client::LocalChain> m_chain;
    std::unique_ptr<chain::EthClient> m_client;
    quint64 m_chainId = 0;
    crypto::PrivateKey m_relay = *crypto::PrivateKey::generate();
    crypto::PrivateKey m_outsider = *crypto::PrivateKey::generate();
    QList<crypto::PrivateKey> m_participants;

    crypto::Address deploy(chain::TransactionSender &sender, const QString &contract, const QList<Value> &arguments = {})
    {
        QList<chain::abi::Type> types;
        for (const Value &argument : arguments) {
            Q_UNUSED(argument)
            types.append(*chain::abi::Type::parse(QStringLiteral("address")));
        }
        const QByteArray constructor = arguments.isEmpty() ? QByteArray() : *chain::abi::encode(types, arguments);
        auto receipt = sender.deploy(bytecodeOf(contract) + constructor);
        if (!receipt || !receipt->success || !receipt->contractAddress)
            qFatal("cannot deploy %s: %s", qPrintable(contract), receipt ? "reverted" : qPrintable(receipt.error().detail));
        return *receipt->contractAddress;
    }

    QByteArray view(const crypto::Address &contract, QStringView signature, const QList<Value> &arguments)
    {
        auto result = m_client->call(contract, call(signature, arguments));
        if (!result)
            qFatal("eth_call %s failed: %s", qPrintable(signature.toString()), qPrintable(result.error().detail));
        return *result;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_chain = std::make_unique<client::LocalChain>(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(m_chain->start(), qPrintable(m_chain->lastOutput()));
        m_client = std::make_unique<chain::EthClient>(m_chain->url());
        auto id = m_client->chainId();
        QVERIFY(id);
        QCOMPARE(*id, quint64(31337));
        m_chainId = *id;
        for (int i = 0; i < 4; ++i)
            m_participants.append(*crypto::PrivateKey::generate());
        const chain::UInt256 hundredEther = *chain::UInt256::fromDecimal(QStringLiteral("100000000000000000000"));
        QVERIFY(m_client->setBalance(m_relay.address(), hundredEther));
        QVERIFY(m_client->setBalance(m_outsider.address(), hundredEther));
        for (const crypto::PrivateKey &participant : m_participants)
            QVERIFY(m_client->setBalance(participant.address(), hundredEther));
    }

    void meetingRegistry()
    {
        chain::TransactionSender relay(*m_client, m_relay, m_chainId);
        chain::TransactionSender outsider(*m_client, m_outsider, m_chainId);
        const crypto::Address registry = deploy(relay, QStringLiteral("MeetingRegistry"), {Value::address(m_relay.address())});

        QList<crypto::Address> roster;
        for (const crypto::PrivateKey &participant : m_participants.mid(0, 3))
            roster.append(participant.address());
        const QByteArray meeting = crypto::keccak256("6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d");
        const QByteArray startId = crypto::keccak256("start");
        const QByteArray rosterRoot = chain::rosterRoot(roster);
        const QString open = QStringLiteral("open(bytes32,bytes32,bytes32)");
        const QList<Value> openArguments{Value::fixedBytes(meeting), Value::fixedBytes(startId), Value::fixedBytes(rosterRoot)};

        QVERIFY(revertedWith(outsider.send(registry, call(open, openArguments)), u"NotRelay()"));
        QVERIFY(revertedWith(relay.send(registry, call(QStringLiteral("close(bytes32,bytes32,bytes32,uint64)"),
                                                        {Value::fixedBytes(meeting), Value::fixedBytes(startId), Value::fixedBytes(startId), Value::integer(1)})),
                             u"NotOpened()"));
        auto opened = relay.send(registry, call(open, openArguments));
        QVERIFY2(opened && opened->success, opened ? "reverted" : qPrintable(opened.error().detail));
        QCOMPARE(opened->logs.size(), 1);
        QCOMPARE(opened->logs.at(0).topics.at(0), chain::abi::eventTopic(u"Opened(bytes32,bytes32,bytes32)"));
        QCOMPARE(opened->logs.at(0).topics.at(1), meeting);
        QVERIFY(revertedWith(relay.send(registry, call(open, openArguments)), u"AlreadyOpened()"));
        QCOMPARE(view(registry, u"rosterRootOf(bytes32)", {Value::fixedBytes(meeting)}), rosterRoot);

        const QByteArray ackEnd = crypto::keccak256("ackEnd");
        const QByteArray root = crypto::keccak256("root");
        const QList<Value> closing{Value::fixedBytes(meeting), Value::fixedBytes(ackEnd), Value::fixedBytes(root), Value::integer(4264)};
        const QString close = QStringLiteral("close(bytes32,bytes32,bytes32,uint64)");
        // Approvals wait for the close.
        const QString approve = QStringLiteral("approve(bytes32,bytes32,bytes32,uint64,address,bytes32[],bytes)");
        const auto approval = [&](const crypto::PrivateKey &signer, const crypto::Address &participant, const QList<QByteArray> &proof) {
            const QJsonObject typedData{
                {QStringLiteral("types"), QJsonObject{{QStringLiteral("Approval"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("meeting")}, {QStringLiteral("type"), QStringLiteral("bytes32")}},
                                                                                              QJsonObject{{QStringLiteral("name"), QStringLiteral("ackEnd")}, {QStringLiteral("type"), QStringLiteral("bytes32")}},
                                                                                              QJsonObject{{QStringLiteral("name"), QStringLiteral("root")}, {QStringLiteral("type"), QStringLiteral("bytes32")}}}}}},
                {QStringLiteral("primaryType"), QStringLiteral("Approval")},
                {QStringLiteral("domain"), QJsonObject{{QStringLiteral("name"), QStringLiteral("c-meet")}, {QStringLiteral("version"), QStringLiteral("1")},
                                                       {QStringLiteral("chainId"), static_cast<qint64>(m_chainId)}, {QStringLiteral("verifyingContract"), registry.toLowerHex()}}},
                {QStringLiteral("message"), QJsonObject{{QStringLiteral("meeting"), hex::encode(meeting)}, {QStringLiteral("ackEnd"), hex::encode(ackEnd)},
                                                        {QStringLiteral("root"), hex::encode(root)}}}};
            // Our EIP-712 digest is the contract's, both the generic and the direct computation.
            const auto digest = chain::eip712::hashTypedData(typedData);
            if (chain::registry::approvalDigest(m_chainId, registry, QStringLiteral("6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d"), ackEnd, root) != *digest)
                qFatal("approvalDigest differs from EIP-712");
            if (!digest || *digest != view(registry, u"approvalDigest(bytes32,bytes32,bytes32)", {Value::fixedBytes(meeting), Value::fixedBytes(ackEnd), Value::fixedBytes(root)}))
                qFatal("EIP-712 digest differs from the contract's");
            const QByteArray signature = chain::eip712::sign(typedData, signer)->bytes();
            QList<Value> proofValues;
            for (const QByteArray &sibling : proof)
                proofValues.append(Value::fixedBytes(sibling));
            return call(approve, {Value::fixedBytes(meeting), Value::fixedBytes(ackEnd), Value::fixedBytes(root), Value::integer(4264),
                                  Value::address(participant), Value::array(proofValues), Value::bytes(signature)});
        };
        const crypto::PrivateKey &first = m_participants.at(0);
        const QList<QByteArray> firstProof = *chain::rosterProof(roster, first.address());
        QVERIFY(revertedWith(outsider.send(registry, approval(first, first.address(), firstProof)), u"NotClosed()"));

        QVERIFY(revertedWith(outsider.send(registry, call(close, closing)), u"NotRelay()"));
        auto closed = relay.send(registry, call(close, closing));
        QVERIFY(closed && closed->success);
        QVERIFY(revertedWith(relay.send(registry, call(close, closing)), u"AlreadyClosed()"));

        // Anyone may submit a participant's approval; it counts once, for members, signed by them.
        auto approved = outsider.send(registry, approval(first, first.address(), firstProof));
        QVERIFY2(approved && approved->success, approved ? "reverted" : qPrintable(approved.error().detail));
        QCOMPARE(view(registry, u"approvedBy(bytes32,address)", {Value::fixedBytes(meeting), Value::address(first.address())}).right(1), QByteArray(1, '\x01'));
        QVERIFY(revertedWith(outsider.send(registry, approval(first, first.address(), firstProof)), u"AlreadyApproved()"));
        const crypto::PrivateKey &second = m_participants.at(1);
        const QList<QByteArray> secondProof = *chain::rosterProof(roster, second.address());
        QVERIFY(revertedWith(outsider.send(registry, approval(m_outsider, second.address(), secondProof)), u"BadSignature()"));
        const crypto::PrivateKey &stranger = m_participants.at(3); // not on the roster
        QVERIFY(revertedWith(outsider.send(registry, approval(stranger, stranger.address(), secondProof)), u"NotOnRoster()"));
        QVERIFY(revertedWith(outsider.send(registry, call(approve, {Value::fixedBytes(meeting), Value::fixedBytes(ackEnd), Value::fixedBytes(ackEnd), Value::integer(4264),
                                                                   Value::address(second.address()), Value::array({}), Value::bytes(QByteArray(65, '\x01'))})),
                             u"WrongClosing()"));

        // The relay's batch commitment.
        const QString record = QStringLiteral("recordApprovals(bytes32,bytes32,uint32)");
        const QList<Value> batch{Value::fixedBytes(meeting), Value::fixedBytes(crypto::keccak256("signatures")), Value::integer(50)};
        QVERIFY(revertedWith(outsider.send(registry, call(record, batch)), u"NotRelay()"));
        auto recorded = relay.send(registry, call(record, batch));
        QVERIFY(recorded && recorded->success);

        const quint64 total = opened->gasUsed + closed->gasUsed + recorded->gasUsed;
        qInfo("gas: open %llu, close %llu, batch of approvals %llu: %llu in all; one on-chain approval %llu",
              static_cast<unsigned long long>(opened->gasUsed), static_cast<unsigned long long>(closed->gasUsed),
              static_cast<unsigned long long>(recorded->gasUsed), static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(approved->gasUsed));
        auto events = m_client->logs(registry, chain::abi::eventTopic(u"Approved(bytes32,address)"));
        QVERIFY(events);
        QCOMPARE(events->size(), 1);
    }

    // anchorMany: several meetings' steps in one transaction store and emit exactly what the single
    // calls do, and one refused step reverts the whole transaction.
    void anchorMany()
    {
        namespace registry = chain::registry;
        chain::TransactionSender relay(*m_client, m_relay, m_chainId);
        chain::TransactionSender outsider(*m_client, m_outsider, m_chainId);
        const crypto::Address single = deploy(relay, QStringLiteral("MeetingRegistry"), {Value::address(m_relay.address())});
        const crypto::Address batched = deploy(relay, QStringLiteral("MeetingRegistry"), {Value::address(m_relay.address())});

        QList<registry::OpenStep> opens;
        QList<registry::CloseStep> closes;
        QList<registry::ApprovalsStep> approvals;
        QList<crypto::Address> roster;
        for (int i = 0; i < 3; ++i) {
            const QString meeting = QStringLiteral("batch-meeting-%1").arg(i);
            roster.append(m_participants.at(i).address());
            opens.append({meeting, crypto::keccak256(QByteArray("start" + meeting.toUtf8())), chain::rosterRoot(roster)});
            closes.append({meeting, crypto::keccak256(QByteArray("ackEnd" + meeting.toUtf8())), crypto::keccak256(QByteArray("root" + meeting.toUtf8())),
                           quint64(1000 + i)});
            approvals.append({meeting, crypto::keccak256(QByteArray("signatures" + meeting.toUtf8())), quint32(i + 1)});
        }
        // The same logs, whatever the order of the steps: topics and data of each, sorted.
        QList<QByteArray> singleLogs;
        QList<QByteArray> batchedLogs;
        const auto collect = [](QList<QByteArray> &into, const chain::Receipt &receipt) {
            for (const chain::LogEntry &log : receipt.logs)
                into.append(QByteArray(log.topics.join() + log.data));
        };
        const auto sent = [&](chain::TransactionSender &sender, const crypto::Address &to, const QByteArray &data, QList<QByteArray> &logs) {
            auto receipt = sender.send(to, data);
            if (!receipt || !receipt->success)
                return false;
            collect(logs, *receipt);
            return true;
        };
        for (int i = 0; i < 3; ++i) {
            QVERIFY(sent(relay, single, registry::openCall(opens.at(i).meetingId, opens.at(i).startId, opens.at(i).rosterRoot), singleLogs));
            QVERIFY(sent(relay, single, registry::closeCall(closes.at(i).meetingId, closes.at(i).ackEndId, closes.at(i).root, closes.at(i).size), singleLogs));
            QVERIFY(sent(relay, single, registry::recordApprovalsCall(approvals.at(i).meetingId, approvals.at(i).commitment, approvals.at(i).count), singleLogs));
        }

        QVERIFY(revertedWith(outsider.send(batched, registry::anchorManyCall(opens, {}, {})), u"NotRelay()"));
        // One call may open, close and record the approvals of a meeting: steps apply in order.
        QVERIFY(sent(relay, batched, registry::anchorManyCall(opens, closes.mid(0, 1), approvals.mid(0, 1)), batchedLogs));
        QVERIFY(sent(relay, batched, registry::anchorManyCall({}, closes.mid(1), approvals.mid(1)), batchedLogs));
        for (int i = 0; i < 3; ++i) {
            const QString &meeting = opens.at(i).meetingId;
            QCOMPARE(*registry::rosterRootOf(*m_client, batched, meeting), opens.at(i).rosterRoot);
            QCOMPARE(*registry::rosterRootOf(*m_client, batched, meeting), *registry::rosterRootOf(*m_client, single, meeting));
            QCOMPARE(*registry::closingOf(*m_client, batched, meeting), *registry::closingOf(*m_client, single, meeting));
            QCOMPARE(*registry::approvalBatchOf(*m_client, batched, meeting), approvals.at(i).commitment);
            QCOMPARE(*registry::approvalBatchOf(*m_client, batched, meeting), *registry::approvalBatchOf(*m_client, single, meeting));
        }
        QCOMPARE(batchedLogs.size(), 9);
        std::sort(singleLogs.begin(), singleLogs.end());
        std::sort(batchedLogs.begin(), batchedLogs.end());
        QCOMPARE(batchedLogs, singleLogs);

        // Refusals: the single calls' rules, step by step.
        const registry::OpenStep fresh{QStringLiteral("batch-meeting-new"), crypto::keccak256("start new"), chain::rosterRoot(roster)};
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({fresh, opens.at(1)}, {}, {})), u"AlreadyOpened()"));
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({fresh, fresh}, {}, {})), u"AlreadyOpened()")); // opened inside the batch
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({{fresh.meetingId, fresh.startId, QByteArray(32, '\0')}}, {}, {})), u"NotOnRoster()"));
        const registry::CloseStep freshClose{fresh.meetingId, crypto::keccak256("ackEnd new"), crypto::keccak256("root new"), 7};
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({}, {freshClose}, {})), u"NotOpened()"));
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({fresh}, {freshClose, closes.at(0)}, {})), u"AlreadyClosed()"));
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({fresh}, {freshClose, freshClose}, {})), u"AlreadyClosed()"));
        QVERIFY(revertedWith(relay.send(batched, registry::anchorManyCall({fresh}, {}, {{fresh.meetingId, crypto::keccak256("signatures new"), 3}})), u"NotClosed()"));
        // Mined anyway (gas limit given, no estimate): the transaction fails and none of its steps stays.
        auto mined = relay.send(batched, registry::anchorManyCall({fresh, opens.at(1)}, {}, {}), 1'000'000);
        QVERIFY(mined);
        QVERIFY(!mined->success);
        QVERIFY(mined->logs.isEmpty());
        QCOMPARE(*registry::rosterRootOf(*m_client, batched, fresh.meetingId), QByteArray(32, '\0'));
        // Calldata whose array of opens claims more steps than it holds (3 instead of 2) is refused
        // by the ABI decoder: the steps' fields travel together, so lengths can't disagree otherwise.
        QByteArray lying = registry::anchorManyCall({fresh, {QStringLiteral("batch-meeting-other"), fresh.startId, fresh.rosterRoot}}, {}, {});
        const qsizetype opensLength = 4 + 3 * 32 + 31; // selector, three offsets, then the length word
        QCOMPARE(lying.at(opensLength), '\x02');
        lying[opensLength] = '\x03';
        auto refused = relay.send(batched, lying);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, chain::ErrorCode::RpcError);
        QCOMPARE(*registry::rosterRootOf(*m_client, batched, fresh.meetingId), QByteArray(32, '\0'));
        // The fresh meeting's steps, alone, are accepted.
        auto accepted = relay.send(batched, registry::anchorManyCall({fresh}, {freshClose}, {}));
        QVERIFY(accepted && accepted->success);
        QCOMPARE(*registry::rosterRootOf(*m_client, batched, fresh.meetingId), fresh.rosterRoot);
    }

    void rosterProofs()
    {
        QList<crypto::Address> roster;
        for (int i = 0; i < 51; ++i)
            roster.append(crypto::PrivateKey::generate()->address());
        const QByteArray root = chain::rosterRoot(roster);
        for (const crypto::Address &member : roster)
            QVERIFY(chain::verifyRosterProof(root, member, *chain::rosterProof(roster, member)));
        const crypto::Address stranger = crypto::PrivateKey::generate()->address();
        QVERIFY(!chain::rosterProof(roster, stranger));
        QVERIFY(!chain::verifyRosterProof(root, stranger, *chain::rosterProof(roster, roster.at(0))));
        QList<crypto::Address> shuffled = roster;
        std::reverse(shuffled.begin(), shuffled.end());
        QCOMPARE(chain::rosterRoot(shuffled), root); // order does not matter
    }

    void identityRegistry()
    {
        chain::TransactionSender registrar(*m_client, m_relay, m_chainId);
        const crypto::Address registry = deploy(registrar, QStringLiteral("IdentityRegistry"));
        const crypto::PrivateKey &identity = m_participants.at(2);
        const crypto::PrivateKey laptopKey = *crypto::PrivateKey::generate();
        chain::TransactionSender self(*m_client, identity, m_chainId);
        chain::TransactionSender outsider(*m_client, m_outsider, m_chainId);
        const QString enrol = QStringLiteral("enrol(address,address)");

        QVERIFY(revertedWith(outsider.send(registry, call(enrol, {Value::address(identity.address()), Value::address(identity.address())})), u"NotRegistrar()"));
        QVERIFY(revertedWith(self.send(registry, call(QStringLiteral("addKey(address,address)"), {Value::address(identity.address()), Value::address(laptopKey.address())})),
                             u"NotEnrolled()"));
        auto enrolled = registrar.send(registry, call(enrol, {Value::address(identity.address()), Value::address(identity.address())}));
        QVERIFY(enrolled && enrolled->success);
        QVERIFY(revertedWith(registrar.send(registry, call(enrol, {Value::address(identity.address()), Value::address(identity.address())})), u"AlreadyEnrolled()"));
        // The identity adds a key; an outsider can't.
        QVERIFY(revertedWith(outsider.send(registry, call(QStringLiteral("addKey(address,address)"), {Value::address(identity.address()), Value::address(m_outsider.address())})),
                             u"NotAllowed()"));
        auto added = self.send(registry, call(QStringLiteral("addKey(address,address)"), {Value::address(identity.address()), Value::address(laptopKey.address())}));
        QVERIFY(added && added->success);
        const auto isActive = [&](const crypto::Address &key) {
            return view(registry, u"isActive(address,address)", {Value::address(identity.address()), Value::address(key)}).right(1) == QByteArray(1, '\x01');
        };
        QVERIFY(isActive(laptopKey.address()));
        QVERIFY(!isActive(m_outsider.address()));
        // Revocation a minute later: from that block on the key is no longer active; its period is kept.
        QVERIFY(m_client->rpc().call(QStringLiteral("evm_increaseTime"), {60}));
        auto revoked = registrar.send(registry, call(QStringLiteral("revokeKey(address,address)"), {Value::address(identity.address()), Value::address(laptopKey.address())}));
        QVERIFY(revoked && revoked->success);
        QVERIFY(!isActive(laptopKey.address()));
        const QByteArray period = view(registry, u"keyPeriod(address,address)", {Value::address(identity.address()), Value::address(laptopKey.address())});
        auto decoded = chain::abi::decode(*chain::abi::parseTypes(u"uint64,uint64"), period);
        QVERIFY(decoded);
        const quint64 addedAt = *decoded->at(0).integerValue().toU64();
        const quint64 revokedAt = *decoded->at(1).integerValue().toU64();
        QVERIFY(addedAt > 0 && revokedAt >= addedAt + 60);
        const auto activeAt = [&](quint64 time) {
            return view(registry, u"isActiveAt(address,address,uint64)", {Value::address(identity.address()), Value::address(laptopKey.address()), Value::integer(time)}).right(1)
                == QByteArray(1, '\x01');
        };
        QVERIFY(activeAt(addedAt));
        QVERIFY(activeAt(revokedAt - 1));
        QVERIFY(!activeAt(revokedAt));
        QVERIFY(!activeAt(addedAt - 1));
        QVERIFY(revertedWith(registrar.send(registry, call(QStringLiteral("revokeKey(address,address)"), {Value::address(identity.address()), Value::address(laptopKey.address())})),
                             u"KeyNotActive()"));
        QVERIFY(revertedWith(self.send(registry, call(QStringLiteral("addKey(address,address)"), {Value::address(identity.address()), Value::address(laptopKey.address())})),
                             u"KeyExists()"));
    }

    // A node that is down is reported as such (retryable), not as a refusal.
    void nodeDown()
    {
        client::LocalChain chainToStop(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY(chainToStop.start());
        chain::EthClient client(chainToStop.url(), chain::RpcOptions{2000, 2, 50});
        QVERIFY(client.chainId());
        const quint16 port = chainToStop.port();
        chainToStop.stop();
        auto down = client.blockNumber();
        QVERIFY(!down);
        QCOMPARE(down.error().code, chain::ErrorCode::RpcUnavailable);
        QVERIFY(chainToStop.start(port));
        QVERIFY(client.blockNumber());
    }

    void cleanupTestCase() { m_chain.reset(); }
};

QTEST_GUILESS_MAIN(TestContracts)
#include "test_contracts.moc"
