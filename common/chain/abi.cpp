#include "chain/abi.h"

#include "base/hex.h"
#include "crypto/keccak.h"

#include <QJsonArray>
#include <QStringDecoder>

#include <algorithm>
#include <limits>

namespace cmeet::chain::abi {
namespace {

constexpr int maxFixedArrayLength = 1 << 20;
constexpr qsizetype maxStaticSize = qsizetype{1} << 32; // keeps head arithmetic far from overflow

ChainError abiError(ErrorCode code, const QString &what)
{
    return ChainError{code, QStringLiteral("ABI: ") + what};
}

// Digits without a leading zero, value in [low, high]; -1 otherwise.
int parseSmallNumber(QStringView digits, int low, int high)
{
    if (digits.isEmpty() || digits.size() > 7 || digits[0] == u'0')
        return -1;
    int value = 0;
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return -1;
        value = value * 10 + (c.unicode() - u'0');
    }
    return value >= low && value <= high ? value : -1;
}

} // namespace

// Recursive descent over a type string. A friend of Type, so it can fill the private fields.
class TypeParser {
public:
    explicit TypeParser(QStringView text) : m_text(text) {}

    Expected<Type, ChainError> whole()
    {
        auto type = parseType(0);
        if (type && m_position != m_text.size())
            return unexpected(invalid());
        return type;
    }

    // Comma-separated types up to the end of the text (or up to ')' inside a tuple).
    Expected<QList<Type>, ChainError> list(int depth, bool insideTuple)
    {
        QList<Type> types;
        if (!insideTuple && m_text.isEmpty())
            return types;
        while (true) {
            auto type = parseType(depth);
            if (!type)
                return unexpected(type.error());
            types.append(std::move(*type));
            if (peek(u','))
                ++m_position;
            else
                break;
        }
        if (insideTuple) {
            if (!peek(u')'))
                return unexpected(invalid());
            ++m_position;
        } else if (m_position != m_text.size()) {
            return unexpected(invalid());
        }
        return types;
    }

private:
    ChainError invalid() const
    {
        return abiError(ErrorCode::InvalidType, QStringLiteral("cannot parse type \"") + m_text.left(80).toString()
                                                    + QStringLiteral("\""));
    }

    bool peek(char16_t c) const { return m_position < m_text.size() && m_text[m_position] == c; }

    Expected<Type, ChainError> parseType(int depth)
    {
        if (depth > maxTypeDepth)
            return unexpected(abiError(ErrorCode::InvalidType, QStringLiteral("type nested too deeply")));
        Type type;
        if (peek(u'(')) {
            ++m_position;
            auto members = list(depth + 1, true);
            if (!members)
                return unexpected(members.error());
            auto tuple = makeTuple(std::move(*members));
            if (!tuple)
                return tuple;
            type = std::move(*tuple);
        } else {
            auto elementary = parseElementary();
            if (!elementary)
                return elementary;
            type = std::move(*elementary);
        }
        while (peek(u'[')) {
            if (++depth > maxTypeDepth)
                return unexpected(abiError(ErrorCode::InvalidType, QStringLiteral("type nested too deeply")));
            const qsizetype close = m_text.indexOf(u']', m_position);
            if (close < 0)
                return unexpected(invalid());
            const QStringView digits = m_text.sliced(m_position + 1, close - m_position - 1);
            m_position = close + 1;
            if (digits.isEmpty()) {
                type = makeArray(std::move(type));
                continue;
            }
            const int length = parseSmallNumber(digits, 1, maxFixedArrayLength);
            if (length < 0)
                return unexpected(invalid());
            auto fixed = makeFixedArray(std::move(type), length);
            if (!fixed)
                return fixed;
            type = std::move(*fixed);
        }
        return type;
    }

