#include "relay/core/event_log.h"

#include <QSqlError>
#include <QVariant>

#include <limits>
#include <zlib.h>

namespace cmeet::relay {
namespace {

constexpr char rawFormat = 0;
constexpr char zlibFormat = 1;
constexpr char dictionaryFormat = 2;

// What events and acknowledgements have in common, the most frequent last (zlib reaches back
// from the end of the dictionary). Changing it makes format 2 entries unreadable: add a format.
QByteArray dictionaryFor(const QString &meeting)
{
    return QByteArrayLiteral("\"disagreement\",\"discussion\",\"patientDataChange\",\"field\":\"mainOpinion\",\"from\":\"\",\"to\":\""
                             "\"poll\",\"pollEnd\",\"votingSecret\":\"0x\",\"options\":[\"question\":\"\"votingKey\":\"0x0"
                             "\"joinAck\",\"joins\":[\"0x\"pollEndAck\",\"votes\":[\"0x\"ackEnd\",\"leaves\":[\"0x\"delegation\":{\"expires\":"
                             "\"identity\":\"0x\",\"nonce\":\"0x\",\"purpose\":\"cmeet-delegation\",\"relay\":\"0x\",\"session\":\"0x"
                             "\"type\":\"reply\",\"v\":1}\"type\":\"comment\",\"v\":1}\"content\":{\"patient\":\"P-\",\"text\":\""
                             "{\"by\":\"0x\",\"content\":{\"ciphertext\":\"0x\"type\":\"vote\",\"v\":1}")
        + QByteArrayLiteral("{\"by\":\"0x\",\"content\":{\"seq\":\",\"tree\":{\"root\":\"0x\",\"size\":}},\"meeting\":\"")
        + meeting.toLatin1() + QByteArrayLiteral("\",\"ref\":\"0x\",\"sig\":\"0x\",\"ts\":\"type\":\"ack\",\"v\":1}");
}

// One deflate state per thread, reset for every entry: setting up a fresh one (allocating and
// clearing its tables) cost more than compressing an event. A 4 KiB window covers the dictionary
// and the whole of a typical event; inflate reads any window size, so stored entries stay format 2.
// memLevel 4: the hash table cleared for every entry is 4 KiB instead of 64 KiB, for the same
// output on events.
class Deflater {
public:
    Deflater() { m_ready = deflateInit2(&m_stream, 9, Z_DEFLATED, 12, 4, Z_DEFAULT_STRATEGY) == Z_OK; }
    ~Deflater()
    {
        if (m_ready)
            deflateEnd(&m_stream);
    }
    Deflater(const Deflater &) = delete;
    Deflater &operator=(const Deflater &) = delete;

    std::optional<QByteArray> compress(const QByteArray &input, const QByteArray &dictionary)
    {
        if (!m_ready || deflateReset(&m_stream) != Z_OK
            || deflateSetDictionary(&m_stream, reinterpret_cast<const Bytef *>(dictionary.constData()), static_cast<uInt>(dictionary.size())) != Z_OK)
            return std::nullopt;
        QByteArray out(static_cast<qsizetype>(deflateBound(&m_stream, static_cast<uLong>(input.size()))), Qt::Uninitialized);
        m_stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.constData()));
        m_stream.avail_in = static_cast<uInt>(input.size());
        m_stream.next_out = reinterpret_cast<Bytef *>(out.data());
        m_stream.avail_out = static_cast<uInt>(out.size());
        if (deflate(&m_stream, Z_FINISH) != Z_STREAM_END)
            return std::nullopt;
        out.resize(static_cast<qsizetype>(m_stream.total_out));
        return out;
    }

private:
    z_stream m_stream{};
    bool m_ready = false;
};

std::optional<QByteArray> deflateWithDictionary(const QByteArray &input, const QByteArray &dictionary)
{
    thread_local Deflater deflater;
    return deflater.compress(input, dictionary);
}

