#include "chain/eth_client.h"

#include "base/hex.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QThread>

namespace cmeet::chain {
namespace {

Unexpected<ChainError> malformed(const QString &what)
{
    return unexpected(ChainError{ErrorCode::RpcError, QStringLiteral("unexpected answer from the node: ") + what});
}

Expected<quint64, ChainError> quantity(const Expected<QJsonValue, ChainError> &result, const QString &what)
{
    if (!result)
        return unexpected(result.error());
    auto number = UInt256::fromHex(result->toString());
    auto small = number ? number->toU64() : std::nullopt;
    if (!small)
        return malformed(what);
    return *small;
}

std::optional<QByteArray> bytesOf(const QJsonValue &value) { return hex::decode(value.toString()); }

Expected<LogEntry, ChainError> logFrom(const QJsonObject &object)
{
    LogEntry entry;
    auto address = crypto::Address::fromHex(object.value(QStringLiteral("address")).toString());
    auto data = bytesOf(object.value(QStringLiteral("data")));
    auto block = UInt256::fromHex(object.value(QStringLiteral("blockNumber")).toString());
    auto hash = bytesOf(object.value(QStringLiteral("transactionHash")));
    if (!address || !data || !block || !hash)
        return malformed(QStringLiteral("a log entry"));
    entry.address = *address;
    entry.data = *data;
    entry.blockNumber = block->toU64().value_or(0);
    entry.transactionHash = *hash;
    for (const QJsonValue &topic : object.value(QStringLiteral("topics")).toArray())
        entry.topics.append(bytesOf(topic).value_or(QByteArray()));
    return entry;
}

} // namespace

EthClient::EthClient(QUrl endpoint, RpcOptions options) : m_rpc(std::move(endpoint), options) {}

Expected<quint64, ChainError> EthClient::chainId() { return quantity(m_rpc.call(QStringLiteral("eth_chainId")), QStringLiteral("chain id")); }

Expected<quint64, ChainError> EthClient::blockNumber()
{
    return quantity(m_rpc.call(QStringLiteral("eth_blockNumber")), QStringLiteral("block number"));
}

Expected<quint64, ChainError> EthClient::pendingNonce(const crypto::Address &account)
{
    return quantity(m_rpc.call(QStringLiteral("eth_getTransactionCount"), {account.toLowerHex(), QStringLiteral("pending")}), QStringLiteral("nonce"));
}

Expected<UInt256, ChainError> EthClient::balance(const crypto::Address &account)
{
    auto result = m_rpc.call(QStringLiteral("eth_getBalance"), {account.toLowerHex(), QStringLiteral("latest")});
    if (!result)
        return unexpected(result.error());
    auto value = UInt256::fromHex(result->toString());
    if (!value)
        return malformed(QStringLiteral("balance"));
    return *value;
}

Expected<QByteArray, ChainError> EthClient::call(const crypto::Address &to, QByteArrayView data)
{
    auto result = m_rpc.call(QStringLiteral("eth_call"), {QJsonObject{{QStringLiteral("to"), to.toLowerHex()}, {QStringLiteral("data"), hex::encode(data)}},
                                                         QStringLiteral("latest")});
    if (!result)
        return unexpected(result.error());
    auto bytes = bytesOf(*result);
    if (!bytes)
        return malformed(QStringLiteral("eth_call result"));
    return *bytes;
}

Expected<quint64, ChainError> EthClient::estimateGas(const crypto::Address &from, const std::optional<crypto::Address> &to, QByteArrayView data)
{
    QJsonObject transaction{{QStringLiteral("from"), from.toLowerHex()}, {QStringLiteral("data"), hex::encode(data)}};
    if (to)
        transaction.insert(QStringLiteral("to"), to->toLowerHex());
    return quantity(m_rpc.call(QStringLiteral("eth_estimateGas"), {transaction}), QStringLiteral("gas estimate"));
}

Expected<std::pair<UInt256, UInt256>, ChainError> EthClient::fees()
{
    auto tip = m_rpc.call(QStringLiteral("eth_maxPriorityFeePerGas"));
    auto block = tip ? m_rpc.call(QStringLiteral("eth_getBlockByNumber"), {QStringLiteral("latest"), false}) : tip;
    if (!block)
        return unexpected(block.error());
    auto tipValue = UInt256::fromHex(tip->toString());
    auto base = UInt256::fromHex(block->toObject().value(QStringLiteral("baseFeePerGas")).toString());
    if (!tipValue || !base)
        return malformed(QStringLiteral("fee data"));
    auto cap = base->checkedAdd(*base);
    cap = cap ? cap->checkedAdd(*tipValue) : cap;
    if (!cap)
        return unexpected(cap.error());
    return std::pair{*tipValue, *cap};
}

Expected<QByteArray, ChainError> EthClient::sendRawTransaction(QByteArrayView signedSerialized)
{
    auto result = m_rpc.call(QStringLiteral("eth_sendRawTransaction"), {hex::encode(signedSerialized)});
    if (!result)
        return unexpected(result.error());
    auto hash = hex::decode(result->toString(), 32);
    if (!hash)
        return malformed(QStringLiteral("transaction hash"));
    return *hash;
}

Expected<std::optional<Receipt>, ChainError> EthClient::receipt(QByteArrayView transactionHash)
{
    auto result = m_rpc.call(QStringLiteral("eth_getTransactionReceipt"), {hex::encode(transactionHash)});
    if (!result)
        return unexpected(result.error());
    if (result->isNull())
        return std::optional<Receipt>();
    const QJsonObject object = result->toObject();
    Receipt receipt;
    receipt.transactionHash = transactionHash.toByteArray();
    receipt.blockNumber = UInt256::fromHex(object.value(QStringLiteral("blockNumber")).toString()).value_or(UInt256()).toU64().value_or(0);
    receipt.success = object.value(QStringLiteral("status")).toString() == QStringLiteral("0x1");
    receipt.gasUsed = UInt256::fromHex(object.value(QStringLiteral("gasUsed")).toString()).value_or(UInt256()).toU64().value_or(0);
    if (const QJsonValue created = object.value(QStringLiteral("contractAddress")); created.isString())
        if (auto address = crypto::Address::fromHex(created.toString()))
            receipt.contractAddress = *address;
    for (const QJsonValue &log : object.value(QStringLiteral("logs")).toArray()) {
        auto entry = logFrom(log.toObject());
        if (!entry)
            return unexpected(entry.error());
        receipt.logs.append(*entry);
    }
    return std::optional<Receipt>(receipt);
}

Expected<Receipt, ChainError> EthClient::waitForReceipt(QByteArrayView transactionHash, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (true) {
        auto found = receipt(transactionHash);
        if (!found)
            return unexpected(found.error());
        if (*found)
            return **found;
        if (deadline.hasExpired())
            return unexpected(ChainError{ErrorCode::Timeout, QStringLiteral("no receipt for %1 within %2 ms").arg(hex::encode(transactionHash)).arg(timeoutMs)});
        QThread::msleep(50);
    }
}

Expected<QList<LogEntry>, ChainError> EthClient::logs(const crypto::Address &address, const std::optional<QByteArray> &topic0, quint64 fromBlock,
                                                      std::optional<quint64> toBlock)
{
    QJsonObject filter{{QStringLiteral("address"), address.toLowerHex()}, {QStringLiteral("fromBlock"), UInt256(fromBlock).toQuantity()},
                       {QStringLiteral("toBlock"), toBlock ? UInt256(*toBlock).toQuantity() : QStringLiteral("latest")}};
    if (topic0)
        filter.insert(QStringLiteral("topics"), QJsonArray{hex::encode(*topic0)});
    auto result = m_rpc.call(QStringLiteral("eth_getLogs"), {filter});
    if (!result)
        return unexpected(result.error());
    QList<LogEntry> out;
    for (const QJsonValue &log : result->toArray()) {
        auto entry = logFrom(log.toObject());
        if (!entry)
            return unexpected(entry.error());
        out.append(*entry);
    }
    return out;
}

Expected<Ok, ChainError> EthClient::setBalance(const crypto::Address &account, const UInt256 &wei)
{
    auto result = m_rpc.call(QStringLiteral("anvil_setBalance"), {account.toLowerHex(), wei.toQuantity()});
    if (!result)
        return unexpected(result.error());
    return Ok{};
}

TransactionSender::TransactionSender(EthClient &client, const crypto::PrivateKey &key, quint64 chainId)
    : m_client(client), m_key(key), m_address(key.address()), m_chainId(chainId)
{
}

Expected<Receipt, ChainError> TransactionSender::send(const std::optional<crypto::Address> &to, const QByteArray &data,
                                                      std::optional<quint64> gasLimit)
{
    if (!m_nextNonce) {
        auto nonce = m_client.pendingNonce(m_address);
        if (!nonce)
            return unexpected(nonce.error());
        m_nextNonce = *nonce;
    }
    if (!gasLimit) {
        auto estimate = m_client.estimateGas(m_address, to, data);
        if (!estimate)
            return unexpected(estimate.error()); // a call that would revert says why here
        gasLimit = *estimate + *estimate / 5;
    }
    auto fees = m_client.fees();
    if (!fees)
        return unexpected(fees.error());
    Transaction transaction;
    transaction.chainId = m_chainId;
    transaction.nonce = *m_nextNonce;
    transaction.maxPriorityFeePerGas = fees->first;
    transaction.maxFeePerGas = fees->second;
    transaction.gasLimit = *gasLimit;
    transaction.to = to;
    transaction.data = data;
    auto signedTransaction = signTransaction(transaction, m_key);
    if (!signedTransaction)
        return unexpected(signedTransaction.error());
    auto hash = m_client.sendRawTransaction(signedTransaction->serialized);
    if (!hash) {
        if (hash.error().detail.contains(QStringLiteral("nonce"), Qt::CaseInsensitive))
            m_nextNonce.reset(); // someone else used it (another process with this key): ask again next time
        return unexpected(hash.error());
    }
    ++*m_nextNonce;
    return m_client.waitForReceipt(*hash);
}

Expected<Receipt, ChainError> TransactionSender::deploy(const QByteArray &bytecodeAndArguments)
{
    return send(std::nullopt, bytecodeAndArguments);
}

} // namespace cmeet::chain
