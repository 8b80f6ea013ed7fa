#include "relay/core/relay_service.h"

#include "base/base64.h"
#include "base/hex.h"
#include "base/parallel.h"
#include "chain/meeting_registry.h"
#include "chain/roster_tree.h"
#include "ledger/merkle_log.h"
#include "protocol/canonical_json.h"
#include "protocol/image_media.h"
#include "protocol/login.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QVariant>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcService, "cmeet.relay.service", QtInfoMsg)

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::Event;
using protocol::EventType;
using protocol::ProtocolError;

using protocol::fail;

QByteArray encode(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

QByteArray response(const QJsonValue &id, const QJsonValue &result)
{
    return encode({{QStringLiteral("type"), QStringLiteral("response")}, {QStringLiteral("id"), id}, {QStringLiteral("result"), result}});
}

QByteArray errorResponse(const QJsonValue &id, const ProtocolError &error, const QByteArray &ackError = {})
{
    QJsonObject message{{QStringLiteral("type"), QStringLiteral("response")},
                        {QStringLiteral("id"), id},
                        {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), protocol::wireCode(error.code)},
                                                              {QStringLiteral("detail"), error.detail}}}};
    if (!ackError.isEmpty())
        message.insert(QStringLiteral("ackError"), QString::fromUtf8(ackError));
    return encode(message);
}

QByteArray eventMessage(const QString &meeting, qint64 index, const QByteArray &bytes)
{
    return encode({{QStringLiteral("type"), QStringLiteral("event")},
                   {QStringLiteral("meeting"), meeting},
                   {QStringLiteral("index"), index},
                   {QStringLiteral("event"), QString::fromUtf8(bytes)}});
}

Expected<crypto::Address, ProtocolError> addressParam(const QJsonValue &value, const QString &name)
{
    auto address = crypto::Address::fromHex(value.toString());
    if (!address)
        return fail(ErrorCode::BadRequest, QStringLiteral("\"%1\" must be an address").arg(name));
    return *address;
}

// U+0000 anywhere in a JSON value (strings and keys). PostgreSQL's text cannot hold it, so the
// relay takes no text with it on either database.
bool containsNul(const QJsonValue &value)
{
    if (value.isString())
        return value.toString().contains(QChar(0));
    if (value.isArray())
        return std::any_of(value.toArray().begin(), value.toArray().end(), [](const QJsonValue &item) { return containsNul(item); });
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto member = object.begin(); member != object.end(); ++member) {
            if (member.key().contains(QChar(0)) || containsNul(member.value()))
                return true;
        }
    }
    return false;
}

Expected<QString, ProtocolError> stringParam(const QJsonObject &params, const QString &name)
{
    const QJsonValue value = params.value(name);
    if (!value.isString() || value.toString().isEmpty())
        return fail(ErrorCode::BadRequest, QStringLiteral("\"%1\" (a string) is required").arg(name));
    return value.toString();
}

// An optional integer parameter in [min, max]; absent gives fallback.
Expected<qint64, ProtocolError> integerParam(const QJsonObject &params, const QString &name, qint64 fallback, qint64 min, qint64 max)
{
    const QJsonValue value = params.value(name);
    if (value.isUndefined())
        return fallback;
    const double number = value.toDouble(-1.0);
    if (!value.isDouble() || number != std::floor(number) || number < static_cast<double>(min) || number > static_cast<double>(max))
        return fail(ErrorCode::BadRequest, QStringLiteral("\"%1\" must be an integer from %2 to %3").arg(name).arg(min).arg(max));
    return static_cast<qint64>(number);
}

Expected<MeetingDraft, ProtocolError> draftFrom(const QJsonObject &params)
{
    // Bounded before the loops below: a huge roster must not stall the relay.
    if (params.value(QStringLiteral("roster")).toArray().size() > 1000 || params.value(QStringLiteral("agenda")).toArray().size() > 200)
        return fail(ErrorCode::BadRequest, QStringLiteral("at most 1000 roster members and 200 agenda patients"));
    MeetingDraft draft;
    draft.title = params.value(QStringLiteral("title")).toString();
    draft.description = params.value(QStringLiteral("description")).toString();
    draft.scheduledAt = params.value(QStringLiteral("scheduledAt")).toInteger();
    for (const QJsonValue &member : params.value(QStringLiteral("roster")).toArray()) {
        auto address = addressParam(member, QStringLiteral("roster"));
        if (!address)
            return unexpected(address.error());
        if (!draft.roster.contains(*address))
            draft.roster.append(*address);
    }
    for (const QJsonValue &patient : params.value(QStringLiteral("agenda")).toArray())
        draft.agenda.append(patient.toString());
    return draft;
}

std::optional<MeetingFilter> filterFrom(const QString &name)
{
    if (name.isEmpty() || name == QStringLiteral("upcoming"))
        return MeetingFilter::Upcoming;
    if (name == QStringLiteral("previous"))
        return MeetingFilter::Previous;
    if (name == QStringLiteral("all"))
        return MeetingFilter::All;
    return std::nullopt;
}

} // namespace

RelayService::RelayService(RelayDatabase &database, crypto::PrivateKey relayKey,
                           std::shared_ptr<const protocol::SchemaValidator> schemas, Clock clock, AttendanceLimits limits,
                           IdentityPolicy identity, ImageLimits images)
    : m_db(database), m_relayKey(std::move(relayKey)), m_address(m_relayKey.address()), m_schemas(std::move(schemas)),
      m_clock(std::move(clock)), m_directory(database), m_attendance(database, limits), m_log(database), m_anchors(database),
      m_identityKeys(database, identity), m_images(database, images)
{
}

