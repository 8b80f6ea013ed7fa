#include "protocol/signing.h"

#include "crypto/keccak.h"

namespace cmeet::protocol {

QByteArray objectId(QByteArrayView canonicalBytes) { return crypto::keccak256(canonicalBytes); }

Expected<crypto::Signature, ProtocolError> signId(QByteArrayView id, const crypto::PrivateKey &key)
{
    auto signature = key.sign(crypto::eip191Hash(id));
    if (!signature)
        return unexpected(ProtocolError{ErrorCode::InternalError, crypto::describe(signature.error())});
    return *signature;
}

Expected<crypto::Address, ProtocolError> recoverSignerOfId(QByteArrayView id, const crypto::Signature &signature)
{
    auto signer = crypto::recoverAddress(crypto::eip191Hash(id), signature);
    if (!signer)
        return unexpected(ProtocolError{ErrorCode::BadSignature, crypto::describe(signer.error())});
    return *signer;
}

Expected<crypto::Signature, ProtocolError> signatureFromJson(const QJsonValue &value)
{
    if (!value.isString())
        return unexpected(ProtocolError{ErrorCode::MissingSignature, QStringLiteral("\"sig\" is missing or not a string")});
    auto signature = crypto::Signature::fromHex(value.toString());
    if (!signature) {
        const QString why = signature.error() == crypto::CryptoError::InvalidLength
            ? QStringLiteral("\"sig\" must be 0x + 130 lowercase hex digits")
            : crypto::describe(signature.error());
        return unexpected(ProtocolError{ErrorCode::BadSignature, why});
    }
    return *signature;
}

ProtocolError toProtocolError(const json::JsonError &error)
{
    switch (error.code) {
    case json::JsonErrorCode::Empty:
    case json::JsonErrorCode::UnexpectedCharacter:
    case json::JsonErrorCode::TrailingData:
    case json::JsonErrorCode::UnterminatedString:
    case json::JsonErrorCode::ControlCharacter:
    case json::JsonErrorCode::InvalidEscape:
    case json::JsonErrorCode::InvalidUtf8:
    case json::JsonErrorCode::LeadingZero:
    case json::JsonErrorCode::TooDeep:
        return {ErrorCode::MalformedJson, json::codeName(error.code) + QStringLiteral(": ") + error.detail};
    default:
        return {ErrorCode::NonCanonical, json::codeName(error.code) + QStringLiteral(": ") + error.detail};
    }
}

Expected<QJsonObject, ProtocolError> parseCanonicalObject(QByteArrayView bytes)
{
    auto value = json::parseCanonical(bytes);
    if (!value)
        return unexpected(toProtocolError(value.error()));
    if (!value->isObject())
        return unexpected(ProtocolError{ErrorCode::MalformedEvent, QStringLiteral("expected a JSON object")});
    return value->toObject();
}

} // namespace cmeet::protocol
