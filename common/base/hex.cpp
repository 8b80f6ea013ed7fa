#include "base/hex.h"

#include <array>

namespace cmeet::hex {
namespace {

// Each character's digit value, -1 for a non-digit; uppercase digits are marked apart.
constexpr int uppercaseDigit = 0x100;
constexpr std::array<int, 128> digitTable = [] {
    std::array<int, 128> table{};
    table.fill(-1);
    for (int c = '0'; c <= '9'; ++c)
        table[c] = c - '0';
    for (int c = 'a'; c <= 'f'; ++c)
        table[c] = c - 'a' + 10;
    for (int c = 'A'; c <= 'F'; ++c)
        table[c] = uppercaseDigit | (c - 'A' + 10);
    return table;
}();

int digitValue(char16_t c, bool allowUppercase)
{
    const int value = c < digitTable.size() ? digitTable[c] : -1;
    if (value >= 0 && (value & uppercaseDigit) != 0)
        return allowUppercase ? value & 0xf : -1;
    return value;
}

// text: QStringView or QLatin1StringView.
template <typename Text>
std::optional<QByteArray> decodeImpl(Text text, qsizetype expectedBytes, bool allowUppercase)
{
    if (text.size() < 2 || text[0].unicode() != u'0' || text[1].unicode() != u'x')
        return std::nullopt;
    const Text digits = text.mid(2);
    if (digits.size() % 2 != 0)
        return std::nullopt;
    if (expectedBytes >= 0 && digits.size() != expectedBytes * 2)
        return std::nullopt;
    QByteArray out(digits.size() / 2, Qt::Uninitialized);
    for (qsizetype i = 0; i < out.size(); ++i) {
        const int high = digitValue(digits[2 * i].unicode(), allowUppercase);
        const int low = digitValue(digits[2 * i + 1].unicode(), allowUppercase);
        if (high < 0 || low < 0)
            return std::nullopt;
        out[i] = static_cast<char>((high << 4) | low);
    }
    return out;
}

} // namespace

QString encode(QByteArrayView bytes)
{
    return QStringLiteral("0x") + QString::fromLatin1(bytes.toByteArray().toHex());
}

std::optional<QByteArray> decode(QStringView text, qsizetype expectedBytes)
{
    return decodeImpl(text, expectedBytes, true);
}

std::optional<QByteArray> decodeLowercase(QStringView text, qsizetype expectedBytes)
{
    return decodeImpl(text, expectedBytes, false);
}

std::optional<QByteArray> decodeLowercase(QLatin1StringView text, qsizetype expectedBytes)
{
    return decodeImpl(text, expectedBytes, false);
}

} // namespace cmeet::hex
