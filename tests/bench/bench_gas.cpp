// Gas per meeting on chain, read from real receipts: a MeetingRegistry on anvil (from npm, on
// 127.0.0.1), deployed and driven by our own C++ client as the relay does.
//   bench_gas           full run, Markdown on stdout
//   bench_gas --smoke   small batches, checks every result (ctest)
// 1. The thesis scenario (one meeting, 50 participants), one transaction per step: open + close +
//    the relay's commitment to the 50 approval signatures. For the trade-off: every participant
//    approving on chain instead (roster Merkle proof + EIP-712 signature checked by the contract).
// 2. Amortised: N meetings' steps batched with anchorMany, either in three transactions (the
//    opens, the closes, the approval batches) or in one per flush (a relay with meetings at every
//    stage: N opens, N closes and N approval batches of different meetings in one transaction).
// Keys, ids and records are fixed and anvil starts empty, so the figures are the same every run.

#include "bench_arguments.h"
#include "chain/abi.h"
#include "chain/eth_client.h"
#include "chain/meeting_registry.h"
#include "chain/roster_tree.h"
#include "chain/uint256.h"
#include "client/core/local_chain.h"
#include "crypto/keccak.h"

#include <QCoreApplication>
#include <QTextStream>

#include <algorithm>
#include <limits>
#include <memory>

using namespace cmeet;
using chain::abi::Value;
namespace registry = chain::registry;

