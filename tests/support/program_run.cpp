#include "program_run.h"

#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>

namespace cmeet::test {

ProgramRun runProgram(const QString &program, const QStringList &arguments, const ProgramOptions &options)
{
    QProcess process;
    process.setProcessEnvironment(options.environment);
    if (!options.workingDirectory.isEmpty())
        process.setWorkingDirectory(options.workingDirectory);
    process.start(program, arguments);
    if (!process.waitForStarted(options.timeoutMs))
        return {-1, QString(), QStringLiteral("%1 did not start: %2").arg(program, process.errorString())};
    if (!options.input.isEmpty())
        process.write(options.input);
    process.closeWriteChannel();
    const bool finished = process.waitForFinished(options.timeoutMs);
    if (!finished)
        process.kill();
    return {finished && process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

QProcessEnvironment environmentWith(const QList<QPair<QString, QString>> &variables)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : variables)
        environment.insert(name, value);
    return environment;
}

quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

} // namespace cmeet::test
