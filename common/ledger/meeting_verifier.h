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
#include "protocol/delegation.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>
#include <memory>
#include <optional>

namespace cmeet::ledger {

// A broken file gets a readable report, not a million lines.
inline constexpr qsizetype maxReportedProblems = 50;

struct VerificationReport {
    qint64 entries = 0;
    qint64 events = 0;             // authored by people
    qint64 acknowledgements = 0;   // by the relay
    std::optional<crypto::Address> relay; // the relay that signed the first acknowledgement
    QString meeting;
    bool ended = false;            // the log closes with end + ackEnd
    bool cancelled = false;        // stopped by ReadOptions::cancelled: the rest was not checked
    QStringList problems;          // empty: the log verifies; the first maxReportedProblems
    QList<QByteArray> ids;         // every entry's id; empty for an entry that can't be read
    QByteArray root;               // RFC 6962 root over ids (32 zero bytes for an unreadable entry)
    QList<protocol::Event> readable; // the entries that could be read, in log order

    [[nodiscard]] bool ok() const { return problems.isEmpty() && entries > 0; }
};

// Was key an active key of identity at tsMs (the identity registry's isActiveAt)?
using KeyActivity = std::function<bool(const crypto::Address &identity, const crypto::Address &key, qint64 tsMs)>;

// How the log is read: what needs no other entry (parsing, schemas, recovering signers) runs on
// threads threads (0: all cores), ahead of the check in log order on the calling thread; the
// findings are the same for any numbers. Every chunk entries checked, progress hears how far the
// check is and cancelled is asked.
struct ReadOptions {
    int threads = 0;
    std::function<void(qint64 checked, qint64 total)> progress;
    std::function<bool()> cancelled; // true stops the check (report.cancelled)
    qsizetype chunk = 1024;
};

// One entry read on its own, before it is checked in order: parsed, its schema checked, its
// signer recovered and (for a start or join) its delegation read. Needs no other entry, so many
// can be read at once on several threads.
struct ReadEntry {
    std::optional<Expected<protocol::Event, protocol::ProtocolError>> event;
    std::optional<protocol::ProtocolError> schemaError;
    std::optional<Expected<protocol::Delegation, protocol::ProtocolError>> delegation; // a start's or join's

    [[nodiscard]] static ReadEntry read(const QByteArray &bytes, const protocol::SchemaValidator &schemas);
};

// Checks a meeting's log one entry at a time, in log order: what verifyMeetingLog runs over a
// whole file, and what a client runs on each entry as it arrives, so both see the same problems.
class LogVerifier {
public:
    // The same arguments as verifyMeetingLog's.
    explicit LogVerifier(std::optional<crypto::Address> expectedRelay = std::nullopt, KeyActivity keyActivity = {});
    ~LogVerifier();
    LogVerifier(LogVerifier &&) noexcept;
    LogVerifier &operator=(LogVerifier &&) noexcept;

    // Checks the next entry where it stands; returns what is wrong with it (empty: nothing).
    [[nodiscard]] QStringList check(ReadEntry entry);
    [[nodiscard]] QStringList check(const QByteArray &bytes, const protocol::SchemaValidator &schemas)
    {
        return check(ReadEntry::read(bytes, schemas));
    }
    // What is wrong with the log as a whole, if it ended here (empty or an unacknowledged last event).
    [[nodiscard]] QStringList problemsAtEnd() const;

    [[nodiscard]] qint64 entries() const;
    [[nodiscard]] qint64 events() const;
    [[nodiscard]] qint64 acknowledgements() const;
    [[nodiscard]] const std::optional<crypto::Address> &relay() const;
    [[nodiscard]] const QString &meeting() const;
    [[nodiscard]] bool ended() const;
    // The last entry checked, when it could be read.
    [[nodiscard]] const std::optional<protocol::Event> &last() const;
    // The RFC 6962 root over every entry checked so far (all zero ids for unreadable ones).
    [[nodiscard]] QByteArray root() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// expectedRelay: when known (from the meeting file or the chain), every ack must be signed by it.
// keyActivity: the identity registry's word on every key that signed a start or join (the
// identity's own key included: it may have been revoked). Without it, only the identity's own key
// is accepted (nothing here could tell whether another key spoke for the identity).
[[nodiscard]] VerificationReport verifyMeetingLog(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                                  const std::optional<crypto::Address> &expectedRelay = std::nullopt,
                                                  const KeyActivity &keyActivity = {}, const ReadOptions &read = {});

} // namespace cmeet::ledger
