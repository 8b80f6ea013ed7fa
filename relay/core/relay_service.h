#pragma once
// The relay's request handling, free of sockets: a message from a session goes in, the reply
// and the broadcasts come out. cmeet-relay's WebSocket server only moves bytes; tests drive this
// directly. Wire messages are JSON text frames, described in docs/relay-protocol.md.

#include "crypto/keys.h"
#include "protocol/schema_validator.h"
#include "relay/core/anchor_queue.h"
#include "relay/core/attendance.h"
#include "relay/core/directory.h"
#include "relay/core/event_log.h"
#include "relay/core/identity_keys.h"
#include "relay/core/image_store.h"
#include "relay/core/meeting_engine.h"
#include "relay/core/relay_database.h"

#include <QByteArray>
#include <QCache>
#include <QHash>
#include <QSet>
#include <QJsonObject>
#include <functional>
#include <memory>
#include <optional>

namespace cmeet::relay {

// One client connection.
struct Session {
    QByteArray nonce;                         // the login challenge sent to this connection
    std::optional<crypto::Address> identity; // set once logged in
    crypto::Address key;                      // the key that signed the login
    QSet<QString> subscriptions;              // meetings whose events this session receives live
};

struct Broadcast {
    QString meeting;
    QByteArray message;
};

struct Outcome {
    QByteArray reply;               // to the sender: every message gets exactly one
    QList<Broadcast> broadcasts;    // to every session subscribed to the meeting, in order
};

class RelayService {
public:
    using Clock = std::function<qint64()>; // Unix ms

    // Loads every started meeting and replays its log.
    [[nodiscard]] static Expected<std::unique_ptr<RelayService>, QString>
    open(RelayDatabase &database, crypto::PrivateKey relayKey, std::shared_ptr<const protocol::SchemaValidator> schemas,
         Clock clock, AttendanceLimits limits = {}, IdentityPolicy identity = {}, ImageLimits images = {});

    // The first message on a new connection: a fresh login challenge.
    [[nodiscard]] QByteArray greet(Session &session);
    // One message, as a batch of its own (see handleBatch).
    [[nodiscard]] Outcome handle(Session &session, QByteArrayView message);

    // What can be worked out of a message without the relay's state: parsing, the schema, the
    // signer's recovery and the event's compressed form for storage (about half the work). Safe
    // on any thread: the server prepares messages on its pool while it handles earlier ones.
    struct Prepared {
        std::optional<protocol::ProtocolError> invalid; // not a JSON object, or too large
        QJsonObject message;
        // event.submit: the parsed event (its signer recovered once the schema passed).
        std::optional<Expected<protocol::Event, protocol::ProtocolError>> event;
        std::optional<protocol::ProtocolError> schemaError;
        QByteArray packedEvent; // EventLog::pack of a valid event
    };
    [[nodiscard]] Prepared prepare(QByteArrayView message) const;
    // image.chunk or image.get: a megabyte to store or send (the server spreads them over batches).
    [[nodiscard]] static bool isImageChunk(const Prepared &prepared);

    // Group commit: handles messages in order inside one transaction and commits once before
    // any outcome is released, so a busy relay pays one fsync per batch, not per event. If
    // anything of it cannot be stored, every message gets storage_error and nothing of the batch
    // remains (rows, meeting state, logins, subscriptions). Without a write transaction the batch
    // is handled read-only (reads answered, events refused).
    struct Incoming {
        Session *session;
        QByteArray message;
        std::optional<Prepared> prepared; // prepared already, or here (on all cores)
    };
    [[nodiscard]] QList<Outcome> handleBatch(QList<Incoming> batch);

    [[nodiscard]] const crypto::Address &address() const { return m_address; }
    [[nodiscard]] Directory &directory() { return m_directory; }
    // Reads the identity registry's copy again (after each sync): revoked keys end their logins
    // and meeting sessions from the next message on.
    [[nodiscard]] Expected<Ok, DatabaseError> reloadIdentityKeys(bool keysChanged) { return m_identityKeys.reload(keysChanged); }
    [[nodiscard]] qsizetype openMeetings() const { return m_engines.size(); }
    // Started and not ended: the only meetings whose events are still broadcast.
    [[nodiscard]] bool isRunning(const QString &meetingId) const { return m_engines.contains(meetingId); }
    // What an operator watches (the relay's /metrics and /healthz). Fails when the database
    // does not answer.
    struct Figures {
        qsizetype openMeetings = 0;
        qint64 eventsAcknowledged = 0; // since this process started
        qint64 batchesRefused = 0;     // storage_error for a whole batch (disk full, I/O error)
        AnchorQueue::Depth anchorQueue;
        std::optional<qint64> identitySyncedAt; // Unix ms; none without an identity registry, or before its first sync
    };
    [[nodiscard]] Expected<Figures, DatabaseError> figures();
    // Whether a subscribed session may still receive a meeting's broadcasts: it is logged in
    // with a key that is not revoked and is on the meeting's final roster (a subscription taken
    // before the start outlives a roster edit that took the member off).
    [[nodiscard]] bool mayReceive(const Session &session, const QString &meetingId);