    Expected<Type, ChainError> parseElementary()
    {
        const qsizetype start = m_position;
        while (m_position < m_text.size()
               && ((m_text[m_position] >= u'a' && m_text[m_position] <= u'z')
                   || (m_text[m_position] >= u'0' && m_text[m_position] <= u'9')))
            ++m_position;
        const QStringView word = m_text.sliced(start, m_position - start);
        Type type;
        if (word == u"address") {
            type.m_kind = Type::Kind::Address;
            type.m_size = 0;
        } else if (word == u"bool") {
            type.m_kind = Type::Kind::Bool;
            type.m_size = 0;
        } else if (word == u"string") {
            type.m_kind = Type::Kind::String;
            type.m_size = 0;
            type.m_dynamic = true;
        } else if (word == u"bytes") {
            type.m_kind = Type::Kind::Bytes;
            type.m_size = 0;
            type.m_dynamic = true;
        } else if (word.startsWith(u"bytes")) {
            const int size = parseSmallNumber(word.sliced(5), 1, 32);
            if (size < 0)
                return unexpected(invalid());
            type.m_kind = Type::Kind::FixedBytes;
            type.m_size = size;
        } else if (word == u"uint") {
            type.m_kind = Type::Kind::Uint;
            type.m_size = 256;
        } else if (word.startsWith(u"uint")) {
            const int bits = parseSmallNumber(word.sliced(4), 8, 256);
            if (bits < 0 || bits % 8 != 0)
                return unexpected(invalid());
            type.m_kind = Type::Kind::Uint;
            type.m_size = bits;
        } else {
            // intN, fixed, function and anything unknown: not used by our contracts.
            return unexpected(invalid());
        }
        return type;
    }

    static Type makeArray(Type element)
    {
        Type type;
        type.m_kind = Type::Kind::Array;
        type.m_size = 0;
        type.m_dynamic = true;
        type.m_components = {std::move(element)};
        return type;
    }

    static Expected<Type, ChainError> makeFixedArray(Type element, int length)
    {
        Type type;
        type.m_kind = Type::Kind::FixedArray;
        type.m_size = length;
        type.m_dynamic = element.isDynamic();
        type.m_staticSize = length * element.headSize();
        if (type.m_staticSize > maxStaticSize)
            return unexpected(abiError(ErrorCode::InvalidType, QStringLiteral("fixed array type too large")));
        type.m_components = {std::move(element)};
        return type;
    }

    static Expected<Type, ChainError> makeTuple(QList<Type> members)
    {
        Type type;
        type.m_kind = Type::Kind::Tuple;
        type.m_size = 0;
        type.m_staticSize = 0;
        for (const Type &member : members) {
            type.m_dynamic = type.m_dynamic || member.isDynamic();
            type.m_staticSize += member.headSize();
        }
        if (type.m_staticSize > maxStaticSize)
            return unexpected(abiError(ErrorCode::InvalidType, QStringLiteral("tuple type too large")));
        type.m_components = std::move(members);
        return type;
    }

    QStringView m_text;
    qsizetype m_position = 0;
};

bool operator==(const Type &a, const Type &b)
{
    return a.m_kind == b.m_kind && a.m_size == b.m_size && a.m_dynamic == b.m_dynamic
        && a.m_staticSize == b.m_staticSize
        && std::equal(a.m_components.begin(), a.m_components.end(), b.m_components.begin(), b.m_components.end());
}

Expected<Type, ChainError> Type::parse(QStringView text)
{
    return TypeParser(text).whole();
}

QString Type::canonicalName() const
{
    switch (m_kind) {
    case Kind::Uint: return QStringLiteral("uint") + QString::number(m_size);
    case Kind::Address: return QStringLiteral("address");
    case Kind::Bool: return QStringLiteral("bool");
    case Kind::FixedBytes: return QStringLiteral("bytes") + QString::number(m_size);
    case Kind::Bytes: return QStringLiteral("bytes");
    case Kind::String: return QStringLiteral("string");
    case Kind::Array: return m_components.first().canonicalName() + QStringLiteral("[]");
    case Kind::FixedArray:
        return m_components.first().canonicalName() + QStringLiteral("[") + QString::number(m_size) + QStringLiteral("]");
    case Kind::Tuple: {
        QStringList names;
        for (const Type &member : m_components)
            names.append(member.canonicalName());
        return QStringLiteral("(") + names.join(u',') + QStringLiteral(")");
    }
    }
    return {};
}

Expected<QList<Type>, ChainError> parseTypes(QStringView text)
{
    return TypeParser(text).list(0, false);
}

// ---- values

Value Value::integer(const UInt256 &value)
{
    Value out;
    out.m_kind = Kind::Uint;
    out.m_uint = value;
    return out;
}

