#pragma once
// cmeet-relay's server: RelayService on this (the main) thread, with the sessions and the
// database, and a WebSocketTransport on a network thread of its own that reads, prepares and
// writes. Messages that arrive while a batch is handled are handled together in the next batch
// (one commit). Knows nothing of the protocol.

#include "relay/server/monitoring.h"
#include "relay/server/websocket_transport.h"

#include <QObject>
#include <QThread>
#include <QUrl>

#include <map>

namespace cmeet::relay {

class RelayServer : public QObject {
    Q_OBJECT

public:
    explicit RelayServer(RelayService &service, QObject *parent = nullptr);
    ~RelayServer() override;

    // Error text when the options are unsafe or the port can't be bound.
    [[nodiscard]] Expected<Ok, QString> listen(const ServerOptions &options);
    [[nodiscard]] quint16 port() const { return static_cast<quint16>(m_url.port()); }
    [[nodiscard]] QString url() const { return m_url.toString(); }
    [[nodiscard]] qsizetype connectionCount() const { return static_cast<qsizetype>(m_sessions.size()); }
    [[nodiscard]] AckStatistics::Snapshot acks() const { return m_acks.snapshot(AckStatistics::Clock::now()); }

private:
    void onConnectionOpened(ConnectionId connection);
    void onConnectionClosed(ConnectionId connection);
    void enqueue(const QList<ReceivedMessage> &messages);
    void handleQueued();
    // Messages handled together: one transaction, one commit.
    struct Batch {
        QList<RelayService::Incoming> incoming;
        QList<ConnectionId> senders;
        QList<std::optional<AckStatistics::Clock::time_point>> eventsReceivedAt; // for the events submitted
        void add(Session &session, ReceivedMessage &&message);
    };
    void handle(Batch batch);
    void deliver(QList<Delivery> deliveries);

    RelayService &m_service;
    QThread m_networkThread;
    WebSocketTransport *m_transport; // lives in m_networkThread
    QUrl m_url;
    std::map<ConnectionId, Session> m_sessions;
    QList<ReceivedMessage> m_queued; // prepared, in arrival order, not handled yet
    AckStatistics m_acks;
    bool m_handlingScheduled = false;
};

} // namespace cmeet::relay
