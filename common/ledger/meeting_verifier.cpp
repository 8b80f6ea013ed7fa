#include "ledger/meeting_verifier.h"

#include "base/hex.h"
#include "base/parallel.h"
#include "ledger/merkle_log.h"
#include "protocol/delegation.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <array>
#include <limits>
#include <utility>
#include <vector>

namespace cmeet::ledger {
namespace {

using protocol::Event;
using protocol::EventType;

// An event id kept inside a hash's own storage: with QByteArray keys, each of the audit's lookups
// among 24,000 ids went to the heap for the key's bytes and mostly missed the cache. Every id
// and ref of a readable event has 32 bytes (Event checks it).
struct IdKey {
    std::array<char, 32> bytes{};
    bool operator==(const IdKey &) const = default;

    static IdKey of(QByteArrayView id)
    {
        Q_ASSERT(id.size() == 32);
        IdKey key;
        std::copy_n(id.data(), std::min<qsizetype>(id.size(), 32), key.bytes.begin());
        return key;
    }
};

size_t qHash(const IdKey &key, size_t seed = 0)
{
    return qHashBits(key.bytes.data(), key.bytes.size(), seed);
}

// The meeting's rules an auditor can check from the log alone, and what each acknowledgement
// must list (DESIGN.md §3), recomputed independently of the relay's own code: a relay that
// reorders a vote after its poll's end, answers a pollEnd with a plain ack, or leaves a vote or
// a join out of a list, signs something this catches.
class MeetingRecord {
public:
    [[nodiscard]] bool has(const QByteArray &id) const { return m_types.contains(IdKey::of(id)); }

    void add(const Event &event)
    {
        m_order.append(event.id());
        m_types.insert(IdKey::of(event.id()), event.type());
        if (event.ref())
            m_referenced.insert(IdKey::of(*event.ref()));
        switch (event.type()) {
        case EventType::Start:
            if (!m_startId.isEmpty())
                break; // a second start is a problem (problemWith), never the meeting's host or roster
            m_startId = event.id();
            m_host = event.by();
            for (const QJsonValue &member : event.content().value(QStringLiteral("roster")).toArray()) {
                if (const auto address = hex::decodeLowercase(member.toString(), crypto::Address::size))
                    m_roster.insert(*address); // anything else is no address an event is by
            }
            break;
        case EventType::Join:
            m_joinIds.append(event.id());
            break;
        case EventType::Poll:
            m_polls.insert(event.id(), {});
            break;
        case EventType::Vote:
            if (const auto poll = m_polls.find(event.ref().value_or(QByteArray())); poll != m_polls.end()) {
                poll->votes.append(event.id());
                poll->voters.insert(event.by().bytes());
            }
            break;
        case EventType::PollEnd:
            if (const auto poll = m_polls.find(event.ref().value_or(QByteArray())); poll != m_polls.end())
                poll->ended = true;
            break;
        case EventType::Discussion:
            m_discussions.insert(event.id(), event.content().value(QStringLiteral("patient")).toString());
            break;
        default:
            break;
        }
    }

