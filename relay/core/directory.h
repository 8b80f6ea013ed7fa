#pragma once
// Meeting management (thesis F1.1-F1.4, 4.4.2): the staff and patient directory, meetings with
// their roster and agenda, and meeting-specific patient data. Every call names the
// authenticated caller; the rules: only roster members see a meeting and its patients, only the
// host edits or cancels it, and nothing about a started, ended or cancelled meeting changes here
// (during a meeting, patient data changes only through patientDataChange events).

#include "crypto/keys.h"
#include "protocol/error.h"
#include "relay/core/relay_database.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace cmeet::relay {

using protocol::ProtocolError;

struct StaffMember {
    crypto::Address address;
    QString name;
    QString role; // "staff" or "admin"
};

struct Patient {
    QString id;
    QString name;
    QString birthDate;
    QString hospitalNumber;
};

enum class MeetingStatus { Scheduled, Started, Ended, Cancelled };
[[nodiscard]] QString statusName(MeetingStatus status);

struct MeetingDraft {
    QString title;
    QString description;
    qint64 scheduledAt = 0; // Unix ms
    QList<crypto::Address> roster; // the host is always added
    QStringList agenda;            // patient ids, in order
};

struct Meeting {
    QString id;
    MeetingDraft details;
    crypto::Address host;
    MeetingStatus status = MeetingStatus::Scheduled;
    qint64 createdAt = 0;

    [[nodiscard]] bool hasMember(const crypto::Address &address) const { return details.roster.contains(address); }
    [[nodiscard]] QJsonObject toJson() const;
};

// The meeting-specific patient fields of the thesis (2.3.1.2).
[[nodiscard]] const QStringList &patientDataFields();

enum class MeetingFilter { Upcoming, Previous, All };

class Directory {
public:
    explicit Directory(RelayDatabase &database) : m_db(database) {}

    // Administration (cmeet-relay admin, import files): no caller, trusted.
    [[nodiscard]] Expected<Ok, ProtocolError> upsertStaff(const StaffMember &member);
    [[nodiscard]] Expected<Ok, ProtocolError> upsertPatient(const Patient &patient);
    [[nodiscard]] std::optional<StaffMember> staffMember(const crypto::Address &address);
    [[nodiscard]] QList<StaffMember> staff();
    [[nodiscard]] QList<Patient> patients();

    [[nodiscard]] Expected<Meeting, ProtocolError> createMeeting(const crypto::Address &caller, const MeetingDraft &draft,
                                                                 qint64 now);
    [[nodiscard]] Expected<Meeting, ProtocolError> editMeeting(const crypto::Address &caller, const QString &id,
                                                               const MeetingDraft &draft);
    [[nodiscard]] Expected<Meeting, ProtocolError> cancelMeeting(const crypto::Address &caller, const QString &id);
    [[nodiscard]] Expected<QList<Meeting>, ProtocolError> listMeetings(const crypto::Address &caller, MeetingFilter filter,
                                                                       qint64 now);
    // Roster members only.
    [[nodiscard]] Expected<Meeting, ProtocolError> meeting(const crypto::Address &caller, const QString &id);
    // No access check: for the relay's own use.
    [[nodiscard]] std::optional<Meeting> loadMeeting(const QString &id);
    [[nodiscard]] QStringList meetingsWithStatus(MeetingStatus status);

    // {patient id: {"patient": {...}, "data": {field: value}}} for the agenda; roster members only.
    [[nodiscard]] Expected<QJsonObject, ProtocolError> patientData(const crypto::Address &caller, const QString &meetingId);
    // Host only, before the meeting starts.
    [[nodiscard]] Expected<Ok, ProtocolError> setPatientData(const crypto::Address &caller, const QString &meetingId,
                                                             const QString &patient, const QString &field,
                                                             const QString &value);
    // Current value of one field ("" when never set). For the events engine.
    [[nodiscard]] QString patientDataValue(const QString &meetingId, const QString &patient, const QString &field);
    // Within the caller's transaction (the events engine applies a patientDataChange).
    [[nodiscard]] Expected<Ok, ProtocolError> storePatientData(const QString &meetingId, const QString &patient,
                                                               const QString &field, const QString &value);
    [[nodiscard]] Expected<Ok, ProtocolError> setStatus(const QString &meetingId, MeetingStatus status);

private:
    [[nodiscard]] Expected<Ok, ProtocolError> checkDraft(const MeetingDraft &draft);
    [[nodiscard]] Expected<Ok, ProtocolError> writeRosterAndAgenda(const QString &id, const MeetingDraft &draft);
    [[nodiscard]] Expected<Meeting, ProtocolError> hostedScheduledMeeting(const crypto::Address &caller, const QString &id);

    RelayDatabase &m_db;
};

} // namespace cmeet::relay
