#include "support/postgres_server.h"
#include "support/program_run.h"

#include <QCollator>
#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

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
    if (!server && failure.isEmpty())
        server = startNew(&failure);
    if (!server && error)
        *error = failure;
    return server.get();
}

std::unique_ptr<PostgresServer> PostgresServer::startNew(QString *error)
{
    std::unique_ptr<PostgresServer> server(new PostgresServer);
    return server->start(error) ? std::move(server) : nullptr;
}

bool PostgresServer::prepareDirectory(QString *error)
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
    return true;
}

bool PostgresServer::start(QString *error)
{
    if (!prepareDirectory(error))
        return false;
    QString output;
    // Trust on 127.0.0.1 is for this throwaway server alone; --no-sync: its files die with the test.
    if (!run(QStringLiteral("initdb"), {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-U"), QStringLiteral("cmeet"), QStringLiteral("-A"),
                                        QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")},
             &output)) {
        *error = QStringLiteral("initdb failed: ") + output;
        return false;
    }
    return launchOnFreePort(error);
}

bool PostgresServer::launchOnFreePort(QString *error)
{
    QString output;
    for (int attempt = 0; attempt < 5; ++attempt) { // another process may take the free port first
        m_port = freePort();
        if (launch(&output))
            return true;
    }
    *error = QStringLiteral("PostgreSQL did not start: ") + output;
    return false;
}

std::unique_ptr<PostgresServer> PostgresServer::startReplica(QString *error)
{
    std::unique_ptr<PostgresServer> replica(new PostgresServer);
    if (!replica->prepareDirectory(error))
        return nullptr;
    // -R writes standby.signal and the primary's address: the copy starts as a streaming replica.
    // A fast checkpoint: a spread one takes minutes.
    QString output;
    if (!replica->run(QStringLiteral("pg_basebackup"), {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
                                                        QStringLiteral("-U"), QStringLiteral("cmeet"), QStringLiteral("-D"), replica->dataDirectory(),
                                                        QStringLiteral("-R"), QStringLiteral("-X"), QStringLiteral("stream"), QStringLiteral("--checkpoint=fast"),
                                                        QStringLiteral("--no-sync")},
                      &output)) {
        *error = QStringLiteral("pg_basebackup failed: ") + output;
        return nullptr;
    }
    if (!replica->launchOnFreePort(error))
        return nullptr;
    if (!query(QStringLiteral("ALTER SYSTEM SET synchronous_standby_names = '*'"), error) || !query(QStringLiteral("SELECT pg_reload_conf()"), error))
        return nullptr;
    const QDeadlineTimer deadline(30000);
    QString synchronousReplicas;
    while (query(QStringLiteral("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"), error, &synchronousReplicas)) {
        if (synchronousReplicas == QStringLiteral("1"))
            return replica;
        if (deadline.hasExpired()) {
            *error = QStringLiteral("the replica did not become synchronous within 30 s");
            return nullptr;
        }
        QThread::msleep(100);
    }
    return nullptr;
}

bool PostgresServer::promote(QString *output)
{
    return run(QStringLiteral("pg_ctl"), {QStringLiteral("promote"), QStringLiteral("-D"), dataDirectory(), QStringLiteral("-w")}, output);
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
        if (log.contains("ready to accept")) // connections, or read-only connections (a replica)
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

bool PostgresServer::query(const QString &sql, QString *error, QString *value) const
{
    const QString connection = QStringLiteral("cmeet-test-postgres-%1").arg(m_port);
    QString failure;
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        admin.setHostName(QStringLiteral("127.0.0.1"));
        admin.setPort(m_port);
        admin.setUserName(QStringLiteral("cmeet"));
        admin.setDatabaseName(QStringLiteral("postgres"));
        if (!admin.open()) {
            failure = admin.lastError().text();
        } else if (QSqlQuery run(admin); !run.exec(sql)) {
            failure = run.lastError().text();
        } else if (value) {
            *value = run.next() ? run.value(0).toString() : QString();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    if (!failure.isEmpty() && error)
        *error = failure;
    return failure.isEmpty();
}

QString PostgresServer::createDatabase(QString *error)
{
    const QString name = QStringLiteral("relay_%1").arg(++m_databases);
    if (!query(QStringLiteral("CREATE DATABASE ") + name, error))
        return {};
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
