#pragma once
// What an operator watches (docs/operations.md): GET /healthz and a Prometheus-style GET /metrics
// on a loopback port of their own, apart from the participants' WebSocket port. A few lines of
// HTTP/1.1, one request per connection; nothing in the answers names a person, a patient or a key.

#include "relay/core/relay_service.h"

#include <QHostAddress>
#include <QObject>

#include <array>
#include <chrono>
#include <functional>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace cmeet::relay {

// The acknowledgements the server sent: how many a second lately, and how long each waited from
// the socket to its reply (over the most recent ones).
class AckStatistics {
public:
    using Clock = std::chrono::steady_clock;

    void record(Clock::time_point receivedAt, Clock::time_point repliedAt);

    struct Snapshot {
        qint64 count = 0;        // since the start
        double sumSeconds = 0;   // of all their latencies
        double p50Seconds = 0;   // of the most recent recentWindow
        double p99Seconds = 0;
        double perSecond = 0;    // over the last rateSeconds whole seconds
    };
    [[nodiscard]] Snapshot snapshot(Clock::time_point now) const;

    static constexpr size_t recentWindow = 1024;
    static constexpr int rateSeconds = 10;

private:
    struct Second {
        qint64 second = -1;
        qint64 count = 0;
    };
    std::vector<double> m_recent; // a ring of the latest latencies, in seconds
    size_t m_next = 0;
    qint64 m_count = 0;
    double m_sumSeconds = 0;
    std::array<Second, rateSeconds + 1> m_seconds{}; // by second, the current one included
};

// The text of /metrics (Prometheus exposition format 0.0.4).
[[nodiscard]] QByteArray metricsText(const RelayService::Figures &figures, qsizetype connections, const AckStatistics::Snapshot &acks,
                                     qint64 nowMs);

class MonitoringServer : public QObject {
    Q_OBJECT

public:
    struct Sources {
        std::function<Expected<RelayService::Figures, DatabaseError>()> figures;
        std::function<qsizetype()> connections;
        std::function<AckStatistics::Snapshot()> acks;
        std::function<qint64()> nowMs;
        qint64 identityMaxStaleMs = 0; // a sync older than this is reported by /healthz
    };
    explicit MonitoringServer(Sources sources, QObject *parent = nullptr);

    // Listens on the loopback address only; port 0 picks a free one. Error text on failure.
    [[nodiscard]] Expected<quint16, QString> listen(quint16 port);

    static constexpr qsizetype maxRequestBytes = 8 * 1024;
    static constexpr int requestTimeoutMs = 5000;

private:
    void onReadable(QTcpSocket *socket);
    // The status line, content type and body for a request line's method and path.
    struct Answer {
        QByteArray status;
        QByteArray contentType;
        QByteArray body;
    };
    [[nodiscard]] Answer answer(const QByteArray &method, const QByteArray &path);
    [[nodiscard]] Answer health();

    Sources m_sources;
    QTcpServer *m_server;
};

} // namespace cmeet::relay
