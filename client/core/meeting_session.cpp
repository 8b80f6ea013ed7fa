#include "client/core/meeting_session.h"

#include "client/core/approval.h"
#include "client/core/meeting_export.h"
#include "client/core/meeting_images.h"
#include "client/core/polls.h"

#include "base/hex.h"
#include "base/parallel.h"
#include "crypto/hash.h"
#include "crypto/keystore.h"
#include "ledger/meeting_verifier.h"
#include "protocol/image_media.h"
#include "store/meeting_file.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QMap>
#include <QTimer>

#include <vector>

Q_LOGGING_CATEGORY(lcSession, "cmeet.client.session", QtInfoMsg)

namespace cmeet::client {

using protocol::ErrorCode;
using protocol::Event;
using protocol::EventType;

namespace {

// Session keys are sealed with a passphrase derived from the signing key: a 32-byte secret, so a
// light scrypt cost is enough and sealing never keeps anyone waiting.
constexpr crypto::ScryptCost sessionSealingCost{1 << 10, 8, 1};
const QString sessionPurpose = QStringLiteral("session");
const QString votingPurpose = QStringLiteral("voting");
// The app asks the chain node once, briefly: the user is waiting, and closing the room waits for it.
const chain::RpcOptions approvalRpc{5000, 1, 200};

} // namespace

// Owns the replica on its own thread: reads, checks and appends entries there, so neither SQLite
// nor signature recovery ever runs on the UI thread.
class ReplicaWorker : public QObject {
    Q_OBJECT

public:
    explicit ReplicaWorker(const protocol::SchemaValidator &schemas) : m_schemas(schemas) {}

    // Opens the replica if it exists (missing() otherwise) and checks everything in it.
    void load(const QString &path)
    {
        if (!QFile::exists(path)) {
            Q_EMIT missing();
            return;
        }
        auto file = store::MeetingFile::open(path, false);
        if (!file) {
            Q_EMIT failed(tr("Cannot open the meeting's local copy %1: %2").arg(path, file.error().detail));
            return;
        }
        m_file = std::move(*file);
        const auto relay = crypto::Address::fromHex(m_file->meeting().value(QStringLiteral("relay")).toString());
        m_verifier = ledger::LogVerifier(relay ? std::optional(*relay) : std::nullopt);
        const QString session = m_file->meeting().value(QStringLiteral("local")).toObject().value(sessionPurpose).toString();
        Q_EMIT opened(m_file->meeting(), m_file->sealedKey(sessionPurpose, session).value_or(QByteArray()));
        // In chunks, small first: the first rows are on screen while the rest is still read and
        // checked, and the file's bytes are never all in memory at once beside their events.
        qint64 chunk = 1024;
        for (qint64 from = 0;; from += chunk, chunk = std::min<qint64>(chunk * 2, 8192)) {
            auto log = m_file->events(from, chunk);
            if (!log) {
                Q_EMIT failed(tr("Cannot read the meeting's local copy %1: %2").arg(path, log.error().detail));
                return;
            }
            if (log->isEmpty())
                break;
            QList<QPair<qint64, QByteArray>> entries;
            for (qsizetype i = 0; i < log->size(); ++i)
                entries.append({from + i, log->at(i)});
            Q_EMIT checked(check(entries, {}));
        }
        Q_EMIT imagesHeld(m_file->imageHashes().value_or(QList<QByteArray>()));
        Q_EMIT loaded();
    }

    void create(const QString &path, const QJsonObject &meeting)
    {
        auto file = store::MeetingFile::create(path, meeting);
        if (!file) {
            Q_EMIT failed(tr("Cannot create the meeting's local copy %1: %2").arg(path, file.error().detail));
            return;
        }
        m_file = std::move(*file);
        const auto relay = crypto::Address::fromHex(meeting.value(QStringLiteral("relay")).toString());
        m_verifier = ledger::LogVerifier(relay ? std::optional(*relay) : std::nullopt);
        Q_EMIT opened(m_file->meeting(), {});
        Q_EMIT loaded();
    }

    // The relay's latest metadata, keeping what is local (the session key's address).
    void updateMeeting(const QJsonObject &fromRelay, const QJsonObject &local)
    {
        if (!m_file)
            return;
        QJsonObject stored = m_file->meeting();
        for (auto it = fromRelay.begin(); it != fromRelay.end(); ++it)
            stored.insert(it.key(), it.value());
        if (!local.isEmpty())
            stored.insert(QStringLiteral("local"), local);
        if (auto ok = m_file->setMeeting(stored); !ok)
            Q_EMIT failed(tr("Cannot write the meeting's local copy: %1").arg(ok.error().detail));
    }

