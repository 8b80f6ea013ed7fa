#pragma once
// Protocol errors and the one place that maps them to stable wire codes (sent in ackError).

#include "base/expected.h"

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
    // Relay rules (DESIGN.md §3) and requests
    NotAuthenticated,     // the connection has not logged in
    BadRequest,           // a request message that is not what the method expects
    UnknownMethod,
    UnknownMeeting,
    UnknownPatient,
    UnknownStaff,
    NotOnRoster,
    NotHost,
    WrongAuthor,          // "by" is not the logged-in identity
    MeetingNotEditable,   // started, ended or cancelled meetings can't be edited
    MeetingCancelled,
    NotStarted,
    AlreadyStarted,
    MeetingEnded,
    MeetingMismatch,      // the start's roster or agenda differ from the scheduled meeting
    TimestampOutOfRange,  // ts more than 10 s from the relay's clock
    DuplicateEvent,
    UnknownRef,           // ref is not an event of this meeting
    WrongRefType,         // e.g. a vote that does not ref a poll
    RelayOnlyType,        // acknowledgements are written by the relay only
    NotJoined,
    AlreadyJoined,
    SessionKeyInUse,      // a join whose session key another member already uses
    MissingAttendanceCode,
    WrongAttendanceCode,
    AttendanceRateLimited,
    PollClosed,
    PollOpen,             // end while a poll is still open
    AlreadyVoted,
    VotingKeyMismatch,    // pollEnd secret does not match the poll's public key
    InvalidVotingKey,     // a poll's votingKey is not a point on secp256k1: no secret could end it
    PatientNotOnAgenda,
    StalePatientData,     // patientDataChange "from" is not the current value
    StorageError,         // the relay could not store the event; nothing changed
    MeetingNotEnded,      // approvals are of a meeting's final record
    AnchoringUnavailable, // this relay has no chain configured
    AlreadyApproved,
    MeetingFull,          // the meeting holds the most events one meeting can
    KeyNotActive,         // the signing key is not an active key of the identity (identity registry)
    IdentityRegistryStale, // the relay's copy of the identity registry is too old to trust
    // Images shown in a meeting (docs/relay-protocol.md §4.1)
    ImageNotStored,       // an image event whose bytes were never uploaded to this meeting
    ImageMismatch,        // an image event whose size or media type differ from the stored bytes'
    ImageHashMismatch,    // an upload whose bytes do not hash to the SHA-256 it declared
    ImageTooLarge,        // over the relay's limit per file
    ImageQuotaExceeded,   // the meeting's images would exceed the relay's limit per meeting
    UnsupportedMediaType, // not DICOM, PNG or JPEG, or the bytes are not of the declared type
    UnknownUpload,        // no such upload in progress for the caller (finished, refused, or the relay restarted)
    InternalError,
};

struct ProtocolError {
    ErrorCode code;
    QString detail; // human-readable; never contains secrets
};

// The usual way to return a protocol error from a function returning Expected.
[[nodiscard]] inline auto fail(ErrorCode code, const QString &detail) { return Unexpected<ProtocolError>{ProtocolError{code, detail}}; }

// Untrusted text (a key, a type name) made safe to put in a detail: quoted, at most 64
// characters, control characters shown as \uXXXX. Details go to logs, terminals and ackErrors.
[[nodiscard]] QString quoted(QStringView untrusted);

// Stable snake_case names used on the wire; never change an existing one.
[[nodiscard]] QString wireCode(ErrorCode code);

} // namespace cmeet::protocol
