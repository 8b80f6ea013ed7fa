#include "chain/rlp.h"

#include <algorithm>
#include <limits>

namespace cmeet::chain::rlp {
namespace {

constexpr int shortLimit = 55; // payloads up to this size have their length in the prefix byte

ChainError rlpError(ErrorCode code, const char *what)
{
    return ChainError{code, QStringLiteral("RLP: ") + QString::fromLatin1(what)};
}

void appendHeader(QByteArray &out, qsizetype payloadSize, unsigned char shortBase)
{
    if (payloadSize <= shortLimit) {
        out.append(static_cast<char>(shortBase + payloadSize));
        return;
    }
    const QByteArray length = UInt256(static_cast<quint64>(payloadSize)).toMinimalBigEndian();
    // 0xb7 / 0xf7 + length of the length.
    out.append(static_cast<char>(shortBase + shortLimit + length.size()));
    out.append(length);
}

void encodeInto(QByteArray &out, const Item &item)
{
    if (!item.isList()) {
        const QByteArray &bytes = item.bytes();
        if (bytes.size() == 1 && static_cast<unsigned char>(bytes[0]) < 0x80) {
            out.append(bytes); // a single small byte is its own encoding
            return;
        }
        appendHeader(out, bytes.size(), 0x80);
        out.append(bytes);
        return;
    }
    QByteArray payload;
    for (const Item &child : item.items())
        encodeInto(payload, child);
    appendHeader(out, payload.size(), 0xc0);
    out.append(payload);
}

struct Header {
    bool isList = false;
    qsizetype headerSize = 0;
    qsizetype payloadSize = 0;
};

// Reads the prefix at the start of data; the payload must fit in data.
Expected<Header, ChainError> readHeader(QByteArrayView data)
{
    if (data.isEmpty())
        return unexpected(rlpError(ErrorCode::Truncated, "empty input"));
    const auto prefix = static_cast<unsigned char>(data[0]);
    Header header;
    if (prefix < 0x80) {
        header.payloadSize = 1; // the byte itself
        return header;
    }
    header.isList = prefix >= 0xc0;
    const int base = header.isList ? 0xc0 : 0x80;
    const int shortLength = prefix - base;
    if (shortLength <= shortLimit) {
        header.headerSize = 1;
        header.payloadSize = shortLength;
    } else {
        const int lengthOfLength = shortLength - shortLimit;
        if (data.size() < 1 + lengthOfLength)
            return unexpected(rlpError(ErrorCode::Truncated, "length bytes missing"));
        if (data[1] == '\0')
            return unexpected(rlpError(ErrorCode::NonCanonical, "length with a leading zero"));
        quint64 length = 0;
        for (int i = 0; i < lengthOfLength; ++i) {
            // More than 8 length bytes, or a length beyond the input, cannot be satisfied.
            if (length > (std::numeric_limits<quint64>::max() >> 8))
                return unexpected(rlpError(ErrorCode::Truncated, "length larger than any input"));
            length = (length << 8) | static_cast<unsigned char>(data[1 + i]);
        }
        if (length <= static_cast<quint64>(shortLimit))
            return unexpected(rlpError(ErrorCode::NonCanonical, "long form used for a short payload"));
        if (length > static_cast<quint64>(data.size() - 1 - lengthOfLength))
            return unexpected(rlpError(ErrorCode::Truncated, "payload shorter than its length"));
        header.headerSize = 1 + lengthOfLength;
        header.payloadSize = static_cast<qsizetype>(length);
    }
    if (header.payloadSize > data.size() - header.headerSize)
        return unexpected(rlpError(ErrorCode::Truncated, "payload shorter than its length"));
    if (!header.isList && header.headerSize == 1 && header.payloadSize == 1
        && static_cast<unsigned char>(data[1]) < 0x80)
        return unexpected(rlpError(ErrorCode::NonCanonical, "single byte below 0x80 wrapped as a string"));
    return header;
}

// Decodes the item at the start of data; consumed receives its total size.
Expected<Item, ChainError> decodeAt(QByteArrayView data, int depth, qsizetype &consumed)
{
    auto header = readHeader(data);
    if (!header)
        return unexpected(header.error());
    consumed = header->headerSize + header->payloadSize;
    const QByteArrayView payload = data.sliced(header->headerSize, header->payloadSize);
    if (!header->isList)
        return Item::bytes(payload.toByteArray());
    if (depth >= maxDepth)
        return unexpected(rlpError(ErrorCode::TooDeep, "lists nested too deeply"));
    QList<Item> items;
    for (qsizetype offset = 0; offset < payload.size();) {
        qsizetype used = 0;
        auto child = decodeAt(payload.sliced(offset), depth + 1, used);
        if (!child)
            return child;
        items.append(std::move(*child));
        offset += used;
    }
    return Item::list(std::move(items));
}

} // namespace

Item Item::bytes(QByteArray bytes)
{
    Item item;
    item.m_bytes = std::move(bytes);
    return item;
}

Item Item::list(QList<Item> items)
{
    Item item;
    item.m_isList = true;
    item.m_items = std::move(items);
    return item;
}

Item Item::integer(const UInt256 &value)
{
    return bytes(value.toMinimalBigEndian());
}

bool operator==(const Item &a, const Item &b)
{
    return a.m_isList == b.m_isList && a.m_bytes == b.m_bytes
        && std::equal(a.m_items.begin(), a.m_items.end(), b.m_items.begin(), b.m_items.end());
}

Expected<UInt256, ChainError> Item::toUInt256() const
{
    if (m_isList)
        return unexpected(rlpError(ErrorCode::UnexpectedShape, "list where an integer belongs"));
    if (!m_bytes.isEmpty() && m_bytes[0] == '\0')
        return unexpected(rlpError(ErrorCode::NonCanonical, "integer with a leading zero byte"));
    return UInt256::fromBigEndian(m_bytes);
}

Expected<quint64, ChainError> Item::toU64() const
{
    auto value = toUInt256();
    if (!value)
        return unexpected(value.error());
    const auto small = value->toU64();
    if (!small)
        return unexpected(rlpError(ErrorCode::Overflow, "integer above 2^64 - 1"));
    return *small;
}

QByteArray encode(const Item &item)
{
    QByteArray out;
    encodeInto(out, item);
    return out;
}

Expected<Item, ChainError> decode(QByteArrayView data)
{
    qsizetype consumed = 0;
    auto item = decodeAt(data, 0, consumed);
    if (!item)
        return item;
    if (consumed != data.size())
        return unexpected(rlpError(ErrorCode::TrailingBytes, "bytes after the item"));
    return item;
}

} // namespace cmeet::chain::rlp
