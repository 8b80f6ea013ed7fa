#include "client/core/local_relay.h"

#include "client/core/process_output.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <utility>

namespace cmeet::client {

LocalRelay::LocalRelay(QString binary, QString dataDir, QByteArray passphrase)
    : m_binary(std::move(binary)), m_dataDir(std::move(dataDir)), m_passphrase(std::move(passphrase))
{
    m_process.setProcessEnvironment(environment());
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
}

LocalRelay::~LocalRelay() { kill(); }

QString LocalRelay::findBinary()
{
    const QString sibling = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("cmeet-relay"));
    if (QFileInfo(sibling).isExecutable())
        return sibling;
    return QStandardPaths::findExecutable(QStringLiteral("cmeet-relay"));
}

QProcessEnvironment LocalRelay::environment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("CMEET_RELAY_PASSPHRASE"), QString::fromUtf8(m_passphrase));
    return environment;
}

QStringList LocalRelay::placeArguments() const
{
    QStringList arguments{QStringLiteral("--data-dir"), dataDir()};
    if (!m_database.isEmpty())
        arguments << QStringLiteral("--database") << m_database;
    return arguments;
}

bool LocalRelay::init() { return command({QStringLiteral("init")}); }

bool LocalRelay::admin(const QStringList &arguments, QString *output)
{
    return command(QStringList{QStringLiteral("admin")} + arguments, output);
}

bool LocalRelay::command(const QStringList &arguments, QString *output)
{
    QProcess process;
    process.setProcessEnvironment(environment());
    process.start(m_binary, arguments + placeArguments());
    process.waitForFinished(60000);
    m_lastOutput = QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
    if (output)
        *output = m_lastOutput;
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool LocalRelay::addStaff(const crypto::Address &address, const QString &name)
{
    return admin({QStringLiteral("add-staff"), address.toChecksumHex(), name});
}

bool LocalRelay::importDirectory(const QList<QPair<crypto::Address, QString>> &staff, const QStringList &patientIds)
{
    QJsonArray staffArray;
    for (const auto &[address, name] : staff)
        staffArray.append(QJsonObject{{QStringLiteral("address"), address.toLowerHex()}, {QStringLiteral("name"), name},
                                      {QStringLiteral("role"), QStringLiteral("staff")}});
    QJsonArray patients;
    for (const QString &id : patientIds)
        patients.append(QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("name"), QString(QStringLiteral("Patient ") + id)}});
    const QString path = QDir(m_dataDir).filePath(QStringLiteral("directory-import.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QJsonDocument(QJsonObject{{QStringLiteral("staff"), staffArray}, {QStringLiteral("patients"), patients}}).toJson()) <= 0) {
        m_lastOutput = QStringLiteral("cannot write ") + path;
        return false;
    }
    file.close();
    return admin({QStringLiteral("import"), path});
}

bool LocalRelay::start(const QStringList &extraArguments)
{
    return startProcess(extraArguments) && waitUntilListening();
}

bool LocalRelay::startStandingBy(const QStringList &extraArguments)
{
    static const QRegularExpression standingBy(QStringLiteral("(standing by)"));
    if (!startProcess(extraArguments))
        return false;
    if (waitForOutput(m_process, standingBy, m_serveOutput))
        return true;
    keepServeOutput();
    return false;
}

bool LocalRelay::startProcess(const QStringList &extraArguments)
{
    m_serveOutput.clear();
    m_url.clear();
    m_process.start(m_binary, QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} + placeArguments() + extraArguments);
    return m_process.waitForStarted(10000);
}

bool LocalRelay::waitUntilListening(int timeoutMs)
{
    // "cmeet-relay 0x... listening on ws://127.0.0.1:PORT"
    static const QRegularExpression listening(QStringLiteral("listening on (\\S+)"));
    if (const auto url = waitForOutput(m_process, listening, m_serveOutput, timeoutMs)) {
        m_url = QUrl(*url);
        return true;
    }
    m_process.waitForFinished(1000);
    keepServeOutput();
    return false;
}

std::optional<QString> LocalRelay::waitForServeOutput(const QRegularExpression &pattern)
{
    return waitForOutput(m_process, pattern, m_serveOutput);
}

void LocalRelay::kill()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(10000);
        keepServeOutput();
    }
}

std::optional<int> LocalRelay::waitForExit(int timeoutMs)
{
    if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(timeoutMs))
        return std::nullopt;
    keepServeOutput();
    if (m_process.exitStatus() != QProcess::NormalExit)
        return std::nullopt;
    return m_process.exitCode();
}

void LocalRelay::stop()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            kill();
            return;
        }
        keepServeOutput();
    }
}

void LocalRelay::keepServeOutput()
{
    m_serveOutput += m_process.readAllStandardOutput() + m_process.readAllStandardError();
    m_lastOutput = QString::fromUtf8(std::exchange(m_serveOutput, {}));
}

qint64 LocalRelay::databaseBytes() const
{
    const QString path = QDir(m_dataDir).filePath(QStringLiteral("relay.sqlite"));
    const QString connection = QStringLiteral("cmeet-size-") + QString::number(reinterpret_cast<quintptr>(this));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (db.open())
            QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    QSqlDatabase::removeDatabase(connection);
    return QFileInfo(path).size();
}

} // namespace cmeet::client
