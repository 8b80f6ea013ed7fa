#include "relay/core/meeting_engine.h"

#include "base/hex.h"
#include "protocol/delegation.h"

#include <QJsonArray>

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::Event;
using protocol::EventType;
using protocol::ProtocolError;

using protocol::fail;

QString key(const QString &patient, const QString &field) { return patient + QLatin1Char('\n') + field; }

QString shortId(const QByteArray &id) { return hex::encode(id).left(18) + QStringLiteral("..."); }

} // namespace

MeetingEngine::MeetingEngine(Meeting meeting, const crypto::PrivateKey &relayKey, QHash<QString, QString> patientData, const IdentityKeys &keys)
    : m_meeting(std::move(meeting)), m_relayKey(relayKey), m_patientData(std::move(patientData)), m_keys(keys)
{
}

QString MeetingEngine::patientDataValue(const QString &patient, const QString &field) const
{
    return m_patientData.value(key(patient, field));
}

std::optional<MeetingEngine::EventKey> MeetingEngine::keyOf(QByteArrayView id)
{
    if (id.size() != EventKey::size)
        return std::nullopt; // never read past a short id
    EventKey key;
    std::copy(id.cbegin(), id.cend(), key.bytes.begin());
    return key;
}

std::optional<qsizetype> MeetingEngine::positionOf(QByteArrayView id) const
{
    const auto key = keyOf(id);
    const auto found = key ? m_positions.constFind(*key) : m_positions.cend();
    return found == m_positions.cend() ? std::nullopt : std::optional<qsizetype>(found.value());
}

Expected<Ok, ProtocolError> MeetingEngine::check(const Event &event, const crypto::Address &caller, qint64 now) const
{
    if (event.meeting() != m_meeting.id)
        return fail(ErrorCode::UnknownMeeting, QStringLiteral("event is for another meeting"));
    if (m_meeting.status == MeetingStatus::Cancelled)
        return fail(ErrorCode::MeetingCancelled, QStringLiteral("the meeting was cancelled"));
    if (!m_meeting.hasMember(caller))
        return fail(ErrorCode::NotOnRoster, QStringLiteral("you are not on the roster of this meeting"));
    if (event.by() != caller)
        return fail(ErrorCode::WrongAuthor, QStringLiteral("\"by\" must be your identity %1").arg(caller.toChecksumHex()));
    if (protocol::isRelayAcknowledgement(event.type()))
        return fail(ErrorCode::RelayOnlyType, QStringLiteral("%1 events are written by the relay").arg(protocol::typeName(event.type())));
    if (qAbs(event.ts() - now) > protocol::timestampToleranceMs)
        return fail(ErrorCode::TimestampOutOfRange,
                    QStringLiteral("ts is %1 ms from the relay's clock (tolerance %2 ms)").arg(event.ts() - now).arg(protocol::timestampToleranceMs));
    if (positionOf(event.id()))
        return fail(ErrorCode::DuplicateEvent, QStringLiteral("event %1 was already accepted").arg(shortId(event.id())));
    if (m_ended)
        return fail(ErrorCode::MeetingEnded, QStringLiteral("the meeting has ended"));
    if (event.type() == EventType::Start && started())
        return fail(ErrorCode::AlreadyStarted, QStringLiteral("the meeting has already started"));
    if (event.type() != EventType::Start && !started())
        return fail(ErrorCode::NotStarted, QStringLiteral("the meeting has not started"));
    if (protocol::isHostOnly(event.type()) && caller != m_meeting.host)
        return fail(ErrorCode::NotHost, QStringLiteral("only the host may send %1 events").arg(protocol::typeName(event.type())));
    const bool keyRevoked = isPresent(caller) && m_keys.revoked(caller, m_signers.value(caller.bytes()));
    if (event.type() == EventType::Join && isPresent(caller) && now < m_sessionExpiry.value(caller.bytes()) && !keyRevoked)
        return fail(ErrorCode::AlreadyJoined, QStringLiteral("you have already joined; leave first to join with a new session key"));
    if (keyRevoked && event.type() != EventType::Join)
        return fail(ErrorCode::KeyNotActive, QStringLiteral("the key that signed your join has been revoked: join again with an active key"));
    if (event.type() != EventType::Start && event.type() != EventType::Join && !isPresent(caller))
        return fail(ErrorCode::NotJoined, QStringLiteral("join the meeting first"));
    if (isPresent(caller) && event.type() != EventType::Join && now >= m_sessionExpiry.value(caller.bytes()))
        return fail(ErrorCode::DelegationExpired, QStringLiteral("your session key's delegation has expired: join again"));
    // A full meeting still closes its open polls (an end waits for them) and ends: each open poll
    // counts as the pollEnd it will bring, so those still fit. The host may also join again (a
    // session that expired or a key revoked must not keep the meeting from ending), within a
    // small reserve: a host join needs the last session gone, and leave is refused when full.
    const qint64 dueWithThis = m_tree.size() / 2 + m_openPolls + (event.type() == EventType::Poll ? 1 : 0); // a poll brings its pollEnd
    const bool hostJoin = event.type() == EventType::Join && caller == m_meeting.host;
    const bool closing = event.type() == EventType::End || event.type() == EventType::PollEnd;
    if ((dueWithThis >= maxEventsPerMeeting && !closing && !hostJoin) || (hostJoin && dueWithThis >= maxEventsPerMeeting + hostJoinReserve))
        return fail(ErrorCode::MeetingFull, QStringLiteral("the meeting holds %1 events with the pollEnds still due, the most one meeting can: "
                                                           "only pollEnd, end and the host's join are accepted")
                                                .arg(maxEventsPerMeeting));
    if (auto ok = checkRefAndRole(event); !ok)
        return ok;
    if (auto ok = checkSignature(event, now); !ok)
        return ok;
    return checkContent(event);
}

