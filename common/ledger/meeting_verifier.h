#pragma once
// Verifies a meeting's log from its bytes alone (DESIGN.md §3): what auditors and clients run.
// Checks every entry's encoding and schema; that each author signed with the session key their
// start/join delegated (a key of the identity for start/join, the same key as its delegation); that each acknowledgement is signed by the
// relay, refs the entry before it, counts seq 1, 2, 3... and carries the RFC 6962 tree head over
// everything before it, and is of the type its event calls for; that every event is acknowledged
// before the next; that every ref names an earlier entry of the right type (a join the start, a
// reply a comment or reply, a vote or pollEnd a poll not yet ended), one vote per voter and poll,
// host-only types by the host; that a joinAck lists the start and every join, a pollEndAck the
// poll's votes and the ackEnd every entry nothing refs, and that nothing follows the ackEnd.
// The chain anchor and approvals are checked by later layers.

#include "crypto/keys.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>
#include <optional>

namespace cmeet::ledger {

struct VerificationReport {
    qint64 entries = 0;
    qint64 events = 0;             // authored by people
    qint64 acknowledgements = 0;   // by the relay
    std::optional<crypto::Address> relay; // the relay that signed the first acknowledgement
    QString meeting;
    bool ended = false;            // the log closes with end + ackEnd
    QStringList problems;          // empty: the log verifies
    QList<QByteArray> ids;         // every entry's id; empty for an entry that can't be read
    QList<protocol::Event> readable; // the entries that could be read, in log order

    [[nodiscard]] bool ok() const { return problems.isEmpty() && entries > 0; }
};

// Was key an active key of identity at tsMs (the identity registry's isActiveAt)?
using KeyActivity = std::function<bool(const crypto::Address &identity, const crypto::Address &key, qint64 tsMs)>;

// How the log is read: what needs no other entry (parsing, schemas, recovering signers) runs on
// threads threads (0: all cores) chunk entries at a time, before they are checked in order; the
// findings are the same for any numbers. progress hears after each chunk how far the check is.
struct ReadOptions {
    int threads = 0;
    std::function<void(qint64 checked, qint64 total)> progress;
    qsizetype chunk = 1024;
};

// expectedRelay: when known (from the meeting file or the chain), every ack must be signed by it.
// keyActivity: the identity registry's word on every key that signed a start or join (the
// identity's own key included: it may have been revoked). Without it, only the identity's own key
// is accepted (nothing here could tell whether another key spoke for the identity).
[[nodiscard]] VerificationReport verifyMeetingLog(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                                  const std::optional<crypto::Address> &expectedRelay = std::nullopt,
                                                  const KeyActivity &keyActivity = {}, const ReadOptions &read = {});

} // namespace cmeet::ledger
