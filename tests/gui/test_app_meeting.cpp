// The thesis' end-to-end tests (appendix B) through the desktop app's widgets, as people use
// them: a host and two participants, each with a profile and key of their own, in real windows
// (offscreen) against a real relay on 127.0.0.1, every button found by objectName and clicked.
// Also: a wrong attendance code, the relay restarted mid-meeting with everyone reconnecting, and
// what was typed offline sent afterwards. With CMEET_SCREENSHOTS_DIR set, saves the main screens.

#include "base/hex.h"
#include "client/audit/meeting_audit.h"
#include "client/core/local_relay.h"
#include "client/models/meeting_list_model.h"
#include "client/models/participants_model.h"
#include "client/models/polls_model.h"
#include "client/models/timeline_model.h"
#include "client/ui/audit_workspace.h"
#include "client/ui/image_viewer.h"
#include "client/ui/images_panel.h"
#include "client/ui/main_window.h"
#include "client/ui/meeting_room.h"
#include "client/ui/meetings_page.h"
#include "client/ui/poll_chart.h"
#include "gui/app_driver.h"
#include "support/program_run.h"
#include "support/test_images.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDragEnterEvent>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSlider>
#include <QProgressBar>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace cmeet;
using client::ImageViewer;
using client::MainWindow;
using client::MeetingRoom;
using client::SessionImages;
using client::TimelineModel;
using guitest::child;
using guitest::click;
using test::freePort;
using guitest::RawFile;
using guitest::screenshot;
using guitest::ScriptedPrompts;
using guitest::waitMs;

namespace {

struct Person {
    QString name;
    crypto::PrivateKey key = *crypto::PrivateKey::generate();
    QTemporaryDir profile;
    ScriptedPrompts prompts;
    std::unique_ptr<MainWindow> window;
};

// A visible top-level dialog by objectName (dialogs open without blocking), once it is on screen
// (under a real X server input goes nowhere before that).
QDialog *dialog(const QString &name)
{
    for (QWidget *widget : QApplication::topLevelWidgets())
        if (widget->objectName() == name && widget->isVisible())
            return QTest::qWaitForWindowExposed(widget) ? qobject_cast<QDialog *>(widget) : nullptr;
    return nullptr;
}

} // namespace