Value Value::address(const crypto::Address &value)
{
    Value out;
    out.m_kind = Kind::Address;
    out.m_address = value;
    return out;
}

Value Value::boolean(bool value)
{
    Value out;
    out.m_kind = Kind::Bool;
    out.m_bool = value;
    return out;
}

Value Value::fixedBytes(QByteArray value)
{
    Value out;
    out.m_kind = Kind::FixedBytes;
    out.m_bytes = std::move(value);
    return out;
}

Value Value::bytes(QByteArray value)
{
    Value out;
    out.m_kind = Kind::Bytes;
    out.m_bytes = std::move(value);
    return out;
}

Value Value::string(const QString &value)
{
    Value out;
    out.m_kind = Kind::String;
    out.m_bytes = value.toUtf8();
    return out;
}

Value Value::array(QList<Value> items)
{
    Value out;
    out.m_kind = Kind::Array;
    out.m_items = std::move(items);
    return out;
}

Value Value::tuple(QList<Value> items)
{
    Value out;
    out.m_kind = Kind::Tuple;
    out.m_items = std::move(items);
    return out;
}

bool operator==(const Value &a, const Value &b)
{
    return a.m_kind == b.m_kind && a.m_uint == b.m_uint && a.m_address == b.m_address && a.m_bool == b.m_bool
        && a.m_bytes == b.m_bytes && std::equal(a.m_items.begin(), a.m_items.end(), b.m_items.begin(), b.m_items.end());
}

QString Value::stringValue() const
{
    return m_kind == Kind::String ? QString::fromUtf8(m_bytes) : QString();
}

// ---- signatures

QString Signature::canonical() const
{
    QStringList names;
    for (const Type &input : inputs)
        names.append(input.canonicalName());
    return name + QStringLiteral("(") + names.join(u',') + QStringLiteral(")");
}

Expected<Signature, ChainError> parseSignature(QStringView text)
{
    const qsizetype open = text.indexOf(u'(');
    const auto invalid = [&] {
        return abiError(ErrorCode::InvalidType, QStringLiteral("cannot parse signature \"") + text.left(80).toString()
                                                    + QStringLiteral("\""));
    };
    if (open <= 0 || !text.endsWith(u')'))
        return unexpected(invalid());
    const QStringView name = text.first(open);
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name[i];
        const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_' || c == u'$';
        if (!letter && !(i > 0 && c >= u'0' && c <= u'9'))
            return unexpected(invalid());
    }
    auto inputs = parseTypes(text.sliced(open + 1, text.size() - open - 2));
    if (!inputs)
        return unexpected(inputs.error());
    return Signature{name.toString(), std::move(*inputs)};
}

QByteArray selector(QStringView canonicalSignature)
{
    return crypto::keccak256(canonicalSignature.toUtf8()).first(4);
}

QByteArray eventTopic(QStringView canonicalSignature)
{
    return crypto::keccak256(canonicalSignature.toUtf8());
}

// ---- encoding

