#include "client/core/meeting_images.h"

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "protocol/image_media.h"
#include "store/meeting_file.h"

#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcClientImages, "cmeet.client.images", QtInfoMsg)

namespace cmeet::client {

Expected<QJsonObject, QString> uploadImage(const RelayCall &call, const QString &meetingId, const QByteArray &bytes, const QString &patient,
                                           const QString &caption, const ImageProgress &progress)
{
    const auto mediaType = protocol::sniffImageMediaType(QByteArrayView(bytes).first(std::min(bytes.size(), protocol::imageSniffBytes)));
    if (!mediaType)
        return unexpected(QStringLiteral("the file is not a DICOM, PNG or JPEG image"));
    const QString sha256 = hex::encode(crypto::sha256(bytes));
    auto begun = call(QStringLiteral("image.begin"), {{QStringLiteral("meeting"), meetingId},
                                                      {QStringLiteral("sha256"), sha256},
                                                      {QStringLiteral("size"), bytes.size()},
                                                      {QStringLiteral("mediaType"), *mediaType}});
    if (!begun)
        return unexpected(begun.error());
    if (!begun->toObject().value(QStringLiteral("stored")).toBool()) {
        const qint64 upload = begun->toObject().value(QStringLiteral("upload")).toInteger();
        const qint64 chunkBytes = std::max<qint64>(1, begun->toObject().value(QStringLiteral("chunkBytes")).toInteger(256 * 1024));
        for (qint64 offset = 0; offset < bytes.size(); offset += chunkBytes) {
            auto sent = call(QStringLiteral("image.chunk"), {{QStringLiteral("upload"), upload},
                                                             {QStringLiteral("offset"), offset},
                                                             {QStringLiteral("data"), QString::fromLatin1(bytes.mid(offset, chunkBytes).toBase64())}});
            if (!sent)
                return unexpected(sent.error());
            if (progress)
                progress(std::min<qint64>(offset + chunkBytes, bytes.size()), bytes.size());
        }
        if (auto finished = call(QStringLiteral("image.finish"), {{QStringLiteral("upload"), upload}}); !finished)
            return unexpected(finished.error());
    }
    qCInfo(lcClientImages) << "image" << sha256 << "of" << bytes.size() << "bytes is on the relay";
    QJsonObject content{{QStringLiteral("patient"), patient},
                        {QStringLiteral("sha256"), sha256},
                        {QStringLiteral("size"), bytes.size()},
                        {QStringLiteral("mediaType"), *mediaType}};
    if (!caption.trimmed().isEmpty())
        content.insert(QStringLiteral("caption"), caption.trimmed());
    return content;
}

bool imageMatches(const protocol::Event &imageEvent, const QString &mediaType, const QByteArray &bytes)
{
    const QJsonObject &content = imageEvent.content();
    return imageEvent.type() == protocol::EventType::Image && content.value(QStringLiteral("mediaType")).toString() == mediaType
        && content.value(QStringLiteral("size")).toInteger() == bytes.size()
        && hex::encode(crypto::sha256(bytes)) == content.value(QStringLiteral("sha256")).toString();
}

Expected<int, QString> fetchImages(const RelayCall &call, store::MeetingFile &file, const QList<protocol::Event> &events,
                                   const ImageProgress &progress)
{
    int fetched = 0;
    for (const protocol::Event &event : events) {
        if (event.type() != protocol::EventType::Image)
            continue;
        const QJsonObject &content = event.content();
        const QString sha256 = content.value(QStringLiteral("sha256")).toString();
        const QByteArray hash = hex::decodeLowercase(sha256, 32).value_or(QByteArray());
        if (auto held = file.image(hash); held && *held)
            continue;
        const qint64 size = content.value(QStringLiteral("size")).toInteger();
        QByteArray bytes;
        QString mediaType;
        while (bytes.size() < size) {
            auto chunk = call(QStringLiteral("image.get"), {{QStringLiteral("meeting"), event.meeting()},
                                                            {QStringLiteral("sha256"), sha256},
                                                            {QStringLiteral("offset"), bytes.size()}});
            if (!chunk)
                return unexpected(QStringLiteral("image %1: %2").arg(sha256, chunk.error()));
            const QJsonObject answer = chunk->toObject();
            const auto data = base64::decode(answer.value(QStringLiteral("data")).toString().toLatin1());
            if (!data || data->isEmpty() || answer.value(QStringLiteral("offset")).toInteger() != bytes.size()
                || bytes.size() + data->size() > size)
                return unexpected(QStringLiteral("image %1: the relay's answer is not the next part of the file").arg(sha256));
            bytes += *data;
            mediaType = answer.value(QStringLiteral("mediaType")).toString();
            if (progress)
                progress(bytes.size(), size);
        }
        if (!imageMatches(event, mediaType, bytes))
            return unexpected(QStringLiteral("image %1: the relay sent bytes other than those the event names; they were not kept").arg(sha256));
        if (auto kept = file.putImage(hash, mediaType, bytes); !kept)
            return unexpected(kept.error().detail);
        ++fetched;
    }
    return fetched;
}

} // namespace cmeet::client
