#pragma once
// Who is at the meeting (thesis F2.3): every roster member with present, left or not joined, and
// join and leave times. A join counts from the relay's acknowledgement (DESIGN.md §3), so a time
// shown before it arrives is the author's and is marked as such.

#include "client/core/meeting_session.h"

#include <QAbstractTableModel>
#include <QHash>

namespace cmeet::client {

class DirectoryModel;

class ParticipantsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, StatusColumn, JoinedColumn, LeftColumn, ColumnCount };
    enum class Presence { NotJoined, Present, Left };
    Q_ENUM(Presence)
    enum Role {
        AddressRole = Qt::UserRole + 1,
        PresenceRole, // a Presence
        JoinedAtRole, // Unix ms (null if never joined)
        LeftAtRole,   // Unix ms (null unless left)
        HostRole,     // bool
    };

    explicit ParticipantsModel(const DirectoryModel *staff = nullptr, QObject *parent = nullptr);

    // Follows session: its roster (meetingChanged) and its entries.
    void setSession(MeetingSession *session);
    // The roster and host from the meeting's metadata; members added later get rows at the end.
    void setMeeting(const QJsonObject &meeting);
    void append(const QList<TimelineEntry> &entries);

    [[nodiscard]] int presentCount() const;
    [[nodiscard]] int rowOf(const QString &address) const { return m_rowOf.value(address, -1); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Member {
        QString address;
        Presence presence = Presence::NotJoined;
        std::optional<qint64> joinedAt;
        std::optional<qint64> leftAt;
        bool joinAcknowledged = false;
        bool leaveAcknowledged = false;
    };
    struct Pending {
        QString address;
        bool leaving = false;
    };

    int ensureRow(const QString &address);
    void changed(int row);

    const DirectoryModel *m_staff;
    QString m_host;
    QList<Member> m_members;
    QHash<QString, int> m_rowOf;
    QHash<QByteArray, Pending> m_awaitingAck; // join/start/leave ids until their acknowledgement
    QList<QMetaObject::Connection> m_sessionConnections;
};

} // namespace cmeet::client
