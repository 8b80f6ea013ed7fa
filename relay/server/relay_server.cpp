#include "relay/server/relay_server.h"

#include <QLoggingCategory>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcServer, "cmeet.relay.server", QtInfoMsg)

namespace cmeet::relay {

RelayServer::RelayServer(RelayService &service, QObject *parent) : QObject(parent), m_service(service) {}

RelayServer::~RelayServer()
{
    for (auto &[socket, session] : m_connections) {
        socket->disconnect(this);
        socket->deleteLater();
    }
}

Expected<Ok, QString> RelayServer::listen(const ServerOptions &options)
{
    if (!options.tls && !options.address.isLoopback() && !options.allowInsecureRemote)
        return unexpected(QStringLiteral("refusing plain ws:// on %1: give a TLS certificate and key, or allow it explicitly "
                                         "(--allow-insecure-remote)")
                              .arg(options.address.toString()));
    m_server = std::make_unique<QWebSocketServer>(QStringLiteral("cmeet-relay"),
                                                  options.tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode);
    if (options.tls)
        m_server->setSslConfiguration(*options.tls);
    if (!m_server->listen(options.address, options.port))
        return unexpected(QStringLiteral("cannot listen on %1:%2: %3")
                              .arg(options.address.toString())
                              .arg(options.port)
                              .arg(m_server->errorString()));
    connect(m_server.get(), &QWebSocketServer::newConnection, this, &RelayServer::acceptConnections);
    connect(m_server.get(), &QWebSocketServer::sslErrors, this, [](const QList<QSslError> &errors) {
        for (const QSslError &error : errors)
            qCWarning(lcServer) << "TLS error:" << error.errorString();
    });
    qCInfo(lcServer) << "listening on" << url();
    return Ok{};
}

quint16 RelayServer::port() const { return m_server ? m_server->serverPort() : 0; }

QString RelayServer::url() const { return m_server ? m_server->serverUrl().toString() : QString(); }

void RelayServer::acceptConnections()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(static_cast<quint64>(RelayService::maxMessageBytes));
        Session &session = m_connections[socket];
        connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &message) { receive(socket, message); });
        connect(socket, &QWebSocket::binaryMessageReceived, this, [socket](const QByteArray &) {
            socket->close(QWebSocketProtocol::CloseCodeDatatypeNotSupported, QStringLiteral("text frames only"));
        });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { drop(socket); });
        qCDebug(lcServer) << "connection from" << socket->peerAddress().toString();
        socket->sendTextMessage(QString::fromUtf8(m_service.greet(session)));
    }
}

void RelayServer::receive(QWebSocket *socket, const QString &message)
{
    // Collect what arrives in this turn of the event loop and handle it as one batch.
    m_pending.append({socket, message.toUtf8()});
    if (!m_batchScheduled) {
        m_batchScheduled = true;
        QMetaObject::invokeMethod(this, &RelayServer::processPending, Qt::QueuedConnection);
    }
}

void RelayServer::processPending()
{
    m_batchScheduled = false;
    const auto pending = std::exchange(m_pending, {});
    QList<RelayService::Incoming> batch;
    QList<QWebSocket *> senders;
    for (const auto &[socket, message] : pending) {
        auto found = m_connections.find(socket);
        if (found == m_connections.end())
            continue; // disconnected meanwhile
        batch.append({&found->second, message});
        senders.append(socket);
    }
    const QList<Outcome> outcomes = m_service.handleBatch(batch);
    // Everything in the outcomes is committed already: now it may be seen.
    for (qsizetype i = 0; i < outcomes.size(); ++i) {
        if (!outcomes.at(i).reply.isEmpty())
            senders.at(i)->sendTextMessage(QString::fromUtf8(outcomes.at(i).reply));
        for (const Broadcast &broadcast : outcomes.at(i).broadcasts) {
            const QString text = QString::fromUtf8(broadcast.message);
            for (auto &[peer, session] : m_connections) {
                if (session.subscriptions.contains(broadcast.meeting))
                    peer->sendTextMessage(text);
            }
        }
    }
}

void RelayServer::drop(QWebSocket *socket)
{
    m_connections.erase(socket);
    // Its queued messages were already read: they are dropped, never half-handled.
    m_pending.removeIf([socket](const auto &entry) { return entry.first == socket; });
    socket->deleteLater();
}

} // namespace cmeet::relay
