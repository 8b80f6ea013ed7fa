#pragma once
// Ethereum transactions the relay signs itself (DESIGN.md §5): EIP-1559 (type 2, empty access
// list) and legacy EIP-155 (replay-protected by chain id). Serialization, signing hash, signing
// with a crypto::PrivateKey, transaction hash and recovery of the sender from raw bytes.

#include "base/expected.h"
#include "chain/error.h"
#include "chain/uint256.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QByteArrayView>
#include <optional>

namespace cmeet::chain {

enum class TransactionType {
    Legacy = 0,  // EIP-155: gasPrice, v = chainId * 2 + 35 + recovery id
    Eip1559 = 2, // maxPriorityFeePerGas / maxFeePerGas, v = y parity (0 or 1)
};

struct Transaction {
    TransactionType type = TransactionType::Eip1559;
    quint64 chainId = 0; // must be non-zero: we never sign replayable transactions
    quint64 nonce = 0;
    UInt256 maxPriorityFeePerGas; // type 2 only
    UInt256 maxFeePerGas;         // type 2 only
    UInt256 gasPrice;             // legacy only
    quint64 gasLimit = 0;
    std::optional<crypto::Address> to; // none: contract creation
    UInt256 value;
    QByteArray data;

    bool operator==(const Transaction &other) const = default;
};

// The bytes whose keccak256 is signed: 0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value,
// data, []]) for type 2; rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) for legacy.
[[nodiscard]] QByteArray unsignedSerialization(const Transaction &transaction);
[[nodiscard]] QByteArray signingHash(const Transaction &transaction);
// The raw transaction for eth_sendRawTransaction, with a signature of signingHash(transaction).
[[nodiscard]] QByteArray signedSerialization(const Transaction &transaction, const crypto::Signature &signature);
// keccak256 of the signed serialization: what the node reports as the transaction hash.
[[nodiscard]] QByteArray transactionHash(QByteArrayView signedSerialized);

struct SignedTransaction {
    Transaction transaction;
    crypto::Signature signature; // r || s || v with v in {27, 28}
    crypto::Address from;
    QByteArray serialized; // signed serialization
    QByteArray hash;       // transactionHash(serialized)
};

// InvalidTransaction for a zero chain id; SigningFailed when the key refuses.
[[nodiscard]] Expected<SignedTransaction, ChainError> signTransaction(const Transaction &transaction,
                                                                      const crypto::PrivateKey &key);

// Parses a signed serialization and recovers its sender. Strict: canonical RLP and integers, the
// exact field count, an empty access list, `to` empty or 20 bytes, low s. Errors: the RLP ones,
// UnexpectedShape, InvalidTransaction, UnsupportedTransaction (other types; pre-EIP-155 legacy
// transactions), InvalidSignature.
[[nodiscard]] Expected<SignedTransaction, ChainError> decodeSignedTransaction(QByteArrayView raw);

} // namespace cmeet::chain
