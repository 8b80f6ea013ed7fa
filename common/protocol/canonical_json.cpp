#include "protocol/canonical_json.h"

#include "protocol/error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <array>
#include <cmath>

namespace cmeet::protocol::json {
namespace {

// Decodes one UTF-8 sequence starting at bytes[i]; returns its length or 0 when invalid
// (overlong forms, surrogates and values above U+10FFFF are invalid).
int utf8SequenceLength(QByteArrayView bytes, qsizetype i)
{
    const auto byte = [&](qsizetype k) { return static_cast<unsigned char>(bytes[k]); };
    const unsigned char lead = byte(i);
    int length = 0;
    char32_t codePoint = 0;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        codePoint = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        codePoint = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        codePoint = lead & 0x07u;
    } else {
        return 0;
    }
    if (i + length > bytes.size())
        return 0;
    for (int k = 1; k < length; ++k) {
        const unsigned char continuation = byte(i + k);
        if ((continuation & 0xc0u) != 0x80u)
            return 0;
        codePoint = (codePoint << 6) | (continuation & 0x3fu);
    }
    const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
    const bool surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
    if (overlong || surrogate || codePoint > 0x10ffff)
        return 0;
    return length;
}

// ASCII characters a string holds raw: printable, not '"' and not '\\'.
constexpr std::array<bool, 256> standsForItself = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x80; ++c)
        table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return table;
}();

// The escape canonical form uses for a character, or nullptr when it is written raw.
const char *shortEscape(char16_t c)
{
    switch (c) {
    case u'"': return "\\\"";
    case u'\\': return "\\\\";
    case u'\b': return "\\b";
    case u'\t': return "\\t";
    case u'\n': return "\\n";
    case u'\f': return "\\f";
    case u'\r': return "\\r";
    default: return nullptr;
    }
}

bool lessByUtf16(const QString &a, const QString &b)
{
    const QStringView left(a);
    const QStringView right(b);
    return std::lexicographical_compare(left.utf16(), left.utf16() + left.size(), right.utf16(), right.utf16() + right.size());
}

// Checks every rule of canonical form and, when building, makes the value. Checking alone
// allocates nothing (strings stay where they are in the input): parseCanonical checks first and
// leaves the building to Qt's own parser, four times faster than QJsonObject::insert one member at
// a time. Both modes run the same code, so they accept exactly the same inputs.
class Parser {
public:
    enum class Mode { Check, Build };
    Parser(QByteArrayView input, Mode mode) : m_input(input), m_build(mode == Mode::Build) {}
    // Every object key seen was ASCII without escapes (they sort the same in every order).
    [[nodiscard]] bool plainKeys() const { return m_plainKeys; }

    Expected<QJsonValue, JsonError> parseDocument()
    {
        if (m_input.isEmpty())
            return fail(JsonErrorCode::Empty, QStringLiteral("empty input"));
        auto value = parseValue(0);
        if (!value)
            return value;
        if (m_pos != m_input.size())
            return isWhitespace(m_input[m_pos])
                ? fail(JsonErrorCode::Whitespace, QStringLiteral("whitespace after the value"))
                : fail(JsonErrorCode::TrailingData, QStringLiteral("unexpected data after the value"));
        return value;
    }

private:
    static bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    Unexpected<JsonError> fail(JsonErrorCode code, const QString &what) const
    {
        return unexpected(JsonError{code, m_pos, what + QStringLiteral(" at byte %1").arg(m_pos)});
    }

    Unexpected<JsonError> failUnexpected() const
    {
        if (m_pos >= m_input.size())
            return fail(JsonErrorCode::UnexpectedCharacter, QStringLiteral("unexpected end of input"));
        if (isWhitespace(m_input[m_pos]))
            return fail(JsonErrorCode::Whitespace, QStringLiteral("whitespace is not allowed"));
        return fail(JsonErrorCode::UnexpectedCharacter, QStringLiteral("unexpected character"));
    }

    bool consume(char expected)
    {
        if (m_pos < m_input.size() && m_input[m_pos] == expected) {
            ++m_pos;
            return true;
        }
        return false;
    }

