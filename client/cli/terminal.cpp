#include "terminal.h"

#include <QCoreApplication>

#include "crypto/keystore.h"
#include "crypto/passphrase.h"

#include <QFile>
#include <QTextStream>


namespace cmeet::cli {

void printLine(const QString &text)
{
    QTextStream(stdout) << text << Qt::endl;
}

void printError(const QString &text)
{
    QTextStream(stderr) << "cmeet-cli: " << text << Qt::endl;
}

bool parseOrExplain(QCommandLineParser &parser, const QStringList &arguments, int &exitCode)
{
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(arguments)) {
        printError(parser.errorText() + QStringLiteral(" (see --help)"));
        exitCode = 2;
        return false;
    }
    if (parser.isSet(help)) {
        // Qt names the program by its path; name the command as it was given ("cmeet-cli registrar enrol").
        QString text = parser.helpText();
        const QString usage = QStringLiteral("Usage: ") + QCoreApplication::arguments().value(0);
        if (text.startsWith(usage) && !arguments.isEmpty())
            text.replace(0, usage.size(), QStringLiteral("Usage: ") + arguments.first());
        QTextStream(stdout) << text;
        exitCode = 0;
        return false;
    }
    return true;
}

QString valueOrEnvironment(const QCommandLineParser &parser, const QCommandLineOption &option, const char *variable, const QString &fallback)
{
    if (parser.isSet(option))
        return parser.value(option);
    const QString fromEnvironment = qEnvironmentVariable(variable);
    return fromEnvironment.isEmpty() ? fallback : fromEnvironment;
}

int dispatchAction(const QString &group, const QStringList &arguments, const QList<Action> &actions)
{
    const QString name = arguments.value(1);
    for (const Action &action : actions) {
        if (action.name == name)
            return action.run(QStringList{QStringLiteral("cmeet-cli %1 %2").arg(group, name)} + arguments.mid(2));
    }
    if (name.isEmpty() || name == QStringLiteral("--help") || name == QStringLiteral("-h")) {
        QString usage = QStringLiteral("Usage: cmeet-cli %1 ACTION [options]\n").arg(group);
        for (const Action &action : actions)
            usage += QStringLiteral("  %1 %2\n").arg(action.name, -8).arg(action.summary);
        usage += QStringLiteral("Run 'cmeet-cli %1 ACTION --help' for an action's options.").arg(group);
        printLine(usage);
        return name.isEmpty() ? 2 : 0;
    }
    printError(QStringLiteral("unknown %1 action \"%2\" (see cmeet-cli %1 --help)").arg(group, name));
    return 2;
}

Expected<crypto::PrivateKey, QString> loadKeyFile(const QString &path, crypto::SecretBytes *passphraseOut)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(QStringLiteral("cannot read key file %1: %2").arg(path, file.errorString()));
    const QByteArray contents = file.read(crypto::keystore::maxFileBytes);
    auto address = crypto::keystore::addressOf(contents);
    if (!address)
        return unexpected(QStringLiteral("%1 is not a c-meet key file").arg(path));
    const crypto::SecretBytes passphrase =
        crypto::readPassphrase(QStringLiteral("CMEET_PASSPHRASE"), QStringLiteral("Passphrase for %1: ").arg(address->toChecksumHex()), false);
    if (passphrase.isEmpty())
        return unexpected(QStringLiteral("no passphrase: set CMEET_PASSPHRASE or run on a terminal"));
    auto key = crypto::keystore::open(contents, passphrase);
    if (!key)
        return unexpected(key.error() == crypto::CryptoError::DecryptionFailed
                              ? QStringLiteral("wrong passphrase or damaged key file %1").arg(path)
                              : QStringLiteral("%1 is not a valid c-meet key file").arg(path));
    if (passphraseOut)
        *passphraseOut = passphrase;
    return *key;
}

} // namespace cmeet::cli