Expected<std::unique_ptr<RelayService>, QString> RelayService::open(RelayDatabase &database, crypto::PrivateKey relayKey,
                                                                    std::shared_ptr<const protocol::SchemaValidator> schemas,
                                                                    Clock clock, AttendanceLimits limits, IdentityPolicy identity,
                                                                    ImageLimits images)
{
    std::unique_ptr<RelayService> service(
        new RelayService(database, std::move(relayKey), std::move(schemas), std::move(clock), limits, identity, images));
    if (auto keys = service->m_identityKeys.reload(); !keys)
        return unexpected(QStringLiteral("cannot read the identity keys: ") + keys.error().detail);
    if (auto dropped = service->m_images.dropUnfinished(); !dropped)
        return unexpected(QStringLiteral("cannot drop unfinished image uploads: ") + dropped.error().detail);
    for (const QString &id : service->m_directory.meetingsWithStatus(MeetingStatus::Started)) {
        auto engine = service->loadEngine(*service->m_directory.loadMeeting(id));
        if (!engine)
            return unexpected(QStringLiteral("cannot resume meeting %1: %2").arg(id, engine.error().detail));
        qCInfo(lcService) << "resumed meeting" << id << "with" << (*engine)->logSize() << "log entries";
        service->m_engines.insert(id, std::shared_ptr<MeetingEngine>(std::move(*engine)));
    }
    return service;
}

Expected<std::unique_ptr<MeetingEngine>, ProtocolError> RelayService::loadEngine(const Meeting &meeting)
{
    QHash<QString, QString> patientData;
    auto data = m_db.run(QStringLiteral("SELECT patient, field, value FROM meeting_patient_data WHERE meeting = ?"), {meeting.id});
    while (data && data->next())
        patientData.insert(data->value(0).toString() + QLatin1Char('\n') + data->value(1).toString(), data->value(2).toString());
    auto engine = std::make_unique<MeetingEngine>(meeting, m_relayKey, patientData, m_identityKeys);
    auto entries = m_log.entries(meeting.id);
    if (!entries)
        return fail(ErrorCode::StorageError, entries.error().detail);
    QList<QByteArray> log;
    for (const auto &[position, bytes] : *entries)
        log.append(bytes);
    if (auto ok = engine->replay(log); !ok)
        return unexpected(ok.error());
    return engine;
}

void RelayService::reloadEngines(const QSet<QString> &meetings)
{
    for (const QString &id : meetings) {
        m_engines.remove(id);
        m_finalRecords.remove(id);
        const auto meeting = m_directory.loadMeeting(id);
        if (!meeting || meeting->status != MeetingStatus::Started)
            continue;
        if (auto engine = loadEngine(*meeting))
            m_engines.insert(id, std::shared_ptr<MeetingEngine>(std::move(*engine)));
        else
            qCCritical(lcService) << "cannot reload meeting" << id << ":" << engine.error().detail;
    }
}

QList<Outcome> RelayService::handleBatch(QList<Incoming> batch)
{
    // What needs no relay state is done for the whole batch on all cores; then the messages are
    // handled in order.
    const auto prepareOne = [this](Incoming &incoming) {
        if (!incoming.prepared)
            incoming.prepared = prepare(incoming.message);
    };
    if (std::any_of(batch.cbegin(), batch.cend(), [](const Incoming &incoming) { return !incoming.prepared; }))
        forEachOnAllCores(batch, prepareOne);
    QList<Outcome> outcomes;
    // Sessions as they were, for a refused batch: a login or subscription in it must not stay.
    QHash<Session *, Session> sessionsBefore;
    for (const Incoming &incoming : batch)
        if (!sessionsBefore.contains(incoming.session))
            sessionsBefore.insert(incoming.session, *incoming.session);
    // One transaction for the batch. Without one (a read-only database, or the lock held by
    // another writer past the busy timeout) the batch is handled read-only: reads are answered
    // and events refused before anything changes.
    m_readOnly = !m_db.begin();
    if (m_readOnly)
        qCWarning(lcService) << "the database takes no writes: a batch of" << batch.size() << "messages is handled read-only";
    m_batchFailed = false;
    m_batchAcknowledged = 0;
    m_touchedMeetings.clear();
    for (qsizetype i = 0; i < batch.size(); ++i) {
        Prepared &prepared = *batch[i].prepared;
        // Whatever reads the log sees every acknowledgement before it.
        if (!prepared.event)
            finishAcknowledgements(outcomes);
        if (m_batchFailed)
            break;
        const qsizetype pending = m_pendingAcks.size();
        outcomes.append(handle(*batch[i].session, prepared));
        if (m_pendingAcks.size() > pending)
            m_pendingAcks.last().slot = i;
    }
    finishAcknowledgements(outcomes);
    if (!m_batchFailed && (m_readOnly || m_db.commit())) {
        Q_ASSERT(outcomes.size() == batch.size());
        m_eventsAcknowledged += m_batchAcknowledged;
        return outcomes;
    }

    // Nothing of the batch was stored: no outcome may claim otherwise, and no state may remain
    // of it (the meetings it touched are rebuilt from their committed logs).
    if (!m_readOnly)
        m_db.rollback();
    qCCritical(lcService) << "a batch of" << batch.size() << "messages could not be stored; all are refused";
    ++m_batchesRefused;
    for (auto it = sessionsBefore.begin(); it != sessionsBefore.end(); ++it)
        *it.key() = it.value();
    reloadEngines(m_touchedMeetings);
    m_images.forgetUploadsInProgress();
    outcomes.clear();
    for (const Incoming &incoming : batch) {
        const QJsonValue id = incoming.prepared->message.value(QStringLiteral("id"));
        outcomes.append({errorResponse(id, {ErrorCode::StorageError, QStringLiteral("the relay could not store this; nothing changed")}), {}});
    }
    return outcomes;
}

