#include "client/audit/meeting_audit.h"

#include "base/hex.h"
#include "base/parallel.h"
#include "chain/meeting_registry.h"
#include "chain/roster_tree.h"
#include "client/core/approval.h"
#include "client/core/meeting_images.h"
#include "crypto/hash.h"
#include "crypto/keccak.h"
#include "identity/identity_registry.h"
#include "ledger/meeting_verifier.h"
#include "ledger/merkle_log.h"
#include "protocol/delegation.h"
#include "protocol/event.h"
#include "protocol/image_media.h"
#include "store/meeting_file.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>

namespace cmeet::audit {
namespace {

using protocol::Event;
using protocol::EventType;

Finding finding(const QString &area, Outcome outcome, const QString &detail, qint64 entry = -1, const QString &eventId = {})
{
    return Finding{area, outcome, detail, entry, eventId};
}

// verifyMeetingLog's "entry N: what" as a finding about that entry (ids: each entry's id, empty
// for an unreadable one).
Finding fromProblem(const QString &problem, const QList<QByteArray> &ids)
{
    static const QRegularExpression entryPrefix(QStringLiteral("^entry (\\d+): (.*)$"), QRegularExpression::DotMatchesEverythingOption);
    const auto match = entryPrefix.match(problem);
    if (!match.hasMatch())
        return finding(QStringLiteral("log"), Outcome::Failed, problem);
    const qint64 entry = match.captured(1).toLongLong();
    const QByteArray id = ids.value(entry);
    return finding(QStringLiteral("log"), Outcome::Failed, match.captured(2), entry, id.isEmpty() ? QString() : hex::encode(id));
}

QStringList lowercaseList(const QJsonArray &array)
{
    QStringList out;
    for (const QJsonValue &value : array)
        out.append(value.toString().toLower());
    return out;
}

// The file's metadata says what meeting it is; the start, signed by the host, says it too.
void checkMetadata(AuditReport &report, const QJsonObject &meeting, const Event &start)
{
    QStringList differences;
    if (meeting.value(QStringLiteral("id")).toString() != start.meeting())
        differences.append(QStringLiteral("the file is for meeting %1, the start for %2").arg(meeting.value(QStringLiteral("id")).toString(), start.meeting()));
    if (meeting.value(QStringLiteral("host")).toString().toLower() != start.by().toLowerHex())
        differences.append(QStringLiteral("the file names host %1, the start is by %2").arg(meeting.value(QStringLiteral("host")).toString(), start.by().toLowerHex()));
    QStringList fileRoster = lowercaseList(meeting.value(QStringLiteral("roster")).toArray());
    QStringList startRoster = lowercaseList(start.content().value(QStringLiteral("roster")).toArray());
    fileRoster.sort();
    startRoster.sort();
    if (fileRoster != startRoster)
        differences.append(QStringLiteral("the file's roster (%1 members) is not the start's (%2)").arg(fileRoster.size()).arg(startRoster.size()));
    QStringList fileAgenda;
    for (const QJsonValue &patient : meeting.value(QStringLiteral("agenda")).toArray())
        fileAgenda.append(patient.toString());
    QStringList startAgenda;
    for (const QJsonValue &patient : start.content().value(QStringLiteral("agenda")).toArray())
        startAgenda.append(patient.toString());
    if (fileAgenda != startAgenda)
        differences.append(QStringLiteral("the file's agenda is not the start's"));
    for (const QString &difference : differences)
        report.findings.append(finding(QStringLiteral("file"), Outcome::Failed, difference, 0, start.idHex()));
    if (differences.isEmpty())
        report.findings.append(finding(QStringLiteral("file"), Outcome::Verified, QStringLiteral("the file's meeting id, host, roster and agenda are the start's")));
}

// Asks the identity registry about every key that signed a start or join; without one (or when
// the chain can't be read) it accepts the key for the log check and notes that it was not checked.
class KeyCheck {
public:
    KeyCheck(const AuditOptions &options, const std::optional<crypto::Address> &registry)
        : m_remedy(options.remedies.identityRegistry)
    {
        if (options.chain && registry) {
            m_client = std::make_unique<chain::EthClient>(*options.chain, options.rpc);
            m_registry = *registry;
        }
    }

    [[nodiscard]] ledger::KeyActivity activity()
    {
        return [this](const crypto::Address &identity, const crypto::Address &key, qint64 tsMs) {
            const QString who = key == identity ? QStringLiteral("the own key of %1").arg(identity.toChecksumHex())
                                                : QStringLiteral("device key %1 of %2").arg(key.toChecksumHex(), identity.toChecksumHex());
            if (!m_client) {
                m_unchecked.insert(who);
                return true;
            }
            const auto period = identity::keyPeriod(*m_client, m_registry, identity, key);
            if (!period) {
                m_unreachable = period.error().detail;
                m_unchecked.insert(who);
                return true;
            }
            const bool active = period->activeAt(static_cast<quint64>(tsMs / 1000));
            if (active)
                m_verified.insert(who);
            return active; // the log check reports an inactive key, at its entry
        };
    }