    // What is wrong with event (not an acknowledgement) where it stands, or an empty QString.
    [[nodiscard]] QString problemWith(const Event &event) const
    {
        const QString type = protocol::typeName(event.type());
        if (event.type() == EventType::Start && !m_startId.isEmpty())
            return QStringLiteral("a second start: a meeting starts once");
        const bool onRoster = event.type() == EventType::Start
            ? event.content().value(QStringLiteral("roster")).toArray().contains(event.by().toLowerHex())
            : m_roster.contains(event.by().bytes());
        if (!onRoster)
            return QStringLiteral("%1 by %2, who is not on the meeting's roster").arg(type, event.by().toChecksumHex());
        if (event.type() != EventType::Start && protocol::isHostOnly(event.type()) && event.by() != m_host)
            return QStringLiteral("%1 by %2, who is not the host").arg(type, event.by().toChecksumHex());
        if (event.type() == EventType::End) {
            for (auto poll = m_polls.cbegin(); poll != m_polls.cend(); ++poll) {
                if (!poll->ended)
                    return QStringLiteral("end while poll %1 is open: its votes are never counted").arg(hex::encode(poll.key()));
            }
        }
        if (!event.ref())
            return {};
        const auto refEntry = m_types.constFind(IdKey::of(*event.ref()));
        const std::optional<EventType> refType = refEntry != m_types.cend() ? std::optional(*refEntry) : std::nullopt;
        const auto refsA = [&](std::initializer_list<EventType> allowed) {
            return refType && std::find(allowed.begin(), allowed.end(), *refType) != allowed.end();
        };
        switch (event.type()) {
        case EventType::Join:
            return refsA({EventType::Start}) ? QString() : QStringLiteral("join does not ref the start");
        case EventType::Reply:
            return refsA({EventType::Comment, EventType::Reply}) ? QString() : QStringLiteral("reply refs neither a comment nor a reply");
        case EventType::Vote:
        case EventType::PollEnd: {
            if (!refsA({EventType::Poll}))
                return QStringLiteral("%1 does not ref a poll").arg(type);
            const Poll poll = m_polls.value(*event.ref());
            if (poll.ended)
                return QStringLiteral("%1 on a poll that had ended").arg(type);
            if (event.type() == EventType::Vote && poll.voters.contains(event.by().bytes()))
                return QStringLiteral("second vote by %1 in one poll").arg(event.by().toChecksumHex());
            return {};
        }
        case EventType::Image:
            if (!refsA({EventType::Discussion})
                || m_discussions.value(*event.ref()) != event.content().value(QStringLiteral("patient")).toString())
                return QStringLiteral("image does not ref the discussion of its patient");
            return {};
        default:
            return {};
        }
    }

    // What is wrong with ack as the acknowledgement of the event before it, or an empty QString.
    [[nodiscard]] QString problemWith(const Event &ack, const Event &acknowledged) const
    {
        if (protocol::isRelayAcknowledgement(acknowledged.type()))
            return QStringLiteral("acknowledges an acknowledgement");
        if (ack.type() != protocol::acknowledgementType(acknowledged.type()))
            return QStringLiteral("a %1 is acknowledged by a %2, not a %3")
                .arg(protocol::typeName(acknowledged.type()), protocol::typeName(protocol::acknowledgementType(acknowledged.type())),
                     protocol::typeName(ack.type()));
        const QJsonObject &content = ack.content();
        const auto differs = [&](const QString &field, const QList<QByteArray> &ids) { return !protocol::isIdList(content.value(field), ids); };
        switch (ack.type()) {
        case EventType::JoinAck:
            if (content.value(QStringLiteral("start")) != hex::encode(m_startId) || differs(QStringLiteral("joins"), m_joinIds))
                return QStringLiteral("joinAck does not list the start and the %1 joins so far").arg(m_joinIds.size());
            break;
        case EventType::PollEndAck: {
            const QList<QByteArray> votes = m_polls.value(acknowledged.ref().value_or(QByteArray())).votes;
            if (differs(QStringLiteral("votes"), votes))
                return QStringLiteral("pollEndAck does not list the poll's %1 votes").arg(votes.size());
            break;
        }
        case EventType::AckEnd: {
            QList<QByteArray> leaves;
            for (const QByteArray &id : m_order) {
                if (!m_referenced.contains(IdKey::of(id)))
                    leaves.append(id);
            }
            if (differs(QStringLiteral("leaves"), leaves))
                return QStringLiteral("ackEnd does not list the %1 entries nothing refs").arg(leaves.size());
            break;
        }
        default:
            break;
        }
        return {};
    }

private:
    struct Poll {
        QList<QByteArray> votes; // in log order
        QSet<QByteArray> voters;
        bool ended = false;
    };

