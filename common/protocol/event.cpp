#include "protocol/event.h"

#include "base/hex.h"
#include "crypto/keccak.h"
#include "protocol/canonical_json.h"
#include "protocol/signing.h"

#include <charconv>
#include <cstring>
#include <string_view>


namespace cmeet::protocol {
namespace {

const QString kBy = QStringLiteral("by");
const QString kContent = QStringLiteral("content");
const QString kMeeting = QStringLiteral("meeting");
const QString kRef = QStringLiteral("ref");
const QString kSig = QStringLiteral("sig");
const QString kTs = QStringLiteral("ts");
const QString kType = QStringLiteral("type");
const QString kV = QStringLiteral("v");

Unexpected<ProtocolError> malformed(const QString &detail)
{
    return unexpected(ProtocolError{ErrorCode::MalformedEvent, detail});
}

bool isSafeInteger(const QJsonValue &value)
{
    // Values from parseCanonical are exact integers; values built in code may not be.
    if (!value.isDouble())
        return false;
    const double number = value.toDouble();
    return number == static_cast<double>(value.toInteger()) && value.toInteger() >= -json::maxSafeInteger
        && value.toInteger() <= json::maxSafeInteger;
}

// The envelope rules every event obeys whatever its type.
Expected<Event::Fields, ProtocolError> readFields(const QJsonObject &body)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QString &key = it.key();
        if (key != kBy && key != kContent && key != kMeeting && key != kRef && key != kTs && key != kType && key != kV)
            return malformed(QStringLiteral("unknown member %1").arg(quoted(key)));
    }
    const QJsonValue version = body.value(kV);
    if (!isSafeInteger(version))
        return malformed(QStringLiteral("\"v\" must be an integer"));
    if (version.toInteger() != protocolVersion)
        return unexpected(ProtocolError{ErrorCode::UnsupportedVersion,
                                        QStringLiteral("protocol version %1 is not supported (this is version %2)")
                                            .arg(version.toInteger())
                                            .arg(protocolVersion)});
    Event::Fields fields;
    const QJsonValue type = body.value(kType);
    if (!type.isString())
        return malformed(QStringLiteral("\"type\" must be a string"));
    const auto parsedType = typeFromName(type.toString());
    if (!parsedType)
        return unexpected(ProtocolError{ErrorCode::UnknownType, QStringLiteral("unknown event type %1").arg(quoted(type.toString()))});
    fields.type = *parsedType;

    const QJsonValue meeting = body.value(kMeeting);
    if (!meeting.isString() || !isCanonicalUuid(meeting.toString()))
        return malformed(QStringLiteral("\"meeting\" must be a lowercase RFC 4122 UUID"));
    fields.meeting = meeting.toString();

    const QJsonValue by = body.value(kBy);
    const auto byBytes = by.isString() ? hex::decodeLowercase(by.toString(), crypto::Address::size) : std::nullopt;
    if (!byBytes)
        return malformed(QStringLiteral("\"by\" must be an address: 0x + 40 lowercase hex digits"));
    fields.by = *crypto::Address::fromBytes(*byBytes);

    if (body.contains(kRef)) {
        const QJsonValue ref = body.value(kRef);
        auto refBytes = ref.isString() ? hex::decodeLowercase(ref.toString(), 32) : std::nullopt;
        if (!refBytes)
            return malformed(QStringLiteral("\"ref\" must be an event id: 0x + 64 lowercase hex digits"));
        fields.ref = std::move(*refBytes);
    }
    if (fields.type == EventType::Start && fields.ref)
        return malformed(QStringLiteral("a start event has no \"ref\""));
    if (fields.type != EventType::Start && fields.type != EventType::AckError && !fields.ref)
        return malformed(QStringLiteral("\"ref\" is required on a %1 event").arg(typeName(fields.type)));

    const QJsonValue ts = body.value(kTs);
    if (!isSafeInteger(ts) || ts.toInteger() < 0)
        return malformed(QStringLiteral("\"ts\" must be a non-negative integer (Unix milliseconds)"));
    fields.ts = ts.toInteger();

    const QJsonValue content = body.value(kContent);
    if (!content.isObject())
        return malformed(QStringLiteral("\"content\" must be an object"));
    fields.content = content.toObject();
    return fields;
}

Unexpected<ProtocolError> tooLarge(qsizetype size)
{
    return unexpected(ProtocolError{ErrorCode::TooLarge,
                                    QStringLiteral("event of %1 bytes exceeds the limit of %2 bytes").arg(size).arg(maxEventBytes)});
}

