// cmeet-cli registrar: the identity office's side of DeeID (DESIGN.md §4): deploy the
// IdentityRegistry, enrol identities, add and revoke their keys, and show a key's period.

#include "commands.h"
#include "terminal.h"

#include "base/hex.h"
#include "chain/meeting_registry.h"
#include "crypto/keystore.h"
#include "crypto/passphrase.h"
#include "identity/enrolment.h"
#include "identity/identity_registry.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTextStream>

Q_LOGGING_CATEGORY(lcRegistrar, "cmeet.cli.registrar", QtInfoMsg)

namespace cmeet::cli {
namespace {

struct ChainOptions {
    QCommandLineOption chain{QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL (default: $CMEET_CHAIN or http://127.0.0.1:8545)."),
                             QStringLiteral("url")};
    QCommandLineOption registry{QStringLiteral("registry"), QStringLiteral("IdentityRegistry address (default: $CMEET_IDENTITY_REGISTRY)."),
                                QStringLiteral("address")};
    QCommandLineOption key{QStringLiteral("key"), QStringLiteral("Key file that sends the transaction: the registrar's, or the identity's own "
                                                                 "for add-key and revoke (default: $CMEET_KEY)."),
                           QStringLiteral("file")};
};

Expected<crypto::Address, QString> addressArgument(const QString &text, const QString &what)
{
    auto address = crypto::Address::fromHex(text);
    if (!address)
        return unexpected(QStringLiteral("%1 must be an address (0x + 40 hex digits), not \"%2\"").arg(what, text));
    return *address;
}

// What each action needs: the parsed options, a chain client, and (for transactions) the sender.
class RegistrarContext {
public:
    [[nodiscard]] static Expected<RegistrarContext, QString> open(const QCommandLineParser &parser, const ChainOptions &options,
                                                                  bool needsRegistry, bool needsKey)
    {
        RegistrarContext context;
        context.m_client = std::make_shared<chain::EthClient>(QUrl(valueOrEnvironment(parser, options.chain, "CMEET_CHAIN", QStringLiteral("http://127.0.0.1:8545"))));
        if (needsRegistry) {
            const QString text = valueOrEnvironment(parser, options.registry, "CMEET_IDENTITY_REGISTRY");
            if (text.isEmpty())
                return unexpected(QStringLiteral("which identity registry? give --registry ADDRESS or set CMEET_IDENTITY_REGISTRY"));
            auto registry = addressArgument(text, QStringLiteral("--registry"));
            if (!registry)
                return unexpected(registry.error());
            context.m_registry = *registry;
        }
        if (needsKey) {
            const QString path = valueOrEnvironment(parser, options.key, "CMEET_KEY");
            if (path.isEmpty())
                return unexpected(QStringLiteral("which key sends the transaction? give --key FILE or set CMEET_KEY"));
            auto key = loadKeyFile(path);
            if (!key)
                return unexpected(key.error());
            context.m_key = std::make_shared<crypto::PrivateKey>(std::move(*key));
            auto chainId = context.m_client->chainId();
            if (!chainId)
                return unexpected(QStringLiteral("cannot reach the chain: ") + chainId.error().detail);
            context.m_sender = std::make_shared<chain::TransactionSender>(*context.m_client, *context.m_key, *chainId);
        }
        return context;
    }

    [[nodiscard]] chain::EthClient &client() { return *m_client; }
    [[nodiscard]] const crypto::Address &registry() const { return m_registry; }

    // Sends a call to the registry; prints what happened. Returns the exit code.
    [[nodiscard]] int transact(const QByteArray &callData, const QString &done)
    {
        auto receipt = m_sender->send(m_registry, callData);
        if (!receipt) {
            printError(identity::describeError(receipt.error()));
            return 1;
        }
        if (!receipt->success) {
            printError(QStringLiteral("the transaction was reverted"));
            return 1;
        }
        printLine(QStringLiteral("%1 (block %2, gas %3)").arg(done).arg(receipt->blockNumber).arg(receipt->gasUsed));
        return 0;
    }

