#pragma once
// Approving a meeting (DESIGN.md §5, issue 4): a participant verifies their own replica of the
// ended meeting, checks that the relay's MeetingRegistry holds the same final record on chain,
// and only then signs the EIP-712 approval. Nobody approves what they have not seen themselves.

#include "chain/eth_client.h"
#include "ledger/meeting_verifier.h"
#include "protocol/schema_validator.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>

#include <optional>

namespace cmeet::client {

// What an ended meeting is final on: its last entry (the ackEnd) and the RFC 6962 root over all.
struct FinalRecord {
    QByteArray ackEndId;
    QByteArray root;
    quint64 size = 0;
    crypto::Address relay; // whose acknowledgements it holds
};

// The final record of a log that verifies and has ended; the verifier's problems otherwise.
// keyActivity: the identity registry's word on the keys that signed starts and joins (see
// identityRegistryCheck), needed when someone joined with a device key.
[[nodiscard]] Expected<FinalRecord, QString> finalRecordOf(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                                           const crypto::Address &relay, const ledger::KeyActivity &keyActivity = {});

// Asks the IdentityRegistry on chain whether a key was active for an identity when it signed.
[[nodiscard]] ledger::KeyActivity identityRegistryCheck(chain::EthClient &client, const crypto::Address &identityRegistry);

// abi.encode(ackEnd, root, size): what MeetingRegistry.close takes and its Closed event carries.
[[nodiscard]] QByteArray closingRecord(const FinalRecord &record);
// The word MeetingRegistry.closingOf keeps for it: keccak256(closingRecord(record)).
[[nodiscard]] QByteArray closingCommitment(const FinalRecord &record);

// Where the relay anchors its meetings (meeting.get's "anchor"); nullopt when on no chain.
struct AnchorTarget {
    crypto::Address registry; // its MeetingRegistry
    quint64 chainId = 0;
    std::optional<crypto::Address> identityRegistry;
};
[[nodiscard]] std::optional<AnchorTarget> anchorTargetOf(const QJsonObject &anchor);

// What the replica keeps beside an approval: the record approved and the chain it was checked on.
[[nodiscard]] QString approvedRecordJson(const FinalRecord &record, const AnchorTarget &target);

// checkedApprovalDigest's error while the relay has not yet anchored the end: worth waiting for.
extern const QString notAnchoredYet;

// Checks that the node is the chain the relay named, that the registry is this relay's, and that
// it closed the meeting on exactly this record; then the approval digest to sign. Nothing on
// chain yet is an error too.
[[nodiscard]] Expected<QByteArray, QString> checkedApprovalDigest(chain::EthClient &client, const crypto::Address &registry, quint64 chainId,
                                                                  const QString &meetingId, const FinalRecord &record);

} // namespace cmeet::client
