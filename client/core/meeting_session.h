#pragma once
// One open meeting in the desktop app (DESIGN.md §9): its replica (a .cmeet file) read and
// written on a worker thread, every entry checked as it arrives by the auditors' own
// ledger::LogVerifier, catching up from the last index after each (re)connection, and what the
// user sends queued until the relay has it. Emits signals for the models; never waits.

#include "client/core/participant.h"
#include "client/core/relay_link.h"
#include "protocol/schema_validator.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QDeadlineTimer>
#include <QThread>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace cmeet::client {

// One log entry as the app holds it.
struct TimelineEntry {
    qint64 index = 0;
    std::optional<protocol::Event> event; // empty: the bytes could not be read as an event
    QStringList problems;                 // what the check on arrival found; empty: verified
};

// A batch of entries read and checked on the worker thread, in log order.
struct CheckedEntries {
    QList<TimelineEntry> entries;
    QStringList relayProblems; // the relay contradicting itself (a changed entry, a broken sequence)
};

class ReplicaWorker;

class MeetingSession : public QObject {
    Q_OBJECT

public:
    enum class Phase {
        Loading,     // reading and checking the replica
        CatchingUp,  // fetching what the relay has beyond the replica
        Live,        // up to date; new entries arrive as they are acknowledged
        Waiting,     // offline: catches up when the link is back
        Failed,      // the replica cannot be used (see failure())
    };
    Q_ENUM(Phase)

    // replicaPath: this meeting's file (created on first use). schemas must outlive the session.
    MeetingSession(RelayLink &link, QString meetingId, QString replicaPath, const protocol::SchemaValidator &schemas,
                   QObject *parent = nullptr);
    ~MeetingSession() override;

    // Reads the replica in the background, then catches up whenever the link is online.
    void open();

    [[nodiscard]] const QString &meetingId() const { return m_meetingId; }
    [[nodiscard]] Phase phase() const { return m_phase; }
    [[nodiscard]] const QString &failure() const { return m_failure; }
    // The relay's latest view of the meeting (title, status, host, roster, agenda...).
    [[nodiscard]] const QJsonObject &meeting() const { return m_meeting; }
    [[nodiscard]] const QList<TimelineEntry> &entries() const { return m_entries; }
    // Everything the checks found, in the order found: the evidence, never dropped.
    [[nodiscard]] const QStringList &problems() const { return m_problems; }
    [[nodiscard]] bool isHost() const;
    // Whether this identity has joined (or started) and not left.
    [[nodiscard]] bool isPresent() const;
    // Events queued and not yet accepted by the relay.
    [[nodiscard]] qsizetype outgoing() const { return m_outbox.size(); }

    // Calls deliver with the entries there are now, then with each batch as it arrives, until
    // context or the session is gone: how a model follows the session.
    using EntriesCallback = std::function<void(const QList<TimelineEntry> &entries)>;
    QMetaObject::Connection deliverEntries(QObject *context, const EntriesCallback &deliver);

