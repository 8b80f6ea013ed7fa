#pragma once
// The relay's network thread: the WebSocket server and its connections. Every text frame is
// prepared (RelayService::prepare: parsing, schema, signer) on a thread pool as soon as it
// arrives, and handed on in arrival order once prepared; answers come back as deliveries. The
// relay's main thread, which owns the state and the database, thus never waits for a socket and
// sockets are read while it handles and commits earlier messages.

#include "relay/core/relay_service.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QThreadPool>
#include <QWebSocketServer>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>

class QWebSocket;

namespace cmeet::relay {

struct ServerOptions {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8765;                      // 0: any free port
    std::optional<QSslConfiguration> tls;     // wss:// when set
    bool allowInsecureRemote = false;         // ws:// on a non-loopback address
    // A connection that sends more than this without waiting for answers is closed: requests
    // are read as they arrive, so without a limit a flood would only end with the relay's memory.
    qsizetype maxUnanswered = 4096;
    qint64 maxUnansweredBytes = 64 * 1024 * 1024;
};

using ConnectionId = quint64; // never reused, unlike socket addresses

struct ReceivedMessage {
    ConnectionId connection;
    RelayService::Prepared prepared;
    std::chrono::steady_clock::time_point receivedAt; // read off the socket (for the ack latency)
};

// One message for several connections (a broadcast), or one (a reply).
struct Delivery {
    QByteArray message;
    QList<ConnectionId> to;
    bool answer = false; // the answer to the oldest unanswered request of its one connection
};

class WebSocketTransport : public QObject {
    Q_OBJECT

public:
    // `service` only prepares messages (const, any thread).
    explicit WebSocketTransport(const RelayService &service);
    ~WebSocketTransport() override;

    // Called in the transport's thread.
    [[nodiscard]] Expected<Ok, QString> listen(const ServerOptions &options);
    [[nodiscard]] QUrl url() const;
    // Sends each message to those of its connections still open, in order.
    void deliver(const QList<Delivery> &deliveries);
    // Closes every connection and waits for the preparations under way.
    void shutdown();

Q_SIGNALS:
    void connectionOpened(cmeet::relay::ConnectionId connection);
    // The connection's messages not handed on yet are dropped, never half-handled.
    void connectionClosed(cmeet::relay::ConnectionId connection);
    void messagesReady(const QList<cmeet::relay::ReceivedMessage> &messages);

private:
    void acceptConnections();
    void receive(ConnectionId connection, const QString &message);
    void handOnPrepared();
    // TCP_NODELAY on the connections' sockets (the new ones).
    void sendWithoutDelay();
    void drop(ConnectionId connection);
    void cancelPending(ConnectionId connection);

    // A message being prepared on the pool; `ready` is set once `prepared` holds the result.
    struct Preparation {
        std::atomic<bool> ready = false;
        std::atomic<bool> cancelled = false; // its connection went: not worth preparing
        std::optional<RelayService::Prepared> prepared;
    };
    struct Pending {
        ConnectionId connection;
        std::shared_ptr<Preparation> preparation;
        std::chrono::steady_clock::time_point receivedAt;
    };

    struct Connection {
        QWebSocket *socket;
        QList<qsizetype> unanswered; // sizes of the requests not answered yet, oldest first
        qint64 unansweredBytes = 0;
        bool closing = false; // closed for flooding: whatever else it sends is ignored
    };

    const RelayService &m_service;
    ServerOptions m_options;
    std::unique_ptr<QWebSocketServer> m_server;
    std::unordered_map<ConnectionId, Connection> m_connections;
    ConnectionId m_nextConnection = 1;
    QList<Pending> m_pending; // arrival order; each is prepared on m_pool
    QThreadPool m_pool;
    std::atomic<bool> m_wakeScheduled = false; // a handOnPrepared() call is queued
};

} // namespace cmeet::relay
