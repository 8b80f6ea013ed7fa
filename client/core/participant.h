#pragma once
// A meeting participant's keys and event making, free of networking and widgets: the identity
// key, a fresh session key per meeting with its delegation, and signed events.

#include "crypto/keys.h"
#include "protocol/event.h"

#include <QJsonObject>
#include <optional>

namespace cmeet::client {

class Participant {
public:
    Participant(crypto::PrivateKey identityKey, QString meeting, crypto::Address relay);
    // With a device key added to the identity in the identity registry: the key signs for identity.
    Participant(crypto::PrivateKey key, crypto::Address identity, QString meeting, crypto::Address relay);

    [[nodiscard]] const crypto::Address &identity() const { return m_identity; }
    [[nodiscard]] const QString &meeting() const { return m_meeting; }

    // Makes a fresh session key and its delegation (valid for validForMs from now).
    [[nodiscard]] Expected<QJsonObject, protocol::ProtocolError> newSession(qint64 now, qint64 validForMs = 12 * 3600 * 1000);
    [[nodiscard]] const std::optional<crypto::PrivateKey> &sessionKey() const { return m_session; }
    // Restores a session key kept (sealed) in the meeting file by an earlier run.
    void restoreSession(crypto::PrivateKey sessionKey) { m_session = std::move(sessionKey); }

    // Builds and signs an event: start and join with the identity's key, the rest with the session key.
    [[nodiscard]] Expected<protocol::Event, protocol::ProtocolError> makeEvent(protocol::EventType type, const QJsonObject &content,
                                                                               std::optional<QByteArray> ref, qint64 now) const;

private:
    crypto::PrivateKey m_key;
    crypto::Address m_identity;
    QString m_meeting;
    crypto::Address m_relay;
    std::optional<crypto::PrivateKey> m_session;
};

// The start's attendance commitment (docs/protocol.md §8): SHA-256(salt || the code's ASCII
// bytes). The salt is derived from the start's session key, so it stays secret until the host
// opens the commitment and is never stored on its own.
// A fresh attendance code to show in the room: 6 characters, no 0/O or 1/I to misread.
[[nodiscard]] QString newAttendanceCode();

[[nodiscard]] QByteArray attendanceSalt(const crypto::PrivateKey &startSessionKey);
[[nodiscard]] QString attendanceCommitment(const QByteArray &salt, const QString &code);

} // namespace cmeet::client