    Expected<QJsonValue, JsonError> parseValue(int depth)
    {
        if (m_pos >= m_input.size())
            return failUnexpected();
        switch (m_input[m_pos]) {
        case '{': return parseObject(depth + 1);
        case '[': return parseArray(depth + 1);
        case '"': {
            auto text = parseString();
            if (!text)
                return unexpected(text.error());
            return m_build ? QJsonValue(*text) : QJsonValue();
        }
        case 't': return parseLiteral("true", QJsonValue(true));
        case 'f': return parseLiteral("false", QJsonValue(false));
        case 'n': return parseLiteral("null", QJsonValue(QJsonValue::Null));
        default: return parseNumber();
        }
    }

    Expected<QJsonValue, JsonError> parseLiteral(QByteArrayView literal, QJsonValue value)
    {
        if (m_input.sliced(m_pos).startsWith(literal)) {
            m_pos += literal.size();
            return value;
        }
        return failUnexpected();
    }

    Expected<QJsonValue, JsonError> parseNumber()
    {
        const qsizetype start = m_pos;
        const bool negative = consume('-');
        const qsizetype digitsStart = m_pos;
        while (m_pos < m_input.size() && m_input[m_pos] >= '0' && m_input[m_pos] <= '9')
            ++m_pos;
        const qsizetype digitCount = m_pos - digitsStart;
        if (digitCount == 0) {
            return failUnexpected();
        }
        if (m_pos < m_input.size() && (m_input[m_pos] == '.' || m_input[m_pos] == 'e' || m_input[m_pos] == 'E'))
            return fail(JsonErrorCode::Float, QStringLiteral("a fraction or exponent (only integers are allowed)"));
        if (digitCount > 1 && m_input[digitsStart] == '0') {
            m_pos = digitsStart;
            return fail(JsonErrorCode::LeadingZero, QStringLiteral("an integer with a leading zero"));
        }
        if (negative && digitCount == 1 && m_input[digitsStart] == '0') {
            m_pos = start;
            return fail(JsonErrorCode::NegativeZero, QStringLiteral("-0 (canonical zero is 0)"));
        }
        qint64 magnitude = 0;
        for (qsizetype k = digitsStart; k < m_pos; ++k) {
            magnitude = magnitude * 10 + (m_input[k] - '0');
            if (magnitude > maxSafeInteger) {
                m_pos = start;
                return fail(JsonErrorCode::IntegerOutOfRange, QStringLiteral("an integer outside +-(2^53-1)"));
            }
        }
        return QJsonValue(negative ? -magnitude : magnitude);
    }

    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    // The string's value when building; an empty QString when checking.
    Expected<QString, JsonError> parseString()
    {
        ++m_pos; // opening quote
        QByteArray unescaped; // filled only once an escape is met: most strings have none
        while (true) {
            // A run of characters that stand for themselves, taken at once.
            const qsizetype runStart = m_pos;
            // Plain ASCII first, the bulk of every id, address and signature, a table lookup a byte.
            const char *const data = m_input.data();
            while (m_pos < m_input.size() && standsForItself[static_cast<unsigned char>(data[m_pos])])
                ++m_pos;
            while (m_pos < m_input.size()) {
                const auto c = static_cast<unsigned char>(m_input[m_pos]);
                if (c == '"' || c == '\\' || c < 0x20)
                    break;
                const int length = c < 0x80 ? 1 : utf8SequenceLength(m_input, m_pos);
                if (length == 0)
                    return fail(JsonErrorCode::InvalidUtf8, QStringLiteral("invalid UTF-8"));
                m_pos += length;
            }
            const QByteArrayView run = m_input.sliced(runStart, m_pos - runStart);
            if (m_pos >= m_input.size())
                return fail(JsonErrorCode::UnterminatedString, QStringLiteral("unterminated string"));
            const auto c = static_cast<unsigned char>(m_input[m_pos]);
            if (c == '"') {
                ++m_pos;
                if (!m_build)
                    return QString();
                return unescaped.isEmpty() ? QString::fromUtf8(run) : QString::fromUtf8(unescaped.append(run));
            }
            if (c < 0x20)
                return fail(JsonErrorCode::ControlCharacter,
                            QStringLiteral("a raw control character U+%1 in a string (must be escaped)")
                                .arg(c, 4, 16, QLatin1Char('0')));
            auto character = parseEscape();
            if (!character)
                return unexpected(character.error());
            if (m_build)
                unescaped.append(run).append(*character); // never empty after an escape
        }
    }

