#include "protocol/error.h"

namespace cmeet::protocol {

QString wireCode(ErrorCode code)
{
    switch (code) {
    case ErrorCode::MalformedJson: return QStringLiteral("malformed_json");
    case ErrorCode::NonCanonical: return QStringLiteral("non_canonical");
    case ErrorCode::TooLarge: return QStringLiteral("too_large");
    case ErrorCode::MalformedEvent: return QStringLiteral("malformed_event");
    case ErrorCode::UnsupportedVersion: return QStringLiteral("unsupported_version");
    case ErrorCode::UnknownType: return QStringLiteral("unknown_type");
    case ErrorCode::SchemaViolation: return QStringLiteral("schema_violation");
    case ErrorCode::MissingSignature: return QStringLiteral("missing_signature");
    case ErrorCode::BadSignature: return QStringLiteral("bad_signature");
    case ErrorCode::WrongSigner: return QStringLiteral("wrong_signer");
    case ErrorCode::DelegationInvalid: return QStringLiteral("delegation_invalid");
    case ErrorCode::DelegationExpired: return QStringLiteral("delegation_expired");
    case ErrorCode::DelegationWrongMeeting: return QStringLiteral("delegation_wrong_meeting");
    case ErrorCode::DelegationWrongRelay: return QStringLiteral("delegation_wrong_relay");
    case ErrorCode::InternalError: return QStringLiteral("internal_error");
    }
    return QStringLiteral("internal_error");
}

} // namespace cmeet::protocol
