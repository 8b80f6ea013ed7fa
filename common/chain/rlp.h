#pragma once
// Recursive Length Prefix (Ethereum Yellow Paper, appendix B): the serialization of
// transactions. Decoding is strict: every item has exactly one accepted encoding, so a decoded
// transaction re-encodes to the very bytes that were hashed and signed.

#include "base/expected.h"
#include "chain/error.h"
#include "chain/uint256.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace cmeet::chain::rlp {

// A byte string or a list of items.
class Item {
public:
    Item() = default; // the empty byte string
    [[nodiscard]] static Item bytes(QByteArray bytes);
    [[nodiscard]] static Item list(QList<Item> items);
    // Integers are minimal big-endian byte strings: 0 is the empty string.
    [[nodiscard]] static Item integer(const UInt256 &value);
    [[nodiscard]] static Item integer(quint64 value) { return integer(UInt256(value)); }

    [[nodiscard]] bool isList() const { return m_isList; }
    [[nodiscard]] const QByteArray &bytes() const { return m_bytes; } // empty for a list
    [[nodiscard]] const QList<Item> &items() const { return m_items; } // empty for a byte string

    // The integer a byte string holds. UnexpectedShape for a list, NonCanonical for a leading
    // zero byte, Overflow when it does not fit.
    [[nodiscard]] Expected<UInt256, ChainError> toUInt256() const;
    [[nodiscard]] Expected<quint64, ChainError> toU64() const;

    // Not defaulted: QList<Item>'s operator== needs Item's to be declared outside the class.
    friend bool operator==(const Item &a, const Item &b);

private:
    bool m_isList = false;
    QByteArray m_bytes;
    QList<Item> m_items;
};

inline constexpr int maxDepth = 32; // lists nested deeper are refused (a 1-byte-per-level bomb)

[[nodiscard]] QByteArray encode(const Item &item);

// Exactly one item filling the whole input. Errors: Truncated, NonCanonical (a length that is
// not minimal or has a leading zero, a single byte < 0x80 wrapped as a string), TrailingBytes,
// TooDeep. Never reads outside the input.
[[nodiscard]] Expected<Item, ChainError> decode(QByteArrayView data);

} // namespace cmeet::chain::rlp
