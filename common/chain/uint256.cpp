#include "chain/uint256.h"

#include <algorithm>

namespace cmeet::chain {
namespace {

ChainError numberError(ErrorCode code, const char *what)
{
    return ChainError{code, QString::fromLatin1(what)};
}

int hexDigit(char16_t u)
{
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

} // namespace

UInt256 UInt256::max()
{
    UInt256 out;
    out.m_limbs.fill(0xffffffffu);
    return out;
}

Expected<UInt256, ChainError> UInt256::fromDecimal(QStringView text)
{
    if (text.isEmpty())
        return unexpected(numberError(ErrorCode::InvalidNumber, "empty decimal number"));
    UInt256 out;
    const UInt256 ten(10);
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < u'0' || u > u'9')
            return unexpected(numberError(ErrorCode::InvalidNumber, "decimal number with a non-digit"));
        auto times = out.checkedMul(ten);
        if (!times)
            return unexpected(numberError(ErrorCode::Overflow, "decimal number above 2^256 - 1"));
        auto plus = times->checkedAdd(UInt256(static_cast<quint64>(u - u'0')));
        if (!plus)
            return unexpected(numberError(ErrorCode::Overflow, "decimal number above 2^256 - 1"));
        out = *plus;
    }
    return out;
}

Expected<UInt256, ChainError> UInt256::fromHex(QStringView text)
{
    if (!text.startsWith(u"0x") || text.size() == 2)
        return unexpected(numberError(ErrorCode::InvalidNumber, "hex number must be 0x followed by digits"));
    const QStringView digits = text.mid(2);
    UInt256 out;
    int significant = 0;
    for (qsizetype i = 0; i < digits.size(); ++i) {
        const int digit = hexDigit(digits[i].unicode());
        if (digit < 0)
            return unexpected(numberError(ErrorCode::InvalidNumber, "hex number with a non-hex digit"));
        if (significant == 0 && digit == 0)
            continue;
        if (++significant > 2 * byteSize)
            return unexpected(numberError(ErrorCode::Overflow, "hex number above 2^256 - 1"));
        // Shift left by 4 bits, then add the digit.
        for (int limb = limbCount - 1; limb > 0; --limb)
            out.m_limbs[limb] = (out.m_limbs[limb] << 4) | (out.m_limbs[limb - 1] >> 28);
        out.m_limbs[0] = (out.m_limbs[0] << 4) | static_cast<quint32>(digit);
    }
    return out;
}

Expected<UInt256, ChainError> UInt256::fromBigEndian(QByteArrayView bytes)
{
    qsizetype first = 0;
    while (first < bytes.size() && bytes[first] == '\0')
        ++first;
    if (bytes.size() - first > byteSize)
        return unexpected(numberError(ErrorCode::Overflow, "more than 32 significant bytes"));
    UInt256 out;
    for (qsizetype i = bytes.size() - 1, position = 0; i >= first; --i, ++position) {
        const auto byte = static_cast<quint32>(static_cast<unsigned char>(bytes[i]));
        out.m_limbs[static_cast<std::size_t>(position / 4)] |= byte << (8 * (position % 4));
    }
    return out;
}

QByteArray UInt256::toBigEndian() const
{
    QByteArray out(byteSize, '\0');
    for (qsizetype position = 0; position < byteSize; ++position) {
        const quint32 limb = m_limbs[static_cast<std::size_t>(position / 4)];
        out[byteSize - 1 - position] = static_cast<char>((limb >> (8 * (position % 4))) & 0xffu);
    }
    return out;
}

QByteArray UInt256::toMinimalBigEndian() const
{
    const QByteArray full = toBigEndian();
    qsizetype first = 0;
    while (first < full.size() && full[first] == '\0')
        ++first;
    return full.mid(first);
}

QString UInt256::toDecimal() const
{
    if (isZero())
        return QStringLiteral("0");
    UInt256 rest = *this;
    QString reversed;
    while (!rest.isZero())
        reversed.append(QChar(static_cast<char16_t>(u'0' + rest.divideBy(10))));
    std::reverse(reversed.begin(), reversed.end());
    return reversed;
}