namespace {

constexpr quint64 thesisGas = 3'519'361; // thesis §6.3.2: a contract per meeting, approvals on chain
constexpr quint64 goalGas = 150'000;
constexpr int participantCount = 50;
constexpr quint64 thesisLogSize = 4264; // entries in the thesis meeting's log (bench_relay)

// Thrown, not exit(): unwinding stops the anvil this process started.
struct Failure {
    QString why;
};

[[noreturn]] void die(const QString &why) { throw Failure{why}; }

QString reason(const chain::ChainError &error) { return error.detail; }
QString reason(crypto::CryptoError error) { return crypto::describe(error); }

template <typename T, typename E>
T need(Expected<T, E> result, const QString &what)
{
    if (!result)
        die(QString(what + QStringLiteral(": ") + reason(result.error())));
    return std::move(result).value();
}

void check(bool ok, const QString &what)
{
    if (!ok)
        die(QString(QStringLiteral("wrong result: ") + what));
}

// 3519361 -> "3,519,361"
QString grouped(quint64 value)
{
    QString digits = QString::number(value);
    for (qsizetype at = digits.size() - 3; at > 0; at -= 3)
        digits.insert(at, QLatin1Char(','));
    return digits;
}

quint64 perMeeting(quint64 gas, int meetings) { return (gas + static_cast<quint64>(meetings) / 2) / static_cast<quint64>(meetings); }

// Fixed 32-byte values (ids, roots, keys) derived from a name.
QByteArray fixedWord(const QString &name) { return crypto::keccak256(QString(QStringLiteral("c-meet bench_gas ") + name).toUtf8()); }

// What one meeting anchors, and the relay's commitment to its participants' approval signatures.
struct Meeting {
    QString id;
    QByteArray startId;
    QByteArray rosterRoot;
    QByteArray ackEndId;
    QByteArray root;
    quint64 size = thesisLogSize;
    QByteArray commitment;
};

class GasBench {
public:
    GasBench()
        : m_chain(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)))
        , m_relay(need(crypto::PrivateKey::fromBytes(fixedWord(QStringLiteral("relay key"))), QStringLiteral("relay key")))
    {
        if (!m_chain.start())
            die(QString(QStringLiteral("anvil: ") + m_chain.lastOutput()));
        m_client = std::make_unique<chain::EthClient>(m_chain.url());
        m_chainId = need(m_client->chainId(), QStringLiteral("eth_chainId"));
        need(m_client->setBalance(m_relay.address(), *chain::UInt256::fromDecimal(QStringLiteral("100000000000000000000"))), QStringLiteral("anvil_setBalance"));
        m_sender = std::make_unique<chain::TransactionSender>(*m_client, m_relay, m_chainId);
        for (int i = 0; i < participantCount; ++i) {
            m_participants.append(need(crypto::PrivateKey::fromBytes(fixedWord(QStringLiteral("participant %1").arg(i))), QStringLiteral("participant key")));
            m_roster.append(m_participants.constLast().address());
        }
        m_rosterRoot = chain::rosterRoot(m_roster);
    }

    [[nodiscard]] QString nodeVersion()
    {
        auto version = m_client->rpc().call(QStringLiteral("web3_clientVersion"));
        return version ? version->toString() : QStringLiteral("unknown node");
    }

    [[nodiscard]] const QList<crypto::PrivateKey> &participants() const { return m_participants; }
    [[nodiscard]] const QList<crypto::Address> &roster() const { return m_roster; }
    [[nodiscard]] quint64 chainId() const { return m_chainId; }

    [[nodiscard]] crypto::Address deploy()
    {
        const QByteArray code = need(registry::bytecode(QStringLiteral("MeetingRegistry")), QStringLiteral("bytecode"));
        const QByteArray constructor =
            need(chain::abi::encode(need(chain::abi::parseTypes(u"address"), QStringLiteral("types")), {Value::address(m_relay.address())}), QStringLiteral("constructor"));
        const chain::Receipt receipt = need(m_sender->deploy(QByteArray(code + constructor)), QStringLiteral("deploy"));
        check(receipt.success && receipt.contractAddress.has_value(), QStringLiteral("deployment"));
        return *receipt.contractAddress;
    }

    // A meeting of the thesis scenario: 50 participants, each signing the final record (EIP-712).
    [[nodiscard]] Meeting meeting(const crypto::Address &registryAddress, const QString &id) const
    {
        Meeting result{id,
                        fixedWord(QString(QStringLiteral("start ") + id)),
                        m_rosterRoot,
                        fixedWord(QString(QStringLiteral("ackEnd ") + id)),
                        fixedWord(QString(QStringLiteral("root ") + id)),
                        thesisLogSize,
                        {}};
        const QByteArray digest = registry::approvalDigest(m_chainId, registryAddress, id, result.ackEndId, result.root);
        QList<QPair<crypto::Address, QByteArray>> approvals;
        for (const crypto::PrivateKey &participant : m_participants)
            approvals.append({participant.address(), need(participant.sign(digest), QStringLiteral("sign")).bytes()});
        result.commitment = registry::approvalsCommitment(approvals);
        return result;
    }

    [[nodiscard]] QList<Meeting> meetings(const crypto::Address &registryAddress, const QString &prefix, int count) const
    {
        QList<Meeting> result;
        for (int i = 0; i < count; ++i)
            result.append(meeting(registryAddress, QStringLiteral("%1 %2").arg(prefix).arg(i)));
        return result;
    }

    // One transaction from the relay; it must succeed and emit `logs` events.
    chain::Receipt send(const crypto::Address &to, const QByteArray &data, qsizetype logs, const QString &what)
    {
        const chain::Receipt receipt = need(m_sender->send(to, data), what);
        check(receipt.success && receipt.gasUsed > 0, QString(what + QStringLiteral(": receipt")));
        check(receipt.logs.size() == logs, QString(what + QStringLiteral(": events")));
        return receipt;
    }

    chain::Receipt anchorMany(const crypto::Address &to, const QList<Meeting> &opens, const QList<Meeting> &closes, const QList<Meeting> &approvals,
                              const QString &what)
    {
        QList<registry::OpenStep> openSteps;
        for (const Meeting &step : opens)
            openSteps.append({step.id, step.startId, step.rosterRoot});
        QList<registry::CloseStep> closeSteps;
        for (const Meeting &step : closes)
            closeSteps.append({step.id, step.ackEndId, step.root, step.size});
        QList<registry::ApprovalsStep> approvalSteps;
        for (const Meeting &step : approvals)
            approvalSteps.append({step.id, step.commitment, quint32(participantCount)});
        return send(to, registry::anchorManyCall(openSteps, closeSteps, approvalSteps), opens.size() + closes.size() + approvals.size(), what);
    }

    enum class Stage { Opened, Closed, Approved };

    // The registry's views hold what was sent, up to `stage`, and nothing after it.
    void checkStored(const crypto::Address &registryAddress, const Meeting &anchored, Stage stage)
    {
        const QByteArray zero(32, '\0');
        const QByteArray closing = crypto::keccak256(QByteArray(anchored.ackEndId + anchored.root + chain::UInt256(anchored.size).toBigEndian()));
        check(need(registry::rosterRootOf(*m_client, registryAddress, anchored.id), QStringLiteral("rosterRootOf")) == anchored.rosterRoot,
              QString(QStringLiteral("rosterRootOf ") + anchored.id));
        check(need(registry::closingOf(*m_client, registryAddress, anchored.id), QStringLiteral("closingOf")) == (stage == Stage::Opened ? zero : closing),
              QString(QStringLiteral("closingOf ") + anchored.id));
        check(need(registry::approvalBatchOf(*m_client, registryAddress, anchored.id), QStringLiteral("approvalBatchOf"))
                  == (stage == Stage::Approved ? anchored.commitment : zero),
              QString(QStringLiteral("approvalBatchOf ") + anchored.id));
    }

    [[nodiscard]] bool approvedBy(const crypto::Address &registryAddress, const Meeting &approved, const crypto::Address &participant)
    {
        const QByteArray data = need(chain::abi::encodeCall(u"approvedBy(bytes32,address)", {Value::fixedBytes(registry::meetingKey(approved.id)), Value::address(participant)}),
                                     QStringLiteral("approvedBy"));
        const QByteArray result = need(m_client->call(registryAddress, data), QStringLiteral("approvedBy"));
        return result == QByteArray(QByteArray(31, '\0') + '\x01');
    }

