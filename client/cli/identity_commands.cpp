#include "commands.h"
#include "terminal.h"

#include "crypto/keystore.h"
#include "crypto/passphrase.h"
#include "identity/enrolment.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QUrl>

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

int proveIdentity(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Proves to the registrar, at enrolment, that you hold the Feige-Fiat-Shamir secrets it issued for your identity.\n"
        "The secret file's passphrase comes from CMEET_PASSPHRASE or is asked on the terminal."));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("Where the registrar waits (host:port, as 'registrar enrol' printed it)."), QStringLiteral("host:port"));
    const QCommandLineOption registrar(QStringLiteral("registrar"), QStringLiteral("The registrar's address, as the identity office told you."), QStringLiteral("address"));
    const QCommandLineOption secretFile(QStringLiteral("ffs-secret"), QStringLiteral("Your secret file."), QStringLiteral("file"));
    const QCommandLineOption publicFile(QStringLiteral("ffs-public"), QStringLiteral("Your public key file."), QStringLiteral("file"));
    const QCommandLineOption firstKey(QStringLiteral("first-key"), QStringLiteral("The key you are enrolling (default: your identity's own address)."),
                                      QStringLiteral("address"));
    parser.addOptions({to, registrar, secretFile, publicFile, firstKey});
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    for (const QCommandLineOption &option : {to, registrar, secretFile, publicFile}) {
        if (!parser.isSet(option)) {
            printError(QStringLiteral("--%1 is required (see --help)").arg(option.names().constFirst()));
            return 2;
        }
    }
    const QUrl where(QStringLiteral("tcp://") + parser.value(to));
    const auto registrarAddress = crypto::Address::fromHex(parser.value(registrar));
    if (!where.isValid() || where.port() <= 0 || !registrarAddress) {
        printError(QStringLiteral("--to needs host:port and --registrar an address"));
        return 2;
    }
    auto issued = identity::readPublicKeyFile(parser.value(publicFile));
    if (!issued) {
        printError(issued.error());
        return 1;
    }
    QFile file(parser.value(secretFile));
    if (!file.open(QIODevice::ReadOnly)) {
        printError(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        return 1;
    }
    const crypto::SecretBytes passphrase = crypto::readPassphrase(QStringLiteral("CMEET_PASSPHRASE"), QStringLiteral("Passphrase for your secrets: "), false);
    auto sealed = crypto::keystore::openSecret(file.read(crypto::keystore::maxFileBytes), passphrase);
    const auto owner = sealed ? crypto::Address::fromHex(sealed->owner) : unexpected(crypto::CryptoError::InvalidAddress);
    if (!sealed || sealed->kind != QStringLiteral("ffs") || !owner) {
        printError(QStringLiteral("%1: wrong passphrase, or not a Feige-Fiat-Shamir secret file").arg(file.fileName()));
        return 1;
    }
    if (issued->identity != *owner) {
        printError(QStringLiteral("the public key is for %1 but the secrets for %2").arg(issued->identity.toChecksumHex(), owner->toChecksumHex()));
        return 1;
    }
    const auto key = parser.isSet(firstKey) ? crypto::Address::fromHex(parser.value(firstKey)) : Expected<crypto::Address, crypto::CryptoError>(*owner);
    if (!key) {
        printError(QStringLiteral("--first-key must be an address"));
        return 2;
    }
    auto secret = crypto::FfsSecret::fromBytes(sealed->secret.view());
    if (!secret) {
        printError(secret.error().detail);
        return 1;
    }
    QTcpSocket socket;
    socket.connectToHost(where.host(), static_cast<quint16>(where.port()));
    if (!socket.waitForConnected(10000)) {
        printError(QStringLiteral("cannot reach the registrar at %1: %2").arg(parser.value(to), socket.errorString()));
        return 1;
    }
    auto proven = identity::proveEnrolment(socket, issued->key, std::move(*secret), {*registrarAddress, *owner, *key});
    if (!proven) {
        printError(proven.error());
        return 1;
    }
    printLine(QStringLiteral("identity %1 proven to the registrar %2").arg(owner->toChecksumHex(), registrarAddress->toChecksumHex()));
    return 0;
}

} // namespace

int identityCommand(const QStringList &arguments)
{
    return dispatchAction(QStringLiteral("identity"), arguments,
                          {{QStringLiteral("create"), QStringLiteral("make a new identity key in a passphrase-encrypted key file"),
                            createIdentity},
                           {QStringLiteral("show"), QStringLiteral("print the address of a key file"), showIdentity},
                           {QStringLiteral("prove"), QStringLiteral("prove your identity to the registrar at enrolment (Feige-Fiat-Shamir)"), proveIdentity}});
}

} // namespace cmeet::cli