    // Keeps a sealed key (a session key, or the host's voting key for a poll) before anything
    // that depends on it can reach the relay; local: the meeting's local part, if it changes.
    void keepKey(const QString &purpose, const QString &address, const QByteArray &sealed, const QJsonObject &local)
    {
        if (!m_file)
            return;
        if (auto ok = m_file->putSealedKey(purpose, address, sealed); !ok) {
            Q_EMIT failed(tr("Cannot keep a key in the meeting's local copy: %1").arg(ok.error().detail));
            return;
        }
        if (!local.isEmpty())
            updateMeeting({}, local);
        Q_EMIT keyKept(address);
    }

    void readKey(const QString &purpose, const QString &address, const QByteArray &forId)
    {
        Q_EMIT keyRead(forId, m_file ? m_file->sealedKey(purpose, address).value_or(QByteArray()) : QByteArray());
    }

    // Entries from the relay (a page or a broadcast), in any order, repeats included.
    void append(const QList<QPair<qint64, QByteArray>> &arrived)
    {
        if (!m_file)
            return;
        QStringList relayProblems;
        for (const auto &[index, bytes] : arrived) {
            if (index < m_size) {
                if (m_digests.value(index) != crypto::sha256(bytes))
                    relayProblems.append(tr("The relay sent entry %1 again with different contents: the relay changed its log. "
                                            "The first version is kept.").arg(index));
            } else {
                m_early.insert(index, bytes);
            }
        }
        QList<QPair<qint64, QByteArray>> next;
        while (!m_early.isEmpty() && m_early.firstKey() == m_size + next.size()) {
            const qint64 index = m_early.firstKey(); // a copy: take() frees what firstKey() refers to
            next.append({index, m_early.take(index)});
        }
        if (next.isEmpty() && relayProblems.isEmpty())
            return;
        if (!next.isEmpty()) {
            m_finalRecord.reset();
            if (auto ok = m_file->appendAll(next); !ok) {
                Q_EMIT failed(tr("Cannot write the meeting's local copy: %1").arg(ok.error().detail));
                return;
            }
        }
        Q_EMIT checked(check(next, relayProblems));
    }

    // The approval digest of this copy's final record, checked against the chain: the record is
    // worked out once (nothing follows the end), the chain asked on every call.
    void approvalDigest(const QUrl &chainUrl, const QJsonObject &anchor, const QString &meetingId)
    {
        const auto target = anchorTargetOf(anchor);
        if (!target) {
            Q_EMIT approvalProblem(tr("this relay anchors on no chain: there is nothing to approve against"), false);
            return;
        }
        if (!m_file) {
            Q_EMIT approvalProblem(tr("there is no local copy of this meeting to approve"), false);
            return;
        }
        chain::EthClient chain(chainUrl, approvalRpc);
        if (!m_finalRecord) {
            auto log = m_file->events();
            if (!log) {
                Q_EMIT approvalProblem(tr("cannot read the meeting's local copy: %1").arg(log.error().detail), false);
                return;
            }
            const auto relay = crypto::Address::fromHex(m_file->meeting().value(QStringLiteral("relay")).toString());
            // Device keys in starts and joins are checked against the relay's identity registry.
            auto record = finalRecordOf(*log, m_schemas, relay.value_or(crypto::Address()),
                                        target->identityRegistry ? identityRegistryCheck(chain, *target->identityRegistry) : ledger::KeyActivity());
            if (!record) {
                Q_EMIT approvalProblem(record.error(), false);
                return;
            }
            m_finalRecord = *record;
        }
        auto digest = checkedApprovalDigest(chain, target->registry, target->chainId, meetingId, *m_finalRecord);
        if (!digest) {
            Q_EMIT approvalProblem(digest.error(), digest.error() == notAnchoredYet);
            return;
        }
        Q_EMIT approvalChecked(*digest, approvedRecordJson(*m_finalRecord, *target));
    }

    // An image's bytes, kept only if they are exactly what its event names (hashed here, off the
    // UI thread: a large DICOM series takes a while).
    void keepImage(const protocol::Event &imageEvent, const QString &mediaType, const QByteArray &bytes)
    {
        const QByteArray sha256 = protocol::imageSha256(imageEvent);
        if (!imageMatches(imageEvent, mediaType, bytes)) {
            Q_EMIT imageNotKept(sha256, tr("the relay sent bytes other than those the image's event names; they were not kept"));
            return;
        }
        if (!m_file)
            return;
        if (auto ok = m_file->putImage(sha256, mediaType, bytes); !ok) {
            Q_EMIT imageNotKept(sha256, tr("cannot keep the image in the meeting's local copy: %1").arg(ok.error().detail));
            return;
        }
        Q_EMIT imageKept(sha256);
    }

