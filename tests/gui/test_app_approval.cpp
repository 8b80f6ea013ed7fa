// Approving an ended meeting in the desktop app (DESIGN.md §5): a meeting held by simulated
// people on a real relay that anchors on a real dev chain (anvil), then a participant opens it in
// the app and presses "Approve the record": the app verifies its own copy, checks that the chain
// closed the meeting on the same record, signs and sends. Without a chain node, or with the node
// down, it says why and approves nothing. With CMEET_SCREENSHOTS_DIR set, saves the room.

#include "chain/eth_client.h"
#include "client/core/local_chain.h"
#include "client/core/local_relay.h"
#include "client/core/meeting_export.h"
#include "client/core/relay_connection.h"
#include "client/core/simulation.h"
#include "client/models/meeting_list_model.h"
#include "client/ui/app_settings.h"
#include "client/ui/audit_workspace.h"
#include "client/ui/main_window.h"
#include "client/ui/meeting_room.h"
#include "gui/app_driver.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"
#include "store/meeting_file.h"
#include "support/program_run.h"

#include <QDir>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTreeView>
#include <QTreeWidget>

using namespace cmeet;
using client::MainWindow;
using guitest::child;
using guitest::click;
using guitest::ScriptedPrompts;
using guitest::waitMs;

class TestAppApproval : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalChain> m_chain;
    std::unique_ptr<client::LocalRelay> m_relay;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;
    client::SimulationCast m_cast;
    QString m_meeting;
    QList<QByteArray> m_log; // as the host downloaded it at the end

    using App = guitest::AppInstance;

    // The app of member (its own profile), with the chain node given, in the ended meeting's room
    // (a void helper because QTRY_* return on failure: callers check app->window->room()).
    void openRoom(int member, const QUrl &chain, std::unique_ptr<App> &app, const QString &trustedRegistry = {})
    {
        app = std::make_unique<App>();
        client::AppSettings settings = client::AppSettings::load(app->profile.path());
        settings.relayUrl = m_relay->url();
        settings.chainRpcUrl = chain;
        settings.anchorRegistry = trustedRegistry;
        settings.save();
        const crypto::PrivateKey &key = m_cast.members.at(member).key;
        app->window = std::make_unique<MainWindow>(client::AppSettings::load(app->profile.path()), key.address(), key, *m_schemas, app->prompts);
        app->window->show();
        auto *previous = child<QTreeView>(app->window.get(), QStringLiteral("previousMeetings"));
        const auto row = [&] {
            return previous->model()->match(previous->model()->index(0, 0), client::MeetingListModel::IdRole, m_meeting, 1, Qt::MatchExactly).value(0);
        };
        QTRY_VERIFY_WITH_TIMEOUT(row().isValid(), waitMs);
        previous->setCurrentIndex(row());
        click(child<QPushButton>(app->window.get(), QStringLiteral("openMeetingButton")));
    }

    // What the relay holds: identity -> signature.
    QMap<QString, QString> approvalsOnRelay()
    {
        client::RelayConnection connection;
        if (!connection.open(m_relay->url()) || !connection.login(m_cast.members.constFirst().key))
            qFatal("cannot reach the relay");
        QMap<QString, QString> out;
        const auto approvals = connection.call(QStringLiteral("meeting.approvals"), {{QStringLiteral("id"), m_meeting}});
        for (const QJsonValue &approval : approvals.value_or(QJsonValue()).toArray())
            out.insert(approval[QStringLiteral("identity")].toString(), approval[QStringLiteral("signature")].toString());
        return out;
    }

    static QString approvalState(App &app) { return child<QLabel>(app.window->room(), QStringLiteral("approvalState"))->text(); }