    void report(AuditReport &report) const
    {
        const QString why = !m_client ? QStringLiteral("no chain and identity registry given (%1)").arg(m_remedy)
                                      : QStringLiteral("the chain could not be read: ") + m_unreachable;
        QStringList unchecked(m_unchecked.begin(), m_unchecked.end());
        unchecked.sort();
        for (const QString &key : unchecked)
            report.findings.append(finding(QStringLiteral("keys"), Outcome::NotChecked, key + QStringLiteral(" signed a start or join; not checked against a chain: ") + why));
        if (!m_verified.isEmpty())
            report.findings.append(finding(QStringLiteral("keys"), Outcome::Verified,
                                           QStringLiteral("%1 keys that signed starts and joins were active in the identity registry %2 when they signed")
                                               .arg(m_verified.size())
                                               .arg(m_registry.toChecksumHex())));
    }

private:
    QString m_remedy;
    std::unique_ptr<chain::EthClient> m_client;
    crypto::Address m_registry;
    QSet<QString> m_unchecked;
    QSet<QString> m_verified;
    QString m_unreachable;
};

struct Anchoring {
    std::optional<crypto::Address> registry;
    std::optional<quint64> chainId;
    std::optional<crypto::Address> identityRegistry;
    QJsonObject steps; // the relay's word per step ("open", "close"): {tx, block, ...}
};

// Where the meeting was anchored: the options given, else what the file's (or proof's) "anchor"
// reference names.
Anchoring anchoringOf(const QJsonObject &anchor, const AuditOptions &options)
{
    const auto named = [&](const std::optional<crypto::Address> &given, const QString &key) -> std::optional<crypto::Address> {
        if (given)
            return given;
        const auto address = crypto::Address::fromHex(anchor.value(key).toString());
        return address ? std::optional<crypto::Address>(*address) : std::nullopt;
    };
    Anchoring out;
    out.registry = named(options.registry, QStringLiteral("registry"));
    out.identityRegistry = named(options.identityRegistry, QStringLiteral("identityRegistry"));
    if (anchor.value(QStringLiteral("chainId")).toInteger() > 0)
        out.chainId = static_cast<quint64>(anchor.value(QStringLiteral("chainId")).toInteger());
    out.steps = anchor;
    return out;
}

// Where a registry record was written: the transaction the file names for the step, checked on
// the chain (its receipt holds the registry's event for this meeting with exactly these values).
// Empty when it holds; otherwise why not, and whether that is a failure or just unknown.
struct Transaction {
    QString where; // "tx 0x…, block N", when the chain confirmed it
    std::optional<Outcome> problem;
    QString why;
};

Transaction transactionOf(chain::EthClient &client, const crypto::Address &registry, const QJsonObject &step, const QByteArray &eventTopic,
                          const QString &meeting, const QByteArray &eventData)
{
    const auto hash = hex::decodeLowercase(step.value(QStringLiteral("tx")).toString().toLower(), 32);
    if (!hash)
        return {{}, Outcome::NotChecked, QStringLiteral("the file names no transaction for it")};
    const auto receipt = client.receipt(*hash);
    if (!receipt)
        return {{}, Outcome::NotChecked, QStringLiteral("the chain could not be read: ") + receipt.error().detail};
    const QString named = QStringLiteral("tx %1, block %2").arg(hex::encode(*hash)).arg(step.value(QStringLiteral("block")).toInteger());
    if (!*receipt)
        return {{}, Outcome::Failed, QStringLiteral("the file names %1, which the chain does not hold").arg(named)};
    const QString where = QStringLiteral("tx %1, block %2").arg(hex::encode(*hash)).arg((*receipt)->blockNumber);
    if (static_cast<quint64>(step.value(QStringLiteral("block")).toInteger()) != (*receipt)->blockNumber)
        return {{}, Outcome::Failed, QStringLiteral("the file names %1, but the chain has it in block %2").arg(named).arg((*receipt)->blockNumber)};
    const QByteArray meetingTopic = chain::registry::meetingKey(meeting);
    for (const chain::LogEntry &log : (*receipt)->logs) {
        if (log.address == registry && log.topics.size() == 2 && log.topics.at(0) == eventTopic && log.topics.at(1) == meetingTopic && log.data == eventData)
            return {where, std::nullopt, {}};
    }
    return {{}, Outcome::Failed, QStringLiteral("the file names %1, which does not record this in the registry").arg(where)};
}


// The MeetingRegistry's open record (roster root) and closing record (ackEnd, root, size).
void checkAnchor(AuditReport &report, const AuditOptions &options, const Anchoring &anchoring, const Event &start,
                 const client::FinalRecord &record)
{
    const QString area = QStringLiteral("anchor");
    if (!options.chain) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the chain anchor was not checked: no chain given (%1)").arg(options.remedies.chain)));
        return;
    }
    if (!anchoring.registry) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the chain anchor was not checked: the file names no registry (%1)").arg(options.remedies.registry)));
        return;
    }
    chain::EthClient client(*options.chain, options.rpc);
    const auto chainId = client.chainId();
    if (!chainId) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the chain could not be read: ") + chainId.error().detail));
        return;
    }
    if (anchoring.chainId && *anchoring.chainId != *chainId) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the node is on chain %1, the meeting was anchored on chain %2").arg(*chainId).arg(*anchoring.chainId)));
        return;
    }
    QList<crypto::Address> roster;
    for (const QJsonValue &member : start.content().value(QStringLiteral("roster")).toArray())
        roster.append(crypto::Address::fromHex(member.toString()).value_or(crypto::Address()));
    const auto rosterRoot = chain::registry::rosterRootOf(client, *anchoring.registry, report.meeting);
    const auto closing = chain::registry::closingOf(client, *anchoring.registry, report.meeting);
    if (!rosterRoot || !closing) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the registry could not be read: ") + (!rosterRoot ? rosterRoot.error() : closing.error()).detail));
        return;
    }
    const QString where = QStringLiteral("registry %1 on chain %2").arg(anchoring.registry->toChecksumHex()).arg(*chainId);
    if (*rosterRoot == QByteArray(32, '\0'))
        report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the meeting was never opened in the ") + where));
    else if (*rosterRoot != chain::rosterRoot(roster))
        report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the roster anchored at the start in the %1 is not the start's roster").arg(where), 0, start.idHex()));
    else
        report.findings.append(finding(area, Outcome::Verified, QStringLiteral("opened in the %1 with the start's roster").arg(where)));
    const Transaction opened = transactionOf(client, *anchoring.registry, anchoring.steps.value(QStringLiteral("open")).toObject(),
                                             crypto::keccak256("Opened(bytes32,bytes32,bytes32)"), report.meeting, start.id() + chain::rosterRoot(roster));
    report.findings.append(opened.problem ? finding(area, *opened.problem, QStringLiteral("the opening's transaction: ") + opened.why)
                                          : finding(area, Outcome::Verified, QStringLiteral("opened in ") + opened.where));
    if (*closing == QByteArray(32, '\0'))
        report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the meeting's end is not anchored in the ") + where));
    else if (*closing != client::closingCommitment(record))
        report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the %1 holds another final record than this log (ackEnd %2, root %3, %4 entries)")
                                                                  .arg(where, hex::encode(record.ackEndId), hex::encode(record.root))
                                                                  .arg(record.size),
                                       static_cast<qint64>(record.size) - 1, hex::encode(record.ackEndId)));
    else
        report.findings.append(finding(area, Outcome::Verified, QStringLiteral("closed in the %1 on this log's final record (root %2, %3 entries)")
                                                                    .arg(where, hex::encode(record.root))
                                                                    .arg(record.size)));
    const Transaction closed = transactionOf(client, *anchoring.registry, anchoring.steps.value(QStringLiteral("close")).toObject(),
                                             crypto::keccak256("Closed(bytes32,bytes32,bytes32,uint64)"), report.meeting,
                                             client::closingRecord(record));
    report.findings.append(closed.problem ? finding(area, *closed.problem, QStringLiteral("the closing's transaction: ") + closed.why)
                                          : finding(area, Outcome::Verified, QStringLiteral("closed in ") + closed.where));
}

