#pragma once
// The relay's database, a SQLite file (WAL) or a PostgreSQL server: staff and patient
// directory, meetings, the append-only event log of every meeting, attendance-code state,
// anchoring jobs. One schema and one set of migrations for both; the SQL is what both
// understand. One connection per RelayDatabase, used from one thread.

#include "base/expected.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <optional>

namespace cmeet::relay {

struct DatabaseError {
    QString detail;
};

class RelayDatabase {
public:
    ~RelayDatabase();
    RelayDatabase(const RelayDatabase &) = delete;
    RelayDatabase &operator=(const RelayDatabase &) = delete;

    enum class Engine { Sqlite, Postgres };

    // location: a SQLite file, or postgresql://USER@HOST[:PORT]/DATABASE. Opens (creating the
    // file if needed) and migrates to the current schema.
    [[nodiscard]] static Expected<std::unique_ptr<RelayDatabase>, DatabaseError> open(const QString &location);
    [[nodiscard]] static bool isServerUrl(const QString &location);
    // location as it may be shown and logged: without a password.
    [[nodiscard]] static QString describe(const QString &location);

    [[nodiscard]] Engine engine() const { return m_engine; }

    [[nodiscard]] QSqlDatabase &connection() { return m_db; }
    [[nodiscard]] int schemaVersion();

    // Runs a statement, prepared with values bound; returns the error text on failure.
    [[nodiscard]] Expected<QSqlQuery, DatabaseError> run(const QString &sql, const QVariantList &values = {});

    // SQLite: leaves copying the write-ahead log into the file to another connection
    // (relay/server's Checkpointer), or takes it back (automatic, every thousand pages).
    // PostgreSQL checkpoints by itself: nothing to do.
    [[nodiscard]] Expected<Ok, DatabaseError> setAutomaticCheckpoints(bool automatic);

    // PostgreSQL: takes the lock that makes this relay the one serving the database, so relays
    // sharing it (an active and a standby) never serve together. A session advisory lock: it
    // goes when this connection does, a killed relay's included. False while another relay holds
    // it. SQLite: always true (the data directory is the relay's own).
    [[nodiscard]] Expected<bool, DatabaseError> takeServingLock();

    // Relay settings kept with the data (the chain it anchors on, sync positions).
    [[nodiscard]] std::optional<QString> setting(const QString &name);
    [[nodiscard]] Expected<Ok, DatabaseError> setSetting(const QString &name, const QString &value);

    // Everything in one transaction or nothing. Nested calls become savepoints, so a batch of
    // requests shares one commit (one fsync) while a step inside it can be undone alone.
    [[nodiscard]] bool begin();
    [[nodiscard]] bool commit();
    void rollback();
    [[nodiscard]] bool inTransaction() const { return m_depth > 0; }

private:
    RelayDatabase(QSqlDatabase db, QString connectionName, Engine engine);
    [[nodiscard]] Expected<Ok, DatabaseError> migrate();
    [[nodiscard]] Expected<Ok, DatabaseError> setSchemaVersion(int version);
    // BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK: on SQLite prepared once each, as a batch runs
    // two of them for each event it stores (PostgreSQL cannot prepare them).
    [[nodiscard]] bool control(const QString &sql);

    QSqlDatabase m_db;
    QString m_connectionName;
    Engine m_engine;
    int m_depth = 0; // 0: no transaction; 1: the transaction; more: savepoints inside it
    QHash<QString, QSqlQuery> m_controlStatements;
};

} // namespace cmeet::relay
