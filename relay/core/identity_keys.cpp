#include "relay/core/identity_keys.h"

#include <QScopeGuard>

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::ProtocolError;

const QString kSyncedBlock = QStringLiteral("identity.syncedBlock");
const QString kSyncedAt = QStringLiteral("identity.syncedAt");

} // namespace

Expected<Ok, ProtocolError> IdentityKeys::check(const crypto::Address &identity, const crypto::Address &key, qint64 nowMs)
{
    if (!m_policy.registry) {
        if (key != identity)
            return protocol::fail(ErrorCode::WrongSigner, QStringLiteral("signed by %1, not by %2 (this relay has no identity registry)")
                                                              .arg(key.toChecksumHex(), identity.toChecksumHex()));
        return Ok{};
    }
    const auto syncedAt = setting(kSyncedAt);
    if (!syncedAt || nowMs - *syncedAt > m_policy.maxStaleMs)
        return protocol::fail(ErrorCode::IdentityRegistryStale,
                              syncedAt ? QStringLiteral("the relay last read the identity registry %1 s ago; try again when the chain node is back").arg((nowMs - *syncedAt) / 1000)
                                       : QStringLiteral("the relay has not read the identity registry yet; try again shortly"));
    auto period = m_db.run(QStringLiteral("SELECT added_at, revoked_at FROM identity_keys WHERE identity = ? AND key = ?"),
                           {identity.bytes(), key.bytes()});
    if (!period)
        return protocol::fail(ErrorCode::StorageError, period.error().detail);
    const identity::KeyPeriod known = period->next() ? identity::KeyPeriod{period->value(0).toULongLong(), period->value(1).toULongLong()}
                                                            : identity::KeyPeriod{};
    if (!known.activeAt(static_cast<quint64>(nowMs / 1000)))
        return protocol::fail(ErrorCode::KeyNotActive, known.addedAt == 0 ? QStringLiteral("key %1 was never added to identity %2").arg(key.toChecksumHex(), identity.toChecksumHex())
                                                                          : QStringLiteral("key %1 of identity %2 was revoked").arg(key.toChecksumHex(), identity.toChecksumHex()));
    return Ok{};
}

Expected<Ok, DatabaseError> IdentityKeys::apply(const QList<identity::KeyChange> &changes, quint64 syncedBlock, qint64 nowMs)
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
    if (auto ok = setSetting(kSyncedBlock, static_cast<qint64>(syncedBlock)); !ok)
        return ok;
    if (auto ok = setSetting(kSyncedAt, nowMs); !ok)
        return ok;
    if (!m_db.commit())
        return unexpected(DatabaseError{QStringLiteral("cannot commit the identity keys")});
    rollback.dismiss();
    return Ok{};
}

std::optional<quint64> IdentityKeys::syncedBlock()
{
    const auto block = setting(kSyncedBlock);
    return block ? std::optional<quint64>(static_cast<quint64>(*block)) : std::nullopt;
}

Expected<Ok, DatabaseError> IdentityKeys::markFresh(qint64 nowMs) { return setSetting(kSyncedAt, nowMs); }

std::optional<qint64> IdentityKeys::setting(const QString &name)
{
    const auto value = m_db.setting(name);
    return value ? std::optional<qint64>(value->toLongLong()) : std::nullopt;
}

Expected<Ok, DatabaseError> IdentityKeys::setSetting(const QString &name, qint64 value) { return m_db.setSetting(name, QString::number(value)); }

} // namespace cmeet::relay