// Each approval in the file is the EIP-712 signature of a roster member on the final record;
// once everyone has approved, the registry holds one commitment to all of them.
void checkApprovals(AuditReport &report, const AuditOptions &options, const store::MeetingFile &file, const Anchoring &anchoring,
                    const QStringList &roster, const client::FinalRecord &record)
{
    const QString area = QStringLiteral("approvals");
    const auto approvals = file.approvals().value_or(QList<store::Approval>());
    if (!anchoring.registry || !anchoring.chainId) {
        if (!approvals.isEmpty())
            report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("%1 approvals not checked: the file names no registry and chain id").arg(approvals.size())));
        return;
    }
    const QByteArray digest = chain::registry::approvalDigest(*anchoring.chainId, *anchoring.registry, report.meeting, record.ackEndId, record.root);
    QStringList approved;
    QList<QPair<crypto::Address, QByteArray>> signatures;
    for (const store::Approval &approval : approvals) {
        const auto signature = crypto::Signature::fromHex(approval.signature);
        const auto signer = signature ? crypto::recoverAddress(digest, *signature) : Expected<crypto::Address, crypto::CryptoError>(unexpected(signature.error()));
        const QString identity = approval.identity.toLower();
        if (!signer || signer->toLowerHex() != identity)
            report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the approval filed for %1 is not its signature of this final record").arg(identity)));
        else if (!roster.contains(identity))
            report.findings.append(finding(area, Outcome::Failed, QStringLiteral("%1 approved but is not on the roster").arg(identity)));
        else {
            approved.append(identity);
            signatures.append({*signer, signature->bytes()});
        }
    }
    QStringList missing;
    for (const QString &member : roster) {
        if (!approved.contains(member))
            missing.append(member);
    }
    report.findings.append(finding(area, Outcome::Verified, QStringLiteral("%1 of %2 on the roster approved this final record%3")
                                                                .arg(approved.size())
                                                                .arg(roster.size())
                                                                .arg(missing.isEmpty() ? QString() : QStringLiteral("; not in the file: ") + missing.join(QStringLiteral(", ")))));
    if (!missing.isEmpty() || approved.size() != approvals.size())
        return; // the relay commits on chain only once everyone has approved
    if (!options.chain) {
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the on-chain commitment to the approvals was not checked: no chain given (%1)").arg(options.remedies.chain)));
        return;
    }
    chain::EthClient client(*options.chain, options.rpc);
    const auto committed = chain::registry::approvalBatchOf(client, *anchoring.registry, report.meeting);
    if (!committed)
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the registry could not be read: ") + committed.error().detail));
    else if (*committed == QByteArray(32, '\0'))
        report.findings.append(finding(area, Outcome::NotChecked, QStringLiteral("the registry holds no commitment to the approvals yet")));
    else if (*committed != chain::registry::approvalsCommitment(signatures))
        report.findings.append(finding(area, Outcome::Failed, QStringLiteral("the registry's commitment to the approvals is not the one of the approvals in this file")));
    else
        report.findings.append(finding(area, Outcome::Verified, QStringLiteral("the registry holds the commitment to these %1 approvals").arg(signatures.size())));
}

