#pragma once
// Base64 (RFC 4648 §4, the standard alphabet with padding) as the wire carries image bytes. Our
// own decoder because it runs over every megabyte an image brings, where Qt's, which takes both
// alphabets and several options a character at a time, cost a third of the relay's time.

#include <QByteArray>
#include <QByteArrayView>
#include <optional>

namespace cmeet::base64 {

// The bytes of canonical base64 text: length a multiple of 4, '=' only as the last one or two
// characters, unused bits zero. Anything else (whitespace included) is nullopt.
[[nodiscard]] std::optional<QByteArray> decode(QByteArrayView text);

} // namespace cmeet::base64
