#pragma once
// The roster commitment a meeting is opened with on chain (MeetingRegistry.open): a Merkle tree
// over keccak256(address) leaves with sorted pairs, so a membership proof is just the sibling
// hashes, with no left/right flags (MeetingRegistry._onRoster checks it the same way).

#include "crypto/keys.h"

#include <QByteArray>
#include <QList>
#include <optional>

namespace cmeet::chain {

// Leaves are sorted and de-duplicated first: the same roster always gives the same root.
[[nodiscard]] QByteArray rosterRoot(const QList<crypto::Address> &roster);
// Sibling hashes from the member's leaf up; nullopt when the address is not on the roster.
[[nodiscard]] std::optional<QList<QByteArray>> rosterProof(const QList<crypto::Address> &roster, const crypto::Address &member);
[[nodiscard]] bool verifyRosterProof(const QByteArray &root, const crypto::Address &member, const QList<QByteArray> &proof);

} // namespace cmeet::chain
