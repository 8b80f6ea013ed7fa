// cmeet-audit: what an auditor runs on a downloaded meeting file, offline (a chain node is
// optional). Exit codes: 0 verified, 1 tampered or invalid, 2 not fully checked or unreadable.

#include "client/audit/meeting_audit.h"
#include "client/audit/meeting_report.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QTextStream>

#include <memory>
#include <unistd.h>

using namespace cmeet;

namespace {

constexpr int notChecked = 2;

const char *const usage =
    "Usage: cmeet-audit COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  verify FILE.cmeet   check a meeting file: the file, its log, the keys, the chain anchor,\n"
    "                      the approvals, and tally its polls\n"
    "  prove FILE.cmeet EVENT_ID --out PROOF.json\n"
    "                      the proof that one event is in the meeting's final record, showing\n"
    "                      nothing of the other events but hashes\n"
    "  verify-proof PROOF.json\n"
    "                      check a proof on its own (and its anchor, with --chain)\n"
    "  export-images FILE.cmeet DIR\n"
    "                      write the images shown in the meeting, named by patient and time\n"
    "  report FILE.cmeet (--html OUT | --pdf OUT)\n"
    "                      the meeting record people read: the verdict and anchor, attendance,\n"
    "                      each patient's changes, comments, polls, and the approvals\n"
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

// Parses --chain, --registry, --identity-registry into options; false (after saying why) if malformed.
bool chainOptions(const QCommandLineParser &parser, const QCommandLineOption &chain, const QCommandLineOption &registry,
                  const QCommandLineOption *identityRegistry, audit::AuditOptions &options, QTextStream &err)
{
    bool addressesOk = true;
    options.registry = addressOption(parser, registry, addressesOk);
    if (identityRegistry)
        options.identityRegistry = addressOption(parser, *identityRegistry, addressesOk);
    if (!addressesOk) {
        print(err, QStringLiteral("cmeet-audit: --registry and --identity-registry take an address (0x + 40 hex digits)"));
        return false;
    }
    if (parser.isSet(chain)) {
        const QUrl url(parser.value(chain));
        if (!url.isValid() || (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https"))) {
            print(err, QStringLiteral("cmeet-audit: --chain takes an http:// or https:// URL"));
            return false;
        }
        options.chain = url;
    }
    return true;
}

// For a terminal: how far the check of a large log is, on one line rewritten in place.
std::function<void(qint64, qint64)> showProgress(QTextStream &err)
{
    constexpr qint64 largeLog = 4096; // smaller logs take well under a second
    return [&err](qint64 checked, qint64 total) {
        if (total < largeLog)
            return;
        err << QStringLiteral("\rchecking the log: %1 of %2 entries").arg(checked).arg(total) << (checked == total ? "\n" : "");
        err.flush();
    };
}

// Parses the command line; nullopt means: stop with this exit code (help shown, or an error said).
std::optional<int> parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int positionals, QTextStream &out, QTextStream &err)
{
    parser.addHelpOption();
    if (!parser.parse(arguments)) {
        print(err, parser.errorText());
        return notChecked;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        print(out, parser.helpText());
        return 0;
    }
    if (parser.positionalArguments().size() != positionals) {
        print(err, arguments.constFirst() + QStringLiteral(": wrong arguments (see --help)"));
        return notChecked;
    }
    return std::nullopt;
}

int exportImagesCommand(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Writes the images shown in the meeting into a directory, named by patient, the time shown (UTC) "
                                                    "and the start of their SHA-256. Only images whose bytes match their event are written. "
                                                    "DICOM files hold patient identifiers: keep them as you keep the meeting file. "
                                                    "Exit codes: 0 all written, 1 an image missing or changed, 2 not readable."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The meeting file."));
    parser.addPositionalArgument(QStringLiteral("directory"), QStringLiteral("Where to write the images (created if needed)."));
    if (const auto exit = parseOrExit(parser, arguments, 2, out, err))
        return *exit;
    const auto exported = audit::exportImages(parser.positionalArguments().at(0), parser.positionalArguments().at(1));
    if (!exported) {
        print(err, QStringLiteral("cmeet-audit export-images: ") + exported.error());
        return notChecked;
    }
    for (const QString &written : exported->written)
        print(out, written);
    for (const QString &problem : exported->problems)
        print(err, QStringLiteral("cmeet-audit export-images: ") + problem);
    print(out, QStringLiteral("wrote %1 image(s)").arg(exported->written.size()));
    return exported->problems.isEmpty() ? 0 : 1;
}

int proveCommand(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Writes the proof that one event is in the meeting's final record: the event's exact bytes, the "
                                                    "relay's acknowledgement, RFC 6962 inclusion proofs against the final tree head, the relay-signed "
                                                    "ackEnd and the anchor reference. It shows nothing of the other events but hashes."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The meeting file."));
    parser.addPositionalArgument(QStringLiteral("event"), QStringLiteral("The event's id (0x + 64 hex digits)."));
    const QCommandLineOption outFile(QStringLiteral("out"), QStringLiteral("The proof file to write."), QStringLiteral("file"));
    parser.addOption(outFile);
    if (const auto exit = parseOrExit(parser, arguments, 2, out, err))
        return *exit;
    if (!parser.isSet(outFile)) {
        print(err, QStringLiteral("cmeet-audit prove: --out is required"));
        return notChecked;
    }
    const auto proof = audit::proveEvent(parser.positionalArguments().at(0), parser.positionalArguments().at(1));
    if (!proof) {
        print(err, QStringLiteral("cmeet-audit prove: ") + proof.error());
        return notChecked;
    }
    QFile file(parser.value(outFile));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(QJsonDocument(*proof).toJson(QJsonDocument::Indented)) <= 0) {
        print(err, QStringLiteral("cmeet-audit prove: cannot write %1").arg(file.fileName()));
        return notChecked;
    }
    print(out, QStringLiteral("wrote the proof of entry %1 to %2").arg(proof->value(QStringLiteral("index")).toInteger()).arg(file.fileName()));
    return 0;
}

