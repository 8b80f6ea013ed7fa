#include "ledger/meeting_verifier.h"

#include "base/hex.h"
#include "base/parallel.h"
#include "ledger/merkle_log.h"
#include "protocol/delegation.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

namespace cmeet::ledger {
namespace {

using protocol::Event;
using protocol::EventType;

constexpr int maxProblems = 50; // a broken file gets a readable report, not a million lines

// One entry as it reads on its own: what the checks in log order then use.
struct ReadEntry {
    QByteArrayView bytes;
    std::optional<Expected<Event, protocol::ProtocolError>> event;
    std::optional<protocol::ProtocolError> schemaError;
    std::optional<Expected<protocol::Delegation, protocol::ProtocolError>> delegation; // a start's or join's

    void read(const protocol::SchemaValidator &schemas)
    {
        event = Event::fromWire(bytes);
        if (!*event)
            return;
        const Event &readEvent = **event;
        if (auto valid = schemas.validate(readEvent); !valid)
            schemaError = valid.error();
        (void)readEvent.recoverSigner(); // kept in the event
        if (readEvent.type() == EventType::Start || readEvent.type() == EventType::Join)
            delegation = protocol::Delegation::fromJson(readEvent.content().value(QStringLiteral("delegation")).toObject(),
                                                        protocol::SignerRule::AnyKey);
    }
};

// The meeting's rules an auditor can check from the log alone, and what each acknowledgement
// must list (DESIGN.md §3), recomputed independently of the relay's own code: a relay that
// reorders a vote after its poll's end, answers a pollEnd with a plain ack, or leaves a vote or
// a join out of a list, signs something this catches.
class MeetingRecord {
public:
    [[nodiscard]] bool has(const QByteArray &id) const { return m_types.contains(id); }

