#pragma once
// Hex encoding as used on the wire: "0x" followed by lowercase hex digits.

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1StringView>
#include <QString>
#include <optional>

namespace cmeet::hex {

// "0x" + lowercase hex.
[[nodiscard]] QString encode(QByteArrayView bytes);

// Accepts "0x" + hex digits (either case) of exactly expectedBytes bytes (any even length when
// expectedBytes < 0). Returns nullopt on anything else.
[[nodiscard]] std::optional<QByteArray> decode(QStringView text, qsizetype expectedBytes = -1);

// Same, but only lowercase digits: the single canonical form used inside events.
[[nodiscard]] std::optional<QByteArray> decodeLowercase(QStringView text, qsizetype expectedBytes = -1);
// The same for bytes read as Latin-1 (an event's canonical bytes), without a QString.
[[nodiscard]] std::optional<QByteArray> decodeLowercase(QLatin1StringView text, qsizetype expectedBytes = -1);

} // namespace cmeet::hex
