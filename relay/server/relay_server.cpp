#include "relay/server/relay_server.h"

#include <QLoggingCategory>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcServer, "cmeet.relay.server", QtInfoMsg)

namespace cmeet::relay {

RelayServer::RelayServer(RelayService &service, QObject *parent) : QObject(parent), m_service(service) {}

RelayServer::~RelayServer()
{
    m_pool.waitForDone(); // its tasks use the service and queue calls to this object
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
    auto preparation = std::make_shared<Preparation>();
    m_pending.append({socket, preparation});
    m_pool.start([this, preparation, bytes = message.toUtf8()] {
        preparation->prepared = m_service.prepare(bytes);
        preparation->ready.store(true);
        // One queued call at a time: it takes every message ready by then.
        if (!m_wakeScheduled.exchange(true))
            QMetaObject::invokeMethod(this, &RelayServer::processPrepared, Qt::QueuedConnection);
    });
}

void RelayServer::processPrepared()
{
    m_wakeScheduled.store(false); // before looking: a message ready after this queues a new call
    qsizetype ready = 0;
    while (ready < m_pending.size() && m_pending.at(ready).preparation->ready.load())
        ++ready;
    if (ready == 0)
        return;
    // The ready messages at the head, in arrival order, are handled as one batch (one commit).
    QList<RelayService::Incoming> batch;
    QList<QWebSocket *> senders;
    for (qsizetype i = 0; i < ready; ++i) {
        const Pending &pending = m_pending.at(i);
        batch.append({&m_connections.at(pending.socket), {}, std::move(pending.preparation->prepared)});
        senders.append(pending.socket);
    }
    m_pending.remove(0, ready);
    const QList<Outcome> outcomes = m_service.handleBatch(std::move(batch));
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
    m_pending.removeIf([socket](const Pending &pending) { return pending.socket == socket; });
    socket->deleteLater();
}

} // namespace cmeet::relay
