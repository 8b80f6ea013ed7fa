#pragma once
// The durable queue of anchoring transactions (DESIGN.md §5): jobs are written in the same
// transaction as the start or end they anchor, so a meeting starts and ends whatever the chain
// node is doing, and the anchor lands when the node is back. Sent strictly in order by one
// sender, so two meetings never reuse a nonce.

#include "relay/core/relay_database.h"

#include <QByteArray>
#include <QJsonObject>
#include <optional>

namespace cmeet::relay {

struct AnchorJob {
    qint64 id = 0;
    QString meeting;
    QString kind; // "open", "close", "approvals"
    QByteArray callData;
    QString status; // "pending", "done", "failed"
    int attempts = 0;
    qint64 nextAttemptAt = 0;
    QString lastError;
    QByteArray txHash;
    qint64 block = 0;
    qint64 gasUsed = 0;
};

class AnchorQueue {
public:
    explicit AnchorQueue(RelayDatabase &database) : m_db(database) {}

    // Within the caller's transaction. A second job of the same kind for a meeting is ignored.
    [[nodiscard]] Expected<Ok, DatabaseError> enqueue(const QString &meeting, const QString &kind, const QByteArray &callData, qint64 now);
    // The oldest unfinished job if it is due.
    [[nodiscard]] std::optional<AnchorJob> nextDue(qint64 now);
    // The oldest unfinished jobs, in order, up to the first that is not due yet (at most limit):
    // what one transaction may anchor together.
    [[nodiscard]] QList<AnchorJob> due(qint64 now, int limit);
    [[nodiscard]] Expected<Ok, DatabaseError> markDone(qint64 id, const QByteArray &txHash, qint64 block, qint64 gasUsed);
    // Retried later with exponential backoff (1 s doubling up to 5 min); after maxAttempts of a
    // refusal (not an unreachable node) the job is "failed" and needs a look.
    [[nodiscard]] Expected<Ok, DatabaseError> markAttemptFailed(qint64 id, const QString &error, bool nodeUnreachable, qint64 now);
    [[nodiscard]] QList<AnchorJob> jobsOf(const QString &meeting);
    // How many jobs wait to be sent, and how many failed for good (for monitoring).
    struct Depth {
        qint64 pending = 0;
        qint64 failed = 0;
    };
    [[nodiscard]] Expected<Depth, DatabaseError> depth();
    // {"open": {...}, "close": {...}}: status, tx hash, block, gas, last error.
    [[nodiscard]] QJsonObject stateOf(const QString &meeting);

    static constexpr int maxAttempts = 20;

private:
    [[nodiscard]] static AnchorJob jobFrom(const QSqlQuery &query);
    RelayDatabase &m_db;
};

} // namespace cmeet::relay
