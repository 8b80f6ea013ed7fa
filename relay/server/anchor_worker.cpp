#include "relay/server/anchor_worker.h"

#include "base/hex.h"
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
    while (auto job = m_queue->nextDue(now())) {
        const auto failed = [&](const chain::ChainError &error) {
            qCWarning(lcAnchor) << job->kind << "of meeting" << job->meeting << "not anchored yet:" << error.detail;
            (void)m_queue->markAttemptFailed(job->id, error.detail, unreachable(error), now());
        };
        if (!m_sender) {
            auto chainId = m_client->chainId();
            if (!chainId)
                return failed(chainId.error());
            m_sender = std::make_unique<chain::TransactionSender>(*m_client, m_relayKey, *chainId);
        }
        // Sent before a crash, and mined? Then it is done: never send it twice.
        const auto recorded = job->kind == QStringLiteral("open")    ? chain::registry::rosterRootOf(*m_client, m_settings.registry, job->meeting)
                              : job->kind == QStringLiteral("close") ? chain::registry::closingOf(*m_client, m_settings.registry, job->meeting)
                                                                      : chain::registry::approvalBatchOf(*m_client, m_settings.registry, job->meeting);
        if (!recorded)
            return failed(recorded.error());
        if (*recorded != QByteArray(32, '\0')) {
            (void)m_queue->markDone(job->id, {}, 0, 0);
            continue;
        }
        auto receipt = m_sender->send(m_settings.registry, job->callData);
        if (!receipt)
            return failed(receipt.error());
        if (!receipt->success)
            return failed({chain::ErrorCode::RpcError, QStringLiteral("transaction %1 reverted").arg(hex::encode(receipt->transactionHash))});
        qCInfo(lcAnchor) << job->kind << "of meeting" << job->meeting << "anchored in block" << receipt->blockNumber << "gas"
                         << receipt->gasUsed;
        (void)m_queue->markDone(job->id, receipt->transactionHash, static_cast<qint64>(receipt->blockNumber), static_cast<qint64>(receipt->gasUsed));
    }
}

} // namespace cmeet::relay
