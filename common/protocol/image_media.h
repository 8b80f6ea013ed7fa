#pragma once
// The kinds of image a meeting can show (DESIGN.md §10) and how to tell them from their bytes.
// The relay refuses an upload whose first bytes are not of the declared type; the app uses the
// same test to pick the viewer.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>
#include <optional>

namespace cmeet::protocol {

inline constexpr auto dicomMediaType = "application/dicom";
inline constexpr auto pngMediaType = "image/png";
inline constexpr auto jpegMediaType = "image/jpeg";

// One of the three types an image event may name.
[[nodiscard]] bool isImageMediaType(QStringView mediaType);

// The type a file's first bytes show (DICOM: "DICM" after the 128-byte preamble; PNG and JPEG:
// their signatures), or nothing. 132 bytes are enough.
[[nodiscard]] std::optional<QString> sniffImageMediaType(QByteArrayView head);
inline constexpr qsizetype imageSniffBytes = 132;

class Event;
// The 32-byte SHA-256 an image event names (empty if the event has none).
[[nodiscard]] QByteArray imageSha256(const Event &imageEvent);

} // namespace cmeet::protocol
