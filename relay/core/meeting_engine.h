#pragma once
// The events protocol for one meeting (DESIGN.md §3, thesis 4.6): checks an event against every
// rule, then acknowledges it: the relay-signed ack carries seq and the RFC 6962 tree head over
// everything accepted so far. Pure: no storage, no sockets, no clock (the caller passes "now").
// State is derived from accepted events and acks only, so replaying the stored log rebuilds it.

#include "crypto/keys.h"
#include "ledger/merkle_log.h"
#include "protocol/error.h"
#include "protocol/event.h"
#include "relay/core/directory.h"
#include "relay/core/identity_keys.h"

#include <QHash>
#include <QSet>

#include <array>
#include <optional>
#include <vector>

namespace cmeet::relay {

// Events per meeting before it only accepts pollEnds and its end: keeps the ackEnd's list of
// leaves (about 69 bytes per acknowledgement) under the 1 MiB event limit. The thesis meeting has 2,132.
inline constexpr qint64 maxEventsPerMeeting = 12'000;
// How many host joins a full meeting still accepts beyond maxEventsPerMeeting (see check()).
inline constexpr qint64 hostJoinReserve = 16;

// The longest a session key may be delegated for: a revoked identity key can't leave a session
// key behind that outlives it by more.
inline constexpr qint64 maxDelegationMs = 24 * 3600 * 1000;

class MeetingEngine {
public:
    // patientData: current values keyed "patient\nfield". keys: which keys may sign a start or
    // join for an identity, and which have been revoked since (that member's session ends).
    MeetingEngine(Meeting meeting, const crypto::PrivateKey &relayKey, QHash<QString, QString> patientData, const IdentityKeys &keys);

    // Every rule but the attendance code (checked by the caller, which keeps its counters).
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> check(const protocol::Event &event, const crypto::Address &caller,
                                                              qint64 now) const;

    // Applies a checked event and returns its acknowledgement, also applied, unsigned: its id
    // does not depend on its signature, so the caller signs it later (a batch's on all cores).
    // If storing them fails, the caller must drop this engine and replay the stored log.
    [[nodiscard]] Expected<protocol::Event, protocol::ProtocolError> acknowledge(const protocol::Event &event, qint64 now);

    // Rebuilds state from the stored log, in order (events and acks).
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> replay(const QList<QByteArray> &storedLog);

    [[nodiscard]] const Meeting &meeting() const { return m_meeting; }
    [[nodiscard]] bool started() const { return !m_startId.isEmpty(); }
    [[nodiscard]] bool ended() const { return m_ended; }
    [[nodiscard]] qint64 logSize() const { return m_tree.size(); }
    // The tree head over everything accepted so far (after an ackEnd: the meeting's final head).
    [[nodiscard]] ledger::TreeHead head() const { return m_tree.head(); }
    [[nodiscard]] qint64 lastSeq() const { return m_seq; }
    [[nodiscard]] bool isPresent(const crypto::Address &member) const { return m_sessions.contains(member.bytes()); }
    [[nodiscard]] QString patientDataValue(const QString &patient, const QString &field) const;

private:
    struct Poll {
        QByteArray votingKey; // compressed public key
        bool open = true;
        QList<QByteArray> votes;        // ids, in order
        QSet<QByteArray> voters;        // identity address bytes
    };

    [[nodiscard]] Expected<Ok, protocol::ProtocolError> checkRefAndRole(const protocol::Event &event) const;
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> checkSignature(const protocol::Event &event, qint64 now) const;
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> checkContent(const protocol::Event &event) const;
    void apply(const protocol::Event &event);
    [[nodiscard]] QJsonObject acknowledgementContent(const protocol::Event &event) const;

    Meeting m_meeting;
    const crypto::PrivateKey &m_relayKey;
    QHash<QString, QString> m_patientData;
    const IdentityKeys &m_keys;

    // Every accepted id, compactly: a meeting may hold 24,000 with their acks, and a relay
    // serves many meetings at once. About 80 bytes each, where a hash of QByteArrays took 250.
    struct EventKey {
        static constexpr qsizetype size = 32; // an event id
        std::array<char, size> bytes{};
        friend bool operator==(const EventKey &, const EventKey &) = default;
        friend size_t qHash(const EventKey &key, size_t seed) { return qHashBits(key.bytes.data(), key.bytes.size(), seed); }
    };
    struct Entry {
        protocol::EventType type;
        bool referenced = false; // by a later event: not one of the ackEnd's leaves
    };
    [[nodiscard]] static std::optional<EventKey> keyOf(QByteArrayView id);
    [[nodiscard]] std::optional<qsizetype> positionOf(QByteArrayView id) const;

    ledger::MerkleFrontier m_tree; // the head is all the relay needs; auditors compute proofs
    qint64 m_seq = 0;
    QByteArray m_ids;                    // every accepted id, back to back in log order
    std::vector<Entry> m_entries;        // the same order
    QHash<EventKey, qint32> m_positions; // id -> its place in both
    QByteArray m_startId;
    QList<QByteArray> m_joinIds;
    bool m_ended = false;
    QHash<QByteArray, crypto::Address> m_sessions; // present member (identity bytes) -> session key
    QHash<QByteArray, qint64> m_sessionExpiry;     // present member -> their delegation's expiry
    QHash<QByteArray, crypto::Address> m_signers;  // present member -> the key that signed their start/join
    QSet<QByteArray> m_usedSessionKeys;
    QHash<QByteArray, Poll> m_polls;
    QHash<QByteArray, QString> m_discussions; // discussion id -> the patient discussed
    qint64 m_openPolls = 0; // each will add a pollEnd: counted against maxEventsPerMeeting
};

} // namespace cmeet::relay
