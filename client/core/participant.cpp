#include "client/core/participant.h"

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "protocol/delegation.h"

namespace cmeet::client {

Participant::Participant(crypto::PrivateKey identityKey, QString meeting, crypto::Address relay)
    : Participant(identityKey, identityKey.address(), std::move(meeting), std::move(relay))
{
}

Participant::Participant(crypto::PrivateKey key, crypto::Address identity, QString meeting, crypto::Address relay)
    : m_key(std::move(key)), m_identity(std::move(identity)), m_meeting(std::move(meeting)), m_relay(std::move(relay))
{
}

Expected<QJsonObject, protocol::ProtocolError> Participant::newSession(qint64 now, qint64 validForMs)
{
    auto session = crypto::PrivateKey::generate();
    if (!session)
        return unexpected(protocol::ProtocolError{protocol::ErrorCode::InternalError, crypto::describe(session.error())});
    auto delegation = protocol::Delegation::create(m_identity, m_key, session->address(), m_meeting, m_relay, now + validForMs);
    if (!delegation)
        return unexpected(delegation.error());
    m_session = std::move(*session);
    return delegation->toJson();
}

Expected<protocol::Event, protocol::ProtocolError> Participant::makeEvent(protocol::EventType type, const QJsonObject &content,
                                                                          std::optional<QByteArray> ref, qint64 now) const
{
    const bool identitySigned = type == protocol::EventType::Start || type == protocol::EventType::Join;
    if (!identitySigned && !m_session)
        return unexpected(protocol::ProtocolError{protocol::ErrorCode::NotJoined, QStringLiteral("no session key: join first")});
    auto event = protocol::Event::create({type, m_meeting, m_identity, std::move(ref), now, content});
    if (!event)
        return event;
    if (auto ok = event->sign(identitySigned ? m_key : *m_session); !ok)
        return unexpected(ok.error());
    return event;
}

QByteArray attendanceSalt(const crypto::PrivateKey &startSessionKey)
{
    return crypto::hmacSha256(startSessionKey.secret().view(), "c-meet attendance salt");
}

QString attendanceCommitment(const QByteArray &salt, const QString &code)
{
    return hex::encode(crypto::sha256(QByteArray(salt + code.toLatin1())));
}

QString newAttendanceCode()
{
    static const QLatin1StringView alphabet("23456789ABCDEFGHJKLMNPQRSTUVWXYZ"); // 32: no modulo bias
    const QByteArray random = crypto::randomBytes(6).value_or(QByteArray());
    if (random.size() != 6)
        qFatal("no randomness for an attendance code");
    QString code;
    for (const char byte : random)
        code.append(QChar(alphabet.at(static_cast<unsigned char>(byte) % alphabet.size())));
    return code;
}

} // namespace cmeet::client