// Every image event's bytes are in the file, as the event names them: the record of what the
// participants saw is only whole with them (thesis 1.1).
void checkImages(AuditReport &report, const store::MeetingFile &file, const QList<Event> &events, const QList<QByteArray> &ids)
{
    const QString area = QStringLiteral("images");
    qint64 shown = 0;
    qint64 intact = 0;
    for (const Event &event : events) {
        if (event.type() != EventType::Image)
            continue;
        ++shown;
        const qint64 entry = ids.indexOf(event.id());
        const QJsonObject &content = event.content();
        const auto stored = file.image(protocol::imageSha256(event));
        const auto failed = [&](const QString &why) {
            report.findings.append(finding(area, Outcome::Failed,
                                           QStringLiteral("the image shown for patient %1 at entry %2 %3")
                                               .arg(content.value(QStringLiteral("patient")).toString())
                                               .arg(entry)
                                               .arg(why),
                                           entry, event.idHex()));
        };
        if (!stored) {
            failed(QStringLiteral("can't be read from the file: ") + stored.error().detail);
        } else if (!*stored) {
            failed(QStringLiteral("is not in the file: what the participants saw can't be shown"));
        } else if (!client::imageMatches(event, (*stored)->mediaType, (*stored)->bytes)) {
            failed(QStringLiteral("was changed in the file: its bytes are not those the event names"));
        } else {
            ++intact;
        }
    }
    if (shown > 0 && intact == shown)
        report.findings.append(finding(area, Outcome::Verified, (shown == 1 ? QStringLiteral("the image shown in the meeting is in the file as its event names it")
                                                   : QStringLiteral("the %1 images shown in the meeting are in the file as their events name them").arg(shown))));
}

// The root of the tree over the whole log, for the anchor's. An unreadable entry (the log check
// reported it) counts as the hash of its bytes.
QByteArray finalRoot(const ledger::VerificationReport &verified, const QList<QByteArray> &log)
{
    if (!verified.ids.contains(QByteArray()))
        return verified.root;
    ledger::MerkleLog tree;
    for (qsizetype i = 0; i < verified.ids.size(); ++i)
        tree.append(verified.ids.at(i).isEmpty() ? crypto::keccak256(log.at(i)) : verified.ids.at(i));
    return tree.root();
}

void tallyPolls(AuditReport &report, const QList<Event> &events)
{
    struct Poll {
        QByteArray id;
        std::optional<client::PollTally> tally;
    };
    QList<Poll> polls;
    for (const Event &event : events) {
        if (event.type() == EventType::Poll)
            polls.append({event.id(), std::nullopt});
    }
    // Each poll decrypts its votes, a key agreement per vote: on all cores.
    forEachOnAllCores(polls, [&](Poll &poll) { poll.tally = client::tallyPoll(events, poll.id); });
    for (const Poll &poll : polls) {
        if (!poll.tally)
            continue;
        const client::PollTally &tally = *poll.tally;
        // Options by number: a question or option may name a patient, which only the report shows.
        QStringList counts;
        for (qsizetype i = 0; i < tally.options.size(); ++i)
            counts.append(QStringLiteral("option %1: %2").arg(i + 1).arg(tally.counts.value(i)));
        report.polls.append(tally);
        report.findings.append(finding(QStringLiteral("polls"), Outcome::Verified,
                                       tally.ended ? QStringLiteral("poll tallied: %1; %2 invalid; %3 votes counted")
                                                         .arg(counts.join(QStringLiteral(", ")))
                                                         .arg(tally.invalid)
                                                         .arg(tally.counted.size())
                                                   : QStringLiteral("poll never ended, so its votes stay secret"),
                                       -1, hex::encode(poll.id)));
    }
}

const QString proofFormat = QStringLiteral("c-meet inclusion proof v1");

// The session key a start or join delegates, if it is well formed, for its author, and signed by
// the key that signed the start or join.
std::optional<crypto::Address> delegatedSession(const Event &startOrJoin)
{
    if (startOrJoin.type() != EventType::Start && startOrJoin.type() != EventType::Join)
        return std::nullopt;
    const auto delegation = protocol::Delegation::fromJson(startOrJoin.content().value(QStringLiteral("delegation")).toObject(), protocol::SignerRule::AnyKey);
    if (!delegation || delegation->fields().identity != startOrJoin.by() || startOrJoin.recoverSigner().value_or(crypto::Address()) != delegation->signer())
        return std::nullopt;
    return delegation->fields().session;
}

