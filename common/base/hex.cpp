#include "base/hex.h"

namespace cmeet::hex {
namespace {

int digitValue(QChar c, bool allowUppercase)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (allowUppercase && u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

std::optional<QByteArray> decodeImpl(QStringView text, qsizetype expectedBytes, bool allowUppercase)
{
    if (!text.startsWith(u"0x"))
        return std::nullopt;
    const QStringView digits = text.mid(2);
    if (digits.size() % 2 != 0)
        return std::nullopt;
    if (expectedBytes >= 0 && digits.size() != expectedBytes * 2)
        return std::nullopt;
    QByteArray out(digits.size() / 2, Qt::Uninitialized);
    for (qsizetype i = 0; i < out.size(); ++i) {
        const int high = digitValue(digits[2 * i], allowUppercase);
        const int low = digitValue(digits[2 * i + 1], allowUppercase);
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

} // namespace cmeet::hex
