#include "client/core/relay_connection.h"

#include "base/hex.h"
#include "protocol/login.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSslConfiguration>
#include <QTimer>

Q_LOGGING_CATEGORY(lcConnection, "cmeet.client.connection", QtInfoMsg)

namespace cmeet::client {
namespace {

using protocol::ErrorCode;
using protocol::ProtocolError;

} // namespace

RelayConnection::RelayConnection(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &RelayConnection::receive);
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        // Requests go out at once, not after the relay's ACK of the one before (Nagle): QWebSocket
        // keeps its TCP socket as a child.
        for (QAbstractSocket *tcp : m_socket.findChildren<QAbstractSocket *>())
            tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    });
    connect(&m_socket, &QWebSocket::disconnected, this, &RelayConnection::disconnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &RelayConnection::wakeWaiting);
    connect(&m_socket, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this, [this] { fail(m_socket.errorString()); });
    connect(&m_socket, &QWebSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        m_certificateRejected = true;
        fail(tr("the relay's certificate is not trusted (%1)").arg(errors.isEmpty() ? QStringLiteral("TLS error") : errors.constFirst().errorString()));
    });
    m_socket.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
}

void RelayConnection::fail(const QString &reason)
{
    if (!m_socketError.isEmpty())
        return; // the first reason is the telling one (a TLS error, then "connection closed")
    m_socketError = reason;
    wakeWaiting();
    Q_EMIT connectionFailed(reason);
}

void RelayConnection::openAsync(const QUrl &url)
{
    if (url.scheme() == QStringLiteral("wss")) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.addCaCertificates(m_trusted);
        m_socket.setSslConfiguration(configuration);
    }
    m_socketError.clear();
    m_certificateRejected = false;
    m_nonce.clear();
    m_socket.open(url);
}

Expected<Ok, QString> RelayConnection::open(const QUrl &url, int timeoutMs)
{
    openAsync(url);
    const bool greeted = waitUntil([&] { return !m_nonce.isEmpty() || !m_socketError.isEmpty(); }, timeoutMs);
    if (!m_socketError.isEmpty())
        return unexpected(QStringLiteral("cannot connect to %1: %2").arg(url.toString(), m_socketError));
    if (!greeted)
        return unexpected(QStringLiteral("no answer from %1 within %2 ms").arg(url.toString()).arg(timeoutMs));
    return Ok{};
}

void RelayConnection::wakeWaiting()
{
    // Every waiting call looks again, the outer ones of nested calls too: each quits its loop
    // once control is back with it.
    for (QEventLoop *loop : std::as_const(m_waiting))
        loop->quit();
}

bool RelayConnection::waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    // Woken by every message (receive() quits the loop), so an answer is seen at once.
    const QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QEventLoop loop;
        QTimer::singleShot(std::max<qint64>(deadline.remainingTime(), 0), &loop, &QEventLoop::quit);
        m_waiting.append(&loop);
        loop.exec();
        m_waiting.removeOne(&loop);
    }
    return true;
}

void RelayConnection::receive(const QString &text)
{
    wakeWaiting();
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = message.value(QStringLiteral("type")).toString();
    if (type == QStringLiteral("challenge")) {
        m_relay = crypto::Address::fromHex(message.value(QStringLiteral("relay")).toString()).value_or(crypto::Address());
        m_nonce = hex::decode(message.value(QStringLiteral("nonce")).toString(), protocol::loginNonceSize).value_or(QByteArray());
        Q_EMIT challenged();
    } else if (type == QStringLiteral("response")) {
        const qint64 id = message.value(QStringLiteral("id")).toInteger();
        m_responses.insert(id, message);
        Q_EMIT responseReceived(id);
    } else if (type == QStringLiteral("event")) {
        RelayEvent event{message.value(QStringLiteral("meeting")).toString(), message.value(QStringLiteral("index")).toInteger(),
                         message.value(QStringLiteral("event")).toString().toUtf8()};
        if (m_keepReceived)
            m_received.append(event);
        Q_EMIT eventReceived(event);
    } else {
        qCWarning(lcConnection) << "ignoring a message of unknown type" << type;
    }
}

qint64 RelayConnection::send(const QString &method, const QJsonObject &params)
{
    return sendMessage({{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("method"), method}, {QStringLiteral("params"), params}});
}

