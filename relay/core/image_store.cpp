#include "relay/core/image_store.h"

#include "base/hex.h"
#include "protocol/image_media.h"

#include <QLoggingCategory>
#include <QVariant>

Q_LOGGING_CATEGORY(lcRelayImages, "cmeet.relay.images", QtInfoMsg)

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::fail;

auto storageFailed(const DatabaseError &error)
{
    return fail(ErrorCode::StorageError, QStringLiteral("the relay could not store the image: ") + error.detail);
}

QString megabytes(qint64 bytes) { return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MiB"); }

} // namespace

Expected<Ok, DatabaseError> ImageStore::dropUnfinished()
{
    if (auto chunks = m_db.run(QStringLiteral("DELETE FROM image_chunks WHERE upload IN (SELECT id FROM image_uploads WHERE stored_at IS NULL)"));
        !chunks)
        return unexpected(chunks.error());
    auto uploads = m_db.run(QStringLiteral("DELETE FROM image_uploads WHERE stored_at IS NULL"));
    if (!uploads)
        return unexpected(uploads.error());
    if (const int dropped = uploads->numRowsAffected(); dropped > 0)
        qCInfo(lcRelayImages) << "dropped" << dropped << "unfinished image uploads of the previous run";
    return Ok{};
}

Expected<ImageStore::Begun, protocol::ProtocolError> ImageStore::begin(const QString &meeting, const crypto::Address &uploader,
                                                                       const QByteArray &sha256, qint64 size, const QString &mediaType)
{
    if (!protocol::isImageMediaType(mediaType))
        return fail(ErrorCode::UnsupportedMediaType,
                    QStringLiteral("%1 is not an image type a meeting shows (application/dicom, image/png, image/jpeg)").arg(protocol::quoted(mediaType)));
    if (size > m_limits.perFile)
        return fail(ErrorCode::ImageTooLarge, QStringLiteral("the file has %1; this relay takes images up to %2").arg(megabytes(size), megabytes(m_limits.perFile)));
    auto stored = find(meeting, sha256);
    if (!stored)
        return storageFailed(stored.error());
    if (*stored)
        return Begun{0, true};

    // An unfinished upload of the same bytes by the same uploader is abandoned: it starts again.
    for (auto it = m_uploads.begin(); it != m_uploads.end();) {
        if (it->meeting == meeting && it->uploader == uploader && it->sha256 == sha256) {
            if (auto removed = remove(it.key()); !removed)
                return storageFailed(removed.error());
            it = m_uploads.erase(it);
        } else {
            ++it;
        }
    }
    auto used = bytesOfMeeting(meeting);
    if (!used)
        return storageFailed(used.error());
    if (*used + size > m_limits.perMeeting)
        return fail(ErrorCode::ImageQuotaExceeded, QStringLiteral("this meeting's images would take %1; this relay keeps up to %2 per meeting")
                                                       .arg(megabytes(*used + size), megabytes(m_limits.perMeeting)));
    auto inserted = m_db.run(QStringLiteral("INSERT INTO image_uploads(meeting, uploader, sha256, size, media_type) VALUES (?, ?, ?, ?, ?) RETURNING id"),
                             {meeting, uploader.toLowerHex(), sha256, size, mediaType});
    if (!inserted)
        return storageFailed(inserted.error());
    if (!inserted->next())
        return storageFailed(DatabaseError{QStringLiteral("no id for the upload")});
    const qint64 id = inserted->value(0).toLongLong();
    m_uploads.insert(id, Upload{meeting, uploader, sha256, size, mediaType, 0, std::make_shared<crypto::Sha256Stream>()});
    qCInfo(lcRelayImages) << "upload" << id << "of" << size << "bytes begun for meeting" << meeting;
    return Begun{id, false};
}

Expected<qint64, protocol::ProtocolError> ImageStore::append(qint64 id, const crypto::Address &uploader, qint64 offset, const QByteArray &bytes)
{
    auto upload = uploadOf(id, uploader);
    if (!upload)
        return unexpected(upload.error());
    Upload &state = **upload;
    if (offset != state.received)
        return fail(ErrorCode::BadRequest, QStringLiteral("the next chunk starts at byte %1, not %2").arg(state.received).arg(offset));
    if (bytes.isEmpty() || bytes.size() > maxImageChunkBytes)
        return fail(ErrorCode::BadRequest, QStringLiteral("a chunk has 1 to %1 bytes").arg(maxImageChunkBytes));
    if (state.received + bytes.size() > state.size)
        return fail(ErrorCode::BadRequest, QStringLiteral("the upload declared %1 bytes; this chunk goes past them").arg(state.size));
    if (offset == 0) {
        // The first bytes say what the file is: a relay keeps no file of another type under an image's name.
        const auto sniffed = protocol::sniffImageMediaType(QByteArrayView(bytes).first(std::min<qsizetype>(bytes.size(), protocol::imageSniffBytes)));
        if (sniffed != state.mediaType)
            return fail(ErrorCode::UnsupportedMediaType, QStringLiteral("the file's first bytes are not those of %1").arg(state.mediaType));
    }
    auto stored = m_db.run(QStringLiteral("INSERT INTO image_chunks(upload, first_byte, bytes) VALUES (?, ?, ?)"), {id, offset, bytes});
    if (!stored)
        return storageFailed(stored.error());
    state.hash->addData(bytes);
    state.received += bytes.size();
    return state.received;
}

