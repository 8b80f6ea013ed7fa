#include "client/ui/meeting_room.h"

#include "base/hex.h"
#include "client/models/directory_model.h"
#include "client/models/labels.h"
#include "client/models/participants_model.h"
#include "client/models/polls_model.h"
#include "client/models/timeline_model.h"
#include "client/ui/images_panel.h"
#include "client/ui/poll_chart.h"
#include "client/ui/user_prompts.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QShortcut>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <functional>

namespace cmeet::client {

using protocol::Event;
using protocol::EventType;

namespace {

const QString problemStyle = QStringLiteral("color: #b03a2e; font-weight: bold;");

// The check column in colour: green verified, grey awaiting, red and bold for a failed check.
class CheckDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        switch (index.data(TimelineModel::CheckRole).value<TimelineModel::Check>()) {
        case TimelineModel::Check::Verified:
            option->palette.setColor(QPalette::Text, QColor(0x1e, 0x7b, 0x34));
            option->text = QStringLiteral("✔ ") + option->text;
            break;
        case TimelineModel::Check::AwaitingAcknowledgement:
            option->palette.setColor(QPalette::Text, option->palette.color(QPalette::PlaceholderText));
            option->text = QStringLiteral("… ") + option->text;
            break;
        case TimelineModel::Check::Failed:
            option->palette.setColor(QPalette::Text, QColor(0xb0, 0x3a, 0x2e));
            option->font.setBold(true);
            option->text = QStringLiteral("✘ ") + option->text;
            break;
        }
    }
};

QPushButton *button(const QString &text, const QString &name, QWidget *parent)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}

// The host's new-poll dialog (question, options one per line, optional patient), shown without
// blocking; done is called with the answers when the host opens the poll.
void askForPoll(QWidget *parent, const DirectoryModel &patients, const QStringList &agenda, const QString &discussed,
                const std::function<void(const QString &, const QStringList &, const QString &)> &done)
{
    auto *dialog = new QDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("pollDialog"));
    dialog->setWindowTitle(QObject::tr("New poll"));
    auto *question = new QLineEdit(dialog);
    question->setObjectName(QStringLiteral("pollQuestion"));
    question->setMaxLength(1000);
    auto *options = new QPlainTextEdit(dialog);
    options->setObjectName(QStringLiteral("pollOptions"));
    options->setPlaceholderText(QObject::tr("One option per line, at least two"));
    options->setPlainText(QObject::tr("Agree\nDisagree"));
    auto *patient = new QComboBox(dialog);
    patient->setObjectName(QStringLiteral("pollPatient"));
    patient->addItem(QObject::tr("No patient"), QString());
    for (const QString &id : agenda)
        patient->addItem(patients.nameOf(id), id);
    patient->setCurrentIndex(std::max(0, patient->findData(discussed)));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
    ok->setText(QObject::tr("Open the poll"));
    ok->setObjectName(QStringLiteral("openPollButton"));
    auto *form = new QFormLayout(dialog);
    form->addRow(QObject::tr("&Question"), question);
    form->addRow(QObject::tr("&Options"), options);
    form->addRow(QObject::tr("&Patient"), patient);
    form->addRow(buttons);
    const auto optionList = [options] {
        QStringList list;
        for (const QString &line : options->toPlainText().split(QLatin1Char('\n')))
            if (!line.trimmed().isEmpty() && !list.contains(line.trimmed()))
                list.append(line.trimmed());
        return list;
    };
    const auto validate = [question, optionList, ok] {
        const qsizetype count = optionList().size();
        ok->setEnabled(!question->text().trimmed().isEmpty() && count >= 2 && count <= 20);
    };
    QObject::connect(question, &QLineEdit::textChanged, dialog, validate);
    QObject::connect(options, &QPlainTextEdit::textChanged, dialog, validate);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, [dialog, question, optionList, patient, done] {
        done(question->text().trimmed(), optionList(), patient->currentData().toString());
        dialog->accept();
    });
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    validate();
    dialog->open();
}

} // namespace

