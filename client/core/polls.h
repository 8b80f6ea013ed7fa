#pragma once
// Encrypted polls as clients see them (DESIGN.md §3, thesis 4.6.2): a ballot is the canonical
// JSON {"option": n} encrypted to the poll's voting key, bound to the poll and the voter; the
// tally counts exactly the votes the relay's pollEndAck lists, decrypted with the revealed key.

#include "crypto/keys.h"
#include "protocol/event.h"

#include <QList>

namespace cmeet::client {

// The public voting key a poll announces; InvalidPublicKey when the event is not a poll or has none.
[[nodiscard]] Expected<crypto::PublicKey, crypto::CryptoError> pollVotingKey(const protocol::Event &poll);
[[nodiscard]] QByteArray voteAssociatedData(const QByteArray &pollId, const crypto::Address &voter);
[[nodiscard]] Expected<QByteArray, crypto::CryptoError> encryptBallot(const crypto::PublicKey &votingKey, const QByteArray &pollId,
                                                                      const crypto::Address &voter, int option);

struct PollTally {
    QByteArray pollId;
    QString question;
    QStringList options;
    bool ended = false;
    QList<int> counts;          // per option, of the counted votes
    int invalid = 0;            // counted votes that do not decrypt to a valid option
    QList<QByteArray> counted;  // vote ids listed in the pollEndAck
    QList<QByteArray> uncounted; // votes in the log the relay did not count (cast after the end, say)
};

// Tallies one poll from a meeting's events (in log order).
[[nodiscard]] std::optional<PollTally> tallyPoll(const QList<protocol::Event> &events, const QByteArray &pollId);

} // namespace cmeet::client