Expected<Ok, protocol::ProtocolError> ImageStore::finish(qint64 id, const crypto::Address &uploader, qint64 now)
{
    auto upload = uploadOf(id, uploader);
    if (!upload)
        return unexpected(upload.error());
    const Upload state = **upload;
    if (state.received != state.size)
        return fail(ErrorCode::BadRequest, QStringLiteral("the upload has %1 of its %2 bytes").arg(state.received).arg(state.size));
    m_uploads.remove(id);
    const QByteArray received = state.hash->result();
    if (received != state.sha256) {
        if (auto removed = remove(id); !removed)
            return storageFailed(removed.error());
        return fail(ErrorCode::ImageHashMismatch, QStringLiteral("the bytes received hash to %1, not to the declared %2; nothing was stored")
                                                      .arg(hex::encode(received), hex::encode(state.sha256)));
    }
    auto stored = m_db.run(QStringLiteral("UPDATE image_uploads SET stored_at = ? WHERE id = ?"), {now, id});
    if (!stored)
        return storageFailed(stored.error());
    qCInfo(lcRelayImages) << "image" << hex::encode(state.sha256) << "of" << state.size << "bytes stored for meeting" << state.meeting;
    return Ok{};
}

Expected<std::optional<ImageStore::Stored>, DatabaseError> ImageStore::find(const QString &meeting, const QByteArray &sha256)
{
    auto row = m_db.run(QStringLiteral("SELECT size, media_type FROM image_uploads WHERE meeting = ? AND sha256 = ? AND stored_at IS NOT NULL"),
                        {meeting, sha256});
    if (!row)
        return unexpected(row.error());
    if (!row->next())
        return std::optional<Stored>();
    return std::optional<Stored>(Stored{row->value(0).toLongLong(), row->value(1).toString()});
}

Expected<ImageStore::Chunk, protocol::ProtocolError> ImageStore::read(const QString &meeting, const QByteArray &sha256, qint64 offset, qint64 length)
{
    auto upload = m_db.run(QStringLiteral("SELECT id, size, media_type FROM image_uploads WHERE meeting = ? AND sha256 = ? AND stored_at IS NOT NULL"),
                           {meeting, sha256});
    if (!upload)
        return storageFailed(upload.error());
    if (!upload->next())
        return fail(ErrorCode::ImageNotStored, QStringLiteral("this meeting has no image %1").arg(hex::encode(sha256)));
    const qint64 id = upload->value(0).toLongLong();
    const qint64 size = upload->value(1).toLongLong();
    const QString mediaType = upload->value(2).toString();
    if (offset < 0 || offset >= size)
        return fail(ErrorCode::BadRequest, QStringLiteral("the image has %1 bytes: offset %2 is outside it").arg(size).arg(offset));
    const qint64 end = std::min(size, offset + std::min(length, maxImageChunkBytes));
    // The chunks that overlap [offset, end): the last one starting at or before offset, and those after it.
    auto chunks = m_db.run(QStringLiteral("SELECT first_byte, bytes FROM image_chunks WHERE upload = ? AND first_byte < ? AND first_byte >= "
                                          "(SELECT MAX(first_byte) FROM image_chunks WHERE upload = ? AND first_byte <= ?) ORDER BY first_byte"),
                           {id, end, id, offset});
    if (!chunks)
        return storageFailed(chunks.error());
    QByteArray out;
    out.reserve(end - offset);
    while (chunks->next()) {
        const qint64 first = chunks->value(0).toLongLong();
        const QByteArray bytes = chunks->value(1).toByteArray();
        const qint64 from = std::max(offset, first);
        const qint64 to = std::min(end, first + bytes.size());
        if (from < to)
            out.append(bytes.constData() + (from - first), to - from);
    }
    if (out.size() != end - offset)
        return fail(ErrorCode::InternalError, QStringLiteral("the stored image %1 is incomplete").arg(hex::encode(sha256)));
    return Chunk{out, Stored{size, mediaType}};
}

Expected<ImageStore::Upload *, protocol::ProtocolError> ImageStore::uploadOf(qint64 id, const crypto::Address &uploader)
{
    const auto it = m_uploads.find(id);
    if (it == m_uploads.end() || it->uploader != uploader)
        return fail(ErrorCode::UnknownUpload, QStringLiteral("no upload %1 of yours is in progress: begin it again").arg(id));
    return &*it;
}

Expected<qint64, DatabaseError> ImageStore::bytesOfMeeting(const QString &meeting)
{
    auto stored = m_db.run(QStringLiteral("SELECT COALESCE(SUM(size), 0) FROM image_uploads WHERE meeting = ? AND stored_at IS NOT NULL"), {meeting});
    if (!stored)
        return unexpected(stored.error());
    qint64 bytes = stored->next() ? stored->value(0).toLongLong() : 0;
    for (const Upload &upload : std::as_const(m_uploads))
        if (upload.meeting == meeting)
            bytes += upload.size;
    return bytes;
}

Expected<Ok, DatabaseError> ImageStore::remove(qint64 upload)
{
    if (auto chunks = m_db.run(QStringLiteral("DELETE FROM image_chunks WHERE upload = ?"), {upload}); !chunks)
        return unexpected(chunks.error());
    if (auto row = m_db.run(QStringLiteral("DELETE FROM image_uploads WHERE id = ?"), {upload}); !row)
        return unexpected(row.error());
    return Ok{};
}

} // namespace cmeet::relay