namespace {

// The members of a tuple, or the n copies of an array's element type.
struct Members {
    const Type *repeated = nullptr;
    const QList<Type> *listed = nullptr;
    [[nodiscard]] const Type &at(qsizetype i) const { return repeated != nullptr ? *repeated : (*listed)[i]; }
};

QByteArray word(quint64 value)
{
    return UInt256(value).toBigEndian();
}

QByteArray paddedRight(QByteArrayView bytes)
{
    QByteArray out = bytes.toByteArray();
    out.append((wordSize - bytes.size() % wordSize) % wordSize, '\0');
    return out;
}

ChainError mismatch(const Type &type, const QString &why)
{
    return abiError(ErrorCode::InvalidValue, QStringLiteral("value for ") + type.canonicalName() + QStringLiteral(": ") + why);
}

Expected<QByteArray, ChainError> encodeValue(const Type &type, const Value &value);

Expected<QByteArray, ChainError> encodeSequence(Members members, const QList<Value> &values)
{
    qsizetype headTotal = 0;
    for (qsizetype i = 0; i < values.size(); ++i)
        headTotal += members.at(i).headSize();
    QByteArray head;
    QByteArray tail;
    for (qsizetype i = 0; i < values.size(); ++i) {
        const Type &type = members.at(i);
        auto encoded = encodeValue(type, values[i]);
        if (!encoded)
            return encoded;
        if (type.isDynamic()) {
            head.append(word(static_cast<quint64>(headTotal + tail.size())));
            tail.append(*encoded);
        } else {
            head.append(*encoded);
        }
    }
    head.append(tail);
    return head;
}

Expected<QByteArray, ChainError> encodeValue(const Type &type, const Value &value)
{
    using Kind = Type::Kind;
    using ValueKind = Value::Kind;
    const auto expectKind = [&](ValueKind kind) { return value.kind() == kind; };
    switch (type.kind()) {
    case Kind::Uint:
        if (!expectKind(ValueKind::Uint))
            return unexpected(mismatch(type, QStringLiteral("not an integer")));
        if (value.integerValue().bitLength() > type.size())
            return unexpected(mismatch(type, QStringLiteral("integer too large")));
        return value.integerValue().toBigEndian();
    case Kind::Address:
        if (!expectKind(ValueKind::Address))
            return unexpected(mismatch(type, QStringLiteral("not an address")));
        return QByteArray(QByteArray(wordSize - crypto::Address::size, '\0') + value.addressValue().bytes());
    case Kind::Bool:
        if (!expectKind(ValueKind::Bool))
            return unexpected(mismatch(type, QStringLiteral("not a bool")));
        return word(value.boolValue() ? 1 : 0);
    case Kind::FixedBytes:
        if (!expectKind(ValueKind::FixedBytes) || value.bytesValue().size() != type.size())
            return unexpected(mismatch(type, QStringLiteral("not fixed bytes of that size")));
        return paddedRight(value.bytesValue());
    case Kind::Bytes:
    case Kind::String:
        if (!expectKind(type.kind() == Kind::Bytes ? ValueKind::Bytes : ValueKind::String))
            return unexpected(mismatch(type, QStringLiteral("wrong kind of value")));
        return QByteArray(word(static_cast<quint64>(value.bytesValue().size())) + paddedRight(value.bytesValue()));
    case Kind::Array: {
        if (!expectKind(ValueKind::Array))
            return unexpected(mismatch(type, QStringLiteral("not an array")));
        auto elements = encodeSequence(Members{&type.components().first(), nullptr}, value.items());
        if (!elements)
            return elements;
        return QByteArray(word(static_cast<quint64>(value.items().size())) + *elements);
    }
    case Kind::FixedArray:
        if (!expectKind(ValueKind::Array) || value.items().size() != type.size())
            return unexpected(mismatch(type, QStringLiteral("not an array of that length")));
        return encodeSequence(Members{&type.components().first(), nullptr}, value.items());
    case Kind::Tuple:
        if (!expectKind(ValueKind::Tuple) || value.items().size() != type.components().size())
            return unexpected(mismatch(type, QStringLiteral("not a tuple of that many members")));
        return encodeSequence(Members{nullptr, &type.components()}, value.items());
    }
    return unexpected(mismatch(type, QStringLiteral("unknown type")));
}

} // namespace

Expected<QByteArray, ChainError> encode(const QList<Type> &types, const QList<Value> &values)
{
    if (types.size() != values.size())
        return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("%1 values for %2 types").arg(values.size()).arg(types.size())));
    return encodeSequence(Members{nullptr, &types}, values);
}

Expected<QByteArray, ChainError> encodeCall(QStringView signature, const QList<Value> &arguments)
{
    auto parsed = parseSignature(signature);
    if (!parsed)
        return unexpected(parsed.error());
    auto encoded = encode(parsed->inputs, arguments);
    if (!encoded)
        return encoded;
    return QByteArray(selector(parsed->canonical()) + *encoded);
}

// ---- decoding

namespace {

class Decoder {
public:
    explicit Decoder(qsizetype budget) : m_budget(budget) {}