MeetingRoom::MeetingRoom(MeetingSession &session, RelayLink &link, const DirectoryModel &staff, const DirectoryModel &patients,
                         UserPrompts &prompts, QWidget *parent)
    : QWidget(parent), m_session(session), m_link(link), m_staff(staff), m_patients(patients), m_prompts(prompts),
      m_timeline(new TimelineModel(&staff, &patients, this)), m_participants(new ParticipantsModel(&staff, this)),
      m_polls(new PollsModel(&patients, this))
{
    setObjectName(QStringLiteral("meetingRoom"));
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("roomTitle"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_phase = new QLabel(this);
    m_phase->setObjectName(QStringLiteral("roomPhase"));
    auto *back = button(tr("← Meetings"), QStringLiteral("backToMeetingsButton"), this);
    m_problems = new QLabel(this);
    m_problems->setObjectName(QStringLiteral("problemsBanner"));
    m_problems->setWordWrap(true);
    m_problems->setStyleSheet(QStringLiteral("background: #fdecea; color: #7a1f16; padding: 6px; border: 1px solid #e6a39b;"));
    m_problems->hide();
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("roomMessage"));
    m_message->setWordWrap(true);
    m_message->hide();

    m_timelineView = new QTreeView(this);
    m_timelineView->setObjectName(QStringLiteral("timeline"));
    m_timelineView->setModel(m_timeline);
    m_timelineView->setUniformRowHeights(true);
    m_timelineView->setAlternatingRowColors(true);
    m_timelineView->setItemDelegateForColumn(TimelineModel::CheckColumn, new CheckDelegate(m_timelineView));
    // Widths from the font, never ResizeToContents: that measures every row on every change, and a
    // meeting has thousands (it stalled the window for seconds in bench_app).
    QHeaderView *columns = m_timelineView->header();
    columns->setStretchLastSection(false);
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setSectionResizeMode(TimelineModel::WhatColumn, QHeaderView::Stretch);
    const QFontMetrics metrics = m_timelineView->fontMetrics();
    columns->resizeSection(TimelineModel::AuthorColumn, metrics.horizontalAdvance(QStringLiteral("Dr Firstname Lastname")) + 16);
    columns->resizeSection(TimelineModel::TimeColumn, metrics.horizontalAdvance(QStringLiteral("00:00:00")) + 16);
    columns->resizeSection(TimelineModel::CheckColumn, metrics.horizontalAdvance(QStringLiteral("✔ ") + tr("Awaiting acknowledgement")) + 16);

    auto *participantsView = new QTableView(this);
    participantsView->setObjectName(QStringLiteral("participants"));
    participantsView->setModel(m_participants);
    participantsView->verticalHeader()->hide();
    participantsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    participantsView->horizontalHeader()->setSectionResizeMode(ParticipantsModel::NameColumn, QHeaderView::Stretch);
    participantsView->horizontalHeader()->setSectionResizeMode(ParticipantsModel::StatusColumn, QHeaderView::ResizeToContents);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("roomTabs"));
    m_tabs->addTab(buildPatientPanel(), tr("Patient"));
    m_tabs->addTab(participantsView, tr("Participants"));
    m_tabs->addTab(buildPollsPanel(), tr("Polls"));
    m_images = new SessionImages(m_session, this);
    m_imagesPanel = new ImagesPanel(*m_images, m_patients, m_prompts, [this] { return discussedPatient(); }, this);
    m_imagesPanel->setObjectName(QStringLiteral("imagesPanel"));
    m_tabs->addTab(m_imagesPanel, tr("Images"));
    connect(m_imagesPanel, &ImagesPanel::said, this, [this](const QString &text, bool problem) { say(text, problem); });

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_timelineView, 1);
    leftLayout->addWidget(buildComposer());
    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *header = new QHBoxLayout;
    header->addWidget(back);
    header->addWidget(m_title, 1);
    header->addWidget(m_phase);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_problems);
    layout->addWidget(m_hostBar = buildHostBar());
    layout->addWidget(m_participantBar = buildParticipantBar());
    layout->addWidget(m_approvalBar = buildApprovalBar());
    layout->addWidget(m_message); // beside the controls whose outcome it reports (a wrong code, a refusal)
    layout->addWidget(splitter, 1);

    connect(back, &QPushButton::clicked, this, &MeetingRoom::closeRequested);
    connect(&m_session, &MeetingSession::phaseChanged, this, &MeetingRoom::scheduleUpdate);
    connect(&m_session, &MeetingSession::meetingChanged, this, [this] {
        scheduleUpdate();
        updatePatientPanel();
    });
    connect(&m_session, &MeetingSession::outgoingChanged, this, &MeetingRoom::scheduleUpdate);
    connect(&m_session, &MeetingSession::accepted, this, &MeetingRoom::onAccepted);
    connect(&m_session, &MeetingSession::rejected, this, &MeetingRoom::onRejected);
    connect(&m_session, &MeetingSession::problemFound, this, &MeetingRoom::scheduleUpdate);
    connect(&m_link, &RelayLink::stateChanged, this, &MeetingRoom::scheduleUpdate);
    connect(&m_link, &RelayLink::online, this, &MeetingRoom::loadPatientData);
    connect(m_timeline, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &under) {
        if (under.isValid())
            m_timelineView->expand(under); // replies, votes and disagreements in view as they arrive
        m_timelineView->scrollToBottom();
    });
    connect(m_timeline, &QAbstractItemModel::modelReset, m_timelineView, &QTreeView::expandAll);
    connect(m_timelineView->selectionModel(), &QItemSelectionModel::currentChanged, this, &MeetingRoom::updateState);

    m_timeline->setSession(&m_session);
    m_participants->setSession(&m_session);
    m_polls->setSession(&m_session, m_link.identity().toLowerHex());
    m_timelineView->expandAll();
    connect(&m_session, &MeetingSession::entriesAdded, this, [this](qint64 first, qint64 last) {
        scheduleUpdate();
        // The patient panel reads the whole log: only when a discussion or a change arrives.
        const QList<TimelineEntry> &entries = m_session.entries();
        for (qint64 i = first; i <= last && i < entries.size(); ++i) {
            const auto &event = entries.at(i).event;
            if (event && (event->type() == EventType::Discussion || event->type() == EventType::PatientDataChange)) {
                updatePatientPanel();
                break;
            }
        }
    });
    loadPatientData();
    updateState();
    updatePatientPanel();
    updatePollDetails();
}

MeetingRoom::~MeetingRoom()
{
    if (m_codeWindow)
        m_codeWindow->close();
}

QWidget *MeetingRoom::buildHostBar()
{
    auto *bar = new QGroupBox(tr("Host"), this);
    bar->setObjectName(QStringLiteral("hostBar"));
    m_start = button(tr("&Start the meeting"), QStringLiteral("startButton"), bar);
    m_codeLabel = new QLabel(bar);
    m_codeLabel->setObjectName(QStringLiteral("attendanceCode"));
    m_codeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont codeFont(QStringLiteral("DejaVu Sans Mono"));
    codeFont.setPointSize(28);
    codeFont.setBold(true);
    m_codeLabel->setFont(codeFont);
    m_rotate = button(tr("New &code"), QStringLiteral("rotateCodeButton"), bar);
    m_fullScreen = button(tr("Show code &full screen"), QStringLiteral("fullScreenCodeButton"), bar);
    m_newPoll = button(tr("New &poll…"), QStringLiteral("newPollButton"), bar);
    m_endPoll = button(tr("End p&oll"), QStringLiteral("endPollButton"), bar);
    m_endMeeting = button(tr("&End the meeting…"), QStringLiteral("endMeetingButton"), bar);
    auto *layout = new QHBoxLayout(bar);
    layout->addWidget(m_start);
    layout->addWidget(new QLabel(tr("Attendance code:"), bar));
    layout->addWidget(m_codeLabel);
    layout->addWidget(m_rotate);
    layout->addWidget(m_fullScreen);
    layout->addStretch();
    layout->addWidget(m_newPoll);
    layout->addWidget(m_endPoll);
    layout->addWidget(m_endMeeting);
    connect(m_start, &QPushButton::clicked, this, &MeetingRoom::startMeeting);
    connect(m_rotate, &QPushButton::clicked, this, &MeetingRoom::rotateCode);
    connect(m_fullScreen, &QPushButton::clicked, this, &MeetingRoom::showCodeFullScreen);
    connect(m_newPoll, &QPushButton::clicked, this, &MeetingRoom::newPoll);
    connect(m_endPoll, &QPushButton::clicked, this, &MeetingRoom::endPoll);
    connect(m_endMeeting, &QPushButton::clicked, this, &MeetingRoom::endMeeting);
    return bar;
}

