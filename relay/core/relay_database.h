#pragma once
// The relay's SQLite database (WAL): staff and patient directory, meetings, the append-only
// event log of every meeting, and attendance-code state. One connection per RelayDatabase,
// used from one thread.

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

    // Opens (creating if needed) and migrates to the current schema.
    [[nodiscard]] static Expected<std::unique_ptr<RelayDatabase>, DatabaseError> open(const QString &path);

    [[nodiscard]] QSqlDatabase &connection() { return m_db; }
    [[nodiscard]] int schemaVersion();

    // Runs a prepared statement; returns the error text on failure.
    [[nodiscard]] Expected<QSqlQuery, DatabaseError> run(const QString &sql, const QVariantList &values = {});

    // Leaves copying the write-ahead log into the file to another connection (relay/server's
    // Checkpointer), or takes it back (automatic, every thousand pages).
    [[nodiscard]] Expected<Ok, DatabaseError> setAutomaticCheckpoints(bool automatic);

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
    RelayDatabase(QSqlDatabase db, QString connectionName);
    [[nodiscard]] Expected<Ok, DatabaseError> migrate();
    // BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK: prepared once each, as a batch runs two of
    // them for each event it stores.
    [[nodiscard]] bool control(const QString &sql);

    QSqlDatabase m_db;
    QString m_connectionName;
    int m_depth = 0; // 0: no transaction; 1: the transaction; more: savepoints inside it
    QHash<QString, QSqlQuery> m_controlStatements;
};

} // namespace cmeet::relay
