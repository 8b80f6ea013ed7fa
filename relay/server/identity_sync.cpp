#include "relay/server/identity_sync.h"

#include "chain/eth_client.h"
#include "identity/identity_registry.h"
#include "relay/core/identity_keys.h"
#include "relay/core/relay_database.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QTimer>

#include <utility>

Q_LOGGING_CATEGORY(lcIdentitySync, "cmeet.relay.identity", QtInfoMsg)

namespace cmeet::relay {

IdentitySync::IdentitySync(QString databasePath, IdentitySyncSettings settings)
    : m_databasePath(std::move(databasePath)), m_settings(std::move(settings))
{
}

IdentitySync::~IdentitySync() = default;

void IdentitySync::start()
{
    auto database = RelayDatabase::open(m_databasePath);
    if (!database) {
        qCCritical(lcIdentitySync) << "identity sync stopped: cannot open the database:" << database.error().detail;
        return;
    }
    m_database = std::move(*database);
    m_keys = std::make_unique<IdentityKeys>(*m_database, IdentityPolicy{true});
    m_client = std::make_unique<chain::EthClient>(m_settings.endpoint, chain::RpcOptions{5000, 1, 0});
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &IdentitySync::syncNow);
    timer->start(m_settings.periodMs);
    qCInfo(lcIdentitySync) << "reading identity keys from" << m_settings.registry.toChecksumHex() << "every" << m_settings.periodMs << "ms";
    syncNow(); // logins can be checked as soon as possible
}

void IdentitySync::syncNow()
{
    if (m_busy)
        return; // the next period will do
    m_busy = true;
    const auto done = qScopeGuard([this] { m_busy = false; });
    const auto failed = [this](const QString &detail) {
        if (!m_failing)
            qCWarning(lcIdentitySync) << "cannot read the identity registry (new logins are refused once the copy is too old):" << detail;
        m_failing = true;
    };
    if (!m_bound) {
        // A mirror read from another registry or chain must not speak for this one.
        auto chainId = m_client->chainId();
        if (!chainId)
            return failed(chainId.error().detail);
        if (auto bound = m_keys->bindTo(QStringLiteral("%1:%2").arg(*chainId).arg(m_settings.registry.toLowerHex())); !bound)
            return failed(bound.error().detail);
        m_bound = true;
        m_keysChanged = true; // the relay's copy in memory may predate this process
    }
    auto tip = m_client->blockNumber();
    if (!tip)
        return failed(tip.error().detail);
    // Read only blocks with enough confirmations: the mirror never holds a change a reorganisation
    // could undo (a dev chain needs none).
    const std::optional<quint64> latest = *tip >= m_settings.confirmations ? std::optional(*tip - m_settings.confirmations) : std::nullopt;
    if (!latest)
        return; // a chain younger than the confirmations asked for: nothing final to read yet
    auto readUpTo = m_keys->syncedBlock();
    if (readUpTo && *readUpTo > *latest) {
        // The chain went back (a dev chain restarted without its state): read it again.
        qCWarning(lcIdentitySync) << "the chain is at block" << *latest << "but the copy was read up to" << *readUpTo << ": reading it again";
        if (auto cleared = m_keys->clear(); !cleared)
            return failed(cleared.error().detail);
        m_keysChanged = true;
        readUpTo.reset();
    }
    // Nodes cap the block range of one eth_getLogs: read in steps. Only a pass that reaches the
    // latest block makes the copy current.
    constexpr quint64 step = 10'000;
    const quint64 first = readUpTo ? *readUpTo + 1 : m_settings.fromBlock;
    for (quint64 from = first; from <= *latest; from += step) {
        const quint64 to = qMin(from + step - 1, *latest);
        auto changes = identity::keyChanges(*m_client, m_settings.registry, from, to);
        if (!changes)
            return failed(changes.error().detail);
        const bool current = to == *latest;
        if (auto ok = m_keys->apply(*changes, to, current ? std::optional<qint64>(QDateTime::currentMSecsSinceEpoch()) : std::nullopt); !ok)
            return failed(ok.error().detail);
        if (!changes->isEmpty()) {
            m_keysChanged = true;
            qCInfo(lcIdentitySync) << changes->size() << "identity key changes read up to block" << to;
        }
    }
    if (first > *latest) {
        if (auto ok = m_keys->apply({}, *latest, QDateTime::currentMSecsSinceEpoch()); !ok)
            return failed(ok.error().detail);
    }
    if (m_failing)
        qCInfo(lcIdentitySync) << "identity registry readable again";
    m_failing = false;
    Q_EMIT synced(std::exchange(m_keysChanged, false));
}

} // namespace cmeet::relay
