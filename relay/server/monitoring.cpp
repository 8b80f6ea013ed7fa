#include "relay/server/monitoring.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcMonitoring, "cmeet.relay.monitoring", QtInfoMsg)

namespace cmeet::relay {

void AckStatistics::record(Clock::time_point receivedAt, Clock::time_point repliedAt)
{
    const double seconds = std::chrono::duration<double>(repliedAt - receivedAt).count();
    if (m_recent.size() < recentWindow)
        m_recent.push_back(seconds);
    else
        m_recent[m_next] = seconds;
    m_next = (m_next + 1) % recentWindow;
    ++m_count;
    m_sumSeconds += seconds;
    const qint64 second = std::chrono::duration_cast<std::chrono::seconds>(repliedAt.time_since_epoch()).count();
    Second &slot = m_seconds[static_cast<size_t>(second) % m_seconds.size()];
    if (slot.second != second)
        slot = {second, 0};
    ++slot.count;
}

AckStatistics::Snapshot AckStatistics::snapshot(Clock::time_point now) const
{
    Snapshot snapshot{m_count, m_sumSeconds, 0, 0, 0};
    if (!m_recent.empty()) {
        std::vector<double> sorted = m_recent;
        std::sort(sorted.begin(), sorted.end());
        const auto at = [&](double fraction) { return sorted.at(std::min(sorted.size() - 1, static_cast<size_t>(fraction * static_cast<double>(sorted.size())))); };
        snapshot.p50Seconds = at(0.5);
        snapshot.p99Seconds = at(0.99);
    }
    // The last whole seconds, not the one under way.
    const qint64 current = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    qint64 events = 0;
    for (const Second &slot : m_seconds)
        events += slot.second >= current - rateSeconds && slot.second < current ? slot.count : 0;
    snapshot.perSecond = static_cast<double>(events) / rateSeconds;
    return snapshot;
}

namespace {

QByteArray number(double value) { return QByteArray::number(value, 'g', 9); }

// One metric: its help, its type and its samples ("name{labels} value" lines).
void addMetric(QByteArray &text, const char *name, const char *type, const char *help, const QList<QPair<QByteArray, QByteArray>> &samples)
{
    text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    for (const auto &[suffix, value] : samples)
        text += name + suffix + ' ' + value + '\n';
}

} // namespace

QByteArray metricsText(const RelayService::Figures &figures, qsizetype connections, const AckStatistics::Snapshot &acks, qint64 nowMs)
{
    QByteArray text;
    addMetric(text, "cmeet_relay_open_meetings", "gauge", "Meetings started and not ended.", {{{}, QByteArray::number(figures.openMeetings)}});
    addMetric(text, "cmeet_relay_connections", "gauge", "WebSocket connections open now.", {{{}, QByteArray::number(connections)}});
    addMetric(text, "cmeet_relay_events_acknowledged_total", "counter", "Events stored and acknowledged since the relay started.",
              {{{}, QByteArray::number(figures.eventsAcknowledged)}});
    addMetric(text, "cmeet_relay_events_per_second", "gauge", "Events answered (acknowledged or refused) per second over the last 10 whole seconds.",
              {{{}, number(acks.perSecond)}});
    addMetric(text, "cmeet_relay_ack_latency_seconds", "summary",
              "From an event read off its socket to the relay's answer (its acknowledgement or refusal) handed to the network; quantiles of the latest 1024.",
              {{"{quantile=\"0.5\"}", number(acks.p50Seconds)},
               {"{quantile=\"0.99\"}", number(acks.p99Seconds)},
               {"_sum", number(acks.sumSeconds)},
               {"_count", QByteArray::number(acks.count)}});
    addMetric(text, "cmeet_relay_storage_refusals_total", "counter",
              "Batches refused whole with storage_error (the database took no writes: disk full, I/O error).",
              {{{}, QByteArray::number(figures.batchesRefused)}});
    addMetric(text, "cmeet_relay_anchor_queue_depth", "gauge", "Anchoring transactions waiting to be sent to the chain.",
              {{{}, QByteArray::number(figures.anchorQueue.pending)}});
    addMetric(text, "cmeet_relay_anchor_jobs_failed", "gauge", "Anchoring transactions the chain refused for good (see cmeet-relay's log).",
              {{{}, QByteArray::number(figures.anchorQueue.failed)}});
    if (figures.identitySyncedAt)
        addMetric(text, "cmeet_relay_identity_sync_age_seconds", "gauge", "Time since the relay last read the identity registry up to the chain's latest block.",
                  {{{}, number(static_cast<double>(nowMs - *figures.identitySyncedAt) / 1000.0)}});
    return text;
}

MonitoringServer::MonitoringServer(Sources sources, QObject *parent)
    : QObject(parent), m_sources(std::move(sources)), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadable(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            QTimer::singleShot(requestTimeoutMs, socket, &QTcpSocket::abort); // a client that never finishes its request
        }
    });
}

