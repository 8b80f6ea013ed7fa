#pragma once
// The Solidity contract ABI (docs.soliditylang.org, "Contract ABI Specification") for the types
// c-meet's contracts use: uintN, address, bool, bytesN, bytes, string, T[], T[k] and tuples.
// Encoding builds calldata; decoding reads eth_call results and event data, checking every
// offset and length against the data and every padding bit (like Solidity's own decoder).

#include "base/expected.h"
#include "chain/error.h"
#include "chain/uint256.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace cmeet::chain::abi {

inline constexpr qsizetype wordSize = 32;
inline constexpr int maxTypeDepth = 16; // arrays and tuples nested deeper are refused

class Type {
public:
    enum class Kind { Uint, Address, Bool, FixedBytes, Bytes, String, Array, FixedArray, Tuple };

    // Canonical or common spellings without spaces: "uint256", "uint" (= uint256), "uint8".."uint256"
    // in steps of 8, "address", "bool", "bytes1".."bytes32", "bytes", "string", "T[]", "T[k]"
    // (k >= 1) and "(T1,T2,...)" (at least one member). InvalidType for anything else.
    [[nodiscard]] static Expected<Type, ChainError> parse(QStringView text);

    [[nodiscard]] Kind kind() const { return m_kind; }
    // Bits for Uint, bytes for FixedBytes, the length for FixedArray; 0 otherwise.
    [[nodiscard]] int size() const { return m_size; }
    // The element type (one) for arrays, the members for tuples; empty otherwise.
    [[nodiscard]] const QList<Type> &components() const { return m_components; }
    [[nodiscard]] bool isDynamic() const { return m_dynamic; }
    // Bytes the type takes in the head of an enclosing tuple (32 for dynamic types).
    [[nodiscard]] qsizetype headSize() const { return m_dynamic ? wordSize : m_staticSize; }
    // The spelling used in function signatures: "uint256", "(address,bytes32)[]".
    [[nodiscard]] QString canonicalName() const;

    // Not defaulted: QList<Type>'s operator== needs Type's to be declared outside the class.
    friend bool operator==(const Type &a, const Type &b);

private:
    Type() = default;
    friend class TypeParser;

    Kind m_kind = Kind::Uint;
    int m_size = 256;
    QList<Type> m_components;
    bool m_dynamic = false;
    qsizetype m_staticSize = wordSize; // the encoded size of a static type
};

// A list of types separated by commas, as in a signature's parentheses or a function's outputs:
// "uint256,address". An empty string is the empty list.
[[nodiscard]] Expected<QList<Type>, ChainError> parseTypes(QStringView text);

class Value {
public:
    enum class Kind { Uint, Address, Bool, FixedBytes, Bytes, String, Array, Tuple };

    Value() = default; // uint 0
    [[nodiscard]] static Value integer(const UInt256 &value); // for uintN
    [[nodiscard]] static Value integer(quint64 value) { return integer(UInt256(value)); }
    [[nodiscard]] static Value address(const crypto::Address &value);
    [[nodiscard]] static Value boolean(bool value);
    [[nodiscard]] static Value fixedBytes(QByteArray value); // for bytes1..bytes32: exactly N bytes
    [[nodiscard]] static Value bytes(QByteArray value);
    [[nodiscard]] static Value string(const QString &value);
    [[nodiscard]] static Value array(QList<Value> items); // for T[] and T[k]
    [[nodiscard]] static Value tuple(QList<Value> items);

    [[nodiscard]] Kind kind() const { return m_kind; }
    // Each accessor returns a default value when the kind differs.
    [[nodiscard]] const UInt256 &integerValue() const { return m_uint; }
    [[nodiscard]] const crypto::Address &addressValue() const { return m_address; }
    [[nodiscard]] bool boolValue() const { return m_bool; }
    [[nodiscard]] const QByteArray &bytesValue() const { return m_bytes; } // fixed bytes, bytes, or a string's UTF-8
    [[nodiscard]] QString stringValue() const;
    [[nodiscard]] const QList<Value> &items() const { return m_items; }

    friend bool operator==(const Value &a, const Value &b); // not defaulted: see Type

private:
    Kind m_kind = Kind::Uint;
    UInt256 m_uint;
    crypto::Address m_address;
    bool m_bool = false;
    QByteArray m_bytes;
    QList<Value> m_items;
};

// A function or event signature: name and parameter types.
struct Signature {
    QString name;
    QList<Type> inputs;
    [[nodiscard]] QString canonical() const; // "open(bytes32,bytes32,bytes32)"
};

// "name(type,type,...)" without spaces or parameter names; "uint" is read as uint256.
[[nodiscard]] Expected<Signature, ChainError> parseSignature(QStringView text);

// First 4 bytes of keccak256 of the (canonical) signature text.
[[nodiscard]] QByteArray selector(QStringView canonicalSignature);
// keccak256 of an event's canonical signature: the first topic of its logs.
[[nodiscard]] QByteArray eventTopic(QStringView canonicalSignature);

// Values encoded as a tuple of the given types (a function's arguments, return data, event data).
// InvalidValue when a value's kind, size or range does not match its type.
[[nodiscard]] Expected<QByteArray, ChainError> encode(const QList<Type> &types, const QList<Value> &values);
// selector(canonical signature) || encode(arguments): calldata for eth_call / transactions.
[[nodiscard]] Expected<QByteArray, ChainError> encodeCall(QStringView signature, const QList<Value> &arguments);

// The inverse of encode. Bytes after the encoding are ignored, as Solidity does. Errors:
// Truncated (data shorter than a head), OutOfBounds (an offset or length past the data),
// Overflow (a uintN word with bits above N, an offset or length above 2^64), InvalidValue
// (bool not 0/1, non-zero padding of address or bytesN, invalid UTF-8), TooLarge (offsets reused
// to make the data decode to far more values than it has words).
[[nodiscard]] Expected<QList<Value>, ChainError> decode(const QList<Type> &types, QByteArrayView data);

// A value of the given type from JSON, as ethers and EIP-712 documents write them: uint as a
// non-negative integer number (up to 2^53), a decimal string or a 0x-hex string; address as
// 0x-hex (EIP-55 checked when mixed case); bool; bytes/bytesN as 0x-hex; string; arrays and
// tuples as JSON arrays.
[[nodiscard]] Expected<Value, ChainError> fromJson(const Type &type, const QJsonValue &json);

} // namespace cmeet::chain::abi
