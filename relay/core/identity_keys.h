#pragma once
// Which keys speak for which identity (DESIGN.md §4), as the relay checks logins, joins and
// every later event. Without an identity registry only the identity's own key (its address)
// does. With one, IdentitySync (relay/server) mirrors the registry's KeyAdded/KeyRevoked logs
// into the table identity_keys from its own thread; the relay's thread reads the table into
// memory after each sync (reload), so no check ever waits for the chain or the disk.
// The mirror follows the chain's current state: a key counts once its KeyAdded is read and stops
// counting once its KeyRevoked is read (block timestamps are left to auditors, who ask whether a
// key was active when it signed). If the mirror is older than maxStaleMs (the node is down),
// new logins and joins are refused rather than trusting keys that may have been revoked
// meanwhile; meetings already joined go on.

#include "identity/identity_registry.h"
#include "protocol/error.h"
#include "relay/core/relay_database.h"

#include <QHash>
#include <optional>

namespace cmeet::relay {

struct IdentityPolicy {
    bool registry = false;             // keys come from the identity registry
    qint64 maxStaleMs = 5 * 60 * 1000; // refuse new logins and joins when the last sync is older
};

class IdentityKeys {
public:
    IdentityKeys(RelayDatabase &database, IdentityPolicy policy) : m_db(database), m_policy(policy) {}

    // --- the relay's side: from memory ---
    // May key sign a login, start or join for identity now? wrong_signer, key_not_active or
    // identity_registry_stale.
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> check(const crypto::Address &identity, const crypto::Address &key, qint64 nowMs) const;
    // Has the registry revoked this key of the identity? (For sessions already running.)
    [[nodiscard]] bool revoked(const crypto::Address &identity, const crypto::Address &key) const;
    // Reads the mirror into memory (at start, and after each sync: the keys only when they
    // changed, the time of the sync always).
    [[nodiscard]] Expected<Ok, DatabaseError> reload(bool keysChanged = true);

    // --- the sync side: its own database connection ---
    // The mirror belongs to one registry on one chain (source: e.g. "chainId:address"); a
    // different source, or a chain that went back in blocks, empties it to be read again.
    [[nodiscard]] Expected<Ok, DatabaseError> bindTo(const QString &source);
    [[nodiscard]] Expected<Ok, DatabaseError> clear();
    // Applies the key changes of blocks up to syncedBlock in one transaction; freshAt marks the
    // mirror as current (only once it has reached the chain's latest block). Idempotent.
    [[nodiscard]] Expected<Ok, DatabaseError> apply(const QList<identity::KeyChange> &changes, quint64 syncedBlock, std::optional<qint64> freshAt);
    [[nodiscard]] std::optional<quint64> syncedBlock();

    [[nodiscard]] const IdentityPolicy &policy() const { return m_policy; }
    // Unix ms of the last sync that reached the chain's latest block, as last reloaded.
    [[nodiscard]] std::optional<qint64> syncedAt() const { return m_syncedAt; }

private:
    struct KeyState {
        bool added = false;
        bool revoked = false;
    };

    RelayDatabase &m_db;
    IdentityPolicy m_policy;
    QHash<QByteArray, KeyState> m_keys; // identity bytes || key bytes
    std::optional<qint64> m_syncedAt;   // Unix ms of the last sync that reached the latest block
};

} // namespace cmeet::relay
