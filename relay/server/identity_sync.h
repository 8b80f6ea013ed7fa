#pragma once
// Mirrors the DeeID IdentityRegistry's key changes into the relay's table identity_keys
// (relay/core/identity_keys.h), in its own thread with its own database connection and chain
// client, every periodMs: chain calls block, and neither the relay's event loop nor anchoring
// may wait for them. Emits synced() after each pass that read the registry.

#include "crypto/keys.h"

#include <QObject>
#include <QUrl>
#include <memory>

namespace cmeet::chain {
class EthClient;
} // namespace cmeet::chain

namespace cmeet::relay {

class IdentityKeys;
class RelayDatabase;

struct IdentitySyncSettings {
    QUrl endpoint;
    crypto::Address registry;
    quint64 fromBlock = 0;     // the registry's deployment block: nothing before it is read
    quint64 confirmations = 0; // blocks left unread at the tip, which a reorganisation could still undo
    int periodMs = 2000;
};

class IdentitySync : public QObject {
    Q_OBJECT

public:
    IdentitySync(QString databasePath, IdentitySyncSettings settings);
    ~IdentitySync() override;

Q_SIGNALS:
    // After each pass that read the registry up to its latest block (the relay reloads then,
    // and waits for the first one before it listens). keysChanged: the table changed since the
    // last signal; otherwise only the time of the sync did.
    void synced(bool keysChanged);

public Q_SLOTS:
    // Run in the sync thread: opens the database there and starts the timer.
    void start();
    void syncNow();

private:
    QString m_databasePath;
    IdentitySyncSettings m_settings;
    std::unique_ptr<RelayDatabase> m_database;
    std::unique_ptr<IdentityKeys> m_keys;
    std::unique_ptr<chain::EthClient> m_client;
    bool m_busy = false;    // a chain call's local event loop must not start a second pass
    bool m_failing = false; // log a failing node once, not every period
    bool m_bound = false;   // the mirror checked against this registry and chain
    bool m_keysChanged = false; // written since the last synced() (a failed pass keeps it set)
};

} // namespace cmeet::relay
