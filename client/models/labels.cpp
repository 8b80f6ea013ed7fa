#include "client/models/labels.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

namespace cmeet::client {

const QStringList &patientFields()
{
    static const QStringList fields{QStringLiteral("group"),           QStringLiteral("mdtOutcome"), QStringLiteral("investigation"),
                                    QStringLiteral("questionsForMdt"), QStringLiteral("surgery"),    QStringLiteral("mainOpinion"),
                                    QStringLiteral("lc")};
    return fields;
}

QString patientFieldLabel(const QString &field)
{
    static const char *const labels[] = {
        QT_TRANSLATE_NOOP("PatientField", "Group"),           QT_TRANSLATE_NOOP("PatientField", "MDT outcome"),
        QT_TRANSLATE_NOOP("PatientField", "Investigation"),   QT_TRANSLATE_NOOP("PatientField", "Questions for MDT"),
        QT_TRANSLATE_NOOP("PatientField", "Surgery"),         QT_TRANSLATE_NOOP("PatientField", "Main opinion"),
        QT_TRANSLATE_NOOP("PatientField", "LC"),
    };
    const qsizetype at = patientFields().indexOf(field);
    return at < 0 ? field : QCoreApplication::translate("PatientField", labels[at]);
}

QString meetingStatusLabel(const QString &status)
{
    if (status == QStringLiteral("scheduled"))
        return QCoreApplication::translate("MeetingStatus", "Scheduled");
    if (status == QStringLiteral("started"))
        return QCoreApplication::translate("MeetingStatus", "In progress");
    if (status == QStringLiteral("ended"))
        return QCoreApplication::translate("MeetingStatus", "Ended");
    if (status == QStringLiteral("cancelled"))
        return QCoreApplication::translate("MeetingStatus", "Cancelled");
    return status;
}

bool isUpcomingStatus(const QString &status)
{
    return status == QStringLiteral("scheduled") || status == QStringLiteral("started");
}

QString timeOfDayText(qint64 unixMs)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(unixMs).toLocalTime().time(), QStringLiteral("HH:mm:ss"));
}

QString dateTimeText(qint64 unixMs)
{
    // The weekday helps when scheduling; seconds do not.
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(unixMs).toLocalTime(), QStringLiteral("ddd d MMM yyyy, HH:mm"));
}

QString shortAddress(const QString &address)
{
    return address.size() <= 12 ? address : address.left(6) + QChar(0x2026) + address.right(4);
}

} // namespace cmeet::client
