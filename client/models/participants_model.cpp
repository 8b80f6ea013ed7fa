#include "client/models/participants_model.h"

#include "client/models/directory_model.h"
#include "client/models/labels.h"

#include <QJsonArray>

namespace cmeet::client {

using protocol::EventType;

ParticipantsModel::ParticipantsModel(const DirectoryModel *staff, QObject *parent) : QAbstractTableModel(parent), m_staff(staff)
{
    if (m_staff != nullptr)
        connect(m_staff, &QAbstractItemModel::modelReset, this, [this] {
            if (!m_members.isEmpty())
                Q_EMIT dataChanged(index(0, NameColumn), index(rowCount() - 1, NameColumn), {Qt::DisplayRole});
        });
}

void ParticipantsModel::setSession(MeetingSession *session)
{
    for (const auto &connection : std::as_const(m_sessionConnections))
        disconnect(connection);
    m_sessionConnections.clear();
    beginResetModel();
    m_members.clear();
    m_rowOf.clear();
    m_awaitingAck.clear();
    m_host.clear();
    endResetModel();
    if (session == nullptr)
        return;
    setMeeting(session->meeting());
    m_sessionConnections.append(connect(session, &MeetingSession::meetingChanged, this, [this, session] { setMeeting(session->meeting()); }));
    m_sessionConnections.append(session->deliverEntries(this, [this](const QList<TimelineEntry> &entries) { append(entries); }));
}

void ParticipantsModel::setMeeting(const QJsonObject &meeting)
{
    const QString host = meeting.value(QStringLiteral("host")).toString();
    if (!host.isEmpty() && host != m_host) {
        const int oldRow = rowOf(m_host);
        m_host = host;
        if (oldRow >= 0)
            changed(oldRow);
        ensureRow(host);
        changed(rowOf(host));
    }
    for (const QJsonValue &member : meeting.value(QStringLiteral("roster")).toArray())
        ensureRow(member.toString());
}

int ParticipantsModel::ensureRow(const QString &address)
{
    if (const int row = rowOf(address); row >= 0)
        return row;
    const int row = static_cast<int>(m_members.size());
    beginInsertRows({}, row, row);
    Member member;
    member.address = address;
    m_members.append(member);
    m_rowOf.insert(address, row);
    endInsertRows();
    return row;
}

void ParticipantsModel::changed(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ParticipantsModel::append(const QList<TimelineEntry> &entries)
{
    for (const TimelineEntry &entry : entries) {
        if (!entry.event || !entry.problems.isEmpty())
            continue; // only what verifies counts as presence
        const protocol::Event &event = *entry.event;
        switch (event.type()) {
        case EventType::Start:
        case EventType::Join:
        case EventType::Leave: {
            const bool leaving = event.type() == EventType::Leave;
            const int row = ensureRow(event.by().toLowerHex());
            Member &member = m_members[row];
            member.presence = leaving ? Presence::Left : Presence::Present;
            if (leaving) {
                member.leftAt = event.ts();
                member.leaveAcknowledged = false;
            } else {
                member.joinedAt = event.ts();
                member.joinAcknowledged = false;
                member.leftAt.reset();
            }
            m_awaitingAck.insert(event.id(), Pending{member.address, leaving});
            changed(row);
            break;
        }
        case EventType::Ack:
        case EventType::JoinAck: {
            const Pending pending = event.ref() ? m_awaitingAck.take(*event.ref()) : Pending{};
            const int row = rowOf(pending.address);
            if (row < 0)
                break;
            Member &member = m_members[row];
            (pending.leaving ? member.leftAt : member.joinedAt) = event.ts();
            (pending.leaving ? member.leaveAcknowledged : member.joinAcknowledged) = true;
            changed(row);
            break;
        }
        default:
            break;
        }
    }
}

int ParticipantsModel::presentCount() const
{
    return static_cast<int>(std::count_if(m_members.begin(), m_members.end(), [](const Member &m) { return m.presence == Presence::Present; }));
}

int ParticipantsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_members.size());
}

int ParticipantsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ParticipantsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Member &member = m_members.at(index.row());
    const auto time = [](const std::optional<qint64> &at, bool acknowledged) -> QVariant {
        if (!at)
            return QString();
        return acknowledged ? timeOfDayText(*at) : tr("%1 (awaiting the relay)").arg(timeOfDayText(*at));
    };
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: {
            const QString name = m_staff != nullptr ? m_staff->nameOf(member.address) : shortAddress(member.address);
            return member.address == m_host ? tr("%1 (host)").arg(name) : name;
        }
        case StatusColumn:
            switch (member.presence) {
            case Presence::NotJoined:
                return tr("Not joined");
            case Presence::Present:
                return tr("Present");
            case Presence::Left:
                return tr("Left");
            }
            return {};
        case JoinedColumn:
            return time(member.joinedAt, member.joinAcknowledged);
        case LeftColumn:
            return time(member.leftAt, member.leaveAcknowledged);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return member.address;
    case AddressRole:
        return member.address;
    case PresenceRole:
        return QVariant::fromValue(member.presence);
    case JoinedAtRole:
        return member.joinedAt ? QVariant(*member.joinedAt) : QVariant();
    case LeftAtRole:
        return member.leftAt ? QVariant(*member.leftAt) : QVariant();
    case HostRole:
        return member.address == m_host;
    default:
        return {};
    }
}

QVariant ParticipantsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case StatusColumn:
        return tr("Status");
    case JoinedColumn:
        return tr("Joined");
    case LeftColumn:
        return tr("Left");
    default:
        return {};
    }
}

} // namespace cmeet::client