    void readImage(const QByteArray &sha256)
    {
        const auto image = m_file ? m_file->image(sha256) : Expected<std::optional<store::StoredImage>, store::StoreError>(std::nullopt);
        if (image && *image)
            Q_EMIT imageRead(sha256, (*image)->mediaType, (*image)->bytes);
        else
            Q_EMIT imageRead(sha256, {}, {});
    }

    void keepApproval(const store::Approval &approval)
    {
        if (!m_file)
            return;
        if (auto ok = m_file->putApproval(approval); !ok)
            Q_EMIT failed(tr("Approved, but the approval could not be kept in the meeting's local copy: %1").arg(ok.error().detail));
    }

Q_SIGNALS:
    void missing();
    // The replica is open: its metadata and the sealed session key; its entries follow (checked()),
    // then loaded().
    void opened(const QJsonObject &meeting, const QByteArray &sealedSession);
    void loaded();
    void checked(const cmeet::client::CheckedEntries &checked);
    void keyKept(const QString &address);
    void keyRead(const QByteArray &forId, const QByteArray &sealed); // empty: none kept
    void failed(const QString &reason);
    void approvalChecked(const QByteArray &digest, const QString &record);
    void approvalProblem(const QString &reason, bool worthWaiting);
    void imagesHeld(const QList<QByteArray> &sha256s);
    void imageKept(const QByteArray &sha256);
    void imageNotKept(const QByteArray &sha256, const QString &reason);
    void imageRead(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes); // empty: not held

private:
    // Reads the entries on all cores while it checks them in order; remembers their digests to
    // tell a repeat from a change.
    CheckedEntries check(const QList<QPair<qint64, QByteArray>> &entries, QStringList relayProblems)
    {
        CheckedEntries out;
        out.relayProblems = std::move(relayProblems);
        readOnAllCoresUseInOrder<ledger::ReadEntry>(
            entries.size(), 1024, [&](qsizetype i) { return ledger::ReadEntry::read(entries.at(i).second, m_schemas); },
            [&](qsizetype i, ledger::ReadEntry read) {
                TimelineEntry entry;
                entry.index = entries.at(i).first;
                entry.problems = m_verifier.check(std::move(read));
                entry.event = m_verifier.last();
                out.entries.append(std::move(entry));
                m_digests.append(crypto::sha256(entries.at(i).second));
                return true;
            });
        m_size += entries.size();
        return out;
    }

    const protocol::SchemaValidator &m_schemas;
    std::unique_ptr<store::MeetingFile> m_file;
    ledger::LogVerifier m_verifier;
    qint64 m_size = 0;
    QList<QByteArray> m_digests;          // SHA-256 of what is stored at each index: a repeat or a change?
    QMap<qint64, QByteArray> m_early;     // arrived ahead of an entry still missing
    std::optional<FinalRecord> m_finalRecord; // once worked out for an approval
};

MeetingSession::MeetingSession(RelayLink &link, QString meetingId, QString replicaPath, const protocol::SchemaValidator &schemas,
                               QObject *parent)
    : QObject(parent), m_link(link), m_meetingId(std::move(meetingId)), m_replicaPath(std::move(replicaPath)), m_schemas(schemas),
      m_worker(new ReplicaWorker(schemas))
{
    qRegisterMetaType<CheckedEntries>();
    m_thread.setObjectName(QStringLiteral("replica ") + m_meetingId);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &ReplicaWorker::missing, this, [this] {
        m_loaded = false;
        if (m_link.state() == RelayLink::State::Online)
            fetchMeeting(); // creates the replica from the relay's metadata
        else
            setPhase(Phase::Waiting);
    });
    connect(m_worker, &ReplicaWorker::opened, this, [this](const QJsonObject &meeting, const QByteArray &sealed) {
        m_meeting = meeting;
        Q_EMIT meetingChanged();
        restoreSession(sealed);
    });
    connect(m_worker, &ReplicaWorker::loaded, this, [this] {
        m_loaded = true;
        setPhase(Phase::Waiting);
        if (m_link.state() == RelayLink::State::Online)
            fetchMeeting();
    });
    connect(m_worker, &ReplicaWorker::checked, this, &MeetingSession::onChecked);
    connect(m_worker, &ReplicaWorker::keyKept, this, [this](const QString &) {
        if (!m_outbox.isEmpty())
            m_outbox.first().keyToKeep.reset();
        m_sending = false;
        sendNext();
    });
    connect(m_worker, &ReplicaWorker::keyRead, this, &MeetingSession::onVotingKeyRead);
    connect(m_worker, &ReplicaWorker::failed, this, [this](const QString &reason) {
        m_failure = reason;
        qCWarning(lcSession) << reason;
        setPhase(Phase::Failed);
    });
    connect(m_worker, &ReplicaWorker::approvalChecked, this, &MeetingSession::sendApproval);
    connect(m_worker, &ReplicaWorker::imagesHeld, this, &MeetingSession::imagesHeld);
    connect(m_worker, &ReplicaWorker::imageKept, this, &MeetingSession::imageKept);
    connect(m_worker, &ReplicaWorker::imageNotKept, this, &MeetingSession::imageNotKept);
    connect(m_worker, &ReplicaWorker::imageRead, this, &MeetingSession::imageRead);
    connect(m_worker, &ReplicaWorker::approvalProblem, this, [this](const QString &reason, bool worthWaiting) {
        if (!m_approval)
            return;
        if (worthWaiting && !m_approval->deadline.hasExpired()) {
            Q_EMIT approvalProgress(tr("Waiting for the relay to anchor the end of the meeting on the chain…"));
            QTimer::singleShot(1000, this, [this] {
                if (m_approval)
                    checkApproval();
            });
            return;
        }
        failApproval(reason);
    });
    connect(&m_link, &RelayLink::online, this, &MeetingSession::onOnline);
    connect(&m_link, &RelayLink::stateChanged, this, &MeetingSession::onLinkState);
    connect(&m_link, &RelayLink::eventReceived, this, [this](const RelayEvent &event) {
        if (event.meeting == m_meetingId && m_loaded)
            QMetaObject::invokeMethod(m_worker, [worker = m_worker, entry = QPair<qint64, QByteArray>(event.index, event.bytes)] {
                worker->append({entry});
            });
    });
    m_thread.start();
}

