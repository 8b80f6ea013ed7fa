#include "chain/json_rpc.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QThread>
#include <QTimer>

Q_LOGGING_CATEGORY(lcRpc, "cmeet.chain.rpc", QtInfoMsg)

namespace cmeet::chain {

JsonRpcClient::JsonRpcClient(QUrl endpoint, RpcOptions options) : m_endpoint(std::move(endpoint)), m_options(options) {}

Expected<QJsonValue, ChainError> JsonRpcClient::call(const QString &method, const QJsonArray &params)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                                                      {QStringLiteral("id"), m_nextId++},
                                                      {QStringLiteral("method"), method},
                                                      {QStringLiteral("params"), params}})
                                .toJson(QJsonDocument::Compact);
    int backoff = m_options.backoffMs;
    for (int attemptNumber = 1;; ++attemptNumber) {
        bool retryable = false;
        auto result = attempt(body, retryable);
        if (result || !retryable || attemptNumber >= m_options.attempts) {
            if (!result)
                qCDebug(lcRpc) << method << "failed:" << result.error().detail;
            return result;
        }
        qCInfo(lcRpc) << method << "attempt" << attemptNumber << "failed, retrying in" << backoff << "ms:" << result.error().detail;
        QThread::msleep(static_cast<unsigned long>(backoff));
        backoff *= 2;
    }
}

Expected<QJsonValue, ChainError> JsonRpcClient::attempt(const QByteArray &body, bool &retryable)
{
    QNetworkRequest request(m_endpoint);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(m_options.timeoutMs);
    QNetworkReply *reply = m_network.post(request, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();

    if (reply->error() != QNetworkReply::NoError && reply->error() < QNetworkReply::ContentAccessDenied) {
        // Connection refused, timed out, host unreachable...: the node may come back.
        retryable = true;
        return unexpected(ChainError{ErrorCode::RpcUnavailable, QStringLiteral("%1: %2").arg(m_endpoint.toString(), reply->errorString())});
    }
    const QByteArray answer = reply->readAll();
    QJsonParseError parseError{};
    const QJsonObject object = QJsonDocument::fromJson(answer, &parseError).object();
    if (parseError.error != QJsonParseError::NoError || object.isEmpty()) {
        retryable = reply->error() != QNetworkReply::NoError; // an HTTP error page from a proxy
        return unexpected(ChainError{ErrorCode::RpcUnavailable, QStringLiteral("%1 did not answer JSON-RPC: %2").arg(m_endpoint.toString(), reply->errorString())});
    }
    if (object.contains(QStringLiteral("error"))) {
        const QJsonObject error = object.value(QStringLiteral("error")).toObject();
        QString detail = error.value(QStringLiteral("message")).toString();
        if (error.contains(QStringLiteral("data")))
            detail += QStringLiteral(" (data: %1)").arg(QString::fromUtf8(QJsonDocument(QJsonArray{error.value(QStringLiteral("data"))}).toJson(QJsonDocument::Compact)));
        return unexpected(ChainError{ErrorCode::RpcError, detail.left(500)});
    }
    return object.value(QStringLiteral("result"));
}

} // namespace cmeet::chain
