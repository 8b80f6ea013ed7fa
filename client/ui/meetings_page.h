#pragma once
// The meetings list (thesis F1.4): upcoming (soonest first) and previous (latest first), each
// with its date, status and host; new, edit and cancel for the host; open to enter the room.

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeView;
class QSortFilterProxyModel;

namespace cmeet::client {

class MeetingListModel;

class MeetingsPage : public QWidget {
    Q_OBJECT

public:
    // identity: the signed-in address (hosts may edit and cancel their scheduled meetings).
    MeetingsPage(MeetingListModel &meetings, QWidget *parent = nullptr);

    void setIdentity(const QString &identity);
    // The meeting selected in either list, or empty.
    [[nodiscard]] QString selectedMeeting() const;
    void selectMeeting(const QString &id);
    // Whether the relay has been reached, and whether it has answered with the list yet: empty
    // lists then say why (not connected yet, or no meetings at all) instead of looking like either.
    void setListState(bool reached, bool listed);

Q_SIGNALS:
    void newMeetingRequested();
    void editRequested(const QString &id);
    void cancelRequested(const QString &id);
    void openRequested(const QString &id);
    void refreshRequested();

private:
    QTreeView *listView(const QString &name, QSortFilterProxyModel *proxy);
    void updateButtons();
    void updateNote();

    MeetingListModel &m_meetings;
    QString m_identity;
    bool m_reached = false;
    bool m_listed = false;
    QLabel *m_note;
    QSortFilterProxyModel *m_upcoming;
    QSortFilterProxyModel *m_previous;
    QTreeView *m_upcomingView;
    QTreeView *m_previousView;
    QPushButton *m_new;
    QPushButton *m_edit;
    QPushButton *m_cancel;
    QPushButton *m_open;
};

} // namespace cmeet::client