MeetingSession::~MeetingSession()
{
    m_thread.quit();
    m_thread.wait();
}

void MeetingSession::open()
{
    setPhase(Phase::Loading);
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, path = m_replicaPath] { worker->load(path); });
}

QMetaObject::Connection MeetingSession::deliverEntries(QObject *context, const EntriesCallback &deliver)
{
    if (!m_entries.isEmpty())
        deliver(m_entries);
    return connect(this, &MeetingSession::entriesAdded, context,
                   [this, deliver](qint64 first, qint64 last) { deliver(m_entries.mid(first, last - first + 1)); });
}

void MeetingSession::setPhase(Phase phase)
{
    if (m_phase == Phase::Failed || m_phase == phase)
        return; // a failed replica stays failed: nothing more is written to it
    m_phase = phase;
    Q_EMIT phaseChanged(phase);
}

void MeetingSession::onLinkState(RelayLink::State state)
{
    if (state != RelayLink::State::Online && m_phase != Phase::Loading)
        setPhase(Phase::Waiting);
}

void MeetingSession::onOnline()
{
    if (m_phase == Phase::Loading || m_phase == Phase::Failed)
        return; // the replica is not read yet: loading goes on to here when done
    fetchMeeting();
}

void MeetingSession::fetchMeeting()
{
    m_link.request(QStringLiteral("meeting.get"), {{QStringLiteral("id"), m_meetingId}}, this, [this](const auto &result) {
        if (!result) {
            if (result.error().code != ErrorCode::InternalError) { // the relay said no (not on the roster...)
                m_failure = tr("The relay refused this meeting: %1").arg(result.error().detail);
                setPhase(Phase::Failed);
            }
            return; // offline again: the next login tries again
        }
        QJsonObject meeting = result->toObject();
        meeting.insert(QStringLiteral("relay"), m_link.relayAddress().toLowerHex());
        // The roster's names from the staff directory go into the copy too, so that an auditor
        // of this file reads names, not addresses (unsigned, as in an exported file).
        m_link.request(QStringLiteral("staff.list"), {}, this, [this, meeting](const auto &staff) mutable {
            if (staff)
                meeting.insert(QStringLiteral("names"), rosterNames(staff->toArray(), meeting.value(QStringLiteral("roster")).toArray()));
            useMeeting(meeting);
        });
    });
}

void MeetingSession::useMeeting(const QJsonObject &meeting)
{
    if (!m_loaded) {
        QMetaObject::invokeMethod(m_worker, [worker = m_worker, path = m_replicaPath, meeting] { worker->create(path, meeting); });
        return; // loaded() catches up
    }
    const QJsonObject local = m_meeting.value(QStringLiteral("local")).toObject();
    for (auto it = meeting.begin(); it != meeting.end(); ++it)
        m_meeting.insert(it.key(), it.value());
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, meeting, local] { worker->updateMeeting(meeting, local); });
    Q_EMIT meetingChanged();
    if (m_participant == nullptr || m_participant->meeting() != m_meetingId)
        m_participant = std::make_unique<Participant>(m_link.signingKey(), m_link.identity(), m_meetingId, m_link.relayAddress());
    catchUp();
}

