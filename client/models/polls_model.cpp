#include "client/models/polls_model.h"

#include "client/models/directory_model.h"

#include <QJsonArray>

namespace cmeet::client {

using protocol::Event;
using protocol::EventType;

PollsModel::PollsModel(const DirectoryModel *patients, QObject *parent) : QAbstractTableModel(parent), m_patients(patients) {}

void PollsModel::setSession(MeetingSession *session, const QString &voter)
{
    disconnect(m_sessionConnection);
    beginResetModel();
    m_polls.clear();
    m_events.clear();
    m_voter = voter;
    endResetModel();
    if (session != nullptr)
        m_sessionConnection = session->deliverEntries(this, [this](const QList<TimelineEntry> &entries) { append(entries); });
}

int PollsModel::rowOf(const QByteArray &pollId) const
{
    for (int row = 0; row < rowCount(); ++row)
        if (m_polls.at(row).event.id() == pollId)
            return row;
    return -1;
}

void PollsModel::append(const QList<TimelineEntry> &entries)
{
    for (const TimelineEntry &entry : entries) {
        if (!entry.event)
            continue;
        const Event &event = *entry.event;
        m_events.append(event);
        if (event.type() == EventType::Poll) {
            const int row = rowCount();
            beginInsertRows({}, row, row);
            Poll poll{event};
            poll.problems = entry.problems;
            m_polls.append(std::move(poll));
            endInsertRows();
            continue;
        }
        if (event.type() == EventType::PollEndAck) {
            for (int row = 0; row < rowCount(); ++row) {
                Poll &poll = m_polls[row];
                if (poll.endId && event.ref() == *poll.endId && !poll.tally) {
                    poll.tally = tallyPoll(m_events, poll.event.id());
                    poll.problems += entry.problems;
                    Q_EMIT dataChanged(index(row, StatusColumn), index(row, ResultColumn));
                }
            }
            continue;
        }
        if ((event.type() != EventType::Vote && event.type() != EventType::PollEnd) || !event.ref())
            continue;
        const int row = rowOf(*event.ref());
        if (row < 0)
            continue;
        Poll &poll = m_polls[row];
        poll.problems += entry.problems;
        if (event.type() == EventType::PollEnd) {
            poll.endId = event.id();
        } else {
            ++poll.votes;
            if (event.by().toLowerHex() == m_voter)
                poll.myVote = event.id();
        }
        Q_EMIT dataChanged(index(row, StatusColumn), index(row, VotesColumn));
    }
}

const PollTally *PollsModel::tally(int row) const
{
    return row >= 0 && row < rowCount() && m_polls.at(row).tally ? &*m_polls.at(row).tally : nullptr;
}

std::optional<QByteArray> PollsModel::openPoll() const
{
    for (auto poll = m_polls.crbegin(); poll != m_polls.crend(); ++poll)
        if (!poll->tally)
            return poll->event.id();
    return std::nullopt;
}

PollsModel::MyVote PollsModel::myVote(const Poll &poll) const
{
    if (!poll.myVote)
        return MyVote::NotVoted;
    if (!poll.tally)
        return MyVote::Cast;
    return poll.tally->counted.contains(*poll.myVote) ? MyVote::Counted : MyVote::NotCounted;
}

QString PollsModel::resultText(const Poll &poll) const
{
    if (!poll.tally)
        return poll.endId ? tr("Counting…") : tr("Secret until the poll ends");
    const PollTally &tally = *poll.tally;
    QStringList parts;
    for (qsizetype i = 0; i < tally.options.size(); ++i)
        parts.append(tr("%1: %2").arg(tally.options.at(i)).arg(tally.counts.value(i)));
    if (tally.invalid > 0)
        parts.append(tr("invalid: %1").arg(tally.invalid));
    return parts.join(tr(", "));
}

int PollsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_polls.size());
}

int PollsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PollsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Poll &poll = m_polls.at(index.row());
    const QJsonObject &content = poll.event.content();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case QuestionColumn: {
            const QString question = content.value(QStringLiteral("question")).toString();
            const QString patient = content.value(QStringLiteral("patient")).toString();
            if (patient.isEmpty())
                return question;
            return tr("%1 (%2)").arg(question, m_patients != nullptr ? m_patients->nameOf(patient) : patient);
        }
        case StatusColumn: {
            const QString status = poll.tally ? tr("Ended") : poll.endId ? tr("Ending") : tr("Open");
            return poll.problems.isEmpty() ? status : tr("%1, does not verify").arg(status);
        }
        case VotesColumn:
            return poll.votes;
        case ResultColumn:
            return resultText(poll);
        default:
            return {};
        }
    case PollIdRole:
        return poll.event.id();
    case OptionsRole:
        return content.value(QStringLiteral("options")).toVariant().toStringList();
    case CountsRole: {
        QVariantList counts;
        if (poll.tally)
            for (int count : poll.tally->counts)
                counts.append(count);
        return counts;
    }
    case InvalidRole:
        return poll.tally ? poll.tally->invalid : 0;
    case EndedRole:
        return poll.tally.has_value();
    case VotesRole:
        return poll.votes;
    case MyVoteRole:
        return QVariant::fromValue(myVote(poll));
    case PatientRole:
        return content.value(QStringLiteral("patient")).toString();
    case ProblemsRole:
        return poll.problems;
    default:
        return {};
    }
}

QVariant PollsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case QuestionColumn:
        return tr("Question");
    case StatusColumn:
        return tr("Status");
    case VotesColumn:
        return tr("Votes");
    case ResultColumn:
        return tr("Result");
    default:
        return {};
    }
}

} // namespace cmeet::client
