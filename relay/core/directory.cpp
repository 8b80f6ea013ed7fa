#include "relay/core/directory.h"

#include "protocol/event.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUuid>
#include <QVariant>

namespace cmeet::relay {
namespace {

using protocol::ErrorCode;

using protocol::fail;

Unexpected<ProtocolError> storageFailure(const DatabaseError &error)
{
    return fail(ErrorCode::StorageError, QStringLiteral("storage failed: ") + error.detail);
}

std::optional<MeetingStatus> statusFromName(const QString &name)
{
    for (const MeetingStatus status : {MeetingStatus::Scheduled, MeetingStatus::Started, MeetingStatus::Ended,
                                       MeetingStatus::Cancelled}) {
        if (statusName(status) == name)
            return status;
    }
    return std::nullopt;
}

crypto::Address addressOf(const QVariant &value)
{
    return crypto::Address::fromHex(value.toString()).value_or(crypto::Address());
}

// A meeting's own columns, as meetingFromRow reads them; its roster and agenda are rows of their own.
const QString meetingColumns = QStringLiteral("title, description, scheduled_at, host, status, created_at");

Meeting meetingFromRow(const QString &id, const QSqlQuery &row, int first)
{
    Meeting meeting;
    meeting.id = id;
    meeting.details.title = row.value(first).toString();
    meeting.details.description = row.value(first + 1).toString();
    meeting.details.scheduledAt = row.value(first + 2).toLongLong();
    meeting.host = addressOf(row.value(first + 3));
    meeting.status = statusFromName(row.value(first + 4).toString()).value_or(MeetingStatus::Cancelled);
    meeting.createdAt = row.value(first + 5).toLongLong();
    return meeting;
}

} // namespace

QString statusName(MeetingStatus status)
{
    switch (status) {
    case MeetingStatus::Scheduled: return QStringLiteral("scheduled");
    case MeetingStatus::Started: return QStringLiteral("started");
    case MeetingStatus::Ended: return QStringLiteral("ended");
    case MeetingStatus::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

const QStringList &patientDataFields()
{
    static const QStringList fields = {QStringLiteral("group"),       QStringLiteral("mdtOutcome"),
                                       QStringLiteral("investigation"), QStringLiteral("questionsForMdt"),
                                       QStringLiteral("surgery"),     QStringLiteral("mainOpinion"),
                                       QStringLiteral("lc")};
    return fields;
}

QJsonObject Meeting::toJson() const
{
    QJsonArray roster;
    for (const crypto::Address &member : details.roster)
        roster.append(member.toLowerHex());
    QJsonObject json{{QStringLiteral("id"), id},
                     {QStringLiteral("title"), details.title},
                     {QStringLiteral("scheduledAt"), details.scheduledAt},
                     {QStringLiteral("host"), host.toLowerHex()},
                     {QStringLiteral("status"), statusName(status)},
                     {QStringLiteral("createdAt"), createdAt},
                     {QStringLiteral("roster"), roster},
                     {QStringLiteral("agenda"), QJsonArray::fromStringList(details.agenda)}};
    // Only when there is one, as in a start's content (1-5000 characters): copied as it is.
    if (!details.description.isEmpty())
        json.insert(QStringLiteral("description"), details.description);
    return json;
}

// ---- staff and patients ----

Expected<Ok, ProtocolError> Directory::upsertStaff(const StaffMember &member)
{
    if (member.name.trimmed().isEmpty() || (member.role != QStringLiteral("staff") && member.role != QStringLiteral("admin")))
        return fail(ErrorCode::BadRequest, QStringLiteral("staff need a name and the role \"staff\" or \"admin\""));
    auto ok = m_db.run(QStringLiteral("INSERT INTO staff(address, name, role) VALUES (?, ?, ?) "
                                      "ON CONFLICT(address) DO UPDATE SET name = excluded.name, role = excluded.role"),
                       {member.address.toLowerHex(), member.name, member.role});
    if (!ok)
        return storageFailure(ok.error());
    return Ok{};
}

Expected<Ok, ProtocolError> Directory::upsertPatient(const Patient &patient)
{
    static const QRegularExpression idPattern(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!idPattern.match(patient.id).hasMatch() || patient.name.trimmed().isEmpty())
        return fail(ErrorCode::BadRequest, QStringLiteral("patient ids are 1-64 of A-Z a-z 0-9 . _ - and patients need a name"));
    auto ok = m_db.run(QStringLiteral("INSERT INTO patients(id, name, birth_date, hospital_number) VALUES (?, ?, ?, ?) "
                                      "ON CONFLICT(id) DO UPDATE SET name = excluded.name, birth_date = excluded.birth_date, "
                                      "hospital_number = excluded.hospital_number"),
                       {patient.id, patient.name, patient.birthDate, patient.hospitalNumber});
    if (!ok)
        return storageFailure(ok.error());
    return Ok{};
}

std::optional<StaffMember> Directory::staffMember(const crypto::Address &address)
{
    auto query = m_db.run(QStringLiteral("SELECT name, role FROM staff WHERE address = ?"), {address.toLowerHex()});
    if (!query || !query->next())
        return std::nullopt;
    return StaffMember{address, query->value(0).toString(), query->value(1).toString()};
}

QList<StaffMember> Directory::staff()
{
    QList<StaffMember> out;
    auto query = m_db.run(QStringLiteral("SELECT address, name, role FROM staff ORDER BY name"));
    while (query && query->next())
        out.append({addressOf(query->value(0)), query->value(1).toString(), query->value(2).toString()});
    return out;
}

QList<Patient> Directory::patients()
{
    QList<Patient> out;
    auto query = m_db.run(QStringLiteral("SELECT id, name, birth_date, hospital_number FROM patients ORDER BY id"));
    while (query && query->next())
        out.append({query->value(0).toString(), query->value(1).toString(), query->value(2).toString(),
                    query->value(3).toString()});
    return out;
}

// ---- meetings ----

Expected<Ok, ProtocolError> Directory::checkDraft(const MeetingDraft &draft)
{
    if (draft.title.trimmed().isEmpty() || draft.title.size() > 200)
        return fail(ErrorCode::BadRequest, QStringLiteral("a meeting needs a title of 1-200 characters"));
    if (draft.description.size() > 5000)
        return fail(ErrorCode::BadRequest, QStringLiteral("the description is longer than 5000 characters"));
    if (draft.scheduledAt <= 0)
        return fail(ErrorCode::BadRequest, QStringLiteral("scheduledAt must be a Unix time in milliseconds"));
    if (draft.roster.size() > 1000 || draft.agenda.size() > 200)
        return fail(ErrorCode::BadRequest, QStringLiteral("at most 1000 roster members and 200 agenda patients"));
    for (const crypto::Address &member : draft.roster) {
        if (!staffMember(member))
            return fail(ErrorCode::UnknownStaff, QStringLiteral("%1 is not in the staff directory").arg(member.toChecksumHex()));
    }
    QStringList seen;
    for (const QString &patient : draft.agenda) {
        auto query = m_db.run(QStringLiteral("SELECT 1 FROM patients WHERE id = ?"), {patient});
        if (!query || !query->next())
            return fail(ErrorCode::UnknownPatient, QStringLiteral("patient %1 is not in the directory").arg(patient));
        if (seen.contains(patient))
            return fail(ErrorCode::BadRequest, QStringLiteral("patient %1 is twice on the agenda").arg(patient));
        seen.append(patient);
    }
    return Ok{};
}

Expected<Ok, ProtocolError> Directory::writeRosterAndAgenda(const QString &id, const MeetingDraft &draft)
{
    for (const QString &table : {QStringLiteral("meeting_roster"), QStringLiteral("meeting_agenda")}) {
        if (auto ok = m_db.run(QStringLiteral("DELETE FROM %1 WHERE meeting = ?").arg(table), {id}); !ok)
            return storageFailure(ok.error());
    }
    for (qsizetype i = 0; i < draft.roster.size(); ++i) {
        if (auto ok = m_db.run(QStringLiteral("INSERT INTO meeting_roster(meeting, member, position) VALUES (?, ?, ?)"), {id, draft.roster.at(i).toLowerHex(), i});
            !ok)
            return storageFailure(ok.error());
    }
    for (qsizetype i = 0; i < draft.agenda.size(); ++i) {
        if (auto ok = m_db.run(QStringLiteral("INSERT INTO meeting_agenda(meeting, position, patient) VALUES (?, ?, ?)"),
                               {id, i, draft.agenda.at(i)});
            !ok)
            return storageFailure(ok.error());
    }
    return Ok{};
}

Expected<Meeting, ProtocolError> Directory::createMeeting(const crypto::Address &caller, const MeetingDraft &draft, qint64 now)
{
    if (!staffMember(caller))
        return fail(ErrorCode::UnknownStaff, QStringLiteral("only staff in the directory can create meetings"));
    MeetingDraft withHost = draft;
    if (!withHost.roster.contains(caller))
        withHost.roster.prepend(caller);
    if (auto ok = checkDraft(withHost); !ok)
        return unexpected(ok.error());
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (!m_db.begin())
        return fail(ErrorCode::StorageError, QStringLiteral("cannot begin a transaction"));
    auto inserted = m_db.run(QStringLiteral("INSERT INTO meetings(id, title, description, scheduled_at, host, status, created_at, number) "
                                            "VALUES (?, ?, ?, ?, ?, 'scheduled', ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM meetings))"),
                             {id, withHost.title, withHost.description, withHost.scheduledAt, caller.toLowerHex(), now});
    if (!inserted) {
        m_db.rollback();
        return storageFailure(inserted.error());
    }
    if (auto ok = writeRosterAndAgenda(id, withHost); !ok) {
        m_db.rollback();
        return unexpected(ok.error());
    }
    if (!m_db.commit()) {
        m_db.rollback();
        return fail(ErrorCode::StorageError, QStringLiteral("cannot commit the new meeting"));
    }
    return *loadMeeting(id);
}

Expected<Meeting, ProtocolError> Directory::hostedScheduledMeeting(const crypto::Address &caller, const QString &id)
{
    auto found = meeting(caller, id);
    if (!found)
        return found;
    if (found->host != caller)
        return fail(ErrorCode::NotHost, QStringLiteral("only the host can change this meeting"));
    if (found->status != MeetingStatus::Scheduled)
        return fail(ErrorCode::MeetingNotEditable,
                    QStringLiteral("the meeting is %1 and can no longer be changed").arg(statusName(found->status)));
    return found;
}

Expected<Meeting, ProtocolError> Directory::editMeeting(const crypto::Address &caller, const QString &id, const MeetingDraft &draft)
{
    auto existing = hostedScheduledMeeting(caller, id);
    if (!existing)
        return existing;
    MeetingDraft withHost = draft;
    if (!withHost.roster.contains(caller))
        withHost.roster.prepend(caller);
    if (auto ok = checkDraft(withHost); !ok)
        return unexpected(ok.error());
    if (!m_db.begin())
        return fail(ErrorCode::StorageError, QStringLiteral("cannot begin a transaction"));
    auto updated = m_db.run(QStringLiteral("UPDATE meetings SET title = ?, description = ?, scheduled_at = ? WHERE id = ? AND status = 'scheduled'"),
                            {withHost.title, withHost.description, withHost.scheduledAt, id});
    auto rewritten = updated ? writeRosterAndAgenda(id, withHost) : storageFailure(updated.error());
    // Patient data of patients no longer on the agenda goes with them.
    auto pruned = rewritten ? m_db.run(QStringLiteral("DELETE FROM meeting_patient_data WHERE meeting = ? AND patient NOT IN "
                                                      "(SELECT patient FROM meeting_agenda WHERE meeting = ?)"),
                                       {id, id})
                            : Expected<QSqlQuery, DatabaseError>(unexpected(DatabaseError{rewritten.error().detail}));
    if (!pruned || !m_db.commit()) {
        m_db.rollback();
        return rewritten ? fail(ErrorCode::StorageError, QStringLiteral("cannot store the edited meeting"))
                         : unexpected(rewritten.error());
    }
    return *loadMeeting(id);
}

Expected<Meeting, ProtocolError> Directory::cancelMeeting(const crypto::Address &caller, const QString &id)
{
    auto existing = hostedScheduledMeeting(caller, id);
    if (!existing)
        return existing;
    if (auto ok = setStatus(id, MeetingStatus::Cancelled); !ok)
        return unexpected(ok.error());
    return *loadMeeting(id);
}

Expected<QList<Meeting>, ProtocolError> Directory::listMeetings(const crypto::Address &caller, MeetingFilter filter, qint64 now)
{
    // Three queries whatever the number of meetings (one per meeting made a long-serving
    // relay's list ever slower): the meetings, then all their rosters and all their agendas.
    const QString member = caller.toLowerHex();
    const QString callersMeetings = QStringLiteral("SELECT meeting FROM meeting_roster WHERE member = ?");
    auto query = m_db.run(QStringLiteral("SELECT m.id, %1 FROM meetings m JOIN meeting_roster r ON r.meeting = m.id "
                                         "WHERE r.member = ? ORDER BY m.scheduled_at, m.id")
                              .arg(meetingColumns),
                          {member});
    if (!query)
        return storageFailure(query.error());
    QList<Meeting> all;
    QHash<QString, qsizetype> index;
    while (query->next()) {
        index.insert(query->value(0).toString(), all.size());
        all.append(meetingFromRow(query->value(0).toString(), *query, 1));
    }
    // Each row's value given to the meeting its first column names. Rows of a meeting created
    // between these queries (by another connection) are not the list's.
    const auto distribute = [&](const QString &sql, const auto &add) -> Expected<Ok, ProtocolError> {
        auto rows = m_db.run(sql.arg(callersMeetings), {member});
        if (!rows)
            return storageFailure(rows.error());
        while (rows->next()) {
            if (const auto at = index.constFind(rows->value(0).toString()); at != index.cend())
                add(all[*at].details, rows->value(1));
        }
        return Ok{};
    };
    const auto rosters = distribute(QStringLiteral("SELECT meeting, member FROM meeting_roster WHERE meeting IN (%1) ORDER BY meeting, position"),
                                    [](MeetingDraft &details, const QVariant &rosterMember) { details.roster.append(addressOf(rosterMember)); });
    const auto agendas = rosters ? distribute(QStringLiteral("SELECT meeting, patient FROM meeting_agenda WHERE meeting IN (%1) ORDER BY meeting, position"),
                                              [](MeetingDraft &details, const QVariant &patient) { details.agenda.append(patient.toString()); })
                                 : rosters;
    if (!agendas)
        return unexpected(agendas.error());

    QList<Meeting> out;
    for (const Meeting &found : std::as_const(all)) {
        // Upcoming: not yet over (scheduled or running, or scheduled later); previous: ended,
        // cancelled, or scheduled in the past and never started.
        const bool over = found.status == MeetingStatus::Ended || found.status == MeetingStatus::Cancelled
            || (found.status == MeetingStatus::Scheduled && found.details.scheduledAt < now - 24 * 3600 * 1000);
        if (filter == MeetingFilter::All || (filter == MeetingFilter::Upcoming) != over)
            out.append(found);
    }
    return out;
}

Expected<Meeting, ProtocolError> Directory::meeting(const crypto::Address &caller, const QString &id)
{
    auto found = loadMeeting(id);
    if (!found)
        return fail(ErrorCode::UnknownMeeting, QStringLiteral("no meeting %1").arg(id));
    if (!found->hasMember(caller))
        return fail(ErrorCode::NotOnRoster, QStringLiteral("you are not on the roster of meeting %1").arg(id));
    return *found;
}

std::optional<Meeting> Directory::loadMeeting(const QString &id)
{
    auto query = m_db.run(QStringLiteral("SELECT %1 FROM meetings WHERE id = ?").arg(meetingColumns), {id});
    if (!query || !query->next())
        return std::nullopt;
    Meeting meeting = meetingFromRow(id, *query, 0);
    auto roster = m_db.run(QStringLiteral("SELECT member FROM meeting_roster WHERE meeting = ? ORDER BY position"), {id});
    while (roster && roster->next())
        meeting.details.roster.append(addressOf(roster->value(0)));
    auto agenda = m_db.run(QStringLiteral("SELECT patient FROM meeting_agenda WHERE meeting = ? ORDER BY position"), {id});
    while (agenda && agenda->next())
        meeting.details.agenda.append(agenda->value(0).toString());
    return meeting;
}

QStringList Directory::meetingsWithStatus(MeetingStatus status)
{
    QStringList ids;
    auto query = m_db.run(QStringLiteral("SELECT id FROM meetings WHERE status = ? ORDER BY id"), {statusName(status)});
    while (query && query->next())
        ids.append(query->value(0).toString());
    return ids;
}

// ---- meeting-specific patient data ----

Expected<QJsonObject, ProtocolError> Directory::patientData(const crypto::Address &caller, const QString &meetingId)
{
    auto found = meeting(caller, meetingId);
    if (!found)
        return unexpected(found.error());
    QJsonObject out;
    const QList<Patient> all = patients();
    for (const QString &patientId : found->details.agenda) {
        const auto patient = std::find_if(all.begin(), all.end(), [&](const Patient &p) { return p.id == patientId; });
        QJsonObject data;
        for (const QString &field : patientDataFields())
            data.insert(field, patientDataValue(meetingId, patientId, field));
        out.insert(patientId, QJsonObject{{QStringLiteral("name"), patient != all.end() ? patient->name : QString()},
                                          {QStringLiteral("birthDate"), patient != all.end() ? patient->birthDate : QString()},
                                          {QStringLiteral("hospitalNumber"), patient != all.end() ? patient->hospitalNumber : QString()},
                                          {QStringLiteral("data"), data}});
    }
    return out;
}

Expected<Ok, ProtocolError> Directory::setPatientData(const crypto::Address &caller, const QString &meetingId,
                                                      const QString &patient, const QString &field, const QString &value)
{
    auto found = hostedScheduledMeeting(caller, meetingId);
    if (!found)
        return unexpected(found.error());
    if (!found->details.agenda.contains(patient))
        return fail(ErrorCode::PatientNotOnAgenda, QStringLiteral("patient %1 is not on the agenda").arg(patient));
    if (!patientDataFields().contains(field))
        return fail(ErrorCode::BadRequest, QStringLiteral("unknown patient data field \"%1\"").arg(field));
    if (value.size() > 10000)
        return fail(ErrorCode::BadRequest, QStringLiteral("patient data values are at most 10000 characters"));
    return storePatientData(meetingId, patient, field, value);
}

QString Directory::patientDataValue(const QString &meetingId, const QString &patient, const QString &field)
{
    auto query = m_db.run(QStringLiteral("SELECT value FROM meeting_patient_data WHERE meeting = ? AND patient = ? AND field = ?"),
                          {meetingId, patient, field});
    return query && query->next() ? query->value(0).toString() : QString();
}

Expected<Ok, ProtocolError> Directory::storePatientData(const QString &meetingId, const QString &patient,
                                                        const QString &field, const QString &value)
{
    auto ok = m_db.run(QStringLiteral("INSERT INTO meeting_patient_data(meeting, patient, field, value) VALUES (?, ?, ?, ?) "
                                      "ON CONFLICT(meeting, patient, field) DO UPDATE SET value = excluded.value"),
                       {meetingId, patient, field, value});
    if (!ok)
        return storageFailure(ok.error());
    return Ok{};
}

Expected<Ok, ProtocolError> Directory::setStatus(const QString &meetingId, MeetingStatus status)
{
    auto ok = m_db.run(QStringLiteral("UPDATE meetings SET status = ? WHERE id = ?"), {statusName(status), meetingId});
    if (!ok)
        return storageFailure(ok.error());
    return Ok{};
}

} // namespace cmeet::relay