    [[nodiscard]] chain::TransactionSender &sender() { return *m_sender; }
    [[nodiscard]] crypto::Address senderAddress() const { return m_key->address(); }

private:
    std::shared_ptr<chain::EthClient> m_client;
    std::shared_ptr<crypto::PrivateKey> m_key;
    std::shared_ptr<chain::TransactionSender> m_sender;
    crypto::Address m_registry;
};

// Parses the action's options and positional addresses; the context, or the exit code.
struct Parsed {
    std::optional<RegistrarContext> context;
    QList<crypto::Address> addresses;
    int exitCode = 0;
};

Parsed parse(const QStringList &arguments, const QString &description, const QStringList &positionals, bool needsRegistry, bool needsKey,
             QCommandLineParser &parser, const QList<QCommandLineOption> &extra = {})
{
    const ChainOptions options;
    parser.setApplicationDescription(description);
    parser.addOptions({options.chain, options.registry, options.key});
    parser.addOptions(extra);
    for (const QString &name : positionals)
        parser.addPositionalArgument(name, QStringLiteral("an address (0x + 40 hex digits)"));
    Parsed parsed;
    if (!parseOrExplain(parser, arguments, parsed.exitCode))
        return parsed;
    const QStringList given = parser.positionalArguments();
    if (given.size() < positionals.size() || given.size() > positionals.size()) {
        printError(QStringLiteral("expected %1").arg(positionals.isEmpty() ? QStringLiteral("no arguments") : positionals.join(QLatin1Char(' '))));
        parsed.exitCode = 2;
        return parsed;
    }
    for (qsizetype i = 0; i < given.size(); ++i) {
        auto address = addressArgument(given.at(i), positionals.at(i));
        if (!address) {
            printError(address.error());
            parsed.exitCode = 2;
            return parsed;
        }
        parsed.addresses.append(*address);
    }
    auto context = RegistrarContext::open(parser, options, needsRegistry, needsKey);
    if (!context) {
        printError(context.error());
        parsed.exitCode = 1;
        return parsed;
    }
    parsed.context = std::move(*context);
    return parsed;
}

bool writeFile(const QString &path, const QByteArray &contents, bool ownerOnly)
{
    QSaveFile file(path);
    file.setDirectWriteFallback(false);
    if (!file.open(QIODevice::WriteOnly) || (ownerOnly && !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        || file.write(contents) != contents.size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

// The registrar's own FFS modulus, from the file 'registrar ffs-setup' wrote.
std::optional<QByteArray> readModulus(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return hex::decodeLowercase(QJsonDocument::fromJson(file.read(crypto::keystore::maxFileBytes)).object().value(QStringLiteral("modulus")).toString());
}

// Waits for the person's connection and checks their Feige-Fiat-Shamir proof against the public
// key this registrar issued for this identity.
Expected<Ok, QString> awaitProof(const QString &publicKeyPath, const QString &modulusPath, const QString &listenAddress, const QString &portText,
                                 const identity::EnrolmentParties &parties)
{
    auto issued = identity::readPublicKeyFile(publicKeyPath);
    if (!issued)
        return unexpected(issued.error());
    if (issued->identity != parties.identity)
        return unexpected(QStringLiteral("%1 was issued for %2, not %3").arg(publicKeyPath, issued->identity.toChecksumHex(), parties.identity.toChecksumHex()));
    if (readModulus(modulusPath) != issued->key.modulus)
        return unexpected(QStringLiteral("%1 was not issued under the modulus in %2").arg(publicKeyPath, modulusPath));
    QTcpServer server;
    bool portOk = false;
    const auto port = static_cast<quint16>(portText.toUInt(&portOk));
    if (!portOk || !server.listen(QHostAddress(listenAddress), port))
        return unexpected(QStringLiteral("cannot listen on %1:%2: %3").arg(listenAddress, portText, server.errorString()));
    // Scripts and tests read this line to learn the port.
    QTextStream(stdout) << "waiting for " << parties.identity.toChecksumHex() << " to prove their identity on " << server.serverAddress().toString() << ':'
                        << server.serverPort() << Qt::endl;
    if (!server.waitForNewConnection(10 * 60 * 1000))
        return unexpected(QStringLiteral("nobody came to prove their identity within 10 minutes"));
    std::unique_ptr<QTcpSocket> socket(server.nextPendingConnection());
    server.close(); // one attempt per run
    auto verified = identity::verifyEnrolment(*socket, issued->key, parties);
    if (verified)
        qCInfo(lcRegistrar) << parties.identity.toChecksumHex() << "proved their identity from" << socket->peerAddress().toString();
    return verified;
}

int ffsSetup(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Creates the registrar's Feige-Fiat-Shamir modulus (2048 bits; its factors are forgotten at once) "
                                                    "and writes it, public, to --out."));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("File to write."), QStringLiteral("file"));
    parser.addOption(out);
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(out)) {
        printError(QStringLiteral("give --out FILE"));
        return 2;
    }
    auto registrar = crypto::FfsRegistrar::create();
    if (!registrar) {
        printError(registrar.error().detail);
        return 1;
    }
    if (!writeFile(parser.value(out), QJsonDocument(QJsonObject{{QStringLiteral("modulus"), hex::encode(registrar->modulus())}}).toJson(), false))
        return 1;
    printLine(QStringLiteral("modulus of %1 bits written to %2").arg(registrar->modulus().size() * 8).arg(parser.value(out)));
    return 0;
}

int ffsIssue(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Issues an identity's Feige-Fiat-Shamir secrets: the public key (kept by the registrar, for "
                                                    "'registrar enrol --ffs-public') and the secrets, encrypted with a passphrase "
                                                    "(CMEET_PASSPHRASE or asked) for the person."));
    const QCommandLineOption modulus(QStringLiteral("modulus"), QStringLiteral("The registrar's modulus file (from 'registrar ffs-setup')."), QStringLiteral("file"));
    const QCommandLineOption publicOut(QStringLiteral("public-out"), QStringLiteral("Public key file to write."), QStringLiteral("file"));
    const QCommandLineOption secretOut(QStringLiteral("secret-out"), QStringLiteral("Secret file to write (owner-only)."), QStringLiteral("file"));
    parser.addOptions({modulus, publicOut, secretOut});
    parser.addPositionalArgument(QStringLiteral("IDENTITY"), QStringLiteral("The identity's address."));
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(modulus) || !parser.isSet(publicOut) || !parser.isSet(secretOut) || parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("give IDENTITY, --modulus, --public-out and --secret-out"));
        return 2;
    }
    auto identity = addressArgument(parser.positionalArguments().constFirst(), QStringLiteral("IDENTITY"));
    if (!identity) {
        printError(identity.error());
        return 2;
    }
    const auto modulusBytes = readModulus(parser.value(modulus));
    auto registrar = modulusBytes ? crypto::FfsRegistrar::fromModulus(*modulusBytes)
                                  : Expected<crypto::FfsRegistrar, crypto::FfsError>(unexpected(crypto::FfsError{crypto::FfsErrorCode::InvalidPublicKey, QStringLiteral("no modulus")}));
    if (!registrar) {
        printError(QStringLiteral("%1: %2").arg(parser.value(modulus), registrar.error().detail));
        return 1;
    }
    auto issued = registrar->issue();
    if (!issued) {
        printError(issued.error().detail);
        return 1;
    }
    const crypto::SecretBytes passphrase = crypto::readPassphrase(QStringLiteral("CMEET_PASSPHRASE"), QStringLiteral("Passphrase for the secrets: "), true);
    auto sealed = crypto::keystore::sealSecret({QStringLiteral("ffs"), identity->toLowerHex(), issued->secret.toBytes()}, passphrase);
    if (!sealed) {
        printError(QStringLiteral("cannot seal the secrets: ") + crypto::describe(sealed.error()));
        return 1;
    }
    if (!writeFile(parser.value(secretOut), *sealed, true) || !writeFile(parser.value(publicOut), identity::publicKeyFile({*identity, issued->publicKey}), false))
        return 1;
    printLine(QStringLiteral("issued %1 secrets for %2").arg(issued->publicKey.values.size()).arg(identity->toChecksumHex()));
    return 0;
}