QJsonArray hexList(const QList<QByteArray> &hashes)
{
    QJsonArray out;
    for (const QByteArray &hash : hashes)
        out.append(hex::encode(hash));
    return out;
}

QList<QByteArray> hashList(const QJsonValue &value)
{
    QList<QByteArray> out;
    for (const QJsonValue &hash : value.toArray())
        out.append(hex::decodeLowercase(hash.toString(), 32).value_or(QByteArray()));
    return out;
}

} // namespace

QJsonObject Finding::toJson() const
{
    QJsonObject json{{QStringLiteral("area"), area}, {QStringLiteral("outcome"), outcomeName(outcome)}, {QStringLiteral("detail"), detail}};
    if (entry >= 0)
        json.insert(QStringLiteral("entry"), entry);
    if (!eventId.isEmpty())
        json.insert(QStringLiteral("event"), eventId);
    return json;
}

Verdict AuditReport::verdict() const
{
    bool complete = true;
    for (const Finding &f : findings) {
        if (f.outcome == Outcome::Failed)
            return Verdict::Invalid;
        complete = complete && f.outcome != Outcome::NotChecked;
    }
    return complete ? Verdict::Verified : Verdict::Incomplete;
}

int AuditReport::exitCode() const
{
    switch (verdict()) {
    case Verdict::Verified: return 0;
    case Verdict::Invalid: return 1;
    case Verdict::Incomplete: return 2;
    }
    return 2;
}

QJsonObject AuditReport::toJson() const
{
    QJsonArray list;
    for (const Finding &f : findings)
        list.append(f.toJson());
    QJsonArray pollList;
    for (const client::PollTally &tally : polls) {
        QJsonArray counts;
        for (const int count : tally.counts)
            counts.append(count);
        QJsonArray counted;
        for (const QByteArray &id : tally.counted)
            counted.append(hex::encode(id));
        pollList.append(QJsonObject{{QStringLiteral("poll"), hex::encode(tally.pollId)}, {QStringLiteral("ended"), tally.ended},
                                    {QStringLiteral("counts"), counts}, {QStringLiteral("invalid"), tally.invalid}, {QStringLiteral("votes"), counted}});
    }
    return {{QStringLiteral("file"), file},          {QStringLiteral("meeting"), meeting},       {QStringLiteral("entries"), entries},
            {QStringLiteral("verdict"), verdictName(verdict())}, {QStringLiteral("exitCode"), exitCode()}, {QStringLiteral("findings"), list},
            {QStringLiteral("polls"), pollList}};
}

QString AuditReport::toText() const
{
    QStringList lines{QStringLiteral("%1: %2 (meeting %3, %4 entries)").arg(file, verdictName(verdict()), meeting).arg(entries)};
    for (const Finding &f : findings) {
        const QString where = f.entry >= 0 ? QStringLiteral("entry %1%2: ").arg(f.entry).arg(f.eventId.isEmpty() ? QString() : QStringLiteral(" (") + f.eventId + QLatin1Char(')'))
                                           : (f.eventId.isEmpty() ? QString() : f.eventId + QStringLiteral(": "));
        lines.append(QStringLiteral("  %1 %2 %3%4").arg(outcomeName(f.outcome), -11).arg(f.area, -9).arg(where, f.detail));
    }
    return lines.join(QLatin1Char('\n'));
}

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Verified: return QStringLiteral("verified");
    case Outcome::Failed: return QStringLiteral("FAILED");
    case Outcome::NotChecked: return QStringLiteral("unchecked");
    }
    return {};
}

QString verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Verified: return QStringLiteral("VERIFIED");
    case Verdict::Invalid: return QStringLiteral("INVALID (tampered or broken)");
    case Verdict::Incomplete: return QStringLiteral("NOT FULLY CHECKED");
    }
    return {};
}

