// A device key in the desktop app (DESIGN.md: identities and their keys in the identity
// registry): on a real dev chain (anvil) the registrar enrols Dr Alice Adams, and a relay that
// reads the registry lets in only keys active there. The app on her laptop signs for her with
// the laptop's own key: refused with what to do while the key is not added, let in as her once
// she has added it (cmeet-cli registrar add-key), and the status bar shows both addresses.

#include "chain/eth_client.h"
#include "client/core/local_chain.h"
#include "client/core/local_relay.h"
#include "client/core/relay_connection.h"
#include "client/ui/app_settings.h"
#include "client/ui/main_window.h"
#include "gui/app_driver.h"
#include "protocol/schema_validator.h"
#include "support/key_file.h"
#include "support/program_run.h"

#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>

using namespace cmeet;
using client::AppSettings;
using client::MainWindow;
using client::RelayLink;
using guitest::child;
using guitest::waitMs;

namespace {
const QByteArray passphrase = "device key test";
}

class TestAppDeviceKey : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalChain> m_chain;
    std::unique_ptr<client::LocalRelay> m_relay;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;
    crypto::Address m_registry;
    crypto::Address m_alice;
    crypto::Address m_laptop;

    // cmeet-cli in the test's folder, on the dev chain and its identity registry: exit code, output.
    QPair<int, QString> cli(const QStringList &arguments)
    {
        test::ProgramOptions options;
        options.environment = test::environmentWith({{QStringLiteral("CMEET_PASSPHRASE"), QString::fromUtf8(passphrase)},
                                                     {QStringLiteral("CMEET_CHAIN"), m_chain->url().toString()}});
        if (m_registry != crypto::Address())
            options.environment.insert(QStringLiteral("CMEET_IDENTITY_REGISTRY"), m_registry.toLowerHex());
        options.workingDirectory = m_dir.path();
        const test::ProgramRun run = test::runProgram(QStringLiteral(CMEET_CLI_PATH), arguments, options);
        return {run.exitCode, run.answer()};
    }

    crypto::Address newKeyFile(const QString &name)
    {
        return crypto::Address::fromHex(cli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("-o"), name}).second).value_or(crypto::Address());
    }

    crypto::PrivateKey openKeyFile(const QString &name) { return test::openKeyFile(m_dir.filePath(name), passphrase); }

    // Alice's app on her laptop: her identity in the profile, the laptop's key to sign with.
    using App = guitest::AppInstance;
    std::unique_ptr<App> openLaptopApp()
    {
        auto app = std::make_unique<App>();
        AppSettings settings = AppSettings::load(app->profile.path());
        settings.relayUrl = m_relay->url();
        settings.identity = m_alice.toChecksumHex();
        settings.save();
        const AppSettings loaded = AppSettings::load(app->profile.path());
        const crypto::PrivateKey laptop = openKeyFile(QStringLiteral("laptop.key"));
        app->window = std::make_unique<MainWindow>(loaded, loaded.identityFor(laptop), laptop, *m_schemas, app->prompts);
        app->window->show();
        return app;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_schemas = *protocol::SchemaValidator::load();
        m_chain = std::make_unique<client::LocalChain>(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(m_chain->start(), qPrintable(m_chain->lastOutput()));
        const crypto::Address registrar = newKeyFile(QStringLiteral("registrar.key"));
        m_alice = newKeyFile(QStringLiteral("alice.key"));
        m_laptop = newKeyFile(QStringLiteral("laptop.key"));
        QVERIFY(registrar != crypto::Address() && m_alice != crypto::Address() && m_laptop != crypto::Address());
        chain::EthClient client(m_chain->url());
        const auto ether = *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"));
        QVERIFY(client.setBalance(registrar, ether) && client.setBalance(m_alice, ether));
        const auto deployed = cli({QStringLiteral("registrar"), QStringLiteral("deploy"), QStringLiteral("--key"), QStringLiteral("registrar.key")});
        QVERIFY2(deployed.first == 0, qPrintable(deployed.second));
        m_registry = *crypto::Address::fromHex(deployed.second);
        const auto enrolled = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), m_alice.toLowerHex(), QStringLiteral("--key"),
                                   QStringLiteral("registrar.key"), QStringLiteral("--skip-identification")});
        QVERIFY2(enrolled.first == 0, qPrintable(enrolled.second));

        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), passphrase);
        QVERIFY(m_relay->init());
        QVERIFY(m_relay->addStaff(m_alice, QStringLiteral("Dr Alice Adams")));
        QVERIFY2(m_relay->start({QStringLiteral("--chain"), m_chain->url().toString(), QStringLiteral("--identity-registry"), m_registry.toLowerHex()}),
                 qPrintable(m_relay->lastOutput()));
    }

    // Not added yet: refused, and the banner says which key to add for whom, and how.
    void aKeyNotAddedIsRefusedWithWhatToDo()
    {
        auto app = openLaptopApp();
        QTRY_COMPARE_WITH_TIMEOUT(app->window->link().state(), RelayLink::State::Refused, waitMs);
        const QString banner = child<QLabel>(app->window.get(), QStringLiteral("connectionBanner"))->text();
        QVERIFY2(banner.contains(m_laptop.toChecksumHex()) && banner.contains(m_alice.toChecksumHex()) && banner.contains(QStringLiteral("registrar add-key")),
                 qPrintable(banner));
    }

    // Added by Alice with her identity key: the laptop's app is let in as her.
    void anAddedKeySignsForTheIdentity()
    {
        const auto added = cli({QStringLiteral("registrar"), QStringLiteral("add-key"), m_alice.toLowerHex(), m_laptop.toLowerHex(), QStringLiteral("--key"),
                                QStringLiteral("alice.key")});
        QVERIFY2(added.first == 0, qPrintable(added.second));
        // The relay reads the registry every few seconds: wait until it knows the key.
        const crypto::PrivateKey laptop = openKeyFile(QStringLiteral("laptop.key"));
        QTRY_VERIFY_WITH_TIMEOUT([&] {
            client::RelayConnection connection;
            return connection.open(m_relay->url()) && connection.login(m_alice, laptop);
        }(), waitMs);
        auto app = openLaptopApp();
        QTRY_COMPARE_WITH_TIMEOUT(app->window->link().state(), RelayLink::State::Online, waitMs);
        QCOMPARE(app->window->link().identity(), m_alice);
        QCOMPARE(child<QLabel>(app->window.get(), QStringLiteral("connectionState"))->text(), QStringLiteral("Connected as Dr Alice Adams"));
        const QString account = child<QLabel>(app->window.get(), QStringLiteral("accountLabel"))->text();
        QVERIFY2(account.contains(QStringLiteral("this computer's key")), qPrintable(account));
        QVERIFY2(child<QLabel>(app->window.get(), QStringLiteral("accountLabel"))->toolTip().contains(m_laptop.toChecksumHex()), qPrintable(account));
    }

    void cleanupTestCase()
    {
        if (m_relay)
            m_relay->stop();
        if (m_chain)
            m_chain->stop();
    }
};

QTEST_MAIN(TestAppDeviceKey)
#include "test_app_device_key.moc"
