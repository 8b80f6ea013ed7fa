#pragma once
// Calls to c-meet's MeetingRegistry contract (contracts/src/MeetingRegistry.sol), encoded for
// transactions and views, and its deployment from the compiled artifact built into the library.

#include "chain/eth_client.h"

#include <QByteArray>
#include <QList>

namespace cmeet::chain::registry {

// Contract bytecode from the committed artifact (":/contracts/<name>.json").
[[nodiscard]] Expected<QByteArray, ChainError> bytecode(const QString &contractName);

// The meeting's key on chain: keccak256 of its UUID text (the UUID itself stays off chain).
[[nodiscard]] QByteArray meetingKey(const QString &meetingId);

[[nodiscard]] QByteArray openCall(const QString &meetingId, const QByteArray &startId, const QByteArray &rosterRoot);
[[nodiscard]] QByteArray closeCall(const QString &meetingId, const QByteArray &ackEndId, const QByteArray &root, quint64 size);
[[nodiscard]] QByteArray recordApprovalsCall(const QString &meetingId, const QByteArray &commitment, quint32 count);

// Several meetings' steps in one transaction (anchorMany): the same checks, storage and events
// as the single calls above, applied in order (opens, then closes, then approval batches); one
// refused step reverts them all.
struct OpenStep {
    QString meetingId;
    QByteArray startId;    // 32 bytes
    QByteArray rosterRoot; // 32 bytes, not zero
};
struct CloseStep {
    QString meetingId;
    QByteArray ackEndId; // 32 bytes
    QByteArray root;     // 32 bytes
    quint64 size = 0;
};
struct ApprovalsStep {
    QString meetingId;
    QByteArray commitment; // 32 bytes: approvalsCommitment()
    quint32 count = 0;
};
[[nodiscard]] QByteArray anchorManyCall(const QList<OpenStep> &opens, const QList<CloseStep> &closes, const QList<ApprovalsStep> &approvals);

// The EIP-712 digest a participant signs to approve a meeting's final record:
// Approval(bytes32 meeting, bytes32 ackEnd, bytes32 root) in the domain
// {name "c-meet", version "1", chainId, verifyingContract: the registry}.
[[nodiscard]] QByteArray approvalDigest(quint64 chainId, const crypto::Address &registry, const QString &meetingId,
                                        const QByteArray &ackEndId, const QByteArray &root);
// What the relay records for a set of approvals: keccak256 over (identity || signature) pairs
// sorted by identity, so anyone holding the signatures can recompute it.
[[nodiscard]] QByteArray approvalsCommitment(QList<QPair<crypto::Address, QByteArray>> approvals);

// Views: what the registry holds for a meeting (32 bytes; all zero when nothing yet).
[[nodiscard]] Expected<QByteArray, ChainError> rosterRootOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);
[[nodiscard]] Expected<QByteArray, ChainError> closingOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);
[[nodiscard]] Expected<QByteArray, ChainError> approvalBatchOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);

} // namespace cmeet::chain::registry