void RelayService::finishAcknowledgements(QList<Outcome> &outcomes)
{
    if (m_batchFailed) {
        m_pendingAcks.clear(); // refused with the rest of the batch
        return;
    }
    // Signing, packing and the messages (about a third of an event's work on this thread) on
    // all cores: an acknowledgement's id, in the tree already, does not depend on its signature.
    const auto finish = [this](PendingAck &pending) {
        if (!pending.ack.sign(m_relayKey))
            return;
        pending.packedAck = EventLog::pack(pending.ack.wireBytes(), pending.meeting);
        pending.outcome.reply
            = response(pending.requestId, QJsonObject{{QStringLiteral("index"), pending.eventIndex}, {QStringLiteral("ack"), QString::fromUtf8(pending.ack.wireBytes())}});
        pending.outcome.broadcasts = {{pending.meeting, eventMessage(pending.meeting, pending.eventIndex, pending.eventBytes)},
                                      {pending.meeting, eventMessage(pending.meeting, pending.eventIndex + 1, pending.ack.wireBytes())}};
    };
    forEachOnAllCores(m_pendingAcks, finish);
    for (PendingAck &pending : m_pendingAcks) {
        const auto stored = pending.packedAck.isEmpty()
            ? Expected<Ok, DatabaseError>(unexpected(DatabaseError{QStringLiteral("cannot sign the acknowledgement")}))
            : m_log.append(pending.meeting, pending.eventIndex + 1, pending.ack.type(), pending.packedAck, pending.receivedAt);
        if (!stored) {
            qCWarning(lcService) << "could not store an acknowledgement in meeting" << pending.meeting << ":" << stored.error().detail;
            m_batchFailed = true;
            break;
        }
        outcomes[pending.slot] = std::move(pending.outcome);
        ++m_batchAcknowledged;
    }
    m_pendingAcks.clear();
}

Expected<RelayService::Figures, DatabaseError> RelayService::figures()
{
    auto anchorQueue = m_anchors.depth();
    if (!anchorQueue)
        return unexpected(anchorQueue.error());
    return Figures{m_engines.size(), m_eventsAcknowledged, m_batchesRefused, *anchorQueue,
                   m_identityKeys.policy().registry ? m_identityKeys.syncedAt() : std::nullopt};
}

bool RelayService::mayReceive(const Session &session, const QString &meetingId)
{
    if (!session.identity || m_identityKeys.revoked(*session.identity, session.key))
        return false;
    auto audience = m_audiences.constFind(meetingId);
    if (audience == m_audiences.cend()) {
        const auto meeting = m_directory.loadMeeting(meetingId);
        if (!meeting || meeting->status == MeetingStatus::Scheduled || meeting->status == MeetingStatus::Cancelled)
            return false; // nothing of it is broadcast
        if (!m_engines.contains(meetingId)) // ended: asked once, for its last broadcast; not kept
            return meeting->details.roster.contains(*session.identity);
        QSet<QByteArray> members;
        for (const crypto::Address &member : meeting->details.roster)
            members.insert(member.bytes());
        audience = m_audiences.insert(meetingId, members);
    }
    return audience->contains(session.identity->bytes());
}

QByteArray RelayService::greet(Session &session)
{
    session.nonce = crypto::randomBytes(protocol::loginNonceSize).value_or(QByteArray());
    return encode({{QStringLiteral("type"), QStringLiteral("challenge")},
                   {QStringLiteral("protocol"), protocol::protocolVersion},
                   {QStringLiteral("relay"), m_address.toLowerHex()},
                   {QStringLiteral("nonce"), hex::encode(session.nonce)}});
}