    void add(const Event &event)
    {
        m_order.append(event.id());
        m_types.insert(event.id(), event.type());
        if (event.ref())
            m_referenced.insert(*event.ref());
        switch (event.type()) {
        case EventType::Start:
            if (!m_startId.isEmpty())
                break; // a second start is a problem (problemWith), never the meeting's host or roster
            m_startId = event.id();
            m_host = event.by();
            for (const QJsonValue &member : event.content().value(QStringLiteral("roster")).toArray())
                m_roster.insert(member.toString());
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
            : m_roster.contains(event.by().toLowerHex());
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
        const std::optional<EventType> refType = m_types.contains(*event.ref()) ? std::optional(m_types.value(*event.ref())) : std::nullopt;
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
        const auto differs = [&](const QString &field, const QJsonValue &expected) { return content.value(field) != expected; };
        switch (ack.type()) {
        case EventType::JoinAck:
            if (differs(QStringLiteral("start"), hex::encode(m_startId)) || differs(QStringLiteral("joins"), protocol::idList(m_joinIds)))
                return QStringLiteral("joinAck does not list the start and the %1 joins so far").arg(m_joinIds.size());
            break;
        case EventType::PollEndAck: {
            const QList<QByteArray> votes = m_polls.value(acknowledged.ref().value_or(QByteArray())).votes;
            if (differs(QStringLiteral("votes"), protocol::idList(votes)))
                return QStringLiteral("pollEndAck does not list the poll's %1 votes").arg(votes.size());
            break;
        }
        case EventType::AckEnd: {
            QList<QByteArray> leaves;
            for (const QByteArray &id : m_order) {
                if (!m_referenced.contains(id))
                    leaves.append(id);
            }
            if (differs(QStringLiteral("leaves"), protocol::idList(leaves)))
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
    QHash<QByteArray, EventType> m_types;
    QSet<QString> m_roster; // lowercase addresses, from the start
    QList<QByteArray> m_order;
    QSet<QByteArray> m_referenced;
};

} // namespace

VerificationReport verifyMeetingLog(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                    const std::optional<crypto::Address> &expectedRelay, const KeyActivity &keyActivity,
                                    const ReadOptions &read)
{
    VerificationReport report;
    report.relay = expectedRelay;
    MerkleLog merkle;
    struct Session {
        crypto::Address key;
        qint64 expires = 0;
    };
    QHash<QByteArray, Session> sessionOf;  // identity -> the session its start/join delegated, until it leaves
    QSet<QByteArray> sessionKeysUsed;      // a session key serves one start or join of the meeting
    constexpr qint64 noExpiry = std::numeric_limits<qint64>::max();
    qint64 authorSessionExpires = noExpiry; // of the event before, for its acknowledgement
    qint64 seq = 0;
    std::optional<Event> previous; // the entry before, when it could be read
    MeetingRecord record;
    bool allReadable = true; // refs, rules and lists need every entry before
    const auto problem = [&](qint64 index, const QString &what) {
        if (report.problems.size() < maxProblems)
            report.problems.append(QStringLiteral("entry %1: %2").arg(index).arg(what));
    };

    const qsizetype chunkSize = std::max<qsizetype>(1, read.chunk);
    std::vector<ReadEntry> chunk;
    for (qint64 index = 0; index < log.size(); ++index) {
        const qsizetype inChunk = index % chunkSize;
        if (inChunk == 0) {
            if (index > 0 && read.progress)
                read.progress(index, log.size());
            chunk.assign(std::min<qsizetype>(chunkSize, log.size() - index), {});
            for (qsizetype i = 0; i < qsizetype(chunk.size()); ++i)
                chunk[i].bytes = log.at(index + i);
            forEachOnAllCores(chunk, [&schemas](ReadEntry &entry) { entry.read(schemas); }, read.threads);
        }
        ReadEntry &entry = chunk[inChunk];
        auto &event = *entry.event;
        ++report.entries;
        if (!event) {
            problem(index, protocol::wireCode(event.error().code) + QStringLiteral(": ") + event.error().detail);
            merkle.append(QByteArray(32, '\0')); // its id is unknown: no later tree head can be checked
            report.ids.append(QByteArray());
            if (std::exchange(allReadable, false))
                problem(index, QStringLiteral("refs, rules, tree heads and acknowledgement lists are not checked from here on"));
            previous.reset();
            continue;
        }
        if (entry.schemaError)
            problem(index, QStringLiteral("schema_violation: ") + entry.schemaError->detail);
        if (index == 0) {
            report.meeting = event->meeting();
            if (event->type() != EventType::Start)
                problem(index, QStringLiteral("the log does not begin with a start"));
        } else if (event->meeting() != report.meeting) {
            problem(index, QStringLiteral("belongs to another meeting"));
        }
        if (record.has(event->id()))
            problem(index, QStringLiteral("duplicate of an earlier entry"));
        if (allReadable && event->ref() && !record.has(*event->ref()))
            problem(index, QStringLiteral("refs %1, which is no earlier entry").arg(hex::encode(*event->ref())));
        if (report.ended)
            problem(index, QStringLiteral("%1 after the meeting's ackEnd").arg(protocol::typeName(event->type())));

        if (protocol::isRelayAcknowledgement(event->type())) {
            ++report.acknowledgements;
            if (!report.relay)
                report.relay = event->by();
            if (event->by() != *report.relay || !event->verifySignedBy(*report.relay))
                problem(index, QStringLiteral("acknowledgement not signed by the relay %1").arg(report.relay->toChecksumHex()));
            if (index == 0 || (previous && (!event->ref() || *event->ref() != previous->id()))) // unknown after an unreadable entry
                problem(index, QStringLiteral("acknowledgement does not ref the entry before it"));
            const qint64 claimedSeq = event->content().value(QStringLiteral("seq")).toInteger();
            if (claimedSeq != ++seq && allReadable)
                problem(index, QStringLiteral("seq %1 where %2 was due").arg(claimedSeq).arg(seq));
            seq = claimedSeq; // after an unreadable entry, counting goes on from here
            // The acknowledgement carries the relay's clock when it accepted the event.
            if (previous && !protocol::isRelayAcknowledgement(previous->type())) {
                if (qAbs(event->ts() - previous->ts()) > protocol::timestampToleranceMs)
                    problem(index, QStringLiteral("acknowledged %1 ms from the event's ts (tolerance %2 ms)")
                                       .arg(event->ts() - previous->ts()).arg(protocol::timestampToleranceMs));
                if (event->ts() >= authorSessionExpires)
                    problem(index, QStringLiteral("acknowledged after the %1's session key expired").arg(protocol::typeName(previous->type())));
            }
            auto head = TreeHead::fromJson(event->content().value(QStringLiteral("tree")).toObject());
            if (allReadable && (!head || head->size != merkle.size() || head->root != merkle.root()))
                problem(index, QStringLiteral("tree head does not match the %1 entries before it").arg(merkle.size()));
            if (allReadable && previous) {
                if (const QString wrong = record.problemWith(*event, *previous); !wrong.isEmpty())
                    problem(index, wrong);
            }
            if (event->type() == EventType::AckEnd)
                report.ended = true;
        } else {
            ++report.events;
            if (allReadable && previous && !protocol::isRelayAcknowledgement(previous->type()))
                problem(index, QStringLiteral("the %1 before it was never acknowledged").arg(protocol::typeName(previous->type())));
            if (allReadable) {
                if (const QString wrong = record.problemWith(*event); !wrong.isEmpty())
                    problem(index, wrong);
            }
            const bool identitySigned = event->type() == EventType::Start || event->type() == EventType::Join;
            if (identitySigned) {
                const auto &delegation = *entry.delegation;
                // For this meeting and relay; its expiry is checked against the acknowledgement's ts,
                // the relay's clock when it accepted the event (auditors read meetings long after).
                if (!delegation || delegation->fields().identity != event->by() || delegation->fields().meeting != report.meeting
                    || (report.relay && delegation->fields().relay != *report.relay) || !event->verifySignedBy(delegation->signer()))
                    problem(index, QStringLiteral("%1 not signed by its identity with a valid delegation").arg(protocol::typeName(event->type())));
                else if (keyActivity ? !keyActivity(event->by(), delegation->signer(), event->ts()) : delegation->signer() != event->by())
                    problem(index, QStringLiteral("%1 signed by key %2, not shown active for %3 at the time")
                                       .arg(protocol::typeName(event->type()), delegation->signer().toChecksumHex(), event->by().toChecksumHex()));
                else if (sessionKeysUsed.contains(delegation->fields().session.bytes()))
                    problem(index, QStringLiteral("%1 reuses session key %2, delegated before in this meeting")
                                       .arg(protocol::typeName(event->type()), delegation->fields().session.toChecksumHex()));
                else {
                    sessionKeysUsed.insert(delegation->fields().session.bytes());
                    sessionOf.insert(event->by().bytes(), {delegation->fields().session, delegation->fields().expires});
                }
                authorSessionExpires = delegation ? delegation->fields().expires : noExpiry;
            } else if (!allReadable) {
                authorSessionExpires = noExpiry; // an unreadable entry may have been this author's join or leave
            } else if (!sessionOf.contains(event->by().bytes())) {
                problem(index, QStringLiteral("%1 by %2, who has not joined (or has left)").arg(protocol::typeName(event->type()), event->by().toChecksumHex()));
                authorSessionExpires = noExpiry;
            } else {
                const Session session = sessionOf.value(event->by().bytes());
                if (!event->verifySignedBy(session.key))
                    problem(index, QStringLiteral("%1 not signed by its author's session key").arg(protocol::typeName(event->type())));
                authorSessionExpires = session.expires;
                if (event->type() == EventType::Leave)
                    sessionOf.remove(event->by().bytes());
            }
        }
        merkle.append(event->id());
        record.add(*event);
        report.ids.append(event->id());
        report.readable.append(*event);
        previous = std::move(*event);
    }
    if (read.progress && !log.isEmpty())
        read.progress(log.size(), log.size());
    if (log.isEmpty())
        report.problems.append(QStringLiteral("the log is empty"));
    else if (allReadable && previous && !protocol::isRelayAcknowledgement(previous->type()))
        problem(log.size() - 1, QStringLiteral("the last %1 was never acknowledged").arg(protocol::typeName(previous->type())));
    return report;
}

} // namespace cmeet::ledger
