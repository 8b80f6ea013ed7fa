#include "commands.h"
#include "terminal.h"

#include "crypto/keystore.h"
#include "crypto/passphrase.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcIdentity, "cmeet.cli.identity", QtInfoMsg)

namespace cmeet::cli {
namespace {

int createIdentity(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Creates a new identity key and writes it to a key file encrypted with a passphrase\n"
        "(CMEET_PASSPHRASE, or asked on the terminal)."));
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")}, QStringLiteral("Key file to write."),
                                 QStringLiteral("file"));
    const QCommandLineOption force(QStringLiteral("force"), QStringLiteral("Overwrite an existing key file."));
    parser.addOptions({out, force});
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(out)) {
        printError(QStringLiteral("identity create needs --out FILE"));
        return 2;
    }
    const QString path = parser.value(out);
    if ((QFile::exists(path) || QFileInfo(path).isSymLink()) && !parser.isSet(force)) {
        printError(QStringLiteral("%1 exists; use --force to overwrite it").arg(path));
        return 1;
    }
    const crypto::SecretBytes passphrase = crypto::readPassphrase(QStringLiteral("CMEET_PASSPHRASE"), QStringLiteral("New passphrase: "), true);
    if (passphrase.isEmpty()) {
        printError(QStringLiteral("a passphrase is required: set CMEET_PASSPHRASE or run on a terminal"));
        return 1;
    }
    auto key = crypto::PrivateKey::generate();
    if (!key) {
        printError(crypto::describe(key.error()));
        return 1;
    }
    auto sealed = crypto::keystore::seal(*key, passphrase);
    if (!sealed) {
        printError(crypto::describe(sealed.error()));
        return 1;
    }
    // A temporary file, owner-only from the first byte, synced and renamed over the target: a
    // failed write never leaves a half key file nor destroys the old one.
    QSaveFile file(path);
    file.setDirectWriteFallback(false);
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(*sealed) != sealed->size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return 1;
    }
    qCInfo(lcIdentity) << "created identity" << key->address().toChecksumHex() << "in" << path;
    printLine(key->address().toChecksumHex());
    return 0;
}

int showIdentity(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Prints the address of a key file (no passphrase needed)."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Key file."));
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("identity show needs exactly one key file"));
        return 2;
    }
    QFile file(parser.positionalArguments().constFirst());
    if (!file.open(QIODevice::ReadOnly)) {
        printError(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        return 1;
    }
    auto address = crypto::keystore::addressOf(file.read(crypto::keystore::maxFileBytes));
    if (!address) {
        printError(QStringLiteral("%1 is not a c-meet key file").arg(file.fileName()));
        return 1;
    }
    printLine(address->toChecksumHex());
    return 0;
}

} // namespace

int identityCommand(const QStringList &arguments)
{
    return dispatchAction(QStringLiteral("identity"), arguments,
                          {{QStringLiteral("create"), QStringLiteral("make a new identity key in a passphrase-encrypted key file"),
                            createIdentity},
                           {QStringLiteral("show"), QStringLiteral("print the address of a key file"), showIdentity}});
}

} // namespace cmeet::cli