Expected<quint16, QString> MonitoringServer::listen(quint16 port)
{
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return unexpected(QStringLiteral("cannot listen for monitoring on 127.0.0.1:%1: %2").arg(port).arg(m_server->errorString()));
    return m_server->serverPort();
}

void MonitoringServer::onReadable(QTcpSocket *socket)
{
    if (socket->property("answered").toBool()) {
        socket->readAll(); // one request per connection
        return;
    }
    // Answered once the request's head is in: closing with unread bytes would reset the connection.
    const QByteArray head = socket->peek(maxRequestBytes + 1);
    const qsizetype end = head.indexOf("\r\n\r\n");
    Answer reply;
    if (end < 0 && head.size() <= maxRequestBytes)
        return;
    if (end < 0) {
        reply = {"431 Request Header Fields Too Large", "text/plain; charset=utf-8", "The request is too large.\n"};
    } else {
        const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
        reply = requestLine.size() == 3 && requestLine.at(2).startsWith("HTTP/1.")
            ? answer(requestLine.at(0), requestLine.at(1).split('?').constFirst())
            : Answer{"400 Bad Request", "text/plain; charset=utf-8", "Not an HTTP/1.1 request.\n"};
    }
    socket->readAll();
    socket->setProperty("answered", true);
    socket->write("HTTP/1.1 " + reply.status + "\r\nContent-Type: " + reply.contentType + "\r\nContent-Length: " + QByteArray::number(reply.body.size())
                  + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + reply.body);
    socket->disconnectFromHost();
}

MonitoringServer::Answer MonitoringServer::answer(const QByteArray &method, const QByteArray &path)
{
    if (path != "/healthz" && path != "/metrics")
        return {"404 Not Found", "text/plain; charset=utf-8", "Not here: GET /healthz or GET /metrics.\n"};
    if (method != "GET")
        return {"405 Method Not Allowed", "text/plain; charset=utf-8", "Only GET.\n"};
    if (path == "/healthz")
        return health();
    const auto figures = m_sources.figures();
    if (!figures) {
        qCWarning(lcMonitoring) << "no metrics: the database does not answer:" << figures.error().detail;
        return {"503 Service Unavailable", "text/plain; charset=utf-8", "The relay's database does not answer; see its log.\n"};
    }
    return {"200 OK", "text/plain; version=0.0.4; charset=utf-8", metricsText(*figures, m_sources.connections(), m_sources.acks(), m_sources.nowMs())};
}

MonitoringServer::Answer MonitoringServer::health()
{
    // 200 while the relay can take events from everyone; 503 with the reason when it cannot.
    QJsonObject body;
    QString problem;
    const auto figures = m_sources.figures();
    if (!figures) {
        problem = QStringLiteral("the database does not answer: ") + figures.error().detail;
    } else {
        body.insert(QStringLiteral("openMeetings"), figures->openMeetings);
        body.insert(QStringLiteral("connections"), m_sources.connections());
        body.insert(QStringLiteral("anchorQueue"), figures->anchorQueue.pending);
        if (m_sources.identityMaxStaleMs > 0) {
            const qint64 now = m_sources.nowMs();
            if (!figures->identitySyncedAt)
                problem = QStringLiteral("the identity registry has not been read yet: new logins are refused");
            else if (now - *figures->identitySyncedAt > m_sources.identityMaxStaleMs)
                problem = QStringLiteral("the identity registry was last read %1 s ago (is the chain node up?): new logins are refused")
                              .arg((now - *figures->identitySyncedAt) / 1000);
        }
    }
    body.insert(QStringLiteral("status"), problem.isEmpty() ? QStringLiteral("ok") : QStringLiteral("failing"));
    if (!problem.isEmpty())
        body.insert(QStringLiteral("problem"), problem);
    return {problem.isEmpty() ? "200 OK" : "503 Service Unavailable", "application/json",
            QJsonDocument(body).toJson(QJsonDocument::Compact) + '\n'};
}

} // namespace cmeet::relay
