#include "chain/meeting_registry.h"

#include "base/hex.h"
#include "chain/abi.h"
#include "chain/uint256.h"
#include "crypto/keccak.h"

#include <QFile>

#include <algorithm>
#include <QJsonDocument>
#include <QJsonObject>

namespace cmeet::chain::registry {
namespace {

using abi::Value;

QByteArray encoded(QStringView signature, const QList<Value> &arguments)
{
    // Our own signatures and fixed-size arguments: encoding can't fail.
    return abi::encodeCall(signature, arguments).value_or(QByteArray());
}

Expected<QByteArray, ChainError> word(EthClient &client, const crypto::Address &registry, QStringView signature, const QString &meetingId)
{
    auto result = client.call(registry, encoded(signature, {Value::fixedBytes(meetingKey(meetingId))}));
    if (!result)
        return unexpected(result.error());
    if (result->size() != 32)
        return unexpected(ChainError{ErrorCode::RpcError, QStringLiteral("%1 returned %2 bytes").arg(signature.toString()).arg(result->size())});
    return *result;
}

} // namespace

Expected<QByteArray, ChainError> bytecode(const QString &contractName)
{
    QFile file(QStringLiteral(":/contracts/%1.json").arg(contractName));
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(ChainError{ErrorCode::InvalidValue, QStringLiteral("no compiled contract %1").arg(contractName)});
    const auto code = hex::decode(QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("bytecode")).toString());
    if (!code || code->isEmpty())
        return unexpected(ChainError{ErrorCode::InvalidValue, QStringLiteral("the artifact of %1 has no bytecode").arg(contractName)});
    return *code;
}

QByteArray approvalDigest(quint64 chainId, const crypto::Address &registry, const QString &meetingId, const QByteArray &ackEndId,
                          const QByteArray &root)
{
    const QByteArray domainType = crypto::keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    const QByteArray domain = crypto::keccak256(
        QByteArray(domainType + crypto::keccak256("c-meet") + crypto::keccak256("1") + UInt256(chainId).toBigEndian() + QByteArray(12, '\0') + registry.bytes()));
    const QByteArray structHash = crypto::keccak256(
        QByteArray(crypto::keccak256("Approval(bytes32 meeting,bytes32 ackEnd,bytes32 root)") + meetingKey(meetingId) + ackEndId + root));
    return crypto::keccak256(QByteArray(QByteArray("\x19\x01", 2) + domain + structHash));
}

QByteArray approvalsCommitment(QList<QPair<crypto::Address, QByteArray>> approvals)
{
    std::sort(approvals.begin(), approvals.end(), [](const auto &a, const auto &b) { return a.first.bytes() < b.first.bytes(); });
    QByteArray packed;
    for (const auto &[identity, signature] : approvals)
        packed += identity.bytes() + signature;
    return crypto::keccak256(packed);
}

QByteArray meetingKey(const QString &meetingId) { return crypto::keccak256(meetingId.toUtf8()); }

QByteArray openCall(const QString &meetingId, const QByteArray &startId, const QByteArray &rosterRoot)
{
    return encoded(u"open(bytes32,bytes32,bytes32)", {Value::fixedBytes(meetingKey(meetingId)), Value::fixedBytes(startId), Value::fixedBytes(rosterRoot)});
}

QByteArray closeCall(const QString &meetingId, const QByteArray &ackEndId, const QByteArray &root, quint64 size)
{
    return encoded(u"close(bytes32,bytes32,bytes32,uint64)",
                   {Value::fixedBytes(meetingKey(meetingId)), Value::fixedBytes(ackEndId), Value::fixedBytes(root), Value::integer(size)});
}

QByteArray recordApprovalsCall(const QString &meetingId, const QByteArray &commitment, quint32 count)
{
    return encoded(u"recordApprovals(bytes32,bytes32,uint32)", {Value::fixedBytes(meetingKey(meetingId)), Value::fixedBytes(commitment), Value::integer(count)});
}

QByteArray anchorManyCall(const QList<OpenStep> &opens, const QList<CloseStep> &closes, const QList<ApprovalsStep> &approvals)
{
    QList<Value> openValues;
    for (const OpenStep &step : opens)
        openValues.append(Value::tuple({Value::fixedBytes(meetingKey(step.meetingId)), Value::fixedBytes(step.startId), Value::fixedBytes(step.rosterRoot)}));
    QList<Value> closeValues;
    for (const CloseStep &step : closes)
        closeValues.append(Value::tuple(
            {Value::fixedBytes(meetingKey(step.meetingId)), Value::fixedBytes(step.ackEndId), Value::fixedBytes(step.root), Value::integer(step.size)}));
    QList<Value> approvalValues;
    for (const ApprovalsStep &step : approvals)
        approvalValues.append(Value::tuple({Value::fixedBytes(meetingKey(step.meetingId)), Value::fixedBytes(step.commitment), Value::integer(step.count)}));
    return encoded(u"anchorMany((bytes32,bytes32,bytes32)[],(bytes32,bytes32,bytes32,uint64)[],(bytes32,bytes32,uint32)[])",
                   {Value::array(openValues), Value::array(closeValues), Value::array(approvalValues)});
}

Expected<QByteArray, ChainError> rosterRootOf(EthClient &client, const crypto::Address &registry, const QString &meetingId)
{
    return word(client, registry, u"rosterRootOf(bytes32)", meetingId);
}

Expected<QByteArray, ChainError> closingOf(EthClient &client, const crypto::Address &registry, const QString &meetingId)
{
    return word(client, registry, u"closingOf(bytes32)", meetingId);
}

Expected<QByteArray, ChainError> approvalBatchOf(EthClient &client, const crypto::Address &registry, const QString &meetingId)
{
    return word(client, registry, u"approvalBatchOf(bytes32)", meetingId);
}

} // namespace cmeet::chain::registry