    // count values of members laid out as a tuple starting at the beginning of area; area runs to
    // the end of the input, which bounds every offset.
    Expected<QList<Value>, ChainError> sequence(Members members, qsizetype count, QByteArrayView area)
    {
        qsizetype headTotal = 0;
        if (members.repeated != nullptr) {
            if (count > area.size() / members.repeated->headSize())
                return unexpected(abiError(ErrorCode::OutOfBounds, QStringLiteral("array longer than the data")));
            headTotal = count * members.repeated->headSize();
        } else {
            for (qsizetype i = 0; i < count; ++i)
                headTotal += members.at(i).headSize();
        }
        if (headTotal > area.size())
            return unexpected(abiError(ErrorCode::Truncated, QStringLiteral("data shorter than the heads")));
        QList<Value> values;
        values.reserve(count);
        qsizetype position = 0;
        for (qsizetype i = 0; i < count; ++i) {
            const Type &type = members.at(i);
            QByteArrayView at = area.sliced(position);
            if (type.isDynamic()) {
                auto offset = readLength(area.sliced(position, wordSize));
                if (!offset)
                    return unexpected(offset.error());
                if (*offset > area.size())
                    return unexpected(abiError(ErrorCode::OutOfBounds, QStringLiteral("offset past the data")));
                at = area.sliced(*offset);
            }
            auto value = decodeValue(type, at);
            if (!value)
                return unexpected(value.error());
            values.append(std::move(*value));
            position += type.headSize();
        }
        return values;
    }

private:
    static Expected<qsizetype, ChainError> readLength(QByteArrayView bytes)
    {
        const auto number = UInt256::fromBigEndian(bytes).value_or(UInt256::max()).toU64();
        // Above 2^62 no length or offset can fit any input; Solidity refuses above 2^64 - 1.
        if (!number || *number > (std::numeric_limits<quint64>::max() >> 2))
            return unexpected(abiError(ErrorCode::Overflow, QStringLiteral("offset or length above 2^62")));
        return static_cast<qsizetype>(*number);
    }

    Expected<Value, ChainError> decodeValue(const Type &type, QByteArrayView at)
    {
        using Kind = Type::Kind;
        if (--m_budget < 0)
            return unexpected(abiError(ErrorCode::TooLarge, QStringLiteral("data decodes to too many values")));
        if (type.kind() != Kind::Tuple && type.kind() != Kind::FixedArray && at.size() < wordSize)
            return unexpected(abiError(ErrorCode::Truncated, QStringLiteral("data ends inside a value")));
        const QByteArrayView first = at.first(std::min(at.size(), wordSize));
        switch (type.kind()) {
        case Kind::Uint: {
            const UInt256 number = UInt256::fromBigEndian(first).value_or(UInt256());
            if (number.bitLength() > type.size())
                return unexpected(abiError(ErrorCode::Overflow, QStringLiteral("value above the range of ") + type.canonicalName()));
            return Value::integer(number);
        }
        case Kind::Address: {
            if (!isZero(first.first(wordSize - crypto::Address::size)))
                return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("address with non-zero padding")));
            auto address = crypto::Address::fromBytes(first.sliced(wordSize - crypto::Address::size));
            if (!address)
                return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("bad address")));
            return Value::address(*address);
        }
        case Kind::Bool:
            if (!isZero(first.first(wordSize - 1)) || static_cast<unsigned char>(first.back()) > 1)
                return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("bool that is neither 0 nor 1")));
            return Value::boolean(first.back() == '\1');
        case Kind::FixedBytes:
            if (!isZero(first.sliced(type.size())))
                return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("non-zero padding after ") + type.canonicalName()));
            return Value::fixedBytes(first.first(type.size()).toByteArray());
        case Kind::Bytes:
        case Kind::String: {
            auto length = readLength(first);
            if (!length)
                return unexpected(length.error());
            if (*length > at.size() - wordSize)
                return unexpected(abiError(ErrorCode::OutOfBounds, QStringLiteral("byte string longer than the data")));
            const QByteArrayView content = at.sliced(wordSize, *length);
            if (type.kind() == Kind::Bytes)
                return Value::bytes(content.toByteArray());
            QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
            const QString text = utf8(content);
            if (utf8.hasError())
                return unexpected(abiError(ErrorCode::InvalidValue, QStringLiteral("string that is not UTF-8")));
            return Value::string(text);
        }
        case Kind::Array: {
            auto length = readLength(first);
            if (!length)
                return unexpected(length.error());
            auto items = sequence(Members{&type.components().first(), nullptr}, *length, at.sliced(wordSize));
            if (!items)
                return unexpected(items.error());
            return Value::array(std::move(*items));
        }
        case Kind::FixedArray: {
            auto items = sequence(Members{&type.components().first(), nullptr}, type.size(), at);
            if (!items)
                return unexpected(items.error());
            return Value::array(std::move(*items));
        }
        case Kind::Tuple: {
            auto items = sequence(Members{nullptr, &type.components()}, type.components().size(), at);
            if (!items)
                return unexpected(items.error());
            return Value::tuple(std::move(*items));
        }
        }
        return unexpected(abiError(ErrorCode::InvalidType, QStringLiteral("unknown type")));
    }

    static bool isZero(QByteArrayView bytes)
    {
        return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
    }

    qsizetype m_budget;
};

} // namespace

