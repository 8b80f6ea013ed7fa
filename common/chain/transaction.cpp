#include "chain/transaction.h"

#include "chain/rlp.h"
#include "crypto/keccak.h"

namespace cmeet::chain {
namespace {

constexpr char eip1559Prefix = '\x02';
constexpr quint64 eip155Offset = 35; // v = chainId * 2 + 35 + recovery id

ChainError transactionError(ErrorCode code, const QString &what)
{
    return ChainError{code, QStringLiteral("transaction: ") + what};
}

rlp::Item toItem(const std::optional<crypto::Address> &to)
{
    return rlp::Item::bytes(to ? to->bytes() : QByteArray());
}

// The fields both the unsigned and the signed forms start with.
QList<rlp::Item> payloadFields(const Transaction &tx)
{
    if (tx.type == TransactionType::Eip1559) {
        return {rlp::Item::integer(tx.chainId),
                rlp::Item::integer(tx.nonce),
                rlp::Item::integer(tx.maxPriorityFeePerGas),
                rlp::Item::integer(tx.maxFeePerGas),
                rlp::Item::integer(tx.gasLimit),
                toItem(tx.to),
                rlp::Item::integer(tx.value),
                rlp::Item::bytes(tx.data),
                rlp::Item::list({})}; // access list: we never use one
    }
    return {rlp::Item::integer(tx.nonce), rlp::Item::integer(tx.gasPrice), rlp::Item::integer(tx.gasLimit),
            toItem(tx.to),                rlp::Item::integer(tx.value),    rlp::Item::bytes(tx.data)};
}

QByteArray typed(const Transaction &tx, const rlp::Item &list)
{
    const QByteArray encoded = rlp::encode(list);
    if (tx.type == TransactionType::Eip1559)
        return QByteArray(QByteArray(1, eip1559Prefix) + encoded);
    return encoded;
}

// v as the wire wants it, from the recovery id (0 or 1). chainId * 2 + 36 can exceed 64 bits.
UInt256 wireV(const Transaction &tx, int recoveryId)
{
    if (tx.type == TransactionType::Eip1559)
        return UInt256(static_cast<quint64>(recoveryId));
    const UInt256 chainId(tx.chainId);
    // Cannot overflow: a 64-bit chain id times two plus 36 stays far below 2^256.
    return chainId.checkedMul(UInt256(2))
        .value_or(UInt256())
        .checkedAdd(UInt256(eip155Offset + static_cast<quint64>(recoveryId)))
        .value_or(UInt256());
}

} // namespace

QByteArray unsignedSerialization(const Transaction &transaction)
{
    QList<rlp::Item> fields = payloadFields(transaction);
    if (transaction.type == TransactionType::Legacy) {
        // EIP-155: the chain id and two zeros take the place of v, r, s.
        fields.append(rlp::Item::integer(transaction.chainId));
        fields.append(rlp::Item::integer(quint64{0}));
        fields.append(rlp::Item::integer(quint64{0}));
    }
    return typed(transaction, rlp::Item::list(std::move(fields)));
}

QByteArray signingHash(const Transaction &transaction)
{
    return crypto::keccak256(unsignedSerialization(transaction));
}

QByteArray signedSerialization(const Transaction &transaction, const crypto::Signature &signature)
{
    const QByteArray &bytes = signature.bytes();
    const int recoveryId = static_cast<unsigned char>(bytes[64]) - 27;
    QList<rlp::Item> fields = payloadFields(transaction);
    fields.append(rlp::Item::integer(wireV(transaction, recoveryId)));
    // r and s are integers on the wire: minimal big-endian, leading zeros dropped.
    fields.append(rlp::Item::integer(UInt256::fromBigEndian(QByteArrayView(bytes).first(32)).value_or(UInt256())));
    fields.append(rlp::Item::integer(UInt256::fromBigEndian(QByteArrayView(bytes).sliced(32, 32)).value_or(UInt256())));
    return typed(transaction, rlp::Item::list(std::move(fields)));
}

QByteArray transactionHash(QByteArrayView signedSerialized)
{
    return crypto::keccak256(signedSerialized);
}

Expected<SignedTransaction, ChainError> signTransaction(const Transaction &transaction, const crypto::PrivateKey &key)
{
    if (transaction.chainId == 0)
        return unexpected(transactionError(ErrorCode::InvalidTransaction, QStringLiteral("chain id 0 would be replayable")));
    auto signature = key.sign(signingHash(transaction));
    if (!signature)
        return unexpected(ChainError{ErrorCode::SigningFailed, crypto::describe(signature.error())});
    SignedTransaction out{transaction, *signature, key.address(), signedSerialization(transaction, *signature), {}};
    out.hash = transactionHash(out.serialized);
    return out;
}

Expected<SignedTransaction, ChainError> decodeSignedTransaction(QByteArrayView raw)
{
    if (raw.isEmpty())
        return unexpected(transactionError(ErrorCode::Truncated, QStringLiteral("empty input")));
    Transaction tx;
    const auto first = static_cast<unsigned char>(raw[0]);
    QByteArrayView body = raw;
    if (first == static_cast<unsigned char>(eip1559Prefix)) {
        tx.type = TransactionType::Eip1559;
        body = raw.sliced(1);
    } else if (first >= 0xc0) {
        tx.type = TransactionType::Legacy;
    } else if (first < 0x80) {
        // EIP-2718 types: 0x01 (access lists) and 0x03 (blobs) and later ones.
        return unexpected(transactionError(ErrorCode::UnsupportedTransaction,
                                           QStringLiteral("transaction type %1").arg(first)));
    } else {
        return unexpected(transactionError(ErrorCode::UnexpectedShape, QStringLiteral("not a list or a typed envelope")));
    }

    auto decoded = rlp::decode(body);
    if (!decoded)
        return unexpected(decoded.error());
    const qsizetype expectedFields = tx.type == TransactionType::Eip1559 ? 12 : 9;
    if (!decoded->isList() || decoded->items().size() != expectedFields)
        return unexpected(transactionError(ErrorCode::UnexpectedShape, QStringLiteral("expected a list of %1 fields").arg(expectedFields)));
    const QList<rlp::Item> &fields = decoded->items();

    // Reads the integer fields in order, stopping at the first error.
    std::optional<ChainError> failure;
    const auto u64 = [&](const rlp::Item &item) {
        auto value = item.toU64();
        if (!value && !failure)
            failure = value.error();
        return value.value_or(0);
    };
    const auto u256 = [&](const rlp::Item &item) {
        auto value = item.toUInt256();
        if (!value && !failure)
            failure = value.error();
        return value.value_or(UInt256());
    };

    qsizetype index = 0;
    if (tx.type == TransactionType::Eip1559) {
        tx.chainId = u64(fields[index++]);
        tx.nonce = u64(fields[index++]);
        tx.maxPriorityFeePerGas = u256(fields[index++]);
        tx.maxFeePerGas = u256(fields[index++]);
    } else {
        tx.nonce = u64(fields[index++]);
        tx.gasPrice = u256(fields[index++]);
    }
    tx.gasLimit = u64(fields[index++]);
    const rlp::Item &to = fields[index++];
    tx.value = u256(fields[index++]);
    const rlp::Item &data = fields[index++];
    if (tx.type == TransactionType::Eip1559) {
        const rlp::Item &accessList = fields[index++];
        if (!accessList.isList())
            return unexpected(transactionError(ErrorCode::UnexpectedShape, QStringLiteral("access list is not a list")));
        if (!accessList.items().isEmpty())
            return unexpected(transactionError(ErrorCode::UnsupportedTransaction, QStringLiteral("non-empty access list")));
    }
    const UInt256 v = u256(fields[index++]);
    const UInt256 r = u256(fields[index++]);
    const UInt256 s = u256(fields[index++]);
    if (failure)
        return unexpected(*failure);

    if (to.isList() || (!to.bytes().isEmpty() && to.bytes().size() != crypto::Address::size))
        return unexpected(transactionError(ErrorCode::InvalidTransaction, QStringLiteral("\"to\" is neither empty nor 20 bytes")));
    if (!to.bytes().isEmpty())
        tx.to = crypto::Address::fromBytes(to.bytes()).value_or(crypto::Address());
    if (data.isList())
        return unexpected(transactionError(ErrorCode::UnexpectedShape, QStringLiteral("data is a list")));
    tx.data = data.bytes();

    int recoveryId = 0;
    if (tx.type == TransactionType::Eip1559) {
        if (v > UInt256(1))
            return unexpected(transactionError(ErrorCode::InvalidSignature, QStringLiteral("y parity is neither 0 nor 1")));
        recoveryId = v.isZero() ? 0 : 1;
    } else {
        // v = chainId * 2 + 35 + recovery id; 27 and 28 are pre-EIP-155 (replayable).
        const auto small = v.toU64();
        if (!small || *small < eip155Offset)
            return unexpected(transactionError(ErrorCode::UnsupportedTransaction, QStringLiteral("legacy transaction without EIP-155")));
        tx.chainId = (*small - eip155Offset) / 2;
        recoveryId = static_cast<int>((*small - eip155Offset) % 2);
    }
    if (tx.chainId == 0)
        return unexpected(transactionError(ErrorCode::InvalidTransaction, QStringLiteral("chain id 0")));

    QByteArray signatureBytes = r.toBigEndian();
    signatureBytes.append(s.toBigEndian());
    signatureBytes.append(static_cast<char>(27 + recoveryId));
    auto signature = crypto::Signature::fromBytes(signatureBytes);
    if (!signature)
        return unexpected(ChainError{ErrorCode::InvalidSignature, crypto::describe(signature.error())});
    auto from = crypto::recoverAddress(signingHash(tx), *signature);
    if (!from)
        return unexpected(ChainError{ErrorCode::InvalidSignature, crypto::describe(from.error())});

    SignedTransaction out{tx, *signature, *from, raw.toByteArray(), transactionHash(raw)};
    return out;
}

} // namespace cmeet::chain
