#include "relay/core/attendance.h"

#include "crypto/hash.h"
#include "crypto/secret.h"

#include <QVariant>

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;
using protocol::ProtocolError;

const QString wholeMeeting = QStringLiteral("*");

Expected<crypto::SecretBytes, crypto::CryptoError> hashCode(const QString &code, QByteArrayView salt, crypto::ScryptCost cost)
{
    return crypto::scrypt(code.toUtf8(), salt, cost, 32);
}

} // namespace

bool Attendance::isWellFormed(const QString &code)
{
    if (code.size() < 4 || code.size() > 12)
        return false;
    return std::all_of(code.begin(), code.end(), [](QChar c) { return c.isLetterOrNumber() && c.unicode() < 128; });
}

Expected<Ok, ProtocolError> Attendance::setCode(const QString &meeting, const QString &code, qint64 now)
{
    if (!isWellFormed(code))
        return unexpected(ProtocolError{ErrorCode::BadRequest, QStringLiteral("an attendance code is 4-12 letters or digits")});
    auto salt = crypto::randomBytes(16);
    auto hash = salt ? hashCode(code, *salt, m_limits.codeCost) : unexpected(salt.error());
    if (!hash)
        return unexpected(ProtocolError{ErrorCode::InternalError, crypto::describe(hash.error())});
    auto stored = m_db.run(QStringLiteral("INSERT INTO attendance(meeting, salt, code_hash, rotated_at) VALUES (?, ?, ?, ?) "
                                          "ON CONFLICT(meeting) DO UPDATE SET salt = excluded.salt, code_hash = excluded.code_hash, "
                                          "rotated_at = excluded.rotated_at"),
                           {meeting, *salt, hash->view().toByteArray(), now});
    if (!stored)
        return unexpected(ProtocolError{ErrorCode::StorageError, stored.error().detail});
    // A new code ends a meeting-wide lockout (one member guessing must not keep everyone out);
    // each identity's own count stays.
    auto reset = m_db.run(QStringLiteral("DELETE FROM attendance_failures WHERE meeting = ? AND identity = ?"), {meeting, wholeMeeting});
    if (!reset)
        return unexpected(ProtocolError{ErrorCode::StorageError, reset.error().detail});
    return Ok{};
}

Attendance::Window Attendance::window(const QString &meeting, const QString &identity, qint64 now)
{
    auto query = m_db.run(QStringLiteral("SELECT window_start, failures FROM attendance_failures WHERE meeting = ? AND identity = ?"),
                          {meeting, identity});
    if (!query || !query->next())
        return {now, 0};
    const Window stored{query->value(0).toLongLong(), query->value(1).toInt()};
    return now - stored.start >= m_limits.windowMs ? Window{now, 0} : stored;
}

void Attendance::recordFailure(const QString &meeting, const QString &identity, qint64 now)
{
    const Window current = window(meeting, identity, now);
    (void)m_db.run(QStringLiteral("INSERT INTO attendance_failures(meeting, identity, window_start, failures) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT(meeting, identity) DO UPDATE SET window_start = excluded.window_start, "
                                  "failures = excluded.failures"),
                   {meeting, identity, current.start, current.failures + 1});
}

Expected<Ok, ProtocolError> Attendance::verify(const QString &meeting, const crypto::Address &identity, const QString &code,
                                               qint64 now)
{
    const QString who = identity.toLowerHex();
    for (const auto &[scope, limit] : {std::pair{who, m_limits.perIdentity}, std::pair{wholeMeeting, m_limits.perMeeting}}) {
        const Window current = window(meeting, scope, now);
        if (current.failures >= limit) {
            const qint64 retryAfter = current.start + m_limits.windowMs - now;
            return unexpected(ProtocolError{ErrorCode::AttendanceRateLimited,
                                            QStringLiteral("too many wrong attendance codes%1; retry in %2 s")
                                                .arg(scope == wholeMeeting ? QStringLiteral(" for this meeting") : QString())
                                                .arg((retryAfter + 999) / 1000)});
        }
    }
    if (code.isEmpty())
        return unexpected(ProtocolError{ErrorCode::MissingAttendanceCode, QStringLiteral("a join needs the attendance code shown in the room")});
    auto query = m_db.run(QStringLiteral("SELECT salt, code_hash FROM attendance WHERE meeting = ?"), {meeting});
    if (!query || !query->next())
        return unexpected(ProtocolError{ErrorCode::NotStarted, QStringLiteral("the meeting has no attendance code yet")});
    const QByteArray salt = query->value(0).toByteArray();
    const QByteArray expected = query->value(1).toByteArray();
    auto hash = isWellFormed(code) ? hashCode(code, salt, m_limits.codeCost) : unexpected(crypto::CryptoError::InvalidLength);
    if (!hash || !hash->equals(expected)) { // constant-time comparison
        recordFailure(meeting, who, now);
        recordFailure(meeting, wholeMeeting, now);
        return unexpected(ProtocolError{ErrorCode::WrongAttendanceCode, QStringLiteral("wrong attendance code")});
    }
    return Ok{};
}

} // namespace cmeet::relay