void MeetingSession::keepImage(const protocol::Event &imageEvent, const QString &mediaType, const QByteArray &bytes)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, imageEvent, mediaType, bytes] { worker->keepImage(imageEvent, mediaType, bytes); });
}

void MeetingSession::readImage(const QByteArray &sha256)
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, sha256] { worker->readImage(sha256); });
}

bool MeetingSession::hasEnded() const
{
    return !m_entries.isEmpty() && m_entries.constLast().event && m_entries.constLast().event->type() == EventType::AckEnd;
}

void MeetingSession::approve(const QUrl &chain, std::optional<crypto::Address> trustedRegistry, int waitMs)
{
    if (m_approval)
        return;
    if (!hasEnded())
        return failApproval(tr("the meeting has not ended: only its final record can be approved"));
    if (m_link.signingKey().address() != m_link.identity())
        return failApproval(tr("approvals are signed with your identity's own key, not this computer's device key: approve where that key is"));
    if (!chain.isValid() || chain.isEmpty())
        return failApproval(tr("no chain node is set: approving checks that the chain holds the same record as your copy. Set the chain node in Settings"));
    m_approval = PendingApproval{chain, std::move(trustedRegistry), QDeadlineTimer(waitMs), {}};
    Q_EMIT approvalProgress(tr("Asking the relay where the meeting is anchored…"));
    m_link.request(QStringLiteral("meeting.get"), {{QStringLiteral("id"), m_meetingId}}, this, [this](const auto &result) {
        if (!m_approval)
            return;
        if (!result)
            return failApproval(result.error().detail);
        m_approval->anchor = result->toObject().value(QStringLiteral("anchor")).toObject();
        const auto target = anchorTargetOf(m_approval->anchor);
        if (target && m_approval->trustedRegistry && target->registry != *m_approval->trustedRegistry)
            return failApproval(tr("the relay anchors this meeting in registry %1, not in the meeting registry your settings trust (%2): "
                                   "ask your administrator before approving")
                                    .arg(target->registry.toChecksumHex(), m_approval->trustedRegistry->toChecksumHex()));
        Q_EMIT approvalProgress(tr("Checking your copy of the meeting against the chain…"));
        checkApproval();
    });
}

void MeetingSession::checkApproval()
{
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, chain = m_approval->chain, anchor = m_approval->anchor, id = m_meetingId] {
        worker->approvalDigest(chain, anchor, id);
    });
}

// The digest is of the record the chain holds and this copy has: signed here, on the UI thread,
// where the key is.
void MeetingSession::sendApproval(const QByteArray &digest, const QString &record)
{
    if (!m_approval)
        return;
    auto signature = m_link.signingKey().sign(digest);
    if (!signature)
        return failApproval(crypto::describe(signature.error()));
    Q_EMIT approvalProgress(tr("Sending your approval…"));
    const QString hexSignature = signature->toHex();
    m_link.request(QStringLiteral("meeting.approve"), {{QStringLiteral("id"), m_meetingId}, {QStringLiteral("signature"), hexSignature}}, this,
                   [this, hexSignature, record](const auto &result) {
                       if (!m_approval)
                           return;
                       if (!result)
                           return failApproval(result.error().detail);
                       m_approval.reset();
                       const store::Approval approval{m_link.identity().toLowerHex(), hexSignature, record};
                       QMetaObject::invokeMethod(m_worker, [worker = m_worker, approval] { worker->keepApproval(approval); });
                       const QJsonObject counts = result->toObject();
                       qCInfo(lcSession) << "approved meeting" << m_meetingId;
                       Q_EMIT approved(counts.value(QStringLiteral("approvals")).toInteger(), counts.value(QStringLiteral("roster")).toInteger());
                   });
}

void MeetingSession::fetchApprovals()
{
    m_link.request(QStringLiteral("meeting.approvals"), {{QStringLiteral("id"), m_meetingId}}, this, [this](const auto &result) {
        if (!result)
            return; // offline: the next time the room is live asks again
        QStringList identities;
        for (const QJsonValue &approval : result->toArray())
            identities.append(approval[QStringLiteral("identity")].toString().toLower());
        Q_EMIT approvalsKnown(identities, m_meeting.value(QStringLiteral("roster")).toArray().size());
    });
}

