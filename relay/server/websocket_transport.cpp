#include "relay/server/websocket_transport.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcTransport, "cmeet.relay.transport", QtInfoMsg)

namespace cmeet::relay {

WebSocketTransport::WebSocketTransport(const RelayService &service) : m_service(service)
{
    qRegisterMetaType<cmeet::relay::ConnectionId>("cmeet::relay::ConnectionId");
    qRegisterMetaType<QList<cmeet::relay::ReceivedMessage>>();
    qRegisterMetaType<QList<cmeet::relay::Delivery>>();
}

WebSocketTransport::~WebSocketTransport() { shutdown(); }

Expected<Ok, QString> WebSocketTransport::listen(const ServerOptions &options)
{
    if (!options.tls && !options.address.isLoopback() && !options.allowInsecureRemote)
        return unexpected(QStringLiteral("refusing plain ws:// on %1: give a TLS certificate and key, or allow it explicitly "
                                         "(--allow-insecure-remote)")
                              .arg(options.address.toString()));
    if (!options.tls && !options.address.isLoopback())
        qCWarning(lcTransport).noquote() << "serving plain ws:// on" << options.address.toString()
                                         << "as allowed: logins and events cross the network unencrypted";
    m_options = options;
    m_server = std::make_unique<QWebSocketServer>(QStringLiteral("cmeet-relay"),
                                                  options.tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode);
    if (options.tls)
        m_server->setSslConfiguration(*options.tls);
    if (!m_server->listen(options.address, options.port))
        return unexpected(QStringLiteral("cannot listen on %1:%2: %3")
                              .arg(options.address.toString())
                              .arg(options.port)
                              .arg(m_server->errorString()));
    connect(m_server.get(), &QWebSocketServer::newConnection, this, &WebSocketTransport::acceptConnections);
    connect(m_server.get(), &QWebSocketServer::sslErrors, this, [](const QList<QSslError> &errors) {
        for (const QSslError &error : errors)
            qCWarning(lcTransport) << "TLS error:" << error.errorString();
    });
    return Ok{};
}

QUrl WebSocketTransport::url() const { return m_server ? m_server->serverUrl() : QUrl(); }

void WebSocketTransport::shutdown()
{
    m_pool.waitForDone(); // its tasks use the service and queue calls to this object
    m_pending.clear();
    for (auto &[id, connection] : m_connections) {
        connection.socket->disconnect(this);
        connection.socket->deleteLater();
    }
    m_connections.clear();
    m_server.reset();
}

void WebSocketTransport::acceptConnections()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        const ConnectionId connection = m_nextConnection++;
        socket->setParent(this);
        sendWithoutDelay();
        socket->setMaxAllowedIncomingMessageSize(static_cast<quint64>(RelayService::maxMessageBytes));
        m_connections.emplace(connection, Connection{socket, {}, 0, false});
        connect(socket, &QWebSocket::textMessageReceived, this, [this, connection](const QString &message) { receive(connection, message); });
        connect(socket, &QWebSocket::binaryMessageReceived, this, [socket](const QByteArray &) {
            socket->close(QWebSocketProtocol::CloseCodeDatatypeNotSupported, QStringLiteral("text frames only"));
        });
        connect(socket, &QWebSocket::disconnected, this, [this, connection] { drop(connection); });
        qCDebug(lcTransport) << "connection" << connection << "from" << socket->peerAddress().toString();
        Q_EMIT connectionOpened(connection);
    }
}

