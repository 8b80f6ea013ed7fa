#include "relay/core/identity_keys.h"

#include <QScopeGuard>

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::ProtocolError;

const QString kSource = QStringLiteral("identity.source");
const QString kSyncedBlock = QStringLiteral("identity.syncedBlock");
const QString kSyncedAt = QStringLiteral("identity.syncedAt");

QByteArray pairKey(const crypto::Address &identity, const crypto::Address &key) { return identity.bytes() + key.bytes(); }

} // namespace

Expected<Ok, ProtocolError> IdentityKeys::check(const crypto::Address &identity, const crypto::Address &key, qint64 nowMs) const
{
    if (!m_policy.registry) {
        if (key != identity)
            return protocol::fail(ErrorCode::WrongSigner, QStringLiteral("signed by %1, not by %2 (this relay has no identity registry)")
                                                              .arg(key.toChecksumHex(), identity.toChecksumHex()));
        return Ok{};
    }
    if (!m_syncedAt || nowMs - *m_syncedAt > m_policy.maxStaleMs)
        return protocol::fail(ErrorCode::IdentityRegistryStale,
                              m_syncedAt ? QStringLiteral("the relay last read the identity registry %1 s ago; try again when the chain node is back").arg((nowMs - *m_syncedAt) / 1000)
                                         : QStringLiteral("the relay has not read the identity registry yet; try again shortly"));
    const KeyState state = m_keys.value(pairKey(identity, key));
    if (!state.added || state.revoked)
        return protocol::fail(ErrorCode::KeyNotActive, state.revoked ? QStringLiteral("key %1 of identity %2 was revoked").arg(key.toChecksumHex(), identity.toChecksumHex())
                                                                     : QStringLiteral("key %1 was never added to identity %2").arg(key.toChecksumHex(), identity.toChecksumHex()));
    return Ok{};
}

bool IdentityKeys::revoked(const crypto::Address &identity, const crypto::Address &key) const
{
    return m_policy.registry && m_keys.value(pairKey(identity, key)).revoked;
}

Expected<Ok, DatabaseError> IdentityKeys::reload(bool keysChanged)
{
    if (!m_policy.registry)
        return Ok{};
    if (keysChanged) {
        auto rows = m_db.run(QStringLiteral("SELECT identity, key, added_at, revoked_at FROM identity_keys"));
        if (!rows)
            return unexpected(rows.error());
        QHash<QByteArray, KeyState> keys;
        while (rows->next())
            keys.insert(rows->value(0).toByteArray() + rows->value(1).toByteArray(), {rows->value(2).toLongLong() != 0, rows->value(3).toLongLong() != 0});
        m_keys = std::move(keys);
    }
    const auto syncedAt = m_db.setting(kSyncedAt);
    m_syncedAt = syncedAt ? std::optional<qint64>(syncedAt->toLongLong()) : std::nullopt;
    return Ok{};
}

Expected<Ok, DatabaseError> IdentityKeys::bindTo(const QString &source)
{
    if (m_db.setting(kSource) == source)
        return Ok{};
    if (auto cleared = clear(); !cleared)
        return cleared;
    return m_db.setSetting(kSource, source);
}

Expected<Ok, DatabaseError> IdentityKeys::clear()
{
    if (!m_db.begin())
        return unexpected(DatabaseError{QStringLiteral("cannot begin a transaction")});
    auto rollback = qScopeGuard([this] { m_db.rollback(); });
    for (const QString &sql : {QStringLiteral("DELETE FROM identity_keys"), QStringLiteral("DELETE FROM settings WHERE name IN ('identity.syncedBlock', 'identity.syncedAt')")}) {
        if (auto done = m_db.run(sql); !done)
            return unexpected(done.error());
    }
    if (!m_db.commit())
        return unexpected(DatabaseError{QStringLiteral("cannot commit")});
    rollback.dismiss();
    return Ok{};
}

Expected<Ok, DatabaseError> IdentityKeys::apply(const QList<identity::KeyChange> &changes, quint64 syncedBlock, std::optional<qint64> freshAt)
{
    if (!m_db.begin())
        return unexpected(DatabaseError{QStringLiteral("cannot begin a transaction")});
    auto rollback = qScopeGuard([this] { m_db.rollback(); });
    for (const auto &change : changes) {
        // A key is added once and revoked at most once (the contract refuses anything else), so
        // each log sets its own column and the order in which logs are read does not matter.
        const QString column = change.added ? QStringLiteral("added_at") : QStringLiteral("revoked_at");
        auto stored = m_db.run(QStringLiteral("INSERT INTO identity_keys(identity, key, %1) VALUES (?, ?, ?) "
                                              "ON CONFLICT(identity, key) DO UPDATE SET %1 = excluded.%1").arg(column),
                               {change.identity.bytes(), change.key.bytes(), static_cast<qint64>(change.time)});
        if (!stored)
            return unexpected(stored.error());
    }
    if (auto ok = m_db.setSetting(kSyncedBlock, QString::number(syncedBlock)); !ok)
        return ok;
    if (freshAt) {
        if (auto ok = m_db.setSetting(kSyncedAt, QString::number(*freshAt)); !ok)
            return ok;
    }
    if (!m_db.commit())
        return unexpected(DatabaseError{QStringLiteral("cannot commit the identity keys")});
    rollback.dismiss();
    return Ok{};
}

std::optional<quint64> IdentityKeys::syncedBlock()
{
    const auto block = m_db.setting(kSyncedBlock);
    return block ? std::optional<quint64>(block->toULongLong()) : std::nullopt;
}

} // namespace cmeet::relay