QWidget *MeetingRoom::buildParticipantBar()
{
    auto *bar = new QGroupBox(tr("Attendance"), this);
    bar->setObjectName(QStringLiteral("participantBar"));
    m_joinCode = new QLineEdit(bar);
    m_joinCode->setObjectName(QStringLiteral("joinCode"));
    m_joinCode->setPlaceholderText(tr("Code shown in the room"));
    m_joinCode->setMaxLength(12);
    m_joinCode->setMaximumWidth(m_joinCode->fontMetrics().horizontalAdvance(QStringLiteral("W")) * 16);
    m_join = button(tr("&Join"), QStringLiteral("joinButton"), bar);
    m_leave = button(tr("&Leave the meeting"), QStringLiteral("leaveButton"), bar);
    m_presence = new QLabel(bar);
    m_presence->setObjectName(QStringLiteral("presenceLabel"));
    m_joinControls = new QWidget(bar);
    auto *join = new QHBoxLayout(m_joinControls);
    join->setContentsMargins(0, 0, 0, 0);
    join->addWidget(new QLabel(tr("Attendance code:"), m_joinControls));
    join->addWidget(m_joinCode);
    join->addWidget(m_join);
    join->addStretch();
    auto *layout = new QHBoxLayout(bar);
    layout->addWidget(m_joinControls, 1);
    layout->addWidget(m_presence, 1);
    layout->addStretch();
    layout->addWidget(m_leave);
    connect(m_join, &QPushButton::clicked, this, [this] {
        const QString code = m_joinCode->text().trimmed().toUpper();
        if (code.isEmpty()) {
            say(tr("Type the attendance code shown on the host's screen."), true);
            return;
        }
        m_session.join(code);
        say(tr("Joining…"));
        updateState();
    });
    connect(m_joinCode, &QLineEdit::returnPressed, m_join, &QPushButton::click);
    connect(m_leave, &QPushButton::clicked, this, &MeetingRoom::leave);
    return bar;
}

// After the end: each participant approves the final record their own copy holds, once the
// chain anchors the same record (DESIGN.md §5).
QWidget *MeetingRoom::buildApprovalBar()
{
    auto *bar = new QGroupBox(tr("Approval of the record"), this);
    bar->setObjectName(QStringLiteral("approvalBar"));
    m_approvalState = new QLabel(tr("Check the record, then approve it: your copy is verified and compared with the chain first."), bar);
    m_approvalState->setObjectName(QStringLiteral("approvalState"));
    m_approvalState->setWordWrap(true);
    m_approve = button(tr("&Approve the record…"), QStringLiteral("approveButton"), bar);
    auto *layout = new QHBoxLayout(bar);
    layout->addWidget(m_approvalState, 1);
    layout->addWidget(m_approve);
    connect(m_approve, &QPushButton::clicked, this, &MeetingRoom::approve);
    connect(&m_session, &MeetingSession::approvalProgress, this, [this](const QString &what) {
        m_approvalState->setStyleSheet(QString());
        m_approvalState->setText(what);
    });
    connect(&m_session, &MeetingSession::approved, this, [this](qint64 approvals, qint64 roster) { showApprovals(approvals, roster, true); });
    connect(&m_session, &MeetingSession::approvalsKnown, this, [this](const QStringList &identities, qint64 roster) {
        if (!m_session.isApproving())
            showApprovals(identities.size(), roster, identities.contains(m_link.identity().toLowerHex()));
    });
    connect(&m_session, &MeetingSession::approvalFailed, this, [this](const QString &reason) {
        m_approvalState->setStyleSheet(problemStyle);
        m_approvalState->setText(tr("Not approved: %1.").arg(reason));
        scheduleUpdate();
    });
    bar->hide();
    return bar;
}

void MeetingRoom::showApprovals(qint64 approvals, qint64 roster, bool mine)
{
    m_approvedByMe = mine;
    m_approvalState->setStyleSheet(QString());
    m_approvalState->setText(mine ? tr("You approved the final record. %1 of the %2 people on the roster have approved so far.").arg(approvals).arg(roster)
                                  : tr("%1 of the %2 people on the roster have approved so far. Check the record, then approve it: your copy "
                                       "is verified and compared with the chain first.").arg(approvals).arg(roster));
    scheduleUpdate();
}

void MeetingRoom::approve()
{
    const QString text = tr("You approve that this meeting's record, %n entries as your copy holds them and as the chain anchors them, is "
                            "what happened. Your approval is signed with your key and cannot be withdrawn.",
                            nullptr, static_cast<int>(m_session.entries().size()));
    if (!m_prompts.confirm(this, tr("Approve the record"), text, tr("Approve")))
        return;
    m_session.approve(m_chain, m_trustedRegistry);
    scheduleUpdate();
}

