#include "protocol/delegation.h"

#include "base/hex.h"
#include "crypto/secret.h"
#include "protocol/canonical_json.h"
#include "protocol/event.h"
#include "protocol/signing.h"

namespace cmeet::protocol {
namespace {

const QString kPurpose = QStringLiteral("purpose");
const QString kPurposeValue = QStringLiteral("cmeet-delegation");
const QString kIdentity = QStringLiteral("identity");
const QString kSession = QStringLiteral("session");
const QString kMeeting = QStringLiteral("meeting");
const QString kRelay = QStringLiteral("relay");
const QString kExpires = QStringLiteral("expires");
const QString kNonce = QStringLiteral("nonce");
const QString kSig = QStringLiteral("sig");
constexpr qsizetype nonceSize = 16;

Unexpected<ProtocolError> invalid(const QString &detail)
{
    return unexpected(ProtocolError{ErrorCode::DelegationInvalid, detail});
}

std::optional<crypto::Address> readAddress(const QJsonObject &object, const QString &key)
{
    const QJsonValue value = object.value(key);
    if (!value.isString())
        return std::nullopt;
    auto bytes = hex::decodeLowercase(value.toString(), crypto::Address::size);
    if (!bytes)
        return std::nullopt;
    return *crypto::Address::fromBytes(*bytes);
}

QJsonObject bodyOf(const Delegation::Fields &fields)
{
    QJsonObject body;
    body.insert(kPurpose, kPurposeValue);
    body.insert(kIdentity, fields.identity.toLowerHex());
    body.insert(kSession, fields.session.toLowerHex());
    body.insert(kMeeting, fields.meeting);
    body.insert(kRelay, fields.relay.toLowerHex());
    body.insert(kExpires, fields.expires);
    body.insert(kNonce, hex::encode(fields.nonce));
    return body;
}

Expected<Ok, ProtocolError> checkFields(const Delegation::Fields &fields)
{
    if (!isCanonicalUuid(fields.meeting))
        return invalid(QStringLiteral("\"meeting\" must be a lowercase RFC 4122 UUID"));
    if (fields.expires < 0 || fields.expires > json::maxSafeInteger)
        return invalid(QStringLiteral("\"expires\" must be a non-negative integer (Unix milliseconds)"));
    if (fields.nonce.size() != nonceSize)
        return invalid(QStringLiteral("\"nonce\" must be 16 bytes (0x + 32 lowercase hex digits)"));
    return Ok{};
}

} // namespace

Expected<Delegation, ProtocolError> Delegation::create(const Fields &fields, const crypto::PrivateKey &signingKey, SignerRule rule)
{
    if (auto ok = checkFields(fields); !ok)
        return unexpected(ok.error());
    if (rule == SignerRule::IdentityKey && signingKey.address() != fields.identity)
        return unexpected(ProtocolError{ErrorCode::WrongSigner, QStringLiteral("the signing key is not the identity's key")});
    Delegation delegation;
    delegation.m_fields = fields;
    delegation.m_body = bodyOf(fields);
    auto bytes = json::serialize(delegation.m_body);
    if (!bytes)
        return unexpected(toProtocolError(bytes.error()));
    delegation.m_id = objectId(*bytes);
    auto signature = signId(delegation.m_id, signingKey);
    if (!signature)
        return unexpected(signature.error());
    delegation.m_signature = *signature;
    delegation.m_signer = signingKey.address();
    return delegation;
}

Expected<Delegation, ProtocolError> Delegation::create(const crypto::PrivateKey &identityKey,
                                                       const crypto::Address &session, const QString &meeting,
                                                       const crypto::Address &relay, qint64 expires)
{
    return create(identityKey.address(), identityKey, session, meeting, relay, expires);
}

Expected<Delegation, ProtocolError> Delegation::create(const crypto::Address &identity, const crypto::PrivateKey &signingKey,
                                                       const crypto::Address &session, const QString &meeting,
                                                       const crypto::Address &relay, qint64 expires)
{
    auto nonce = crypto::randomBytes(nonceSize);
    if (!nonce)
        return unexpected(ProtocolError{ErrorCode::InternalError, crypto::describe(nonce.error())});
    return create(Fields{identity, session, meeting, relay, expires, *nonce}, signingKey, SignerRule::AnyKey);
}

Expected<Delegation, ProtocolError> Delegation::fromJson(const QJsonObject &object, SignerRule rule)
{
    const QStringList known = {kPurpose, kIdentity, kSession, kMeeting, kRelay, kExpires, kNonce, kSig};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            return invalid(QStringLiteral("unknown member %1").arg(quoted(it.key())));
    }
    if (object.value(kPurpose).toString() != kPurposeValue)
        return invalid(QStringLiteral("\"purpose\" must be \"cmeet-delegation\""));
    Fields fields;
    const auto identity = readAddress(object, kIdentity);
    const auto session = readAddress(object, kSession);
    const auto relay = readAddress(object, kRelay);
    if (!identity || !session || !relay)
        return invalid(QStringLiteral("\"identity\", \"session\" and \"relay\" must be addresses (0x + 40 lowercase hex)"));
    fields.identity = *identity;
    fields.session = *session;
    fields.relay = *relay;
    fields.meeting = object.value(kMeeting).toString();
    const QJsonValue expires = object.value(kExpires);
    if (!expires.isDouble() || static_cast<double>(expires.toInteger()) != expires.toDouble())
        return invalid(QStringLiteral("\"expires\" must be an integer"));
    fields.expires = expires.toInteger();
    const QJsonValue nonce = object.value(kNonce);
    fields.nonce = nonce.isString() ? hex::decodeLowercase(nonce.toString()).value_or(QByteArray()) : QByteArray();
    if (auto ok = checkFields(fields); !ok)
        return unexpected(ok.error());
    auto signature = signatureFromJson(object.value(kSig));
    if (!signature)
        return invalid(QStringLiteral("delegation signature: ") + signature.error().detail);

    Delegation delegation;
    delegation.m_fields = std::move(fields);
    delegation.m_body = bodyOf(delegation.m_fields);
    auto bytes = json::serialize(delegation.m_body);
    if (!bytes)
        return unexpected(toProtocolError(bytes.error()));
    delegation.m_id = objectId(*bytes);
    auto signer = recoverSignerOfId(delegation.m_id, *signature);
    if (!signer)
        return invalid(QStringLiteral("delegation signature: ") + signer.error().detail);
    if (rule == SignerRule::IdentityKey && *signer != delegation.m_fields.identity)
        return invalid(QStringLiteral("delegation is not signed by its identity"));
    delegation.m_signature = *signature;
    delegation.m_signer = *signer;
    return delegation;
}

Expected<Ok, ProtocolError> Delegation::checkFor(QStringView meeting, const crypto::Address &relay, qint64 nowMs) const
{
    if (m_fields.meeting != meeting)
        return unexpected(ProtocolError{ErrorCode::DelegationWrongMeeting,
                                        QStringLiteral("delegation is for meeting %1").arg(m_fields.meeting)});
    if (m_fields.relay != relay)
        return unexpected(ProtocolError{ErrorCode::DelegationWrongRelay,
                                        QStringLiteral("delegation is for relay %1").arg(m_fields.relay.toChecksumHex())});
    if (nowMs >= m_fields.expires)
        return unexpected(ProtocolError{ErrorCode::DelegationExpired,
                                        QStringLiteral("delegation expired at %1 ms").arg(m_fields.expires)});
    return Ok{};
}

QJsonObject Delegation::toJson() const
{
    QJsonObject object = m_body;
    object.insert(kSig, m_signature->toHex());
    return object;
}

} // namespace cmeet::protocol
