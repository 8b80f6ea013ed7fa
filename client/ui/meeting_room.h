#pragma once
// One meeting, live (thesis 4.3, figures 4.5 and 4.6): the timeline of verified entries, who is
// present, the polls, the patient under discussion with the meeting's form, and what the user
// can do: the host starts, shows the attendance code, leads the agenda, edits patient data,
// opens and ends polls and ends the meeting; a participant joins with the code, comments,
// replies, disagrees, votes and leaves. It shows a MeetingSession and sends the user's intents
// back to it; the session does the signing, sending and checking.

#include "client/core/meeting_session.h"
#include "client/core/session_images.h"

#include <QJsonObject>
#include <QPointer>
#include <QWidget>

class QButtonGroup;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeView;
class QVBoxLayout;

namespace cmeet::client {

class DirectoryModel;
class ImagesPanel;
class ParticipantsModel;
class PollChart;
class PollsModel;
class TimelineModel;
class UserPrompts;

class MeetingRoom : public QWidget {
    Q_OBJECT

public:
    MeetingRoom(MeetingSession &session, RelayLink &link, const DirectoryModel &staff, const DirectoryModel &patients, UserPrompts &prompts,
                QWidget *parent = nullptr);
    ~MeetingRoom() override;

    [[nodiscard]] MeetingSession &session() { return m_session; }
    [[nodiscard]] TimelineModel &timeline() { return *m_timeline; }
    [[nodiscard]] PollsModel &polls() { return *m_polls; }
    [[nodiscard]] ParticipantsModel &participants() { return *m_participants; }
    [[nodiscard]] SessionImages &images() { return *m_images; }
    [[nodiscard]] ImagesPanel &imagesPanel() { return *m_imagesPanel; }
    // The chain node approvals are checked against (Settings; empty: approving says to set it),
    // and the meeting registry the settings trust (nullopt: the one the relay names).
    void setChain(const QUrl &node, std::optional<crypto::Address> trustedRegistry)
    {
        m_chain = node;
        m_trustedRegistry = std::move(trustedRegistry);
    }
    // The code the host shows in the room (empty for participants, or before the start).
    [[nodiscard]] const QString &attendanceCode() const { return m_code; }

Q_SIGNALS:
    void closeRequested();

protected:
    // The host drops an image file on the room to show it.
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    QWidget *buildHostBar();
    QWidget *buildParticipantBar();
    QWidget *buildComposer();
    QWidget *buildPatientPanel();
    QWidget *buildPollsPanel();
    QWidget *buildApprovalBar();
    // The approval bar: approvals of roster so far, and whether one is yours.
    void showApprovals(qint64 approvals, qint64 roster, bool mine);
    void approve();
    void updateState();
    // One updateState for a burst of signals (an arrival changes entries, outgoing and phase).
    void scheduleUpdate();
    void updatePollDetails();
    void updatePatientPanel();
    void loadPatientData();
    void say(const QString &message, bool problem = false);
    void onAccepted(protocol::EventType type, const QByteArray &id);
    void onRejected(protocol::EventType type, const QString &reason);
    static QString waitFromRelay(const QString &reason);
    void sendComment();
    void reply();
    void disagree();
    void startMeeting();
    void rotateCode();
    void showCodeFullScreen();
    void discussSelected();
    void savePatientData();
    void newPoll();
    void endPoll();
    void castVote();
    void endMeeting();
    void leave();
    [[nodiscard]] QString discussedPatient() const;
    [[nodiscard]] QByteArray selectedEvent() const;
    [[nodiscard]] QByteArray selectedPoll() const;
    [[nodiscard]] QString patientName(const QString &id) const;

    MeetingSession &m_session;
    RelayLink &m_link;
    const DirectoryModel &m_staff;
    const DirectoryModel &m_patients;
    UserPrompts &m_prompts;
    TimelineModel *m_timeline;
    ParticipantsModel *m_participants;
    PollsModel *m_polls;
    SessionImages *m_images;
    ImagesPanel *m_imagesPanel;
    QString m_code;
    QUrl m_chain;
    std::optional<crypto::Address> m_trustedRegistry;
    bool m_approvedByMe = false; // you approved, here or before (the relay also refuses a second one)
    bool m_updateScheduled = false;
    QJsonObject m_patientData; // meeting.patientData: patient id -> {data: {field: value}}

    QLabel *m_title;
    QLabel *m_phase;
    QLabel *m_problems;
    QLabel *m_message;
    QWidget *m_hostBar;
    QWidget *m_participantBar;
    QLabel *m_codeLabel;
    QPushButton *m_start;
    QPushButton *m_rotate;
    QPushButton *m_fullScreen;
    QPushButton *m_newPoll;
    QPushButton *m_endPoll;
    QPushButton *m_endMeeting;
    QLineEdit *m_joinCode;
    QPushButton *m_join;
    QPushButton *m_leave;
    QWidget *m_joinControls;
    QLabel *m_presence;
    QWidget *m_approvalBar;
    QLabel *m_approvalState;
    QPushButton *m_approve;
    QTreeView *m_timelineView;
    QTabWidget *m_tabs;
    QComboBox *m_commentPatient;
    QPlainTextEdit *m_composer;
    QPushButton *m_send;
    QPushButton *m_reply;
    QPushButton *m_disagree;
    QLabel *m_outgoing;
    QListWidget *m_agenda;
    QPushButton *m_discuss;
    QLabel *m_patientDetails;
    QFormLayout *m_patientForm;
    QList<QPair<QString, QPlainTextEdit *>> m_fieldEdits;
    QPushButton *m_savePatient;
    QTableView *m_pollsView;
    QGroupBox *m_voteBox;
    QWidget *m_composerBox = nullptr;
    bool m_approvalsAsked = false;
    QVBoxLayout *m_voteOptions;
    QButtonGroup *m_voteGroup;
    QPushButton *m_vote;
    PollChart *m_chart;
    QLabel *m_myVote;
    QPointer<QWidget> m_codeWindow;
};

} // namespace cmeet::client
