#include "relay/server/relay_server.h"

#include <QHash>
#include <QSet>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcServer, "cmeet.relay.server", QtInfoMsg)

namespace cmeet::relay {

RelayServer::RelayServer(RelayService &service, QObject *parent)
    : QObject(parent), m_service(service), m_transport(new WebSocketTransport(service))
{
    m_networkThread.setObjectName(QStringLiteral("network"));
    m_transport->moveToThread(&m_networkThread);
    connect(&m_networkThread, &QThread::finished, m_transport, &QObject::deleteLater);
    connect(m_transport, &WebSocketTransport::connectionOpened, this, &RelayServer::onConnectionOpened);
    connect(m_transport, &WebSocketTransport::connectionClosed, this, &RelayServer::onConnectionClosed);
    connect(m_transport, &WebSocketTransport::messagesReady, this, &RelayServer::enqueue);
    m_networkThread.start();
}

RelayServer::~RelayServer()
{
    QMetaObject::invokeMethod(m_transport, &WebSocketTransport::shutdown, Qt::BlockingQueuedConnection);
    m_networkThread.quit();
    m_networkThread.wait();
}

Expected<Ok, QString> RelayServer::listen(const ServerOptions &options)
{
    Expected<Ok, QString> listening = Ok{};
    QMetaObject::invokeMethod(
        m_transport,
        [&] {
            listening = m_transport->listen(options);
            m_url = m_transport->url();
        },
        Qt::BlockingQueuedConnection);
    if (listening)
        qCInfo(lcServer) << "listening on" << url();
    return listening;
}

void RelayServer::onConnectionOpened(ConnectionId connection)
{
    Session &session = m_sessions[connection];
    deliver({{m_service.greet(session), {connection}, false}});
}

void RelayServer::onConnectionClosed(ConnectionId connection) { m_sessions.erase(connection); }

void RelayServer::enqueue(const QList<ReceivedMessage> &messages)
{
    m_queued.append(messages);
    if (!m_handlingScheduled) {
        m_handlingScheduled = true;
        QMetaObject::invokeMethod(this, &RelayServer::handleQueued, Qt::QueuedConnection);
    }
}

void RelayServer::Batch::add(Session &session, ReceivedMessage &&message)
{
    eventsReceivedAt.append(message.prepared.event ? std::optional(message.receivedAt) : std::nullopt);
    senders.append(message.connection);
    incoming.append({&session, {}, std::move(message.prepared)});
}

void RelayServer::handleQueued()
{
    m_handlingScheduled = false;
    // An image's chunks (a megabyte each, up and down) take milliseconds each, much of it in the
    // commit that writes the megabyte: one chunk is handled per round, in a batch of its own after
    // the other messages, so the meeting's events never share its commit nor queue behind a whole
    // image. A connection's messages keep their order: once one of them waits, the ones after it
    // wait too.
    Batch batch;
    Batch chunk;
    QList<ReceivedMessage> later;
    QSet<ConnectionId> waiting;
    for (ReceivedMessage &message : std::exchange(m_queued, {})) {
        const auto session = m_sessions.find(message.connection);
        if (session == m_sessions.end())
            continue; // closed meanwhile
        const bool imageChunk = RelayService::isImageChunk(message.prepared);
        if (waiting.contains(message.connection) || (imageChunk && !chunk.incoming.isEmpty())) {
            waiting.insert(message.connection);
            later.append(std::move(message));
        } else if (imageChunk) {
            waiting.insert(message.connection); // what it sent next comes after the chunk
            chunk.add(session->second, std::move(message));
        } else {
            batch.add(session->second, std::move(message));
        }
    }
    if (!later.isEmpty()) {
        m_queued = std::move(later);
        m_handlingScheduled = true;
        QMetaObject::invokeMethod(this, &RelayServer::handleQueued, Qt::QueuedConnection); // after what the network brings meanwhile
    }
    handle(std::move(batch));
    handle(std::move(chunk));
}

void RelayServer::handle(Batch batch)
{
    if (batch.incoming.isEmpty())
        return;
    const QList<Outcome> outcomes = m_service.handleBatch(std::move(batch.incoming));
    // Everything in the outcomes is committed already: now it may be seen. Who receives a
    // meeting's broadcasts is worked out once per batch (every event brings two).
    QHash<QString, QList<ConnectionId>> audiences;
    const auto audienceOf = [&](const QString &meeting) -> QList<ConnectionId> { // shared, not copied
        if (const auto found = audiences.constFind(meeting); found != audiences.cend())
            return *found;
        QList<ConnectionId> audience;
        for (auto &[connection, session] : m_sessions) {
            if (!session.subscriptions.contains(meeting))
                continue;
            if (m_service.mayReceive(session, meeting))
                audience.append(connection);
            else
                session.subscriptions.remove(meeting); // off the roster, or its key revoked
        }
        return *audiences.insert(meeting, audience);
    };
    QList<Delivery> deliveries;
    const auto repliedAt = AckStatistics::Clock::now();
    for (qsizetype i = 0; i < outcomes.size(); ++i) {
        if (batch.eventsReceivedAt.at(i))
            m_acks.record(*batch.eventsReceivedAt.at(i), repliedAt);
        deliveries.append({outcomes.at(i).reply, {batch.senders.at(i)}, true}); // even if empty: it was handled
        for (const Broadcast &broadcast : outcomes.at(i).broadcasts)
            deliveries.append({broadcast.message, audienceOf(broadcast.meeting), false});
    }
    // A meeting that ended in this batch broadcasts nothing after its ackEnd: its subscriptions go,
    // or every connection would keep every meeting it ever took part in (the soak saw them grow).
    for (auto it = audiences.cbegin(); it != audiences.cend(); ++it) {
        if (m_service.isRunning(it.key()))
            continue;
        for (auto &[connection, session] : m_sessions)
            session.subscriptions.remove(it.key());
    }
    deliver(std::move(deliveries));
}

void RelayServer::deliver(QList<Delivery> deliveries)
{
    QMetaObject::invokeMethod(m_transport, [transport = m_transport, deliveries = std::move(deliveries)] { transport->deliver(deliveries); });
}

} // namespace cmeet::relay
