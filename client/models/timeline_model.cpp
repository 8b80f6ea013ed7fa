#include "client/models/timeline_model.h"

#include "client/models/directory_model.h"
#include "client/models/labels.h"

#include <QJsonArray>

namespace cmeet::client {

using protocol::Event;
using protocol::EventType;

struct TimelineModel::Node {
    Node *parent = nullptr;
    int row = 0;
    TimelineEntry entry;
    std::optional<TimelineEntry> acknowledgement;
    std::vector<std::unique_ptr<Node>> children;
};

TimelineModel::TimelineModel(const DirectoryModel *staff, const DirectoryModel *patients, QObject *parent)
    : QAbstractItemModel(parent), m_staff(staff), m_patients(patients), m_root(std::make_unique<Node>())
{
    for (const DirectoryModel *directory : {staff, patients})
        if (directory != nullptr)
            connect(directory, &QAbstractItemModel::modelReset, this, [this] { refreshNames(*m_root); });
}

TimelineModel::~TimelineModel() = default;

void TimelineModel::setSession(MeetingSession *session)
{
    disconnect(m_sessionConnection);
    clear();
    if (session == nullptr)
        return;
    m_sessionConnection = session->deliverEntries(this, [this](const QList<TimelineEntry> &entries) { append(entries); });
}

void TimelineModel::clear()
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_byId.clear();
    m_entryCount = 0;
    endResetModel();
}

void TimelineModel::append(const QList<TimelineEntry> &entries)
{
    if (entries.isEmpty())
        return;
    if (m_entryCount == 0 && entries.size() > 1) {
        // A replica opened: one reset, not thousands of single inserts before the first paint.
        beginResetModel();
        for (const TimelineEntry &entry : entries)
            add(entry, false);
        endResetModel();
        return;
    }
    // Runs of entries that only add top-level rows (with what hangs under them) go in with one
    // beginInsertRows each: a batch of thousands (a replica read in chunks, a long catch-up) would
    // otherwise cost the view thousands of single insertions.
    qsizetype at = 0;
    while (at < entries.size()) {
        QList<Node *> acknowledgedRows;
        int rows = 0;
        const qsizetype end = topLevelRun(entries, at, rows, acknowledgedRows);
        if (end == at) {
            add(entries.at(at++), true);
            continue;
        }
        const int first = static_cast<int>(m_root->children.size());
        if (rows > 0)
            beginInsertRows({}, first, first + rows - 1);
        for (qsizetype i = at; i < end; ++i)
            add(entries.at(i), false);
        Q_ASSERT(static_cast<int>(m_root->children.size()) == first + rows);
        if (rows > 0)
            endInsertRows();
        for (const Node *row : std::as_const(acknowledgedRows))
            Q_EMIT dataChanged(indexFor(row, TimeColumn), indexFor(row, CheckColumn),
                               {Qt::DisplayRole, Qt::ToolTipRole, AcknowledgedAtRole, CheckRole, ProblemsRole});
        at = end;
    }
}

qsizetype TimelineModel::topLevelRun(const QList<TimelineEntry> &entries, qsizetype from, int &rows, QList<Node *> &acknowledgedRows) const
{
    // Mirrors add() without changing anything: where each entry would go. The run ends before the
    // first entry that would go under a row already shown (it needs an insertion of its own).
    QSet<QByteArray> fresh;            // ids that will be (or fold into) rows of this run
    QSet<QByteArray> acknowledgedFresh; // rows of this run already acknowledged in it
    QHash<QByteArray, Node *> foldedIntoShown; // acknowledgement ids folded into rows already shown
    qsizetype at = from;
    for (; at < entries.size(); ++at) {
        const std::optional<Event> &event = entries.at(at).event;
        if (!event) {
            ++rows;
            continue;
        }
        const std::optional<QByteArray> &ref = event->ref();
        if (protocol::isRelayAcknowledgement(event->type()) && ref) {
            if (Node *shown = m_byId.value(*ref); shown != nullptr && !fresh.contains(*ref)) {
                if (!shown->acknowledgement && !acknowledgedRows.contains(shown)) {
                    acknowledgedRows.append(shown);
                    foldedIntoShown.insert(event->id(), shown);
                    continue;
                }
            } else if (Node *folded = foldedIntoShown.value(*ref); folded != nullptr) {
                // acknowledging an acknowledgement: a row of its own, as add() does
            } else if (fresh.contains(*ref) && !acknowledgedFresh.contains(*ref)) {
                acknowledgedFresh.insert(*ref);
                acknowledgedFresh.insert(event->id()); // it stands for the same row from now on
                fresh.insert(event->id());
                continue;
            }
            ++rows;
            fresh.insert(event->id());
            continue;
        }
        const bool nests = (event->type() == EventType::Reply || event->type() == EventType::Vote || event->type() == EventType::PollEnd
                            || event->type() == EventType::Disagreement)
            && ref;
        if (nests && fresh.contains(*ref)) {
            fresh.insert(event->id()); // under a row of this run
            continue;
        }
        if (nests && (m_byId.contains(*ref) || foldedIntoShown.contains(*ref)))
            break; // under a row already shown
        ++rows;
        fresh.insert(event->id());
    }
    return at;
}

