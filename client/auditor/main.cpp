// cmeet-audit: what an auditor runs on a downloaded meeting file, offline (a chain node is
// optional). Exit codes: 0 verified, 1 tampered or invalid, 2 not fully checked or unreadable.

#include "client/audit/meeting_audit.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTextStream>

using namespace cmeet;

namespace {

constexpr int notChecked = 2;

const char *const usage =
    "Usage: cmeet-audit COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  verify FILE.cmeet   check a meeting file: the file, its log, the keys, the chain anchor,\n"
    "                      the approvals, and tally its polls\n"
    "\n"
    "Run 'cmeet-audit COMMAND --help' for a command's options.\n"
    "Exit codes: 0 verified, 1 tampered or invalid, 2 not fully checked or not readable.\n";

void print(QTextStream &stream, const QString &text)
{
    stream << text << '\n';
    stream.flush();
}

std::optional<crypto::Address> addressOption(const QCommandLineParser &parser, const QCommandLineOption &option, bool &ok)
{
    if (!parser.isSet(option))
        return std::nullopt;
    const auto address = crypto::Address::fromHex(parser.value(option));
    ok = ok && address.hasValue();
    return address ? std::optional<crypto::Address>(*address) : std::nullopt;
}

int verifyCommand(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Verifies a meeting file (.cmeet) offline: the file, every entry of its log (signatures, "
                                                    "delegations, acknowledgements, tree heads, refs, rules), the keys that signed starts and joins "
                                                    "(with a chain), the chain anchor (with a chain), the approvals, and tallies every poll. "
                                                    "Exit codes: 0 verified, 1 tampered or invalid, 2 not fully checked or not readable."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The meeting file."));
    const QCommandLineOption chain(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL to check the anchor and keys on."), QStringLiteral("url"));
    const QCommandLineOption registry(QStringLiteral("registry"), QStringLiteral("The relay's MeetingRegistry (default: as the file names it)."),
                                      QStringLiteral("address"));
    const QCommandLineOption identityRegistry(QStringLiteral("identity-registry"),
                                              QStringLiteral("The DeeID IdentityRegistry (default: as the file names it)."), QStringLiteral("address"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the findings as JSON."));
    parser.addOptions({chain, registry, identityRegistry, json});
    if (!parser.parse(arguments)) {
        print(err, parser.errorText());
        return notChecked;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        print(out, parser.helpText());
        return 0;
    }
    if (parser.positionalArguments().size() != 1) {
        print(err, QStringLiteral("cmeet-audit verify: give one meeting file (see --help)"));
        return notChecked;
    }
    audit::AuditOptions options;
    bool addressesOk = true;
    options.registry = addressOption(parser, registry, addressesOk);
    options.identityRegistry = addressOption(parser, identityRegistry, addressesOk);
    if (!addressesOk) {
        print(err, QStringLiteral("cmeet-audit verify: --registry and --identity-registry take an address (0x + 40 hex digits)"));
        return notChecked;
    }
    if (parser.isSet(chain)) {
        const QUrl url(parser.value(chain));
        if (!url.isValid() || (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https"))) {
            print(err, QStringLiteral("cmeet-audit verify: --chain takes an http:// or https:// URL"));
            return notChecked;
        }
        options.chain = url;
    }
    const auto report = audit::auditMeetingFile(parser.positionalArguments().constFirst(), options);
    if (!report) {
        print(err, QStringLiteral("cmeet-audit: ") + report.error());
        return notChecked;
    }
    print(out, parser.isSet(json) ? QString::fromUtf8(QJsonDocument(report->toJson()).toJson(QJsonDocument::Indented)) : report->toText());
    return report->exitCode();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cmeet-audit"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CMEET_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    const QString command = arguments.value(1);
    if (command == QStringLiteral("verify"))
        return verifyCommand(QStringList{QStringLiteral("cmeet-audit verify")} + arguments.mid(2));
    QTextStream stream(command.isEmpty() || command == QStringLiteral("--help") || command == QStringLiteral("-h") ? stdout : stderr);
    if (!command.isEmpty() && command != QStringLiteral("--help") && command != QStringLiteral("-h"))
        stream << "cmeet-audit: unknown command \"" << command << "\"\n\n";
    stream << usage;
    return command.isEmpty() || command == QStringLiteral("--help") || command == QStringLiteral("-h") ? 0 : notChecked;
}
