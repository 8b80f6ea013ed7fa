#include "relay/core/relay_database.h"

#include <QAtomicInt>
#include <QLoggingCategory>
#include <QSqlError>
#include <QVariant>

Q_LOGGING_CATEGORY(lcDatabase, "cmeet.relay.database", QtInfoMsg)

namespace cmeet::relay {
namespace {

// Each step moves the schema one version up; never edit a released step, add a new one.
const char *const migrations[] = {
    // 1: directory, meetings, event log, attendance
    R"(CREATE TABLE staff (
         address TEXT PRIMARY KEY,            -- identity address, 0x + 40 lowercase hex
         name TEXT NOT NULL,
         role TEXT NOT NULL DEFAULT 'staff'   -- 'staff' or 'admin'
       );
       CREATE TABLE patients (
         id TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         birth_date TEXT NOT NULL DEFAULT '',
         hospital_number TEXT NOT NULL DEFAULT ''
       );
       CREATE TABLE meetings (
         id TEXT PRIMARY KEY,                 -- lowercase RFC 4122 UUID
         title TEXT NOT NULL,
         description TEXT NOT NULL DEFAULT '',
         scheduled_at INTEGER NOT NULL,       -- Unix ms
         host TEXT NOT NULL REFERENCES staff(address),
         status TEXT NOT NULL DEFAULT 'scheduled', -- scheduled, started, ended, cancelled
         created_at INTEGER NOT NULL
       );
       CREATE TABLE meeting_roster (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         member TEXT NOT NULL REFERENCES staff(address),
         PRIMARY KEY (meeting, member)
       );
       CREATE TABLE meeting_agenda (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         position INTEGER NOT NULL,
         patient TEXT NOT NULL REFERENCES patients(id),
         PRIMARY KEY (meeting, position),
         UNIQUE (meeting, patient)
       );
       CREATE TABLE meeting_patient_data (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         patient TEXT NOT NULL REFERENCES patients(id),
         field TEXT NOT NULL,
         value TEXT NOT NULL,
         PRIMARY KEY (meeting, patient, field)
       );
       CREATE TABLE event_log (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         position INTEGER NOT NULL,           -- leaf index in the meeting's Merkle log
         id BLOB NOT NULL UNIQUE,             -- 32-byte keccak id
         type TEXT NOT NULL,
         bytes BLOB NOT NULL,                 -- exact canonical wire bytes
         received_at INTEGER NOT NULL,
         PRIMARY KEY (meeting, position)
       );
       CREATE TABLE attendance (
         meeting TEXT PRIMARY KEY REFERENCES meetings(id),
         salt BLOB NOT NULL,
         code_hash BLOB NOT NULL,             -- scrypt(code, salt), the code itself is never stored
         rotated_at INTEGER NOT NULL
       );
       CREATE TABLE attendance_failures (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         identity TEXT NOT NULL,              -- '*' counts the whole meeting
         window_start INTEGER NOT NULL,
         failures INTEGER NOT NULL,
         PRIMARY KEY (meeting, identity)
       );)",
};

constexpr int currentVersion = static_cast<int>(std::size(migrations));

QString lastError(const QSqlQuery &query) { return query.lastError().text(); }

} // namespace

RelayDatabase::RelayDatabase(QSqlDatabase db, QString connectionName)
    : m_db(std::move(db)), m_connectionName(std::move(connectionName))
{
}

RelayDatabase::~RelayDatabase()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Expected<std::unique_ptr<RelayDatabase>, DatabaseError> RelayDatabase::open(const QString &path)
{
    static QAtomicInt counter;
    const QString name = QStringLiteral("cmeet-relay-%1").arg(counter.fetchAndAddRelaxed(1));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        const QString error = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return unexpected(DatabaseError{QStringLiteral("cannot open %1: %2").arg(path, error)});
    }
    std::unique_ptr<RelayDatabase> database(new RelayDatabase(db, name));
    // WAL: readers never block the writer; synchronous=FULL: a commit survives power loss too.
    for (const QString &pragma : {QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL"),
                                  QStringLiteral("PRAGMA foreign_keys=ON")}) {
        if (auto ok = database->run(pragma); !ok)
            return unexpected(ok.error());
    }
    if (auto ok = database->migrate(); !ok)
        return unexpected(ok.error());
    return database;
}

int RelayDatabase::schemaVersion()
{
    auto query = run(QStringLiteral("PRAGMA user_version"));
    return query && query->next() ? query->value(0).toInt() : -1;
}

Expected<QSqlQuery, DatabaseError> RelayDatabase::run(const QString &sql, const QVariantList &values)
{
    QSqlQuery query(m_db);
    if (!query.prepare(sql))
        return unexpected(DatabaseError{lastError(query)});
    for (const QVariant &value : values) {
        // A null QString would bind as SQL NULL; our text columns mean "" by it.
        if (value.typeId() == QMetaType::QString && value.toString().isNull())
            query.addBindValue(QStringLiteral(""));
        else
            query.addBindValue(value);
    }
    if (!query.exec())
        return unexpected(DatabaseError{lastError(query)});
    return query;
}

bool RelayDatabase::begin()
{
    const bool ok = m_depth == 0 ? m_db.transaction() : run(QStringLiteral("SAVEPOINT step%1").arg(m_depth)).hasValue();
    if (ok)
        ++m_depth;
    return ok;
}

bool RelayDatabase::commit()
{
    if (m_depth == 0)
        return false;
    --m_depth;
    return m_depth == 0 ? m_db.commit() : run(QStringLiteral("RELEASE step%1").arg(m_depth)).hasValue();
}

void RelayDatabase::rollback()
{
    if (m_depth == 0)
        return;
    --m_depth;
    if (m_depth == 0) {
        m_db.rollback();
        return;
    }
    (void)run(QStringLiteral("ROLLBACK TO step%1").arg(m_depth));
    (void)run(QStringLiteral("RELEASE step%1").arg(m_depth));
}

Expected<Ok, DatabaseError> RelayDatabase::migrate()
{
    const int from = schemaVersion();
    if (from > currentVersion)
        return unexpected(DatabaseError{QStringLiteral("database schema %1 is newer than this relay (%2)").arg(from).arg(currentVersion)});
    for (int version = from; version < currentVersion; ++version) {
        if (!begin())
            return unexpected(DatabaseError{m_db.lastError().text()});
        const QStringList statements = QString::fromUtf8(migrations[version]).split(QLatin1Char(';'), Qt::SkipEmptyParts);
        for (const QString &statement : statements) {
            if (statement.trimmed().isEmpty())
                continue;
            if (auto ok = run(statement); !ok) {
                rollback();
                return unexpected(DatabaseError{QStringLiteral("migration %1 failed: %2").arg(version + 1).arg(ok.error().detail)});
            }
        }
        if (auto ok = run(QStringLiteral("PRAGMA user_version = %1").arg(version + 1)); !ok || !commit()) {
            rollback();
            return unexpected(DatabaseError{QStringLiteral("migration %1 could not be committed").arg(version + 1)});
        }
        qCInfo(lcDatabase) << "database migrated to schema version" << version + 1;
    }
    return Ok{};
}

} // namespace cmeet::relay
