#pragma once
// Sends the anchoring queue's transactions to the chain, in its own thread with its own database
// connection (chain calls block; the relay's event loop must not). One sender for all meetings:
// nonces are never reused. A node that is down is retried until it is back. Steps due together
// (several meetings, or a node back after a while) go in one anchorMany transaction.

#include "base/expected.h"
#include "crypto/keys.h"

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <memory>

namespace cmeet::chain {
class EthClient;
class TransactionSender;
struct ChainError;
struct Receipt;
} // namespace cmeet::chain

namespace cmeet::relay {

class AnchorQueue;
class RelayDatabase;
struct AnchorJob;

struct ChainSettings {
    QUrl endpoint;             // JSON-RPC
    crypto::Address registry;  // the MeetingRegistry
    int pollMs = 500;
};

class AnchorWorker : public QObject {
    Q_OBJECT

public:
    AnchorWorker(QString databasePath, crypto::PrivateKey relayKey, ChainSettings settings);
    ~AnchorWorker() override;

public Q_SLOTS:
    // Run in the worker's thread: opens the database there and starts polling.
    void start();
    void processDue();

private:
    // Steps anchored together at most: keeps one transaction's gas well under a block's.
    static constexpr int maxJobsPerTransaction = 20;

    [[nodiscard]] Expected<bool, chain::ChainError> recordedOnChain(const AnchorJob &job);
    [[nodiscard]] static QByteArray batchCall(const QList<AnchorJob> &jobs);
    void markSent(const QList<AnchorJob> &jobs, const chain::Receipt &receipt);

    QString m_databasePath;
    crypto::PrivateKey m_relayKey;
    ChainSettings m_settings;
    std::unique_ptr<RelayDatabase> m_database;
    std::unique_ptr<AnchorQueue> m_queue;
    std::unique_ptr<chain::EthClient> m_client;
    std::unique_ptr<chain::TransactionSender> m_sender;
    QTimer *m_timer = nullptr;
    bool m_busy = false;
};

} // namespace cmeet::relay
