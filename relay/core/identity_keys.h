#pragma once
// Which keys speak for which identity (DESIGN.md §4), as the relay checks logins and joins.
// Without an identity registry only the identity's own key (its address) does. With one, the
// relay mirrors the registry's KeyAdded/KeyRevoked logs into its own table (IdentitySync, in the
// anchoring thread), so a login or join never waits for a chain call, and a revocation takes
// effect within one sync period. If the mirror is older than maxStaleMs (the node is down), logins
// and joins are refused rather than trusting keys that may have been revoked meanwhile.

#include "identity/identity_registry.h"
#include "protocol/error.h"
#include "relay/core/relay_database.h"

#include <optional>

namespace cmeet::relay {

struct IdentityPolicy {
    bool registry = false;            // keys come from the identity registry
    qint64 maxStaleMs = 5 * 60 * 1000; // refuse when the last successful sync is older
};

class IdentityKeys {
public:
    IdentityKeys(RelayDatabase &database, IdentityPolicy policy) : m_db(database), m_policy(policy) {}

    // May key sign for identity now? wrong_signer, key_not_active or identity_registry_stale.
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> check(const crypto::Address &identity, const crypto::Address &key, qint64 nowMs);

    // The sync side: applies key changes up to and including syncedBlock, in one transaction.
    // Idempotent: a change read twice leaves the same period.
    [[nodiscard]] Expected<Ok, DatabaseError> apply(const QList<identity::KeyChange> &changes, quint64 syncedBlock, qint64 nowMs);
    [[nodiscard]] std::optional<quint64> syncedBlock();
    // Marks the mirror fresh without changes (no new blocks since the last sync).
    [[nodiscard]] Expected<Ok, DatabaseError> markFresh(qint64 nowMs);

    [[nodiscard]] const IdentityPolicy &policy() const { return m_policy; }

private:
    [[nodiscard]] std::optional<qint64> setting(const QString &name);
    [[nodiscard]] Expected<Ok, DatabaseError> setSetting(const QString &name, qint64 value);

    RelayDatabase &m_db;
    IdentityPolicy m_policy;
};

} // namespace cmeet::relay
