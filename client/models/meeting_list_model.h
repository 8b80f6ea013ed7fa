#pragma once
// The meetings the user is on (meeting.list), in date order, refreshed in place: rows that changed
// get dataChanged, new ones are inserted where their date puts them, gone ones removed, so a
// view keeps its selection across refreshes.

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace cmeet::client {

class DirectoryModel;

class MeetingListModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { TitleColumn, DateColumn, StatusColumn, HostColumn, PatientsColumn, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1,
        ScheduledAtRole, // Unix ms, for sorting
        StatusRole,      // the relay's word: scheduled, started, ended, cancelled
        UpcomingRole,    // scheduled or started
        MeetingRole,     // the whole QJsonObject
    };

    // staff names the hosts (may be null).
    explicit MeetingListModel(const DirectoryModel *staff = nullptr, QObject *parent = nullptr);

    void setMeetings(const QJsonArray &meetings);
    [[nodiscard]] QJsonObject meeting(const QString &id) const;
    [[nodiscard]] int rowOf(const QString &id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    [[nodiscard]] static bool before(const QJsonObject &a, const QJsonObject &b);

    const DirectoryModel *m_staff;
    QList<QJsonObject> m_meetings; // sorted by scheduledAt, then id
};

} // namespace cmeet::client
