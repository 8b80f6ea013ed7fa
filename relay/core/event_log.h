#pragma once
// The meetings' append-only logs in the relay database: exact wire bytes of every accepted event
// and acknowledgement, by meeting and position. Stored compactly (meetings by number, bytes
// compressed when that is smaller) but always handed back byte for byte.

#include "protocol/event.h"
#include "relay/core/relay_database.h"

#include <QCache>

namespace cmeet::relay {

class EventLog {
public:
    explicit EventLog(RelayDatabase &database) : m_db(database) {}

    // `packed` is pack(the entry's wire bytes, meeting): the relay packs off its main thread.
    [[nodiscard]] Expected<Ok, DatabaseError> append(const QString &meeting, qint64 position, protocol::EventType type,
                                                     const QByteArray &packed, qint64 receivedAt);
    // Entries from position on (at most limit), as (position, wire bytes).
    [[nodiscard]] Expected<QList<QPair<qint64, QByteArray>>, DatabaseError> entries(const QString &meeting, qint64 from = 0,
                                                                                     qint64 limit = -1);
    [[nodiscard]] qint64 size(const QString &meeting);

    // Storage format of one entry: a format byte, then the bytes: raw (0), zlib (1, from schema 2's
    // migration), or deflate with a preset dictionary of the protocol's framing and the meeting id
    // (2): events are small, and most of what repeats between them is that framing.
    [[nodiscard]] static QByteArray pack(const QByteArray &wireBytes, const QString &meeting = {});
    [[nodiscard]] static std::optional<QByteArray> unpack(const QByteArray &stored, const QString &meeting = {});

private:
    [[nodiscard]] std::optional<qint64> meetingNumber(const QString &meeting);

    RelayDatabase &m_db;
    QCache<QString, qint64> m_numbers{4096}; // meeting id -> its number (never changes), for the meetings in use
    std::optional<QSqlQuery> m_insert; // prepared once: appending is the relay's hot path
};

} // namespace cmeet::relay