    QByteArray m_startId;
    crypto::Address m_host;
    QList<QByteArray> m_joinIds;
    QHash<QByteArray, Poll> m_polls;
    QHash<QByteArray, QString> m_discussions; // discussion id -> the patient discussed
    QHash<IdKey, EventType> m_types;
    QSet<QByteArray> m_roster; // addresses, from the start's lowercase hex
    QList<QByteArray> m_order;
    QSet<IdKey> m_referenced;
};

} // namespace

ReadEntry ReadEntry::read(const QByteArray &bytes, const protocol::SchemaValidator &schemas)
{
    ReadEntry entry;
    entry.event = Event::fromWire(bytes);
    if (!*entry.event)
        return entry;
    const Event &event = **entry.event;
    if (auto valid = schemas.validate(event); !valid)
        entry.schemaError = valid.error();
    (void)event.recoverSigner(); // kept in the event
    if (event.type() == EventType::Start || event.type() == EventType::Join)
        entry.delegation = protocol::Delegation::fromJson(event.content().value(QStringLiteral("delegation")).toObject(),
                                                          protocol::SignerRule::AnyKey);
    return entry;
}

struct LogVerifier::State {
    struct Session {
        crypto::Address key;
        qint64 expires = 0;
    };
    static constexpr qint64 noExpiry = std::numeric_limits<qint64>::max();

