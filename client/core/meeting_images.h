#pragma once
// Images shown in a meeting, as a client moves them (docs/relay-protocol.md §4.1): the host's
// upload before the image event, and every member's download of the bytes its log's image
// events name into the meeting file, checked against the event. Blocking, one request at a time
// (cmeet-cli, exports, tests); the app runs the same steps asynchronously.

#include "client/core/meeting_export.h"
#include "protocol/event.h"

#include <QByteArray>
#include <QString>
#include <functional>

namespace cmeet::store {
class MeetingFile;
}

namespace cmeet::client {

// Bytes done and the total, as they go.
using ImageProgress = std::function<void(qint64 done, qint64 total)>;

// Uploads a file's bytes for the meeting (nothing if the relay has them already). The media
// type comes from the bytes (DICOM, PNG or JPEG) or the upload is refused here. Returns the
// content of the image event that shows it: patient, sha256, size, mediaType and caption.
[[nodiscard]] Expected<QJsonObject, QString> uploadImage(const RelayCall &call, const QString &meetingId, const QByteArray &bytes,
                                                         const QString &patient, const QString &caption, const ImageProgress &progress = {});

// Downloads the bytes of every image event in events that the file does not hold yet, checks
// them against the event (SHA-256, size, media type) and keeps them in the file. Returns how
// many were fetched; a relay that sends other bytes is an error, and nothing of them is kept.
[[nodiscard]] Expected<int, QString> fetchImages(const RelayCall &call, store::MeetingFile &file, const QList<protocol::Event> &events,
                                                 const ImageProgress &progress = {});

// The image's bytes match what its event names.
[[nodiscard]] bool imageMatches(const protocol::Event &imageEvent, const QString &mediaType, const QByteArray &bytes);

} // namespace cmeet::client
