#include "protocol/error.h"

namespace cmeet::protocol {

QString quoted(QStringView untrusted)
{
    constexpr qsizetype maxCharacters = 64;
    QString out = QStringLiteral("\"");
    for (const QChar c : untrusted.left(maxCharacters)) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    out += untrusted.size() > maxCharacters ? QStringLiteral("...\"") : QStringLiteral("\"");
    return out;
}

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
    case ErrorCode::NotAuthenticated: return QStringLiteral("not_authenticated");
    case ErrorCode::BadRequest: return QStringLiteral("bad_request");
    case ErrorCode::UnknownMethod: return QStringLiteral("unknown_method");
    case ErrorCode::UnknownMeeting: return QStringLiteral("unknown_meeting");
    case ErrorCode::UnknownPatient: return QStringLiteral("unknown_patient");
    case ErrorCode::UnknownStaff: return QStringLiteral("unknown_staff");
    case ErrorCode::NotOnRoster: return QStringLiteral("not_on_roster");
    case ErrorCode::NotHost: return QStringLiteral("not_host");
    case ErrorCode::WrongAuthor: return QStringLiteral("wrong_author");
    case ErrorCode::MeetingNotEditable: return QStringLiteral("meeting_not_editable");
    case ErrorCode::MeetingCancelled: return QStringLiteral("meeting_cancelled");
    case ErrorCode::NotStarted: return QStringLiteral("not_started");
    case ErrorCode::AlreadyStarted: return QStringLiteral("already_started");
    case ErrorCode::MeetingEnded: return QStringLiteral("meeting_ended");
    case ErrorCode::MeetingMismatch: return QStringLiteral("meeting_mismatch");
    case ErrorCode::TimestampOutOfRange: return QStringLiteral("timestamp_out_of_range");
    case ErrorCode::DuplicateEvent: return QStringLiteral("duplicate_event");
    case ErrorCode::UnknownRef: return QStringLiteral("unknown_ref");
    case ErrorCode::WrongRefType: return QStringLiteral("wrong_ref_type");
    case ErrorCode::RelayOnlyType: return QStringLiteral("relay_only_type");
    case ErrorCode::NotJoined: return QStringLiteral("not_joined");
    case ErrorCode::AlreadyJoined: return QStringLiteral("already_joined");
    case ErrorCode::SessionKeyInUse: return QStringLiteral("session_key_in_use");
    case ErrorCode::MissingAttendanceCode: return QStringLiteral("missing_attendance_code");
    case ErrorCode::WrongAttendanceCode: return QStringLiteral("wrong_attendance_code");
    case ErrorCode::AttendanceRateLimited: return QStringLiteral("attendance_rate_limited");
    case ErrorCode::PollClosed: return QStringLiteral("poll_closed");
    case ErrorCode::PollOpen: return QStringLiteral("poll_open");
    case ErrorCode::AlreadyVoted: return QStringLiteral("already_voted");
    case ErrorCode::VotingKeyMismatch: return QStringLiteral("voting_key_mismatch");
    case ErrorCode::InvalidVotingKey: return QStringLiteral("invalid_voting_key");
    case ErrorCode::PatientNotOnAgenda: return QStringLiteral("patient_not_on_agenda");
    case ErrorCode::StalePatientData: return QStringLiteral("stale_patient_data");
    case ErrorCode::StorageError: return QStringLiteral("storage_error");
    case ErrorCode::MeetingNotEnded: return QStringLiteral("meeting_not_ended");
    case ErrorCode::AnchoringUnavailable: return QStringLiteral("anchoring_unavailable");
    case ErrorCode::AlreadyApproved: return QStringLiteral("already_approved");
    case ErrorCode::MeetingFull: return QStringLiteral("meeting_full");
    case ErrorCode::KeyNotActive: return QStringLiteral("key_not_active");
    case ErrorCode::IdentityRegistryStale: return QStringLiteral("identity_registry_stale");
    case ErrorCode::ImageNotStored: return QStringLiteral("image_not_stored");
    case ErrorCode::ImageMismatch: return QStringLiteral("image_mismatch");
    case ErrorCode::ImageHashMismatch: return QStringLiteral("image_hash_mismatch");
    case ErrorCode::ImageTooLarge: return QStringLiteral("image_too_large");
    case ErrorCode::ImageQuotaExceeded: return QStringLiteral("image_quota_exceeded");
    case ErrorCode::UnsupportedMediaType: return QStringLiteral("unsupported_media_type");
    case ErrorCode::UnknownUpload: return QStringLiteral("unknown_upload");
    case ErrorCode::InternalError: return QStringLiteral("internal_error");
    }
    return QStringLiteral("internal_error");
}

} // namespace cmeet::protocol