// Where needle last occurs in bytes, or -1. Qt 6.4's lastIndexOf hashes its way over the whole
// view, and std::string_view's rfind compares at every position from the end (each a hundredth of
// an audit's time); memrchr jumps to the places that start with needle's first byte.
qsizetype lastIndexOf(QByteArrayView bytes, std::string_view needle)
{
    Q_ASSERT(!needle.empty());
    const auto length = static_cast<std::size_t>(bytes.size());
    if (length < needle.size())
        return -1;
    std::size_t starts = length - needle.size() + 1; // the positions left to try: [0, starts)
    while (starts > 0) {
        const auto *hit = static_cast<const char *>(memrchr(bytes.data(), needle.front(), starts));
        if (hit == nullptr)
            return -1;
        const auto at = static_cast<std::size_t>(hit - bytes.data());
        if (std::memcmp(hit, needle.data(), needle.size()) == 0)
            return static_cast<qsizetype>(at);
        starts = at;
    }
    return -1;
}

// The meeting id as a QString, shared with the event read before on this thread when they name
// the same meeting: every event of a meeting names it, and an audit keeps 24,000 of them.
QString meetingNamed(QByteArrayView latin1)
{
    thread_local QString last;
    if (last != QLatin1StringView(latin1))
        last = QString::fromLatin1(latin1);
    return last;
}

// Walks bytes piece by piece; once a piece is not where it should be, every later step fails.
class Pieces {
public:
    explicit Pieces(QByteArrayView bytes) : m_rest(bytes) {}
    [[nodiscard]] bool ok() const { return m_ok; }
    [[nodiscard]] bool atEnd() const { return m_ok && m_rest.isEmpty(); }
    [[nodiscard]] QByteArrayView rest() const { return m_ok ? m_rest : QByteArrayView(); }

    void expect(QByteArrayView piece) { m_ok = skip(piece); }
    // Skips piece when it comes next; false (and nothing else changes) when it does not.
    bool skip(QByteArrayView piece)
    {
        if (!m_ok || !m_rest.startsWith(piece))
            return false;
        m_rest = m_rest.sliced(piece.size());
        return true;
    }
    // The bytes before the next end (not taken).
    QByteArrayView upTo(char end)
    {
        const qsizetype at = m_ok ? m_rest.indexOf(end) : -1;
        m_ok = at >= 0;
        if (!m_ok)
            return {};
        const QByteArrayView piece = m_rest.first(at);
        m_rest = m_rest.sliced(at);
        return piece;
    }

private:
    QByteArrayView m_rest;
    bool m_ok = true;
};

// The top-level "sig" member in canonical wire bytes: the last ,"sig":" (see sign()), 0x + 130
// hex digits long; -1 when there is none where canonical bytes have it.
qsizetype signatureMemberAt(QByteArrayView bytes) { return lastIndexOf(bytes, ",\"sig\":\""); }
constexpr qsizetype signatureMemberSize = 8 + 132 + 1;

// The id of canonical wire bytes whose "sig" member begins at signatureAt: the hash of the bytes
// on either side of it, with no copy of them made.
QByteArray idAroundSignature(QByteArrayView bytes, qsizetype signatureAt)
{
    crypto::Keccak256 hasher;
    hasher.update(bytes.first(signatureAt));
    hasher.update(bytes.sliced(signatureAt + signatureMemberSize));
    return hasher.finish();
}

} // namespace

bool isCanonicalUuid(QStringView text)
{
    // 8-4-4-4-12 lowercase hex digits, version 1-5, variant 10xx.
    if (text.size() != 36)
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    const char16_t version = text[14].unicode();
    const char16_t variant = text[19].unicode();
    return version >= u'1' && version <= u'5'
        && (variant == u'8' || variant == u'9' || variant == u'a' || variant == u'b');
}

Expected<Event, ProtocolError> Event::create(const Fields &fields)
{
    if (fields.ref && fields.ref->size() != 32)
        return malformed(QStringLiteral("\"ref\" must be a 32-byte event id"));
    QJsonObject body;
    body.insert(kV, protocolVersion);
    body.insert(kType, typeName(fields.type));
    body.insert(kMeeting, fields.meeting);
    body.insert(kBy, fields.by.toLowerHex());
    if (fields.ref)
        body.insert(kRef, hex::encode(*fields.ref));
    body.insert(kTs, fields.ts);
    body.insert(kContent, fields.content);
    return fromObject(std::move(body));
}