    static constexpr qsizetype maxMessageBytes = 2 * 1024 * 1024;
    // The most log entries one events.get or meeting.subscribe returns (its "limit").
    static constexpr qint64 maxEventsPerRead = 100'000;

private:
    RelayService(RelayDatabase &database, crypto::PrivateKey relayKey, std::shared_ptr<const protocol::SchemaValidator> schemas,
                 Clock clock, AttendanceLimits limits, IdentityPolicy identity, ImageLimits images);

    [[nodiscard]] Outcome handle(Session &session, Prepared &prepared);
    [[nodiscard]] Outcome login(Session &session, const QJsonObject &message);
    [[nodiscard]] Expected<QJsonValue, protocol::ProtocolError> call(Session &session, const QString &method,
                                                                     const QJsonObject &params, QList<Broadcast> &broadcasts);
    [[nodiscard]] Outcome submit(Session &session, const QJsonValue &id, const QJsonObject &params, const Prepared &prepared);
    // The meeting params names as "meeting", if the caller is on its roster.
    [[nodiscard]] Expected<Meeting, protocol::ProtocolError> rosterMeeting(const crypto::Address &caller, const QJsonObject &params);
    [[nodiscard]] Expected<QJsonValue, protocol::ProtocolError> readEvents(const crypto::Address &caller,
                                                                           const QJsonObject &params);
    // The running meeting's engine, or a fresh one for a scheduled meeting (kept only once its
    // start is stored, so a cancel or edit before the start is never shadowed by a stale copy).
    [[nodiscard]] Expected<std::shared_ptr<MeetingEngine>, protocol::ProtocolError> engineFor(const QString &meetingId);
    [[nodiscard]] Expected<std::unique_ptr<MeetingEngine>, protocol::ProtocolError> loadEngine(const Meeting &meeting);
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> store(MeetingEngine &engine, const protocol::Event &event,
                                                              const QByteArray &packedEvent, const protocol::Event &ack,
                                                              const QString &attendanceCode);
    // image.begin, image.chunk, image.finish and image.get (docs/relay-protocol.md §4.1).
    [[nodiscard]] Expected<QJsonValue, protocol::ProtocolError> imageCall(const crypto::Address &caller, const QString &method,
                                                                          const QJsonObject &params);
    // An image event names bytes stored for its meeting, of the size and type it says.
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> checkImageStored(const protocol::Event &event);
    [[nodiscard]] QByteArray ackErrorFor(const protocol::Event &event, const protocol::ProtocolError &error);
    [[nodiscard]] Expected<QJsonValue, protocol::ProtocolError> approve(const crypto::Address &caller, const QJsonObject &params);
    // An ended meeting's final record: its ackEnd and the root over its whole log.
    struct FinalRecord {
        QByteArray ackEndId;
        QByteArray root;
    };
    [[nodiscard]] Expected<FinalRecord, protocol::ProtocolError> finalRecord(const QString &meetingId);
    [[nodiscard]] QJsonObject anchorInfo(const QString &meetingId);
    // Rebuilds these meetings' state from their committed logs (after a refused batch).
    void reloadEngines(const QSet<QString> &meetings);
    // Signs the acknowledgements of the events stored since the last call, stores them and
    // fills in their outcomes (reply and broadcasts); on failure sets m_batchFailed.
    void finishAcknowledgements(QList<Outcome> &outcomes);

    RelayDatabase &m_db;
    crypto::PrivateKey m_relayKey;
    crypto::Address m_address;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;
    Clock m_clock;
    Directory m_directory;
    Attendance m_attendance;
    EventLog m_log;
    AnchorQueue m_anchors;
    IdentityKeys m_identityKeys;
    ImageStore m_images;
    QHash<QString, std::shared_ptr<MeetingEngine>> m_engines; // started meetings
    QCache<QString, FinalRecord> m_finalRecords{1024};        // recently ended meetings (approvals follow the end)
    QHash<QString, QSet<QByteArray>> m_audiences;             // started meetings' rosters, fixed at the start

    // An accepted event, stored, whose acknowledgement (in its meeting's tree already) is signed
    // and stored with the rest of the batch's.
    struct PendingAck {
        protocol::Event ack; // unsigned until finishAcknowledgements
        QString meeting;
        qint64 eventIndex = 0; // the event's log position; the ack's is the next
        QByteArray eventBytes;
        qint64 receivedAt = 0;
        QJsonValue requestId;
        qsizetype slot = 0;  // its place in the batch's outcomes
        QByteArray packedAck;
        Outcome outcome;
    };
    QList<PendingAck> m_pendingAcks;
    bool m_batchFailed = false; // something of the batch could not be stored: all of it is refused
    qint64 m_batchAcknowledged = 0; // events acknowledged in the batch so far (counted once it commits)
    qint64 m_eventsAcknowledged = 0;
    qint64 m_batchesRefused = 0;
    bool m_readOnly = false;    // the batch has no transaction: events are refused before any change
    QSet<QString> m_touchedMeetings; // whose engines the batch changed
};

} // namespace cmeet::relay