Expected<Ok, ProtocolError> MeetingEngine::checkRefAndRole(const Event &event) const
{
    if (event.type() == EventType::Start)
        return Ok{};
    const QByteArray ref = event.ref().value_or(QByteArray());
    const auto refPosition = positionOf(ref);
    if (!refPosition)
        return fail(ErrorCode::UnknownRef, QStringLiteral("ref %1 is not an event of this meeting").arg(shortId(ref)));
    const EventType refType = m_entries.at(static_cast<size_t>(*refPosition)).type;
    const auto requireRef = [&](std::initializer_list<EventType> allowed, const QString &what) -> Expected<Ok, ProtocolError> {
        for (const EventType type : allowed) {
            if (refType == type)
                return Ok{};
        }
        return fail(ErrorCode::WrongRefType, QStringLiteral("a %1 must ref %2, not a %3")
                                                 .arg(protocol::typeName(event.type()), what, protocol::typeName(refType)));
    };
    switch (event.type()) {
    case EventType::Join: return requireRef({EventType::Start}, QStringLiteral("the start"));
    case EventType::Reply: return requireRef({EventType::Comment, EventType::Reply}, QStringLiteral("a comment or reply"));
    case EventType::Vote:
    case EventType::PollEnd:
        if (auto ok = requireRef({EventType::Poll}, QStringLiteral("a poll")); !ok)
            return ok;
        if (!m_polls.value(ref).open)
            return fail(ErrorCode::PollClosed, QStringLiteral("poll %1 has ended").arg(shortId(ref)));
        return Ok{};
    case EventType::Image:
        // Shown while its patient is discussed: the record says which patient's images were seen.
        if (auto ok = requireRef({EventType::Discussion}, QStringLiteral("the discussion of its patient")); !ok)
            return ok;
        if (m_discussions.value(ref) != event.content().value(QStringLiteral("patient")).toString())
            return fail(ErrorCode::WrongRefType, QStringLiteral("an image must ref the discussion of its own patient, not of %1").arg(m_discussions.value(ref)));
        return Ok{};
    default: return Ok{};
    }
}

Expected<Ok, ProtocolError> MeetingEngine::checkSignature(const Event &event, qint64 now) const
{
    if (event.type() != EventType::Start && event.type() != EventType::Join)
        return event.verifySignedBy(m_sessions.value(event.by().bytes()));

    // start and join: the delegation first (well formed, for this identity, signed by a key of
    // it), then the event (signed by the same key), then the delegation's terms.
    auto delegation = protocol::Delegation::fromJson(event.content().value(QStringLiteral("delegation")).toObject(), protocol::SignerRule::AnyKey);
    if (!delegation)
        return unexpected(delegation.error());
    const protocol::Delegation::Fields &fields = delegation->fields();
    if (fields.identity != event.by())
        return fail(ErrorCode::DelegationInvalid, QStringLiteral("the delegation is for identity %1, the %2 is by %3")
                                                      .arg(fields.identity.toChecksumHex(), protocol::typeName(event.type()), event.by().toChecksumHex()));
    if (auto ok = m_keys.check(event.by(), delegation->signer(), now); !ok) {
        if (ok.error().code != ErrorCode::WrongSigner)
            return ok; // key_not_active, identity_registry_stale
        return fail(ErrorCode::DelegationInvalid, QStringLiteral("the delegation is signed by %1, which is not a key of %2")
                                                      .arg(delegation->signer().toChecksumHex(), event.by().toChecksumHex()));
    }
    if (auto ok = event.verifySignedBy(delegation->signer()); !ok)
        return fail(ok.error().code, QStringLiteral("the %1 must be signed by the key that signed its delegation (%2): %3")
                                         .arg(protocol::typeName(event.type()), delegation->signer().toChecksumHex(), ok.error().detail));
    if (fields.expires - now > maxDelegationMs)
        return fail(ErrorCode::DelegationInvalid, QStringLiteral("a session key may be delegated for at most 24 hours from the relay's time of the %1")
                                                      .arg(protocol::typeName(event.type())));
    if (auto ok = delegation->checkFor(m_meeting.id, m_relayKey.address(), now); !ok)
        return ok;
    if (m_usedSessionKeys.contains(fields.session.bytes()))
        return fail(ErrorCode::SessionKeyInUse, QStringLiteral("this session key is already used in the meeting"));
    return Ok{};
}