Expected<AuditReport, QString> auditMeetingFile(const QString &path, const AuditOptions &options)
{
    auto file = store::MeetingFile::open(path, true);
    if (!file)
        return unexpected(QStringLiteral("not a meeting file c-meet can read: ") + file.error().detail);
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas)
        return unexpected(QStringLiteral("cannot load the event schemas: ") + schemas.error());

    AuditReport report;
    report.file = path;
    report.meeting = (*file)->meetingId();
    auto log = (*file)->events();
    if (!log) { // it opened as a meeting file, so a log with a gap was damaged or tampered with
        report.findings.append(finding(QStringLiteral("file"), Outcome::Failed, QStringLiteral("the log can't be read: ") + log.error().detail));
        return report;
    }
    report.entries = log->size();
    const QJsonObject meeting = (*file)->meeting();
    const Anchoring anchoring = anchoringOf(meeting.value(QStringLiteral("anchor")).toObject(), options);

    if (log->isEmpty()) {
        report.findings.append(finding(QStringLiteral("log"), Outcome::Failed, QStringLiteral("the file holds no events")));
        return report;
    }
    KeyCheck keys(options, anchoring.identityRegistry);
    const ledger::VerificationReport verified
        = ledger::verifyMeetingLog(*log, **schemas, std::nullopt, keys.activity(), {options.threads, options.progress, options.cancelled});
    if (verified.cancelled)
        return unexpected(QStringLiteral("the audit was cancelled"));
    report.events = verified.readable;
    const QList<Event> &events = report.events;
    const QList<QByteArray> &ids = verified.ids; // empty for an unreadable entry (reported by the log check)
    const std::optional<Event> start = !events.isEmpty() && events.constFirst().type() == EventType::Start ? std::optional<Event>(events.constFirst()) : std::nullopt;
    if (start)
        checkMetadata(report, meeting, *start);
    for (const QString &problem : verified.problems)
        report.findings.append(fromProblem(problem, ids));
    if (verified.problems.isEmpty())
        report.findings.append(finding(QStringLiteral("log"), Outcome::Verified,
                                       QStringLiteral("%1 entries (%2 events, %3 acknowledgements by relay %4): encoding, schemas, ids, signatures, delegations, "
                                                      "acknowledgements, seq, tree heads, refs and the meeting's rules")
                                           .arg(verified.entries)
                                           .arg(verified.events)
                                           .arg(verified.acknowledgements)
                                           .arg(verified.relay ? verified.relay->toChecksumHex() : QString())));
    keys.report(report);
    if (!verified.ended) {
        report.findings.append(finding(QStringLiteral("log"), Outcome::NotChecked, QStringLiteral("the log has no end and ackEnd: there is no final record to check")));
    } else if (start && verified.relay) {
        const client::FinalRecord record{events.constLast().id(), finalRoot(verified, *log), static_cast<quint64>(log->size()), *verified.relay};
        checkAnchor(report, options, anchoring, *start, record);
        checkApprovals(report, options, **file, anchoring, lowercaseList(start->content().value(QStringLiteral("roster")).toArray()), record);
    }
    checkImages(report, **file, events, ids);
    tallyPolls(report, events);
    return report;
}

namespace {

// A meeting file opened read-only, and its log, for the commands that need nothing else checked first.
struct OpenedLog {
    std::unique_ptr<store::MeetingFile> file;
    QList<QByteArray> log;
};

Expected<OpenedLog, QString> openLog(const QString &path)
{
    auto file = store::MeetingFile::open(path, true);
    if (!file)
        return unexpected(QStringLiteral("not a meeting file c-meet can read: ") + file.error().detail);
    auto log = (*file)->events();
    if (!log)
        return unexpected(QStringLiteral("the log can't be read: ") + log.error().detail);
    return OpenedLog{std::move(*file), std::move(*log)};
}

} // namespace

Expected<ExportedImages, QString> exportImages(const QString &path, const QString &directory)
{
    auto opened = openLog(path);
    if (!opened)
        return unexpected(opened.error());
    const auto &[file, log] = *opened;
    if (!QDir().mkpath(directory))
        return unexpected(QStringLiteral("cannot create %1").arg(directory));
    ExportedImages exported;
    for (const QByteArray &bytes : log) {
        const auto event = Event::fromWire(bytes);
        if (!event || event->type() != EventType::Image)
            continue;
        const QJsonObject &content = event->content();
        const QString sha256 = content.value(QStringLiteral("sha256")).toString();
        const QString patient = content.value(QStringLiteral("patient")).toString();
        const auto stored = file->image(protocol::imageSha256(*event));
        if (!stored || !*stored) {
            exported.problems.append(QStringLiteral("%1 (patient %2): not in the file").arg(sha256, patient));
            continue;
        }
        if (!client::imageMatches(*event, (*stored)->mediaType, (*stored)->bytes)) {
            exported.problems.append(QStringLiteral("%1 (patient %2): changed in the file, not written").arg(sha256, patient));
            continue;
        }
        const QString suffix = (*stored)->mediaType == QLatin1String(protocol::dicomMediaType) ? QStringLiteral("dcm")
            : (*stored)->mediaType == QLatin1String(protocol::pngMediaType)                 ? QStringLiteral("png")
                                                                                             : QStringLiteral("jpg");
        const QString shownAt = QDateTime::fromMSecsSinceEpoch(event->ts(), QTimeZone::utc()).toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
        const QString name = QStringLiteral("%1_%2_%3.%4").arg(patient, shownAt, sha256.mid(2, 8), suffix);
        QFile out(QDir(directory).filePath(name));
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write((*stored)->bytes) != (*stored)->bytes.size())
            return unexpected(QStringLiteral("cannot write %1: %2").arg(out.fileName(), out.errorString()));
        exported.written.append(out.fileName());
    }
    return exported;
}