QString UInt256::toQuantity() const
{
    if (isZero())
        return QStringLiteral("0x0");
    QByteArray digits = toMinimalBigEndian().toHex();
    if (digits.startsWith('0'))
        digits.remove(0, 1); // one leading zero nibble at most
    return QStringLiteral("0x") + QString::fromLatin1(digits);
}

bool UInt256::isZero() const
{
    return std::all_of(m_limbs.begin(), m_limbs.end(), [](quint32 limb) { return limb == 0; });
}

int UInt256::bitLength() const
{
    for (int limb = limbCount - 1; limb >= 0; --limb) {
        quint32 value = m_limbs[static_cast<std::size_t>(limb)];
        if (value == 0)
            continue;
        int bits = 0;
        while (value != 0) {
            ++bits;
            value >>= 1;
        }
        return limb * 32 + bits;
    }
    return 0;
}

std::optional<quint64> UInt256::toU64() const
{
    if (bitLength() > 64)
        return std::nullopt;
    return (static_cast<quint64>(m_limbs[1]) << 32) | m_limbs[0];
}

Expected<UInt256, ChainError> UInt256::checkedAdd(const UInt256 &other) const
{
    UInt256 out;
    quint64 carry = 0;
    for (std::size_t i = 0; i < limbCount; ++i) {
        const quint64 sum = quint64{m_limbs[i]} + other.m_limbs[i] + carry;
        out.m_limbs[i] = static_cast<quint32>(sum);
        carry = sum >> 32;
    }
    if (carry != 0)
        return unexpected(numberError(ErrorCode::Overflow, "sum above 2^256 - 1"));
    return out;
}

Expected<UInt256, ChainError> UInt256::checkedSub(const UInt256 &other) const
{
    if (*this < other)
        return unexpected(numberError(ErrorCode::Overflow, "difference below zero"));
    UInt256 out;
    quint64 borrow = 0;
    for (std::size_t i = 0; i < limbCount; ++i) {
        const quint64 subtrahend = quint64{other.m_limbs[i]} + borrow;
        borrow = quint64{m_limbs[i]} < subtrahend ? 1 : 0;
        out.m_limbs[i] = static_cast<quint32>((quint64{m_limbs[i]} + (borrow << 32)) - subtrahend);
    }
    return out;
}

Expected<UInt256, ChainError> UInt256::checkedMul(const UInt256 &other) const
{
    // Schoolbook product into 16 limbs; any non-zero limb above the eighth is an overflow.
    std::array<quint32, 2 * limbCount> product{};
    for (std::size_t i = 0; i < limbCount; ++i) {
        quint64 carry = 0;
        for (std::size_t j = 0; j < limbCount; ++j) {
            const quint64 sum = quint64{m_limbs[i]} * other.m_limbs[j] + product[i + j] + carry;
            product[i + j] = static_cast<quint32>(sum);
            carry = sum >> 32;
        }
        product[i + limbCount] = static_cast<quint32>(carry);
    }
    if (std::any_of(product.begin() + limbCount, product.end(), [](quint32 limb) { return limb != 0; }))
        return unexpected(numberError(ErrorCode::Overflow, "product above 2^256 - 1"));
    UInt256 out;
    std::copy(product.begin(), product.begin() + limbCount, out.m_limbs.begin());
    return out;
}

quint32 UInt256::divideBy(quint32 divisor)
{
    quint64 remainder = 0;
    for (int limb = limbCount - 1; limb >= 0; --limb) {
        const quint64 current = (remainder << 32) | m_limbs[static_cast<std::size_t>(limb)];
        m_limbs[static_cast<std::size_t>(limb)] = static_cast<quint32>(current / divisor);
        remainder = current % divisor;
    }
    return static_cast<quint32>(remainder);
}

} // namespace cmeet::chain
