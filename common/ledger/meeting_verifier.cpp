#include "ledger/meeting_verifier.h"

#include "base/hex.h"
#include "ledger/merkle_log.h"
#include "protocol/delegation.h"

#include <QHash>
#include <QJsonArray>

namespace cmeet::ledger {
namespace {

using protocol::Event;
using protocol::EventType;

constexpr int maxProblems = 50; // a broken file gets a readable report, not a million lines

// What the relay's acknowledgement of event must list (DESIGN.md §3), from the entries before it:
// a joinAck the start and every join so far, a pollEndAck the poll's votes, an ackEnd every entry
// nothing refs. Recomputed here so a relay that leaves out a vote or a join is caught.
struct AcknowledgedLists {
    QByteArray startId;
    QList<QByteArray> joinIds;
    QHash<QByteArray, QList<QByteArray>> votesOf; // poll id -> its votes, in log order
    QList<QByteArray> order;
    QSet<QByteArray> referenced;

    void add(const Event &event)
    {
        order.append(event.id());
        if (event.ref())
            referenced.insert(*event.ref());
        if (event.type() == EventType::Start)
            startId = event.id();
        else if (event.type() == EventType::Join)
            joinIds.append(event.id());
        else if (event.type() == EventType::Vote && event.ref())
            votesOf[*event.ref()].append(event.id());
    }

    // The lists ack (of acknowledged) should carry, or an empty QString when they match.
    [[nodiscard]] QString mismatch(const Event &ack, const Event &acknowledged) const
    {
        const QJsonObject &content = ack.content();
        const auto differs = [&](const QString &field, const QJsonValue &expected) {
            return content.value(field) != expected;
        };
        switch (ack.type()) {
        case EventType::JoinAck:
            if (differs(QStringLiteral("start"), hex::encode(startId)) || differs(QStringLiteral("joins"), protocol::idList(joinIds)))
                return QStringLiteral("joinAck does not list the start and the %1 joins so far").arg(joinIds.size());
            break;
        case EventType::PollEndAck: {
            const QList<QByteArray> votes = acknowledged.ref() ? votesOf.value(*acknowledged.ref()) : QList<QByteArray>();
            if (differs(QStringLiteral("votes"), protocol::idList(votes)))
                return QStringLiteral("pollEndAck does not list the poll's %1 votes").arg(votes.size());
            break;
        }
        case EventType::AckEnd: {
            QList<QByteArray> leaves;
            for (const QByteArray &id : order) {
                if (!referenced.contains(id))
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
};

} // namespace

VerificationReport verifyMeetingLog(const QList<QByteArray> &log, const protocol::SchemaValidator &schemas,
                                    const std::optional<crypto::Address> &expectedRelay, const KeyActivity &keyActivity)
{
    VerificationReport report;
    report.relay = expectedRelay;
    MerkleLog merkle;
    QHash<QByteArray, crypto::Address> sessionOf; // identity -> session key delegated at start/join
    QSet<QByteArray> ids;
    qint64 seq = 0;
    std::optional<Event> previous; // the entry before, when it could be read
    AcknowledgedLists lists;
    const auto problem = [&](qint64 index, const QString &what) {
        if (report.problems.size() < maxProblems)
            report.problems.append(QStringLiteral("entry %1: %2").arg(index).arg(what));
    };

    for (qint64 index = 0; index < log.size(); ++index) {
        auto event = Event::fromWire(log.at(index));
        ++report.entries;
        if (!event) {
            problem(index, protocol::wireCode(event.error().code) + QStringLiteral(": ") + event.error().detail);
            merkle.append(QByteArray(32, '\0')); // keep positions aligned so later heads are still checked
            previous.reset();
            continue;
        }
        if (auto valid = schemas.validate(*event); !valid)
            problem(index, QStringLiteral("schema_violation: ") + valid.error().detail);
        if (index == 0) {
            report.meeting = event->meeting();
            if (event->type() != EventType::Start)
                problem(index, QStringLiteral("the log does not begin with a start"));
        } else if (event->meeting() != report.meeting) {
            problem(index, QStringLiteral("belongs to another meeting"));
        }
        if (ids.contains(event->id()))
            problem(index, QStringLiteral("duplicate of an earlier entry"));
        if (event->ref() && !ids.contains(*event->ref()))
            problem(index, QStringLiteral("refs %1, which is no earlier entry").arg(hex::encode(*event->ref())));
        if (report.ended)
            problem(index, QStringLiteral("%1 after the meeting's ackEnd").arg(protocol::typeName(event->type())));
        ids.insert(event->id());

        if (protocol::isRelayAcknowledgement(event->type())) {
            ++report.acknowledgements;
            if (!report.relay)
                report.relay = event->by();
            if (event->by() != *report.relay || !event->verifySignedBy(*report.relay))
                problem(index, QStringLiteral("acknowledgement not signed by the relay %1").arg(report.relay->toChecksumHex()));
            if (!previous || !event->ref() || *event->ref() != previous->id())
                problem(index, QStringLiteral("acknowledgement does not ref the entry before it"));
            const qint64 claimedSeq = event->content().value(QStringLiteral("seq")).toInteger();
            if (claimedSeq != ++seq)
                problem(index, QStringLiteral("seq %1 where %2 was due").arg(claimedSeq).arg(seq));
            auto head = TreeHead::fromJson(event->content().value(QStringLiteral("tree")).toObject());
            if (!head || head->size != merkle.size() || head->root != merkle.root())
                problem(index, QStringLiteral("tree head does not match the %1 entries before it").arg(merkle.size()));
            if (previous) {
                if (const QString wrongList = lists.mismatch(*event, *previous); !wrongList.isEmpty())
                    problem(index, wrongList);
            }
            if (event->type() == EventType::AckEnd)
                report.ended = true;
        } else {
            ++report.events;
            const bool identitySigned = event->type() == EventType::Start || event->type() == EventType::Join;
            if (identitySigned) {
                auto delegation = protocol::Delegation::fromJson(event->content().value(QStringLiteral("delegation")).toObject(),
                                                                 protocol::SignerRule::AnyKey);
                // Checked at the time of the event: auditors read meetings long after delegations expire.
                if (!delegation || delegation->fields().identity != event->by()
                    || (report.relay && !delegation->checkFor(report.meeting, *report.relay, event->ts()))
                    || !event->verifySignedBy(delegation->signer()))
                    problem(index, QStringLiteral("%1 not signed by its identity with a valid delegation").arg(protocol::typeName(event->type())));
                else if (keyActivity ? !keyActivity(event->by(), delegation->signer(), event->ts()) : delegation->signer() != event->by())
                    problem(index, QStringLiteral("%1 signed by key %2, not shown active for %3 at the time")
                                       .arg(protocol::typeName(event->type()), delegation->signer().toChecksumHex(), event->by().toChecksumHex()));
                else
                    sessionOf.insert(event->by().bytes(), delegation->fields().session);
            } else if (!sessionOf.contains(event->by().bytes())) {
                problem(index, QStringLiteral("%1 by %2, who never joined").arg(protocol::typeName(event->type()), event->by().toChecksumHex()));
            } else if (!event->verifySignedBy(sessionOf.value(event->by().bytes()))) {
                problem(index, QStringLiteral("%1 not signed by its author's session key").arg(protocol::typeName(event->type())));
            }
        }
        merkle.append(event->id());
        lists.add(*event);
        previous = std::move(*event);
    }
    if (log.isEmpty())
        report.problems.append(QStringLiteral("the log is empty"));
    return report;
}

} // namespace cmeet::ledger