RelayService::Prepared RelayService::prepare(QByteArrayView message) const
{
    Prepared prepared;
    if (message.size() > maxMessageBytes) {
        prepared.invalid = ProtocolError{ErrorCode::TooLarge, QStringLiteral("message over %1 bytes").arg(maxMessageBytes)};
        return prepared;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(message.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        prepared.invalid = ProtocolError{ErrorCode::MalformedJson, QStringLiteral("a message is one JSON object: ") + parseError.errorString()};
        return prepared;
    }
    if (!document.isObject()) {
        prepared.invalid = ProtocolError{ErrorCode::MalformedJson, QStringLiteral("a message is one JSON object, not an array")};
        return prepared;
    }
    prepared.message = document.object();
    // Only a message with the escape "u0000" in it (once or twice escaped: an event is a string
    // inside the message) can carry the character: only those are searched.
    if (message.toByteArray().contains("u0000")) {
        const QJsonValue event = prepared.message.value(QStringLiteral("params")).toObject().value(QStringLiteral("event"));
        if (containsNul(prepared.message) || (event.isString() && containsNul(QJsonDocument::fromJson(event.toString().toUtf8()).object()))) {
            prepared.invalid = ProtocolError{ErrorCode::BadRequest, QStringLiteral("text may not contain the character U+0000")};
            return prepared;
        }
    }
    if (prepared.message.value(QStringLiteral("type")) == QStringLiteral("request")
        && prepared.message.value(QStringLiteral("method")) == QStringLiteral("event.submit")) {
        const QJsonValue wire = prepared.message.value(QStringLiteral("params")).toObject().value(QStringLiteral("event"));
        if (!wire.isString()) {
            prepared.event = unexpected(ProtocolError{ErrorCode::BadRequest, QStringLiteral("event.submit needs \"event\": the event's wire bytes as a JSON string")});
            return prepared;
        }
        auto event = Event::fromWire(wire.toString().toUtf8());
        if (event) {
            if (auto valid = m_schemas->validate(*event); !valid)
                prepared.schemaError = valid.error();
            else if (event->recoverSigner())   // kept in the event for the checks in order
                prepared.packedEvent = EventLog::pack(event->wireBytes(), event->meeting());
        }
        prepared.event = std::move(event);
    }
    return prepared;
}

bool RelayService::isImageChunk(const Prepared &prepared)
{
    const QJsonValue method = prepared.message.value(QStringLiteral("method"));
    return method == QStringLiteral("image.chunk") || method == QStringLiteral("image.get");
}

Outcome RelayService::handle(Session &session, QByteArrayView message)
{
    return handleBatch({{&session, message.toByteArray(), std::nullopt}}).constFirst();
}

Outcome RelayService::handle(Session &session, Prepared &prepared)
{
    if (prepared.invalid) // the request's id when it could be read
        return {errorResponse(prepared.message.value(QStringLiteral("id")), *prepared.invalid), {}};
    const QJsonObject &object = prepared.message;
    const QString type = object.value(QStringLiteral("type")).toString();
    const QJsonValue id = object.value(QStringLiteral("id"));
    if (type == QStringLiteral("login"))
        return login(session, object);
    if (type != QStringLiteral("request"))
        return {errorResponse(id, {ErrorCode::BadRequest, QStringLiteral("unknown message type \"%1\"").arg(type)}), {}};
    if (!session.identity)
        return {errorResponse(id, {ErrorCode::NotAuthenticated, QStringLiteral("log in first")}), {}};
    if (m_identityKeys.revoked(*session.identity, session.key)) {
        session.identity.reset();
        return {errorResponse(id, {ErrorCode::NotAuthenticated, QStringLiteral("the key you logged in with has been revoked: reconnect and log in with an active key")}), {}};
    }
    const QString method = object.value(QStringLiteral("method")).toString();
    const QJsonObject params = object.value(QStringLiteral("params")).toObject();
    if (method == QStringLiteral("event.submit"))
        return submit(session, id, params, prepared);
    QList<Broadcast> broadcasts;
    auto result = call(session, method, params, broadcasts);
    if (!result)
        return {errorResponse(id, result.error()), {}};
    return {response(id, *result), broadcasts};
}

Outcome RelayService::login(Session &session, const QJsonObject &message)
{
    const QJsonValue id = message.value(QStringLiteral("id"));
    auto identity = addressParam(message.value(QStringLiteral("identity")), QStringLiteral("identity"));
    auto signature = crypto::Signature::fromHex(message.value(QStringLiteral("signature")).toString());
    if (!identity || !signature)
        return {errorResponse(id, {ErrorCode::BadRequest, QStringLiteral("login needs \"identity\" and \"signature\"")}), {}};
    if (session.nonce.isEmpty())
        return {errorResponse(id, {ErrorCode::NotAuthenticated, QStringLiteral("no challenge was issued")}), {}};
    auto signer = protocol::loginSigner(*identity, m_address, session.nonce, *signature);
    if (!signer)
        return {errorResponse(id, signer.error()), {}};
    if (auto ok = m_identityKeys.check(*identity, *signer, m_clock()); !ok)
        return {errorResponse(id, ok.error()), {}};
    // The staff directory says who may use this relay; the identity registry which keys speak for them.
    const auto member = m_directory.staffMember(*identity);
    if (!member)
        return {errorResponse(id, {ErrorCode::UnknownStaff, QStringLiteral("%1 is not in the staff directory").arg(identity->toChecksumHex())}), {}};
    session.identity = *identity;
    session.key = *signer;
    session.nonce.clear(); // one login per challenge
    qCInfo(lcService) << "login" << identity->toChecksumHex() << member->name;
    return {response(id, QJsonObject{{QStringLiteral("identity"), identity->toLowerHex()},
                                     {QStringLiteral("name"), member->name},
                                     {QStringLiteral("role"), member->role}}),
            {}};
}

Expected<QJsonValue, ProtocolError> RelayService::call(Session &session, const QString &method, const QJsonObject &params,
                                                       QList<Broadcast> &broadcasts)
{
    Q_UNUSED(broadcasts)
    const crypto::Address &caller = *session.identity;
    const qint64 now = m_clock();
    if (method == QStringLiteral("staff.list")) {
        QJsonArray staff;
        for (const StaffMember &member : m_directory.staff())
            staff.append(QJsonObject{{QStringLiteral("address"), member.address.toLowerHex()},
                                     {QStringLiteral("name"), member.name},
                                     {QStringLiteral("role"), member.role}});
        return staff;
    }
    if (method == QStringLiteral("patients.list")) {
        QJsonArray patients;
        for (const Patient &patient : m_directory.patients())
            patients.append(QJsonObject{{QStringLiteral("id"), patient.id},
                                        {QStringLiteral("name"), patient.name},
                                        {QStringLiteral("birthDate"), patient.birthDate},
                                        {QStringLiteral("hospitalNumber"), patient.hospitalNumber}});
        return patients;
    }
    if (method == QStringLiteral("meeting.create") || method == QStringLiteral("meeting.edit")) {
        auto draft = draftFrom(params);
        if (!draft)
            return unexpected(draft.error());
        auto meeting = method == QStringLiteral("meeting.create")
            ? m_directory.createMeeting(caller, *draft, now)
            : m_directory.editMeeting(caller, params.value(QStringLiteral("id")).toString(), *draft);
        if (!meeting)
            return unexpected(meeting.error());
        return meeting->toJson();
    }
    if (method == QStringLiteral("meeting.cancel") || method == QStringLiteral("meeting.get")) {
        const QString id = params.value(QStringLiteral("id")).toString();
        auto meeting = method == QStringLiteral("meeting.cancel") ? m_directory.cancelMeeting(caller, id)
                                                                   : m_directory.meeting(caller, id);
        if (!meeting)
            return unexpected(meeting.error());
        QJsonObject json = meeting->toJson();
        json.insert(QStringLiteral("anchor"), anchorInfo(id));
        return json;
    }
    if (method == QStringLiteral("meeting.list")) {
        const auto filter = filterFrom(params.value(QStringLiteral("filter")).toString());
        if (!filter)
            return fail(ErrorCode::BadRequest, QStringLiteral("filter is upcoming, previous or all"));
        auto meetings = m_directory.listMeetings(caller, *filter, now);
        if (!meetings)
            return unexpected(meetings.error());
        QJsonArray list;
        for (const Meeting &meeting : *meetings)
            list.append(meeting.toJson());
        return list;
    }
    if (method == QStringLiteral("meeting.patientData")) {
        auto data = m_directory.patientData(caller, params.value(QStringLiteral("id")).toString());
        if (!data)
            return unexpected(data.error());
        return *data;
    }
    if (method == QStringLiteral("meeting.setPatientData")) {
        auto ok = m_directory.setPatientData(caller, params.value(QStringLiteral("id")).toString(),
                                             params.value(QStringLiteral("patient")).toString(),
                                             params.value(QStringLiteral("field")).toString(),
                                             params.value(QStringLiteral("value")).toString());
        if (!ok)
            return unexpected(ok.error());
        return QJsonObject();
    }
    if (method == QStringLiteral("meeting.rotateCode")) {
        auto meeting = m_directory.meeting(caller, params.value(QStringLiteral("id")).toString());
        if (!meeting)
            return unexpected(meeting.error());
        if (meeting->host != caller)
            return fail(ErrorCode::NotHost, QStringLiteral("only the host rotates the attendance code"));
        if (meeting->status != MeetingStatus::Started)
            return fail(ErrorCode::NotStarted, QStringLiteral("the code can be rotated while the meeting runs"));
        auto ok = m_attendance.setCode(meeting->id, params.value(QStringLiteral("code")).toString(), now);
        if (!ok)
            return unexpected(ok.error());
        qCInfo(lcService) << "attendance code rotated for meeting" << meeting->id; // never the code itself
        return QJsonObject();
    }
    if (method == QStringLiteral("meeting.approve"))
        return approve(caller, params);
    if (method.startsWith(QStringLiteral("image.")))
        return imageCall(caller, method, params);
    if (method == QStringLiteral("meeting.approvals")) {
        auto meeting = m_directory.meeting(caller, params.value(QStringLiteral("id")).toString());
        if (!meeting)
            return unexpected(meeting.error());
        QJsonArray approvals;
        auto rows = m_db.run(QStringLiteral("SELECT identity, signature FROM approvals WHERE meeting = ? ORDER BY identity"), {meeting->id});
        while (rows && rows->next())
            approvals.append(QJsonObject{{QStringLiteral("identity"), rows->value(0).toString()},
                                         {QStringLiteral("signature"), hex::encode(rows->value(1).toByteArray())}});
        return approvals;
    }
    if (method == QStringLiteral("events.get") || method == QStringLiteral("meeting.subscribe")) {
        auto events = readEvents(caller, params);
        if (events && method == QStringLiteral("meeting.subscribe")) {
            // Only a meeting with broadcasts to come: an ended one would stay with the connection.
            const QString id = params.value(QStringLiteral("meeting")).toString();
            const auto meeting = m_directory.loadMeeting(id);
            if (meeting && (meeting->status == MeetingStatus::Scheduled || meeting->status == MeetingStatus::Started))
                session.subscriptions.insert(id);
        }
        return events;
    }
    return fail(ErrorCode::UnknownMethod, QStringLiteral("unknown method \"%1\"").arg(method));
}

Expected<Meeting, ProtocolError> RelayService::rosterMeeting(const crypto::Address &caller, const QJsonObject &params)
{
    auto meetingId = stringParam(params, QStringLiteral("meeting"));
    if (!meetingId)
        return unexpected(meetingId.error());
    return m_directory.meeting(caller, *meetingId);
}

Expected<QJsonValue, ProtocolError> RelayService::readEvents(const crypto::Address &caller, const QJsonObject &params)
{
    auto meeting = rosterMeeting(caller, params);
    if (!meeting)
        return unexpected(meeting.error());
    const auto from = integerParam(params, QStringLiteral("fromIndex"), 0, 0, protocol::json::maxSafeInteger);
    if (!from)
        return unexpected(from.error());
    const auto limit = integerParam(params, QStringLiteral("limit"), maxEventsPerRead, 1, maxEventsPerRead);
    if (!limit)
        return unexpected(limit.error());
    auto entries = m_log.entries(meeting->id, *from, *limit);
    if (!entries)
        return fail(ErrorCode::StorageError, entries.error().detail);
    // Replies stay well under what clients accept in one message: fetch on from "next".
    constexpr qsizetype maxReplyBytes = 8 * 1024 * 1024;
    QJsonArray events;
    qsizetype replyBytes = 0;
    qint64 next = *from;
    for (const auto &[position, bytes] : *entries) {
        if (replyBytes + bytes.size() > maxReplyBytes && !events.isEmpty())
            break;
        replyBytes += bytes.size() + 64;
        events.append(QJsonObject{{QStringLiteral("index"), position}, {QStringLiteral("event"), QString::fromUtf8(bytes)}});
        next = position + 1;
    }
    return QJsonObject{{QStringLiteral("meeting"), meeting->toJson()},
                       {QStringLiteral("events"), events},
                       {QStringLiteral("next"), next},
                       {QStringLiteral("size"), m_log.size(meeting->id)}};
}

Expected<std::shared_ptr<MeetingEngine>, ProtocolError> RelayService::engineFor(const QString &meetingId)
{
    if (auto found = m_engines.find(meetingId); found != m_engines.end())
        return *found;
    const auto meeting = m_directory.loadMeeting(meetingId);
    if (!meeting)
        return fail(ErrorCode::UnknownMeeting, QStringLiteral("no meeting %1").arg(meetingId));
    if (meeting->status == MeetingStatus::Ended)
        return fail(ErrorCode::MeetingEnded, QStringLiteral("the meeting has ended"));
    if (meeting->status == MeetingStatus::Cancelled)
        return fail(ErrorCode::MeetingCancelled, QStringLiteral("the meeting was cancelled"));
    auto engine = loadEngine(*meeting);
    if (!engine)
        return unexpected(engine.error());
    std::shared_ptr<MeetingEngine> loaded(std::move(*engine));
    if (meeting->status == MeetingStatus::Started)
        m_engines.insert(meetingId, loaded); // running: its state lives here from now on
    return loaded;
}

QJsonObject RelayService::anchorInfo(const QString &meetingId)
{
    QJsonObject info = m_anchors.stateOf(meetingId);
    // Where to check it: clients compare their replica with the registry before approving.
    if (const auto registry = m_db.setting(QStringLiteral("registry")))
        info.insert(QStringLiteral("registry"), *registry);
    if (const auto chainId = m_db.setting(QStringLiteral("chainId")))
        info.insert(QStringLiteral("chainId"), chainId->toLongLong());
    if (const auto identityRegistry = m_db.setting(QStringLiteral("identityRegistry")); identityRegistry && !identityRegistry->isEmpty())
        info.insert(QStringLiteral("identityRegistry"), *identityRegistry);
    return info;
}

Expected<RelayService::FinalRecord, ProtocolError> RelayService::finalRecord(const QString &meetingId)
{
    if (const FinalRecord *found = m_finalRecords.object(meetingId))
        return *found;
    // Not seen ending since this relay started: rebuild it once from the stored log.
    auto entries = m_log.entries(meetingId);
    if (!entries || entries->isEmpty())
        return fail(ErrorCode::StorageError, QStringLiteral("cannot read the meeting's log"));
    ledger::MerkleFrontier log;
    QByteArray lastId;
    for (const auto &[position, bytes] : *entries) {
        auto entry = Event::fromWire(bytes);
        if (!entry)
            return fail(ErrorCode::StorageError, QStringLiteral("stored entry %1 is unreadable").arg(position));
        lastId = entry->id();
        log.append(lastId);
    }
    const FinalRecord record{lastId, log.root()};
    m_finalRecords.insert(meetingId, new FinalRecord(record));
    return record;
}

Expected<QJsonValue, ProtocolError> RelayService::approve(const crypto::Address &caller, const QJsonObject &params)
{
    const QString id = params.value(QStringLiteral("id")).toString();
    auto meeting = m_directory.meeting(caller, id);
    if (!meeting)
        return unexpected(meeting.error());
    if (meeting->status != MeetingStatus::Ended)
        return fail(ErrorCode::MeetingNotEnded, QStringLiteral("approvals are of the final record: end the meeting first"));
    const auto registry = crypto::Address::fromHex(m_db.setting(QStringLiteral("registry")).value_or(QString()));
    const qint64 chainId = m_db.setting(QStringLiteral("chainId")).value_or(QString()).toLongLong();
    if (!registry || chainId <= 0)
        return fail(ErrorCode::AnchoringUnavailable, QStringLiteral("this relay anchors on no chain"));
    auto signature = crypto::Signature::fromHex(params.value(QStringLiteral("signature")).toString());
    if (!signature)
        return fail(ErrorCode::BadSignature, QStringLiteral("\"signature\" must be 0x + 130 lowercase hex digits, low s"));

    auto record = finalRecord(id);
    if (!record)
        return unexpected(record.error());
    const QByteArray digest = chain::registry::approvalDigest(static_cast<quint64>(chainId), *registry, id, record->ackEndId, record->root);
    auto signer = crypto::recoverAddress(digest, *signature);
    if (!signer || *signer != caller)
        return fail(ErrorCode::WrongSigner, QStringLiteral("the signature does not approve this meeting's final record by %1").arg(caller.toChecksumHex()));

    // The approval and, with the last one, the chain job: together or not at all.
    if (!m_db.begin())
        return fail(ErrorCode::StorageError, QStringLiteral("cannot begin a transaction"));
    auto stored = m_db.run(QStringLiteral("INSERT INTO approvals(meeting, identity, signature, received_at) VALUES (?, ?, ?, ?) "
                                          "ON CONFLICT(meeting, identity) DO NOTHING"),
                           {id, caller.toLowerHex(), signature->bytes(), m_clock()});
    if (!stored) {
        m_db.rollback();
        return fail(ErrorCode::StorageError, stored.error().detail);
    }
    const bool repeated = stored->numRowsAffected() == 0;

    // Everyone has approved: one commitment to all of them goes on chain.
    QList<QPair<crypto::Address, QByteArray>> approvals;
    auto rows = m_db.run(QStringLiteral("SELECT identity, signature FROM approvals WHERE meeting = ?"), {id});
    while (rows && rows->next())
        approvals.append({crypto::Address::fromHex(rows->value(0).toString()).value_or(crypto::Address()), rows->value(1).toByteArray()});
    if (approvals.size() == meeting->details.roster.size()) {
        const QByteArray call = chain::registry::recordApprovalsCall(id, chain::registry::approvalsCommitment(approvals),
                                                                     static_cast<quint32>(approvals.size()));
        if (auto queued = m_anchors.enqueue(id, QStringLiteral("approvals"), call, m_clock()); !queued) {
            m_db.rollback();
            return fail(ErrorCode::StorageError, queued.error().detail);
        }
    }
    if (!m_db.commit()) {
        m_db.rollback();
        return fail(ErrorCode::StorageError, QStringLiteral("cannot store the approval"));
    }
    if (repeated)
        return fail(ErrorCode::AlreadyApproved, QStringLiteral("you have already approved this meeting"));
    return QJsonObject{{QStringLiteral("approvals"), approvals.size()}, {QStringLiteral("roster"), meeting->details.roster.size()}};
}

QByteArray RelayService::ackErrorFor(const Event &event, const ProtocolError &error)
{
    QJsonObject content{{QStringLiteral("code"), protocol::wireCode(error.code)},
                        {QStringLiteral("detail"), error.detail.left(1000)},
                        {QStringLiteral("event"), event.idHex()}};
    auto ack = Event::create({EventType::AckError, event.meeting(), m_address, std::nullopt, m_clock(), content});
    if (!ack || !ack->sign(m_relayKey))
        return {};
    return ack->wireBytes();
}

Expected<Ok, ProtocolError> RelayService::store(MeetingEngine &engine, const Event &event, const QByteArray &packedEvent,
                                                const Event &ack, const QString &attendanceCode)
{
    const QString &meeting = engine.meeting().id;
    const qint64 now = m_clock();
    const qint64 eventIndex = engine.logSize() - 2;
    if (!m_db.begin())
        return fail(ErrorCode::StorageError, QStringLiteral("cannot begin a transaction"));
    Expected<Ok, ProtocolError> effects = Ok{};
    if (auto stored = m_log.append(meeting, eventIndex, event.type(), packedEvent.isEmpty() ? EventLog::pack(event.wireBytes(), meeting) : packedEvent, now);
        !stored)
        effects = fail(ErrorCode::StorageError, stored.error().detail);
    else if (event.type() == EventType::Start)
        effects = m_directory.setStatus(meeting, MeetingStatus::Started).hasValue() ? m_attendance.setCode(meeting, attendanceCode, now)
                                                                                   : fail(ErrorCode::StorageError, QStringLiteral("status"));
    else if (event.type() == EventType::End)
        effects = m_directory.setStatus(meeting, MeetingStatus::Ended);
    // Anchoring is queued with the event it anchors: it lands whenever the chain is reachable.
    if (effects && (event.type() == EventType::Start || event.type() == EventType::End)) {
        const QByteArray call = event.type() == EventType::Start
            ? chain::registry::openCall(meeting, event.id(), chain::rosterRoot(engine.meeting().details.roster))
            : chain::registry::closeCall(meeting, ack.id(), engine.head().root, static_cast<quint64>(engine.head().size));
        if (auto queued = m_anchors.enqueue(meeting, event.type() == EventType::Start ? QStringLiteral("open") : QStringLiteral("close"), call, now); !queued)
            effects = fail(ErrorCode::StorageError, queued.error().detail);
    }
    else if (event.type() == EventType::PatientDataChange)
        effects = m_directory.storePatientData(meeting, event.content().value(QStringLiteral("patient")).toString(),
                                               event.content().value(QStringLiteral("field")).toString(),
                                               event.content().value(QStringLiteral("to")).toString());
    if (!effects || !m_db.commit()) {
        m_db.rollback();
        return effects ? fail(ErrorCode::StorageError, QStringLiteral("commit failed")) : effects;
    }
    return Ok{};
}

Outcome RelayService::submit(Session &session, const QJsonValue &id, const QJsonObject &params, const Prepared &prepared)
{
    const crypto::Address &caller = *session.identity;
    const qint64 now = m_clock();
    const Expected<Event, ProtocolError> &event = *prepared.event;
    if (!event)
        return {errorResponse(id, event.error()), {}};
    const auto reject = [&](const ProtocolError &error) {
        qCInfo(lcService) << "rejected" << protocol::typeName(event->type()) << "from" << caller.toChecksumHex() << ":"
                          << protocol::wireCode(error.code);
        return Outcome{errorResponse(id, error, ackErrorFor(*event, error)), {}};
    };
    if (prepared.schemaError)
        return reject(*prepared.schemaError);
    auto engine = engineFor(event->meeting());
    if (!engine)
        return reject(engine.error());
    if (auto ok = (*engine)->check(*event, caller, now); !ok)
        return reject(ok.error());

    const QString code = params.value(QStringLiteral("attendanceCode")).toString();
    if (event->type() == EventType::Start && !Attendance::isWellFormed(code))
        return reject({ErrorCode::MissingAttendanceCode, QStringLiteral("a start needs the attendance code to show (4-12 letters or digits)")});
    if (event->type() == EventType::Join) {
        if (auto ok = m_attendance.verify(event->meeting(), caller, code, now); !ok)
            return reject(ok.error());
    }
    if (event->type() == EventType::Image) {
        if (auto ok = checkImageStored(*event); !ok)
            return reject(ok.error());
    }

    if (m_readOnly)
        return reject({ErrorCode::StorageError, QStringLiteral("the relay cannot store events right now; nothing changed")});
    m_touchedMeetings.insert(event->meeting());
    auto ack = (*engine)->acknowledge(*event, now);
    Expected<Ok, ProtocolError> stored = ack ? store(**engine, *event, prepared.packedEvent, *ack, code) : Expected<Ok, ProtocolError>(unexpected(ack.error()));
    if (!stored) {
        // The engine already counted the event: the batch is refused and the meetings it touched
        // rebuilt from what was committed.
        qCWarning(lcService) << "could not store an event in meeting" << event->meeting() << ":" << stored.error().detail;
        m_batchFailed = true;
        return reject(stored.error());
    }
    const QString meeting = event->meeting();
    if (event->type() == EventType::Start)
        m_engines.insert(meeting, *engine);
    if (event->type() == EventType::End) {
        m_finalRecords.insert(meeting, new FinalRecord{ack->id(), (*engine)->head().root}); // what approvals sign
        m_engines.remove(meeting); // the meeting is closed; nothing more is accepted
        m_audiences.remove(meeting); // nothing of it is broadcast any more (mayReceive reads it again if asked)
    }
    session.subscriptions.insert(meeting);
    // The answer comes with the acknowledgement, signed at the end of the batch.
    m_pendingAcks.append(PendingAck{.ack = *ack, .meeting = meeting, .eventIndex = (*engine)->logSize() - 2, .eventBytes = event->wireBytes(),
                                    .receivedAt = now, .requestId = id, .slot = 0, .packedAck = {}, .outcome = {}});
    return {};
}

Expected<Ok, ProtocolError> RelayService::checkImageStored(const Event &event)
{
    const QJsonObject &content = event.content();
    const QByteArray sha256 = protocol::imageSha256(event);
    auto stored = m_images.find(event.meeting(), sha256);
    if (!stored)
        return fail(ErrorCode::StorageError, QStringLiteral("the relay could not read its images: ") + stored.error().detail);
    if (!*stored)
        return fail(ErrorCode::ImageNotStored, QStringLiteral("no image with SHA-256 %1 was uploaded to this meeting: upload it first (image.begin)")
                                                   .arg(hex::encode(sha256)));
    const qint64 size = content.value(QStringLiteral("size")).toInteger();
    const QString mediaType = content.value(QStringLiteral("mediaType")).toString();
    if ((*stored)->size != size || (*stored)->mediaType != mediaType)
        return fail(ErrorCode::ImageMismatch, QStringLiteral("the stored image is %1 bytes of %2; the event says %3 bytes of %4")
                                                  .arg((*stored)->size)
                                                  .arg((*stored)->mediaType)
                                                  .arg(size)
                                                  .arg(mediaType));
    return Ok{};
}

Expected<QJsonValue, ProtocolError> RelayService::imageCall(const crypto::Address &caller, const QString &method, const QJsonObject &params)
{
    static const QStringList methods{QStringLiteral("image.begin"), QStringLiteral("image.chunk"), QStringLiteral("image.finish"), QStringLiteral("image.get")};
    if (!methods.contains(method))
        return fail(ErrorCode::UnknownMethod, QStringLiteral("unknown method \"%1\"").arg(method));
    const auto uploadParam = [&]() { return integerParam(params, QStringLiteral("upload"), 0, 1, protocol::json::maxSafeInteger); };
    if (method == QStringLiteral("image.chunk")) {
        const auto upload = uploadParam();
        const auto offset = integerParam(params, QStringLiteral("offset"), -1, 0, protocol::json::maxSafeInteger);
        if (!upload || !offset || *upload == 0 || *offset < 0 || !params.value(QStringLiteral("data")).isString())
            return fail(ErrorCode::BadRequest, QStringLiteral("image.chunk needs \"upload\", \"offset\" and \"data\" (base64)"));
        const auto data = base64::decode(params.value(QStringLiteral("data")).toString().toLatin1());
        if (!data)
            return fail(ErrorCode::BadRequest, QStringLiteral("\"data\" is not base64 (RFC 4648, padded)"));
        auto received = m_images.append(*upload, caller, *offset, *data);
        if (!received)
            return unexpected(received.error());
        return QJsonObject{{QStringLiteral("received"), *received}};
    }
    if (method == QStringLiteral("image.finish")) {
        const auto upload = uploadParam();
        if (!upload || *upload == 0)
            return fail(ErrorCode::BadRequest, QStringLiteral("image.finish needs \"upload\""));
        if (auto finished = m_images.finish(*upload, caller, m_clock()); !finished)
            return unexpected(finished.error());
        return QJsonObject{{QStringLiteral("stored"), true}};
    }

    // image.begin and image.get name a meeting and an image by its SHA-256.
    auto meeting = rosterMeeting(caller, params);
    if (!meeting)
        return unexpected(meeting.error());
    const auto sha256 = hex::decodeLowercase(params.value(QStringLiteral("sha256")).toString(), 32);
    if (!sha256)
        return fail(ErrorCode::BadRequest, QStringLiteral("\"sha256\" is 0x and 64 lowercase hex digits"));
    if (method == QStringLiteral("image.begin")) {
        if (meeting->host != caller)
            return fail(ErrorCode::NotHost, QStringLiteral("only the host shows images"));
        if (meeting->status == MeetingStatus::Scheduled)
            return fail(ErrorCode::NotStarted, QStringLiteral("images are shown in a running meeting: start it first"));
        if (meeting->status != MeetingStatus::Started)
            return fail(ErrorCode::MeetingEnded, QStringLiteral("the meeting is over: it shows no more images"));
        const auto size = integerParam(params, QStringLiteral("size"), 0, 1, protocol::json::maxSafeInteger);
        if (!size || *size == 0)
            return fail(ErrorCode::BadRequest, QStringLiteral("\"size\" is the file's size in bytes (at least 1)"));
        auto begun = m_images.begin(meeting->id, caller, *sha256, *size, params.value(QStringLiteral("mediaType")).toString());
        if (!begun)
            return unexpected(begun.error());
        if (begun->stored)
            return QJsonObject{{QStringLiteral("stored"), true}};
        return QJsonObject{{QStringLiteral("upload"), begun->upload}, {QStringLiteral("chunkBytes"), maxImageChunkBytes}};
    }
    // image.get
    const auto offset = integerParam(params, QStringLiteral("offset"), 0, 0, protocol::json::maxSafeInteger);
    const auto length = integerParam(params, QStringLiteral("length"), maxImageChunkBytes, 1, maxImageChunkBytes);
    if (!offset || !length)
        return unexpected(!offset ? offset.error() : length.error());
    auto chunk = m_images.read(meeting->id, *sha256, *offset, *length);
    if (!chunk)
        return unexpected(chunk.error());
    return QJsonObject{{QStringLiteral("offset"), *offset},
                       {QStringLiteral("size"), chunk->image.size},
                       {QStringLiteral("mediaType"), chunk->image.mediaType},
                       {QStringLiteral("data"), QString::fromLatin1(chunk->bytes.toBase64())}};
}

} // namespace cmeet::relay