    // Returns the escaped character; m_pos is past the escape afterwards.
    Expected<char, JsonError> parseEscape()
    {
        if (m_pos + 1 >= m_input.size())
            return fail(JsonErrorCode::UnterminatedString, QStringLiteral("unterminated string"));
        const char kind = m_input[m_pos + 1];
        switch (kind) {
        case '"': m_pos += 2; return '"';
        case '\\': m_pos += 2; return '\\';
        case 'b': m_pos += 2; return '\b';
        case 't': m_pos += 2; return '\t';
        case 'n': m_pos += 2; return '\n';
        case 'f': m_pos += 2; return '\f';
        case 'r': m_pos += 2; return '\r';
        case '/':
            return fail(JsonErrorCode::NonMinimalEscape, QStringLiteral("the escape \\/ (canonical form writes / raw)"));
        case 'u': break;
        default:
            return fail(JsonErrorCode::InvalidEscape, QStringLiteral("an unknown escape sequence"));
        }
        if (m_pos + 6 > m_input.size())
            return fail(JsonErrorCode::InvalidEscape, QStringLiteral("a truncated \\u escape"));
        int value = 0;
        bool uppercase = false;
        for (int k = 2; k < 6; ++k) {
            const char digit = m_input[m_pos + k];
            const int nibble = hexDigit(digit);
            if (nibble < 0)
                return fail(JsonErrorCode::InvalidEscape, QStringLiteral("a \\u escape with a non-hex digit"));
            uppercase = uppercase || (digit >= 'A' && digit <= 'F');
            value = value * 16 + nibble;
        }
        if (value >= 0x20 || shortEscape(static_cast<char16_t>(value)) != nullptr)
            return fail(JsonErrorCode::NonMinimalEscape,
                        QStringLiteral("the escape \\u%1 (canonical form writes this character %2)")
                            .arg(value, 4, 16, QLatin1Char('0'))
                            .arg(value >= 0x20 ? QStringLiteral("raw") : QStringLiteral("with its short escape")));
        if (uppercase)
            return fail(JsonErrorCode::NonMinimalEscape, QStringLiteral("uppercase hex in a \\u escape"));
        m_pos += 6;
        return static_cast<char>(value);
    }

    Expected<QJsonValue, JsonError> parseArray(int depth)
    {
        if (depth > maxDepth)
            return fail(JsonErrorCode::TooDeep, QStringLiteral("nesting deeper than %1").arg(maxDepth));
        ++m_pos; // [
        QJsonArray array;
        if (consume(']'))
            return m_build ? QJsonValue(array) : QJsonValue();
        while (true) {
            auto element = parseValue(depth);
            if (!element)
                return element;
            if (m_build)
                array.append(*element);
            if (consume(']'))
                return m_build ? QJsonValue(array) : QJsonValue();
            if (!consume(','))
                return failUnexpected();
        }
    }

    Expected<QJsonValue, JsonError> parseObject(int depth)
    {
        if (depth > maxDepth)
            return fail(JsonErrorCode::TooDeep, QStringLiteral("nesting deeper than %1").arg(maxDepth));
        ++m_pos; // {
        QJsonObject object;
        if (consume('}'))
            return m_build ? QJsonValue(object) : QJsonValue();
        QString previousKey;
        QByteArrayView previousKeyBytes; // checking: the key before, quotes included
        while (true) {
            if (m_pos >= m_input.size() || m_input[m_pos] != '"')
                return failUnexpected();
            const qsizetype keyStart = m_pos;
            auto key = parseString();
            if (!key)
                return unexpected(key.error());
            // Keys in strictly increasing order cannot repeat: only a key out of order is looked up.
            const QByteArrayView keyBytes = m_input.sliced(keyStart, m_pos - keyStart);
            m_plainKeys = m_plainKeys && isPlainAscii(keyBytes);
            if (!previousKeyBytes.isNull() && !(m_build ? lessByUtf16(previousKey, *key) : keyFollows(previousKeyBytes, keyBytes))) {
                m_pos = keyStart;
                if (!m_build)
                    return fail(JsonErrorCode::KeyOrder, QStringLiteral("a key out of order")); // parseCanonical says which rule
                if (object.contains(*key))
                    return fail(JsonErrorCode::DuplicateKey, QStringLiteral("duplicate key %1").arg(quoted(*key)));
                return fail(JsonErrorCode::KeyOrder,
                            QStringLiteral("key %1 after %2 (keys must be sorted by UTF-16 code units)")
                                .arg(quoted(*key), quoted(previousKey)));
            }
            if (!consume(':'))
                return failUnexpected();
            auto value = parseValue(depth);
            if (!value)
                return value;
            if (m_build) {
                object.insert(*key, *value);
                previousKey = *key;
            }
            previousKeyBytes = keyBytes;
            if (consume('}'))
                return m_build ? QJsonValue(object) : QJsonValue();
            if (!consume(','))
                return failUnexpected();
        }
    }

