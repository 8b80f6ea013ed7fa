#include "support/postgres_server.h"
#include "support/program_run.h"

#include <QCollator>
#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#include <csignal>
#include <pwd.h>
#include <unistd.h>

namespace cmeet::test {
namespace {

// The newest PostgreSQL of /usr/lib/postgresql/VERSION/bin, or CMEET_POSTGRES_BIN.
QString postgresBinDir()
{
    if (const QString chosen = qEnvironmentVariable("CMEET_POSTGRES_BIN"); !chosen.isEmpty())
        return chosen;
    QStringList versions = QDir(QStringLiteral("/usr/lib/postgresql")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCollator numeric;
    numeric.setNumericMode(true);
    std::sort(versions.begin(), versions.end(), numeric);
    for (auto version = versions.crbegin(); version != versions.crend(); ++version) {
        const QString bin = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(*version);
        if (QFile::exists(bin + QStringLiteral("/postgres")))
            return bin;
    }
    return {};
}

} // namespace

PostgresServer *PostgresServer::shared(QString *error)
{
    static std::unique_ptr<PostgresServer> server;
    static QString failure;
    if (!server && failure.isEmpty()) {
        std::unique_ptr<PostgresServer> started(new PostgresServer);
        if (started->start(&failure))
            server = std::move(started);
    }
    if (!server && error)
        *error = failure;
    return server.get();
}

bool PostgresServer::start(QString *error)
{
    m_binDir = postgresBinDir();
    if (m_binDir.isEmpty()) {
        *error = QStringLiteral("PostgreSQL is not installed (packaging/install-deps installs postgresql)");
        return false;
    }
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary directory for PostgreSQL");
        return false;
    }
    if (geteuid() == 0) {
        const passwd *user = getpwnam("postgres");
        if (user == nullptr || chown(m_dir.path().toLocal8Bit().constData(), user->pw_uid, user->pw_gid) != 0) {
            *error = QStringLiteral("running as root, and no \"postgres\" user to run PostgreSQL as");
            return false;
        }
    }
    QString output;
    const QString data = m_dir.filePath(QStringLiteral("data"));
    // Trust on 127.0.0.1 is for this throwaway server alone; --no-sync: its files die with the test.
    if (!run(QStringLiteral("initdb"), {QStringLiteral("-D"), data, QStringLiteral("-U"), QStringLiteral("cmeet"), QStringLiteral("-A"), QStringLiteral("trust"),
                                        QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")},
             &output)) {
        *error = QStringLiteral("initdb failed: ") + output;
        return false;
    }
    for (int attempt = 0; attempt < 5; ++attempt) { // another process may take the free port first
        m_port = freePort();
        if (launch(&output))
            return true;
    }
    *error = QStringLiteral("PostgreSQL did not start: ") + output;
    return false;
}

bool PostgresServer::launch(QString *output)
{
    // The server is this process's child, told to stop at once (SIGQUIT, PostgreSQL's immediate
    // shutdown) if this process dies without stopping it: a crashed test leaves no server behind.
    QStringList command{QStringLiteral("--pdeathsig"), QStringLiteral("SIGQUIT")};
    if (geteuid() == 0)
        command << QStringLiteral("--reuid=postgres") << QStringLiteral("--regid=postgres") << QStringLiteral("--init-groups");
    command << QStringLiteral("--") << m_binDir + QStringLiteral("/postgres") << QStringLiteral("-D") << dataDirectory()
            << QStringLiteral("-c") << QStringLiteral("listen_addresses=127.0.0.1") << QStringLiteral("-c") << QStringLiteral("port=%1").arg(m_port)
            << QStringLiteral("-c") << QStringLiteral("unix_socket_directories=") + m_dir.path();
    m_server.setProcessChannelMode(QProcess::MergedChannels);
    m_server.start(QStringLiteral("setpriv"), command);
    QByteArray log;
    const QDeadlineTimer deadline(60000);
    while (!deadline.hasExpired() && m_server.state() != QProcess::NotRunning) {
        m_server.waitForReadyRead(100);
        log += m_server.readAll();
        if (log.contains("ready to accept connections"))
            return true;
    }
    stop();
    *output = QString::fromLocal8Bit(log + m_server.readAll());
    return false;
}

void PostgresServer::stop()
{
    if (m_server.state() == QProcess::NotRunning)
        return;
    ::kill(static_cast<pid_t>(m_server.processId()), SIGQUIT);
    m_server.waitForFinished(30000);
}

bool PostgresServer::restartAbruptly(QString *output)
{
    stop();
    return launch(output);
}

PostgresServer::~PostgresServer() { stop(); }

bool PostgresServer::run(const QString &program, const QStringList &arguments, QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir.path());
    const QString path = m_binDir + QLatin1Char('/') + program;
    if (geteuid() == 0)
        process.start(QStringLiteral("runuser"), QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), path} + arguments);
    else
        process.start(path, arguments);
    const bool done = process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    *output = QString::fromLocal8Bit(process.readAll());
    return done;
}

QString PostgresServer::createDatabase(QString *error)
{
    const QString name = QStringLiteral("relay_%1").arg(++m_databases);
    const QString connection = QStringLiteral("cmeet-test-postgres");
    QString failure;
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        admin.setHostName(QStringLiteral("127.0.0.1"));
        admin.setPort(m_port);
        admin.setUserName(QStringLiteral("cmeet"));
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open()) {
            failure = admin.lastError().text();
        } else if (QSqlQuery create(admin); !create.exec(QStringLiteral("CREATE DATABASE ") + name)) {
            failure = create.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    if (!failure.isEmpty()) {
        if (error)
            *error = failure;
        return {};
    }
    return QStringLiteral("postgresql://cmeet@127.0.0.1:%1/%2").arg(m_port).arg(name);
}

QString newPostgresDatabase(QString *error)
{
    PostgresServer *server = PostgresServer::shared(error);
    return server ? server->createDatabase(error) : QString();
}

QString postgresDatabaseIfAsked()
{
    if (qEnvironmentVariable("CMEET_TEST_DATABASE") != QStringLiteral("postgresql"))
        return {};
    QString error;
    const QString url = newPostgresDatabase(&error);
    if (url.isEmpty())
        qFatal("CMEET_TEST_DATABASE=postgresql, but no PostgreSQL database: %s", qPrintable(error));
    return url;
}

QString relayDatabaseForTest(const QString &dir)
{
    const QString url = postgresDatabaseIfAsked();
    return url.isEmpty() ? QDir(dir).filePath(QStringLiteral("relay.sqlite")) : url;
}

} // namespace cmeet::test
