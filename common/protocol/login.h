#pragma once
// Connection login (DESIGN.md §4): the relay sends a fresh random nonce; the client signs
// {"identity","nonce","purpose":"cmeet-login","relay"} with its identity key, the same way
// events are signed (EIP-191 over keccak256 of the canonical bytes). Binding the relay address
// and a one-time nonce means a login can't be replayed on another relay or another connection.

#include "base/expected.h"
#include "crypto/keys.h"
#include "protocol/error.h"

namespace cmeet::protocol {

inline constexpr qsizetype loginNonceSize = 32;

[[nodiscard]] QByteArray loginId(const crypto::Address &identity, const crypto::Address &relay, QByteArrayView nonce);
[[nodiscard]] Expected<crypto::Signature, ProtocolError> signLogin(const crypto::PrivateKey &identityKey,
                                                                   const crypto::Address &relay, QByteArrayView nonce);
// WrongSigner unless the signature recovers to identity.
[[nodiscard]] Expected<Ok, ProtocolError> verifyLogin(const crypto::Address &identity, const crypto::Address &relay,
                                                      QByteArrayView nonce, const crypto::Signature &signature);

} // namespace cmeet::protocol
