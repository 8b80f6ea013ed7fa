#pragma once
// What a member hands an auditor: a .cmeet file with the log's exact bytes, the relay's metadata
// of the meeting (its anchor included), the roster's names from the staff directory (shown in
// the report; nobody signed them), the images shown and everyone's approvals so far. No keys.

#include "base/expected.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <functional>

namespace cmeet::client {

class RelayConnection;

// One request to the relay, as the caller's connection makes it.
using RelayCall = std::function<Expected<QJsonValue, QString>(const QString &method, const QJsonObject &params)>;
// Requests over a logged-in connection, blocking (the connection must outlive the calls).
[[nodiscard]] RelayCall callsOver(RelayConnection &connection);

// address -> name of the roster's members in the staff directory (staff.list), for the report.
[[nodiscard]] QJsonObject rosterNames(const QJsonArray &staff, const QJsonArray &roster);

// Writes a new file at path (it must not exist).
[[nodiscard]] Expected<Ok, QString> exportMeetingFile(const RelayCall &call, const QString &meetingId, const QList<QByteArray> &log,
                                                      const QString &path);
// The same over a logged-in connection.
[[nodiscard]] Expected<Ok, QString> exportMeetingFile(RelayConnection &connection, const QString &meetingId, const QList<QByteArray> &log,
                                                      const QString &path);

} // namespace cmeet::client
