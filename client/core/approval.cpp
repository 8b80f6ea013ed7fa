#include "client/core/approval.h"

#include "base/hex.h"
#include "chain/abi.h"
#include "chain/meeting_registry.h"
#include "crypto/keccak.h"
#include "identity/identity_registry.h"
#include "ledger/merkle_log.h"
#include "protocol/event.h"

#include <QJsonDocument>

namespace cmeet::client {

Expected<FinalRecord, QString> finalRecordOf(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas, const crypto::Address &relay,
                                             const ledger::KeyActivity &keyActivity)
{
    const ledger::VerificationReport report = ledger::verifyMeetingLog(log, schemas, relay, keyActivity);
    if (!report.ok())
        return unexpected(QStringLiteral("your copy of the meeting does not verify: ") + report.problems.mid(0, 3).join(QStringLiteral("; ")));
    if (!report.ended)
        return unexpected(QStringLiteral("the meeting has not ended: only its final record can be approved"));
    ledger::MerkleLog merkle;
    FinalRecord record;
    for (const QByteArray &bytes : log) {
        record.ackEndId = protocol::Event::fromWire(bytes)->id(); // verified above: always readable
        merkle.append(record.ackEndId);
    }
    record.root = merkle.root();
    record.size = static_cast<quint64>(merkle.size());
    record.relay = relay;
    return record;
}

ledger::KeyActivity identityRegistryCheck(chain::EthClient &client, const crypto::Address &identityRegistry)
{
    return [&client, identityRegistry](const crypto::Address &identity, const crypto::Address &key, qint64 tsMs) {
        const auto period = identity::keyPeriod(client, identityRegistry, identity, key);
        return period && period->activeAt(static_cast<quint64>(tsMs / 1000));
    };
}

QByteArray closingRecord(const FinalRecord &record)
{
    using chain::abi::Value;
    static const auto types = *chain::abi::parseTypes(u"bytes32,bytes32,uint64");
    return chain::abi::encode(types, {Value::fixedBytes(record.ackEndId), Value::fixedBytes(record.root), Value::integer(record.size)}).value_or(QByteArray());
}

QByteArray closingCommitment(const FinalRecord &record) { return crypto::keccak256(closingRecord(record)); }

const QString notAnchoredYet = QStringLiteral("the meeting's end is not anchored on chain yet");

std::optional<AnchorTarget> anchorTargetOf(const QJsonObject &anchor)
{
    const auto registry = crypto::Address::fromHex(anchor.value(QStringLiteral("registry")).toString());
    const qint64 chainId = anchor.value(QStringLiteral("chainId")).toInteger();
    if (!registry || chainId <= 0)
        return std::nullopt;
    AnchorTarget target{*registry, static_cast<quint64>(chainId), std::nullopt};
    if (auto identities = crypto::Address::fromHex(anchor.value(QStringLiteral("identityRegistry")).toString()))
        target.identityRegistry = *identities;
    return target;
}

QString approvedRecordJson(const FinalRecord &record, const AnchorTarget &target)
{
    const QJsonObject kept{{QStringLiteral("ackEnd"), hex::encode(record.ackEndId)}, {QStringLiteral("root"), hex::encode(record.root)},
                           {QStringLiteral("size"), static_cast<qint64>(record.size)}, {QStringLiteral("registry"), target.registry.toLowerHex()},
                           {QStringLiteral("chainId"), static_cast<qint64>(target.chainId)}};
    return QString::fromUtf8(QJsonDocument(kept).toJson(QJsonDocument::Compact));
}

Expected<QByteArray, QString> checkedApprovalDigest(chain::EthClient &client, const crypto::Address &registry, quint64 chainId,
                                                    const QString &meetingId, const FinalRecord &record)
{
    auto nodeChainId = client.chainId();
    if (!nodeChainId)
        return unexpected(QStringLiteral("cannot reach the chain: ") + nodeChainId.error().detail);
    if (*nodeChainId != chainId)
        return unexpected(QStringLiteral("the node is on chain %1 but the relay anchors on chain %2").arg(*nodeChainId).arg(chainId));
    // A relay could name any registry: it must be the one only this relay can write to.
    auto owner = client.call(registry, chain::abi::encodeCall(u"relay()", {}).value_or(QByteArray()));
    if (!owner)
        return unexpected(QStringLiteral("cannot read the registry: ") + owner.error().detail);
    if (owner->size() != 32 || owner->right(20) != record.relay.bytes())
        return unexpected(QStringLiteral("the registry %1 does not belong to the relay %2").arg(registry.toChecksumHex(), record.relay.toChecksumHex()));
    auto closing = chain::registry::closingOf(client, registry, meetingId);
    if (!closing)
        return unexpected(QStringLiteral("cannot read the registry: ") + closing.error().detail);
    if (*closing == QByteArray(32, '\0'))
        return unexpected(notAnchoredYet);
    if (*closing != closingCommitment(record))
        return unexpected(QStringLiteral("the chain holds a different final record than your copy (root %1, %2 entries): do not approve; report it")
                              .arg(hex::encode(record.root))
                              .arg(record.size));
    return chain::registry::approvalDigest(chainId, registry, meetingId, record.ackEndId, record.root);
}

} // namespace cmeet::client
