// cmeet: the desktop app for the host, the participants and the auditors (DESIGN.md §9).

#include "client/ui/app_settings.h"
#include "client/ui/identity_setup.h"
#include "client/ui/identity_store.h"
#include "client/ui/main_window.h"
#include "client/ui/user_prompts.h"
#include "protocol/schema_validator.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QInputDialog>
#include <QMessageBox>
#include <QStandardPaths>

#include <cstdio>
#include <functional>
#include <memory>

using namespace cmeet;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("c-meet"));
    QApplication::setOrganizationName(QStringLiteral("c-meet"));
    QApplication::setApplicationVersion(QStringLiteral(CMEET_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "c-meet: record a multidisciplinary team meeting so that nobody can later deny, forge, drop or edit what happened.\n"
        "Everything you write is signed on this computer; your copy of every meeting is checked as it arrives."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption profile(QStringLiteral("profile"), QStringLiteral("The profile folder: settings and your copies of meetings "
                                                                                "(default: the user's application data folder)."),
                                     QStringLiteral("dir"));
    const QCommandLineOption relay(QStringLiteral("relay"), QStringLiteral("The relay's address (wss://..., or ws:// on this computer); "
                                                                            "remembered in the profile."),
                                   QStringLiteral("url"));
    const QCommandLineOption keyFile(QStringLiteral("key-file"), QStringLiteral("Sign with the identity key in this passphrase-encrypted key "
                                                                                 "file (passphrase from CMEET_PASSPHRASE or asked) instead of "
                                                                                 "the profile's (kept in the system keychain; the first run "
                                                                                 "makes or imports one)."),
                                     QStringLiteral("file"));
    const QCommandLineOption identity(QStringLiteral("identity"), QStringLiteral("Your identity, when the key is a device key added for it "
                                                                                  "in the identity registry; remembered in the profile."),
                                      QStringLiteral("address"));
    parser.addOptions({profile, relay, keyFile, identity});
    parser.process(app);

    client::AppSettings settings = client::AppSettings::load(
        parser.isSet(profile) ? parser.value(profile) : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    if (parser.isSet(relay)) {
        settings.relayUrl = QUrl(parser.value(relay));
        settings.save();
    }
    if (parser.isSet(identity)) {
        if (const QString problem = client::AppSettings::addressProblem(parser.value(identity)); !problem.isEmpty()) {
            std::fprintf(stderr, "cmeet: --identity: %s\n", qPrintable(problem));
            return 2;
        }
        settings.identity = parser.value(identity).trimmed();
        settings.save();
    }
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        QMessageBox::critical(nullptr, QStringLiteral("c-meet"), QApplication::translate("main", "c-meet is damaged: %1").arg(schemas.error()));
        return 2;
    }

    client::UserPrompts prompts;
    client::IdentityStore store(settings.profileDir);
    std::unique_ptr<client::MainWindow> window;
    const auto openWindow = [&](const crypto::PrivateKey &key) {
        window = std::make_unique<client::MainWindow>(settings, settings.identityFor(key), key, **schemas, prompts);
        window->show();
        QApplication::setQuitOnLastWindowClosed(true);
    };
    const auto fail = [](const QString &message) {
        QMessageBox::critical(nullptr, QStringLiteral("c-meet"), message);
        QApplication::exit(1);
    };
    // A key file's passphrase (asked again after a wrong one), then scrypt off the UI thread.
    std::function<void(const QString &)> unlock = [&](const QString &path) {
        crypto::SecretBytes passphrase(qEnvironmentVariable("CMEET_PASSPHRASE").toUtf8());
        if (passphrase.isEmpty()) {
            bool ok = false;
            const QString typed = QInputDialog::getText(nullptr, QStringLiteral("c-meet"),
                                                        QApplication::translate("main", "Passphrase for your identity key (%1):").arg(path),
                                                        QLineEdit::Password, {}, &ok);
            if (!ok) {
                QApplication::exit(1);
                return;
            }
            passphrase = crypto::SecretBytes(typed.toUtf8());
        }
        store.openFile(path, passphrase, [&, path](const auto &result) {
            if (result)
                openWindow(*result);
            else if (qEnvironmentVariableIsSet("CMEET_PASSPHRASE"))
                fail(result.error().message);
            else {
                QMessageBox::warning(nullptr, QStringLiteral("c-meet"), result.error().message);
                unlock(path);
            }
        });
    };

    // The window waits for the identity: until then closing a dialog must not end the app.
    QApplication::setQuitOnLastWindowClosed(false);
    if (parser.isSet(keyFile)) {
        unlock(parser.value(keyFile));
    } else if (store.storage() == client::IdentityStore::Storage::Keychain) {
        store.readFromKeychain([&](const auto &result) {
            if (result)
                openWindow(*result);
            else
                fail(result.error().message);
        });
    } else if (store.storage() == client::IdentityStore::Storage::KeyFile) {
        unlock(store.keyFilePath());
    } else {
        auto *setup = new client::IdentitySetup(store, prompts);
        setup->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(setup, &QDialog::finished, [&, setup](int outcome) {
            if (outcome == QDialog::Accepted && setup->key())
                openWindow(*setup->key());
            else
                QApplication::exit(1);
        });
        setup->show();
    }
    return QApplication::exec();
}
