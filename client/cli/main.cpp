// cmeet-cli: the headless c-meet participant and tools.

#include "commands.h"
#include "terminal.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <memory>

namespace {

const char *const usage =
    "Usage: cmeet-cli COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  identity create|show   identity keys in passphrase-encrypted key files\n"
    "  registrar deploy|enrol|add-key|revoke|status\n"
    "                         the identity registry (DeeID) on the chain\n"
    "  event sign|verify      sign an event; check events from their bytes\n"
    "  meeting create|edit|cancel|list|show   meeting management on a relay\n"
    "  start, join, comment, reply, disagree, discuss, show-image, patient-data,\n"
    "  poll, vote, poll-end, results, leave, end, events, export, approve,\n"
    "  attendance-opening\n"
    "  MEETING [options]\n"
    "                         take part in a meeting (relay: --relay or $CMEET_RELAY,\n"
    "                         identity: --key or $CMEET_KEY)\n"
    "  demo                   the whole system: relay, simulated meeting, audit\n"
    "  simulate               run a simulated meeting (thesis scenario) against a relay\n"
    "  tour                   hold a small meeting in memory (no relay) and audit it\n"
    "\n"
    "Run 'cmeet-cli COMMAND --help' for a command's options.\n"
    "Passphrases come from CMEET_PASSPHRASE or are asked on the terminal.\n"
    "Logs: QT_LOGGING_RULES=\"cmeet.*=true\" for details.\n";

} // namespace

int main(int argc, char *argv[])
{
    // The demo writes the meeting record as a PDF, laid out with QtGui's fonts, drawn off screen.
    const bool demo = argc > 1 && qstrcmp(argv[1], "demo") == 0;
    if (demo && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    const std::unique_ptr<QCoreApplication> app = demo ? std::make_unique<QGuiApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cmeet-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CMEET_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    const QString command = arguments.value(1);

    if (command == QStringLiteral("identity"))
        return cmeet::cli::identityCommand(arguments.mid(1));
    if (command == QStringLiteral("registrar"))
        return cmeet::cli::registrarCommand(arguments.mid(1));
    if (command == QStringLiteral("event"))
        return cmeet::cli::eventCommand(arguments.mid(1));
    if (command == QStringLiteral("demo"))
        return cmeet::cli::demoCommand(QStringList{QStringLiteral("cmeet-cli demo")} + arguments.mid(2));
    if (command == QStringLiteral("simulate"))
        return cmeet::cli::simulateCommand(QStringList{QStringLiteral("cmeet-cli simulate")} + arguments.mid(2));
    if (command == QStringLiteral("meeting"))
        return cmeet::cli::meetingCommand(arguments.mid(1));
    static const QStringList eventActions = {QStringLiteral("start"), QStringLiteral("join"), QStringLiteral("comment"), QStringLiteral("reply"),
                                             QStringLiteral("disagree"), QStringLiteral("discuss"), QStringLiteral("show-image"), QStringLiteral("patient-data"), QStringLiteral("poll"),
                                             QStringLiteral("vote"), QStringLiteral("poll-end"), QStringLiteral("results"), QStringLiteral("leave"),
                                             QStringLiteral("end"), QStringLiteral("events"), QStringLiteral("export"), QStringLiteral("approve"),
                                             QStringLiteral("attendance-opening")};
    if (eventActions.contains(command))
        return cmeet::cli::eventActionCommand(command, arguments.mid(2));
    if (command == QStringLiteral("tour"))
        return cmeet::cli::tourCommand(QStringList{QStringLiteral("cmeet-cli tour")} + arguments.mid(2));
    if (command == QStringLiteral("--version") || command == QStringLiteral("-v")) {
        cmeet::cli::printLine(QStringLiteral("cmeet-cli " CMEET_VERSION));
        return 0;
    }
    if (command == QStringLiteral("--help") || command == QStringLiteral("-h") || command == QStringLiteral("help")) {
        cmeet::cli::printLine(QString::fromLatin1(usage).trimmed());
        return 0;
    }
    if (command.isEmpty())
        cmeet::cli::printError(QStringLiteral("no command given"));
    else
        cmeet::cli::printError(QStringLiteral("unknown command \"%1\"").arg(command));
    cmeet::cli::printLine(QString::fromLatin1(usage).trimmed());
    return 2;
}