void TimelineModel::add(const TimelineEntry &entry, bool announce)
{
    ++m_entryCount;
    const std::optional<Event> &event = entry.event;
    if (event && protocol::isRelayAcknowledgement(event->type()) && event->ref()) {
        Node *acknowledged = m_byId.value(*event->ref());
        if (acknowledged != nullptr && !acknowledged->acknowledgement) {
            acknowledged->acknowledgement = entry;
            m_byId.insert(event->id(), acknowledged);
            if (announce)
                Q_EMIT dataChanged(indexFor(acknowledged, TimeColumn), indexFor(acknowledged, CheckColumn),
                                   {Qt::DisplayRole, Qt::ToolTipRole, AcknowledgedAtRole, CheckRole, ProblemsRole});
            return;
        }
        // Acknowledging nothing shown (or something twice): kept as a row of its own, as evidence.
    }
    Node *parent = event ? parentFor(*event) : m_root.get();
    auto node = std::make_unique<Node>();
    node->parent = parent;
    node->row = static_cast<int>(parent->children.size());
    node->entry = entry;
    if (event)
        m_byId.insert(event->id(), node.get());
    if (announce)
        beginInsertRows(parent == m_root.get() ? QModelIndex() : indexFor(parent, 0), node->row, node->row);
    parent->children.push_back(std::move(node));
    if (announce)
        endInsertRows();
}

TimelineModel::Node *TimelineModel::parentFor(const Event &event) const
{
    switch (event.type()) {
    case EventType::Reply:
    case EventType::Vote:
    case EventType::PollEnd:
    case EventType::Disagreement:
        if (event.ref()) {
            if (Node *target = m_byId.value(*event.ref()))
                return target;
        }
        return m_root.get();
    default:
        return m_root.get();
    }
}

QModelIndex TimelineModel::indexFor(const Node *node, int column) const
{
    return node == m_root.get() ? QModelIndex() : createIndex(node->row, column, const_cast<Node *>(node));
}

QModelIndex TimelineModel::indexOf(const QByteArray &eventId) const
{
    const Node *node = m_byId.value(eventId);
    return node == nullptr ? QModelIndex() : indexFor(node, 0);
}

QModelIndex TimelineModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0 || (parent.isValid() && parent.column() != 0))
        return {};
    const Node *parentNode = parent.isValid() ? static_cast<const Node *>(parent.internalPointer()) : m_root.get();
    if (static_cast<size_t>(row) >= parentNode->children.size())
        return {};
    return createIndex(row, column, parentNode->children[static_cast<size_t>(row)].get());
}

QModelIndex TimelineModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *node = static_cast<const Node *>(child.internalPointer());
    return indexFor(node->parent, 0);
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    const Node *node = parent.isValid() ? static_cast<const Node *>(parent.internalPointer()) : m_root.get();
    return static_cast<int>(node->children.size());
}

int TimelineModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

TimelineModel::Check TimelineModel::check(const Node &node) const
{
    if (!problems(node).isEmpty())
        return Check::Failed;
    return node.acknowledgement ? Check::Verified : Check::AwaitingAcknowledgement;
}

QStringList TimelineModel::problems(const Node &node) const
{
    QStringList found = node.entry.problems;
    if (node.acknowledgement)
        for (const QString &problem : node.acknowledgement->problems)
            found.append(tr("its acknowledgement (entry %1): %2").arg(node.acknowledgement->index).arg(problem));
    return found;
}

QString TimelineModel::checkText(const Node &node) const
{
    switch (check(node)) {
    case Check::Verified:
        return tr("Verified");
    case Check::AwaitingAcknowledgement:
        return tr("Awaiting acknowledgement");
    case Check::Failed:
        return tr("Does not verify");
    }
    return {};
}