    std::optional<crypto::Address> relay;
    KeyActivity keyActivity;
    QString meeting;
    qint64 entries = 0;
    qint64 events = 0;
    qint64 acknowledgements = 0;
    bool ended = false;
    MerkleLog merkle;
    QHash<QByteArray, Session> sessionOf;  // identity -> the session its start/join delegated, until it leaves
    QSet<QByteArray> sessionKeysUsed;      // a session key serves one start or join of the meeting
    qint64 authorSessionExpires = noExpiry; // of the event before, for its acknowledgement
    qint64 seq = 0;
    std::optional<Event> previous; // the entry before, when it could be read
    MeetingRecord record;
    bool allReadable = true; // refs, rules and lists need every entry before
};

LogVerifier::LogVerifier(std::optional<crypto::Address> expectedRelay, KeyActivity keyActivity) : m_state(std::make_unique<State>())
{
    m_state->relay = std::move(expectedRelay);
    m_state->keyActivity = std::move(keyActivity);
}

LogVerifier::~LogVerifier() = default;
LogVerifier::LogVerifier(LogVerifier &&) noexcept = default;
LogVerifier &LogVerifier::operator=(LogVerifier &&) noexcept = default;

qint64 LogVerifier::entries() const { return m_state->entries; }
qint64 LogVerifier::events() const { return m_state->events; }
qint64 LogVerifier::acknowledgements() const { return m_state->acknowledgements; }
const std::optional<crypto::Address> &LogVerifier::relay() const { return m_state->relay; }
const QString &LogVerifier::meeting() const { return m_state->meeting; }
bool LogVerifier::ended() const { return m_state->ended; }
const std::optional<Event> &LogVerifier::last() const { return m_state->previous; }
QByteArray LogVerifier::root() const { return m_state->merkle.root(); }

QStringList LogVerifier::check(ReadEntry entry)
{
    State &s = *m_state;
    QStringList problems;
    const qint64 index = s.entries++;
    auto &event = *entry.event;
    if (!event) {
        problems.append(protocol::wireCode(event.error().code) + QStringLiteral(": ") + event.error().detail);
        s.merkle.append(QByteArray(32, '\0')); // its id is unknown: no later tree head can be checked
        if (std::exchange(s.allReadable, false))
            problems.append(QStringLiteral("refs, rules, tree heads and acknowledgement lists are not checked from here on"));
        s.previous.reset();
        return problems;
    }
    if (entry.schemaError)
        problems.append(QStringLiteral("schema_violation: ") + entry.schemaError->detail);
    if (index == 0) {
        s.meeting = event->meeting();
        if (event->type() != EventType::Start)
            problems.append(QStringLiteral("the log does not begin with a start"));
    } else if (event->meeting() != s.meeting) {
        problems.append(QStringLiteral("belongs to another meeting"));
    }
    if (s.record.has(event->id()))
        problems.append(QStringLiteral("duplicate of an earlier entry"));
    if (s.allReadable && event->ref() && !s.record.has(*event->ref()))
        problems.append(QStringLiteral("refs %1, which is no earlier entry").arg(hex::encode(*event->ref())));
    if (s.ended)
        problems.append(QStringLiteral("%1 after the meeting's ackEnd").arg(protocol::typeName(event->type())));

    if (protocol::isRelayAcknowledgement(event->type())) {
        ++s.acknowledgements;
        if (!s.relay)
            s.relay = event->by();
        if (event->by() != *s.relay || !event->verifySignedBy(*s.relay))
            problems.append(QStringLiteral("acknowledgement not signed by the relay %1").arg(s.relay->toChecksumHex()));
        if (index == 0 || (s.previous && (!event->ref() || *event->ref() != s.previous->id()))) // unknown after an unreadable entry
            problems.append(QStringLiteral("acknowledgement does not ref the entry before it"));
        const qint64 claimedSeq = event->content().value(QStringLiteral("seq")).toInteger();
        if (claimedSeq != ++s.seq && s.allReadable)
            problems.append(QStringLiteral("seq %1 where %2 was due").arg(claimedSeq).arg(s.seq));
        s.seq = claimedSeq; // after an unreadable entry, counting goes on from here
        // The acknowledgement carries the relay's clock when it accepted the event.
        if (s.previous && !protocol::isRelayAcknowledgement(s.previous->type())) {
            if (qAbs(event->ts() - s.previous->ts()) > protocol::timestampToleranceMs)
                problems.append(QStringLiteral("acknowledged %1 ms from the event's ts (tolerance %2 ms)")
                                    .arg(event->ts() - s.previous->ts()).arg(protocol::timestampToleranceMs));
            if (event->ts() >= s.authorSessionExpires)
                problems.append(QStringLiteral("acknowledged after the %1's session key expired").arg(protocol::typeName(s.previous->type())));
        }
        auto head = TreeHead::fromJson(event->content().value(QStringLiteral("tree")).toObject());
        if (s.allReadable && (!head || head->size != s.merkle.size() || head->root != s.merkle.root()))
            problems.append(QStringLiteral("tree head does not match the %1 entries before it").arg(s.merkle.size()));
        if (s.allReadable && s.previous) {
            if (const QString wrong = s.record.problemWith(*event, *s.previous); !wrong.isEmpty())
                problems.append(wrong);
        }
        if (event->type() == EventType::AckEnd)
            s.ended = true;
    } else {
        ++s.events;
        if (s.allReadable && s.previous && !protocol::isRelayAcknowledgement(s.previous->type()))
            problems.append(QStringLiteral("the %1 before it was never acknowledged").arg(protocol::typeName(s.previous->type())));
        if (s.allReadable) {
            if (const QString wrong = s.record.problemWith(*event); !wrong.isEmpty())
                problems.append(wrong);
        }
        const bool identitySigned = event->type() == EventType::Start || event->type() == EventType::Join;
        if (identitySigned) {
            const auto &delegation = *entry.delegation;
            // For this meeting and relay; its expiry is checked against the acknowledgement's ts,
            // the relay's clock when it accepted the event (auditors read meetings long after).
            if (!delegation || delegation->fields().identity != event->by() || delegation->fields().meeting != s.meeting
                || (s.relay && delegation->fields().relay != *s.relay) || !event->verifySignedBy(delegation->signer()))
                problems.append(QStringLiteral("%1 not signed by its identity with a valid delegation").arg(protocol::typeName(event->type())));
            else if (s.keyActivity ? !s.keyActivity(event->by(), delegation->signer(), event->ts()) : delegation->signer() != event->by())
                problems.append(QStringLiteral("%1 signed by key %2, not shown active for %3 at the time")
                                    .arg(protocol::typeName(event->type()), delegation->signer().toChecksumHex(), event->by().toChecksumHex()));
            else if (s.sessionKeysUsed.contains(delegation->fields().session.bytes()))
                problems.append(QStringLiteral("%1 reuses session key %2, delegated before in this meeting")
                                    .arg(protocol::typeName(event->type()), delegation->fields().session.toChecksumHex()));
            else {
                s.sessionKeysUsed.insert(delegation->fields().session.bytes());
                s.sessionOf.insert(event->by().bytes(), {delegation->fields().session, delegation->fields().expires});
            }
            s.authorSessionExpires = delegation ? delegation->fields().expires : State::noExpiry;
        } else if (!s.allReadable) {
            s.authorSessionExpires = State::noExpiry; // an unreadable entry may have been this author's join or leave
        } else if (!s.sessionOf.contains(event->by().bytes())) {
            problems.append(QStringLiteral("%1 by %2, who has not joined (or has left)").arg(protocol::typeName(event->type()), event->by().toChecksumHex()));
            s.authorSessionExpires = State::noExpiry;
        } else {
            const State::Session session = s.sessionOf.value(event->by().bytes());
            if (!event->verifySignedBy(session.key))
                problems.append(QStringLiteral("%1 not signed by its author's session key").arg(protocol::typeName(event->type())));
            s.authorSessionExpires = session.expires;
            if (event->type() == EventType::Leave)
                s.sessionOf.remove(event->by().bytes());
        }
    }
    s.merkle.append(event->id());
    s.record.add(*event);
    s.previous = std::move(*event);
    return problems;
}

QStringList LogVerifier::problemsAtEnd() const
{
    const State &s = *m_state;
    if (s.entries == 0)
        return {QStringLiteral("the log is empty")};
    if (s.allReadable && s.previous && !protocol::isRelayAcknowledgement(s.previous->type()))
        return {QStringLiteral("entry %1: the last %2 was never acknowledged").arg(s.entries - 1).arg(protocol::typeName(s.previous->type()))};
    return {};
}

VerificationReport verifyMeetingLog(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                    const std::optional<crypto::Address> &expectedRelay, const KeyActivity &keyActivity,
                                    const ReadOptions &read)
{
    VerificationReport report;
    LogVerifier verifier(expectedRelay, keyActivity);
    const auto note = [&](const QString &problem) {
        if (report.problems.size() < maxReportedProblems)
            report.problems.append(problem);
    };
    const qsizetype chunkSize = std::max<qsizetype>(1, read.chunk);
    report.ids.reserve(log.size());
    report.readable.reserve(log.size()); // growing would move every event kept so far, again and again
    const auto readEntry = [&](qsizetype index) { return ReadEntry::read(log.at(index), schemas); };
    const auto checkEntry = [&](qsizetype index, ReadEntry entry) {
        if (index % chunkSize == 0) {
            if (read.cancelled && read.cancelled()) {
                report.cancelled = true;
                return false;
            }
            if (index > 0 && read.progress)
                read.progress(index, log.size());
        }
        const bool readable = *entry.event ? true : false;
        for (const QString &problem : verifier.check(std::move(entry)))
            note(QStringLiteral("entry %1: %2").arg(index).arg(problem));
        report.ids.append(readable ? verifier.last()->id() : QByteArray());
        if (readable)
            report.readable.append(*verifier.last());
        return true;
    };
    readOnAllCoresUseInOrder<ReadEntry>(log.size(), chunkSize, readEntry, checkEntry, read.threads);
    if (report.cancelled)
        return report;
    if (read.progress && !log.isEmpty())
        read.progress(log.size(), log.size());
    for (const QString &problem : verifier.problemsAtEnd())
        note(problem);
    report.entries = verifier.entries();
    report.events = verifier.events();
    report.acknowledgements = verifier.acknowledgements();
    report.relay = verifier.relay();
    report.meeting = verifier.meeting();
    report.ended = verifier.ended();
    report.root = verifier.root();
    return report;
}

} // namespace cmeet::ledger
