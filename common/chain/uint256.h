#pragma once
// An unsigned 256-bit integer: the EVM word. Amounts (wei), fees and ABI uint values travel as
// this type; JSON-RPC wants them as "quantities" (0x + hex without leading zeros).

#include "base/expected.h"
#include "chain/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <array>
#include <compare>
#include <optional>

namespace cmeet::chain {

class UInt256 {
public:
    static constexpr qsizetype byteSize = 32;

    constexpr UInt256() = default;
    explicit constexpr UInt256(quint64 value)
        : m_limbs{static_cast<quint32>(value), static_cast<quint32>(value >> 32), 0, 0, 0, 0, 0, 0} {}

    [[nodiscard]] static UInt256 max();
    // Decimal digits only (no sign, no spaces); leading zeros are accepted.
    [[nodiscard]] static Expected<UInt256, ChainError> fromDecimal(QStringView text);
    // "0x" + 1 to 64 hex digits in either case. Leading zeros are accepted, so this reads both
    // JSON-RPC quantities and 32-byte data words.
    [[nodiscard]] static Expected<UInt256, ChainError> fromHex(QStringView text);
    // Big-endian, any length; Overflow if the value needs more than 32 bytes.
    [[nodiscard]] static Expected<UInt256, ChainError> fromBigEndian(QByteArrayView bytes);

    [[nodiscard]] QByteArray toBigEndian() const;        // always 32 bytes
    [[nodiscard]] QByteArray toMinimalBigEndian() const; // no leading zero bytes; empty for 0 (RLP)
    [[nodiscard]] QString toDecimal() const;
    [[nodiscard]] QString toQuantity() const; // "0x0", "0x2a": JSON-RPC's form

    [[nodiscard]] bool isZero() const;
    [[nodiscard]] int bitLength() const; // 0 for zero
    [[nodiscard]] std::optional<quint64> toU64() const;

    // Overflow (or underflow for sub) is an error, never a silent wrap.
    [[nodiscard]] Expected<UInt256, ChainError> checkedAdd(const UInt256 &other) const;
    [[nodiscard]] Expected<UInt256, ChainError> checkedSub(const UInt256 &other) const;
    [[nodiscard]] Expected<UInt256, ChainError> checkedMul(const UInt256 &other) const;

    friend bool operator==(const UInt256 &, const UInt256 &) = default;
    friend std::strong_ordering operator<=>(const UInt256 &a, const UInt256 &b)
    {
        for (int i = limbCount - 1; i >= 0; --i) {
            if (a.m_limbs[i] != b.m_limbs[i])
                return a.m_limbs[i] <=> b.m_limbs[i];
        }
        return std::strong_ordering::equal;
    }

private:
    static constexpr int limbCount = 8;
    // 32-bit limbs so products fit in 64 bits without compiler extensions. Least significant first.
    std::array<quint32, limbCount> m_limbs{};

    // Divides in place by a small divisor and returns the remainder (for decimal output).
    quint32 divideBy(quint32 divisor);
};

} // namespace cmeet::chain
