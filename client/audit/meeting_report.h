#pragma once
// The meeting record people read (cmeet-audit report, the desktop app's audit workspace): the
// audit's verdict and the anchor first; then the meeting, its roster and attendance; per patient
// on the agenda when it was discussed and who was present, the patient-data changes, the
// comments with their replies and disagreements, the polls and who voted; and the approvals.
// Built from the file's signed events; names come from the file's metadata, which nobody signed.

#include "client/audit/meeting_audit.h"

#include <QString>
#include <QTimeZone>

namespace cmeet::audit {

struct ReportOptions {
    QTimeZone zone = QTimeZone::systemTimeZone(); // times are shown in it, with its offset
    QString generatedBy;                          // e.g. "cmeet-audit 0.1.0"
};

// The record of the audited file at path as one HTML document (what QTextDocument renders):
// the events are the audit's (audit.events); the file gives the metadata and approvals.
[[nodiscard]] Expected<QString, QString> meetingReportHtml(const QString &path, const AuditReport &audit, const ReportOptions &options = {});

// Writes html as an A4 PDF (QTextDocument + QPdfWriter; needs a QGuiApplication).
[[nodiscard]] Expected<Ok, QString> writeReportPdf(const QString &html, const QString &outPath);

} // namespace cmeet::audit