void MeetingSession::failApproval(const QString &reason)
{
    m_approval.reset();
    qCWarning(lcSession) << "approval of meeting" << m_meetingId << "failed:" << reason;
    Q_EMIT approvalFailed(reason);
}

void MeetingSession::catchUp()
{
    // Subscribing answers with the entries from our size on; further pages come from events.get.
    setPhase(Phase::CatchingUp);
    requestPage(QStringLiteral("meeting.subscribe"), m_entries.size());
}

void MeetingSession::requestPage(const QString &method, qint64 fromIndex)
{
    m_link.request(method, {{QStringLiteral("meeting"), m_meetingId}, {QStringLiteral("fromIndex"), fromIndex}}, this,
                   [this](const auto &result) { onPage(result); });
}

void MeetingSession::onPage(const Expected<QJsonValue, protocol::ProtocolError> &result)
{
    if (!result)
        return; // offline: the next login catches up again
    const QJsonObject answer = result->toObject();
    // A relay holding fewer entries than this copy, which it acknowledged, has lost or dropped
    // some: said once, and the copy kept as it is.
    const qint64 relaySize = answer.value(QStringLiteral("size")).toInteger();
    if (relaySize < m_entries.size()) {
        const QString problem = tr("The relay holds %1 entries of this meeting; your copy holds %2 that it acknowledged. It has lost or dropped "
                                   "events (restored from an older backup?).")
                                    .arg(relaySize)
                                    .arg(m_entries.size());
        if (!m_problems.contains(problem)) {
            m_problems.append(problem);
            Q_EMIT problemFound(problem);
        }
    }
    QList<QPair<qint64, QByteArray>> entries;
    for (const QJsonValue &entry : answer.value(QStringLiteral("events")).toArray())
        entries.append({entry[QStringLiteral("index")].toInteger(), entry[QStringLiteral("event")].toString().toUtf8()});
    if (!entries.isEmpty())
        QMetaObject::invokeMethod(m_worker, [worker = m_worker, entries] { worker->append(entries); });
    const qint64 next = answer.value(QStringLiteral("next")).toInteger();
    if (!entries.isEmpty() && next < answer.value(QStringLiteral("size")).toInteger()) {
        requestPage(QStringLiteral("events.get"), next);
        return;
    }
    setPhase(Phase::Live);
    sendNext();
}

void MeetingSession::onChecked(const CheckedEntries &checked)
{
    for (const QString &problem : checked.relayProblems) {
        m_problems.append(problem);
        Q_EMIT problemFound(problem);
    }
    if (checked.entries.isEmpty())
        return;
    const qint64 first = m_entries.size();
    for (const TimelineEntry &entry : checked.entries) {
        m_entries.append(entry);
        if (entry.event)
            m_ids.insert(entry.event->id());
        for (const QString &problem : entry.problems) {
            const QString text = tr("Entry %1 does not verify: %2").arg(entry.index).arg(problem);
            m_problems.append(text);
            Q_EMIT problemFound(text);
        }
    }
    Q_EMIT entriesAdded(first, m_entries.size() - 1);
    if (!m_outbox.isEmpty() && m_outbox.constFirst().sent && inLog(m_outbox.constFirst().sent->id()))
        finishOutgoing(std::nullopt, m_outbox.constFirst().sent->id()); // its answer may never come (the connection was lost)
}

bool MeetingSession::inLog(const QByteArray &id) const
{
    return m_ids.contains(id);
}

QByteArray MeetingSession::lastId() const
{
    for (auto entry = m_entries.crbegin(); entry != m_entries.crend(); ++entry) {
        if (entry->event)
            return entry->event->id();
    }
    return {};
}

bool MeetingSession::isHost() const
{
    return m_meeting.value(QStringLiteral("host")).toString() == m_link.identity().toLowerHex();
}

bool MeetingSession::isPresent() const
{
    bool present = false;
    for (const TimelineEntry &entry : m_entries) {
        if (!entry.event || entry.event->by() != m_link.identity())
            continue;
        if (entry.event->type() == EventType::Start || entry.event->type() == EventType::Join)
            present = true;
        else if (entry.event->type() == EventType::Leave)
            present = false;
    }
    return present;
}

crypto::SecretBytes MeetingSession::sealingPassphrase() const
{
    const QByteArray derived = crypto::hmacSha256(m_link.signingKey().secret().view(), QByteArray("c-meet session seal " + m_meetingId.toLatin1()));
    crypto::SecretBytes passphrase(derived);
    return passphrase;
}

