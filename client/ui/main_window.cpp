#include "client/ui/main_window.h"

#include "client/models/directory_model.h"
#include "client/models/labels.h"
#include "client/models/meeting_list_model.h"
#include "client/ui/audit_workspace.h"
#include "client/ui/meeting_editor.h"
#include "client/ui/meeting_room.h"
#include "client/ui/meetings_page.h"
#include "client/ui/settings_dialog.h"
#include "client/ui/user_prompts.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QPushButton>
#include <QSslCertificate>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

Q_LOGGING_CATEGORY(lcWindow, "cmeet.app.window", QtInfoMsg)

namespace cmeet::client {

MainWindow::MainWindow(AppSettings settings, crypto::Address identity, crypto::PrivateKey key, const protocol::SchemaValidator &schemas,
                       UserPrompts &prompts, QWidget *parent)
    : QMainWindow(parent), m_settings(std::move(settings)), m_schemas(schemas), m_prompts(prompts),
      m_link(std::make_unique<RelayLink>(identity, std::move(key))), m_staff(new DirectoryModel(DirectoryModel::Kind::Staff, this)),
      m_patients(new DirectoryModel(DirectoryModel::Kind::Patients, this)), m_meetings(new MeetingListModel(m_staff, this)),
      m_pages(new QStackedWidget(this)), m_meetingsPage(new MeetingsPage(*m_meetings, m_pages)), m_connection(new QLabel(this)),
      m_retry(new QPushButton(tr("Retry now"), this)), m_account(new QLabel(this)),
      m_banner(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("c-meet"));
    m_pages->addWidget(m_meetingsPage);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("background: #fdecea; color: #7a1f16; padding: 8px; border: 1px solid #e6a39b;"));
    m_banner->hide();
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_pages, 1);
    setCentralWidget(central);
    m_meetingsPage->setIdentity(identity.toLowerHex());

    m_connection->setObjectName(QStringLiteral("connectionState"));
    m_retry->setObjectName(QStringLiteral("retryButton"));
    m_retry->setFlat(true);
    m_account->setObjectName(QStringLiteral("accountLabel"));
    m_account->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_connection, 1);
    statusBar()->addWidget(m_retry);
    statusBar()->addPermanentWidget(m_account);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *openFile = file->addAction(tr("&Open meeting file…"), QKeySequence::Open, this, [this] {
        const QString path = AuditWorkspace::chooseMeetingFile(m_prompts, this);
        if (!path.isEmpty())
            openMeetingFile(path);
    });
    openFile->setObjectName(QStringLiteral("openMeetingFileAction"));
    QAction *settingsAction = file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::editSettings);
    settingsAction->setObjectName(QStringLiteral("settingsAction"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
    quit->setObjectName(QStringLiteral("quitAction"));
    QMenu *meeting = menuBar()->addMenu(tr("&Meeting"));
    QAction *create = meeting->addAction(tr("&New meeting…"), QKeySequence::New, this, &MainWindow::newMeeting);
    create->setObjectName(QStringLiteral("newMeetingAction"));
    QAction *refresh = meeting->addAction(tr("&Refresh the list"), QKeySequence::Refresh, this, &MainWindow::refreshMeetings);
    refresh->setObjectName(QStringLiteral("refreshAction"));

    connect(m_meetingsPage, &MeetingsPage::newMeetingRequested, this, &MainWindow::newMeeting);
    connect(m_meetingsPage, &MeetingsPage::editRequested, this, &MainWindow::editMeeting);
    connect(m_meetingsPage, &MeetingsPage::cancelRequested, this, &MainWindow::cancelMeeting);
    connect(m_meetingsPage, &MeetingsPage::openRequested, this, &MainWindow::openMeeting);
    connect(m_meetingsPage, &MeetingsPage::refreshRequested, this, &MainWindow::refreshMeetings);
    connect(m_retry, &QPushButton::clicked, m_link.get(), &RelayLink::retryNow);
    connect(m_link.get(), &RelayLink::stateChanged, this, &MainWindow::onLinkState);
    connect(m_link.get(), &RelayLink::online, this, [this] {
        refreshDirectories();
        refreshMeetings();
    });

    onLinkState();
    resize(1280, 800);
    connectToRelay();
}

void MainWindow::connectToRelay()
{
    m_link->stop();
    const QString problem = m_settings.relaysProblem();
    const QString caProblem = AppSettings::caFileProblem(m_settings.trustedCaFile);
    if (!problem.isEmpty() || !caProblem.isEmpty()) {
        m_connection->setText(tr("Not connected: %1 Set it in File > Settings.").arg(problem.isEmpty() ? caProblem : problem));
        return;
    }
    m_link->setTrustedCertificates(m_settings.trustedCaFile.isEmpty() ? QList<QSslCertificate>() : QSslCertificate::fromPath(m_settings.trustedCaFile));
    m_link->start(m_settings.relayUrls());
}

void MainWindow::editSettings()
{
    auto *dialog = new SettingsDialog(m_settings, m_prompts, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { applySettings(dialog->settings()); });
    dialog->open();
}

void MainWindow::applySettings(const AppSettings &settings)
{
    const bool relayChanged = settings.relayUrls() != m_settings.relayUrls() || settings.trustedCaFile != m_settings.trustedCaFile;
    m_settings = settings;
    m_settings.save();
    qCInfo(lcWindow) << "settings saved; relay" << m_settings.relayUrl.toDisplayString() << "chain" << m_settings.chainRpcUrl.toDisplayString();
    if (m_audit != nullptr)
        m_audit->setChain(m_settings.chainRpcUrl, m_settings.anchorRegistryAddress(), m_settings.identityRegistryAddress());
    if (relayChanged) {
        closeMeeting(); // its session belongs to the relay left
        connectToRelay();
    } else if (m_room != nullptr) {
        m_room->setChain(m_settings.chainRpcUrl, m_settings.anchorRegistryAddress());
    }
}

MainWindow::~MainWindow()
{
    // Rooms (a closed one may still wait for deleteLater) go before their sessions, and the
    // sessions before the link they use: the pages are deleted here, not after the members.
    delete m_pages;
    m_room = nullptr;
    m_session.reset();
}

void MainWindow::onLinkState()
{
    const RelayLink::State state = m_link->state();
    m_connection->setText(m_link->stateText());
    // Refused: the banner says why, and the lists need no note of their own.
    m_meetingsPage->setListState(state == RelayLink::State::Online || state == RelayLink::State::Refused, m_meetingsListed);
    m_connection->setStyleSheet(state == RelayLink::State::Refused ? QStringLiteral("color: #b03a2e; font-weight: bold;") : QString());
    m_retry->setVisible(state == RelayLink::State::Offline && m_link->failedAttempts() > 0);
    const QString address = m_link->identity().toChecksumHex();
    const QString device = m_link->signingKey().address().toChecksumHex();
    if (device == address) {
        m_account->setText(tr("Your identity: %1").arg(shortAddress(address)));
        m_account->setToolTip(address);
    } else { // a device key added for the identity in the registry
        m_account->setText(tr("Your identity: %1 (this computer's key: %2)").arg(shortAddress(address), shortAddress(device)));
        m_account->setToolTip(tr("Identity %1, signing with the device key %2").arg(address, device));
    }
    // A refusal needs reading in full: what is wrong and whom to ask.
    m_banner->setVisible(state == RelayLink::State::Refused);
    m_banner->setText(m_link->stateText());
    if (state == RelayLink::State::Refused)
        m_connection->setText(tr("Refused by the relay"));
}

void MainWindow::refreshDirectories()
{
    m_link->request(QStringLiteral("staff.list"), {}, this, [this](const auto &result) {
        if (result) {
            m_staffList = result->toArray();
            m_staff->setEntries(m_staffList);
        }
    });
    m_link->request(QStringLiteral("patients.list"), {}, this, [this](const auto &result) {
        if (result) {
            m_patientList = result->toArray();
            m_patients->setEntries(m_patientList);
        }
    });
}

void MainWindow::refreshMeetings()
{
    m_link->request(QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}}, this, [this](const auto &result) {
        if (!result)
            return;
        m_meetings->setMeetings(result->toArray());
        m_meetingsListed = true;
        m_meetingsPage->setListState(true, true);
        resumeMeeting();
    });
}