Expected<QJsonObject, QString> proveEvent(const QString &path, const QString &eventId)
{
    auto opened = openLog(path);
    if (!opened)
        return unexpected(opened.error());
    const auto &[file, log] = *opened;
    const auto wanted = hex::decodeLowercase(eventId.toLower(), 32);
    if (!wanted)
        return unexpected(QStringLiteral("an event id is 0x + 64 hex digits"));
    ledger::MerkleLog tree;
    qint64 index = -1;
    for (const QByteArray &bytes : log) {
        auto event = Event::fromWire(bytes);
        if (!event)
            return unexpected(QStringLiteral("entry %1 is unreadable: verify the file first").arg(tree.size()));
        if (event->id() == *wanted)
            index = tree.size();
        tree.append(event->id());
    }
    const auto last = Event::fromWire(log.constLast());
    if (!last || last->type() != EventType::AckEnd)
        return unexpected(QStringLiteral("the meeting has not ended: there is no final record to prove against"));
    if (index < 0)
        return unexpected(QStringLiteral("no entry of this meeting has the id %1").arg(eventId));
    const auto event = Event::fromWire(log.at(index));
    if (protocol::isRelayAcknowledgement(event->type()))
        return unexpected(QStringLiteral("%1 is the relay's acknowledgement: prove the event it acknowledges").arg(eventId));
    const qint64 size = tree.size();
    // Who signed it: an event's session key was delegated by its author's latest start or join.
    qint64 joinIndex = -1;
    if (event->type() != EventType::Start && event->type() != EventType::Join) {
        const auto signer = event->recoverSigner();
        for (qint64 i = index - 1; i >= 0 && signer; --i) {
            const auto candidate = Event::fromWire(log.at(i));
            if (candidate->by() == event->by() && delegatedSession(*candidate) == *signer) {
                joinIndex = i;
                break;
            }
        }
        if (joinIndex < 0)
            return unexpected(QStringLiteral("no start or join of the author delegated the key that signed this event: verify the file first"));
    }
    QJsonObject anchor = file->meeting().value(QStringLiteral("anchor")).toObject();
    QJsonObject reference;
    for (const QString &key : {QStringLiteral("registry"), QStringLiteral("chainId")}) {
        if (anchor.contains(key))
            reference.insert(key, anchor.value(key));
    }
    QJsonObject proof{{QStringLiteral("format"), proofFormat},
                       {QStringLiteral("meeting"), file->meetingId()},
                       {QStringLiteral("index"), index},
                       {QStringLiteral("event"), QString::fromUtf8(log.at(index))},
                       {QStringLiteral("acknowledgement"), QString::fromUtf8(log.at(index + 1))},
                       {QStringLiteral("ackEnd"), QString::fromUtf8(log.constLast())},
                       {QStringLiteral("tree"), QJsonObject{{QStringLiteral("size"), size}, {QStringLiteral("root"), hex::encode(tree.root())}}},
                       {QStringLiteral("eventPath"), hexList(*tree.inclusionProof(index, size))},
                       {QStringLiteral("acknowledgementPath"), hexList(*tree.inclusionProof(index + 1, size))},
                       {QStringLiteral("ackEndPath"), hexList(*tree.inclusionProof(size - 1, size))},
                       {QStringLiteral("anchor"), reference}};
    if (joinIndex >= 0) {
        proof.insert(QStringLiteral("delegatedBy"), QString::fromUtf8(log.at(joinIndex)));
        proof.insert(QStringLiteral("delegatedByIndex"), joinIndex);
        proof.insert(QStringLiteral("delegatedByPath"), hexList(*tree.inclusionProof(joinIndex, size)));
    }
    return proof;
}

