#include "base/base64.h"

#include <array>

namespace cmeet::base64 {
namespace {

constexpr quint8 invalid = 0xff;

constexpr std::array<quint8, 256> decodingTable()
{
    std::array<quint8, 256> table{};
    table.fill(invalid);
    constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (quint8 value = 0; value < 64; ++value)
        table[static_cast<quint8>(alphabet[value])] = value;
    return table;
}

constexpr std::array<quint8, 256> values = decodingTable();

} // namespace

std::optional<QByteArray> decode(QByteArrayView text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    if (text.isEmpty())
        return QByteArray();
    const qsizetype padding = text.endsWith("==") ? 2 : (text.endsWith('=') ? 1 : 0);
    QByteArray bytes(text.size() / 4 * 3 - padding, Qt::Uninitialized);
    const auto *in = reinterpret_cast<const quint8 *>(text.data());
    auto *out = reinterpret_cast<quint8 *>(bytes.data());
    // Whole groups of four; the last group (which may be padded) after the loop.
    const qsizetype whole = text.size() - 4;
    for (qsizetype i = 0; i < whole; i += 4) {
        const quint32 a = values[in[i]], b = values[in[i + 1]], c = values[in[i + 2]], d = values[in[i + 3]];
        if (((a | b | c | d) & 0xc0) != 0) // an invalid character (values are below 64)
            return std::nullopt;
        const quint32 group = a << 18 | b << 12 | c << 6 | d;
        *out++ = static_cast<quint8>(group >> 16);
        *out++ = static_cast<quint8>(group >> 8);
        *out++ = static_cast<quint8>(group);
    }
    const quint8 *last = in + whole;
    const quint32 a = values[last[0]], b = values[last[1]];
    const quint32 c = padding == 2 ? 0 : values[last[2]];
    const quint32 d = padding >= 1 ? 0 : values[last[3]];
    if (((a | b | c | d) & 0xc0) != 0)
        return std::nullopt;
    const quint32 group = a << 18 | b << 12 | c << 6 | d;
    // Canonical: the bits the padding leaves over are zero.
    if ((padding == 2 && (group & 0xffff) != 0) || (padding == 1 && (group & 0xff) != 0))
        return std::nullopt;
    *out++ = static_cast<quint8>(group >> 16);
    if (padding < 2)
        *out++ = static_cast<quint8>(group >> 8);
    if (padding < 1)
        *out = static_cast<quint8>(group);
    return bytes;
}

} // namespace cmeet::base64
