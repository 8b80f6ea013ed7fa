#pragma once
// Attendance codes (thesis 4.5, DESIGN.md §3): the host shows a short code in the room; a join
// must carry it. The relay stores only a salted scrypt hash, never the code; wrong tries are
// limited per identity and per meeting, and the counters survive a restart.

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "protocol/error.h"
#include "relay/core/relay_database.h"

namespace cmeet::relay {

struct AttendanceLimits {
    int perIdentity = 5;      // wrong codes per identity per window
    int perMeeting = 100;     // wrong codes per meeting per window, all identities together
    qint64 windowMs = 5 * 60 * 1000;
    // Costly enough that a stolen database does not give a code away in a blink, cheap enough
    // for fifty joins in a minute (about 10 ms each). The fuzzer's relay makes it cheap. Not
    // stored with the hashes: a relay keeps one cost for as long as its meetings run.
    crypto::ScryptCost codeCost{1 << 12, 8, 1};
};

class Attendance {
public:
    explicit Attendance(RelayDatabase &database, AttendanceLimits limits = {}) : m_db(database), m_limits(limits) {}

    // 4-12 letters or digits. Replaces the previous code (rotation).
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> setCode(const QString &meeting, const QString &code, qint64 now);
    // AttendanceRateLimited (saying when to retry), WrongAttendanceCode (counted), or Ok.
    [[nodiscard]] Expected<Ok, protocol::ProtocolError> verify(const QString &meeting, const crypto::Address &identity,
                                                               const QString &code, qint64 now);

    [[nodiscard]] static bool isWellFormed(const QString &code);

private:
    struct Window {
        qint64 start = 0;
        int failures = 0;
    };
    [[nodiscard]] Window window(const QString &meeting, const QString &identity, qint64 now);
    void recordFailure(const QString &meeting, const QString &identity, qint64 now);

    RelayDatabase &m_db;
    AttendanceLimits m_limits;
};

} // namespace cmeet::relay