    // What the user sends. Each is queued, signed when it goes out (ref: the latest entry unless
    // given), and sent as soon as the link is online; accepted() or rejected() tells the outcome.
    void start(const QString &attendanceCode);
    void join(const QString &attendanceCode);
    void post(protocol::EventType type, const QJsonObject &content, std::optional<QByteArray> ref = std::nullopt);
    // Host: a poll whose voting key is kept (sealed) in the replica before the poll goes out.
    void openPoll(const QString &question, const QStringList &options, const QString &patient = {});
    // A secret ballot for option (0-based), encrypted to the poll's voting key.
    void vote(const QByteArray &pollId, int option);
    // Host: reveals the poll's voting key kept at openPoll, which ends it.
    void endPoll(const QByteArray &pollId);
    // After the end (DESIGN.md §5): checks this copy of the log, and that the chain (the node at
    // chain) closed the meeting on the same final record, waiting up to waitMs for the relay to
    // anchor the end; then signs the approval with the identity's own key, sends it and keeps it
    // in the replica. approvalProgress() says what it waits for; approved() or approvalFailed()
    // tells the outcome.
    // With trustedRegistry (the settings' meeting registry), an anchor in any other registry is
    // refused: the relay could otherwise anchor in a registry of its own making.
    void approve(const QUrl &chain, std::optional<crypto::Address> trustedRegistry = std::nullopt, int waitMs = 120000);
    [[nodiscard]] bool isApproving() const { return m_approval.has_value(); }
    // Who has approved the ended meeting so far, as the relay holds it: approvalsKnown().
    void fetchApprovals();
    [[nodiscard]] bool hasEnded() const;
    // Images shown (DESIGN.md §10): keeps an image's bytes in the replica if they are what its
    // event names (imageKept or imageNotKept); reads them back (imageRead).
    void keepImage(const protocol::Event &imageEvent, const QString &mediaType, const QByteArray &bytes);
    void readImage(const QByteArray &sha256);
    [[nodiscard]] RelayLink &link() { return m_link; }
    // The event with this id and type, if in the log.
    [[nodiscard]] std::optional<protocol::Event> findEvent(const QByteArray &id, protocol::EventType type) const;

Q_SIGNALS:
    void phaseChanged(cmeet::client::MeetingSession::Phase phase);
    void meetingChanged();
    // Rows first..last of entries() were added.
    void entriesAdded(qint64 first, qint64 last);
    // A check failed: what is wrong, plainly (also kept in problems()).
    void problemFound(const QString &problem);
    void accepted(protocol::EventType type, const QByteArray &id);
    void rejected(protocol::EventType type, const QString &reason);
    void outgoingChanged(qsizetype count);
    void approvalProgress(const QString &what);
    void approved(qint64 approvals, qint64 roster);
    void approvalFailed(const QString &reason);
    void approvalsKnown(const QStringList &identities, qint64 roster);
    void imagesHeld(const QList<QByteArray> &sha256s); // what the replica held when it was read
    void imageKept(const QByteArray &sha256);
    void imageNotKept(const QByteArray &sha256, const QString &reason);
    void imageRead(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes); // empty: not held

private:
    struct Outgoing {
        protocol::EventType type;
        QJsonObject content;
        std::optional<QByteArray> ref;
        QString attendanceCode;
        std::optional<protocol::Event> sent; // signed and submitted, answer not yet seen
        std::optional<QPair<QString, QByteArray>> keyToKeep; // a poll's voting key: address, sealed
    };

    // An approval under way: where to check it, and until when to wait for the anchor.
    struct PendingApproval {
        QUrl chain;
        std::optional<crypto::Address> trustedRegistry;
        QDeadlineTimer deadline;
        QJsonObject anchor; // the relay's: registry, chainId, identityRegistry
    };

    void setPhase(Phase phase);
    void checkApproval();
    void sendApproval(const QByteArray &digest, const QString &record);
    void failApproval(const QString &reason);
    void onOnline();
    void onLinkState(RelayLink::State state);
    void onChecked(const cmeet::client::CheckedEntries &checked);
    void fetchMeeting();
    // The relay's metadata (names added): creates the copy, or updates it and catches up.
    void useMeeting(const QJsonObject &meeting);
    void catchUp();
    void requestPage(const QString &method, qint64 fromIndex);
    void onPage(const Expected<QJsonValue, protocol::ProtocolError> &result);
    void enqueue(Outgoing outgoing);
    void sendNext();
    void finishOutgoing(const std::optional<QString> &rejection, const QByteArray &id);
    [[nodiscard]] bool inLog(const QByteArray &id) const;
    [[nodiscard]] Expected<QJsonObject, QString> newSession();
    [[nodiscard]] crypto::SecretBytes sealingPassphrase() const;
    void restoreSession(const QByteArray &sealed);
    void onVotingKeyRead(const QByteArray &pollId, const QByteArray &sealed);
    [[nodiscard]] QByteArray lastId() const;

    RelayLink &m_link;
    QString m_meetingId;
    QString m_replicaPath;
    const protocol::SchemaValidator &m_schemas;
    QThread m_thread;
    ReplicaWorker *m_worker; // lives on m_thread
    Phase m_phase = Phase::Loading;
    QString m_failure;
    QJsonObject m_meeting;
    QList<TimelineEntry> m_entries;
    QSet<QByteArray> m_ids;
    QStringList m_problems;
    bool m_loaded = false;
    std::unique_ptr<Participant> m_participant;
    QList<Outgoing> m_outbox;
    bool m_sending = false; // the first in the outbox is on its way (or its session key is being kept)
    std::optional<PendingApproval> m_approval;
};

} // namespace cmeet::client

Q_DECLARE_METATYPE(cmeet::client::CheckedEntries)
