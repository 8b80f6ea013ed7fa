// File > Settings in the desktop app: each field says what is wrong with it and Save waits until
// all are usable; saved settings are in the profile's settings.ini and used at once. Against a
// real relay serving wss:// with a certificate from a throwaway CA: without the CA file the app
// cannot connect, with it (chosen in the dialog) it logs in. With CMEET_SCREENSHOTS_DIR set,
// saves the dialog.

#include "client/core/local_relay.h"
#include "client/ui/app_settings.h"
#include "client/ui/main_window.h"
#include "client/ui/settings_dialog.h"
#include "gui/app_driver.h"
#include "protocol/schema_validator.h"
#include "support/test_pki.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>

using namespace cmeet;
using client::AppSettings;
using client::MainWindow;
using client::RelayLink;
using client::SettingsDialog;
using guitest::child;
using guitest::click;
using guitest::ScriptedPrompts;
using guitest::waitMs;

class TestAppSettings : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_pki;
    std::unique_ptr<client::LocalRelay> m_relay;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;
    crypto::PrivateKey m_key = *crypto::PrivateKey::generate();

    using App = guitest::AppInstance;

    // A window on a profile whose settings.ini says relayUrl (no CA file).
    std::unique_ptr<App> openApp(const QUrl &relayUrl)
    {
        auto app = std::make_unique<App>();
        AppSettings settings = AppSettings::load(app->profile.path());
        settings.relayUrl = relayUrl;
        settings.save();
        app->window = std::make_unique<MainWindow>(AppSettings::load(app->profile.path()), m_key.address(), m_key, *m_schemas, app->prompts);
        app->window->show();
        return app;
    }

    static SettingsDialog *openSettings(MainWindow &window)
    {
        QAction *action = window.findChild<QAction *>(QStringLiteral("settingsAction"));
        if (action == nullptr)
            return nullptr;
        action->trigger();
        return window.findChild<SettingsDialog *>(QStringLiteral("settingsDialog"));
    }

    static QString problem(SettingsDialog *dialog) { return child<QLabel>(dialog, QStringLiteral("settingsProblem"))->text(); }
    static bool canSave(SettingsDialog *dialog) { return child<QPushButton>(dialog, QStringLiteral("saveSettingsButton"))->isEnabled(); }
    static void type(SettingsDialog *dialog, const QString &field, const QString &text)
    {
        auto *edit = child<QLineEdit>(dialog, field);
        edit->clear();
        QTest::keyClicks(edit, text);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_schemas = *protocol::SchemaValidator::load();
        QVERIFY(test::makeTestPki(m_pki.path()));
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "settings test");
        QVERIFY(m_relay->init());
        QVERIFY(m_relay->addStaff(m_key.address(), QStringLiteral("Dr Sam Sutton")));
        QVERIFY2(m_relay->start({QStringLiteral("--tls-cert"), m_pki.filePath(QStringLiteral("relay.pem")), QStringLiteral("--tls-key"),
                                 m_pki.filePath(QStringLiteral("relay.key"))}),
                 qPrintable(m_relay->lastOutput()));
        QCOMPARE(m_relay->url().scheme(), QStringLiteral("wss"));
    }

    // An unusable relay address is not even tried; the dialog names what is wrong with each field.
    void eachFieldSaysWhatIsWrong()
    {
        auto app = openApp(QUrl(QStringLiteral("ws://relay.example.org:8765")));
        const QString state = child<QLabel>(app->window.get(), QStringLiteral("connectionState"))->text();
        QVERIFY2(state.contains(QStringLiteral("use wss://")) && state.contains(QStringLiteral("File > Settings")), qPrintable(state));
        QCOMPARE(app->window->link().state(), RelayLink::State::Offline);

        SettingsDialog *dialog = openSettings(*app->window);
        QVERIFY(dialog != nullptr && dialog->isVisible());
        QVERIFY2(problem(dialog).contains(QStringLiteral("use wss://")), qPrintable(problem(dialog)));
        QVERIFY(!canSave(dialog));
        type(dialog, QStringLiteral("relayUrlEdit"), QStringLiteral("wss://relay.example.org"));
        QVERIFY2(problem(dialog).isEmpty(), qPrintable(problem(dialog)));
        QVERIFY(canSave(dialog));
        // A standby relay is optional, and checked as the relay is.
        type(dialog, QStringLiteral("standbyRelayUrlEdit"), QStringLiteral("ws://relay2.example.org"));
        QVERIFY2(problem(dialog).contains(QStringLiteral("Standby address")) && problem(dialog).contains(QStringLiteral("use wss://")), qPrintable(problem(dialog)));
        QVERIFY(!canSave(dialog));
        type(dialog, QStringLiteral("standbyRelayUrlEdit"), QStringLiteral("wss://relay2.example.org"));
        QVERIFY2(problem(dialog).isEmpty(), qPrintable(problem(dialog)));
        QCOMPARE(dialog->settings().relayUrls(), (QList<QUrl>{QUrl(QStringLiteral("wss://relay.example.org")), QUrl(QStringLiteral("wss://relay2.example.org"))}));

        QFile notPem(app->profile.filePath(QStringLiteral("not-a-certificate.pem")));
        QVERIFY(notPem.open(QIODevice::WriteOnly) && notPem.write("hello") == 5);
        notPem.close();
        type(dialog, QStringLiteral("caFileEdit"), notPem.fileName());
        QVERIFY2(problem(dialog).contains(QStringLiteral("holds no PEM certificate")), qPrintable(problem(dialog)));
        QVERIFY(!canSave(dialog));
        type(dialog, QStringLiteral("caFileEdit"), app->profile.filePath(QStringLiteral("missing.pem")));
        QVERIFY2(problem(dialog).contains(QStringLiteral("cannot be read")), qPrintable(problem(dialog)));
        type(dialog, QStringLiteral("caFileEdit"), QString());

        type(dialog, QStringLiteral("chainUrlEdit"), QStringLiteral("ftp://chain.example.org"));
        QVERIFY2(problem(dialog).contains(QStringLiteral("http:// or https://")), qPrintable(problem(dialog)));
        type(dialog, QStringLiteral("chainUrlEdit"), QStringLiteral("http://chain.example.org:8545"));
        QVERIFY2(problem(dialog).contains(QStringLiteral("use https://")), qPrintable(problem(dialog)));
        type(dialog, QStringLiteral("chainUrlEdit"), QStringLiteral("https://chain.example.org:8545"));
        QVERIFY(problem(dialog).isEmpty());

        // A registry: too short, or a checksummed address with one letter's case changed.
        const QString checksummed = QStringLiteral("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        type(dialog, QStringLiteral("anchorRegistryEdit"), QStringLiteral("0x1234"));
        QVERIFY2(problem(dialog).contains(QStringLiteral("is not an address")), qPrintable(problem(dialog)));
        QString miscopied = checksummed;
        miscopied[3] = QLatin1Char('A');
        type(dialog, QStringLiteral("anchorRegistryEdit"), miscopied);
        QVERIFY2(problem(dialog).contains(QStringLiteral("is not an address")), qPrintable(problem(dialog)));
        type(dialog, QStringLiteral("identityRegistryEdit"), checksummed);
        QVERIFY(!canSave(dialog)); // the meeting registry is still wrong
        type(dialog, QStringLiteral("anchorRegistryEdit"), checksummed.toLower());
        QVERIFY2(problem(dialog).isEmpty(), qPrintable(problem(dialog)));
        QVERIFY(canSave(dialog));
        guitest::screenshot(dialog, QStringLiteral("settings"));

        // Cancel keeps what the profile had.
        click(child<QDialogButtonBox>(dialog, QStringLiteral("settingsButtons"))->button(QDialogButtonBox::Cancel));
        QTRY_VERIFY(app->window->findChild<SettingsDialog *>() == nullptr);
        QCOMPARE(AppSettings::load(app->profile.path()).relayUrl, QUrl(QStringLiteral("ws://relay.example.org:8765")));
        QVERIFY(AppSettings::load(app->profile.path()).anchorRegistry.isEmpty());
    }

    // The relay's certificate comes from a CA the system does not know: not connected until the
    // CA file is chosen in Settings and saved; then logged in at once, and the profile keeps it.
    void savedSettingsAreUsedAndKept()
    {
        auto app = openApp(m_relay->url());
        RelayLink &link = app->window->link();
        QTRY_VERIFY_WITH_TIMEOUT(link.failedAttempts() > 0, waitMs);
        QVERIFY(link.state() != RelayLink::State::Online);
        const QString state = child<QLabel>(app->window.get(), QStringLiteral("connectionState"))->text();
        QVERIFY2(state.contains(QStringLiteral("certificate is not trusted")) && state.contains(QStringLiteral("CA file in Settings")), qPrintable(state));

        SettingsDialog *dialog = openSettings(*app->window);
        QVERIFY(dialog != nullptr);
        app->prompts.fileToOpen = m_pki.filePath(QStringLiteral("ca.pem"));
        click(child<QPushButton>(dialog, QStringLiteral("caFileBrowseButton")));
        QCOMPARE(child<QLineEdit>(dialog, QStringLiteral("caFileEdit"))->text(), m_pki.filePath(QStringLiteral("ca.pem")));
        type(dialog, QStringLiteral("chainUrlEdit"), QStringLiteral("http://127.0.0.1:8545"));
        const QString registry = crypto::PrivateKey::generate()->address().toChecksumHex();
        type(dialog, QStringLiteral("anchorRegistryEdit"), registry);
        click(child<QPushButton>(dialog, QStringLiteral("saveSettingsButton")));

        QTRY_COMPARE_WITH_TIMEOUT(link.state(), RelayLink::State::Online, waitMs);
        QVERIFY2(child<QLabel>(app->window.get(), QStringLiteral("accountLabel"))->text().contains(m_key.address().toChecksumHex().left(6)),
                 qPrintable(child<QLabel>(app->window.get(), QStringLiteral("accountLabel"))->text()));
        const AppSettings kept = AppSettings::load(app->profile.path());
        QCOMPARE(kept.trustedCaFile, m_pki.filePath(QStringLiteral("ca.pem")));
        QCOMPARE(kept.chainRpcUrl, QUrl(QStringLiteral("http://127.0.0.1:8545")));
        QCOMPARE(kept.anchorRegistryAddress(), crypto::Address::fromHex(registry).value());
        QCOMPARE(app->window->settings().chainRpcUrl, kept.chainRpcUrl);

        // Opened again, the dialog shows what was saved.
        SettingsDialog *again = openSettings(*app->window);
        QVERIFY(again != nullptr);
        QCOMPARE(child<QLineEdit>(again, QStringLiteral("anchorRegistryEdit"))->text(), registry);
        QCOMPARE(child<QLineEdit>(again, QStringLiteral("relayUrlEdit"))->text(), m_relay->url().toString());
        again->reject();
    }

    void cleanupTestCase()
    {
        if (m_relay)
            m_relay->stop();
    }
};

QTEST_MAIN(TestAppSettings)
#include "test_app_settings.moc"