    // Checking: does key sort after previous (both valid strings, quotes included)? Plain ASCII
    // keys, nearly all, compare as bytes; others are decoded to compare their UTF-16 code units,
    // as building does.
    bool keyFollows(QByteArrayView previous, QByteArrayView key) const
    {
        if (isPlainAscii(previous) && isPlainAscii(key)) { // without the quotes: '"' sorts after ' ' and '!'
            const QByteArrayView left = previous.sliced(1, previous.size() - 2);
            const QByteArrayView right = key.sliced(1, key.size() - 2);
            return std::lexicographical_compare(left.begin(), left.end(), right.begin(), right.end());
        }
        const auto decoded = [](QByteArrayView quoted) { return Parser(quoted, Mode::Build).parseString().value_or(QString()); };
        return lessByUtf16(decoded(previous), decoded(key));
    }

    static bool isPlainAscii(QByteArrayView text)
    {
        return std::all_of(text.begin(), text.end(), [](char c) { return c != '\\' && static_cast<unsigned char>(c) < 0x80; });
    }

    QByteArrayView m_input;
    bool m_build = true;
    bool m_plainKeys = true;
    qsizetype m_pos = 0;
};

Unexpected<JsonError> unsupported(const QString &what)
{
    return unexpected(JsonError{JsonErrorCode::UnsupportedValue, -1, what});
}

bool appendString(QByteArray &out, const QString &text)
{
    out.append('"');
    const char16_t *units = QStringView(text).utf16();
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = units[i];
        if (QChar::isHighSurrogate(c) && (i + 1 >= text.size() || !QChar::isLowSurrogate(units[i + 1])))
            return false;
        if (QChar::isLowSurrogate(c) && (i == 0 || !QChar::isHighSurrogate(units[i - 1])))
            return false;
    }
    const QByteArray utf8 = text.toUtf8();
    for (const char byte : utf8) {
        const auto c = static_cast<unsigned char>(byte);
        if (const char *escape = shortEscape(c)) {
            out.append(escape);
        } else if (c < 0x20) {
            static constexpr char digits[] = "0123456789abcdef";
            out.append("\\u00");
            out.append(digits[c >> 4]);
            out.append(digits[c & 0x0f]);
        } else {
            out.append(byte);
        }
    }
    out.append('"');
    return true;
}

// depth: how many arrays and objects enclose value.
Expected<Ok, JsonError> appendValue(QByteArray &out, const QJsonValue &value, int depth)
{
    if ((value.isArray() || value.isObject()) && depth + 1 > maxDepth)
        return unexpected(JsonError{JsonErrorCode::TooDeep, -1, QStringLiteral("nesting deeper than %1").arg(maxDepth)});
    switch (value.type()) {
    case QJsonValue::Null: out.append("null"); break;
    case QJsonValue::Bool: out.append(value.toBool() ? "true" : "false"); break;
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (!std::isfinite(number) || std::trunc(number) != number)
            return unsupported(QStringLiteral("a non-integer number (only integers are allowed)"));
        const qint64 integer = value.toInteger();
        if (integer > maxSafeInteger || integer < -maxSafeInteger || static_cast<double>(integer) != number)
            return unsupported(QStringLiteral("an integer outside +-(2^53-1)"));
        out.append(QByteArray::number(integer));
        break;
    }
    case QJsonValue::String:
        if (!appendString(out, value.toString()))
            return unexpected(JsonError{JsonErrorCode::InvalidUtf8, -1, QStringLiteral("a string with a lone UTF-16 surrogate")});
        break;
    case QJsonValue::Array: {
        out.append('[');
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (i > 0)
                out.append(',');
            if (auto ok = appendValue(out, array.at(i), depth + 1); !ok)
                return ok;
        }
        out.append(']');
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        QStringList keys = object.keys();
        std::sort(keys.begin(), keys.end(), lessByUtf16);
        out.append('{');
        for (qsizetype i = 0; i < keys.size(); ++i) {
            if (i > 0)
                out.append(',');
            if (!appendString(out, keys.at(i)))
                return unexpected(JsonError{JsonErrorCode::InvalidUtf8, -1, QStringLiteral("a key with a lone UTF-16 surrogate")});
            out.append(':');
            if (auto ok = appendValue(out, object.value(keys.at(i)), depth + 1); !ok)
                return ok;
        }
        out.append('}');
        break;
    }
    case QJsonValue::Undefined:
        return unsupported(QStringLiteral("an undefined value"));
    }
    return Ok{};
}

} // namespace