QWidget *MeetingRoom::buildComposer()
{
    auto *box = new QGroupBox(tr("Write"), this);
    box->setObjectName(QStringLiteral("composer"));
    m_composerBox = box;
    m_commentPatient = new QComboBox(box);
    m_commentPatient->setObjectName(QStringLiteral("commentPatient"));
    m_composer = new QPlainTextEdit(box);
    m_composer->setObjectName(QStringLiteral("composerText"));
    m_composer->setPlaceholderText(tr("A comment for the record, or a reply to the selected entry"));
    m_composer->setMaximumHeight(90);
    m_send = button(tr("Send &comment"), QStringLiteral("sendCommentButton"), box);
    m_reply = button(tr("&Reply to selected"), QStringLiteral("replyButton"), box);
    m_disagree = button(tr("&Disagree with selected…"), QStringLiteral("disagreeButton"), box);
    m_outgoing = new QLabel(box);
    m_outgoing->setObjectName(QStringLiteral("outgoingState"));
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("About:"), box));
    row->addWidget(m_commentPatient, 1);
    row->addWidget(m_outgoing);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_reply);
    buttons->addWidget(m_disagree);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(box);
    layout->addLayout(row);
    layout->addWidget(m_composer);
    layout->addLayout(buttons);
    connect(m_send, &QPushButton::clicked, this, &MeetingRoom::sendComment);
    connect(m_reply, &QPushButton::clicked, this, &MeetingRoom::reply);
    connect(m_disagree, &QPushButton::clicked, this, &MeetingRoom::disagree);
    connect(m_composer, &QPlainTextEdit::textChanged, this, &MeetingRoom::updateState);
    return box;
}

QWidget *MeetingRoom::buildPatientPanel()
{
    auto *panel = new QWidget(this);
    m_agenda = new QListWidget(panel);
    m_agenda->setObjectName(QStringLiteral("agendaList"));
    m_agenda->setMaximumHeight(140);
    m_discuss = button(tr("D&iscuss this patient"), QStringLiteral("discussButton"), panel);
    m_patientDetails = new QLabel(panel);
    m_patientDetails->setObjectName(QStringLiteral("patientDetails"));
    m_patientDetails->setWordWrap(true);
    m_patientDetails->setTextFormat(Qt::RichText);
    auto *formBox = new QGroupBox(tr("This meeting's record for the patient"), panel);
    m_patientForm = new QFormLayout(formBox);
    for (const QString &field : patientFields()) {
        auto *edit = new QPlainTextEdit(formBox);
        edit->setObjectName(QStringLiteral("field_") + field);
        edit->setMaximumHeight(field == QStringLiteral("mainOpinion") || field == QStringLiteral("questionsForMdt") ? 64 : 40);
        edit->setTabChangesFocus(true);
        m_patientForm->addRow(patientFieldLabel(field), edit);
        m_fieldEdits.append({field, edit});
        connect(edit, &QPlainTextEdit::textChanged, this, &MeetingRoom::updateState);
    }
    m_savePatient = button(tr("&Save changes to the record"), QStringLiteral("savePatientButton"), formBox);
    m_patientForm->addRow(m_savePatient);
    auto *layout = new QVBoxLayout(panel);
    layout->addWidget(new QLabel(tr("Agenda"), panel));
    layout->addWidget(m_agenda);
    layout->addWidget(m_discuss);
    layout->addWidget(m_patientDetails);
    layout->addWidget(formBox, 1);
    connect(m_agenda, &QListWidget::currentRowChanged, this, [this] {
        updatePatientPanel();
        updateState();
    });
    connect(m_discuss, &QPushButton::clicked, this, &MeetingRoom::discussSelected);
    connect(m_savePatient, &QPushButton::clicked, this, &MeetingRoom::savePatientData);
    return panel;
}

QWidget *MeetingRoom::buildPollsPanel()
{
    auto *panel = new QWidget(this);
    m_pollsView = new QTableView(panel);
    m_pollsView->setObjectName(QStringLiteral("pollsTable"));
    m_pollsView->setModel(m_polls);
    m_pollsView->verticalHeader()->hide();
    m_pollsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_pollsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_pollsView->horizontalHeader()->setSectionResizeMode(PollsModel::QuestionColumn, QHeaderView::Stretch);
    m_pollsView->horizontalHeader()->setSectionResizeMode(PollsModel::StatusColumn, QHeaderView::ResizeToContents);
    m_pollsView->horizontalHeader()->setSectionResizeMode(PollsModel::VotesColumn, QHeaderView::ResizeToContents);
    m_pollsView->setMaximumHeight(150);
    m_voteBox = new QGroupBox(tr("Your vote (secret until the poll ends)"), panel);
    m_voteBox->setObjectName(QStringLiteral("voteBox"));
    m_voteOptions = new QVBoxLayout(m_voteBox);
    m_voteGroup = new QButtonGroup(this);
    m_vote = button(tr("Cast &vote"), QStringLiteral("voteButton"), m_voteBox);
    m_voteOptions->addWidget(m_vote);
    m_chart = new PollChart(panel);
    m_chart->setObjectName(QStringLiteral("pollChart"));
    m_myVote = new QLabel(panel);
    m_myVote->setObjectName(QStringLiteral("myVoteLabel"));
    m_myVote->setWordWrap(true);
    auto *layout = new QVBoxLayout(panel);
    layout->addWidget(m_pollsView);
    layout->addWidget(m_voteBox);
    layout->addWidget(new QLabel(tr("Result"), panel));
    layout->addWidget(m_chart);
    layout->addWidget(m_myVote);
    layout->addStretch();
    connect(m_vote, &QPushButton::clicked, this, &MeetingRoom::castVote);
    connect(m_pollsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MeetingRoom::updatePollDetails);
    connect(m_polls, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int, int last) {
        m_pollsView->selectRow(last); // the newest poll is the one to vote in
        m_tabs->setCurrentIndex(2);
    });
    connect(m_polls, &QAbstractItemModel::dataChanged, this, &MeetingRoom::updatePollDetails);
    connect(m_voteGroup, &QButtonGroup::idToggled, this, &MeetingRoom::updateState);
    return panel;
}

QString MeetingRoom::patientName(const QString &id) const
{
    return m_patients.nameOf(id);
}

void MeetingRoom::dragEnterEvent(QDragEnterEvent *event)
{
    if (m_imagesPanel->acceptsDroppedFiles() && event->mimeData()->hasUrls() && event->mimeData()->urls().constFirst().isLocalFile())
        event->acceptProposedAction();
}