void MainWindow::resumeMeeting()
{
    if (m_resumeChecked || m_settings.resumeMeeting.isEmpty() || m_room != nullptr)
        return;
    m_resumeChecked = true;
    const QString id = m_settings.resumeMeeting;
    if (m_meetings->meeting(id).value(QStringLiteral("status")).toString() == QStringLiteral("started")) {
        qCInfo(lcWindow) << "resuming meeting" << id;
        openMeeting(id);
    } else {
        rememberOpenMeeting({}); // over (or gone) since the app quit: stay on the list
    }
}

void MainWindow::rememberOpenMeeting(const QString &id)
{
    m_settings.resumeMeeting = id;
    m_settings.save();
}

void MainWindow::newMeeting()
{
    showEditor({});
}

void MainWindow::editMeeting(const QString &id)
{
    const QJsonObject meeting = m_meetings->meeting(id);
    if (!meeting.isEmpty())
        showEditor(meeting);
}

void MainWindow::showEditor(const QJsonObject &meeting)
{
    if (m_link->state() != RelayLink::State::Online) {
        m_prompts.inform(this, tr("Not connected"), tr("Meetings are created and changed on the relay: wait until c-meet is connected."));
        return;
    }
    auto *editor = new MeetingEditor(m_staffList, m_patientList, meeting, m_link->identity().toLowerHex(), this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor] {
        const QJsonObject request = editor->request();
        const bool creating = !request.contains(QStringLiteral("id"));
        m_link->request(creating ? QStringLiteral("meeting.create") : QStringLiteral("meeting.edit"), request, this, [this, creating](const auto &result) {
            if (!result) {
                m_prompts.warn(this, creating ? tr("Meeting not created") : tr("Meeting not changed"),
                               tr("The relay said: %1").arg(result.error().detail));
                return;
            }
            const QString id = result->toObject().value(QStringLiteral("id")).toString();
            m_link->request(QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}}, this, [this, id](const auto &list) {
                if (list)
                    m_meetings->setMeetings(list->toArray());
                m_meetingsPage->selectMeeting(id);
            });
        });
    });
    editor->open();
}