QString codeName(JsonErrorCode code)
{
    switch (code) {
    case JsonErrorCode::Empty: return QStringLiteral("empty");
    case JsonErrorCode::Whitespace: return QStringLiteral("whitespace");
    case JsonErrorCode::UnexpectedCharacter: return QStringLiteral("unexpected_character");
    case JsonErrorCode::TrailingData: return QStringLiteral("trailing_data");
    case JsonErrorCode::UnterminatedString: return QStringLiteral("unterminated_string");
    case JsonErrorCode::ControlCharacter: return QStringLiteral("control_character");
    case JsonErrorCode::InvalidEscape: return QStringLiteral("invalid_escape");
    case JsonErrorCode::NonMinimalEscape: return QStringLiteral("non_minimal_escape");
    case JsonErrorCode::InvalidUtf8: return QStringLiteral("invalid_utf8");
    case JsonErrorCode::Float: return QStringLiteral("float");
    case JsonErrorCode::LeadingZero: return QStringLiteral("leading_zero");
    case JsonErrorCode::NegativeZero: return QStringLiteral("negative_zero");
    case JsonErrorCode::IntegerOutOfRange: return QStringLiteral("integer_out_of_range");
    case JsonErrorCode::DuplicateKey: return QStringLiteral("duplicate_key");
    case JsonErrorCode::KeyOrder: return QStringLiteral("key_order");
    case JsonErrorCode::TooDeep: return QStringLiteral("too_deep");
    case JsonErrorCode::UnsupportedValue: return QStringLiteral("unsupported_value");
    }
    return QStringLiteral("unknown");
}

Expected<QJsonValue, JsonError> parseCanonical(QByteArrayView bytes)
{
    Parser checker(bytes, Parser::Mode::Check);
    if (!checker.parseDocument())
        return parseCanonicalByBuilding(bytes); // the same rules: the same failure, with its exact rule and words
    if (bytes.front() != '{' && bytes.front() != '[')
        return parseCanonicalByBuilding(bytes); // a lone string, number or literal: nothing to gain
    // Qt's parser orders an object's keys by code point, not by UTF-16 code units as
    // QJsonObject::insert and lookups do: beyond ASCII keys (events have none) the object it
    // makes is not the one building makes.
    if (!checker.plainKeys())
        return parseCanonicalByBuilding(bytes);
    return parseCheckedPart(bytes);
}

bool isCanonicalWithPlainKeys(QByteArrayView bytes)
{
    Parser checker(bytes, Parser::Mode::Check);
    return checker.parseDocument().hasValue() && checker.plainKeys();
}

Expected<QJsonValue, JsonError> parseCheckedPart(QByteArrayView part)
{
    // Everything else in canonical JSON (integers within 2^53, escapes, any string) Qt reads
    // exactly as building does; test_canonical_json and fuzz_canonical_json compare the two.
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromRawData(part.data(), part.size()), &error);
    if (error.error != QJsonParseError::NoError)
        return parseCanonicalByBuilding(part);
    return document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
}

bool isCanonical(QByteArrayView bytes)
{
    return Parser(bytes, Parser::Mode::Check).parseDocument().hasValue();
}

Expected<QJsonValue, JsonError> parseCanonicalByBuilding(QByteArrayView bytes)
{
    return Parser(bytes, Parser::Mode::Build).parseDocument();
}

Expected<QByteArray, JsonError> serialize(const QJsonValue &value)
{
    QByteArray out;
    if (auto ok = appendValue(out, value, 0); !ok)
        return unexpected(ok.error());
    return out;
}

} // namespace cmeet::protocol::json