int deploy(const QStringList &arguments)
{
    QCommandLineParser parser;
    Parsed parsed = parse(arguments, QStringLiteral("Deploys an IdentityRegistry whose registrar is the --key's address; prints its address."), {},
                          false, true, parser);
    if (!parsed.context)
        return parsed.exitCode;
    auto code = chain::registry::bytecode(QStringLiteral("IdentityRegistry"));
    if (!code) {
        printError(code.error().detail);
        return 1;
    }
    auto receipt = parsed.context->sender().deploy(*code);
    if (!receipt || !receipt->success || !receipt->contractAddress) {
        printError(QStringLiteral("deployment failed: ") + (receipt ? QStringLiteral("reverted") : receipt.error().detail));
        return 1;
    }
    qCInfo(lcRegistrar) << "IdentityRegistry deployed at" << receipt->contractAddress->toChecksumHex() << "gas" << receipt->gasUsed;
    printLine(receipt->contractAddress->toChecksumHex());
    return 0;
}

int enrol(const QStringList &arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption firstKey(QStringLiteral("first-key"), QStringLiteral("The identity's first key (default: the identity's own address)."),
                                      QStringLiteral("address"));
    const QCommandLineOption ffsPublic(QStringLiteral("ffs-public"),
                                       QStringLiteral("The identity's Feige-Fiat-Shamir public key (from 'registrar ffs-issue'): the person must prove "
                                                      "they hold its secrets ('cmeet-cli identity prove') before the enrolment is sent."),
                                       QStringLiteral("file"));
    const QCommandLineOption modulus(QStringLiteral("modulus"), QStringLiteral("The registrar's modulus file (from 'registrar ffs-setup'): the public key must be under it."),
                                     QStringLiteral("file"));
    const QCommandLineOption listen(QStringLiteral("listen"), QStringLiteral("Address to wait for the proof on (default: 127.0.0.1)."), QStringLiteral("address"),
                                    QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port to wait for the proof on (default: 0, a free one; printed)."), QStringLiteral("port"),
                                  QStringLiteral("0"));
    const QCommandLineOption skip(QStringLiteral("skip-identification"), QStringLiteral("Enrol without the Feige-Fiat-Shamir proof (not recommended)."));
    Parsed parsed = parse(arguments, QStringLiteral("Enrols an identity with its first key (registrar only), once the person has proven who they are."),
                          {QStringLiteral("IDENTITY")}, true, true, parser, {firstKey, ffsPublic, modulus, listen, port, skip});
    if (!parsed.context)
        return parsed.exitCode;
    const crypto::Address identity = parsed.addresses.at(0);
    auto key = parser.isSet(firstKey) ? addressArgument(parser.value(firstKey), QStringLiteral("--first-key")) : Expected<crypto::Address, QString>(identity);
    if (!key) {
        printError(key.error());
        return 2;
    }
    if (parser.isSet(skip)) {
        qCWarning(lcRegistrar) << "enrolling" << identity.toChecksumHex() << "without identification";
    } else if (!parser.isSet(ffsPublic) || !parser.isSet(modulus)) {
        printError(QStringLiteral("enrolment needs --ffs-public FILE and --modulus FILE (the person proves they hold the secrets), or --skip-identification"));
        return 2;
    } else if (auto proven = awaitProof(parser.value(ffsPublic), parser.value(modulus), parser.value(listen), parser.value(port),
                                        {parsed.context->senderAddress(), identity, *key});
               !proven) {
        printError(QStringLiteral("not enrolled: ") + proven.error());
        return 1;
    }
    return parsed.context->transact(identity::enrolCall(identity, *key),
                                    QStringLiteral("enrolled %1 with key %2").arg(identity.toChecksumHex(), key->toChecksumHex()));
}

