#pragma once
// Meetings held for benchmarks: on a fresh local cmeet-relay by simulated participants, exported
// as cmeet-cli export does.

#include "client/core/simulation.h"

#include <QString>

namespace cmeet::bench {

// Dies with a message on stderr (a benchmark cannot go on without its meeting).
[[noreturn]] void die(const QString &program, const QString &why);

// Holds the scenario's meeting and exports it to path; returns the number of log entries.
qint64 holdMeeting(const client::Scenario &scenario, const QString &path);

// The "full meeting" of the thesis' scenario: as many comments as fit under the relay's
// 12,000-event cap.
[[nodiscard]] client::Scenario fullMeeting();

} // namespace cmeet::bench
