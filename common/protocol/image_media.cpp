#include "protocol/image_media.h"

#include "base/hex.h"
#include "protocol/event.h"

namespace cmeet::protocol {

bool isImageMediaType(QStringView mediaType)
{
    return mediaType == QLatin1String(dicomMediaType) || mediaType == QLatin1String(pngMediaType)
        || mediaType == QLatin1String(jpegMediaType);
}

QByteArray imageSha256(const Event &imageEvent)
{
    return hex::decodeLowercase(imageEvent.content().value(QStringLiteral("sha256")).toString(), 32).value_or(QByteArray());
}

std::optional<QString> sniffImageMediaType(QByteArrayView head)
{
    if (head.size() >= 132 && head.sliced(128, 4) == QByteArrayView("DICM"))
        return QString::fromLatin1(dicomMediaType);
    if (head.startsWith(QByteArrayView("\x89PNG\r\n\x1a\n", 8)))
        return QString::fromLatin1(pngMediaType);
    if (head.startsWith(QByteArrayView("\xff\xd8\xff", 3)))
        return QString::fromLatin1(jpegMediaType);
    return std::nullopt;
}

} // namespace cmeet::protocol
