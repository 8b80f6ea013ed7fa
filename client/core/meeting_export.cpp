#include "client/core/meeting_export.h"

#include "client/core/meeting_images.h"
#include "client/core/relay_connection.h"
#include "store/meeting_file.h"

#include <QJsonArray>

namespace cmeet::client {

QJsonObject rosterNames(const QJsonArray &staff, const QJsonArray &roster)
{
    QJsonObject names;
    for (const QJsonValue &member : staff) {
        const QString address = member[QStringLiteral("address")].toString().toLower();
        if (roster.contains(address))
            names.insert(address, member[QStringLiteral("name")].toString());
    }
    return names;
}

Expected<Ok, QString> exportMeetingFile(const RelayCall &call, const QString &meetingId, const QList<QByteArray> &log, const QString &path)
{
    auto meeting = call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meetingId}});
    if (!meeting)
        return unexpected(QStringLiteral("meeting.get: ") + meeting.error());
    QJsonObject metadata = meeting->toObject();
    if (auto staff = call(QStringLiteral("staff.list"), {}))
        metadata.insert(QStringLiteral("names"), rosterNames(staff->toArray(), metadata.value(QStringLiteral("roster")).toArray()));
    // without the directory the report shows addresses
    auto file = store::MeetingFile::create(path, metadata);
    if (!file)
        return unexpected(file.error().detail);
    if (auto ok = (*file)->appendLog(log); !ok)
        return unexpected(ok.error().detail);
    // The images shown: an auditor sees exactly what the participants saw.
    QList<protocol::Event> events;
    for (const QByteArray &bytes : log)
        if (auto event = protocol::Event::fromWire(bytes); event && event->type() == protocol::EventType::Image)
            events.append(*event);
    if (auto images = fetchImages(call, **file, events); !images)
        return unexpected(images.error());
    // Everyone's approvals so far, as the relay holds them: auditors check each one.
    auto approvals = call(QStringLiteral("meeting.approvals"), {{QStringLiteral("id"), meetingId}});
    if (!approvals)
        return unexpected(QStringLiteral("meeting.approvals: ") + approvals.error());
    for (const QJsonValue &approval : approvals->toArray()) {
        if (auto ok = (*file)->putApproval({approval[QStringLiteral("identity")].toString(), approval[QStringLiteral("signature")].toString(), {}}); !ok)
            return unexpected(ok.error().detail);
    }
    return Ok{};
}

RelayCall callsOver(RelayConnection &connection)
{
    return [&connection](const QString &method, const QJsonObject &params) -> Expected<QJsonValue, QString> {
        auto answer = connection.call(method, params);
        if (!answer)
            return unexpected(answer.error().detail);
        return *answer;
    };
}

Expected<Ok, QString> exportMeetingFile(RelayConnection &connection, const QString &meetingId, const QList<QByteArray> &log, const QString &path)
{
    return exportMeetingFile(callsOver(connection), meetingId, log, path);
}

} // namespace cmeet::client
