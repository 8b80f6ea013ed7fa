#include "client/ui/meetings_page.h"

#include "client/models/meeting_list_model.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace cmeet::client {

namespace {

QSortFilterProxyModel *section(MeetingListModel &meetings, bool upcoming, QObject *parent)
{
    auto *proxy = new QSortFilterProxyModel(parent);
    proxy->setSourceModel(&meetings);
    proxy->setFilterRole(MeetingListModel::UpcomingRole);
    proxy->setFilterFixedString(upcoming ? QStringLiteral("true") : QStringLiteral("false"));
    proxy->setSortRole(MeetingListModel::ScheduledAtRole);
    proxy->sort(MeetingListModel::DateColumn, upcoming ? Qt::AscendingOrder : Qt::DescendingOrder);
    proxy->setDynamicSortFilter(true);
    return proxy;
}

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    font.setBold(true);
    label->setFont(font);
    return label;
}

} // namespace

MeetingsPage::MeetingsPage(MeetingListModel &meetings, QWidget *parent)
    : QWidget(parent), m_meetings(meetings), m_note(new QLabel(this)), m_upcoming(section(meetings, true, this)),
      m_previous(section(meetings, false, this)),
      m_upcomingView(listView(QStringLiteral("upcomingMeetings"), m_upcoming)), m_previousView(listView(QStringLiteral("previousMeetings"), m_previous)),
      m_new(new QPushButton(tr("&New meeting…"), this)), m_edit(new QPushButton(tr("&Edit…"), this)),
      m_cancel(new QPushButton(tr("&Cancel meeting…"), this)), m_open(new QPushButton(tr("&Open"), this))
{
    setObjectName(QStringLiteral("meetingsPage"));
    m_note->setObjectName(QStringLiteral("meetingsNote"));
    m_note->setWordWrap(true);
    m_note->setStyleSheet(QStringLiteral("background: #eef3f8; color: #1d3b57; padding: 8px; border: 1px solid #b9cde0;"));
    m_new->setObjectName(QStringLiteral("newMeetingButton"));
    m_edit->setObjectName(QStringLiteral("editMeetingButton"));
    m_cancel->setObjectName(QStringLiteral("cancelMeetingButton"));
    m_open->setObjectName(QStringLiteral("openMeetingButton"));
    m_open->setDefault(true);
    auto *refresh = new QPushButton(tr("&Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshMeetingsButton"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_new);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_cancel);
    buttons->addStretch();
    buttons->addWidget(refresh);
    buttons->addWidget(m_open);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_note);
    layout->addWidget(heading(tr("Upcoming meetings"), this));
    layout->addWidget(m_upcomingView, 3);
    layout->addWidget(heading(tr("Previous meetings"), this));
    layout->addWidget(m_previousView, 2);
    layout->addLayout(buttons);

    connect(m_new, &QPushButton::clicked, this, &MeetingsPage::newMeetingRequested);
    connect(m_edit, &QPushButton::clicked, this, [this] { Q_EMIT editRequested(selectedMeeting()); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { Q_EMIT cancelRequested(selectedMeeting()); });
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (!selectedMeeting().isEmpty())
            Q_EMIT openRequested(selectedMeeting());
    });
    connect(refresh, &QPushButton::clicked, this, &MeetingsPage::refreshRequested);
    for (QTreeView *view : {m_upcomingView, m_previousView}) {
        QTreeView *other = view == m_upcomingView ? m_previousView : m_upcomingView;
        connect(view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this, view, other] {
            if (view->selectionModel()->hasSelection())
                other->clearSelection(); // one selected meeting across both lists
            updateButtons();
        });
        connect(view, &QTreeView::activated, this, [this](const QModelIndex &index) {
            Q_EMIT openRequested(index.data(MeetingListModel::IdRole).toString());
        });
    }
    connect(&m_meetings, &QAbstractItemModel::dataChanged, this, &MeetingsPage::updateButtons);
    connect(&m_meetings, &QAbstractItemModel::rowsRemoved, this, &MeetingsPage::updateButtons);
    connect(&m_meetings, &QAbstractItemModel::rowsInserted, this, &MeetingsPage::updateNote);
    connect(&m_meetings, &QAbstractItemModel::rowsRemoved, this, &MeetingsPage::updateNote);
    updateButtons();
    updateNote();
}

QTreeView *MeetingsPage::listView(const QString &name, QSortFilterProxyModel *proxy)
{
    auto *view = new QTreeView(this);
    view->setObjectName(name);
    view->setModel(proxy);
    view->setRootIsDecorated(false);
    view->setUniformRowHeights(true);
    view->setAlternatingRowColors(true);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->header()->setSectionResizeMode(MeetingListModel::TitleColumn, QHeaderView::Stretch);
    view->header()->setStretchLastSection(false);
    for (int column = MeetingListModel::DateColumn; column < MeetingListModel::ColumnCount; ++column)
        view->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    return view;
}

void MeetingsPage::setIdentity(const QString &identity)
{
    m_identity = identity;
    updateButtons();
}

QString MeetingsPage::selectedMeeting() const
{
    for (const QTreeView *view : {m_upcomingView, m_previousView}) {
        const QModelIndexList rows = view->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            return rows.constFirst().data(MeetingListModel::IdRole).toString();
    }
    return {};
}

void MeetingsPage::selectMeeting(const QString &id)
{
    const int row = m_meetings.rowOf(id);
    if (row < 0)
        return;
    const QModelIndex source = m_meetings.index(row, 0);
    for (auto [view, proxy] : {std::pair{m_upcomingView, m_upcoming}, std::pair{m_previousView, m_previous}}) {
        const QModelIndex index = proxy->mapFromSource(source);
        if (index.isValid()) {
            view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            view->setCurrentIndex(index);
        }
    }
}

void MeetingsPage::setListState(bool reached, bool listed)
{
    m_reached = reached;
    m_listed = listed;
    updateNote();
}

void MeetingsPage::updateNote()
{
    QString note;
    if (m_meetings.rowCount() == 0 && !m_reached)
        note = tr("Your meetings are listed here once c-meet reaches the relay: see the line at the bottom of the window.");
    else if (m_meetings.rowCount() == 0 && m_listed)
        note = tr("No meetings with you on the roster yet. A host schedules one with “New meeting…”.");
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
}

void MeetingsPage::updateButtons()
{
    const QJsonObject meeting = m_meetings.meeting(selectedMeeting());
    const bool selected = !meeting.isEmpty();
    const bool editable = selected && meeting.value(QStringLiteral("host")).toString() == m_identity
        && meeting.value(QStringLiteral("status")).toString() == QStringLiteral("scheduled");
    m_open->setEnabled(selected && meeting.value(QStringLiteral("status")).toString() != QStringLiteral("cancelled"));
    m_edit->setEnabled(editable);
    m_cancel->setEnabled(editable);
    const QString why = selected && !editable ? tr("Only the host can change a meeting, and only before it starts.") : QString();
    m_edit->setToolTip(why);
    m_cancel->setToolTip(why);
}

} // namespace cmeet::client
