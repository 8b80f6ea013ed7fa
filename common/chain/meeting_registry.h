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

// Views: what the registry holds for a meeting (32 bytes; all zero when nothing yet).
[[nodiscard]] Expected<QByteArray, ChainError> rosterRootOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);
[[nodiscard]] Expected<QByteArray, ChainError> closingOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);
[[nodiscard]] Expected<QByteArray, ChainError> approvalBatchOf(EthClient &client, const crypto::Address &registry, const QString &meetingId);

} // namespace cmeet::chain::registry
