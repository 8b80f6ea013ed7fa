#include "relay/server/anchor_worker.h"

#include "base/hex.h"
#include "chain/abi.h"
#include "chain/eth_client.h"
#include "chain/meeting_registry.h"
#include "relay/core/anchor_queue.h"
#include "relay/core/relay_database.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QScopeGuard>

Q_LOGGING_CATEGORY(lcAnchor, "cmeet.relay.anchor", QtInfoMsg)

namespace cmeet::relay {
namespace {

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

bool unreachable(const chain::ChainError &error)
{
    return error.code == chain::ErrorCode::RpcUnavailable || error.code == chain::ErrorCode::Timeout;
}

} // namespace

AnchorWorker::AnchorWorker(QString databasePath, crypto::PrivateKey relayKey, ChainSettings settings)
    : m_databasePath(std::move(databasePath)), m_relayKey(std::move(relayKey)), m_settings(std::move(settings))
{
}

AnchorWorker::~AnchorWorker() = default;

void AnchorWorker::start()
{
    auto database = RelayDatabase::open(m_databasePath);
    if (!database) {
        qCCritical(lcAnchor) << "anchoring stopped: cannot open the database:" << database.error().detail;
        return;
    }
    m_database = std::move(*database);
    m_queue = std::make_unique<AnchorQueue>(*m_database);
    // Short attempts: the queue does the retrying, with backoff, so one call never stalls it long.
    m_client = std::make_unique<chain::EthClient>(m_settings.endpoint, chain::RpcOptions{5000, 1, 0});
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &AnchorWorker::processDue);
    m_timer->start(m_settings.pollMs);
    qCInfo(lcAnchor) << "anchoring to" << m_settings.registry.toChecksumHex() << "at" << m_settings.endpoint.toString();
}

void AnchorWorker::processDue()
{
    // Chain calls run a local event loop in which this timer fires again: one pass at a time,
    // or the same job would be sent twice.
    if (m_busy)
        return;
    m_busy = true;
    const auto done = qScopeGuard([this] { m_busy = false; });
    while (true) {
        QList<AnchorJob> jobs = m_queue->due(now(), maxJobsPerTransaction);
        if (jobs.isEmpty())
            return;
        const auto failed = [&](const AnchorJob &job, const chain::ChainError &error) {
            qCWarning(lcAnchor) << job.kind << "of meeting" << job.meeting << "not anchored yet:" << error.detail;
            (void)m_queue->markAttemptFailed(job.id, error.detail, unreachable(error), now());
        };
        if (!m_sender) {
            auto chainId = m_client->chainId();
            if (!chainId)
                return failed(jobs.constFirst(), chainId.error());
            m_sender = std::make_unique<chain::TransactionSender>(*m_client, m_relayKey, *chainId);
        }
        // Sent before a crash, and mined? Then it is done: never send it twice.
        QList<AnchorJob> toSend;
        for (const AnchorJob &job : jobs) {
            auto recorded = recordedOnChain(job);
            if (!recorded)
                return failed(job, recorded.error());
            if (*recorded)
                (void)m_queue->markDone(job.id, {}, 0, 0);
            else
                toSend.append(job);
        }
        if (toSend.isEmpty())
            continue;
        // Several steps due at once (busy meetings, or a node back after a while): one
        // transaction for all, which costs far less gas per step. If it is refused, they go one
        // by one, in order, so the one at fault gets its own error and backoff.
        if (toSend.size() > 1) {
            if (auto receipt = m_sender->send(m_settings.registry, batchCall(toSend)); receipt && receipt->success) {
                markSent(toSend, *receipt);
                continue;
            }
            qCInfo(lcAnchor) << "anchoring" << toSend.size() << "steps together was refused; sending them one by one";
        }
        for (const AnchorJob &job : toSend) {
            auto receipt = m_sender->send(m_settings.registry, job.callData);
            if (!receipt)
                return failed(job, receipt.error());
            if (!receipt->success)
                return failed(job, {chain::ErrorCode::RpcError, QStringLiteral("transaction %1 reverted").arg(hex::encode(receipt->transactionHash))});
            markSent({job}, *receipt);
        }
    }
}

void AnchorWorker::markSent(const QList<AnchorJob> &jobs, const chain::Receipt &receipt)
{
    // Each step is credited an equal share of the transaction's gas.
    const auto gasShare = static_cast<qint64>(receipt.gasUsed) / jobs.size();
    for (const AnchorJob &job : jobs) {
        qCInfo(lcAnchor) << job.kind << "of meeting" << job.meeting << "anchored in block" << receipt.blockNumber << "gas" << gasShare
                         << (jobs.size() > 1 ? QStringLiteral("(one of %1 steps in one transaction)").arg(jobs.size()) : QString());
        (void)m_queue->markDone(job.id, receipt.transactionHash, static_cast<qint64>(receipt.blockNumber), gasShare);
    }
}

Expected<bool, chain::ChainError> AnchorWorker::recordedOnChain(const AnchorJob &job)
{
    const auto recorded = job.kind == QStringLiteral("open")    ? chain::registry::rosterRootOf(*m_client, m_settings.registry, job.meeting)
                          : job.kind == QStringLiteral("close") ? chain::registry::closingOf(*m_client, m_settings.registry, job.meeting)
                                                                  : chain::registry::approvalBatchOf(*m_client, m_settings.registry, job.meeting);
    if (!recorded)
        return unexpected(recorded.error());
    return *recorded != QByteArray(32, '\0');
}

QByteArray AnchorWorker::batchCall(const QList<AnchorJob> &jobs)
{
    // The queued calls are the single functions' ABI encodings: their arguments, after the
    // selector, are the steps' fields (the meeting key first, which anchorMany derives again).
    static const auto openTypes = *chain::abi::parseTypes(u"bytes32,bytes32,bytes32");
    static const auto closeTypes = *chain::abi::parseTypes(u"bytes32,bytes32,bytes32,uint64");
    static const auto approvalsTypes = *chain::abi::parseTypes(u"bytes32,bytes32,uint32");
    const auto arguments = [](const AnchorJob &job, const QList<chain::abi::Type> &types) {
        return chain::abi::decode(types, QByteArrayView(job.callData).sliced(4)).value_or(QList<chain::abi::Value>());
    };
    QList<chain::registry::OpenStep> opens;
    QList<chain::registry::CloseStep> closes;
    QList<chain::registry::ApprovalsStep> approvals;
    for (const AnchorJob &job : jobs) {
        if (job.kind == QStringLiteral("open")) {
            const auto values = arguments(job, openTypes);
            opens.append({job.meeting, values.value(1).bytesValue(), values.value(2).bytesValue()});
        } else if (job.kind == QStringLiteral("close")) {
            const auto values = arguments(job, closeTypes);
            closes.append({job.meeting, values.value(1).bytesValue(), values.value(2).bytesValue(), values.value(3).integerValue().toU64().value_or(0)});
        } else {
            const auto values = arguments(job, approvalsTypes);
            approvals.append({job.meeting, values.value(1).bytesValue(), static_cast<quint32>(values.value(2).integerValue().toU64().value_or(0))});
        }
    }
    return chain::registry::anchorManyCall(opens, closes, approvals);
}

} // namespace cmeet::relay