void MeetingRoom::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!m_imagesPanel->acceptsDroppedFiles() || urls.isEmpty() || !urls.constFirst().isLocalFile())
        return;
    event->acceptProposedAction();
    m_tabs->setCurrentWidget(m_imagesPanel);
    m_imagesPanel->share(urls.constFirst().toLocalFile());
}

QString MeetingRoom::discussedPatient() const
{
    const QList<TimelineEntry> &entries = m_session.entries();
    for (auto entry = entries.crbegin(); entry != entries.crend(); ++entry)
        if (entry->event && entry->event->type() == EventType::Discussion)
            return entry->event->content().value(QStringLiteral("patient")).toString();
    return {};
}

QByteArray MeetingRoom::selectedEvent() const
{
    return m_timelineView->currentIndex().data(TimelineModel::EventIdRole).toByteArray();
}

QByteArray MeetingRoom::selectedPoll() const
{
    const QModelIndex current = m_pollsView->currentIndex();
    return current.isValid() ? current.data(PollsModel::PollIdRole).toByteArray() : QByteArray();
}

void MeetingRoom::say(const QString &message, bool problem)
{
    m_message->setStyleSheet(problem ? problemStyle : QString());
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

void MeetingRoom::scheduleUpdate()
{
    if (std::exchange(m_updateScheduled, true))
        return;
    QMetaObject::invokeMethod(this, &MeetingRoom::updateState, Qt::QueuedConnection);
}

void MeetingRoom::updateState()
{
    m_updateScheduled = false;
    const QJsonObject &meeting = m_session.meeting();
    const QList<TimelineEntry> &entries = m_session.entries();
    const bool started = !entries.isEmpty();
    const bool ended = std::any_of(entries.begin(), entries.end(), [](const TimelineEntry &e) { return e.event && e.event->type() == EventType::End; });
    const bool host = m_session.isHost();
    const bool present = m_session.isPresent();
    const bool live = m_session.phase() == MeetingSession::Phase::Live;
    const bool busy = m_session.outgoing() > 0;

    const QString status = ended ? tr("ended") : started ? tr("in progress") : meetingStatusLabel(meeting.value(QStringLiteral("status")).toString()).toLower();
    m_title->setText(tr("%1 (%2)").arg(meeting.value(QStringLiteral("title")).toString(), status));
    switch (m_session.phase()) {
    case MeetingSession::Phase::Loading:
        m_phase->setText(tr("Reading the local copy…"));
        break;
    case MeetingSession::Phase::CatchingUp:
        m_phase->setText(tr("Catching up…"));
        break;
    case MeetingSession::Phase::Live:
        m_phase->setText(tr("Up to date, %n entries", nullptr, static_cast<int>(entries.size())));
        break;
    case MeetingSession::Phase::Waiting:
        m_phase->setText(tr("Offline: what you write is sent when the relay is back"));
        break;
    case MeetingSession::Phase::Failed:
        m_phase->setText(tr("Stopped: %1").arg(m_session.failure()));
        break;
    }
    m_phase->setStyleSheet(m_session.phase() == MeetingSession::Phase::Failed ? problemStyle : QString());

    const QStringList &problems = m_session.problems();
    m_problems->setVisible(!problems.isEmpty());
    // Every problem is the relay's record failing to match what it signed or acknowledged.
    const QString tell = tr("The evidence is kept in your copy; tell the meeting's host and your information governance lead.");
    if (problems.size() == 1)
        m_problems->setText(tr("A problem with this meeting's record: %1 %2").arg(problems.constFirst(), tell));
    else if (!problems.isEmpty())
        m_problems->setText(tr("%1 problems with this meeting's record. %2 Latest: %3").arg(problems.size()).arg(tell, problems.constLast()));

    m_hostBar->setVisible(host);
    m_participantBar->setVisible(!host);
    m_start->setEnabled(host && !started && !busy);
    m_start->setVisible(!started);
    m_codeLabel->setText(started && !ended ? (m_code.isEmpty() ? tr("press “New code”") : m_code) : QStringLiteral("—"));
    m_rotate->setEnabled(started && !ended && live);
    m_fullScreen->setEnabled(!m_code.isEmpty() && started && !ended);
    const bool pollOpen = m_polls->openPoll().has_value();
    m_newPoll->setEnabled(present && !ended && !pollOpen);
    m_imagesPanel->setHost(host, present && !ended && !discussedPatient().isEmpty());
    setAcceptDrops(m_imagesPanel->acceptsDroppedFiles());
    m_endPoll->setEnabled(present && pollOpen && host);
    m_endMeeting->setEnabled(present && !ended);

    m_join->setEnabled(started && !present && !ended && !busy);
    m_joinCode->setEnabled(started && !present && !ended);
    m_joinControls->setVisible(!present && !ended);
    m_presence->setVisible(present || ended || !started);
    const int me = m_participants->rowOf(m_link.identity().toLowerHex());
    const QVariant joinedAt = me >= 0 ? m_participants->index(me, 0).data(ParticipantsModel::JoinedAtRole) : QVariant();
    const QVariant leftAt = me >= 0 ? m_participants->index(me, 0).data(ParticipantsModel::LeftAtRole) : QVariant();
    if (!started)
        m_presence->setText(tr("The host has not started the meeting yet."));
    else if (ended && joinedAt.isNull())
        m_presence->setText(tr("The meeting has ended. You did not join it."));
    else if (ended && !leftAt.isNull())
        m_presence->setText(tr("The meeting has ended. You were in it from %1 to %2.").arg(timeOfDayText(joinedAt.toLongLong()), timeOfDayText(leftAt.toLongLong())));
    else if (ended)
        m_presence->setText(tr("The meeting has ended. You were in it from %1 to its end.").arg(timeOfDayText(joinedAt.toLongLong())));
    else if (present)
        m_presence->setText(joinedAt.isNull() ? tr("You are in the meeting.") : tr("You are in the meeting since %1.").arg(timeOfDayText(joinedAt.toLongLong())));
    m_leave->setEnabled(present && !ended && !host);
    m_leave->setVisible(!ended);
    m_approvalBar->setVisible(m_session.hasEnded());
    // An ended meeting, up to date: whether you (and how many) approved already; asked again
    // after a reconnect.
    if (live && m_session.hasEnded() && !m_approvalsAsked && !m_session.isApproving()) {
        m_approvalsAsked = true;
        m_session.fetchApprovals();
    }
    m_approvalsAsked = m_approvalsAsked && live;
    // A record that does not verify is not approved by anyone: the evidence goes to governance.
    const bool recordBroken = !problems.isEmpty();
    m_approve->setEnabled(m_session.hasEnded() && !m_session.isApproving() && !m_approvedByMe && !recordBroken);
    if (recordBroken && m_session.hasEnded() && !m_approvedByMe) {
        m_approvalState->setStyleSheet(problemStyle);
        m_approvalState->setText(tr("Your copy of this record does not verify (see above), so it cannot be approved."));
    }

    const bool canWrite = present && !ended;
    const QString selectedType = m_timelineView->currentIndex().data(TimelineModel::EventTypeRole).toString();
    m_send->setEnabled(canWrite && !m_composer->toPlainText().trimmed().isEmpty());
    m_reply->setEnabled(canWrite && !m_composer->toPlainText().trimmed().isEmpty()
                        && (selectedType == QStringLiteral("comment") || selectedType == QStringLiteral("reply")));
    m_disagree->setEnabled(canWrite && !selectedEvent().isEmpty());
    m_composer->setEnabled(canWrite);
    m_composerBox->setVisible(!ended); // nothing more goes on the record
    m_outgoing->setText(busy ? tr("%n waiting to be sent", nullptr, static_cast<int>(m_session.outgoing())) : QString());

    const QString agendaPatient = m_agenda->currentItem() ? m_agenda->currentItem()->data(Qt::UserRole).toString() : QString();
    m_discuss->setVisible(host);
    m_discuss->setEnabled(present && !ended && !agendaPatient.isEmpty() && agendaPatient != discussedPatient());
    bool changed = false;
    for (const auto &[field, edit] : m_fieldEdits) {
        edit->setReadOnly(!host || !present || ended);
        changed = changed || edit->property("saved").toString() != edit->toPlainText();
    }
    m_savePatient->setVisible(host);
    m_savePatient->setEnabled(present && !ended && changed && !agendaPatient.isEmpty());

    const QByteArray poll = selectedPoll();
    const int pollRow = m_polls->rowOf(poll);
    const bool pollEnded = pollRow >= 0 && m_polls->index(pollRow, 0).data(PollsModel::EndedRole).toBool();
    const auto myVote = pollRow >= 0 ? m_polls->index(pollRow, 0).data(PollsModel::MyVoteRole).value<PollsModel::MyVote>() : PollsModel::MyVote::NotVoted;
    m_voteBox->setEnabled(present && pollRow >= 0 && !pollEnded && myVote == PollsModel::MyVote::NotVoted && m_polls->openPoll() == poll);
    m_voteBox->setVisible(!pollEnded); // the result takes its place
    m_vote->setEnabled(m_voteBox->isEnabled() && m_voteGroup->checkedId() >= 0);
}

void MeetingRoom::updatePollDetails()
{
    const int row = m_polls->rowOf(selectedPoll());
    const QStringList options = row >= 0 ? m_polls->index(row, 0).data(PollsModel::OptionsRole).toStringList() : QStringList();
    if (m_voteOptions->property("poll").toByteArray() != selectedPoll()) {
        // Another poll selected: its options as radio buttons.
        m_voteOptions->setProperty("poll", selectedPoll());
        for (QAbstractButton *old : m_voteGroup->buttons()) {
            m_voteGroup->removeButton(old);
            old->deleteLater();
        }
        for (int i = 0; i < options.size(); ++i) {
            auto *option = new QRadioButton(options.at(i), m_voteBox);
            option->setObjectName(QStringLiteral("voteOption%1").arg(i));
            m_voteGroup->addButton(option, i);
            m_voteOptions->insertWidget(i, option);
        }
    }
    if (row < 0) {
        m_chart->clear();
        m_myVote->clear();
        updateState();
        return;
    }
    const QModelIndex poll = m_polls->index(row, 0);
    QList<int> counts;
    for (const QVariant &count : poll.data(PollsModel::CountsRole).toList())
        counts.append(count.toInt());
    if (poll.data(PollsModel::EndedRole).toBool())
        m_chart->setResult(options, counts, poll.data(PollsModel::InvalidRole).toInt());
    else
        m_chart->clear();
    QString text;
    bool loud = false;
    switch (poll.data(PollsModel::MyVoteRole).value<PollsModel::MyVote>()) {
    case PollsModel::MyVote::NotVoted:
        text = poll.data(PollsModel::EndedRole).toBool() ? tr("You did not vote in this poll.") : QString();
        break;
    case PollsModel::MyVote::Cast:
        text = tr("Your vote is in the record. It stays secret until the poll ends.");
        break;
    case PollsModel::MyVote::Counted:
        text = tr("✔ Your vote was counted.");
        break;
    case PollsModel::MyVote::NotCounted:
        text = tr("✘ YOUR VOTE WAS NOT COUNTED. The relay left it out of the result. Keep this meeting's file as evidence and "
                  "tell the host and your information governance lead.");
        loud = true;
        break;
    }
    const QStringList problems = poll.data(PollsModel::ProblemsRole).toStringList();
    if (!problems.isEmpty()) {
        // A tick beside "does not verify" would read as reassurance: the result it is counted in is in doubt.
        if (poll.data(PollsModel::MyVoteRole).value<PollsModel::MyVote>() == PollsModel::MyVote::Counted)
            text = tr("Your vote is in the relay's result, but that result cannot be trusted.");
        text += QLatin1Char('\n') + tr("This poll's record does not verify: %1").arg(problems.join(QStringLiteral("; ")));
        loud = true;
    }
    m_myVote->setText(text);
    m_myVote->setStyleSheet(loud ? problemStyle : QString());
    updateState();
}

void MeetingRoom::loadPatientData()
{
    if (m_link.state() != RelayLink::State::Online)
        return;
    m_link.request(QStringLiteral("meeting.patientData"), {{QStringLiteral("id"), m_session.meetingId()}}, this, [this](const auto &result) {
        if (!result)
            return; // shown from the log alone; asked again at the next login
        m_patientData = result->toObject();
        updatePatientPanel();
    });
}

void MeetingRoom::updatePatientPanel()
{
    const QStringList agenda = m_session.meeting().value(QStringLiteral("agenda")).toVariant().toStringList();
    const QString discussed = discussedPatient();
    if (m_agenda->count() != agenda.size()) {
        const QSignalBlocker blocker(m_agenda);
        m_agenda->clear();
        for (const QString &id : agenda) {
            auto *item = new QListWidgetItem(m_agenda);
            item->setData(Qt::UserRole, id);
        }
    }
    for (int row = 0; row < m_agenda->count(); ++row) {
        QListWidgetItem *item = m_agenda->item(row);
        const QString id = item->data(Qt::UserRole).toString();
        item->setText(id == discussed ? tr("▶ %1 (now discussed)").arg(patientName(id)) : patientName(id));
        QFont font = item->font();
        font.setBold(id == discussed);
        item->setFont(font);
    }
    if (m_agenda->currentRow() < 0 && m_agenda->count() > 0) {
        const qsizetype at = agenda.indexOf(discussed);
        m_agenda->setCurrentRow(static_cast<int>(std::max<qsizetype>(0, at)));
        return; // currentRowChanged comes back here
    }
    // The comment box's patient: the one discussed, unless the user picked another.
    if (m_commentPatient->count() != agenda.size() + 1) {
        m_commentPatient->clear();
        m_commentPatient->addItem(tr("No particular patient"), QString());
        for (const QString &id : agenda)
            m_commentPatient->addItem(patientName(id), id);
    }
    if (m_commentPatient->property("discussed").toString() != discussed) {
        m_commentPatient->setProperty("discussed", discussed);
        m_commentPatient->setCurrentIndex(std::max(0, m_commentPatient->findData(discussed)));
    }

    const QString patient = m_agenda->currentItem() ? m_agenda->currentItem()->data(Qt::UserRole).toString() : QString();
    const QJsonObject details = m_patients.entry(patient);
    m_patientDetails->setText(patient.isEmpty() ? QString()
                                                : tr("<b>%1</b><br>Date of birth: %2<br>Hospital number: %3<br>Patient ID: %4")
                                                      .arg(patientName(patient).toHtmlEscaped(),
                                                           details.value(QStringLiteral("birthDate")).toString().toHtmlEscaped(),
                                                           details.value(QStringLiteral("hospitalNumber")).toString().toHtmlEscaped(),
                                                           patient.toHtmlEscaped()));
    // The record: the relay's values, then every patientDataChange in the log, in order.
    QJsonObject values = m_patientData.value(patient).toObject().value(QStringLiteral("data")).toObject();
    for (const TimelineEntry &entry : m_session.entries())
        if (entry.event && entry.event->type() == EventType::PatientDataChange
            && entry.event->content().value(QStringLiteral("patient")).toString() == patient)
            values.insert(entry.event->content().value(QStringLiteral("field")).toString(), entry.event->content().value(QStringLiteral("to")));
    for (const auto &[field, edit] : m_fieldEdits) {
        const QString value = values.value(field).toString();
        const bool untouched = edit->property("saved").toString() == edit->toPlainText() && edit->property("patient").toString() == patient;
        if (edit->property("patient").toString() != patient || untouched) {
            const QSignalBlocker blocker(edit);
            edit->setPlainText(value);
        }
        edit->setProperty("saved", value);
        edit->setProperty("patient", patient);
    }
    updateState();
}

void MeetingRoom::onAccepted(EventType type, const QByteArray &)
{
    switch (type) {
    case EventType::Start:
        say(tr("The meeting has started. Show the attendance code to the room."));
        break;
    case EventType::Join:
        say(tr("You have joined the meeting."));
        m_joinCode->clear();
        break;
    case EventType::Vote:
        say(tr("Your vote is recorded. It stays secret until the poll ends."));
        break;
    case EventType::Leave:
        say(tr("You have left the meeting."));
        break;
    case EventType::End:
        say(tr("The meeting has ended."));
        break;
    case EventType::Image:
        say(tr("The image is shown to everyone and on the record."));
        break;
    default:
        say(tr("Sent and acknowledged by the relay."));
        break;
    }
    updateState();
}

// The relay says "retry in N s"; a person reads minutes better than hundreds of seconds.
QString MeetingRoom::waitFromRelay(const QString &reason)
{
    static const QRegularExpression retryIn(QStringLiteral("retry in (\\d+) s"));
    const QRegularExpressionMatch match = retryIn.match(reason);
    if (!match.hasMatch())
        return tr("a few minutes");
    const int seconds = match.captured(1).toInt();
    if (seconds <= 60)
        return tr("a minute");
    return tr("about %1 minutes").arg((seconds + 59) / 60);
}

void MeetingRoom::onRejected(EventType type, const QString &reason)
{
    QString text;
    if (type == EventType::Join && reason.startsWith(QStringLiteral("wrong_attendance_code")))
        text = tr("That is not the code shown in the room. Check it on the host's screen and try again.");
    else if (type == EventType::Join && reason.startsWith(QStringLiteral("attendance_rate_limited")))
        text = tr("Too many wrong codes: the relay does not accept more for now. Wait %1, then type the code shown in the room.")
                   .arg(waitFromRelay(reason));
    else
        text = tr("Not recorded (%1): %2").arg(protocol::typeName(type), reason);
    say(text, true);
    updateState();
}

void MeetingRoom::sendComment()
{
    const QString text = m_composer->toPlainText().trimmed();
    QJsonObject content{{QStringLiteral("text"), text}};
    const QString patient = m_commentPatient->currentData().toString();
    if (!patient.isEmpty())
        content.insert(QStringLiteral("patient"), patient);
    m_session.post(EventType::Comment, content);
    m_composer->clear();
    say(tr("Sending your comment…"));
}

void MeetingRoom::reply()
{
    const QByteArray target = selectedEvent();
    if (target.isEmpty())
        return;
    m_session.post(EventType::Reply, {{QStringLiteral("text"), m_composer->toPlainText().trimmed()}}, target);
    m_composer->clear();
    say(tr("Sending your reply…"));
}

void MeetingRoom::disagree()
{
    const QByteArray target = selectedEvent();
    if (target.isEmpty())
        return;
    const auto reason = m_prompts.askText(this, tr("Disagree"),
                                          tr("Why do you disagree with “%1”? (optional)").arg(m_timelineView->currentIndex().siblingAtColumn(0).data().toString()));
    if (!reason)
        return;
    QJsonObject content;
    if (!reason->trimmed().isEmpty())
        content.insert(QStringLiteral("reason"), reason->trimmed());
    m_session.post(EventType::Disagreement, content, target);
    say(tr("Sending your disagreement…"));
}

void MeetingRoom::startMeeting()
{
    m_code = newAttendanceCode();
    m_session.start(m_code);
    say(tr("Starting…"));
    updateState();
}

void MeetingRoom::rotateCode()
{
    const QString code = newAttendanceCode();
    m_link.request(QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), m_session.meetingId()}, {QStringLiteral("code"), code}}, this,
                   [this, code](const auto &result) {
                       if (!result) {
                           say(tr("The code was not changed: %1").arg(result.error().detail), true);
                           return;
                       }
                       m_code = code;
                       if (m_codeWindow)
                           m_codeWindow->findChild<QLabel *>(QStringLiteral("fullScreenCode"))->setText(code);
                       say(tr("New attendance code. The old one no longer admits anyone."));
                       updateState();
                   });
}

