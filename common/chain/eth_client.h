#pragma once
// The Ethereum calls c-meet needs, typed, over JsonRpcClient; and a sender that signs EIP-1559
// transactions with our own key (no wallet, no JavaScript), tracks its nonce and waits for
// receipts. Works against any node; setBalance is for dev chains (anvil) only.

#include "chain/json_rpc.h"
#include "chain/transaction.h"
#include "chain/uint256.h"
#include "crypto/keys.h"

#include <optional>

namespace cmeet::chain {

struct LogEntry {
    crypto::Address address;
    QList<QByteArray> topics; // 32 bytes each
    QByteArray data;
    quint64 blockNumber = 0;
    QByteArray transactionHash;
};

struct Receipt {
    QByteArray transactionHash;
    quint64 blockNumber = 0;
    bool success = false;
    quint64 gasUsed = 0;
    std::optional<crypto::Address> contractAddress;
    QList<LogEntry> logs;
};

class EthClient {
public:
    explicit EthClient(QUrl endpoint, RpcOptions options = {});

    [[nodiscard]] Expected<quint64, ChainError> chainId();
    [[nodiscard]] Expected<quint64, ChainError> blockNumber();
    [[nodiscard]] Expected<quint64, ChainError> pendingNonce(const crypto::Address &account);
    [[nodiscard]] Expected<UInt256, ChainError> balance(const crypto::Address &account);
    [[nodiscard]] Expected<QByteArray, ChainError> call(const crypto::Address &to, QByteArrayView data);
    [[nodiscard]] Expected<quint64, ChainError> estimateGas(const crypto::Address &from, const std::optional<crypto::Address> &to,
                                                            QByteArrayView data);
    // Suggested EIP-1559 fees: tip = eth_maxPriorityFeePerGas, cap = 2 * base fee + tip.
    [[nodiscard]] Expected<std::pair<UInt256, UInt256>, ChainError> fees();
    [[nodiscard]] Expected<QByteArray, ChainError> sendRawTransaction(QByteArrayView signedSerialized);
    [[nodiscard]] Expected<std::optional<Receipt>, ChainError> receipt(QByteArrayView transactionHash);
    [[nodiscard]] Expected<Receipt, ChainError> waitForReceipt(QByteArrayView transactionHash, int timeoutMs = 30000);
    [[nodiscard]] Expected<QList<LogEntry>, ChainError> logs(const crypto::Address &address, const std::optional<QByteArray> &topic0,
                                                             quint64 fromBlock = 0, std::optional<quint64> toBlock = std::nullopt);
    [[nodiscard]] Expected<Ok, ChainError> setBalance(const crypto::Address &account, const UInt256 &wei);

    [[nodiscard]] JsonRpcClient &rpc() { return m_rpc; }

private:
    JsonRpcClient m_rpc;
};

class TransactionSender {
public:
    TransactionSender(EthClient &client, const crypto::PrivateKey &key, quint64 chainId);

    // Signs, sends and waits; a reverted transaction is a Receipt with success false. The nonce
    // is fetched once and then counted locally, refetched after a "nonce" error from the node.
    [[nodiscard]] Expected<Receipt, ChainError> send(const std::optional<crypto::Address> &to, const QByteArray &data,
                                                     std::optional<quint64> gasLimit = std::nullopt);
    [[nodiscard]] Expected<Receipt, ChainError> deploy(const QByteArray &bytecodeAndArguments);

    [[nodiscard]] const crypto::Address &address() const { return m_address; }

private:
    EthClient &m_client;
    const crypto::PrivateKey &m_key;
    crypto::Address m_address;
    quint64 m_chainId;
    std::optional<quint64> m_nextNonce;
};

} // namespace cmeet::chain