std::optional<QByteArray> inflateWithDictionary(const QByteArray &input, const QByteArray &dictionary)
{
    // One output buffer per thread, as large as an event may be, and each entry copied out at its
    // own size: a fresh megabyte per entry cost page faults (most of a sanitized replay's time),
    // and the entry kept it.
    thread_local QByteArray buffer(protocol::maxEventBytes, Qt::Uninitialized);
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK)
        return std::nullopt;
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.constData()));
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = reinterpret_cast<Bytef *>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    int status = inflate(&stream, Z_FINISH);
    if (status == Z_NEED_DICT
        && inflateSetDictionary(&stream, reinterpret_cast<const Bytef *>(dictionary.constData()), static_cast<uInt>(dictionary.size())) == Z_OK)
        status = inflate(&stream, Z_FINISH);
    const auto size = static_cast<qsizetype>(stream.total_out);
    inflateEnd(&stream);
    return status == Z_STREAM_END ? std::optional(QByteArray(buffer.constData(), size)) : std::nullopt;
}

} // namespace

QByteArray EventLog::pack(const QByteArray &wireBytes, const QString &meeting)
{
    QByteArray best = rawFormat + wireBytes;
    if (const auto packed = deflateWithDictionary(wireBytes, dictionaryFor(meeting)); packed && packed->size() + 1 < best.size())
        best = dictionaryFormat + *packed;
    return best;
}

std::optional<QByteArray> EventLog::unpack(const QByteArray &stored, const QString &meeting)
{
    if (stored.isEmpty())
        return std::nullopt;
    const QByteArray body = stored.mid(1);
    switch (stored.front()) {
    case rawFormat:
        return body;
    case zlibFormat:
        if (QByteArray bytes = qUncompress(body); !bytes.isEmpty())
            return bytes;
        return std::nullopt;
    case dictionaryFormat:
        return inflateWithDictionary(body, dictionaryFor(meeting));
    default:
        return std::nullopt;
    }
}

std::optional<qint64> EventLog::meetingNumber(const QString &meeting)
{
    if (const qint64 *found = m_numbers.object(meeting))
        return *found;
    auto query = m_db.run(QStringLiteral("SELECT number FROM meetings WHERE id = ?"), {meeting});
    if (!query || !query->next())
        return std::nullopt;
    const qint64 number = query->value(0).toLongLong();
    m_numbers.insert(meeting, new qint64(number));
    return number;
}

Expected<Ok, DatabaseError> EventLog::append(const QString &meeting, qint64 position, protocol::EventType type,
                                             const QByteArray &packed, qint64 receivedAt)
{
    const auto number = meetingNumber(meeting);
    if (!number)
        return unexpected(DatabaseError{QStringLiteral("no meeting %1").arg(meeting)});
    if (!m_insert) {
        m_insert.emplace(m_db.connection());
        if (!m_insert->prepare(QStringLiteral("INSERT INTO event_log(meeting, position, type, bytes, received_at) VALUES (?, ?, ?, ?, ?)"))) {
            const QString error = m_insert->lastError().text();
            m_insert.reset();
            return unexpected(DatabaseError{error});
        }
    }
    const QVariantList values{*number, position, protocol::typeName(type), packed, receivedAt};
    for (int i = 0; i < values.size(); ++i)
        m_insert->bindValue(i, values.at(i));
    if (!m_insert->exec())
        return unexpected(DatabaseError{m_insert->lastError().text()});
    return Ok{};
}

Expected<QList<QPair<qint64, QByteArray>>, DatabaseError> EventLog::entries(const QString &meeting, qint64 from, qint64 limit)
{
    QList<QPair<qint64, QByteArray>> out;
    const auto number = meetingNumber(meeting);
    if (!number)
        return out;
    auto rows = m_db.run(QStringLiteral("SELECT position, bytes FROM event_log WHERE meeting = ? AND position >= ? ORDER BY position LIMIT ?"),
                         {*number, from, limit < 0 ? std::numeric_limits<qint64>::max() : limit}); // PostgreSQL has no negative "no limit"
    if (!rows)
        return unexpected(rows.error());
    while (rows->next()) {
        auto bytes = unpack(rows->value(1).toByteArray(), meeting);
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