void WebSocketTransport::receive(ConnectionId connection, const QString &message)
{
    const auto found = m_connections.find(connection);
    if (found == m_connections.end())
        return;
    Connection &sender = found->second;
    if (sender.closing)
        return;
    QByteArray bytes = message.toUtf8();
    if (sender.unanswered.size() >= m_options.maxUnanswered || sender.unansweredBytes + bytes.size() > m_options.maxUnansweredBytes) {
        qCWarning(lcTransport) << "connection" << connection << "sent" << sender.unanswered.size() << "requests (" << sender.unansweredBytes
                               << "bytes) without waiting for answers: closing it";
        // Its backlog goes; the connection itself once the close handshake is done (disconnected
        // calls drop), or after 5 s without it. close() may emit disconnected at once, and drop()
        // erases sender: nothing of it is touched after close().
        QWebSocket *socket = sender.socket; // deleted later, not in drop()
        sender.closing = true;
        cancelPending(connection);
        QTimer::singleShot(5000, socket, &QWebSocket::abort);
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("too many requests unanswered: wait for answers"));
        return;
    }
    sender.unanswered.append(bytes.size());
    sender.unansweredBytes += bytes.size();
    auto preparation = std::make_shared<Preparation>();
    m_pending.append({connection, preparation, std::chrono::steady_clock::now()});
    m_pool.start([this, preparation, bytes = std::move(bytes)] {
        if (preparation->cancelled.load())
            return; // nobody waits for it
        preparation->prepared = m_service.prepare(bytes);
        preparation->ready.store(true);
        // One queued call at a time: it takes every message ready by then.
        if (!m_wakeScheduled.exchange(true))
            QMetaObject::invokeMethod(this, &WebSocketTransport::handOnPrepared, Qt::QueuedConnection);
    });
}

void WebSocketTransport::sendWithoutDelay()
{
    // Every subscribed connection has broadcasts in flight, so with Nagle's algorithm the next
    // small message (a reply, an acknowledgement) waited for the client's delayed ACK: 40 ms for
    // one in five comments. QWebSocket does not show its TCP socket; the server keeps them as
    // children (its TCP server's).
    for (QAbstractSocket *tcp : m_server->findChildren<QAbstractSocket *>()) {
        if (!tcp->property("cmeetNoDelay").toBool()) {
            tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            tcp->setProperty("cmeetNoDelay", true);
        }
    }
}

void WebSocketTransport::handOnPrepared()
{
    m_wakeScheduled.store(false); // before looking: a message ready after this queues a new call
    qsizetype ready = 0;
    while (ready < m_pending.size() && m_pending.at(ready).preparation->ready.load())
        ++ready;
    if (ready == 0)
        return;
    // Only the ready messages at the head: arrival order is kept, across connections too.
    QList<ReceivedMessage> messages;
    messages.reserve(ready);
    for (qsizetype i = 0; i < ready; ++i)
        messages.append({m_pending.at(i).connection, std::move(*m_pending.at(i).preparation->prepared), m_pending.at(i).receivedAt});
    m_pending.remove(0, ready);
    Q_EMIT messagesReady(messages);
}

void WebSocketTransport::deliver(const QList<Delivery> &deliveries)
{
    for (const Delivery &delivery : deliveries) {
        const QString text = QString::fromUtf8(delivery.message);
        for (const ConnectionId connection : delivery.to) {
            const auto found = m_connections.find(connection);
            if (found == m_connections.end())
                continue;
            Connection &receiver = found->second;
            if (delivery.answer && !receiver.unanswered.isEmpty())
                receiver.unansweredBytes -= receiver.unanswered.takeFirst();
            if (!text.isEmpty())
                receiver.socket->sendTextMessage(text);
        }
    }
}

void WebSocketTransport::drop(ConnectionId connection)
{
    const auto found = m_connections.find(connection);
    if (found == m_connections.end())
        return;
    found->second.socket->deleteLater();
    m_connections.erase(found);
    cancelPending(connection);
    Q_EMIT connectionClosed(connection);
}

void WebSocketTransport::cancelPending(ConnectionId connection)
{
    m_pending.removeIf([connection](const Pending &pending) {
        if (pending.connection != connection)
            return false;
        pending.preparation->cancelled.store(true);
        return true;
    });
}

} // namespace cmeet::relay
