#pragma once
// EIP-712 typed structured data hashing and signing, with the types given in the standard JSON
// form that wallets and ethers use:
//   {"types": {"Mail": [{"name": "from", "type": "Person"}, ...], ...},
//    "primaryType": "Mail", "domain": {...}, "message": {...}}
// Participants' approvals of a meeting's final root are signed this way (DESIGN.md §5).

#include "base/expected.h"
#include "chain/error.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

namespace cmeet::chain::eip712 {

inline constexpr int maxDepth = 32; // structs and arrays nested deeper in a message are refused

// "Mail(Person from,Person to,string contents)Person(string name,address wallet)": the type
// followed by every struct type it references, directly or not, sorted by name.
// InvalidTypedData for an unknown type, a malformed types object or a field type we cannot encode
// (atomic types: uint8..uint256, address, bool, bytes1..bytes32, bytes, string; arrays T[] and T[k]).
[[nodiscard]] Expected<QString, ChainError> encodeType(const QJsonObject &types, const QString &typeName);
// keccak256(encodeType).
[[nodiscard]] Expected<QByteArray, ChainError> typeHash(const QJsonObject &types, const QString &typeName);
// keccak256(typeHash || encodeData(data)). Every field of the type must be present in data, and
// data must have no other members (what is not hashed must not look signed).
[[nodiscard]] Expected<QByteArray, ChainError> hashStruct(const QJsonObject &types, const QString &typeName,
                                                          const QJsonObject &data);

// hashStruct of the domain as an EIP712Domain. The type comes from types when it defines
// "EIP712Domain"; otherwise, as ethers does, from the members the domain has, in the order
// name (string), version (string), chainId (uint256), verifyingContract (address), salt (bytes32).
[[nodiscard]] Expected<QByteArray, ChainError> domainSeparator(const QJsonObject &domain,
                                                               const QJsonObject &types = {});

// keccak256(0x19 0x01 || domainSeparator || structHash).
[[nodiscard]] QByteArray digest(QByteArrayView domainSeparatorHash, QByteArrayView structHash);

// The digest of a whole typed-data document {"types", "primaryType", "domain", "message"}.
[[nodiscard]] Expected<QByteArray, ChainError> hashTypedData(const QJsonObject &typedData);
// What eth_signTypedData_v4 returns: a 65-byte r || s || v signature (v in {27, 28}) of the digest.
[[nodiscard]] Expected<crypto::Signature, ChainError> sign(const QJsonObject &typedData, const crypto::PrivateKey &key);
[[nodiscard]] Expected<crypto::Address, ChainError> recoverSigner(const QJsonObject &typedData,
                                                                  const crypto::Signature &signature);

} // namespace cmeet::chain::eip712