int verifyProofCommand(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Checks an inclusion proof on its own, without the meeting file; with --chain also that the chain "
                                                    "anchored its final record. Exit codes: 0 verified, 1 invalid, 2 not fully checked or not readable."));
    parser.addPositionalArgument(QStringLiteral("proof"), QStringLiteral("The proof file."));
    const QCommandLineOption chain(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL to check the anchor on."), QStringLiteral("url"));
    const QCommandLineOption registry(QStringLiteral("registry"), QStringLiteral("The relay's MeetingRegistry (default: as the proof names it)."),
                                      QStringLiteral("address"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the findings as JSON."));
    parser.addOptions({chain, registry, json});
    if (const auto exit = parseOrExit(parser, arguments, 1, out, err))
        return *exit;
    audit::AuditOptions options;
    if (!chainOptions(parser, chain, registry, nullptr, options, err))
        return notChecked;
    QFile file(parser.positionalArguments().constFirst());
    QJsonParseError parseError{};
    const QJsonDocument document = file.open(QIODevice::ReadOnly) && file.size() < 64 * 1024 * 1024 ? QJsonDocument::fromJson(file.readAll(), &parseError) : QJsonDocument();
    if (!document.isObject()) {
        print(err, QStringLiteral("cmeet-audit verify-proof: %1 is not a proof file (a JSON object)").arg(file.fileName()));
        return notChecked;
    }
    audit::AuditReport report = audit::verifyProof(document.object(), options);
    report.file = file.fileName();
    print(out, parser.isSet(json) ? QString::fromUtf8(QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented)) : report.toText());
    return report.exitCode();
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
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The meeting file."));
    const QCommandLineOption chain(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL to check the anchor and keys on."), QStringLiteral("url"));
    const QCommandLineOption registry(QStringLiteral("registry"), QStringLiteral("The relay's MeetingRegistry (default: as the file names it)."),
                                      QStringLiteral("address"));
    const QCommandLineOption identityRegistry(QStringLiteral("identity-registry"),
                                              QStringLiteral("The DeeID IdentityRegistry (default: as the file names it)."), QStringLiteral("address"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the findings as JSON."));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Threads reading the log (default: all cores). The findings are the same for any number."),
                                     QStringLiteral("n"));
    parser.addOptions({chain, registry, identityRegistry, json, threads});
    if (const auto exit = parseOrExit(parser, arguments, 1, out, err))
        return *exit;
    audit::AuditOptions options;
    if (!chainOptions(parser, chain, registry, &identityRegistry, options, err))
        return notChecked;
    if (parser.isSet(threads)) {
        bool ok = false;
        options.threads = parser.value(threads).toInt(&ok);
        if (!ok || options.threads < 1 || options.threads > 1024) {
            print(err, QStringLiteral("cmeet-audit verify: --threads takes a number from 1 to 1024"));
            return notChecked;
        }
    }
    if (isatty(STDERR_FILENO))
        options.progress = showProgress(err);
    const auto report = audit::auditMeetingFile(parser.positionalArguments().constFirst(), options);
    if (!report) {
        print(err, QStringLiteral("cmeet-audit: ") + report.error());
        return notChecked;
    }
    print(out, parser.isSet(json) ? QString::fromUtf8(QJsonDocument(report->toJson()).toJson(QJsonDocument::Indented)) : report->toText());
    return report->exitCode();
}

int reportCommand(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Writes the meeting record people read: the audit's verdict and the chain anchor first, then the "
                                                    "meeting, roster and attendance, per patient when it was discussed and who was present, the "
                                                    "patient-data changes, the comments with replies and disagreements, the polls with results and "
                                                    "voters, and the approvals. It holds patient identifiers: keep it as you keep the meeting file. "
                                                    "Exit codes as for verify: 0 verified, 1 tampered or invalid, 2 not fully checked or not readable."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The meeting file."));
    const QCommandLineOption html(QStringLiteral("html"), QStringLiteral("Write the record as HTML to this file."), QStringLiteral("out"));
    const QCommandLineOption pdf(QStringLiteral("pdf"), QStringLiteral("Write the record as an A4 PDF to this file."), QStringLiteral("out"));
    const QCommandLineOption chain(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL to check the anchor and keys on."), QStringLiteral("url"));
    const QCommandLineOption registry(QStringLiteral("registry"), QStringLiteral("The relay's MeetingRegistry (default: as the file names it)."),
                                      QStringLiteral("address"));
    const QCommandLineOption identityRegistry(QStringLiteral("identity-registry"),
                                              QStringLiteral("The DeeID IdentityRegistry (default: as the file names it)."), QStringLiteral("address"));
    parser.addOptions({html, pdf, chain, registry, identityRegistry});
    if (const auto exit = parseOrExit(parser, arguments, 1, out, err))
        return *exit;
    if (parser.isSet(html) == parser.isSet(pdf)) {
        print(err, QStringLiteral("cmeet-audit report: give one of --html OUT or --pdf OUT (the record names patients: it goes to a file, not the terminal)"));
        return notChecked;
    }
    audit::AuditOptions options;
    if (!chainOptions(parser, chain, registry, &identityRegistry, options, err))
        return notChecked;
    if (isatty(STDERR_FILENO))
        options.progress = showProgress(err);
    const QString path = parser.positionalArguments().constFirst();
    const auto report = audit::auditMeetingFile(path, options);
    if (!report) {
        print(err, QStringLiteral("cmeet-audit: ") + report.error());
        return notChecked;
    }
    const auto document = audit::meetingReportHtml(path, *report, {QTimeZone::systemTimeZone(), QStringLiteral("cmeet-audit " CMEET_VERSION)});
    if (!document) {
        print(err, QStringLiteral("cmeet-audit report: ") + document.error());
        return notChecked;
    }
    const QString target = parser.isSet(html) ? parser.value(html) : parser.value(pdf);
    if (parser.isSet(html)) {
        QFile file(target);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(document->toUtf8()) <= 0) {
            print(err, QStringLiteral("cmeet-audit report: cannot write %1").arg(target));
            return notChecked;
        }
    } else if (const auto written = audit::writeReportPdf(*document, target); !written) {
        print(err, QStringLiteral("cmeet-audit report: ") + written.error());
        return notChecked;
    }
    print(out, QStringLiteral("wrote the meeting record to %1: %2").arg(target, audit::verdictName(report->verdict())));
    return report->exitCode();
}

} // namespace

int main(int argc, char *argv[])
{
    // The report's PDF lays text out with QtGui's fonts: a QGuiApplication, drawn off screen.
    const bool report = argc > 1 && qstrcmp(argv[1], "report") == 0;
    if (report && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> app = report ? std::make_unique<QGuiApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cmeet-audit"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CMEET_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    const QString command = arguments.value(1);
    if (command == QStringLiteral("verify"))
        return verifyCommand(QStringList{QStringLiteral("cmeet-audit verify")} + arguments.mid(2));
    if (command == QStringLiteral("export-images"))
        return exportImagesCommand(QStringList{QStringLiteral("cmeet-audit export-images")} + arguments.mid(2));
    if (command == QStringLiteral("prove"))
        return proveCommand(QStringList{QStringLiteral("cmeet-audit prove")} + arguments.mid(2));
    if (command == QStringLiteral("verify-proof"))
        return verifyProofCommand(QStringList{QStringLiteral("cmeet-audit verify-proof")} + arguments.mid(2));
    if (report)
        return reportCommand(QStringList{QStringLiteral("cmeet-audit report")} + arguments.mid(2));
    QTextStream stream(command.isEmpty() || command == QStringLiteral("--help") || command == QStringLiteral("-h") ? stdout : stderr);
    if (!command.isEmpty() && command != QStringLiteral("--help") && command != QStringLiteral("-h"))
        stream << "cmeet-audit: unknown command \"" << command << "\"\n\n";
    stream << usage;
    return command.isEmpty() || command == QStringLiteral("--help") || command == QStringLiteral("-h") ? 0 : notChecked;
}
