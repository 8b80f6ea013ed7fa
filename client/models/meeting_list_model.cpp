#include "client/models/meeting_list_model.h"

#include "client/models/directory_model.h"
#include "client/models/labels.h"

#include <QSet>

namespace cmeet::client {

namespace {

QString idOf(const QJsonObject &meeting)
{
    return meeting.value(QStringLiteral("id")).toString();
}

} // namespace

MeetingListModel::MeetingListModel(const DirectoryModel *staff, QObject *parent) : QAbstractTableModel(parent), m_staff(staff)
{
    if (m_staff != nullptr)
        connect(m_staff, &QAbstractItemModel::modelReset, this, [this] {
            if (!m_meetings.isEmpty())
                Q_EMIT dataChanged(index(0, HostColumn), index(rowCount() - 1, HostColumn), {Qt::DisplayRole});
        });
}

bool MeetingListModel::before(const QJsonObject &a, const QJsonObject &b)
{
    const qint64 at = a.value(QStringLiteral("scheduledAt")).toInteger();
    const qint64 bt = b.value(QStringLiteral("scheduledAt")).toInteger();
    return at != bt ? at < bt : idOf(a) < idOf(b);
}

void MeetingListModel::setMeetings(const QJsonArray &meetings)
{
    QHash<QString, QJsonObject> fresh;
    for (const QJsonValue &value : meetings)
        if (!idOf(value.toObject()).isEmpty())
            fresh.insert(idOf(value.toObject()), value.toObject());

    // Gone, or moved to another date: removed here (a moved one comes back in its new place).
    for (int row = rowCount() - 1; row >= 0; --row) {
        const QJsonObject &old = m_meetings.at(row);
        const auto now = fresh.constFind(idOf(old));
        if (now != fresh.constEnd() && now->value(QStringLiteral("scheduledAt")) == old.value(QStringLiteral("scheduledAt")))
            continue;
        beginRemoveRows({}, row, row);
        m_meetings.removeAt(row);
        endRemoveRows();
    }
    for (int row = 0; row < rowCount(); ++row) {
        const QJsonObject now = fresh.take(idOf(m_meetings.at(row)));
        if (now != m_meetings.at(row)) {
            m_meetings[row] = now;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
    QList<QJsonObject> added = fresh.values();
    std::sort(added.begin(), added.end(), before);
    for (const QJsonObject &meeting : added) {
        const int row = static_cast<int>(std::upper_bound(m_meetings.begin(), m_meetings.end(), meeting, before) - m_meetings.begin());
        beginInsertRows({}, row, row);
        m_meetings.insert(row, meeting);
        endInsertRows();
    }
}

QJsonObject MeetingListModel::meeting(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? QJsonObject() : m_meetings.at(row);
}

int MeetingListModel::rowOf(const QString &id) const
{
    for (int row = 0; row < rowCount(); ++row)
        if (idOf(m_meetings.at(row)) == id)
            return row;
    return -1;
}

int MeetingListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_meetings.size());
}

int MeetingListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MeetingListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &meeting = m_meetings.at(index.row());
    const QString status = meeting.value(QStringLiteral("status")).toString();
    const qint64 scheduledAt = meeting.value(QStringLiteral("scheduledAt")).toInteger();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TitleColumn:
            return meeting.value(QStringLiteral("title")).toString();
        case DateColumn:
            return dateTimeText(scheduledAt);
        case StatusColumn:
            return meetingStatusLabel(status);
        case HostColumn: {
            const QString host = meeting.value(QStringLiteral("host")).toString();
            return m_staff != nullptr ? m_staff->nameOf(host) : shortAddress(host);
        }
        case PatientsColumn:
            return static_cast<int>(meeting.value(QStringLiteral("agenda")).toArray().size());
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return index.column() == TitleColumn ? meeting.value(QStringLiteral("description")).toString() : QVariant();
    case IdRole:
        return idOf(meeting);
    case ScheduledAtRole:
        return scheduledAt;
    case StatusRole:
        return status;
    case UpcomingRole:
        return isUpcomingStatus(status);
    case MeetingRole:
        return meeting;
    default:
        return {};
    }
}

QVariant MeetingListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TitleColumn:
        return tr("Title");
    case DateColumn:
        return tr("Date");
    case StatusColumn:
        return tr("Status");
    case HostColumn:
        return tr("Host");
    case PatientsColumn:
        return tr("Patients");
    default:
        return {};
    }
}

} // namespace cmeet::client
