// cmeet-cli simulate and demo: the whole system on this machine. A relay on the embedded
// defaults (its own data directory, SQLite, 127.0.0.1), staff and patients enrolled, a meeting
// held by simulated people over real WebSocket connections, then the audit of what was stored.

#include "commands.h"
#include "terminal.h"

#include "chain/eth_client.h"
#include "identity/identity_registry.h"
#include "chain/meeting_registry.h"
#include "client/audit/meeting_audit.h"
#include "client/audit/meeting_report.h"
#include "client/core/local_chain.h"
#include "client/core/meeting_export.h"
#include "client/core/local_relay.h"
#include "client/core/relay_connection.h"
#include "client/core/simulation.h"
#include "crypto/secret.h"

#include <QBuffer>
#include <QDeadlineTimer>
#include <QImage>
#include <QPainter>
#include <QDir>
#include <QTimeZone>
#include <QThread>
#include <QFileInfo>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <unistd.h>
#include <optional>

namespace cmeet::cli {
namespace {

struct RunOptions {
    client::Scenario scenario;
    bool chain = true; // a local dev chain and anchoring
    QString dataDir; // empty: a temporary directory
    QString relayBinary;
    bool audit = true;
    bool showImages = false; // a synthetic scan shown for each patient
};

// A made-up cross-section for the demo's host to show: a body, two organs and a bright spot
// that moves with the patient, as a PNG. No real patient's image is ever in the demo.
QByteArray syntheticScan(int patient)
{
    QImage image(256, 256, QImage::Format_RGB32);
    image.fill(Qt::black);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(90, 90, 90));
    painter.drawEllipse(QRectF(28, 48, 200, 160));
    painter.setBrush(QColor(150, 150, 150));
    painter.drawEllipse(QRectF(60, 90, 60, 70));
    painter.drawEllipse(QRectF(140, 90, 55, 65));
    painter.setBrush(QColor(235, 235, 235));
    painter.drawEllipse(QPointF(80 + (patient * 37) % 100, 100 + (patient * 23) % 60), 7, 7);
    painter.end();
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

qint64 percentile(QList<qint64> values, double fraction)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(std::min<qsizetype>(values.size() - 1, static_cast<qsizetype>(fraction * static_cast<double>(values.size()))));
}

QString megabytes(qint64 bytes) { return QString::number(static_cast<double>(bytes) / 1e6, 'f', 2) + QStringLiteral(" MB"); }

// Parses the scenario options shared by demo and simulate; false when they are wrong.
bool parseRunOptions(QCommandLineParser &parser, const QStringList &arguments, const QString &description, RunOptions &options,
                     int &exitCode)
{
    parser.setApplicationDescription(description);
    const client::Scenario defaults;
    const QCommandLineOption participants(QStringLiteral("participants"), QStringLiteral("Participants besides the host (default %1).").arg(defaults.participants), QStringLiteral("n"));
    const QCommandLineOption patients(QStringLiteral("patients"), QStringLiteral("Patients on the agenda, one poll each (default %1).").arg(defaults.patients), QStringLiteral("n"));
    const QCommandLineOption comments(QStringLiteral("comments"), QStringLiteral("Comments or replies per participant (default %1).").arg(defaults.commentsPerParticipant), QStringLiteral("n"));
    const QCommandLineOption options5(QStringLiteral("poll-options"), QStringLiteral("Options per poll (default %1).").arg(defaults.pollOptions), QStringLiteral("n"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), QStringLiteral("Keep the relay's data here (default: a temporary directory, removed afterwards)."), QStringLiteral("dir"));
    const QCommandLineOption relay(QStringLiteral("relay-binary"), QStringLiteral("cmeet-relay to run (default: next to cmeet-cli, else on the PATH)."), QStringLiteral("file"));
    const QCommandLineOption noChain(QStringLiteral("no-chain"), QStringLiteral("Skip the local dev chain: the meeting is not anchored."));
    parser.addOptions({participants, patients, comments, options5, dataDir, relay, noChain});
    if (!parseOrExplain(parser, arguments, exitCode))
        return false;
    const auto number = [&](const QCommandLineOption &option, int fallback, int minimum, int maximum, int &target) {
        if (!parser.isSet(option)) {
            target = fallback;
            return true;
        }
        bool ok = false;
        target = parser.value(option).toInt(&ok);
        if (!ok || target < minimum || target > maximum) {
            printError(QStringLiteral("--%1 must be a number from %2 to %3").arg(option.names().constFirst()).arg(minimum).arg(maximum));
            exitCode = 2;
            return false;
        }
        return true;
    };
    client::Scenario &s = options.scenario;
    if (!number(participants, defaults.participants, 1, 999, s.participants) || !number(patients, defaults.patients, 1, 200, s.patients)
        || !number(comments, defaults.commentsPerParticipant, 0, 1000, s.commentsPerParticipant)
        || !number(options5, defaults.pollOptions, 2, 20, s.pollOptions))
        return false;
    options.dataDir = parser.value(dataDir);
    options.chain = !parser.isSet(noChain);
    options.relayBinary = parser.isSet(relay) ? parser.value(relay) : client::LocalRelay::findBinary();
    if (options.relayBinary.isEmpty()) {
        printError(QStringLiteral("cmeet-relay was not found next to cmeet-cli nor on the PATH (use --relay-binary)"));
        exitCode = 1;
        return false;
    }
    return true;
}

// The hospital's identity office on the dev chain: an IdentityRegistry with every member enrolled
// with their own key, so the relay lets in only keys active there. Its address, and the gas spent.
Expected<QPair<crypto::Address, quint64>, QString> enrolMembers(const QUrl &chainUrl, const QList<client::SimulationMember> &members)
{
    chain::EthClient client(chainUrl);
    auto registrar = crypto::PrivateKey::generate();
    auto chainId = client.chainId();
    auto code = chain::registry::bytecode(QStringLiteral("IdentityRegistry"));
    if (!registrar || !chainId || !code || !client.setBalance(registrar->address(), *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"))))
        return unexpected(QStringLiteral("cannot set up the registrar on the dev chain"));
    chain::TransactionSender sender(client, *registrar, *chainId);
    auto deployed = sender.deploy(*code);
    if (!deployed || !deployed->success || !deployed->contractAddress)
        return unexpected(QStringLiteral("cannot deploy the identity registry: ") + (deployed ? QStringLiteral("reverted") : deployed.error().detail));
    quint64 gas = 0;
    for (const client::SimulationMember &member : members) {
        const crypto::Address identity = member.key.address();
        auto enrolled = sender.send(*deployed->contractAddress, identity::enrolCall(identity, identity));
        if (!enrolled || !enrolled->success)
            return unexpected(QStringLiteral("cannot enrol %1: %2").arg(member.name, enrolled ? QStringLiteral("reverted") : identity::describeError(enrolled.error())));
        gas += enrolled->gasUsed;
    }
    return qMakePair(*deployed->contractAddress, gas);
}

int run(const RunOptions &options)
{
    QTextStream out(stdout);
    std::optional<QTemporaryDir> temporary;
    QString dataDir = options.dataDir;
    if (dataDir.isEmpty()) {
        temporary.emplace();
        dataDir = temporary->path();
    } else if (QDir(dataDir).exists(QStringLiteral("relay.key"))) {
        printError(QStringLiteral("%1 already holds a relay; choose an empty --data-dir").arg(dataDir));
        return 1;
    }
    if (!QDir().mkpath(dataDir)) {
        printError(QStringLiteral("cannot create %1").arg(dataDir));
        return 1;
    }

    // The relay's key passphrase: random, never shown, only handed to the relay process.
    const QByteArray passphrase = crypto::randomBytes(24).value_or(QByteArray("demo")).toBase64();
    client::LocalRelay relay(options.relayBinary, dataDir, passphrase);
    out << "Setting up a relay in " << dataDir << Qt::endl;
    if (!relay.init()) {
        printError(QStringLiteral("cmeet-relay init failed: ") + relay.lastOutput());
        return 1;
    }

    // A local dev chain: fund the relay's key there and deploy its MeetingRegistry.
    std::optional<client::LocalChain> chain;
    if (options.chain) {
        const QString anvil = client::LocalChain::findBinary();
        if (anvil.isEmpty()) {
            printError(QStringLiteral("no dev chain found (contracts/node_modules: run packaging/install-deps), or use --no-chain"));
            return 1;
        }
        chain.emplace(anvil);
        QString address;
        if (!chain->start() || !relay.command({QStringLiteral("address")}, &address)) {
            printError(QStringLiteral("the dev chain did not start: ") + chain->lastOutput() + relay.lastOutput());
            return 1;
        }
        chain::EthClient client(chain->url());
        const auto relayAddress = crypto::Address::fromHex(address.trimmed());
        QString deployed;
        if (!relayAddress || !client.setBalance(*relayAddress, *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000")))
            || !relay.command({QStringLiteral("deploy-registry"), QStringLiteral("--chain"), chain->url().toString()}, &deployed)) {
            printError(QStringLiteral("cannot deploy the registry: ") + relay.lastOutput());
            return 1;
        }
        out << "Dev chain on " << chain->url().toString() << ": " << deployed.trimmed() << Qt::endl;
    }

    // Staff (host first) and patients for the scenario, enrolled through cmeet-relay admin import.
    const client::Scenario &scenario = options.scenario;
    QList<client::SimulationMember> members;
    QList<QPair<crypto::Address, QString>> staff;
    for (int i = 0; i <= scenario.participants; ++i) {
        auto key = crypto::PrivateKey::generate();
        if (!key) {
            printError(crypto::describe(key.error()));
            return 1;
        }
        members.append({i == 0 ? QStringLiteral("Dr Host") : QStringLiteral("Participant %1").arg(i), *key});
        staff.append({key->address(), members.constLast().name});
    }
    QStringList patientIds;
    for (int p = 1; p <= scenario.patients; ++p)
        patientIds.append(QStringLiteral("P-%1").arg(p, 3, 10, QLatin1Char('0')));
    if (!relay.importDirectory(staff, patientIds)) {
        printError(QStringLiteral("cmeet-relay admin import failed: ") + relay.lastOutput());
        return 1;
    }
    QStringList relayArguments;
    if (chain) {
        auto identities = enrolMembers(chain->url(), members);
        if (!identities) {
            printError(identities.error());
            return 1;
        }
        out << "Identity registry " << identities->first.toChecksumHex() << ": " << members.size() << " identities enrolled (gas "
            << identities->second << ")" << Qt::endl;
        relayArguments << QStringLiteral("--identity-registry") << identities->first.toLowerHex();
    }
    if (!relay.start(relayArguments)) {
        printError(QStringLiteral("cmeet-relay did not start: ") + relay.lastOutput());
        return 1;
    }
    out << "Relay listening on " << relay.url().toString() << Qt::endl;
    out << "Simulating: " << scenario.participants << " participants and a host, " << scenario.patients << " patients, "
        << scenario.pollOptions << "-option polls, " << scenario.commentsPerParticipant << " comments or replies each" << Qt::endl;

    client::Scenario withApprovals = scenario;
    withApprovals.approve = chain.has_value();
    for (int p = 0; options.showImages && p < scenario.patients; ++p)
        withApprovals.shownImages.append(syntheticScan(p));
    client::Simulation simulation(relay.url(), members, patientIds, withApprovals);
    const bool terminal = isatty(STDOUT_FILENO) != 0;
    simulation.setProgress([&](const QString &stage, int done, int total) {
        // Updated in place on a terminal; one line per finished stage in a log.
        if (terminal)
            out << "\r  " << stage << ' ' << done << '/' << total << (done == total ? "\n" : "") << Qt::flush;
        else if (done == total)
            out << "  " << stage << ' ' << done << '/' << total << Qt::endl;
    });
    auto result = simulation.run();
    if (!result) {
        printError(QStringLiteral("the simulation failed: ") + result.error());
        return 1;
    }
    // The meeting file an auditor would download, exported as a member would: exact bytes, the
    // relay's metadata (with the anchor, once the relay has closed it on chain), names, approvals.
    const QString exportPath = QDir(dataDir).filePath(QStringLiteral("meeting.cmeet"));
    QJsonObject anchor;
    {
        client::RelayConnection connection;
        if (!connection.open(relay.url()) || !connection.login(members.constFirst().key)) {
            printError(QStringLiteral("cannot reach the relay to export the meeting"));
            return 1;
        }
        if (chain)
            anchor = client::waitForAnchor(connection, result->meeting, {QStringLiteral("open"), QStringLiteral("close"), QStringLiteral("approvals")});
        if (auto exported = client::exportMeetingFile(connection, result->meeting, result->log, exportPath); !exported) {
            printError(QStringLiteral("cannot export the meeting to %1: %2").arg(exportPath, exported.error()));
            return 1;
        }
    }
    relay.stop();
    const qint64 exportBytes = QFileInfo(exportPath).size();

    // The audit of that file, as cmeet-audit runs it: with the dev chain, complete.
    int exitCode = 0;
    QString recordPath;
    if (options.audit) {
        audit::AuditOptions auditOptions;
        if (chain)
            auditOptions.chain = chain->url();
        const auto report = audit::auditMeetingFile(exportPath, auditOptions);
        if (!report) {
            printError(report.error());
            return 1;
        }
        qsizetype verified = 0;
        for (const audit::Finding &finding : report->findings)
            verified += finding.outcome == audit::Outcome::Verified ? 1 : 0;
        out << "Audit of the meeting file (cmeet-audit verify): " << audit::verdictName(report->verdict()) << ", " << report->entries << " entries, "
            << verified << " findings verified" << Qt::endl;
        for (const audit::Finding &finding : report->findings) {
            if (finding.outcome == audit::Outcome::Failed)
                out << "  FAILED " << finding.area << ": " << finding.detail << Qt::endl;
        }
        const bool complete = chain ? report->verdict() == audit::Verdict::Verified : report->verdict() != audit::Verdict::Invalid;
        exitCode = complete ? 0 : 1;
        // The record people read, as cmeet-audit report writes it.
        const auto html = audit::meetingReportHtml(exportPath, *report, {QTimeZone::systemTimeZone(), QStringLiteral("cmeet-cli demo")});
        recordPath = QDir(dataDir).filePath(QStringLiteral("meeting-record.pdf"));
        const auto written = html ? audit::writeReportPdf(*html, recordPath) : Expected<Ok, QString>(unexpected(html.error()));
        if (!written) {
            printError(QStringLiteral("cannot write the meeting record to %1: %2").arg(recordPath, written.error()));
            return 1;
        }
    }

    const qint64 databaseBytes = relay.databaseBytes();
    out << "\nSummary" << Qt::endl
        << "  meeting            " << result->meeting << Qt::endl
        << "  events submitted   " << result->submitted << " (" << result->logEntries << " log entries with acknowledgements)" << Qt::endl
        << (result->imagesShown > 0 ? QStringLiteral("  images shown       %1, in the meeting file\n").arg(result->imagesShown) : QString())
        << "  bytes stored       " << megabytes(result->logBytes) << " of event bytes; relay database " << megabytes(databaseBytes)
        << " (thesis: about 7 MB)" << Qt::endl
        << "  meeting file       " << megabytes(exportBytes) << (options.dataDir.isEmpty() ? QString() : QStringLiteral(" in ") + exportPath) << Qt::endl
        << (options.dataDir.isEmpty() || recordPath.isEmpty() ? QString() : QStringLiteral("  meeting record     %1\n").arg(recordPath))
        << "  time taken         " << QString::number(static_cast<double>(result->elapsedMs) / 1000.0, 'f', 1) << " s" << Qt::endl
        << "  ack latency        p50 " << QString::number(static_cast<double>(percentile(result->latenciesUs, 0.5)) / 1000.0, 'f', 2)
        << " ms, p99 " << QString::number(static_cast<double>(percentile(result->latenciesUs, 0.99)) / 1000.0, 'f', 2) << " ms" << Qt::endl;
    if (chain) {
        const QJsonObject open = anchor.value(QStringLiteral("open")).toObject();
        const QJsonObject close = anchor.value(QStringLiteral("close")).toObject();
        const QJsonObject approvals = anchor.value(QStringLiteral("approvals")).toObject();
        const auto done = [](const QJsonObject &step) { return step.value(QStringLiteral("status")) == QStringLiteral("done"); };
        const bool anchored = done(open) && done(close) && done(approvals);
        const qint64 gas = open.value(QStringLiteral("gasUsed")).toInteger() + close.value(QStringLiteral("gasUsed")).toInteger()
            + approvals.value(QStringLiteral("gasUsed")).toInteger();
        out << "  anchored on chain  " << (anchored ? QStringLiteral("yes") : QStringLiteral("NO")) << ", approved by " << result->approvals
            << ": gas open " << open.value(QStringLiteral("gasUsed")).toInteger() << " + close " << close.value(QStringLiteral("gasUsed")).toInteger()
            << " + approvals " << approvals.value(QStringLiteral("gasUsed")).toInteger() << " = " << gas << " (thesis: 3,519,361)" << Qt::endl;
        exitCode = anchored ? exitCode : 1;
    }
    if (!options.dataDir.isEmpty())
        out << "  relay data kept in " << dataDir << Qt::endl;
    return exitCode;
}

} // namespace

int simulateCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    RunOptions options;
    options.audit = false;
    int exitCode = 0;
    if (!parseRunOptions(parser, arguments,
                         QStringLiteral("Runs a simulated meeting against a local relay started for it: by default the thesis' "
                                        "scenario\n(50 participants, 20 patients, 5-option polls, 20 comments or replies each)."),
                         options, exitCode))
        return exitCode;
    return run(options);
}

int demoCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    RunOptions options;
    int exitCode = 0;
    if (!parseRunOptions(parser, arguments,
                         QStringLiteral("The c-meet demo: starts a relay on the embedded defaults, holds the thesis' meeting "
                                        "with\nsimulated participants over WebSockets (the host shows a synthetic scan of each patient), then audits what the relay stored and "
                                        "prints a summary."),
                         options, exitCode))
        return exitCode;
    options.showImages = true;
    return run(options);
}

} // namespace cmeet::cli
