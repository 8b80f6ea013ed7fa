#pragma once
// Sends the anchoring queue's transactions to the chain, in its own thread with its own database
// connection (chain calls block; the relay's event loop must not). One sender for all meetings:
// nonces are never reused. A node that is down is retried until it is back.
// With an identity registry it also mirrors the registry's key changes into the relay's table
// (relay/core/identity_keys.h) every identitySyncMs.

#include "crypto/keys.h"

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <memory>
#include <optional>

namespace cmeet::chain {
class EthClient;
class TransactionSender;
} // namespace cmeet::chain

namespace cmeet::relay {

class AnchorQueue;
class IdentityKeys;
class RelayDatabase;

struct ChainSettings {
    QUrl endpoint;                                   // JSON-RPC
    std::optional<crypto::Address> registry;         // the MeetingRegistry: anchoring
    std::optional<crypto::Address> identityRegistry; // DeeID: whose keys are whose
    int pollMs = 500;
    int identitySyncMs = 2000;
};

class AnchorWorker : public QObject {
    Q_OBJECT

public:
    AnchorWorker(QString databasePath, crypto::PrivateKey relayKey, ChainSettings settings);
    ~AnchorWorker() override;

Q_SIGNALS:
    // After each successful read of the identity registry (the relay waits for the first one
    // before it listens, so early logins are not refused as stale).
    void identitiesSynced();

public Q_SLOTS:
    // Run in the worker's thread: opens the database there and starts polling.
    void start();
    void processDue();
    void syncIdentities();

private:
    QString m_databasePath;
    crypto::PrivateKey m_relayKey;
    ChainSettings m_settings;
    std::unique_ptr<RelayDatabase> m_database;
    std::unique_ptr<AnchorQueue> m_queue;
    std::unique_ptr<IdentityKeys> m_identityKeys;
    std::unique_ptr<chain::EthClient> m_client;
    std::unique_ptr<chain::TransactionSender> m_sender;
    QTimer *m_timer = nullptr;
    bool m_busy = false;
    bool m_identitySyncFailing = false; // log a failing node once, not every period
};

} // namespace cmeet::relay
