#include "client/core/local_chain.h"

#include "client/core/process_output.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <csignal>

namespace cmeet::client {

LocalChain::LocalChain(QString binary) : m_binary(std::move(binary)) {}

LocalChain::~LocalChain() { stop(); }

QString LocalChain::findBinary(const QString &sourceDir)
{
    const QString relative = QStringLiteral("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    for (const QString &base : {sourceDir, QString(QCoreApplication::applicationDirPath() + QStringLiteral("/../.."))}) {
        if (base.isEmpty())
            continue;
        const QString candidate = QDir(base).filePath(relative);
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return QStandardPaths::findExecutable(QStringLiteral("anvil"));
}

bool LocalChain::start(quint16 port, const QString &stateFile, const QStringList &extraArguments)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    QStringList arguments{QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)};
    if (!stateFile.isEmpty())
        arguments << QStringLiteral("--state") << stateFile;
    m_process.start(m_binary, arguments + extraArguments);
    if (!m_process.waitForStarted(10000)) {
        m_lastOutput = m_process.errorString();
        return false;
    }
    static const QRegularExpression listening(QStringLiteral("Listening on (127\\.0\\.0\\.1:\\d+)"));
    QByteArray output;
    if (const auto address = waitForOutput(m_process, listening, output)) {
        m_url = QUrl(QStringLiteral("http://") + *address);
        return true;
    }
    m_lastOutput = QString::fromUtf8(output + m_process.readAll());
    stop();
    return false;
}

void LocalChain::pause()
{
    if (m_process.state() == QProcess::Running)
        ::kill(static_cast<pid_t>(m_process.processId()), SIGSTOP);
}

void LocalChain::resume()
{
    if (m_process.state() == QProcess::Running)
        ::kill(static_cast<pid_t>(m_process.processId()), SIGCONT);
}

void LocalChain::stop()
{
    if (m_process.state() != QProcess::NotRunning) {
        resume(); // a frozen process would not handle SIGTERM
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }
}

} // namespace cmeet::client