int addKey(const QStringList &arguments)
{
    QCommandLineParser parser;
    Parsed parsed = parse(arguments, QStringLiteral("Adds a key to an identity (sent by the registrar or the identity)."),
                          {QStringLiteral("IDENTITY"), QStringLiteral("KEY")}, true, true, parser);
    if (!parsed.context)
        return parsed.exitCode;
    const crypto::Address identity = parsed.addresses.at(0);
    const crypto::Address key = parsed.addresses.at(1);
    return parsed.context->transact(identity::addKeyCall(identity, key),
                                    QStringLiteral("added key %1 to %2").arg(key.toChecksumHex(), identity.toChecksumHex()));
}

int revoke(const QStringList &arguments)
{
    QCommandLineParser parser;
    Parsed parsed = parse(arguments, QStringLiteral("Revokes a key of an identity from now on (sent by the registrar or the identity).\n"
                                                    "Relays refuse it within their sync period; auditors still accept what it signed before."),
                          {QStringLiteral("IDENTITY"), QStringLiteral("KEY")}, true, true, parser);
    if (!parsed.context)
        return parsed.exitCode;
    const crypto::Address identity = parsed.addresses.at(0);
    const crypto::Address key = parsed.addresses.at(1);
    return parsed.context->transact(identity::revokeKeyCall(identity, key),
                                    QStringLiteral("revoked key %1 of %2").arg(key.toChecksumHex(), identity.toChecksumHex()));
}

