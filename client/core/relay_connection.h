#pragma once
// A connection to a relay: WebSocket (ws:// or wss://), the login challenge, requests matched to
// responses, and the live event stream. Asynchronous through signals; call() and friends wait
// for their answer with a local event loop, for command-line tools and tests.

#include "crypto/keys.h"
#include "protocol/error.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>
#include <QWebSocket>

#include <functional>
#include <optional>

class QEventLoop;

namespace cmeet::client {

struct RelayEvent {
    QString meeting;
    qint64 index = 0;
    QByteArray bytes; // exact wire bytes
};

class RelayConnection : public QObject {
    Q_OBJECT

public:
    explicit RelayConnection(QObject *parent = nullptr);

    // Extra CAs to trust for wss:// (a hospital CA or a test CA), on top of the system's.
    void setTrustedCertificates(const QList<QSslCertificate> &certificates) { m_trusted = certificates; }

    // Connects and waits for the relay's challenge.
    [[nodiscard]] Expected<Ok, QString> open(const QUrl &url, int timeoutMs = 10000);
    // The same without waiting (the app's path): challenged() or connectionFailed() follows.
    void openAsync(const QUrl &url);
    // Without waiting: signs the current challenge and sends the login; its answer arrives as
    // responseReceived(id) with the returned id (read it with responseResult).
    [[nodiscard]] Expected<qint64, protocol::ProtocolError> sendLogin(const crypto::Address &identity, const crypto::PrivateKey &key);
    // A raw response ({"result"} or {"error"}) as a result or the relay's error.
    [[nodiscard]] static Expected<QJsonValue, protocol::ProtocolError> responseResult(const QJsonObject &response);
    // Signs the challenge with the identity key.
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> login(const crypto::PrivateKey &identityKey, int timeoutMs = 10000);
    // Logs in as identity with another of its keys (added in the identity registry).
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> login(const crypto::Address &identity, const crypto::PrivateKey &key,
                                                                       int timeoutMs = 10000);
    // A request and its result (or the relay's error, or a timeout/transport error as InternalError).
    [[nodiscard]] Expected<QJsonValue, protocol::ProtocolError> call(const QString &method, const QJsonObject &params = {},
                                                                     int timeoutMs = 30000);
    // event.submit; the error carries the relay's code and detail (and ackErrorBytes() the signed ackError).
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> submit(const QByteArray &eventBytes,
                                                                        const QString &attendanceCode = {}, int timeoutMs = 30000);
    [[nodiscard]] const QByteArray &lastAckError() const { return m_lastAckError; }

    // Without waiting: sends a request and returns its id; responseReceived(id) tells when it is back.
    qint64 send(const QString &method, const QJsonObject &params);
    // The raw response ({"result"} or {"error"}), once arrived; removed when taken.
    [[nodiscard]] std::optional<QJsonObject> takeResponse(qint64 id) { return m_responses.contains(id) ? std::optional(m_responses.take(id)) : std::nullopt; }

    [[nodiscard]] bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    [[nodiscard]] const crypto::Address &relayAddress() const { return m_relay; }
    // The last open failed because TLS did not trust the relay's certificate.
    [[nodiscard]] bool certificateRejected() const { return m_certificateRejected; }
    void close() { m_socket.close(); }

    // Whether broadcasts are kept in received() (on by default). Simulated participants that only
    // post turn it off: fifty copies of a whole meeting add up.
    void setKeepReceived(bool keep) { m_keepReceived = keep; }

    // Events received so far (broadcasts), in arrival order.
    [[nodiscard]] const QList<RelayEvent> &received() const { return m_received; }
    // Waits until at least count events have arrived in total.
    bool waitForEvents(qsizetype count, int timeoutMs = 10000);

Q_SIGNALS:
    void challenged();
    void connectionFailed(const QString &reason);
    void eventReceived(const cmeet::client::RelayEvent &event);
    void responseReceived(qint64 id);
    void disconnected();

private:
    void receive(const QString &text);
    void fail(const QString &reason);
    qint64 sendMessage(QJsonObject message); // gives it the next id
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> loginMessage(const crypto::Address &identity, const crypto::PrivateKey &key) const;
    bool waitUntil(const std::function<bool()> &done, int timeoutMs);
    void wakeWaiting();
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> roundTrip(QJsonObject message, int timeoutMs);

    QWebSocket m_socket;
    QList<QSslCertificate> m_trusted;
    crypto::Address m_relay;
    QByteArray m_nonce;
    QString m_socketError; // why the last open failed
    bool m_certificateRejected = false;
    qint64 m_nextId = 1;
    QHash<qint64, QJsonObject> m_responses;
    QList<RelayEvent> m_received;
    QByteArray m_lastAckError;
    bool m_keepReceived = true;
    QList<QEventLoop *> m_waiting; // the loops blocking calls run (nested ones too), woken by each message
};

} // namespace cmeet::client
