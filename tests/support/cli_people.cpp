#include "support/cli_people.h"

#include "store/meeting_file.h"

#include <QDir>

namespace cmeet::test {

QString CliPeople::keyFile(const QString &who) const { return QDir(m_directory).filePath(who + QStringLiteral(".key")); }

QString CliPeople::stateDirectory(const QString &who) const { return QDir(m_directory).filePath(who + QStringLiteral("-state")); }

QProcessEnvironment CliPeople::environment(const QString &who) const
{
    return environmentWith({{QStringLiteral("CMEET_PASSPHRASE"), who + QStringLiteral(" passphrase")},
                            {QStringLiteral("CMEET_KEY"), keyFile(who)},
                            {QStringLiteral("CMEET_STATE"), stateDirectory(who)},
                            {QStringLiteral("CMEET_RELAY"), m_relays()}});
}

ProgramRun CliPeople::as(const QString &who, const QStringList &arguments) const
{
    ProgramOptions options;
    options.environment = environment(who);
    return runProgram(m_cli, arguments, options);
}

QString CliPeople::ok(const QString &who, const QStringList &arguments) const
{
    const ProgramRun run = as(who, arguments);
    if (run.exitCode != 0)
        qWarning("%s %s failed: %s%s", qPrintable(who), qPrintable(arguments.join(QLatin1Char(' '))), qPrintable(run.out), qPrintable(run.err));
    return run.exitCode == 0 ? run.out.trimmed() : QString();
}

QStringList CliPeople::createIdentities(const QStringList &names) const
{
    QStringList addresses;
    for (const QString &who : names) {
        const QString address = ok(who, {QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--out"), keyFile(who)});
        if (address.isEmpty())
            return {};
        addresses.append(address);
    }
    return addresses;
}

QList<QByteArray> meetingFileEntries(const QString &path)
{
    auto file = store::MeetingFile::open(path, true);
    return file ? (*file)->events().value_or(QList<QByteArray>()) : QList<QByteArray>();
}

QList<QByteArray> CliPeople::replicaLog(const QString &stateDirectory, const QString &meeting)
{
    const QStringList files = QDir(stateDirectory).entryList({meeting + QStringLiteral(".*.cmeet")}, QDir::Files);
    return files.size() == 1 ? meetingFileEntries(QDir(stateDirectory).filePath(files.constFirst())) : QList<QByteArray>();
}

} // namespace cmeet::test