int status(const QStringList &arguments)
{
    QCommandLineParser parser;
    Parsed parsed = parse(arguments, QStringLiteral("Shows whether an identity is enrolled and the active period of one of its keys."),
                          {QStringLiteral("IDENTITY"), QStringLiteral("KEY")}, true, false, parser);
    if (!parsed.context)
        return parsed.exitCode;
    RegistrarContext &context = *parsed.context;
    const crypto::Address identity = parsed.addresses.at(0);
    const crypto::Address key = parsed.addresses.at(1);
    auto enrolled = identity::isEnrolled(context.client(), context.registry(), identity);
    auto period = identity::keyPeriod(context.client(), context.registry(), identity, key);
    if (!enrolled || !period) {
        printError(QStringLiteral("cannot read the registry: ") + (enrolled ? period.error().detail : enrolled.error().detail));
        return 1;
    }
    const auto time = [](quint64 seconds) { return QDateTime::fromSecsSinceEpoch(static_cast<qint64>(seconds), Qt::UTC).toString(Qt::ISODate); };
    printLine(QStringLiteral("identity %1: %2").arg(identity.toChecksumHex(), *enrolled ? QStringLiteral("enrolled") : QStringLiteral("not enrolled")));
    if (period->addedAt == 0)
        printLine(QStringLiteral("key %1: never added").arg(key.toChecksumHex()));
    else if (period->revokedAt == 0)
        printLine(QStringLiteral("key %1: active since %2").arg(key.toChecksumHex(), time(period->addedAt)));
    else
        printLine(QStringLiteral("key %1: active from %2 until %3 (revoked)").arg(key.toChecksumHex(), time(period->addedAt), time(period->revokedAt)));
    return 0;
}

} // namespace

int registrarCommand(const QStringList &arguments)
{
    return dispatchAction(QStringLiteral("registrar"), arguments,
                          {{QStringLiteral("deploy"), QStringLiteral("deploy an IdentityRegistry with --key as its registrar"), deploy},
                           {QStringLiteral("ffs-setup"), QStringLiteral("create the registrar's Feige-Fiat-Shamir modulus"), ffsSetup},
                           {QStringLiteral("ffs-issue"), QStringLiteral("issue an identity's Feige-Fiat-Shamir secrets"), ffsIssue},
                           {QStringLiteral("enrol"), QStringLiteral("enrol an identity once the person proved who they are"), enrol},
                           {QStringLiteral("add-key"), QStringLiteral("add a key to an identity"), addKey},
                           {QStringLiteral("revoke"), QStringLiteral("revoke a key of an identity"), revoke},
                           {QStringLiteral("status"), QStringLiteral("is an identity enrolled, and when was a key active"), status}});
}

} // namespace cmeet::cli