AuditReport verifyProof(const QJsonObject &proof, const AuditOptions &options)
{
    AuditReport report;
    report.file = QStringLiteral("proof");
    report.meeting = proof.value(QStringLiteral("meeting")).toString();
    const QString area = QStringLiteral("proof");
    const auto fail = [&](const QString &detail) {
        report.findings.append(finding(area, Outcome::Failed, detail));
        return report;
    };
    if (proof.value(QStringLiteral("format")).toString() != proofFormat)
        return fail(QStringLiteral("not a c-meet inclusion proof (format \"%1\")").arg(proofFormat));
    const auto event = Event::fromWire(proof.value(QStringLiteral("event")).toString().toUtf8());
    const auto ack = Event::fromWire(proof.value(QStringLiteral("acknowledgement")).toString().toUtf8());
    const auto ackEnd = Event::fromWire(proof.value(QStringLiteral("ackEnd")).toString().toUtf8());
    if (!event || !ack || !ackEnd)
        return fail(QStringLiteral("the event, its acknowledgement or the ackEnd is not a valid signed event: ")
                    + (!event ? event.error() : !ack ? ack.error() : ackEnd.error()).detail);
    const auto relay = ackEnd->recoverSigner();
    if (ackEnd->type() != EventType::AckEnd || !relay)
        return fail(QStringLiteral("the last entry is not a relay-signed ackEnd"));
    if (event->meeting() != report.meeting || ack->meeting() != report.meeting || ackEnd->meeting() != report.meeting)
        return fail(QStringLiteral("the event, its acknowledgement and the ackEnd are not all of meeting %1").arg(report.meeting));
    if (ack->type() != protocol::acknowledgementType(event->type()) || ack->ref() != event->id() || ack->recoverSigner().value_or(crypto::Address()) != *relay)
        return fail(QStringLiteral("the acknowledgement is not the relay's %1 of this event").arg(protocol::typeName(protocol::acknowledgementType(event->type()))));
    const qint64 index = proof.value(QStringLiteral("index")).toInteger(-1);
    const qint64 size = proof.value(QStringLiteral("tree")).toObject().value(QStringLiteral("size")).toInteger(-1);
    const QByteArray root = hex::decodeLowercase(proof.value(QStringLiteral("tree")).toObject().value(QStringLiteral("root")).toString(), 32).value_or(QByteArray());
    if (!ledger::verifyInclusion(event->id(), index, size, hashList(proof.value(QStringLiteral("eventPath"))), root)
        || !ledger::verifyInclusion(ack->id(), index + 1, size, hashList(proof.value(QStringLiteral("acknowledgementPath"))), root)
        || !ledger::verifyInclusion(ackEnd->id(), size - 1, size, hashList(proof.value(QStringLiteral("ackEndPath"))), root))
        return fail(QStringLiteral("the inclusion proofs do not lead to the final tree head (%1 entries, root %2)").arg(size).arg(hex::encode(root)));
    report.entries = size;
    const auto author = event->recoverSigner();
    // The author: a start or join is signed by a key of its identity (its own key is the only one
    // checkable here); any other event by the session key the author's included start or join delegated.
    if (event->type() == EventType::Start || event->type() == EventType::Join) {
        if (!delegatedSession(*event))
            return fail(QStringLiteral("the %1 is not signed by the key that signed its delegation for its author").arg(protocol::typeName(event->type())));
        if (author.value_or(crypto::Address()) != event->by())
            report.findings.append(finding(QStringLiteral("keys"), Outcome::NotChecked,
                                           QStringLiteral("signed by device key %1 of %2: not checked against an identity registry").arg(author->toChecksumHex(), event->by().toChecksumHex())));
    } else {
        const auto delegatedBy = Event::fromWire(proof.value(QStringLiteral("delegatedBy")).toString().toUtf8());
        const qint64 joinIndex = proof.value(QStringLiteral("delegatedByIndex")).toInteger(-1);
        if (!delegatedBy || delegatedBy->meeting() != report.meeting || delegatedBy->by() != event->by() || !author
            || delegatedSession(*delegatedBy) != *author || joinIndex < 0 || joinIndex >= index
            || !ledger::verifyInclusion(delegatedBy->id(), joinIndex, size, hashList(proof.value(QStringLiteral("delegatedByPath"))), root))
            return fail(QStringLiteral("the event's signing key is not shown delegated by its author's start or join in this meeting"));
        if (delegatedBy->recoverSigner().value_or(crypto::Address()) != event->by())
            report.findings.append(finding(QStringLiteral("keys"), Outcome::NotChecked,
                                           QStringLiteral("the author's %1 was signed by a device key: not checked against an identity registry").arg(protocol::typeName(delegatedBy->type()))));
    }
    report.findings.append(finding(area, Outcome::Verified,
                                   QStringLiteral("the %1 by %2 (signed by key %3) at entry %4 is in the final record of meeting %5 (%6 entries, root %7), "
                                                  "acknowledged and closed by relay %8")
                                       .arg(protocol::typeName(event->type()), event->by().toChecksumHex(),
                                            author ? author->toChecksumHex() : QString())
                                       .arg(index)
                                       .arg(report.meeting)
                                       .arg(size)
                                       .arg(hex::encode(root), relay->toChecksumHex()),
                                   index, event->idHex()));
    const Anchoring anchoring = anchoringOf(proof.value(QStringLiteral("anchor")).toObject(), options);
    if (!options.chain || !anchoring.registry) {
        report.findings.append(finding(QStringLiteral("anchor"), Outcome::NotChecked,
                                       !options.chain ? QStringLiteral("the chain anchor was not checked: no chain given (%1)").arg(options.remedies.chain)
                                                      : QStringLiteral("the chain anchor was not checked: the proof names no registry (%1)").arg(options.remedies.registry)));
        return report;
    }
    chain::EthClient client(*options.chain, options.rpc);
    const auto chainId = client.chainId();
    const auto closing = chainId ? chain::registry::closingOf(client, *anchoring.registry, report.meeting)
                                 : Expected<QByteArray, chain::ChainError>(unexpected(chainId.error()));
    if (!closing) {
        report.findings.append(finding(QStringLiteral("anchor"), Outcome::NotChecked, QStringLiteral("the chain could not be read: ") + closing.error().detail));
        return report;
    }
    const client::FinalRecord record{ackEnd->id(), root, static_cast<quint64>(size), *relay};
    if (anchoring.chainId && *anchoring.chainId != *chainId)
        report.findings.append(finding(QStringLiteral("anchor"), Outcome::NotChecked, QStringLiteral("the node is on chain %1, the proof names chain %2").arg(*chainId).arg(*anchoring.chainId)));
    else if (*closing != client::closingCommitment(record))
        report.findings.append(finding(QStringLiteral("anchor"), Outcome::Failed,
                                       QStringLiteral("the registry %1 on chain %2 did not close meeting %3 on this final record").arg(anchoring.registry->toChecksumHex()).arg(*chainId).arg(report.meeting)));
    else
        report.findings.append(finding(QStringLiteral("anchor"), Outcome::Verified,
                                       QStringLiteral("the registry %1 on chain %2 closed the meeting on this final record").arg(anchoring.registry->toChecksumHex()).arg(*chainId)));
    return report;
}

} // namespace cmeet::audit
