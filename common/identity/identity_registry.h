#pragma once
// Calls to the DeeID IdentityRegistry contract (contracts/src/IdentityRegistry.sol): which keys
// speak for which identity, and since when. Encoded calls for the registrar's transactions, the
// views auditors ask, and the KeyAdded/KeyRevoked logs a relay mirrors into its own table.

#include "chain/eth_client.h"

#include <QByteArray>
#include <QList>

namespace cmeet::identity {

[[nodiscard]] QByteArray enrolCall(const crypto::Address &identity, const crypto::Address &firstKey);
[[nodiscard]] QByteArray addKeyCall(const crypto::Address &identity, const crypto::Address &key);
[[nodiscard]] QByteArray revokeKeyCall(const crypto::Address &identity, const crypto::Address &key);

// A key's active period in Unix seconds: addedAt 0 means never added, revokedAt 0 still active.
struct KeyPeriod {
    quint64 addedAt = 0;
    quint64 revokedAt = 0;
    [[nodiscard]] bool activeAt(quint64 time) const { return addedAt != 0 && addedAt <= time && (revokedAt == 0 || time < revokedAt); }
};

[[nodiscard]] Expected<bool, chain::ChainError> isEnrolled(chain::EthClient &client, const crypto::Address &registry, const crypto::Address &identity);
[[nodiscard]] Expected<KeyPeriod, chain::ChainError> keyPeriod(chain::EthClient &client, const crypto::Address &registry,
                                                        const crypto::Address &identity, const crypto::Address &key);

// A refusal of the registry in words ("only the registrar may enrol identities"), or the node's
// own message when it is not one of the registry's errors.
[[nodiscard]] QString describeError(const chain::ChainError &error);

// One KeyAdded or KeyRevoked log.
struct KeyChange {
    crypto::Address identity;
    crypto::Address key;
    bool added = false; // false: revoked
    quint64 time = 0;   // the block's timestamp, as the contract recorded it
    quint64 block = 0;
};

// The key changes logged in blocks [fromBlock, toBlock], in chain order. Other logs of the
// contract (Enrolled) are skipped; a malformed key log is an error, never silently dropped.
[[nodiscard]] Expected<QList<KeyChange>, chain::ChainError> keyChanges(chain::EthClient &client, const crypto::Address &registry,
                                                                quint64 fromBlock, quint64 toBlock);

} // namespace cmeet::identity