void MeetingRoom::showCodeFullScreen()
{
    if (m_codeWindow) {
        m_codeWindow->close();
        return;
    }
    auto *window = new QWidget(nullptr, Qt::Window);
    window->setObjectName(QStringLiteral("codeWindow"));
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->setWindowTitle(tr("Attendance code"));
    auto *hint = new QLabel(tr("Attendance code for “%1”. Press Esc to close.").arg(m_session.meeting().value(QStringLiteral("title")).toString()), window);
    auto *code = new QLabel(m_code, window);
    code->setObjectName(QStringLiteral("fullScreenCode"));
    QFont font(QStringLiteral("DejaVu Sans Mono"));
    font.setPixelSize(200);
    font.setBold(true);
    code->setFont(font);
    code->setAlignment(Qt::AlignCenter);
    auto *layout = new QVBoxLayout(window);
    layout->addWidget(hint, 0, Qt::AlignHCenter);
    layout->addWidget(code, 1);
    auto *close = new QShortcut(QKeySequence(Qt::Key_Escape), window);
    connect(close, &QShortcut::activated, window, &QWidget::close);
    m_codeWindow = window;
    window->showFullScreen();
}

void MeetingRoom::discussSelected()
{
    if (!m_agenda->currentItem())
        return;
    m_session.post(EventType::Discussion, {{QStringLiteral("patient"), m_agenda->currentItem()->data(Qt::UserRole).toString()}});
}

