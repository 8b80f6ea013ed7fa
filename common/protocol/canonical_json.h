#pragma once
// Canonical JSON (DESIGN.md §3): RFC 8785 (JCS) restricted to strings, integers in
// +-(2^53-1), booleans, null, arrays and objects. Exactly one byte encoding per value:
// no whitespace, object keys sorted by UTF-16 code units without duplicates, integers without
// sign on zero, leading zeros, fraction or exponent, strings as raw UTF-8 with only the
// mandatory escapes (\" \\ \b \t \n \f \r and \u00xx in lowercase for other controls).

#include "base/expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QString>

namespace cmeet::protocol::json {

inline constexpr qint64 maxSafeInteger = 9007199254740991; // 2^53 - 1
inline constexpr int maxDepth = 64;

enum class JsonErrorCode {
    Empty,               // no input
    Whitespace,          // whitespace between tokens
    UnexpectedCharacter, // not valid JSON at this point
    TrailingData,        // bytes after the value
    UnterminatedString,
    ControlCharacter,    // a raw control character inside a string (must be escaped)
    InvalidEscape,       // a malformed escape sequence
    NonMinimalEscape,    // an escape where canonical form has the raw character, or uppercase hex
    InvalidUtf8,         // invalid UTF-8, overlong form, surrogate, or lone surrogate in a string
    Float,               // a fraction or exponent: only integers are allowed
    LeadingZero,
    NegativeZero,
    IntegerOutOfRange,   // outside +-(2^53-1)
    DuplicateKey,
    KeyOrder,            // keys not sorted by UTF-16 code units
    TooDeep,             // nesting beyond maxDepth
    UnsupportedValue,    // (serialising) a non-integer or non-finite number, or undefined
};

struct JsonError {
    JsonErrorCode code;
    qsizetype offset = -1; // byte offset in the input, -1 when serialising
    QString detail;        // human-readable, names the rule and the position
};

[[nodiscard]] QString codeName(JsonErrorCode code);

// Parses bytes that must already be canonical; any deviation is an error naming the rule.
[[nodiscard]] Expected<QJsonValue, JsonError> parseCanonical(QByteArrayView bytes);
// The same, building the value one member at a time (slower): what parseCanonical is tested
// against.
[[nodiscard]] Expected<QJsonValue, JsonError> parseCanonicalByBuilding(QByteArrayView bytes);

// Whether bytes are canonical JSON (what parseCanonical accepts), without building the value.
[[nodiscard]] bool isCanonical(QByteArrayView bytes);
// Whether bytes are canonical JSON with only plain ASCII keys: then every object or array inside
// them is canonical too, and parseCheckedPart reads it as parseCanonical does without checking
// it again (an event's content, inside the event's bytes).
[[nodiscard]] bool isCanonicalWithPlainKeys(QByteArrayView bytes);
[[nodiscard]] Expected<QJsonValue, JsonError> parseCheckedPart(QByteArrayView part);

// Serialises a value canonically. Fails on values outside the allowed subset.
[[nodiscard]] Expected<QByteArray, JsonError> serialize(const QJsonValue &value);

} // namespace cmeet::protocol::json