private:
    client::LocalChain m_chain;
    std::unique_ptr<chain::EthClient> m_client;
    crypto::PrivateKey m_relay;
    std::unique_ptr<chain::TransactionSender> m_sender;
    quint64 m_chainId = 0;
    QList<crypto::PrivateKey> m_participants;
    QList<crypto::Address> m_roster;
    QByteArray m_rosterRoot;
};

} // namespace

namespace {

void run(bool smoke)
{
    QTextStream out(stdout);
    GasBench bench;

    // ---- 1. the thesis scenario, one transaction per step ----
    const crypto::Address single = bench.deploy();
    const Meeting thesis = bench.meeting(single, QStringLiteral("thesis meeting"));
    const quint64 openGas = bench.send(single, registry::openCall(thesis.id, thesis.startId, thesis.rosterRoot), 1, QStringLiteral("open")).gasUsed;
    bench.checkStored(single, thesis, GasBench::Stage::Opened);
    const quint64 closeGas = bench.send(single, registry::closeCall(thesis.id, thesis.ackEndId, thesis.root, thesis.size), 1, QStringLiteral("close")).gasUsed;
    bench.checkStored(single, thesis, GasBench::Stage::Closed);
    const quint64 recordGas =
        bench.send(single, registry::recordApprovalsCall(thesis.id, thesis.commitment, quint32(participantCount)), 1, QStringLiteral("recordApprovals")).gasUsed;
    bench.checkStored(single, thesis, GasBench::Stage::Approved);
    const quint64 singleTotal = openGas + closeGas + recordGas;

    // The same meeting's 50 approvals, each submitted and checked on chain.
    const QByteArray digest = registry::approvalDigest(bench.chainId(), single, thesis.id, thesis.ackEndId, thesis.root);
    quint64 approveMin = std::numeric_limits<quint64>::max();
    quint64 approveMax = 0;
    quint64 approveTotal = 0;
    qsizetype proofMin = std::numeric_limits<qsizetype>::max();
    qsizetype proofMax = 0;
    for (const crypto::PrivateKey &participant : bench.participants()) {
        const QList<QByteArray> proof = *chain::rosterProof(bench.roster(), participant.address());
        QList<Value> siblings;
        for (const QByteArray &sibling : proof)
            siblings.append(Value::fixedBytes(sibling));
        const QByteArray data = need(chain::abi::encodeCall(u"approve(bytes32,bytes32,bytes32,uint64,address,bytes32[],bytes)",
                                                            {Value::fixedBytes(registry::meetingKey(thesis.id)), Value::fixedBytes(thesis.ackEndId),
                                                             Value::fixedBytes(thesis.root), Value::integer(thesis.size), Value::address(participant.address()),
                                                             Value::array(siblings), Value::bytes(need(participant.sign(digest), QStringLiteral("sign")).bytes())}),
                                     QStringLiteral("approve"));
        check(!bench.approvedBy(single, thesis, participant.address()), QStringLiteral("approvedBy before approve"));
        const quint64 gas = bench.send(single, data, 1, QStringLiteral("approve")).gasUsed;
        check(bench.approvedBy(single, thesis, participant.address()), QStringLiteral("approvedBy after approve"));
        approveMin = std::min(approveMin, gas);
        approveMax = std::max(approveMax, gas);
        approveTotal += gas;
        proofMin = std::min(proofMin, proof.size());
        proofMax = std::max(proofMax, proof.size());
    }
    check(approveTotal > recordGas, QStringLiteral("approvals on chain cost more than their commitment"));

    // ---- 2. amortised: N meetings per anchorMany ----
    struct Row {
        int meetings = 0;
        quint64 threeTransactions = 0; // gas per meeting
        quint64 oneFlush = 0;
    };
    QList<Row> rows;
    const crypto::Address batched = bench.deploy();
    for (const int n : smoke ? QList<int>{1, 2, 3} : QList<int>{1, 5, 10, 20}) {
        Row row{n, 0, 0};
        // Three transactions: the N opens (at the start), the N closes (at the end), the N approval batches.
        const QList<Meeting> group = bench.meetings(batched, QStringLiteral("three transactions, N = %1:").arg(n), n);
        quint64 gas = bench.anchorMany(batched, group, {}, {}, QStringLiteral("anchorMany opens")).gasUsed;
        for (const Meeting &meeting : group)
            bench.checkStored(batched, meeting, GasBench::Stage::Opened);
        gas += bench.anchorMany(batched, {}, group, {}, QStringLiteral("anchorMany closes")).gasUsed;
        for (const Meeting &meeting : group)
            bench.checkStored(batched, meeting, GasBench::Stage::Closed);
        gas += bench.anchorMany(batched, {}, {}, group, QStringLiteral("anchorMany approvals")).gasUsed;
        for (const Meeting &meeting : group)
            bench.checkStored(batched, meeting, GasBench::Stage::Approved);
        row.threeTransactions = perMeeting(gas, n);

        // One flush of a relay with meetings at every stage: opens of the starting ones, closes of
        // the ending ones, approval batches of those already closed. Only the flush is measured.
        const QList<Meeting> approving = bench.meetings(batched, QStringLiteral("flush, N = %1, approving:").arg(n), n);
        const QList<Meeting> ending = bench.meetings(batched, QStringLiteral("flush, N = %1, ending:").arg(n), n);
        const QList<Meeting> starting = bench.meetings(batched, QStringLiteral("flush, N = %1, starting:").arg(n), n);
        bench.anchorMany(batched, QList<Meeting>(approving + ending), {}, {}, QStringLiteral("anchorMany earlier opens"));
        bench.anchorMany(batched, {}, approving, {}, QStringLiteral("anchorMany earlier closes"));
        row.oneFlush = perMeeting(bench.anchorMany(batched, starting, ending, approving, QStringLiteral("anchorMany flush")).gasUsed, n);
        for (const Meeting &meeting : approving)
            bench.checkStored(batched, meeting, GasBench::Stage::Approved);
        for (const Meeting &meeting : ending)
            bench.checkStored(batched, meeting, GasBench::Stage::Closed);
        for (const Meeting &meeting : starting)
            bench.checkStored(batched, meeting, GasBench::Stage::Opened);

        if (n > 1) {
            check(row.threeTransactions < singleTotal, QStringLiteral("batched per-meeting gas below the single calls'"));
            check(row.oneFlush < row.threeTransactions, QStringLiteral("one flush below three transactions"));
            check(row.threeTransactions < rows.constLast().threeTransactions && row.oneFlush < rows.constLast().oneFlush,
                  QStringLiteral("per-meeting gas falls as batches grow"));
        }
        rows.append(row);
    }

    const quint64 allOnChain = openGas + closeGas + approveTotal;
    out << "| thesis scenario: one meeting, " << participantCount << " participants, one transaction per step | gas |\n|---|---:|\n";
    out << "| MeetingRegistry.open (relay, at the start: roster commitment) | " << grouped(openGas) << " |\n";
    out << "| MeetingRegistry.close (relay, at the end: ackEnd id, final Merkle root, size) | " << grouped(closeGas) << " |\n";
    out << "| MeetingRegistry.recordApprovals (relay: one commitment to the " << participantCount << " EIP-712 signatures) | " << grouped(recordGas) << " |\n";
    out << "| **per meeting: open + close + all approvals** | **" << grouped(singleTotal) << "** (goal <= " << grouped(goalGas) << "; thesis "
        << grouped(thesisGas) << ", " << QString::number(static_cast<double>(thesisGas) / static_cast<double>(singleTotal), 'f', 1) << "x more) |\n";
    out << "| MeetingRegistry.approve (one participant, checked on chain: roster proof of " << proofMin
        << (proofMax != proofMin ? QStringLiteral("-%1").arg(proofMax) : QString()) << " hashes + EIP-712 signature) | " << grouped(approveMin)
        << (approveMax != approveMin ? QString(QStringLiteral(" to ") + grouped(approveMax)) : QString()) << " |\n";
    out << "| all " << participantCount << " participants approving on chain instead (" << participantCount << " transactions) | " << grouped(approveTotal)
        << " |\n";
    out << "| per meeting with every approval checked on chain: open + close + " << participantCount << " approve | " << grouped(allOnChain) << " |\n";
    out << '\n';
    out << "| meetings per batch (N) | gas per meeting, three anchorMany transactions (N opens; N closes; N approval batches) | gas per meeting, "
           "one anchorMany per flush (N opens + N closes + N approval batches of different meetings) |\n|---:|---:|---:|\n";
    for (const Row &row : rows)
        out << "| " << row.meetings << " | " << grouped(row.threeTransactions) << " | " << grouped(row.oneFlush) << " |\n";
    out << '\n';
    out << "Single calls: " << grouped(singleTotal) << " gas per meeting (goal <= " << grouped(goalGas) << "; thesis " << grouped(thesisGas)
        << "). Batched figures are the transactions' gasUsed divided by N, rounded. Node: " << bench.nodeVersion() << ".\n";
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    bench::checkArguments(app.arguments(),
                          QStringLiteral("Usage: bench_gas [--smoke]\n"
                                         "Gas per meeting from real receipts on anvil; Markdown rows on stdout.\n"
                                         "  --smoke   small batches, every result checked (ctest)\n"),
                          {{QStringLiteral("--smoke"), 0}});
    try {
        run(app.arguments().contains(QStringLiteral("--smoke")));
    } catch (const Failure &failure) {
        QTextStream(stderr) << "bench_gas: " << failure.why << '\n';
        return 1;
    }
    return 0;
}
