#pragma once
// A PostgreSQL server of the test's own: initdb and postgres from Debian's postgresql package in
// a temporary directory, listening on a free port of 127.0.0.1 only, stopped and removed when the
// test process ends (or dies). No system service, no root: under root it runs as the "postgres"
// user the package creates, as PostgreSQL refuses to run as root.

#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>

namespace cmeet::test {

class PostgresServer {
public:
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // The server of this process, started at the first call. Null when it cannot start, with the
    // reason in *error.
    [[nodiscard]] static PostgresServer *shared(QString *error = nullptr);
    // A server of the caller's own (for tests that take it down for good); null with *error.
    [[nodiscard]] static std::unique_ptr<PostgresServer> startNew(QString *error);

    // A synchronous streaming replica of this server (pg_basebackup), read-only until promoted,
    // on a port of its own: every commit here waits until the replica has it on disk.
    [[nodiscard]] std::unique_ptr<PostgresServer> startReplica(QString *error);
    // Makes a replica the primary (pg_ctl promote), as a failover tool does.
    [[nodiscard]] bool promote(QString *output);
    // Stops the server at once (immediate shutdown), as when it fails.
    void stopAbruptly() { stop(); }

    // Stops the server at once (immediate shutdown) and starts it again: every connection is
    // cut, as when the database server fails.
    [[nodiscard]] bool restartAbruptly(QString *output);

    // A new empty database on the server: its postgresql:// URL (empty, with *error, on failure).
    [[nodiscard]] QString createDatabase(QString *error = nullptr);
    [[nodiscard]] quint16 port() const { return m_port; }
    // Where the server keeps its files (tables and write-ahead log).
    [[nodiscard]] QString dataDirectory() const { return m_dir.filePath(QStringLiteral("data")); }
    // A file beside them, which PostgreSQL's programs may write (pg_dump's output).
    [[nodiscard]] QString scratchPath(const QString &name) const { return m_dir.filePath(name); }

    // Runs one of PostgreSQL's programs (pg_dump...), as the postgres user under root; its output
    // on failure.
    [[nodiscard]] bool run(const QString &program, const QStringList &arguments, QString *output);

private:
    PostgresServer() = default;
    [[nodiscard]] bool start(QString *error);
    // Owns the temporary directory for the postgres user (under root).
    [[nodiscard]] bool prepareDirectory(QString *error);
    // Starts the server process on a free port and waits until it takes connections.
    [[nodiscard]] bool launchOnFreePort(QString *error);
    // Starts the server process on m_port and waits until it takes connections.
    [[nodiscard]] bool launch(QString *output);
    // Runs sql on the postgres database; the first column of its first row in *value, if asked.
    [[nodiscard]] bool query(const QString &sql, QString *error, QString *value = nullptr) const;
    void stop();

    QString m_binDir;
    QTemporaryDir m_dir;
    QProcess m_server;
    quint16 m_port = 0;
    int m_databases = 0;
};

// A new empty database on the shared server: its URL, or empty with the reason in *error.
[[nodiscard]] QString newPostgresDatabase(QString *error);
// With CMEET_TEST_DATABASE=postgresql: a new database on the shared server (the test stops if
// none can start). Otherwise empty.
[[nodiscard]] QString postgresDatabaseIfAsked();
// Where a relay test keeps its database: postgresDatabaseIfAsked(), else relay.sqlite in dir.
[[nodiscard]] QString relayDatabaseForTest(const QString &dir);

} // namespace cmeet::test
