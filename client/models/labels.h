#pragma once
// Words and formats the models show for protocol values: patient fields, meeting statuses,
// times in the user's locale. One place, so every view says the same thing.

#include <QString>
#include <QStringList>

namespace cmeet::client {

// The thesis' meeting-specific patient fields (2.3.1.2), in the order the form shows them.
[[nodiscard]] const QStringList &patientFields();
[[nodiscard]] QString patientFieldLabel(const QString &field);

// scheduled, started, ended, cancelled as the user reads them.
[[nodiscard]] QString meetingStatusLabel(const QString &status);
// Scheduled and started meetings are upcoming; ended and cancelled ones are previous.
[[nodiscard]] bool isUpcomingStatus(const QString &status);

// Unix milliseconds in local time: the time of day (the timeline), or date and time (the meetings list).
[[nodiscard]] QString timeOfDayText(qint64 unixMs);
[[nodiscard]] QString dateTimeText(qint64 unixMs);

// A short form of an address for narrow columns: 0x1234…abcd.
[[nodiscard]] QString shortAddress(const QString &address);

} // namespace cmeet::client
