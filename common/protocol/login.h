#pragma once
// Connection login (DESIGN.md §4): the relay sends a fresh random nonce; the client signs
// {"identity","nonce","purpose":"cmeet-login","relay"} with one of its identity's keys, the same
// way events are signed (EIP-191 over keccak256 of the canonical bytes). Binding the relay
// address and a one-time nonce means a login can't be replayed on another relay or connection.
// Which key signed is recovered from the signature; whether that key speaks for the identity is
// the relay's question (the identity's own address, or a key active in the identity registry).

#include "base/expected.h"
#include "crypto/keys.h"
#include "protocol/error.h"

namespace cmeet::protocol {

inline constexpr qsizetype loginNonceSize = 32;

[[nodiscard]] QByteArray loginId(const crypto::Address &identity, const crypto::Address &relay, QByteArrayView nonce);
[[nodiscard]] Expected<crypto::Signature, ProtocolError> signLogin(const crypto::PrivateKey &identityKey,
                                                                   const crypto::Address &relay, QByteArrayView nonce);
// Signs for identity with another of its keys (one added in the identity registry).
[[nodiscard]] Expected<crypto::Signature, ProtocolError> signLogin(const crypto::Address &identity, const crypto::PrivateKey &key,
                                                                   const crypto::Address &relay, QByteArrayView nonce);
// The key that signed this login for identity.
[[nodiscard]] Expected<crypto::Address, ProtocolError> loginSigner(const crypto::Address &identity, const crypto::Address &relay,
                                                                   QByteArrayView nonce, const crypto::Signature &signature);
// WrongSigner unless the signature recovers to identity.
[[nodiscard]] Expected<Ok, ProtocolError> verifyLogin(const crypto::Address &identity, const crypto::Address &relay,
                                                      QByteArrayView nonce, const crypto::Signature &signature);

} // namespace cmeet::protocol