private Q_SLOTS:
    void initTestCase()
    {
        m_schemas = *protocol::SchemaValidator::load();
        m_chain = std::make_unique<client::LocalChain>(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(m_chain->start(), qPrintable(m_chain->lastOutput()));
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "approval test");
        QVERIFY(m_relay->init());
        QString address;
        QVERIFY(m_relay->command({QStringLiteral("address")}, &address));
        chain::EthClient chain(m_chain->url());
        QVERIFY(chain.setBalance(*crypto::Address::fromHex(address.trimmed()), *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"))));
        QString deployed;
        QVERIFY2(m_relay->command({QStringLiteral("deploy-registry"), QStringLiteral("--chain"), m_chain->url().toString()}, &deployed),
                 qPrintable(m_relay->lastOutput()));

        // A short meeting: a host and two participants, one patient, held and ended.
        client::Scenario scenario;
        scenario.participants = 2;
        scenario.patients = 1;
        scenario.pollOptions = 2;
        scenario.commentsPerParticipant = 2;
        m_cast = client::castFor(scenario);
        QVERIFY(m_relay->importDirectory(m_cast.staff, m_cast.patients));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        client::Simulation simulation(m_relay->url(), m_cast.members, m_cast.patients, scenario);
        auto held = simulation.run();
        QVERIFY2(held, qPrintable(held ? QString() : held.error()));
        m_meeting = held->meeting;
        m_log = held->log;
    }

    // No chain node in the settings: nothing to check the record against, so nothing is signed.
    void withoutAChainNodeNothingIsApproved()
    {
        std::unique_ptr<App> app;
        openRoom(1, QUrl(), app);
        QVERIFY(app && app->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(app->window->room()->session().hasEnded(), waitMs);
        click(child<QPushButton>(app->window->room(), QStringLiteral("approveButton")));
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*app).startsWith(QStringLiteral("Not approved")), waitMs);
        QVERIFY2(approvalState(*app).contains(QStringLiteral("Set the chain node in Settings")), qPrintable(approvalState(*app)));
        QVERIFY(approvalsOnRelay().isEmpty());
    }

    // The node is down: the app says it cannot reach the chain, and the button is there to retry.
    void withTheNodeDownNothingIsApproved()
    {
        std::unique_ptr<App> app;
        openRoom(1, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(test::freePort())), app);
        QVERIFY(app && app->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(app->window->room()->session().hasEnded(), waitMs);
        click(child<QPushButton>(app->window->room(), QStringLiteral("approveButton")));
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*app).startsWith(QStringLiteral("Not approved")), waitMs);
        QVERIFY2(approvalState(*app).contains(QStringLiteral("cannot reach the chain")), qPrintable(approvalState(*app)));
        QVERIFY(child<QPushButton>(app->window->room(), QStringLiteral("approveButton"))->isEnabled());
        QVERIFY(approvalsOnRelay().isEmpty());
    }

    // Declining the confirmation does nothing; confirming approves, checked against the chain:
    // the relay holds a signature by this participant, and so does the participant's own copy.
    void approvesWhatTheChainAnchored()
    {
        std::unique_ptr<App> app;
        openRoom(2, m_chain->url(), app);
        QVERIFY(app && app->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(app->window->room()->session().hasEnded(), waitMs);
        auto *approve = child<QPushButton>(app->window->room(), QStringLiteral("approveButton"));
        app->prompts.confirmAnswer = false;
        click(approve);
        QVERIFY(!app->window->room()->session().isApproving());
        app->prompts.confirmAnswer = true;
        click(approve);
        // The relay anchors the end in the background: the app waits for it, then approves.
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*app).startsWith(QStringLiteral("You approved")), 60000);
        QVERIFY2(approvalState(*app).contains(QStringLiteral("1 of the 3")), qPrintable(approvalState(*app)));
        QVERIFY(!approve->isEnabled());
        const QString me = m_cast.members.at(2).key.address().toLowerHex();
        const QMap<QString, QString> onRelay = approvalsOnRelay();
        QCOMPARE(onRelay.keys(), QStringList{me});
        guitest::screenshot(app->window.get(), QStringLiteral("approved"));

        // Kept in the participant's own copy, the same signature.
        const QString replica = client::AppSettings::load(app->profile.path()).replicaPath(m_meeting);
        app->window.reset(); // closes the replica (the profile stays)
        auto file = store::MeetingFile::open(replica, true);
        QVERIFY2(file, qPrintable(file ? QString() : file.error().detail));
        const auto kept = (*file)->approvals();
        QVERIFY(kept && kept->size() == 1);
        QCOMPARE(kept->constFirst().identity, me);
        QCOMPARE(kept->constFirst().signature, onRelay.value(me));
    }

    // Reopened later: who approved shows without asking, and nobody approves twice.
    void reopeningShowsWhoApproved()
    {
        std::unique_ptr<App> approver;
        openRoom(2, m_chain->url(), approver);
        QVERIFY(approver && approver->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*approver).startsWith(QStringLiteral("You approved the final record. 1 of the 3")), waitMs);
        QVERIFY(!child<QPushButton>(approver->window->room(), QStringLiteral("approveButton"))->isEnabled());
        approver.reset();

        std::unique_ptr<App> other;
        openRoom(1, m_chain->url(), other);
        QVERIFY(other && other->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*other).startsWith(QStringLiteral("1 of the 3 people on the roster have approved so far.")), waitMs);
        QVERIFY(child<QPushButton>(other->window->room(), QStringLiteral("approveButton"))->isEnabled());
    }

    // The settings trust another meeting registry than the one the relay anchored in: nothing
    // is signed, and the message names both.
    void aRegistryOtherThanTheTrustedOneIsRefused()
    {
        const QString trusted = crypto::PrivateKey::generate()->address().toChecksumHex();
        std::unique_ptr<App> app;
        openRoom(1, m_chain->url(), app, trusted);
        QVERIFY(app && app->window->room());
        QTRY_VERIFY_WITH_TIMEOUT(app->window->room()->session().hasEnded(), waitMs);
        click(child<QPushButton>(app->window->room(), QStringLiteral("approveButton")));
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*app).startsWith(QStringLiteral("Not approved")), waitMs);
        QVERIFY2(approvalState(*app).contains(QStringLiteral("not in the meeting registry your settings trust")) && approvalState(*app).contains(trusted),
                 qPrintable(approvalState(*app)));
        QVERIFY(!approvalsOnRelay().contains(m_cast.members.at(1).key.address().toLowerHex()));
    }

    // The audit workspace checks the anchor on the chain node of the settings, and against the
    // meeting registry of the settings when one is set, not against the one the file names.
    void auditChecksTheAnchorOnTheChain()
    {
        QTemporaryDir out;
        const QString file = out.filePath(QStringLiteral("meeting.cmeet"));
        {
            client::RelayConnection connection;
            QVERIFY(connection.open(m_relay->url()) && connection.login(m_cast.members.constFirst().key));
            auto exported = client::exportMeetingFile(connection, m_meeting, m_log, file);
            QVERIFY2(exported, qPrintable(exported ? QString() : exported.error()));
        }
        const auto anchorFindings = [](const audit::AuditReport &report, audit::Outcome outcome) {
            return std::count_if(report.findings.cbegin(), report.findings.cend(),
                                 [outcome](const audit::Finding &f) { return f.area == QStringLiteral("anchor") && f.outcome == outcome; });
        };

        std::unique_ptr<App> app;
        openRoom(1, m_chain->url(), app);
        QVERIFY(app && app->window->room());
        app->window->openMeetingFile(file);
        client::AuditWorkspace *audit = app->window->auditWorkspace();
        QTRY_VERIFY_WITH_TIMEOUT(!audit->isRunning() && audit->report().has_value(), waitMs);
        const audit::AuditReport &honest = *audit->report();
        QCOMPARE(anchorFindings(honest, audit::Outcome::Failed), 0);
        QCOMPARE(anchorFindings(honest, audit::Outcome::NotChecked), 0);
        QVERIFY(anchorFindings(honest, audit::Outcome::Verified) >= 2); // opened and closed on this record
        // Only the keys are left unchecked (no identity registry here), and the banner says so.
        const QString verdict = child<QLabel>(audit, QStringLiteral("auditVerdict"))->text();
        QVERIFY2(verdict.contains(QStringLiteral("identity registry")) && !verdict.contains(QStringLiteral("set the chain node")), qPrintable(verdict));
        // Long details wrap: the log's finding (a long line) gets a taller row than the file's.
        auto *findings = child<QTreeWidget>(audit, QStringLiteral("auditFindings"));
        const auto rowHeight = [findings](const QString &area) {
            const QList<QTreeWidgetItem *> rows = findings->findItems(area, Qt::MatchExactly, 1);
            return rows.isEmpty() ? -1 : findings->visualItemRect(rows.constFirst()).height();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(rowHeight(QStringLiteral("log")) > rowHeight(QStringLiteral("file")) * 3 / 2,
                                  qPrintable(QStringLiteral("rows %1 and %2 high").arg(rowHeight(QStringLiteral("log"))).arg(rowHeight(QStringLiteral("file")))),
                                  waitMs);
        guitest::screenshot(app->window.get(), QStringLiteral("audit-anchored"));

        // A registry the auditor trusts that never saw this meeting: the anchor does not verify.
        client::AppSettings settings = app->window->settings();
        settings.anchorRegistry = crypto::PrivateKey::generate()->address().toChecksumHex();
        settings.save();
        app->window.reset();
        app->window = std::make_unique<MainWindow>(client::AppSettings::load(app->profile.path()), m_cast.members.at(1).key.address(),
                                                   m_cast.members.at(1).key, *m_schemas, app->prompts);
        app->window->openMeetingFile(file);
        audit = app->window->auditWorkspace();
        QTRY_VERIFY_WITH_TIMEOUT(!audit->isRunning() && audit->report().has_value(), waitMs);
        QCOMPARE(anchorFindings(*audit->report(), audit::Outcome::Verified), 0);
        QVERIFY(audit->report()->verdict() != audit::Verdict::Verified);
    }

    // The relay turns dishonest: two comments in its stored log swap places (each still signed by
    // its author). A member opening the meeting afresh is told plainly that the record does not
    // verify, and the entries that do not check are marked, not dropped.
    void aRelayThatChangedItsLogIsShownAsSuch()
    {
        QList<qint64> comments;
        for (qsizetype i = 0; i < m_log.size(); ++i)
            if (const auto event = protocol::Event::fromWire(m_log.at(i)); event && event->type() == protocol::EventType::Comment)
                comments.append(i);
        QVERIFY(comments.size() >= 2);
        m_relay->stop();
        {
            guitest::RawFile relayDatabase(QDir(m_relay->dataDir()).filePath(QStringLiteral("relay.sqlite")));
            QSqlQuery number = relayDatabase.run(QStringLiteral("SELECT number FROM meetings WHERE id = ?"), {m_meeting});
            QVERIFY(number.next());
            const qint64 meeting = number.value(0).toLongLong();
            QByteArray bytes[2];
            for (int i = 0; i < 2; ++i) {
                QSqlQuery row = relayDatabase.run(QStringLiteral("SELECT bytes FROM event_log WHERE meeting = ? AND position = ?"), {meeting, comments.at(i)});
                QVERIFY(row.next());
                bytes[i] = row.value(0).toByteArray();
            }
            for (int i = 0; i < 2; ++i)
                relayDatabase.run(QStringLiteral("UPDATE event_log SET bytes = ? WHERE meeting = ? AND position = ?"), {bytes[1 - i], meeting, comments.at(i)});
        }
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));

        std::unique_ptr<App> app;
        openRoom(1, m_chain->url(), app);
        QVERIFY(app && app->window->room());
        auto *banner = child<QLabel>(app->window->room(), QStringLiteral("problemsBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), waitMs);
        QVERIFY2(banner->text().contains(QStringLiteral("does not verify")) && banner->text().contains(QStringLiteral("evidence is kept")), qPrintable(banner->text()));
        QVERIFY(!app->window->room()->session().problems().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(approvalState(*app).contains(QStringLiteral("cannot be approved")), waitMs);
        QVERIFY(!child<QPushButton>(app->window->room(), QStringLiteral("approveButton"))->isEnabled());
        guitest::screenshot(app->window.get(), QStringLiteral("relay-misbehaved"));
    }

    void cleanupTestCase()
    {
        if (m_relay)
            m_relay->stop();
        if (m_chain)
            m_chain->stop();
    }
};

QTEST_MAIN(TestAppApproval)
#include "test_app_approval.moc"
