#include "relay/core/anchor_queue.h"

#include "base/hex.h"

#include <QVariant>

namespace cmeet::relay {
namespace {

const QString jobColumns = QStringLiteral("id, meeting, kind, call_data, status, attempts, next_attempt_at, last_error, tx_hash, block, gas_used");

} // namespace

AnchorJob AnchorQueue::jobFrom(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(), query.value(3).toByteArray(),
            query.value(4).toString(),   query.value(5).toInt(),     query.value(6).toLongLong(), query.value(7).toString(),
            query.value(8).toByteArray(), query.value(9).toLongLong(), query.value(10).toLongLong()};
}

Expected<Ok, DatabaseError> AnchorQueue::enqueue(const QString &meeting, const QString &kind, const QByteArray &callData, qint64 now)
{
    auto inserted = m_db.run(QStringLiteral("INSERT INTO anchor_jobs(meeting, kind, call_data, created_at) VALUES (?, ?, ?, ?) "
                                            "ON CONFLICT(meeting, kind) DO NOTHING"),
                             {meeting, kind, callData, now});
    if (!inserted)
        return unexpected(inserted.error());
    return Ok{};
}

std::optional<AnchorJob> AnchorQueue::nextDue(qint64 now)
{
    // Strictly in order: a later job waits for an earlier one (a close never before its open).
    auto query = m_db.run(QStringLiteral("SELECT %1 FROM anchor_jobs WHERE status = 'pending' ORDER BY id LIMIT 1").arg(jobColumns));
    if (!query || !query->next())
        return std::nullopt;
    AnchorJob job = jobFrom(*query);
    if (job.nextAttemptAt > now)
        return std::nullopt;
    return job;
}

QList<AnchorJob> AnchorQueue::due(qint64 now, int limit)
{
    QList<AnchorJob> jobs;
    auto query = m_db.run(QStringLiteral("SELECT %1 FROM anchor_jobs WHERE status = 'pending' ORDER BY id LIMIT ?").arg(jobColumns), {limit});
    while (query && query->next()) {
        AnchorJob job = jobFrom(*query);
        if (job.nextAttemptAt > now)
            break; // strictly in order: nothing after a job that waits
        jobs.append(std::move(job));
    }
    return jobs;
}

Expected<AnchorQueue::Depth, DatabaseError> AnchorQueue::depth()
{
    auto query = m_db.run(QStringLiteral("SELECT count(CASE WHEN status = 'pending' THEN 1 END), count(CASE WHEN status = 'failed' THEN 1 END) FROM anchor_jobs"));
    if (!query)
        return unexpected(query.error());
    if (!query->next())
        return unexpected(DatabaseError{QStringLiteral("no row counting the anchor jobs")});
    return Depth{query->value(0).toLongLong(), query->value(1).toLongLong()};
}

Expected<Ok, DatabaseError> AnchorQueue::markDone(qint64 id, const QByteArray &txHash, qint64 block, qint64 gasUsed)
{
    auto updated = m_db.run(QStringLiteral("UPDATE anchor_jobs SET status = 'done', tx_hash = ?, block = ?, gas_used = ?, last_error = '' WHERE id = ?"),
                            {txHash, block, gasUsed, id});
    if (!updated)
        return unexpected(updated.error());
    return Ok{};
}

Expected<Ok, DatabaseError> AnchorQueue::markAttemptFailed(qint64 id, const QString &error, bool nodeUnreachable, qint64 now)
{
    auto query = m_db.run(QStringLiteral("SELECT attempts FROM anchor_jobs WHERE id = ?"), {id});
    const int attempts = query && query->next() ? query->value(0).toInt() + 1 : 1;
    const qint64 backoff = std::min<qint64>(qint64{1000} << std::min(attempts - 1, 20), 5 * 60 * 1000);
    // An unreachable node is retried for ever: it will come back. A refusal is retried a while.
    const bool giveUp = !nodeUnreachable && attempts >= maxAttempts;
    auto updated = m_db.run(QStringLiteral("UPDATE anchor_jobs SET attempts = ?, next_attempt_at = ?, last_error = ?, status = ? WHERE id = ?"),
                            {attempts, now + backoff, error.left(500), giveUp ? QStringLiteral("failed") : QStringLiteral("pending"), id});
    if (!updated)
        return unexpected(updated.error());
    return Ok{};
}

QList<AnchorJob> AnchorQueue::jobsOf(const QString &meeting)
{
    QList<AnchorJob> jobs;
    auto query = m_db.run(QStringLiteral("SELECT %1 FROM anchor_jobs WHERE meeting = ? ORDER BY id").arg(jobColumns), {meeting});
    while (query && query->next())
        jobs.append(jobFrom(*query));
    return jobs;
}

QJsonObject AnchorQueue::stateOf(const QString &meeting)
{
    QJsonObject state;
    for (const AnchorJob &job : jobsOf(meeting)) {
        QJsonObject entry{{QStringLiteral("status"), job.status}, {QStringLiteral("attempts"), job.attempts}};
        if (!job.txHash.isEmpty()) {
            entry.insert(QStringLiteral("tx"), hex::encode(job.txHash));
            entry.insert(QStringLiteral("block"), job.block);
            entry.insert(QStringLiteral("gasUsed"), job.gasUsed);
        }
        if (!job.lastError.isEmpty())
            entry.insert(QStringLiteral("lastError"), job.lastError);
        state.insert(job.kind, entry);
    }
    return state;
}

} // namespace cmeet::relay
