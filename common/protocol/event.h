#pragma once
// A meeting event (DESIGN.md §3): {"by","content","meeting","ref","ts","type","v"} plus "sig",
// sent and stored as its exact canonical bytes. id = keccak256(canonical bytes without "sig").

#include "base/expected.h"
#include "crypto/keys.h"
#include "protocol/error.h"
#include "protocol/event_type.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace cmeet::protocol {

// Largest event accepted from the wire.
inline constexpr qsizetype maxEventBytes = 1024 * 1024;

// How far an event's ts may be from the relay's clock when it is accepted (DESIGN.md §3); the
// relay's acknowledgement carries that clock.
inline constexpr qint64 timestampToleranceMs = 10'000;

// RFC 4122 UUID in its lowercase 8-4-4-4-12 form (the only form used in events).
[[nodiscard]] bool isCanonicalUuid(QStringView text);

class Event {
public:
    struct Fields {
        EventType type = EventType::Comment;
        QString meeting;                 // lowercase RFC 4122 UUID
        crypto::Address by;              // author's identity address (the relay's for acknowledgements)
        std::optional<QByteArray> ref;   // 32-byte id of an earlier event; absent only on start
        qint64 ts = 0;                   // Unix time in milliseconds
        QJsonObject content;
    };

    // An unsigned event; checks the envelope rules (not the content schema).
    [[nodiscard]] static Expected<Event, ProtocolError> create(const Fields &fields);
    // Parses exact wire bytes: canonical, envelope rules, and a well-formed low-s "sig".
    // Does not check the schema (SchemaValidator) nor who signed (recoverSigner).
    [[nodiscard]] static Expected<Event, ProtocolError> fromWire(QByteArrayView bytes);
    // The same; the event shares bytes instead of copying them.
    [[nodiscard]] static Expected<Event, ProtocolError> fromWire(const QByteArray &bytes);
    // The same, always building the whole JSON object first (slower): what fromWire is tested against.
    [[nodiscard]] static Expected<Event, ProtocolError> fromWireByBuilding(const QByteArray &bytes);

    // Signs the id with the author's key (session key, or identity key for start/join, relay key for acks).
    [[nodiscard]] Expected<Ok, ProtocolError> sign(const crypto::PrivateKey &key);
    [[nodiscard]] bool isSigned() const { return m_signature.has_value(); }
    // Recovered once and kept: the relay recovers a batch's signers on several threads before it
    // checks the events in order.
    [[nodiscard]] Expected<crypto::Address, ProtocolError> recoverSigner() const;
    // WrongSigner when the signature is valid but not by expected.
    [[nodiscard]] Expected<Ok, ProtocolError> verifySignedBy(const crypto::Address &expected) const;

    [[nodiscard]] EventType type() const { return m_fields.type; }
    [[nodiscard]] const QString &meeting() const { return m_fields.meeting; }
    [[nodiscard]] const crypto::Address &by() const { return m_fields.by; }
    [[nodiscard]] const std::optional<QByteArray> &ref() const { return m_fields.ref; }
    [[nodiscard]] qint64 ts() const { return m_fields.ts; }
    [[nodiscard]] const QJsonObject &content() const { return m_fields.content; }
    [[nodiscard]] const std::optional<crypto::Signature> &signature() const { return m_signature; }

    [[nodiscard]] const QByteArray &id() const { return m_id; } // 32 bytes
    [[nodiscard]] QString idHex() const;
    [[nodiscard]] QByteArray hashedBytes() const; // canonical, without "sig"
    // Canonical bytes with "sig"; empty for an unsigned event.
    [[nodiscard]] const QByteArray &wireBytes() const { return m_wireBytes; }
    // The JSON object (with "sig" when signed).
    [[nodiscard]] QJsonObject toJson() const;

private:
    Event() = default;
    // A usual event read from its bytes' fixed layout; nullopt for anything else.
    [[nodiscard]] static std::optional<Event> fromUsualWire(const QByteArray &bytes);
    // id: when the caller already hashed the canonical bytes of object.
    [[nodiscard]] static Expected<Event, ProtocolError> fromObject(QJsonObject object, std::optional<QByteArray> id = std::nullopt);

    Fields m_fields;
    QJsonObject m_body; // every member but "sig"; empty when read by fromUsualWire (toJson parses the bytes)
    QByteArray m_hashedBytes; // kept until signed; then they are the wire bytes without "sig"
    QByteArray m_id;
    std::optional<crypto::Signature> m_signature;
    QByteArray m_wireBytes;
    mutable std::optional<Expected<crypto::Address, ProtocolError>> m_signer; // recoverSigner's result
};

// Event ids as acknowledgements list them (joins, votes, leaves): 0x-hex strings, in order.
[[nodiscard]] QJsonArray idList(const QList<QByteArray> &ids);
// Whether list is idList(ids), without building it (an auditor compares every acknowledgement's lists).
[[nodiscard]] bool isIdList(const QJsonValue &list, const QList<QByteArray> &ids);

} // namespace cmeet::protocol
