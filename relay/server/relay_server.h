#pragma once
// cmeet-relay's network side: a WebSocket server (wss:// with a certificate) that hands every
// text frame to RelayService and delivers replies and broadcasts. Knows nothing of the protocol.

#include "relay/core/relay_service.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QThreadPool>
#include <QWebSocketServer>

#include <atomic>
#include <map>
#include <memory>
#include <optional>

class QWebSocket;

namespace cmeet::relay {

struct ServerOptions {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8765;                      // 0: any free port
    std::optional<QSslConfiguration> tls;     // wss:// when set
    bool allowInsecureRemote = false;         // ws:// on a non-loopback address
};

class RelayServer : public QObject {
    Q_OBJECT

public:
    RelayServer(RelayService &service, QObject *parent = nullptr);
    ~RelayServer() override;

    // Error text when the options are unsafe or the port can't be bound.
    [[nodiscard]] Expected<Ok, QString> listen(const ServerOptions &options);
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] QString url() const;
    [[nodiscard]] qsizetype connectionCount() const { return static_cast<qsizetype>(m_connections.size()); }

private:
    void acceptConnections();
    void receive(QWebSocket *socket, const QString &message);
    void processPrepared();
    void drop(QWebSocket *socket);

    // A message being prepared on the pool; `ready` is set once `prepared` holds the result.
    struct Preparation {
        std::atomic<bool> ready = false;
        std::optional<RelayService::Prepared> prepared;
    };
    struct Pending {
        QWebSocket *socket;
        std::shared_ptr<Preparation> preparation;
    };

    RelayService &m_service;
    std::unique_ptr<QWebSocketServer> m_server;
    std::map<QWebSocket *, Session> m_connections;
    // Messages not handled yet, in arrival order; each is prepared on m_pool as soon as it
    // arrives, so preparing the next messages overlaps handling and committing the earlier ones.
    QList<Pending> m_pending;
    QThreadPool m_pool;
    std::atomic<bool> m_wakeScheduled = false; // a processPrepared() call is queued
};

} // namespace cmeet::relay
