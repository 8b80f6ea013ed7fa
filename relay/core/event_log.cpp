#include "relay/core/event_log.h"

#include <QVariant>

namespace cmeet::relay {
namespace {

constexpr char rawFormat = 0;
constexpr char zlibFormat = 1;

} // namespace

QByteArray EventLog::pack(const QByteArray &wireBytes)
{
    // Hex signatures and ids make events about half redundant; small ones may not shrink.
    const QByteArray compressed = qCompress(wireBytes, 9);
    return compressed.size() < wireBytes.size() ? zlibFormat + compressed : rawFormat + wireBytes;
}

std::optional<QByteArray> EventLog::unpack(const QByteArray &stored)
{
    if (stored.isEmpty())
        return std::nullopt;
    const QByteArray body = stored.mid(1);
    if (stored.front() == rawFormat)
        return body;
    if (stored.front() == zlibFormat) {
        QByteArray bytes = qUncompress(body);
        if (!bytes.isEmpty())
            return bytes;
    }
    return std::nullopt;
}

std::optional<qint64> EventLog::meetingNumber(const QString &meeting)
{
    if (const auto found = m_numbers.constFind(meeting); found != m_numbers.cend())
        return *found;
    auto query = m_db.run(QStringLiteral("SELECT number FROM meetings WHERE id = ?"), {meeting});
    if (!query || !query->next())
        return std::nullopt;
    return m_numbers.insert(meeting, query->value(0).toLongLong()).value();
}

Expected<Ok, DatabaseError> EventLog::append(const QString &meeting, qint64 position, const protocol::Event &entry, qint64 receivedAt)
{
    const auto number = meetingNumber(meeting);
    if (!number)
        return unexpected(DatabaseError{QStringLiteral("no meeting %1").arg(meeting)});
    auto inserted = m_db.run(QStringLiteral("INSERT INTO event_log(meeting, position, id, type, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)"),
                             {*number, position, entry.id(), protocol::typeName(entry.type()), pack(entry.wireBytes()), receivedAt});
    if (!inserted)
        return unexpected(inserted.error());
    return Ok{};
}

Expected<QList<QPair<qint64, QByteArray>>, DatabaseError> EventLog::entries(const QString &meeting, qint64 from, qint64 limit)
{
    QList<QPair<qint64, QByteArray>> out;
    const auto number = meetingNumber(meeting);
    if (!number)
        return out;
    auto rows = m_db.run(QStringLiteral("SELECT position, bytes FROM event_log WHERE meeting = ? AND position >= ? ORDER BY position LIMIT ?"),
                         {*number, from, limit});
    if (!rows)
        return unexpected(rows.error());
    while (rows->next()) {
        auto bytes = unpack(rows->value(1).toByteArray());
        if (!bytes)
            return unexpected(DatabaseError{QStringLiteral("log entry %1 of meeting %2 is damaged").arg(rows->value(0).toLongLong()).arg(meeting)});
        out.append({rows->value(0).toLongLong(), *bytes});
    }
    return out;
}

qint64 EventLog::size(const QString &meeting)
{
    const auto number = meetingNumber(meeting);
    auto count = number ? m_db.run(QStringLiteral("SELECT COUNT(*) FROM event_log WHERE meeting = ?"), {*number})
                        : Expected<QSqlQuery, DatabaseError>(unexpected(DatabaseError{}));
    return count && count->next() ? count->value(0).toLongLong() : 0;
}

} // namespace cmeet::relay
