#pragma once
// How every signed object of the protocol (events, delegations) is hashed and signed:
// id = keccak256(canonical bytes without "sig"); sig = EIP-191 signature of the 32-byte id.

#include "base/expected.h"
#include "crypto/keys.h"
#include "protocol/canonical_json.h"
#include "protocol/error.h"

#include <QJsonObject>

namespace cmeet::protocol {

[[nodiscard]] QByteArray objectId(QByteArrayView canonicalBytes);
[[nodiscard]] Expected<crypto::Signature, ProtocolError> signId(QByteArrayView id, const crypto::PrivateKey &key);
[[nodiscard]] Expected<crypto::Address, ProtocolError> recoverSignerOfId(QByteArrayView id,
                                                                         const crypto::Signature &signature);

// Reads a "sig" member: 0x + 130 lowercase hex, a low-s signature with v in {27, 28}.
[[nodiscard]] Expected<crypto::Signature, ProtocolError> signatureFromJson(const QJsonValue &value);

// Parses bytes that must be a canonical JSON object, mapping JSON errors to protocol errors.
[[nodiscard]] Expected<QJsonObject, ProtocolError> parseCanonicalObject(QByteArrayView bytes);
[[nodiscard]] ProtocolError toProtocolError(const json::JsonError &error);

} // namespace cmeet::protocol