Expected<Event, ProtocolError> Event::fromWire(QByteArrayView bytes)
{
    if (bytes.size() > maxEventBytes)
        return tooLarge(bytes.size());
    return fromWire(bytes.toByteArray());
}

Expected<Event, ProtocolError> Event::fromWire(const QByteArray &bytes)
{
    if (bytes.size() > maxEventBytes)
        return tooLarge(bytes.size());
    if (auto event = fromUsualWire(bytes))
        return std::move(*event);
    return fromWireByBuilding(bytes); // it says exactly what is wrong
}

std::optional<Event> Event::fromUsualWire(const QByteArray &bytes)
{
    // Canonical form fixes an event's layout: the keys sorted, no spaces, and after "content"
    // only plain scalars, so the last ,"meeting":" is the top-level one.
    //   {"by":"0x..","content":{..},"meeting":"..",["ref":"0x..",]"sig":"0x..","ts":N,"type":"..","v":1}
    // Anything else (another member, an escape, a rule broken) is left to the building parser.
    static const QByteArray versionEnd = "\",\"v\":" + QByteArray::number(protocolVersion) + '}';
    const QByteArrayView all(bytes);
    const qsizetype meetingAt = lastIndexOf(all, ",\"meeting\":\"");
    if (meetingAt < 0)
        return std::nullopt;
    Pieces front(all.first(meetingAt));
    front.expect("{\"by\":\"");
    const QByteArrayView by = front.upTo('"');
    front.expect("\",\"content\":");
    const QByteArrayView content = front.rest();
    Pieces back(all.sliced(meetingAt));
    back.expect(",\"meeting\":\"");
    const QByteArrayView meeting = back.upTo('"');
    const bool hasRef = back.skip("\",\"ref\":\"");
    const QByteArrayView ref = hasRef ? back.upTo('"') : QByteArrayView();
    back.expect("\",\"sig\":\"");
    const QByteArrayView sig = back.upTo('"');
    back.expect("\",\"ts\":");
    const QByteArrayView ts = back.upTo(',');
    back.expect(",\"type\":\"");
    const QByteArrayView type = back.upTo('"');
    back.expect(versionEnd);
    if (!front.ok() || !back.atEnd() || !content.startsWith('{') || ts.startsWith('-') || !json::isCanonicalWithPlainKeys(all))
        return std::nullopt;

    Fields fields;
    const auto eventType = typeFromName(QString::fromLatin1(type));
    if (!eventType || (*eventType == EventType::Start ? hasRef : !hasRef && *eventType != EventType::AckError))
        return std::nullopt; // a start has no ref, and all but an ackError have one
    fields.type = *eventType;
    auto byBytes = hex::decodeLowercase(QLatin1StringView(by), crypto::Address::size);
    auto refBytes = hasRef ? hex::decodeLowercase(QLatin1StringView(ref), 32) : std::nullopt;
    fields.meeting = meetingNamed(meeting);
    const auto time = std::from_chars(ts.begin(), ts.end(), fields.ts); // canonical: digits within 2^53
    if (!byBytes || hasRef != refBytes.has_value() || !isCanonicalUuid(fields.meeting) || time.ec != std::errc() || time.ptr != ts.end())
        return std::nullopt;
    fields.by = *crypto::Address::fromBytes(*byBytes);
    fields.ref = std::move(refBytes);
    auto contentObject = json::parseCheckedPart(content); // canonical as a part of all
    const auto signatureBytes = hex::decodeLowercase(QLatin1StringView(sig), crypto::Signature::size);
    auto signature = signatureBytes ? crypto::Signature::fromBytes(*signatureBytes) : unexpected(crypto::CryptoError::InvalidLength);
    if (!contentObject || !contentObject->isObject() || !signature)
        return std::nullopt;
    fields.content = contentObject->toObject();

    Event event;
    const qsizetype at = sig.data() - all.data() - QByteArrayView(",\"sig\":\"").size(); // where ,"sig":" begins
    event.m_id = idAroundSignature(all, at);
    event.m_fields = std::move(fields);
    event.m_signature = *signature;
    event.m_wireBytes = bytes;
    return event;
}