QString TimelineModel::describe(const Node &node) const
{
    if (!node.entry.event)
        return tr("Unreadable entry %1").arg(node.entry.index);
    const Event &event = *node.entry.event;
    const QJsonObject &content = event.content();
    const auto text = [&](const QString &key) { return content.value(key).toString(); };
    const auto patient = [&](const QString &id) { return m_patients != nullptr ? m_patients->nameOf(id) : id; };
    switch (event.type()) {
    case EventType::Start:
        return tr("Started the meeting “%1”").arg(text(QStringLiteral("title")));
    case EventType::Join:
        return tr("Joined");
    case EventType::Leave:
        return text(QStringLiteral("reason")).isEmpty() ? tr("Left") : tr("Left: %1").arg(text(QStringLiteral("reason")));
    case EventType::Comment:
        return content.contains(QStringLiteral("patient"))
            ? tr("On %1: %2").arg(patient(text(QStringLiteral("patient"))), text(QStringLiteral("text")))
            : text(QStringLiteral("text"));
    case EventType::Reply:
        return text(QStringLiteral("text"));
    case EventType::Disagreement:
        return text(QStringLiteral("reason")).isEmpty() ? tr("Disagrees") : tr("Disagrees: %1").arg(text(QStringLiteral("reason")));
    case EventType::Discussion:
        return tr("Now discussing %1").arg(patient(text(QStringLiteral("patient"))));
    case EventType::PatientDataChange:
        if (text(QStringLiteral("from")).isEmpty())
            return tr("%1, %2 set to “%3”")
                .arg(patient(text(QStringLiteral("patient"))), patientFieldLabel(text(QStringLiteral("field"))), text(QStringLiteral("to")));
        return tr("%1, %2 changed from “%3” to “%4”")
            .arg(patient(text(QStringLiteral("patient"))), patientFieldLabel(text(QStringLiteral("field"))), text(QStringLiteral("from")),
                 text(QStringLiteral("to")));
    case EventType::Poll:
        return tr("Poll: %1 (%2)").arg(text(QStringLiteral("question")), content.value(QStringLiteral("options")).toVariant().toStringList().join(tr(", ")));
    case EventType::Vote:
        return tr("Voted (secret until the poll ends)");
    case EventType::PollEnd:
        return tr("Ended the poll");
    case EventType::End:
        return tr("Ended the meeting");
    case EventType::Image:
        return text(QStringLiteral("caption")).isEmpty() ? tr("Showed an image of %1").arg(patient(text(QStringLiteral("patient"))))
                                                         : tr("Showed an image of %1: %2").arg(patient(text(QStringLiteral("patient"))), text(QStringLiteral("caption")));
    case EventType::Ack:
    case EventType::JoinAck:
    case EventType::PollEndAck:
    case EventType::AckError:
    case EventType::AckEnd:
        return tr("Relay acknowledgement of an entry not in this log");
    }
    return {};
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node &node = *static_cast<const Node *>(index.internalPointer());
    const std::optional<Event> &event = node.entry.event;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case WhatColumn:
            return describe(node);
        case AuthorColumn:
            if (!event)
                return QString();
            if (protocol::isRelayAcknowledgement(event->type()))
                return tr("Relay");
            return m_staff != nullptr ? m_staff->nameOf(event->by().toLowerHex()) : shortAddress(event->by().toLowerHex());
        case TimeColumn:
            return event ? timeOfDayText(event->ts()) : QString();
        case CheckColumn:
            return checkText(node);
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        if (index.column() == WhatColumn)
            return describe(node);
        if (index.column() == AuthorColumn)
            return event ? event->by().toLowerHex() : QString();
        if (index.column() == TimeColumn && event)
            return node.acknowledgement && node.acknowledgement->event
                ? tr("Written at %1, acknowledged by the relay at %2")
                      .arg(timeOfDayText(event->ts()), timeOfDayText(node.acknowledgement->event->ts()))
                : tr("Written at %1, not yet acknowledged").arg(timeOfDayText(event->ts()));
        if (index.column() != CheckColumn)
            return {};
        const QStringList found = problems(node);
        if (!found.isEmpty())
            return tr("Entry %1 does not verify:\n%2").arg(node.entry.index).arg(found.join(QLatin1Char('\n')));
        if (!node.acknowledgement)
            return tr("Entry %1: the signature verifies; the relay has not acknowledged it yet.").arg(node.entry.index);
        return tr("Entry %1: the author's signature, the relay's acknowledgement (entry %2), its sequence number and "
                  "tree head were all checked on arrival.")
            .arg(node.entry.index)
            .arg(node.acknowledgement->index);
    }
    case EntryIndexRole:
        return node.entry.index;
    case EventIdRole:
        return event ? event->id() : QByteArray();
    case EventTypeRole:
        return event ? protocol::typeName(event->type()) : QString();
    case AuthorRole:
        return event ? event->by().toLowerHex() : QString();
    case TimestampRole:
        return event ? QVariant(event->ts()) : QVariant();
    case AcknowledgedAtRole:
        return node.acknowledgement && node.acknowledgement->event ? QVariant(node.acknowledgement->event->ts()) : QVariant();
    case CheckRole:
        return QVariant::fromValue(check(node));
    case ProblemsRole:
        return problems(node);
    case PatientRole:
        return event ? event->content().value(QStringLiteral("patient")).toString() : QString();
    case TextRole:
        if (!event)
            return QString();
        return event->content().contains(QStringLiteral("text")) ? event->content().value(QStringLiteral("text")).toString()
                                                                  : event->content().value(QStringLiteral("reason")).toString();
    default:
        return {};
    }
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case WhatColumn:
        return tr("Entry");
    case AuthorColumn:
        return tr("By");
    case TimeColumn:
        return tr("Time");
    case CheckColumn:
        return tr("Check");
    default:
        return {};
    }
}

void TimelineModel::refreshNames(const Node &parent)
{
    if (parent.children.empty())
        return;
    Q_EMIT dataChanged(indexFor(parent.children.front().get(), WhatColumn), indexFor(parent.children.back().get(), AuthorColumn),
                       {Qt::DisplayRole, Qt::ToolTipRole});
    for (const auto &child : parent.children)
        refreshNames(*child);
}

} // namespace cmeet::client