qint64 RelayConnection::sendMessage(QJsonObject message)
{
    const qint64 id = m_nextId++;
    message.insert(QStringLiteral("id"), id);
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    return id;
}

Expected<QJsonObject, ProtocolError> RelayConnection::roundTrip(QJsonObject message, int timeoutMs)
{
    if (!isOpen())
        return unexpected(ProtocolError{ErrorCode::InternalError, QStringLiteral("not connected to the relay")});
    const qint64 id = sendMessage(std::move(message));
    if (!waitUntil([&] { return m_responses.contains(id) || !isOpen(); }, timeoutMs))
        return unexpected(ProtocolError{ErrorCode::InternalError, QStringLiteral("the relay did not answer within %1 ms").arg(timeoutMs)});
    if (!m_responses.contains(id))
        return unexpected(ProtocolError{ErrorCode::InternalError, QStringLiteral("the connection to the relay closed")});
    const QJsonObject response = m_responses.take(id);
    m_lastAckError = response.value(QStringLiteral("ackError")).toString().toUtf8();
    if (auto result = responseResult(response); !result)
        return unexpected(result.error());
    return response;
}

Expected<QJsonValue, ProtocolError> RelayConnection::responseResult(const QJsonObject &response)
{
    if (!response.contains(QStringLiteral("error")))
        return response.value(QStringLiteral("result"));
    const QJsonObject error = response.value(QStringLiteral("error")).toObject();
    // Map the wire code back; unknown codes stay visible in the detail.
    const QString code = error.value(QStringLiteral("code")).toString();
    ErrorCode mapped = ErrorCode::InternalError;
    for (int value = 0; value <= static_cast<int>(ErrorCode::InternalError); ++value) {
        if (protocol::wireCode(static_cast<ErrorCode>(value)) == code)
            mapped = static_cast<ErrorCode>(value);
    }
    return unexpected(ProtocolError{mapped, error.value(QStringLiteral("detail")).toString()});
}

Expected<QJsonObject, ProtocolError> RelayConnection::loginMessage(const crypto::Address &identity, const crypto::PrivateKey &key) const
{
    auto signature = protocol::signLogin(identity, key, m_relay, m_nonce);
    if (!signature)
        return unexpected(signature.error());
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("login")},
                       {QStringLiteral("identity"), identity.toLowerHex()},
                       {QStringLiteral("signature"), signature->toHex()}};
}

Expected<qint64, ProtocolError> RelayConnection::sendLogin(const crypto::Address &identity, const crypto::PrivateKey &key)
{
    auto message = loginMessage(identity, key);
    if (!message)
        return unexpected(message.error());
    return sendMessage(std::move(*message));
}

Expected<QJsonObject, ProtocolError> RelayConnection::login(const crypto::PrivateKey &identityKey, int timeoutMs)
{
    return login(identityKey.address(), identityKey, timeoutMs);
}

Expected<QJsonObject, ProtocolError> RelayConnection::login(const crypto::Address &identity, const crypto::PrivateKey &key, int timeoutMs)
{
    auto message = loginMessage(identity, key);
    if (!message)
        return unexpected(message.error());
    auto response = roundTrip(std::move(*message), timeoutMs);
    if (!response)
        return response;
    return response->value(QStringLiteral("result")).toObject();
}

Expected<QJsonValue, ProtocolError> RelayConnection::call(const QString &method, const QJsonObject &params, int timeoutMs)
{
    auto response = roundTrip({{QStringLiteral("type"), QStringLiteral("request")},
                               {QStringLiteral("method"), method},
                               {QStringLiteral("params"), params}},
                              timeoutMs);
    if (!response)
        return unexpected(response.error());
    return response->value(QStringLiteral("result"));
}

Expected<QJsonObject, ProtocolError> RelayConnection::submit(const QByteArray &eventBytes, const QString &attendanceCode, int timeoutMs)
{
    QJsonObject params{{QStringLiteral("event"), QString::fromUtf8(eventBytes)}};
    if (!attendanceCode.isEmpty())
        params.insert(QStringLiteral("attendanceCode"), attendanceCode);
    auto result = call(QStringLiteral("event.submit"), params, timeoutMs);
    if (!result)
        return unexpected(result.error());
    return result->toObject();
}

bool RelayConnection::waitForEvents(qsizetype count, int timeoutMs)
{
    return waitUntil([&] { return m_received.size() >= count; }, timeoutMs);
}

} // namespace cmeet::client