Expected<Ok, ProtocolError> MeetingEngine::checkContent(const Event &event) const
{
    const QJsonObject &content = event.content();
    switch (event.type()) {
    case EventType::Start: {
        QStringList roster;
        for (const crypto::Address &member : m_meeting.details.roster)
            roster.append(member.toLowerHex());
        QStringList claimedRoster;
        for (const QJsonValue &member : content.value(QStringLiteral("roster")).toArray())
            claimedRoster.append(member.toString());
        QStringList sortedRoster = roster;
        sortedRoster.sort();
        claimedRoster.sort();
        if (claimedRoster != sortedRoster)
            return fail(ErrorCode::MeetingMismatch, QStringLiteral("the start's roster differs from the scheduled meeting's"));
        QStringList agenda;
        for (const QJsonValue &patient : content.value(QStringLiteral("agenda")).toArray())
            agenda.append(patient.toString());
        if (agenda != m_meeting.details.agenda)
            return fail(ErrorCode::MeetingMismatch, QStringLiteral("the start's agenda differs from the scheduled meeting's"));
        return Ok{};
    }
    case EventType::Comment:
    case EventType::Discussion:
    case EventType::Poll:
    case EventType::PatientDataChange: {
        const QString patient = content.value(QStringLiteral("patient")).toString();
        if ((content.contains(QStringLiteral("patient")) || event.type() == EventType::Discussion)
            && !m_meeting.details.agenda.contains(patient))
            return fail(ErrorCode::PatientNotOnAgenda, QStringLiteral("patient %1 is not on the agenda").arg(patient));
        // Votes are encrypted to this key and pollEnd must reveal its secret: a key that is not
        // a point on the curve has no secret, so the poll, and the meeting, could never end.
        if (event.type() == EventType::Poll
            && !crypto::PublicKey::fromBytes(hex::decodeLowercase(content.value(QStringLiteral("votingKey")).toString(), 33).value_or(QByteArray())))
            return fail(ErrorCode::InvalidVotingKey, QStringLiteral("votingKey is not a compressed point on secp256k1"));
        if (event.type() == EventType::PatientDataChange) {
            const QString field = content.value(QStringLiteral("field")).toString();
            if (content.value(QStringLiteral("from")).toString() != patientDataValue(patient, field))
                return fail(ErrorCode::StalePatientData,
                            QStringLiteral("\"from\" is not the current %1 of %2").arg(field, patient));
        }
        return Ok{};
    }
    case EventType::Vote: {
        const Poll &poll = m_polls[*event.ref()];
        if (poll.voters.contains(event.by().bytes()))
            return fail(ErrorCode::AlreadyVoted, QStringLiteral("you have already voted in this poll"));
        return Ok{};
    }
    case EventType::PollEnd: {
        const auto secret = hex::decodeLowercase(content.value(QStringLiteral("votingSecret")).toString(), 32);
        auto votingKey = secret ? crypto::PrivateKey::fromBytes(*secret) : unexpected(crypto::CryptoError::InvalidPrivateKey);
        if (!votingKey || votingKey->publicKey().compressed() != m_polls.value(*event.ref()).votingKey)
            return fail(ErrorCode::VotingKeyMismatch, QStringLiteral("votingSecret does not match the poll's votingKey"));
        return Ok{};
    }
    case EventType::End:
        for (auto it = m_polls.cbegin(); it != m_polls.cend(); ++it) {
            if (it->open)
                return fail(ErrorCode::PollOpen, QStringLiteral("end poll %1 first").arg(shortId(it.key())));
        }
        return Ok{};
    default:
        return Ok{};
    }
}