Expected<Event, ProtocolError> Event::fromWireByBuilding(const QByteArray &bytes)
{
    if (bytes.size() > maxEventBytes)
        return tooLarge(bytes.size());
    auto object = parseCanonicalObject(bytes);
    if (!object)
        return unexpected(object.error());
    if (!object->contains(kSig))
        return unexpected(ProtocolError{ErrorCode::MissingSignature, QStringLiteral("event has no \"sig\"")});
    auto signature = signatureFromJson(object->value(kSig));
    if (!signature)
        return unexpected(signature.error());
    object->remove(kSig);
    const qsizetype at = signatureMemberAt(bytes);
    std::optional<QByteArray> id;
    if (at >= 0) // else "sig" comes first: not an event anyway, let the checks say why
        id = idAroundSignature(bytes, at);
    auto event = fromObject(std::move(*object), std::move(id));
    if (!event)
        return event;
    event->m_signature = *signature;
    event->m_wireBytes = bytes;
    return event;
}

Expected<Event, ProtocolError> Event::fromObject(QJsonObject body, std::optional<QByteArray> id)
{
    auto fields = readFields(body);
    if (!fields)
        return unexpected(fields.error());
    Event event;
    if (id) {
        event.m_id = std::move(*id);
    } else {
        auto hashed = json::serialize(body);
        if (!hashed)
            return unexpected(toProtocolError(hashed.error()));
        event.m_hashedBytes = std::move(*hashed);
        event.m_id = objectId(event.m_hashedBytes);
    }
    event.m_fields = std::move(*fields);
    event.m_body = std::move(body);
    return event;
}

QByteArray Event::hashedBytes() const
{
    if (!m_hashedBytes.isEmpty() || m_wireBytes.isEmpty())
        return m_hashedBytes;
    const qsizetype at = signatureMemberAt(m_wireBytes);
    return at < 0 ? QByteArray() : m_wireBytes.first(at) + m_wireBytes.sliced(at + signatureMemberSize);
}

Expected<Ok, ProtocolError> Event::sign(const crypto::PrivateKey &key)
{
    auto signature = signId(m_id, key);
    if (!signature)
        return unexpected(signature.error());
    m_signature = *signature;
    m_signer.reset();
    // Canonical key order puts "sig" right before the top-level "ts", whose member is the last
    // ,"ts": in the bytes (content, meeting and ref come before it; strings can't hold a raw ").
    m_hashedBytes = hashedBytes(); // a received event signed again has only its wire bytes
    const qsizetype at = lastIndexOf(m_hashedBytes, ",\"ts\":");
    m_wireBytes = m_hashedBytes.first(at) + ",\"sig\":\"" + m_signature->toHex().toLatin1() + '"' + m_hashedBytes.sliced(at);
    return Ok{};
}

Expected<crypto::Address, ProtocolError> Event::recoverSigner() const
{
    if (!m_signature)
        return unexpected(ProtocolError{ErrorCode::MissingSignature, QStringLiteral("event is not signed")});
    if (!m_signer)
        m_signer = recoverSignerOfId(m_id, *m_signature);
    return *m_signer;
}

Expected<Ok, ProtocolError> Event::verifySignedBy(const crypto::Address &expected) const
{
    auto signer = recoverSigner();
    if (!signer)
        return unexpected(signer.error());
    if (*signer != expected)
        return unexpected(ProtocolError{ErrorCode::WrongSigner,
                                        QStringLiteral("signed by %1, expected %2")
                                            .arg(signer->toChecksumHex(), expected.toChecksumHex())});
    return Ok{};
}

QString Event::idHex() const { return hex::encode(m_id); }

QJsonObject Event::toJson() const
{
    if (m_body.isEmpty() && !m_wireBytes.isEmpty())
        return *parseCanonicalObject(m_wireBytes); // read without its object: canonical, "sig" included
    QJsonObject object = m_body;
    if (m_signature)
        object.insert(kSig, m_signature->toHex());
    return object;
}

QJsonArray idList(const QList<QByteArray> &ids)
{
    QJsonArray list;
    for (const QByteArray &id : ids)
        list.append(hex::encode(id));
    return list;
}

bool isIdList(const QJsonValue &list, const QList<QByteArray> &ids)
{
    const QJsonArray items = list.toArray();
    if (!list.isArray() || items.size() != ids.size())
        return false;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        // Lowercase "0x" hex of exactly the id's bytes: the one text hex::encode gives.
        const QJsonValue item = items.at(i);
        if (!item.isString() || hex::decodeLowercase(item.toString(), ids.at(i).size()) != ids.at(i))
            return false;
    }
    return true;
}

} // namespace cmeet::protocol
