#pragma once
// The app's window: the meetings list, or the room of the meeting open; the connection state
// always in the status bar. Owns the link to the relay (logged in automatically, reconnecting
// with backoff) and the directories; a meeting's session lives while its room is open.

#include "client/core/meeting_session.h"
#include "client/ui/app_settings.h"

#include <QJsonArray>
#include <QMainWindow>

#include <memory>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace cmeet::client {

class AuditWorkspace;
class DirectoryModel;
class MeetingListModel;
class MeetingRoom;
class MeetingsPage;
class UserPrompts;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // key signs for identity (the identity key or a device key); schemas outlive the window.
    MainWindow(AppSettings settings, crypto::Address identity, crypto::PrivateKey key, const protocol::SchemaValidator &schemas,
               UserPrompts &prompts, QWidget *parent = nullptr);
    ~MainWindow() override;

    [[nodiscard]] RelayLink &link() { return *m_link; }
    [[nodiscard]] MeetingListModel &meetings() { return *m_meetings; }
    [[nodiscard]] MeetingsPage &meetingsPage() { return *m_meetingsPage; }
    // The open meeting's room, or null on the meetings list.
    [[nodiscard]] MeetingRoom *room() { return m_room; }

    // The audit workspace, once a meeting file was opened (null before).
    [[nodiscard]] AuditWorkspace *auditWorkspace() { return m_audit; }

    void openMeeting(const QString &id);
    // Shows the audit workspace checking the meeting file at path.
    void openMeetingFile(const QString &path);
    void closeMeeting();
    void refreshMeetings();

    // The profile's settings as they are now (File > Settings changes them).
    [[nodiscard]] const AppSettings &settings() const { return m_settings; }

private:
    void onLinkState();
    void connectToRelay();
    void editSettings();
    // Saves them in the profile; a new relay or CA closes the open meeting and reconnects.
    void applySettings(const AppSettings &settings);
    void newMeeting();
    void editMeeting(const QString &id);
    void cancelMeeting(const QString &id);
    void showEditor(const QJsonObject &meeting);
    void refreshDirectories();
    // After the first meetings list: reopens the meeting open when the app quit, if still running.
    void resumeMeeting();
    void rememberOpenMeeting(const QString &id);

    AppSettings m_settings;
    const protocol::SchemaValidator &m_schemas;
    UserPrompts &m_prompts;
    std::unique_ptr<RelayLink> m_link;
    DirectoryModel *m_staff;
    DirectoryModel *m_patients;
    QJsonArray m_staffList;
    QJsonArray m_patientList;
    MeetingListModel *m_meetings;
    QStackedWidget *m_pages;
    MeetingsPage *m_meetingsPage;
    std::unique_ptr<MeetingSession> m_session;
    MeetingRoom *m_room = nullptr;
    AuditWorkspace *m_audit = nullptr;
    bool m_resumeChecked = false;
    bool m_meetingsListed = false; // the relay has answered with the meetings list
    QLabel *m_connection;
    QPushButton *m_retry;
    QLabel *m_account;
    QLabel *m_banner;
};

} // namespace cmeet::client
