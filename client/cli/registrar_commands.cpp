// cmeet-cli registrar: the identity office's side of DeeID (DESIGN.md §4): deploy the
// IdentityRegistry, enrol identities, add and revoke their keys, and show a key's period.

#include "commands.h"
#include "terminal.h"

#include "identity/identity_registry.h"
#include "chain/meeting_registry.h"

#include <QDateTime>
#include <QLoggingCategory>

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

QString optionOrEnvironment(const QCommandLineParser &parser, const QCommandLineOption &option, const char *variable, const QString &fallback = {})
{
    if (parser.isSet(option))
        return parser.value(option);
    const QString value = qEnvironmentVariable(variable);
    return value.isEmpty() ? fallback : value;
}

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
        context.m_client = std::make_shared<chain::EthClient>(QUrl(optionOrEnvironment(parser, options.chain, "CMEET_CHAIN", QStringLiteral("http://127.0.0.1:8545"))));
        if (needsRegistry) {
            const QString text = optionOrEnvironment(parser, options.registry, "CMEET_IDENTITY_REGISTRY");
            if (text.isEmpty())
                return unexpected(QStringLiteral("which identity registry? give --registry ADDRESS or set CMEET_IDENTITY_REGISTRY"));
            auto registry = addressArgument(text, QStringLiteral("--registry"));
            if (!registry)
                return unexpected(registry.error());
            context.m_registry = *registry;
        }
        if (needsKey) {
            const QString path = optionOrEnvironment(parser, options.key, "CMEET_KEY");
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
    Parsed parsed = parse(arguments, QStringLiteral("Enrols an identity with its first key (registrar only)."), {QStringLiteral("IDENTITY")}, true,
                          true, parser, {firstKey});
    if (!parsed.context)
        return parsed.exitCode;
    const crypto::Address identity = parsed.addresses.at(0);
    auto key = parser.isSet(firstKey) ? addressArgument(parser.value(firstKey), QStringLiteral("--first-key")) : Expected<crypto::Address, QString>(identity);
    if (!key) {
        printError(key.error());
        return 2;
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
                           {QStringLiteral("enrol"), QStringLiteral("enrol an identity with its first key"), enrol},
                           {QStringLiteral("add-key"), QStringLiteral("add a key to an identity"), addKey},
                           {QStringLiteral("revoke"), QStringLiteral("revoke a key of an identity"), revoke},
                           {QStringLiteral("status"), QStringLiteral("is an identity enrolled, and when was a key active"), status}});
}

} // namespace cmeet::cli