void MainWindow::cancelMeeting(const QString &id)
{
    const QJsonObject meeting = m_meetings->meeting(id);
    if (meeting.isEmpty()
        || !m_prompts.confirm(this, tr("Cancel the meeting"),
                              tr("Cancel “%1” on %2 for everyone on its roster?")
                                  .arg(meeting.value(QStringLiteral("title")).toString(),
                                       m_meetings->index(m_meetings->rowOf(id), MeetingListModel::DateColumn).data().toString()),
                              tr("Cancel the meeting")))
        return;
    m_link->request(QStringLiteral("meeting.cancel"), {{QStringLiteral("id"), id}}, this, [this](const auto &result) {
        if (!result)
            m_prompts.warn(this, tr("Meeting not cancelled"), tr("The relay said: %1").arg(result.error().detail));
        refreshMeetings();
    });
}

void MainWindow::openMeeting(const QString &id)
{
    if (id.isEmpty())
        return;
    closeMeeting();
    m_session = std::make_unique<MeetingSession>(*m_link, id, m_settings.replicaPath(id), m_schemas);
    m_room = new MeetingRoom(*m_session, *m_link, *m_staff, *m_patients, m_prompts, m_pages);
    m_room->setChain(m_settings.chainRpcUrl, m_settings.anchorRegistryAddress());
    connect(m_room, &MeetingRoom::closeRequested, this, &MainWindow::closeMeeting);
    m_pages->addWidget(m_room);
    m_pages->setCurrentWidget(m_room);
    m_session->open();
    rememberOpenMeeting(id);
    qCInfo(lcWindow) << "opened meeting" << id;
}

void MainWindow::openMeetingFile(const QString &path)
{
    if (m_audit == nullptr) {
        m_audit = new AuditWorkspace(m_prompts, m_pages);
        m_audit->setChain(m_settings.chainRpcUrl, m_settings.anchorRegistryAddress(), m_settings.identityRegistryAddress());
        m_pages->addWidget(m_audit);
        connect(m_audit, &AuditWorkspace::closeRequested, this, [this] { m_pages->setCurrentWidget(m_room ? static_cast<QWidget *>(m_room) : m_meetingsPage); });
    }
    m_pages->setCurrentWidget(m_audit);
    m_audit->openFile(path);
}

void MainWindow::closeMeeting()
{
    if (m_room == nullptr)
        return;
    m_pages->setCurrentWidget(m_meetingsPage);
    rememberOpenMeeting({});
    // Called from the room's own button: the room goes once its signal is done, its session with it.
    MeetingRoom *room = std::exchange(m_room, nullptr);
    MeetingSession *session = m_session.release();
    connect(room, &QObject::destroyed, session, [session] { delete session; });
    room->deleteLater();
    refreshMeetings();
}

} // namespace cmeet::client
