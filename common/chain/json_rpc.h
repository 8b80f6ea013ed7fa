#pragma once
// Ethereum JSON-RPC over HTTP (QNetworkAccessManager): one request at a time per call, a time
// limit, and retries with backoff when the node can't be reached. A node's own error (revert,
// nonce too low) is returned at once, never retried here.

#include "base/expected.h"
#include "chain/error.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QNetworkAccessManager>
#include <QUrl>

namespace cmeet::chain {

struct RpcOptions {
    int timeoutMs = 10000;  // per attempt
    int attempts = 3;       // for unreachable nodes and timeouts
    int backoffMs = 200;    // doubled after each failed attempt
};

class JsonRpcClient {
public:
    explicit JsonRpcClient(QUrl endpoint, RpcOptions options = {});

    // The "result" member, or RpcUnavailable (no answer after all attempts) or RpcError
    // (the node answered with an error: its message in the detail).
    [[nodiscard]] Expected<QJsonValue, ChainError> call(const QString &method, const QJsonArray &params = {});

    [[nodiscard]] const QUrl &endpoint() const { return m_endpoint; }

private:
    [[nodiscard]] Expected<QJsonValue, ChainError> attempt(const QByteArray &body, bool &retryable);

    QUrl m_endpoint;
    RpcOptions m_options;
    QNetworkAccessManager m_network;
    qint64 m_nextId = 1;
};

} // namespace cmeet::chain
