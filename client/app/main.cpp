// cmeet: the desktop app for the host, the participants and the auditors (DESIGN.md §9).

#include "client/ui/app_settings.h"
#include "client/ui/main_window.h"
#include "client/ui/user_prompts.h"
#include "crypto/keystore.h"
#include "crypto/passphrase.h"
#include "protocol/schema_validator.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QInputDialog>
#include <QMessageBox>
#include <QStandardPaths>

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
                                                                                 "file (passphrase from CMEET_PASSPHRASE or asked)."),
                                     QStringLiteral("file"));
    parser.addOptions({profile, relay, keyFile});
    parser.process(app);

    client::AppSettings settings = client::AppSettings::load(
        parser.isSet(profile) ? parser.value(profile) : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    if (parser.isSet(relay)) {
        settings.relayUrl = QUrl(parser.value(relay));
        settings.save();
    }
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        QMessageBox::critical(nullptr, QStringLiteral("c-meet"), QApplication::translate("main", "c-meet is damaged: %1").arg(schemas.error()));
        return 2;
    }

    if (!parser.isSet(keyFile)) {
        QMessageBox::information(nullptr, QStringLiteral("c-meet"),
                                 QApplication::translate("main", "Start c-meet with your identity key file: cmeet --key-file FILE.\n"
                                                                 "(Create one with: cmeet-cli identity create --out FILE.)"));
        return 2;
    }
    QFile file(parser.value(keyFile));
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::critical(nullptr, QStringLiteral("c-meet"),
                              QApplication::translate("main", "Cannot read the key file %1: %2").arg(file.fileName(), file.errorString()));
        return 2;
    }
    const QByteArray sealed = file.read(crypto::keystore::maxFileBytes);
    crypto::SecretBytes passphrase(qEnvironmentVariable("CMEET_PASSPHRASE").toUtf8());
    if (passphrase.isEmpty()) {
        bool ok = false;
        const QString typed = QInputDialog::getText(nullptr, QStringLiteral("c-meet"), QApplication::translate("main", "Passphrase for %1:").arg(file.fileName()),
                                                    QLineEdit::Password, {}, &ok);
        if (!ok)
            return 1;
        passphrase = crypto::SecretBytes(typed.toUtf8());
    }
    auto key = crypto::keystore::open(sealed, passphrase);
    if (!key) {
        QMessageBox::critical(nullptr, QStringLiteral("c-meet"), QApplication::translate("main", "Wrong passphrase, or not a c-meet key file."));
        return 1;
    }
    client::UserPrompts prompts;
    client::MainWindow window(settings, key->address(), *key, **schemas, prompts);
    window.show();
    return QApplication::exec();
}