void MeetingSession::restoreSession(const QByteArray &sealed)
{
    if (sealed.isEmpty())
        return;
    auto key = crypto::keystore::open(sealed, sealingPassphrase());
    if (!key) {
        const QString problem = tr("The session key kept in %1 cannot be opened with this identity's key; join again to take part.").arg(m_replicaPath);
        m_problems.append(problem);
        Q_EMIT problemFound(problem);
        return;
    }
    const auto relay = crypto::Address::fromHex(m_meeting.value(QStringLiteral("relay")).toString());
    m_participant = std::make_unique<Participant>(m_link.signingKey(), m_link.identity(), m_meetingId, relay.value_or(crypto::Address()));
    m_participant->restoreSession(*key);
}

Expected<QJsonObject, QString> MeetingSession::newSession()
{
    if (!m_participant)
        return unexpected(tr("not connected to the relay yet"));
    auto delegation = m_participant->newSession(QDateTime::currentMSecsSinceEpoch());
    if (!delegation)
        return unexpected(delegation.error().detail);
    const crypto::PrivateKey &session = *m_participant->sessionKey();
    auto sealed = crypto::keystore::seal(session, sealingPassphrase(), sessionSealingCost);
    if (!sealed)
        return unexpected(crypto::describe(sealed.error()));
    const QJsonObject local{{QStringLiteral("identity"), m_link.identity().toLowerHex()}, {sessionPurpose, session.address().toLowerHex()}};
    m_meeting.insert(QStringLiteral("local"), local);
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, address = session.address().toLowerHex(), sealed = *sealed, local] {
        worker->keepKey(sessionPurpose, address, sealed, local);
    });
    return *delegation;
}

void MeetingSession::start(const QString &attendanceCode)
{
    enqueue({EventType::Start, {}, std::nullopt, attendanceCode, std::nullopt, std::nullopt});
}

void MeetingSession::join(const QString &attendanceCode)
{
    enqueue({EventType::Join, {}, std::nullopt, attendanceCode, std::nullopt, std::nullopt});
}

void MeetingSession::post(EventType type, const QJsonObject &content, std::optional<QByteArray> ref)
{
    enqueue({type, content, std::move(ref), {}, std::nullopt, std::nullopt});
}

std::optional<protocol::Event> MeetingSession::findEvent(const QByteArray &id, EventType type) const
{
    for (const TimelineEntry &entry : m_entries)
        if (entry.event && entry.event->id() == id && entry.event->type() == type)
            return entry.event;
    return std::nullopt;
}

void MeetingSession::openPoll(const QString &question, const QStringList &options, const QString &patient)
{
    auto voting = crypto::PrivateKey::generate();
    auto sealed = voting ? crypto::keystore::seal(*voting, sealingPassphrase(), sessionSealingCost) : unexpected(voting.error());
    if (!sealed) {
        Q_EMIT rejected(EventType::Poll, crypto::describe(sealed.error()));
        return;
    }
    QJsonObject content{{QStringLiteral("question"), question},
                        {QStringLiteral("options"), QJsonArray::fromStringList(options)},
                        {QStringLiteral("votingKey"), hex::encode(voting->publicKey().compressed())}};
    if (!patient.isEmpty())
        content.insert(QStringLiteral("patient"), patient);
    Outgoing outgoing{EventType::Poll, content, std::nullopt, {}, std::nullopt, QPair<QString, QByteArray>(voting->address().toLowerHex(), *sealed)};
    enqueue(std::move(outgoing));
}

void MeetingSession::vote(const QByteArray &pollId, int option)
{
    const auto poll = findEvent(pollId, EventType::Poll);
    const auto votingKey = poll ? pollVotingKey(*poll) : unexpected(crypto::CryptoError::InvalidPublicKey);
    auto ciphertext = votingKey ? encryptBallot(*votingKey, pollId, m_link.identity(), option) : unexpected(votingKey.error());
    if (!ciphertext) {
        Q_EMIT rejected(EventType::Vote, tr("cannot encrypt the vote: %1").arg(crypto::describe(ciphertext.error())));
        return;
    }
    post(EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(*ciphertext)}}, pollId);
}

void MeetingSession::endPoll(const QByteArray &pollId)
{
    const auto poll = findEvent(pollId, EventType::Poll);
    const auto votingKey = poll ? pollVotingKey(*poll) : unexpected(crypto::CryptoError::InvalidPublicKey);
    if (!votingKey) {
        Q_EMIT rejected(EventType::PollEnd, tr("there is no such poll in this meeting"));
        return;
    }
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, address = votingKey->address().toLowerHex(), pollId] {
        worker->readKey(votingPurpose, address, pollId);
    });
}

