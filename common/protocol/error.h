#pragma once
// Protocol errors and the one place that maps them to stable wire codes (sent in ackError).

#include <QString>

namespace cmeet::protocol {

enum class ErrorCode {
    MalformedJson,      // not JSON at all
    NonCanonical,       // JSON, but not the one canonical encoding (or outside the allowed subset)
    TooLarge,           // over maxEventBytes
    MalformedEvent,     // envelope fields missing or of the wrong kind
    UnsupportedVersion, // v is not a version we speak
    UnknownType,        // type is not one of the protocol's types
    SchemaViolation,    // envelope or content does not match its JSON Schema
    MissingSignature,
    BadSignature,       // not a valid low-s recoverable signature, or does not recover
    WrongSigner,        // signature valid but by a key other than the expected one
    DelegationInvalid,  // delegation malformed or not signed by its identity
    DelegationExpired,
    DelegationWrongMeeting,
    DelegationWrongRelay,
    InternalError,
};

struct ProtocolError {
    ErrorCode code;
    QString detail; // human-readable; never contains secrets
};

// Stable snake_case names used on the wire; never change an existing one.
[[nodiscard]] QString wireCode(ErrorCode code);

} // namespace cmeet::protocol