class TestAppMeeting : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_relayDir;
    std::unique_ptr<client::LocalRelay> m_relay;
    int m_port = 0;
    std::vector<std::unique_ptr<Person>> m_people;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;
    QString m_meeting;
    QString m_oldCode; // the attendance code before the host rotated it

    Person &person(const QString &name)
    {
        for (auto &p : m_people)
            if (p->name == name)
                return *p;
        qFatal("no person %s", qPrintable(name));
    }
    MainWindow &window(const QString &name) { return *person(name).window; }
    MeetingRoom *room(const QString &name) { return window(name).room(); }

    std::unique_ptr<MainWindow> openWindow(Person &p, const QUrl &relay)
    {
        client::AppSettings settings = client::AppSettings::load(p.profile.path());
        settings.relayUrl = relay;
        settings.save();
        auto window = std::make_unique<MainWindow>(client::AppSettings::load(p.profile.path()), p.key.address(), p.key, *m_schemas, p.prompts);
        window->link().setBackoff(100, 400);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            qWarning("the window for %s is not on screen", qPrintable(p.name));
        return window;
    }

    [[nodiscard]] QUrl relayUrl() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }

    static void clickRow(QAbstractItemView *view, const QModelIndex &index)
    {
        QVERIFY(view != nullptr && index.isValid());
        view->scrollTo(index);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
        QCOMPARE(view->currentIndex().row(), index.row());
    }

    // Ticks the row of a searchable picker whose text matches: types the search, then Home and Space.
    static void pick(QWidget *editor, const QString &list, const QString &text)
    {
        auto *search = child<QLineEdit>(editor, list + QStringLiteral("Search"));
        auto *view = child<QTreeView>(editor, list + QStringLiteral("List"));
        QVERIFY(search && view);
        search->clear();
        QTest::keyClicks(search, text);
        QCOMPARE(view->model()->rowCount(), 1);
        // By keyboard, as a user tabbing from the search field would: Home, then Space ticks it.
        QTest::keyClick(view, Qt::Key_Home);
        QCOMPARE(view->currentIndex().row(), 0);
        QTest::keyClick(view, Qt::Key_Space);
        QCOMPARE(view->model()->index(0, 0).data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
        search->clear();
    }

    // The row of the meeting in a meetings list view.
    static QModelIndex rowOf(QTreeView *view, const QString &id)
    {
        const QModelIndexList found = view->model()->match(view->model()->index(0, 0), client::MeetingListModel::IdRole, id, 1, Qt::MatchExactly);
        return found.value(0);
    }

    // The timeline row whose text (comment, reply, reason) is text.
    static QModelIndex timelineRow(MeetingRoom *room, const QString &text)
    {
        const QModelIndexList found = room->timeline().match(room->timeline().index(0, 0), TimelineModel::TextRole, text, 1,
                                                             Qt::MatchExactly | Qt::MatchRecursive);
        return found.value(0);
    }

    void expectEveryoneSees(const QString &text)
    {
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            QTRY_VERIFY2_WITH_TIMEOUT(timelineRow(room(name), text).isValid(), qPrintable(name + QStringLiteral(" does not see ") + text), waitMs);
            const QModelIndex row = timelineRow(room(name), text);
            QTRY_COMPARE_WITH_TIMEOUT(row.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified, waitMs);
        }
    }

    void openTheMeeting(const QString &name)
    {
        MainWindow &w = window(name);
        auto *upcoming = child<QTreeView>(&w, QStringLiteral("upcomingMeetings"));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(upcoming, m_meeting).isValid(), waitMs);
        clickRow(upcoming, rowOf(upcoming, m_meeting));
        click(child<QPushButton>(&w, QStringLiteral("openMeetingButton")));
        QVERIFY(w.room() != nullptr);
        QTRY_COMPARE_WITH_TIMEOUT(w.room()->session().phase(), client::MeetingSession::Phase::Live, waitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_schemas = *protocol::SchemaValidator::load();
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_relayDir.path(), "gui test passphrase");
        QVERIFY2(m_relay->init(), qPrintable(m_relay->lastOutput()));
        const QList<QPair<QString, QString>> people{{QStringLiteral("host"), QStringLiteral("Dr Helen Hale")},
                                                    {QStringLiteral("alice"), QStringLiteral("Dr Alice Adams")},
                                                    {QStringLiteral("bob"), QStringLiteral("Dr Bob Brown")},
                                                    {QStringLiteral("carol"), QStringLiteral("Dr Carol Clark")}}; // never gets in
        for (const auto &[name, fullName] : people) {
            m_people.push_back(std::make_unique<Person>());
            m_people.back()->name = name;
            QVERIFY2(m_relay->addStaff(m_people.back()->key.address(), fullName), qPrintable(m_relay->lastOutput()));
        }
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Ada Lovelace"), QStringLiteral("1815-12-10"), QStringLiteral("H-1001")}));
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-002"), QStringLiteral("Charles Babbage"), QStringLiteral("1791-12-26"), QStringLiteral("H-1002")}));
        m_port = freePort();
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
    }

    // Thesis test 1: login success; each window logs in by itself and says who is signed in.
    void loginSuccess()
    {
        for (auto &p : m_people)
            p->window = openWindow(*p, relayUrl());
        for (auto &p : m_people) {
            QTRY_COMPARE_WITH_TIMEOUT(p->window->link().state(), client::RelayLink::State::Online, waitMs);
            auto *state = child<QLabel>(p->window.get(), QStringLiteral("connectionState"));
            QVERIFY(state->text().startsWith(QStringLiteral("Connected as Dr ")));
            QCOMPARE(child<QLabel>(p->window.get(), QStringLiteral("accountLabel"))->toolTip(), p->key.address().toChecksumHex());
            // No meeting yet: the empty lists say so.
            QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(p->window.get(), QStringLiteral("meetingsNote"))->text().startsWith(QStringLiteral("No meetings")), waitMs);
        }
    }

    // Thesis test 2: an identity the relay does not know is refused, with what to do about it.
    void loginFailure()
    {
        Person stranger;
        stranger.name = QStringLiteral("stranger");
        auto w = openWindow(stranger, relayUrl());
        QTRY_COMPARE_WITH_TIMEOUT(w->link().state(), client::RelayLink::State::Refused, waitMs);
        auto *banner = child<QLabel>(w.get(), QStringLiteral("connectionBanner"));
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QStringLiteral("refused")) && banner->text().contains(QStringLiteral("administrator")), qPrintable(banner->text()));
        QVERIFY(!child<QPushButton>(w.get(), QStringLiteral("retryButton"))->isVisible()); // no point retrying
        QVERIFY(!child<QLabel>(w.get(), QStringLiteral("meetingsNote"))->isVisible()); // the banner says it all
        screenshot(w.get(), QStringLiteral("login-refused"));
    }

    // Thesis test 3: the relay unreachable: a clear message, retries on its own and on request.
    void relayUnreachable()
    {
        Person &host = person(QStringLiteral("host"));
        Person elsewhere;
        elsewhere.name = QStringLiteral("host elsewhere");
        elsewhere.key = host.key;
        const QUrl nowhere(QStringLiteral("ws://127.0.0.1:%1").arg(freePort()));
        auto w = openWindow(elsewhere, nowhere);
        QTRY_VERIFY_WITH_TIMEOUT(w->link().failedAttempts() >= 2, waitMs);
        auto *state = child<QLabel>(w.get(), QStringLiteral("connectionState"));
        QTRY_VERIFY_WITH_TIMEOUT(state->text().contains(QStringLiteral("Cannot reach the relay at ") + nowhere.toDisplayString()), waitMs);
        QVERIFY(state->text().contains(QStringLiteral("Retrying")));
        auto *note = child<QLabel>(w.get(), QStringLiteral("meetingsNote"));
        QVERIFY(note->isVisible());
        QVERIFY2(note->text().contains(QStringLiteral("once c-meet reaches the relay")), qPrintable(note->text()));
        auto *retry = child<QPushButton>(w.get(), QStringLiteral("retryButton"));
        QTRY_VERIFY_WITH_TIMEOUT(retry->isVisible(), waitMs);
        const int before = w->link().failedAttempts();
        click(retry);
        QTRY_VERIFY_WITH_TIMEOUT(w->link().failedAttempts() > before, waitMs);

        // With a standby address in the settings it tries the two in turn, and says which is next.
        Person withStandby;
        withStandby.name = QStringLiteral("host with a standby relay");
        withStandby.key = host.key;
        client::AppSettings settings = client::AppSettings::load(withStandby.profile.path());
        const QUrl standby(QStringLiteral("ws://127.0.0.1:%1").arg(freePort()));
        settings.standbyRelayUrl = standby;
        settings.save();
        auto both = openWindow(withStandby, nowhere);
        auto *bothState = child<QLabel>(both.get(), QStringLiteral("connectionState"));
        QTRY_VERIFY_WITH_TIMEOUT(bothState->text().contains(QStringLiteral("Trying ") + standby.toDisplayString()), waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(bothState->text().contains(QStringLiteral("Cannot reach the relay at ") + standby.toDisplayString()) &&
                                     bothState->text().contains(QStringLiteral("Trying ") + nowhere.toDisplayString()),
                                 waitMs);
        screenshot(both.get(), QStringLiteral("relay-unreachable"));
    }

    // Thesis tests 4-6: create, update and delete (cancel) a meeting.
    void createUpdateAndCancelMeetings()
    {
        MainWindow &host = window(QStringLiteral("host"));
        auto *upcoming = child<QTreeView>(&host, QStringLiteral("upcomingMeetings"));
        QStringList created;
        for (const QString &title : {QStringLiteral("Colorectal MDT"), QStringLiteral("Meeting to cancel")}) {
            click(child<QPushButton>(&host, QStringLiteral("newMeetingButton")));
            QDialog *editor = dialog(QStringLiteral("meetingEditor"));
            QVERIFY(editor);
            auto *save = child<QPushButton>(editor, QStringLiteral("saveMeetingButton"));
            QVERIFY(!save->isEnabled()); // no title, no agenda yet
            QTest::keyClicks(child<QLineEdit>(editor, QStringLiteral("titleEdit")), title + QStringLiteral(" draft"));
            pick(editor, QStringLiteral("roster"), QStringLiteral("Alice"));
            pick(editor, QStringLiteral("roster"), QStringLiteral("Bob"));
            pick(editor, QStringLiteral("roster"), QStringLiteral("Carol"));
            pick(editor, QStringLiteral("agenda"), QStringLiteral("Lovelace"));
            pick(editor, QStringLiteral("agenda"), QStringLiteral("H-1002")); // by hospital number
            if (title == QStringLiteral("Colorectal MDT"))
                screenshot(editor, QStringLiteral("meeting-editor"));
            click(save);
            QTRY_VERIFY_WITH_TIMEOUT(host.meetingsPage().selectedMeeting().size() > 0
                                         && host.meetings().meeting(host.meetingsPage().selectedMeeting()).value(QStringLiteral("title")).toString() == title + QStringLiteral(" draft"),
                                     waitMs);
            created.append(host.meetingsPage().selectedMeeting()); // the new one is selected
        }
        // Update: the first one's title.
        m_meeting = created.at(0);
        const QString toCancel = created.at(1);
        QCOMPARE(host.meetings().meeting(m_meeting).value(QStringLiteral("title")).toString(), QStringLiteral("Colorectal MDT draft"));
        clickRow(upcoming, rowOf(upcoming, m_meeting));
        click(child<QPushButton>(&host, QStringLiteral("editMeetingButton")));
        QDialog *editor = dialog(QStringLiteral("meetingEditor"));
        QVERIFY(editor);
        auto *title = child<QLineEdit>(editor, QStringLiteral("titleEdit"));
        title->selectAll();
        QTest::keyClicks(title, QStringLiteral("Colorectal MDT"));
        click(child<QPushButton>(editor, QStringLiteral("saveMeetingButton")));
        QTRY_COMPARE_WITH_TIMEOUT(host.meetings().meeting(m_meeting).value(QStringLiteral("title")).toString(), QStringLiteral("Colorectal MDT"), waitMs);
        QCOMPARE(host.meetings().meeting(m_meeting).value(QStringLiteral("agenda")).toArray().size(), 2); // the rest kept

        // Cancel (the thesis' delete): asks first, then the meeting moves to the previous ones.
        clickRow(upcoming, rowOf(upcoming, toCancel));
        click(child<QPushButton>(&host, QStringLiteral("cancelMeetingButton")));
        QVERIFY(person(QStringLiteral("host")).prompts.told.constLast().contains(QStringLiteral("Meeting to cancel draft")));
        auto *previous = child<QTreeView>(&host, QStringLiteral("previousMeetings"));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(previous, toCancel).isValid(), waitMs);
        QCOMPARE(rowOf(previous, toCancel).siblingAtColumn(client::MeetingListModel::StatusColumn).data().toString(), QStringLiteral("Cancelled"));

        // Participants see the meeting they are on.
        for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")}) {
            click(child<QPushButton>(&window(name), QStringLiteral("refreshMeetingsButton")));
            QTRY_VERIFY_WITH_TIMEOUT(rowOf(child<QTreeView>(&window(name), QStringLiteral("upcomingMeetings")), m_meeting).isValid(), waitMs);
            QVERIFY(!child<QPushButton>(&window(name), QStringLiteral("editMeetingButton"))->isEnabled());
        }
        QVERIFY(!child<QLabel>(&host, QStringLiteral("meetingsNote"))->isVisible()); // meetings listed: nothing to explain
        screenshot(&host, QStringLiteral("meetings-list"));
    }

    // Thesis test 7: start; the code is shown in large type.
    void start()
    {
        openTheMeeting(QStringLiteral("host"));
        MeetingRoom *host = room(QStringLiteral("host"));
        QVERIFY(child<QWidget>(host, QStringLiteral("hostBar"))->isVisible());
        QVERIFY(!child<QWidget>(host, QStringLiteral("participantBar"))->isVisible());
        click(child<QPushButton>(host, QStringLiteral("startButton")));
        auto *code = child<QLabel>(host, QStringLiteral("attendanceCode"));
        QTRY_COMPARE_WITH_TIMEOUT(code->text(), host->attendanceCode(), waitMs);
        QCOMPARE(code->text().size(), 6);
        QVERIFY(code->font().pointSize() >= 24);
        QTRY_VERIFY_WITH_TIMEOUT(host->timeline().rowCount() == 1, waitMs);
        QVERIFY(host->timeline().index(0, 0).data().toString().startsWith(QStringLiteral("Started the meeting “Colorectal MDT”")));

        // Full screen for the room's screen; a new code in one click, shown there too; Esc closes.
        click(child<QPushButton>(host, QStringLiteral("fullScreenCodeButton")));
        QWidget *codeWindow = nullptr;
        for (QWidget *widget : QApplication::topLevelWidgets())
            if (widget->objectName() == QStringLiteral("codeWindow") && widget->isVisible())
                codeWindow = widget;
        QVERIFY(codeWindow != nullptr && codeWindow->isFullScreen());
        auto *big = child<QLabel>(codeWindow, QStringLiteral("fullScreenCode"));
        QCOMPARE(big->text(), code->text());
        QVERIFY(big->font().pixelSize() >= 100);
        m_oldCode = code->text();
        click(child<QPushButton>(host, QStringLiteral("rotateCodeButton")));
        QTRY_VERIFY_WITH_TIMEOUT(code->text() != m_oldCode, waitMs);
        QCOMPARE(code->text(), host->attendanceCode());
        QCOMPARE(big->text(), code->text());
        QTest::keyClick(codeWindow, Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(!codeWindow->isVisible(), waitMs);
    }

    // A wrong code: the relay's reason, plainly; thesis test 8: join with the right one.
    void wrongCodeThenJoin()
    {
        openTheMeeting(QStringLiteral("alice"));
        openTheMeeting(QStringLiteral("bob"));
        MeetingRoom *alice = room(QStringLiteral("alice"));
        QVERIFY(!child<QWidget>(alice, QStringLiteral("hostBar"))->isVisible());
        auto *code = child<QLineEdit>(alice, QStringLiteral("joinCode"));
        QTRY_VERIFY_WITH_TIMEOUT(code->isEnabled(), waitMs);
        QTest::keyClicks(code, m_oldCode); // the code before the host rotated it admits nobody
        click(child<QPushButton>(alice, QStringLiteral("joinButton")));
        auto *message = child<QLabel>(alice, QStringLiteral("roomMessage"));
        QTRY_VERIFY_WITH_TIMEOUT(message->text().contains(QStringLiteral("not the code shown in the room")), waitMs);
        QVERIFY(!alice->session().isPresent());

        const QString right = room(QStringLiteral("host"))->attendanceCode();
        for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            auto *field = child<QLineEdit>(room(name), QStringLiteral("joinCode"));
            field->clear();
            QTest::keyClicks(field, right.toLower()); // typed as read: case does not matter
            QTest::keyClick(field, Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(room(name)->session().isPresent(), waitMs);
        }
        // The host's participants panel: both present, with the relay's join time.
        client::ParticipantsModel &participants = room(QStringLiteral("host"))->participants();
        for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            const int row = participants.rowOf(person(name).key.address().toLowerHex());
            QTRY_COMPARE_WITH_TIMEOUT(participants.index(row, client::ParticipantsModel::StatusColumn).data().toString(), QStringLiteral("Present"), waitMs);
            QTRY_VERIFY_WITH_TIMEOUT(!participants.index(row, 0).data(client::ParticipantsModel::JoinedAtRole).isNull(), waitMs);
        }
        QVERIFY(!child<QPushButton>(alice, QStringLiteral("joinButton"))->isEnabled());
    }

    // Five wrong codes: the relay takes no more codes from that person for a while (even the
    // right one), and the room says so and what to do; the others were let in regardless.
    void lockoutAfterWrongCodes()
    {
        openTheMeeting(QStringLiteral("carol"));
        MeetingRoom *carol = room(QStringLiteral("carol"));
        auto *code = child<QLineEdit>(carol, QStringLiteral("joinCode"));
        auto *message = child<QLabel>(carol, QStringLiteral("roomMessage"));
        const auto tryCode = [&](const QString &typed) {
            QTRY_VERIFY_WITH_TIMEOUT(code->isEnabled(), waitMs);
            code->clear();
            QTest::keyClicks(code, typed);
            message->clear();
            click(child<QPushButton>(carol, QStringLiteral("joinButton")));
            QTRY_VERIFY_WITH_TIMEOUT(!message->text().isEmpty() && carol->session().outgoing() == 0, waitMs);
        };
        for (int attempt = 1; attempt <= 5; ++attempt) {
            tryCode(m_oldCode);
            QVERIFY2(message->text().contains(QStringLiteral("not the code shown in the room")), qPrintable(message->text()));
        }
        tryCode(room(QStringLiteral("host"))->attendanceCode());
        QVERIFY2(message->text().startsWith(QStringLiteral("Too many wrong codes")) && message->text().contains(QStringLiteral("Wait about")),
                 qPrintable(message->text()));
        QVERIFY(!carol->session().isPresent());
        screenshot(&window(QStringLiteral("carol")), QStringLiteral("join-locked-out"));
    }

    // Thesis tests 9-11: discuss, comment (the patient preselected), reply.
    void discussCommentReply()
    {
        MeetingRoom *host = room(QStringLiteral("host"));
        auto *agenda = child<QListWidget>(host, QStringLiteral("agendaList"));
        QTRY_COMPARE_WITH_TIMEOUT(agenda->count(), 2, waitMs);
        clickRow(agenda, agenda->model()->index(0, 0));
        click(child<QPushButton>(host, QStringLiteral("discussButton")));
        QTRY_VERIFY_WITH_TIMEOUT(agenda->item(0)->text().contains(QStringLiteral("now discussed")), waitMs);

        MeetingRoom *alice = room(QStringLiteral("alice"));
        auto *patient = child<QComboBox>(alice, QStringLiteral("commentPatient"));
        QTRY_COMPARE_WITH_TIMEOUT(patient->currentData().toString(), QStringLiteral("P-001"), waitMs);
        QTest::keyClicks(child<QPlainTextEdit>(alice, QStringLiteral("composerText")), QStringLiteral("T3 N0 on MRI; resectable."));
        click(child<QPushButton>(alice, QStringLiteral("sendCommentButton")));
        expectEveryoneSees(QStringLiteral("T3 N0 on MRI; resectable."));
        QCOMPARE(timelineRow(host, QStringLiteral("T3 N0 on MRI; resectable.")).data().toString(), QStringLiteral("On Ada Lovelace: T3 N0 on MRI; resectable."));
        QCOMPARE(timelineRow(host, QStringLiteral("T3 N0 on MRI; resectable.")).siblingAtColumn(TimelineModel::AuthorColumn).data().toString(),
                 QStringLiteral("Dr Alice Adams"));

        MeetingRoom *bob = room(QStringLiteral("bob"));
        auto *timeline = child<QTreeView>(bob, QStringLiteral("timeline"));
        clickRow(timeline, timelineRow(bob, QStringLiteral("T3 N0 on MRI; resectable.")));
        QTest::keyClicks(child<QPlainTextEdit>(bob, QStringLiteral("composerText")), QStringLiteral("Agreed, but check the liver."));
        click(child<QPushButton>(bob, QStringLiteral("replyButton")));
        expectEveryoneSees(QStringLiteral("Agreed, but check the liver."));
        QCOMPARE(timelineRow(host, QStringLiteral("Agreed, but check the liver.")).parent(), timelineRow(host, QStringLiteral("T3 N0 on MRI; resectable.")));

        // A disagreement, with its reason, under what it disputes.
        ScriptedPrompts &hostPrompts = person(QStringLiteral("host")).prompts;
        hostPrompts.textAnswer = QStringLiteral("N1 on CT");
        clickRow(child<QTreeView>(host, QStringLiteral("timeline")), timelineRow(host, QStringLiteral("T3 N0 on MRI; resectable.")));
        click(child<QPushButton>(host, QStringLiteral("disagreeButton")));
        expectEveryoneSees(QStringLiteral("N1 on CT"));
        QCOMPARE(timelineRow(alice, QStringLiteral("N1 on CT")).parent(), timelineRow(alice, QStringLiteral("T3 N0 on MRI; resectable.")));
    }

    // Thesis test 12: a patient data change: the host's saved field is an event everyone sees.
    void patientDataChange()
    {
        MeetingRoom *host = room(QStringLiteral("host"));
        auto *outcome = child<QPlainTextEdit>(host, QStringLiteral("field_mdtOutcome"));
        QVERIFY(!outcome->isReadOnly());
        outcome->setFocus();
        QTest::keyClicks(outcome, QStringLiteral("Surgery"));
        click(child<QPushButton>(host, QStringLiteral("savePatientButton")));
        MeetingRoom *alice = room(QStringLiteral("alice"));
        auto *aliceOutcome = child<QPlainTextEdit>(alice, QStringLiteral("field_mdtOutcome"));
        QTRY_COMPARE_WITH_TIMEOUT(aliceOutcome->toPlainText(), QStringLiteral("Surgery"), waitMs);
        QVERIFY(aliceOutcome->isReadOnly()); // only the host edits the record
        const QModelIndexList change = alice->timeline().match(alice->timeline().index(0, 0), TimelineModel::EventTypeRole,
                                                               QStringLiteral("patientDataChange"), 1, Qt::MatchExactly);
        QCOMPARE(change.size(), 1);
        QCOMPARE(change.first().data().toString(), QStringLiteral("Ada Lovelace, MDT outcome set to “Surgery”"));
        QVERIFY(!child<QPushButton>(host, QStringLiteral("savePatientButton"))->isEnabled()); // nothing left unsaved
    }

    // Thesis 1.1: the images shown are on the record. The host shows a 16-bit CT series (DICOM
    // made with DCMTK's tools) and a broken DICOM file; each participant's viewer shows the CT
    // with the file's own window and its frames, and says plainly that the other can't be shown,
    // which stays on the record all the same.
    void imagesShownToEveryone()
    {
        QTemporaryDir files;
        test::TestImages made(files.path());
        const QString ct = made.monochrome16(3);
        const QString broken = made.truncated();
        QVERIFY2(!ct.isEmpty() && !broken.isEmpty(), qPrintable(made.error()));
        MeetingRoom *host = room(QStringLiteral("host"));
        child<QTabWidget>(host, QStringLiteral("roomTabs"))->setCurrentWidget(&host->imagesPanel());
        auto *caption = child<QLineEdit>(host, QStringLiteral("imageCaption"));
        QVERIFY(caption->isVisible());
        QTest::keyClicks(caption, QStringLiteral("CT abdomen, portal venous"));
        person(QStringLiteral("host")).prompts.fileToOpen = ct;
        click(child<QPushButton>(host, QStringLiteral("shareImageButton")));
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            TimelineModel &timeline = room(name)->timeline();
            QTRY_VERIFY_WITH_TIMEOUT(!timeline.match(timeline.index(0, 0), TimelineModel::EventTypeRole, QStringLiteral("image"), 1,
                                                     Qt::MatchExactly | Qt::MatchRecursive).isEmpty(), waitMs);
            const QModelIndex shown = timeline.match(timeline.index(0, 0), TimelineModel::EventTypeRole, QStringLiteral("image"), 1,
                                                     Qt::MatchExactly | Qt::MatchRecursive).constFirst();
            QCOMPARE(shown.data().toString(), QStringLiteral("Showed an image of Ada Lovelace: CT abdomen, portal venous"));
            QTRY_COMPARE_WITH_TIMEOUT(shown.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified, waitMs);
        }

        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            MeetingRoom *member = room(name);
            QVERIFY(!child<QLineEdit>(member, QStringLiteral("imageCaption"))->isVisibleTo(member) == (name != QStringLiteral("host")));
            child<QTabWidget>(member, QStringLiteral("roomTabs"))->setCurrentWidget(&member->imagesPanel());
            ImageViewer &viewer = member->imagesPanel().viewer();
            QTRY_VERIFY_WITH_TIMEOUT(!viewer.shownFrame().isNull(), waitMs);
            QCOMPARE(viewer.shownFrame().size(), QSize(64, 64));
            QCOMPARE(viewer.window()->center, 40.0);
            QCOMPARE(viewer.window()->width, 400.0);
            // 128 HU in the file's window of 40/400: a light grey, as DICOM's linear window gives.
            QVERIFY2(qAbs(qGray(viewer.shownFrame().pixel(18, 5)) - 184) <= 2, qPrintable(QString::number(qGray(viewer.shownFrame().pixel(18, 5)))));
            auto *frames = child<QSlider>(member, QStringLiteral("frameSlider"));
            QCOMPARE(frames->maximum(), 2);
            const QImage first = viewer.shownFrame();
            frames->setValue(2);
            QVERIFY(viewer.shownFrame() != first);
            frames->setValue(0);
            QCOMPARE(member->images().images().constFirst().state, SessionImages::State::Held);
        }
        screenshot(&window(QStringLiteral("alice")), QStringLiteral("image-shown"));

        // A preset window (here the lung window) is another picture of the same pixels.
        MeetingRoom *alice = room(QStringLiteral("alice"));
        ImageViewer &aliceViewer = alice->imagesPanel().viewer();
        auto *presets = child<QComboBox>(alice, QStringLiteral("windowPresets"));
        const int lung = presets->findText(QStringLiteral("Lung"), Qt::MatchStartsWith);
        QVERIFY(lung > 0);
        const QImage fileWindow = aliceViewer.shownFrame();
        presets->setCurrentIndex(lung);
        Q_EMIT presets->activated(lung);
        QCOMPARE(aliceViewer.window()->center, -600.0);
        QVERIFY(aliceViewer.shownFrame() != fileWindow);
        QVERIFY(child<QLabel>(alice, QStringLiteral("windowLabel"))->text().contains(QStringLiteral("W 1500")));

        // Dragging with the right button adjusts the window: right widens it, up lowers the level,
        // by width/200 per pixel (7.5 here); the left button pans, and never touches the window.
        auto *canvas = child<QWidget>(alice, QStringLiteral("imageCanvas"));
        const auto drag = [canvas](Qt::MouseButton button, QPoint from, QPoint to) {
            QMouseEvent press(QEvent::MouseButtonPress, from, canvas->mapToGlobal(from), button, button, Qt::NoModifier);
            QApplication::sendEvent(canvas, &press);
            QMouseEvent move(QEvent::MouseMove, to, canvas->mapToGlobal(to), Qt::NoButton, button, Qt::NoModifier);
            QApplication::sendEvent(canvas, &move);
            QMouseEvent release(QEvent::MouseButtonRelease, to, canvas->mapToGlobal(to), button, Qt::NoButton, Qt::NoModifier);
            QApplication::sendEvent(canvas, &release);
        };
        const QImage lungWindow = aliceViewer.shownFrame();
        drag(Qt::RightButton, QPoint(100, 100), QPoint(140, 80));
        QCOMPARE(aliceViewer.window()->width, 1800.0);
        QCOMPARE(aliceViewer.window()->center, -750.0);
        QCOMPARE(child<QLabel>(alice, QStringLiteral("windowLabel"))->text(), QStringLiteral("L -750 W 1800"));
        QVERIFY(aliceViewer.shownFrame() != lungWindow);
        drag(Qt::LeftButton, QPoint(100, 100), QPoint(160, 130));
        QCOMPARE(aliceViewer.window()->width, 1800.0);
        // Zoom in and out with the buttons, the wheel zooms too, a double-click fits again.
        const double fitted = aliceViewer.zoom();
        click(child<QToolButton>(alice, QStringLiteral("zoomInButton")));
        QCOMPARE(aliceViewer.zoom(), fitted * 1.25);
        QWheelEvent wheel(QPointF(100, 100), canvas->mapToGlobal(QPointF(100, 100)), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas, &wheel);
        QCOMPARE(aliceViewer.zoom(), fitted * 1.25 * 1.25);
        QTest::mouseDClick(canvas, Qt::LeftButton, {}, QPoint(100, 100));
        QCOMPARE(aliceViewer.zoom(), fitted);

        // The host drops the next file on the room; a participant's room takes no drop.
        caption->clear();
        QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(host, QStringLiteral("shareImageButton"))->isEnabled(), waitMs);
        QMimeData file;
        file.setUrls({QUrl::fromLocalFile(broken)});
        QDragEnterEvent enterAlice(QPoint(20, 20), Qt::CopyAction, &file, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(alice, &enterAlice);
        QVERIFY(!enterAlice.isAccepted());
        QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &file, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(host, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &file, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(host, &drop);
        QTRY_COMPARE_WITH_TIMEOUT(alice->images().images().size(), 2, waitMs);
        auto *message = child<QLabel>(&alice->imagesPanel().viewer(), QStringLiteral("imageMessage"));
        QTRY_VERIFY_WITH_TIMEOUT(message->isVisible() && message->text().contains(QStringLiteral("can't be shown")), waitMs);
        QVERIFY(alice->imagesPanel().viewer().shownFrame().isNull());
        QCOMPARE(alice->images().images().at(1).state, SessionImages::State::Held); // on the record, and in the copy
    }

    // Thesis tests 13-17: poll, vote, a vote not readable before the end, the end, inclusion, results.
    void pollVoteAndResults()
    {
        MeetingRoom *host = room(QStringLiteral("host"));
        click(child<QPushButton>(host, QStringLiteral("newPollButton")));
        QDialog *pollDialog = dialog(QStringLiteral("pollDialog"));
        QVERIFY(pollDialog);
        QTest::keyClicks(child<QLineEdit>(pollDialog, QStringLiteral("pollQuestion")), QStringLiteral("Refer for surgery?"));
        auto *options = child<QPlainTextEdit>(pollDialog, QStringLiteral("pollOptions"));
        options->selectAll();
        for (const QString &line : {QStringLiteral("Yes"), QStringLiteral("No"), QStringLiteral("More tests first")}) {
            QTest::keyClicks(options, line);
            QTest::keyClick(options, Qt::Key_Return);
        }
        QCOMPARE(child<QComboBox>(pollDialog, QStringLiteral("pollPatient"))->currentData().toString(), QStringLiteral("P-001"));
        click(child<QPushButton>(pollDialog, QStringLiteral("openPollButton")));

        // The meeting cannot end while the poll is open: the host is told why.
        QTRY_VERIFY_WITH_TIMEOUT(host->polls().openPoll().has_value(), waitMs);
        click(child<QPushButton>(host, QStringLiteral("endMeetingButton")));
        QVERIFY(person(QStringLiteral("host")).prompts.told.constLast().startsWith(QStringLiteral("A poll is still open")));

        const QList<QPair<QString, int>> ballots{{QStringLiteral("alice"), 0}, {QStringLiteral("bob"), 2}};
        for (const auto &[name, option] : ballots) {
            MeetingRoom *voter = room(name);
            QTRY_COMPARE_WITH_TIMEOUT(voter->polls().rowCount(), 1, waitMs);
            auto *choice = child<QRadioButton>(voter, QStringLiteral("voteOption%1").arg(option));
            QTRY_VERIFY_WITH_TIMEOUT(choice != nullptr && choice->isEnabled(), waitMs);
            QTest::mouseClick(choice, Qt::LeftButton, {}, QPoint(8, choice->height() / 2)); // on the round button itself
            QVERIFY(choice->isChecked());
            click(child<QPushButton>(voter, QStringLiteral("voteButton")));
            QTRY_COMPARE_WITH_TIMEOUT(voter->polls().index(0, 0).data(client::PollsModel::MyVoteRole).value<client::PollsModel::MyVote>(),
                                      client::PollsModel::MyVote::Cast, waitMs);
            QVERIFY(child<QLabel>(voter, QStringLiteral("myVoteLabel"))->text().contains(QStringLiteral("secret until the poll ends")));
        }
        // Before the end nobody, the host included, can read a vote: no result, only ciphertext.
        QTRY_COMPARE_WITH_TIMEOUT(host->polls().index(0, 0).data(client::PollsModel::VotesRole).toInt(), 2, waitMs);
        QVERIFY(host->polls().index(0, 0).data(client::PollsModel::CountsRole).toList().isEmpty());
        QVERIFY(child<client::PollChart>(host, QStringLiteral("pollChart"))->counts().isEmpty());
        const QModelIndexList votes = host->timeline().match(host->timeline().index(0, 0), TimelineModel::EventTypeRole, QStringLiteral("vote"), -1,
                                                             Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(votes.size(), 2);
        QCOMPARE(votes.first().data().toString(), QStringLiteral("Voted (secret until the poll ends)"));
        screenshot(&window(QStringLiteral("alice")), QStringLiteral("participant-room"));

        click(child<QPushButton>(host, QStringLiteral("endPollButton")));
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            MeetingRoom *r = room(name);
            QTRY_VERIFY_WITH_TIMEOUT(r->polls().index(0, 0).data(client::PollsModel::EndedRole).toBool(), waitMs);
            QTRY_COMPARE_WITH_TIMEOUT(child<client::PollChart>(r, QStringLiteral("pollChart"))->counts(), (QList<int>{1, 0, 1, 0}), waitMs); // last: invalid
        }
        for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            QCOMPARE(room(name)->polls().index(0, 0).data(client::PollsModel::MyVoteRole).value<client::PollsModel::MyVote>(), client::PollsModel::MyVote::Counted);
            QVERIFY(child<QLabel>(room(name), QStringLiteral("myVoteLabel"))->text().contains(QStringLiteral("Your vote was counted")));
        }
        screenshot(&window(QStringLiteral("bob")), QStringLiteral("poll-results"));
    }

    // The relay restarted mid-meeting: everyone reconnects and catches up; typed offline is sent after.
    void relayRestartedMidMeeting()
    {
        m_relay->stop();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            QTRY_COMPARE_WITH_TIMEOUT(room(name)->session().phase(), client::MeetingSession::Phase::Waiting, waitMs);
        MeetingRoom *alice = room(QStringLiteral("alice"));
        QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(alice, QStringLiteral("roomPhase"))->text().contains(QStringLiteral("Offline")), waitMs);
        QTest::keyClicks(child<QPlainTextEdit>(alice, QStringLiteral("composerText")), QStringLiteral("Written while the relay was down."));
        click(child<QPushButton>(alice, QStringLiteral("sendCommentButton")));
        QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(alice, QStringLiteral("outgoingState"))->text(), QStringLiteral("1 waiting to be sent"), waitMs);
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        expectEveryoneSees(QStringLiteral("Written while the relay was down."));
        QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(alice, QStringLiteral("outgoingState"))->text().isEmpty(), waitMs);
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            QVERIFY2(room(name)->session().problems().isEmpty(), qPrintable(room(name)->session().problems().join(QLatin1Char('\n'))));
    }

    // The relay restored from a backup older than the members' copies (its disk lost, say): the
    // app says the relay has lost entries it acknowledged and keeps its copy as it is. Then the
    // relay with its whole database is back and everyone goes on without a problem.
    void relayRestoredFromAnOlderBackup()
    {
        const QString backup = m_relayDir.filePath(QStringLiteral("older-backup"));
        QVERIFY2(m_relay->command({QStringLiteral("backup"), backup}), qPrintable(m_relay->lastOutput()));
        MeetingRoom *bobRoom = room(QStringLiteral("bob"));
        QTest::keyClicks(child<QPlainTextEdit>(bobRoom, QStringLiteral("composerText")), QStringLiteral("Said after the backup."));
        click(child<QPushButton>(bobRoom, QStringLiteral("sendCommentButton")));
        expectEveryoneSees(QStringLiteral("Said after the backup."));
        const qsizetype entries = bobRoom->session().entries().size();

        // Everyone quits with the meeting open; the relay comes back from the backup (a relay
        // started on the backup's directory, as operations.md says), at the same address.
        for (auto &p : m_people)
            p->window.reset();
        m_relay->stop();
        client::LocalRelay restored(QStringLiteral(CMEET_RELAY_PATH), backup, "gui test passphrase");
        QVERIFY2(restored.start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(restored.lastOutput()));

        Person &bob = person(QStringLiteral("bob"));
        bob.window = openWindow(bob, relayUrl());
        QTRY_VERIFY_WITH_TIMEOUT(bob.window->room() != nullptr, waitMs);
        auto *banner = child<QLabel>(bob.window->room(), QStringLiteral("problemsBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), waitMs);
        QVERIFY2(banner->text().contains(QStringLiteral("your copy holds %1 that it acknowledged").arg(entries)), qPrintable(banner->text()));
        QCOMPARE(bob.window->room()->session().entries().size(), entries);
        QVERIFY(timelineRow(bob.window->room(), QStringLiteral("Said after the backup.")).isValid());
        screenshot(bob.window.get(), QStringLiteral("relay-lost-entries"));

        bob.window.reset();
        restored.stop();
        QVERIFY2(m_relay->start({QStringLiteral("--port"), QString::number(m_port)}), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people) {
            p->window = openWindow(*p, relayUrl());
            if (client::AppSettings::load(p->profile.path()).resumeMeeting != m_meeting)
                continue;
            QTRY_VERIFY_WITH_TIMEOUT(p->window->room() != nullptr, waitMs);
            QTRY_COMPARE_WITH_TIMEOUT(p->window->room()->session().phase(), client::MeetingSession::Phase::Live, waitMs);
            QTRY_COMPARE_WITH_TIMEOUT(p->window->room()->session().entries().size(), entries, waitMs);
            QVERIFY2(p->window->room()->session().problems().isEmpty(), qPrintable(p->window->room()->session().problems().join(QLatin1Char('\n'))));
        }
    }

    // Quitting the app in a running meeting and starting it again: the room reopens by itself,
    // from the local copy, caught up, and its owner still present.
    void restartResumesTheMeeting()
    {
        Person &bob = person(QStringLiteral("bob"));
        QCOMPARE(client::AppSettings::load(bob.profile.path()).resumeMeeting, m_meeting);
        const qsizetype entries = room(QStringLiteral("host"))->session().entries().size();
        bob.window.reset();
        bob.window = openWindow(bob, relayUrl());
        QTRY_VERIFY_WITH_TIMEOUT(bob.window->room() != nullptr, waitMs);
        MeetingRoom *again = bob.window->room();
        QTRY_COMPARE_WITH_TIMEOUT(again->session().phase(), client::MeetingSession::Phase::Live, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(again->session().entries().size(), entries, waitMs);
        QVERIFY(again->session().isPresent());
        QVERIFY(timelineRow(again, QStringLiteral("Written while the relay was down.")).isValid());
    }

    // Thesis tests 18-19: leave, then the host ends the meeting (after confirming).
    void leaveAndEnd()
    {
        MeetingRoom *bob = room(QStringLiteral("bob"));
        click(child<QPushButton>(bob, QStringLiteral("leaveButton")));
        QTRY_VERIFY_WITH_TIMEOUT(!bob->session().isPresent(), waitMs);
        MeetingRoom *host = room(QStringLiteral("host"));
        const int bobRow = host->participants().rowOf(person(QStringLiteral("bob")).key.address().toLowerHex());
        QTRY_COMPARE_WITH_TIMEOUT(host->participants().index(bobRow, client::ParticipantsModel::StatusColumn).data().toString(), QStringLiteral("Left"), waitMs);
        child<QTabWidget>(host, QStringLiteral("roomTabs"))->setCurrentIndex(0); // the patient under discussion
        screenshot(&window(QStringLiteral("host")), QStringLiteral("host-room"));

        ScriptedPrompts &prompts = person(QStringLiteral("host")).prompts;
        prompts.confirmAnswer = false;
        click(child<QPushButton>(host, QStringLiteral("endMeetingButton")));
        QTest::qWait(200);
        QVERIFY(!host->session().entries().constLast().event || host->session().entries().constLast().event->type() != protocol::EventType::AckEnd);
        prompts.confirmAnswer = true;
        click(child<QPushButton>(host, QStringLiteral("endMeetingButton")));
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            QTRY_COMPARE_WITH_TIMEOUT(room(name)->session().entries().constLast().event->type(), protocol::EventType::AckEnd, waitMs);
            QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(room(name), QStringLiteral("roomTitle"))->text().contains(QStringLiteral("(ended)")), waitMs);
            QVERIFY(!child<QPushButton>(room(name), QStringLiteral("sendCommentButton"))->isEnabled());
            QVERIFY(!child<QWidget>(room(name), QStringLiteral("composer"))->isVisible());
        }
        // Who was there when, as each sees it: bob left before the end, alice stayed to it.
        const QString bobPresence = child<QLabel>(room(QStringLiteral("bob")), QStringLiteral("presenceLabel"))->text();
        QVERIFY2(bobPresence.startsWith(QStringLiteral("The meeting has ended. You were in it from ")) && !bobPresence.endsWith(QStringLiteral("to its end.")),
                 qPrintable(bobPresence));
        QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(room(QStringLiteral("alice")), QStringLiteral("presenceLabel"))->text().endsWith(QStringLiteral("to its end.")), waitMs);
        // Back to the list: the meeting is among the previous ones, ended.
        MainWindow &w = window(QStringLiteral("alice"));
        click(child<QPushButton>(room(QStringLiteral("alice")), QStringLiteral("backToMeetingsButton")));
        QTRY_VERIFY_WITH_TIMEOUT(w.room() == nullptr, waitMs);
        QVERIFY(client::AppSettings::load(person(QStringLiteral("alice")).profile.path()).resumeMeeting.isEmpty()); // left on purpose
        // Bob quit in the room: started again after the end, the app stays on the list.
        Person &bobAgain = person(QStringLiteral("bob"));
        bobAgain.window.reset();
        bobAgain.window = openWindow(bobAgain, relayUrl());
        QTRY_VERIFY_WITH_TIMEOUT(client::AppSettings::load(bobAgain.profile.path()).resumeMeeting.isEmpty(), waitMs);
        QVERIFY(bobAgain.window->room() == nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(child<QTreeView>(&w, QStringLiteral("previousMeetings")), m_meeting).isValid(), waitMs);
    }

    // Use case C.9 and thesis test 20: the auditor opens the meeting file (here the host's own
    // copy) in the audit workspace: verdict, findings, entries, a proof of one event, the PDF.
    // A tampered copy is Invalid, with the changed entry named; an audit can be cancelled.
    void auditTheMeetingFile()
    {
        MainWindow &w = window(QStringLiteral("host"));
        ScriptedPrompts &prompts = person(QStringLiteral("host")).prompts;
        const QString replica = client::AppSettings::load(person(QStringLiteral("host")).profile.path()).replicaPath(m_meeting);
        QTemporaryDir out;
        const QString copy = out.filePath(QStringLiteral("meeting.cmeet"));
        QVERIFY(QFile::copy(replica, copy));

        prompts.fileToOpen = copy;
        QAction *open = w.findChild<QAction *>(QStringLiteral("openMeetingFileAction"));
        QVERIFY(open != nullptr);
        open->trigger();
        client::AuditWorkspace *audit = w.auditWorkspace();
        QVERIFY(audit != nullptr && audit->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!audit->isRunning() && audit->report().has_value(), waitMs);
        const cmeet::audit::AuditReport &report = *audit->report();
        QCOMPARE(report.meeting, m_meeting);
        QCOMPARE(report.entries, static_cast<qint64>(room(QStringLiteral("host"))->session().entries().size()));
        // No chain node in this profile: the anchor and approvals are "not checked", nothing failed.
        QCOMPARE(report.verdict(), cmeet::audit::Verdict::Incomplete);
        const QString verdict = child<QLabel>(audit, QStringLiteral("auditVerdict"))->text();
        QVERIFY2(verdict.startsWith(QStringLiteral("Not fully checked")) && verdict.contains(QStringLiteral("set the chain node in File > Settings")),
                 qPrintable(verdict));
        auto *findings = child<QTreeWidget>(audit, QStringLiteral("auditFindings"));
        QCOMPARE(findings->topLevelItemCount(), static_cast<int>(report.findings.size()));
        QVERIFY(findings->findItems(QStringLiteral("FAILED"), Qt::MatchExactly, 0).isEmpty());
        QVERIFY(!findings->findItems(QStringLiteral("Not checked"), Qt::MatchExactly, 0).isEmpty());
        // What a finding lacks is named as the app's setting, not as a command-line option.
        for (const cmeet::audit::Finding &finding : report.findings) {
            QVERIFY2(!finding.detail.contains(QStringLiteral("--")), qPrintable(finding.detail));
            if (finding.area == QStringLiteral("anchor"))
                QVERIFY2(finding.detail.contains(QStringLiteral("File > Settings")), qPrintable(finding.detail));
        }
        auto *entries = child<QTreeWidget>(audit, QStringLiteral("auditEvents"));
        QCOMPARE(entries->topLevelItemCount(), static_cast<int>(report.entries));
        auto *record = child<QTextBrowser>(audit, QStringLiteral("auditRecord"));
        QVERIFY2(record->toPlainText().contains(QStringLiteral("Dr Alice Adams")), qPrintable(record->toPlainText()));
        screenshot(&w, QStringLiteral("audit-report"));

        // The proof of one comment, checked on its own as an auditor would.
        const int commentRow = timelineRow(room(QStringLiteral("host")), QStringLiteral("Written while the relay was down."))
                                   .data(TimelineModel::EntryIndexRole)
                                   .toInt();
        QVERIFY(commentRow > 0);
        child<QTabWidget>(audit, QStringLiteral("auditTabs"))->setCurrentWidget(entries);
        entries->setCurrentItem(entries->topLevelItem(commentRow));
        const QString proofPath = out.filePath(QStringLiteral("proof.json"));
        const QString pdfPath = out.filePath(QStringLiteral("record.pdf"));
        prompts.filesToSave = QStringList{proofPath, pdfPath};
        prompts.told.clear();
        click(child<QPushButton>(audit, QStringLiteral("exportProofButton")));
        QTRY_VERIFY_WITH_TIMEOUT(prompts.told.size() == 1, waitMs);
        QVERIFY2(prompts.told.constFirst().startsWith(QStringLiteral("Proof saved")), qPrintable(prompts.told.constFirst()));
        QFile proofFile(proofPath);
        QVERIFY(proofFile.open(QIODevice::ReadOnly));
        const QJsonObject proof = QJsonDocument::fromJson(proofFile.readAll()).object();
        const cmeet::audit::AuditReport proofReport = cmeet::audit::verifyProof(proof);
        QCOMPARE(proofReport.verdict(), cmeet::audit::Verdict::Incomplete); // proven; its anchor not checked
        const auto proven = std::find_if(proofReport.findings.cbegin(), proofReport.findings.cend(), [](const cmeet::audit::Finding &finding) {
            return finding.area == QStringLiteral("proof") && finding.outcome == cmeet::audit::Outcome::Verified;
        });
        QVERIFY(proven != proofReport.findings.cend());
        QCOMPARE(proven->entry, static_cast<qint64>(commentRow));
        QCOMPARE(proven->eventId, entries->topLevelItem(commentRow)->text(4));
        click(child<QPushButton>(audit, QStringLiteral("exportPdfButton")));
        QTRY_VERIFY_WITH_TIMEOUT(prompts.told.size() == 2, waitMs);
        QFile pdf(pdfPath);
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QCOMPARE(pdf.read(5), QByteArray("%PDF-"));

        // A tampered copy: one digit of the comment's time changed, still canonical JSON.
        const QString tampered = out.filePath(QStringLiteral("tampered.cmeet"));
        QVERIFY(QFile::copy(copy, tampered));
        {
            RawFile raw(tampered);
            QSqlQuery row = raw.run(QStringLiteral("SELECT bytes FROM events WHERE position = ?"), {commentRow});
            QVERIFY(row.next());
            QByteArray bytes = row.value(0).toByteArray();
            const qsizetype at = bytes.indexOf("\"ts\":") + 6;
            bytes[at] = bytes[at] == '1' ? '2' : '1';
            raw.run(QStringLiteral("UPDATE events SET bytes = ? WHERE position = ?"), {bytes, commentRow});
        }
        prompts.fileToOpen = tampered;
        click(child<QPushButton>(audit, QStringLiteral("auditOpenButton")));
        QTRY_VERIFY_WITH_TIMEOUT(!audit->isRunning() && audit->report().has_value(), waitMs);
        QCOMPARE(audit->report()->verdict(), cmeet::audit::Verdict::Invalid);
        QVERIFY(child<QLabel>(audit, QStringLiteral("auditVerdict"))->text().startsWith(QStringLiteral("Invalid")));
        const QList<QTreeWidgetItem *> failed = findings->findItems(QStringLiteral("FAILED"), Qt::MatchExactly, 0);
        QVERIFY(!failed.isEmpty());
        QCOMPARE(failed.constFirst()->text(2), QString::number(commentRow));
        screenshot(&w, QStringLiteral("audit-tampered"));

        // Cancelled: the file is locked (as by a copy still being written), so the audit waits at
        // its start; Cancel, then the lock goes, and the audit stops before reading any entry.
        {
            RawFile raw(copy);
            raw.run(QStringLiteral("BEGIN EXCLUSIVE"));
            audit->openFile(copy);
            QVERIFY(audit->isRunning() && !audit->report().has_value());
            QVERIFY(child<QProgressBar>(audit, QStringLiteral("auditProgress"))->isVisible());
            click(child<QPushButton>(audit, QStringLiteral("auditCancelButton")));
            raw.run(QStringLiteral("ROLLBACK"));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!audit->isRunning(), waitMs);
        QVERIFY(!audit->report().has_value());
        QVERIFY(!child<QLabel>(audit, QStringLiteral("auditVerdict"))->isVisible());
        QVERIFY(child<QLabel>(audit, QStringLiteral("auditFileLabel"))->text().contains(QStringLiteral("cancelled")));
        QVERIFY(!child<QPushButton>(audit, QStringLiteral("exportPdfButton"))->isEnabled());

        click(child<QPushButton>(audit, QStringLiteral("auditBackButton")));
        QVERIFY(!audit->isVisible());
        QVERIFY(room(QStringLiteral("host"))->isVisible());
    }

    void cleanupTestCase()
    {
        for (auto &p : m_people)
            p->window.reset();
        if (m_relay)
            m_relay->stop();
    }
};

QTEST_MAIN(TestAppMeeting)
#include "test_app_meeting.moc"