QJsonObject MeetingEngine::acknowledgementContent(const Event &event) const
{
    QJsonObject content{{QStringLiteral("seq"), m_seq + 1},
                        {QStringLiteral("tree"), m_tree.head().toJson()}};
    switch (event.type()) {
    case EventType::Join:
        content.insert(QStringLiteral("start"), hex::encode(m_startId));
        content.insert(QStringLiteral("joins"), protocol::idList(m_joinIds));
        break;
    case EventType::PollEnd:
        content.insert(QStringLiteral("votes"), protocol::idList(m_polls.value(*event.ref()).votes));
        break;
    case EventType::End: {
        QList<QByteArray> leaves;
        for (size_t i = 0; i < m_entries.size(); ++i) {
            if (!m_entries[i].referenced)
                leaves.append(m_ids.mid(static_cast<qsizetype>(i) * EventKey::size, EventKey::size));
        }
        content.insert(QStringLiteral("leaves"), protocol::idList(leaves));
        break;
    }
    default:
        break;
    }
    return content;
}

Expected<Event, ProtocolError> MeetingEngine::acknowledge(const Event &event, qint64 now)
{
    apply(event);
    auto ack = Event::create({protocol::acknowledgementType(event.type()), m_meeting.id, m_relayKey.address(), event.id(), now, acknowledgementContent(event)});
    if (!ack)
        return ack;
    apply(*ack);
    return ack;
}

void MeetingEngine::apply(const Event &event)
{
    const QByteArray &id = event.id();
    m_tree.append(id);
    if (const auto key = keyOf(id)) { // always (Event makes 32-byte ids)
        m_positions.insert(*key, static_cast<qint32>(m_entries.size()));
        m_ids.append(id);
        m_entries.push_back(Entry{event.type()});
    }
    if (event.ref()) {
        if (const auto refPosition = positionOf(*event.ref()))
            m_entries[static_cast<size_t>(*refPosition)].referenced = true;
    }
    const QJsonObject &content = event.content();
    switch (event.type()) {
    case EventType::Start:
    case EventType::Join: {
        if (event.type() == EventType::Start)
            m_startId = id;
        else
            m_joinIds.append(id);
        const QJsonObject delegation = content.value(QStringLiteral("delegation")).toObject();
        const auto session = crypto::Address::fromHex(delegation.value(QStringLiteral("session")).toString());
        m_sessions.insert(event.by().bytes(), session.value_or(crypto::Address()));
        m_sessionExpiry.insert(event.by().bytes(), delegation.value(QStringLiteral("expires")).toInteger());
        // Accepted, so its signature is valid; recovered again only for starts and joins.
        m_signers.insert(event.by().bytes(), event.recoverSigner().value_or(event.by()));
        m_usedSessionKeys.insert(session.value_or(crypto::Address()).bytes());
        break;
    }
    case EventType::Leave:
        m_sessions.remove(event.by().bytes());
        m_signers.remove(event.by().bytes());
        break;
    case EventType::Poll:
        m_polls.insert(id, Poll{*hex::decodeLowercase(content.value(QStringLiteral("votingKey")).toString(), 33), true, {}, {}});
        ++m_openPolls;
        break;
    case EventType::Vote: {
        Poll &poll = m_polls[*event.ref()];
        poll.votes.append(id);
        poll.voters.insert(event.by().bytes());
        break;
    }
    case EventType::PollEnd:
        m_polls[*event.ref()].open = false;
        --m_openPolls;
        break;
    case EventType::Discussion:
        m_discussions.insert(id, content.value(QStringLiteral("patient")).toString());
        break;
    case EventType::PatientDataChange:
        m_patientData.insert(key(content.value(QStringLiteral("patient")).toString(), content.value(QStringLiteral("field")).toString()),
                             content.value(QStringLiteral("to")).toString());
        break;
    case EventType::End:
        m_ended = true;
        break;
    case EventType::Ack:
    case EventType::JoinAck:
    case EventType::PollEndAck:
    case EventType::AckEnd:
        m_seq = content.value(QStringLiteral("seq")).toInteger();
        break;
    default:
        break;
    }
}

Expected<Ok, ProtocolError> MeetingEngine::replay(const QList<QByteArray> &storedLog)
{
    for (const QByteArray &bytes : storedLog) {
        auto event = Event::fromWire(bytes);
        if (!event)
            return unexpected(ProtocolError{event.error().code, QStringLiteral("stored event is unreadable: ") + event.error().detail});
        apply(*event);
    }
    return Ok{};
}

} // namespace cmeet::relay