Expected<QList<Value>, ChainError> decode(const QList<Type> &types, QByteArrayView data)
{
    // Offsets may point at the same bytes over and over; honest data has at most one value per
    // word per nesting level, so this budget only stops amplification.
    Decoder decoder((data.size() / wordSize + 1) * (maxTypeDepth + 1));
    return decoder.sequence(Members{nullptr, &types}, types.size(), data);
}

// ---- JSON

Expected<Value, ChainError> fromJson(const Type &type, const QJsonValue &json)
{
    using Kind = Type::Kind;
    const auto bad = [&](const QString &why) { return unexpected(mismatch(type, why)); };
    switch (type.kind()) {
    case Kind::Uint: {
        Expected<UInt256, ChainError> number = UInt256();
        if (json.isDouble()) {
            const double d = json.toDouble();
            constexpr double maxExact = 9007199254740992.0; // 2^53: beyond it doubles skip integers
            if (!(d >= 0 && d <= maxExact) || d != static_cast<double>(static_cast<quint64>(d)))
                return bad(QStringLiteral("number is not a non-negative integer below 2^53"));
            number = UInt256(static_cast<quint64>(d));
        } else if (json.isString()) {
            const QString text = json.toString();
            number = text.startsWith(u"0x") ? UInt256::fromHex(text) : UInt256::fromDecimal(text);
        } else {
            return bad(QStringLiteral("expected a number or a numeric string"));
        }
        if (!number)
            return unexpected(number.error());
        if (number->bitLength() > type.size())
            return unexpected(abiError(ErrorCode::Overflow, QStringLiteral("value above the range of ") + type.canonicalName()));
        return Value::integer(*number);
    }
    case Kind::Address: {
        auto address = crypto::Address::fromHex(json.toString());
        if (!json.isString() || !address)
            return bad(QStringLiteral("expected 0x + 40 hex digits with a valid checksum"));
        return Value::address(*address);
    }
    case Kind::Bool:
        if (!json.isBool())
            return bad(QStringLiteral("expected true or false"));
        return Value::boolean(json.toBool());
    case Kind::FixedBytes:
    case Kind::Bytes: {
        const bool fixed = type.kind() == Kind::FixedBytes;
        const auto bytes = hex::decode(json.toString(), fixed ? type.size() : -1);
        if (!json.isString() || !bytes)
            return bad(QStringLiteral("expected 0x-hex bytes of the right length"));
        return fixed ? Value::fixedBytes(*bytes) : Value::bytes(*bytes);
    }
    case Kind::String:
        if (!json.isString())
            return bad(QStringLiteral("expected a string"));
        return Value::string(json.toString());
    case Kind::Array:
    case Kind::FixedArray:
    case Kind::Tuple: {
        if (!json.isArray())
            return bad(QStringLiteral("expected a JSON array"));
        const QJsonArray array = json.toArray();
        if (type.kind() == Kind::FixedArray && array.size() != type.size())
            return bad(QStringLiteral("array of the wrong length"));
        if (type.kind() == Kind::Tuple && array.size() != type.components().size())
            return bad(QStringLiteral("tuple with the wrong number of members"));
        QList<Value> items;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const Type &member = type.kind() == Kind::Tuple ? type.components()[i] : type.components().first();
            auto item = fromJson(member, array[i]);
            if (!item)
                return item;
            items.append(std::move(*item));
        }
        return type.kind() == Kind::Tuple ? Value::tuple(std::move(items)) : Value::array(std::move(items));
    }
    }
    return bad(QStringLiteral("unknown type"));
}

} // namespace cmeet::chain::abi
