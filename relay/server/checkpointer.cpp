#include "relay/server/checkpointer.h"

#include "relay/core/relay_database.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcCheckpoint, "cmeet.relay.checkpoint", QtInfoMsg)

namespace cmeet::relay {

Checkpointer::Checkpointer(QString databasePath, int periodMs) : m_databasePath(std::move(databasePath)), m_periodMs(periodMs) {}

Checkpointer::~Checkpointer() = default;

void Checkpointer::start()
{
    auto database = RelayDatabase::open(m_databasePath);
    if (!database) {
        qCWarning(lcCheckpoint) << "cannot open the database for checkpoints:" << database.error().detail;
        Q_EMIT unavailable(database.error().detail);
        return;
    }
    m_database = std::move(*database);
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &Checkpointer::checkpoint);
    m_timer->start(m_periodMs);
}

void Checkpointer::checkpoint()
{
    // Passive: copies what no reader still needs and never waits for the writer.
    auto result = m_database->run(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"));
    if (!result) {
        qCWarning(lcCheckpoint) << "checkpoint failed:" << result.error().detail;
        return;
    }
    if (!result->next())
        return;
    const QPair<qint64, qint64> pages{result->value(1).toLongLong(), result->value(2).toLongLong()};
    if (pages != m_lastPages && pages.first > 0)
        qCDebug(lcCheckpoint) << pages.second << "of" << pages.first << "log pages in the database file";
    m_lastPages = pages;
}

} // namespace cmeet::relay