void MeetingSession::onVotingKeyRead(const QByteArray &pollId, const QByteArray &sealed)
{
    auto key = sealed.isEmpty() ? unexpected(crypto::CryptoError::DecryptionFailed) : crypto::keystore::open(sealed, sealingPassphrase());
    if (!key) {
        Q_EMIT rejected(EventType::PollEnd, tr("this computer holds no voting key for the poll: only the copy that opened it can end it"));
        return;
    }
    post(EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(key->secret().view())}}, pollId);
}

void MeetingSession::enqueue(Outgoing outgoing)
{
    m_outbox.append(std::move(outgoing));
    Q_EMIT outgoingChanged(m_outbox.size());
    sendNext();
}

void MeetingSession::sendNext()
{
    if (m_sending || m_outbox.isEmpty() || m_phase != Phase::Live || !m_participant)
        return;
    Outgoing &outgoing = m_outbox.first();
    if (outgoing.sent && inLog(outgoing.sent->id())) {
        finishOutgoing(std::nullopt, outgoing.sent->id()); // accepted before the connection was lost
        return;
    }
    const bool identitySigned = outgoing.type == EventType::Start || outgoing.type == EventType::Join;
    if (identitySigned && !outgoing.content.contains(QStringLiteral("delegation"))) {
        // A fresh session key, kept in the replica before anything it signs can reach the relay.
        auto delegation = newSession();
        if (!delegation) {
            finishOutgoing(delegation.error(), {});
            return;
        }
        outgoing.content.insert(QStringLiteral("delegation"), *delegation);
        if (outgoing.type == EventType::Start) {
            outgoing.content.insert(QStringLiteral("title"), m_meeting.value(QStringLiteral("title")));
            outgoing.content.insert(QStringLiteral("agenda"), m_meeting.value(QStringLiteral("agenda")));
            outgoing.content.insert(QStringLiteral("roster"), m_meeting.value(QStringLiteral("roster")));
            outgoing.content.insert(QStringLiteral("attendanceCommitment"),
                                    attendanceCommitment(attendanceSalt(*m_participant->sessionKey()), outgoing.attendanceCode));
        }
        m_sending = true; // until the key is kept: keyKept() goes on
        return;
    }
    if (outgoing.keyToKeep) {
        m_sending = true; // the poll's voting key first: without it the poll could never end
        QMetaObject::invokeMethod(m_worker, [worker = m_worker, key = *outgoing.keyToKeep] { worker->keepKey(votingPurpose, key.first, key.second, {}); });
        return;
    }
    std::optional<QByteArray> ref = outgoing.ref;
    if (outgoing.type == EventType::Join) {
        if (m_entries.isEmpty() || !m_entries.constFirst().event) {
            finishOutgoing(tr("the meeting has not started yet"), {});
            return;
        }
        ref = m_entries.constFirst().event->id();
    } else if (!ref && outgoing.type != EventType::Start) {
        ref = lastId();
    }
    auto event = m_participant->makeEvent(outgoing.type, outgoing.content, ref, QDateTime::currentMSecsSinceEpoch());
    if (!event) {
        finishOutgoing(event.error().detail, {});
        return;
    }
    outgoing.sent = *event;
    m_sending = true;
    QJsonObject params{{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}};
    if (!outgoing.attendanceCode.isEmpty())
        params.insert(QStringLiteral("attendanceCode"), outgoing.attendanceCode);
    m_link.request(QStringLiteral("event.submit"), params, this, [this, id = event->id()](const auto &result) {
        m_sending = false;
        if (result) {
            finishOutgoing(std::nullopt, id);
        } else if (result.error().code == ErrorCode::InternalError) {
            qCInfo(lcSession) << "submitting waits for the connection:" << result.error().detail; // kept; sent again after catching up
        } else {
            finishOutgoing(QStringLiteral("%1: %2").arg(protocol::wireCode(result.error().code), result.error().detail), id);
        }
    });
}

void MeetingSession::finishOutgoing(const std::optional<QString> &rejection, const QByteArray &id)
{
    // id: the event sent (its answer and its arrival both finish it, whichever comes first), or
    // empty for one that could not be sent at all.
    const bool finishes = !m_outbox.isEmpty() && (id.isEmpty() || (m_outbox.constFirst().sent && m_outbox.constFirst().sent->id() == id));
    if (finishes) {
        const EventType type = m_outbox.takeFirst().type;
        Q_EMIT outgoingChanged(m_outbox.size());
        if (rejection)
            Q_EMIT rejected(type, *rejection);
        else
            Q_EMIT accepted(type, id);
    }
    sendNext();
}

} // namespace cmeet::client

#include "meeting_session.moc"
