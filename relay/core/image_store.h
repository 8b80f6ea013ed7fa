#pragma once
// Images shown in meetings (DESIGN.md §10, docs/relay-protocol.md §4.1). The host uploads a file's
// bytes in chunks before its image event; once the bytes hash to what the upload declared they
// are stored for the meeting under their SHA-256, and only then can an image event name them.
// Uploads are rows of the relay's database, written in the batch's transaction like everything
// else: a killed relay leaves at most an unfinished upload, which no event can name and which
// the next start deletes.

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "protocol/error.h"
#include "relay/core/relay_database.h"

#include <QHash>
#include <memory>
#include <optional>

namespace cmeet::relay {

struct ImageLimits {
    qint64 perFile = 64LL * 1024 * 1024;
    qint64 perMeeting = 1024LL * 1024 * 1024; // stored and uploading together
};

// The most bytes one image.chunk carries (and one image.get returns): base64 of it stays well
// inside the relay's 2 MiB message limit, and one chunk is a few milliseconds of the relay's time.
inline constexpr qint64 maxImageChunkBytes = 1024 * 1024;

class ImageStore {
public:
    ImageStore(RelayDatabase &database, ImageLimits limits) : m_db(database), m_limits(limits) {}

    // Deletes what a previous run left unfinished (at start, before any request).
    [[nodiscard]] Expected<Ok, DatabaseError> dropUnfinished();

    struct Begun {
        qint64 upload = 0;   // 0 when the meeting has these bytes already
        bool stored = false;
    };
    // A new upload by the meeting's host. Replaces the uploader's unfinished upload of the same
    // bytes, if any (a client that lost its connection starts again).
    [[nodiscard]] Expected<Begun, protocol::ProtocolError> begin(const QString &meeting, const crypto::Address &uploader,
                                                                 const QByteArray &sha256, qint64 size, const QString &mediaType);
    // The next chunk, at exactly the offset received so far. Returns the bytes received.
    [[nodiscard]] Expected<qint64, protocol::ProtocolError> append(qint64 upload, const crypto::Address &uploader, qint64 offset,
                                                                   const QByteArray &bytes);
    // Checks the whole file against its declared SHA-256 and stores it for the meeting; a
    // mismatch deletes the upload (nothing stored).
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> finish(qint64 upload, const crypto::Address &uploader, qint64 now);

    struct Stored {
        qint64 size = 0;
        QString mediaType;
    };
    // The meeting's stored image with these bytes, if any.
    [[nodiscard]] Expected<std::optional<Stored>, DatabaseError> find(const QString &meeting, const QByteArray &sha256);
    // Up to maxImageChunkBytes of a stored image from offset, with the image's size and type.
    struct Chunk {
        QByteArray bytes;
        Stored image;
    };
    [[nodiscard]] Expected<Chunk, protocol::ProtocolError> read(const QString &meeting, const QByteArray &sha256, qint64 offset,
                                                                     qint64 length);

    // After a refused batch: the uploads' hashing may be ahead of what the database kept, so
    // their uploaders start again (unknown_upload).
    void forgetUploadsInProgress() { m_uploads.clear(); }

private:
    struct Upload {
        QString meeting;
        crypto::Address uploader;
        QByteArray sha256;
        qint64 size = 0;
        QString mediaType;
        qint64 received = 0;
        std::shared_ptr<crypto::Sha256Stream> hash; // over the bytes received so far
    };
    [[nodiscard]] Expected<Upload *, protocol::ProtocolError> uploadOf(qint64 id, const crypto::Address &uploader);
    [[nodiscard]] Expected<qint64, DatabaseError> bytesOfMeeting(const QString &meeting);
    [[nodiscard]] Expected<Ok, DatabaseError> remove(qint64 upload);

    RelayDatabase &m_db;
    ImageLimits m_limits;
    QHash<qint64, Upload> m_uploads; // in progress, by id
};

} // namespace cmeet::relay