void MeetingRoom::savePatientData()
{
    const QString patient = m_agenda->currentItem() ? m_agenda->currentItem()->data(Qt::UserRole).toString() : QString();
    int changes = 0;
    for (const auto &[field, edit] : m_fieldEdits) {
        const QString from = edit->property("saved").toString();
        const QString to = edit->toPlainText();
        if (from == to)
            continue;
        m_session.post(EventType::PatientDataChange,
                       {{QStringLiteral("patient"), patient}, {QStringLiteral("field"), field}, {QStringLiteral("from"), from}, {QStringLiteral("to"), to}});
        edit->setProperty("saved", to); // the log's change arrives with the same value
        ++changes;
    }
    say(tr("Saving %n change(s) to %1's record…", nullptr, changes).arg(patientName(patient)));
    updateState();
}

void MeetingRoom::newPoll()
{
    askForPoll(this, m_patients, m_session.meeting().value(QStringLiteral("agenda")).toVariant().toStringList(), discussedPatient(),
               [this](const QString &question, const QStringList &options, const QString &patient) {
                   m_session.openPoll(question, options, patient);
                   say(tr("Opening the poll…"));
               });
}

void MeetingRoom::endPoll()
{
    if (const auto poll = m_polls->openPoll())
        m_session.endPoll(*poll);
}

void MeetingRoom::castVote()
{
    const int option = m_voteGroup->checkedId();
    if (option < 0 || selectedPoll().isEmpty())
        return;
    m_session.vote(selectedPoll(), option);
    m_voteBox->setEnabled(false);
    say(tr("Sending your vote…"));
}

void MeetingRoom::endMeeting()
{
    if (const auto poll = m_polls->openPoll()) {
        const int row = m_polls->rowOf(*poll);
        m_prompts.inform(this, tr("A poll is still open"),
                         tr("End the poll “%1” first: the meeting cannot end while votes can still be cast.")
                             .arg(m_polls->index(row, PollsModel::QuestionColumn).data().toString()));
        return;
    }
    if (!m_prompts.confirm(this, tr("End the meeting"),
                           tr("End “%1” for everyone? Nothing more can be added to its record afterwards.").arg(m_session.meeting().value(QStringLiteral("title")).toString()),
                           tr("End the meeting")))
        return;
    m_session.post(EventType::End, {});
    say(tr("Ending the meeting…"));
}

void MeetingRoom::leave()
{
    if (!m_prompts.confirm(this, tr("Leave the meeting"), tr("Leave the meeting? You can join again with the code shown in the room."),
                           tr("Leave")))
        return;
    m_session.post(EventType::Leave, {});
}

} // namespace cmeet::client
