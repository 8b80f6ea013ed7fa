#include "relay/core/relay_database.h"

#include "relay/core/event_log.h"
#include "store/sql.h"

#include <QAtomicInt>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>
#include <QLoggingCategory>
#include <QSqlError>
#include <QVariant>

Q_LOGGING_CATEGORY(lcDatabase, "cmeet.relay.database", QtInfoMsg)

namespace cmeet::relay {
namespace {

// Each step moves the schema one version up; never edit a released step, add a new one.
struct Migration {
    const char *sql;                                         // run first
    Expected<Ok, DatabaseError> (*convert)(RelayDatabase &) = nullptr; // then data that needs C++
    const char *sqlAfter = nullptr;                          // then this
    // PostgreSQL runs this instead of sql where SQLite's text has no PostgreSQL spelling (its
    // databases start empty at schema 9, so steps that only move old rows have nothing to move).
    const char *postgresSql = nullptr;
};

Expected<Ok, DatabaseError> packEventLog(RelayDatabase &database);

const Migration migrations[] = {
    // 1: directory, meetings, event log, attendance
    {R"(CREATE TABLE staff (
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
       );)"},
    // 2: a smaller event log (thesis scenario: 3.5 MB -> under 2 MB): meetings by number instead
    //    of a 36-character UUID in every row and index entry, bytes compressed (EventLog::pack).
    {R"(ALTER TABLE meetings ADD COLUMN number INTEGER;
       UPDATE meetings SET number = rowid;
       CREATE UNIQUE INDEX meetings_by_number ON meetings(number);
       CREATE TABLE event_log_v2 (
         meeting INTEGER NOT NULL,            -- meetings.number
         position INTEGER NOT NULL,
         id BLOB NOT NULL UNIQUE,
         type TEXT NOT NULL,
         bytes BLOB NOT NULL,                 -- a format byte, then the wire bytes raw or zlib-compressed
         received_at INTEGER NOT NULL,
         PRIMARY KEY (meeting, position)
       ) WITHOUT ROWID;)",
     packEventLog,
     R"(DROP TABLE event_log;
        ALTER TABLE event_log_v2 RENAME TO event_log;)",
     R"(ALTER TABLE meetings ADD COLUMN number INTEGER;
       CREATE UNIQUE INDEX meetings_by_number ON meetings(number);
       CREATE TABLE event_log_v2 (
         meeting INTEGER NOT NULL,
         position INTEGER NOT NULL,
         id BLOB NOT NULL UNIQUE,
         type TEXT NOT NULL,
         bytes BLOB NOT NULL,
         received_at INTEGER NOT NULL,
         PRIMARY KEY (meeting, position)
       );)"},
    // 3: anchoring on chain: a durable queue of transactions to send, and relay settings.
    {R"(CREATE TABLE anchor_jobs (
         id INTEGER PRIMARY KEY,              -- order of sending
         meeting TEXT NOT NULL,
         kind TEXT NOT NULL,                  -- open, close, approvals
         call_data BLOB NOT NULL,             -- ABI-encoded call of the MeetingRegistry
         status TEXT NOT NULL DEFAULT 'pending', -- pending, done, failed
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_at INTEGER NOT NULL DEFAULT 0,
         last_error TEXT NOT NULL DEFAULT '',
         tx_hash BLOB,
         block INTEGER,
         gas_used INTEGER,
         created_at INTEGER NOT NULL,
         UNIQUE (meeting, kind)
       );
       CREATE TABLE settings (
         name TEXT PRIMARY KEY,
         value TEXT NOT NULL
       );)"},
    // 4: participants' EIP-712 approvals of a meeting's final record.
    {R"(CREATE TABLE approvals (
         meeting TEXT NOT NULL REFERENCES meetings(id),
         identity TEXT NOT NULL,
         signature BLOB NOT NULL,            -- 65 bytes r || s || v over the approval digest
         received_at INTEGER NOT NULL,
         PRIMARY KEY (meeting, identity)
       );)"},
    // 5: the identity registry's key periods, mirrored from its logs (relay/core/identity_keys.h).
    {R"(CREATE TABLE identity_keys (
         identity BLOB NOT NULL,             -- 20-byte addresses
         key BLOB NOT NULL,
         added_at INTEGER NOT NULL DEFAULT 0,   -- Unix seconds, as the contract recorded them
         revoked_at INTEGER NOT NULL DEFAULT 0, -- 0: still active
         PRIMARY KEY (identity, key)
       ) WITHOUT ROWID;)"},
    // 6: no stored event id: it is the keccak of the stored bytes, never read from the table, and
    //    with its unique index it took 15% of a meeting's bytes (duplicates are refused by the
    //    events engine, whose state is rebuilt from the log).
    {R"(CREATE TABLE event_log_v3 (
         meeting INTEGER NOT NULL,            -- meetings.number
         position INTEGER NOT NULL,
         type TEXT NOT NULL,
         bytes BLOB NOT NULL,                 -- a format byte, then the wire bytes raw or deflated
         received_at INTEGER NOT NULL,
         PRIMARY KEY (meeting, position)
       ) WITHOUT ROWID;
       INSERT INTO event_log_v3(meeting, position, type, bytes, received_at)
         SELECT meeting, position, type, bytes, received_at FROM event_log;
       DROP TABLE event_log;
       ALTER TABLE event_log_v3 RENAME TO event_log;)"},
    // 7: images shown in meetings (relay/core/image_store.h): the host's uploads, content-addressed
    //    per meeting once finished, their bytes in chunks as they arrived.
    {R"(CREATE TABLE image_uploads (
         id INTEGER PRIMARY KEY,
         meeting TEXT NOT NULL REFERENCES meetings(id),
         uploader TEXT NOT NULL,              -- identity address, lowercase
         sha256 BLOB NOT NULL,                -- 32 bytes, as declared (checked at the finish)
         size INTEGER NOT NULL,
         media_type TEXT NOT NULL,
         stored_at INTEGER                    -- Unix ms once finished and checked, NULL while uploading
       );
       CREATE UNIQUE INDEX images_by_hash ON image_uploads(meeting, sha256) WHERE stored_at IS NOT NULL;
       CREATE TABLE image_chunks (
         upload INTEGER NOT NULL REFERENCES image_uploads(id) ON DELETE CASCADE,
         first_byte INTEGER NOT NULL,         -- where the chunk starts in the file
         bytes BLOB NOT NULL,
         PRIMARY KEY (upload, first_byte)
       ) WITHOUT ROWID;)"},
    // 8: image chunks in a rowid table: a megabyte row in a WITHOUT ROWID table is moved around
    //    with its key (SQLite advises against rows above a twentieth of a page there).
    {R"(CREATE TABLE image_chunks_v8 (
         upload INTEGER NOT NULL REFERENCES image_uploads(id) ON DELETE CASCADE,
         first_byte INTEGER NOT NULL,
         bytes BLOB NOT NULL,
         UNIQUE (upload, first_byte)
       );
       INSERT INTO image_chunks_v8(upload, first_byte, bytes) SELECT upload, first_byte, bytes FROM image_chunks;
       DROP TABLE image_chunks;
       ALTER TABLE image_chunks_v8 RENAME TO image_chunks;)"},
    // 9: the roster's order kept in a column (it was SQLite's rowid, which PostgreSQL has not).
    {R"(ALTER TABLE meeting_roster ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
       UPDATE meeting_roster SET position = rowid;)",
     nullptr, nullptr, R"(ALTER TABLE meeting_roster ADD COLUMN position INTEGER NOT NULL DEFAULT 0;)"},
};

// SQLite's column types and table options in PostgreSQL's words: 64-bit integers (times are
// Unix milliseconds), bytea for blobs, identity columns for INTEGER PRIMARY KEY.
QString inPostgresDialect(QString sql)
{
    static const QRegularExpression rowidKey(QStringLiteral("\\bINTEGER PRIMARY KEY\\b"));
    static const QRegularExpression integer(QStringLiteral("\\bINTEGER\\b"));
    static const QRegularExpression blob(QStringLiteral("\\bBLOB\\b"));
    static const QRegularExpression withoutRowid(QStringLiteral("\\)\\s*WITHOUT ROWID"));
    sql.replace(rowidKey, QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
    sql.replace(integer, QStringLiteral("BIGINT"));
    sql.replace(blob, QStringLiteral("BYTEA"));
    sql.replace(withoutRowid, QStringLiteral(")"));
    return sql;
}

Expected<Ok, DatabaseError> packEventLog(RelayDatabase &database)
{
    auto rows = database.run(QStringLiteral("SELECT m.number, e.position, e.id, e.type, e.bytes, e.received_at, m.id FROM event_log e "
                                            "JOIN meetings m ON m.id = e.meeting ORDER BY m.number, e.position"));
    if (!rows)
        return unexpected(rows.error());
    while (rows->next()) {
        auto copied = database.run(QStringLiteral("INSERT INTO event_log_v2(meeting, position, id, type, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)"),
                                   {rows->value(0), rows->value(1), rows->value(2), rows->value(3), EventLog::pack(rows->value(4).toByteArray(), rows->value(6).toString()),
                                    rows->value(5)});
        if (!copied)
            return unexpected(copied.error());
    }
    return Ok{};
}

constexpr int currentVersion = static_cast<int>(std::size(migrations));


} // namespace

RelayDatabase::RelayDatabase(QSqlDatabase db, QString connectionName, Engine engine)
    : m_db(std::move(db)), m_connectionName(std::move(connectionName)), m_engine(engine)
{
}

RelayDatabase::~RelayDatabase()
{
    m_controlStatements.clear();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool RelayDatabase::isServerUrl(const QString &location)
{
    return location.startsWith(QLatin1String("postgresql://")) || location.startsWith(QLatin1String("postgres://"));
}

namespace {

// postgresql://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]...]/DATABASE[?OPTION=VALUE&...], split
// by hand: QUrl takes one host only, and libpq tries several in turn (a primary and its standby,
// with target_session_attrs=read-write to pass over the one that is read-only).
struct ServerUrl {
    QString user;
    QString password;
    QStringList hosts;
    QStringList ports;
    QString database;
    QString query; // as written, percent-encoded
};

std::optional<ServerUrl> parseServerUrl(const QString &location)
{
    const qsizetype schemeEnd = location.indexOf(QLatin1String("://"));
    QString rest = location.mid(schemeEnd + 3);
    ServerUrl url;
    if (const qsizetype question = rest.indexOf(QLatin1Char('?')); question >= 0) {
        url.query = rest.mid(question + 1);
        rest.truncate(question);
    }
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    if (slash < 0)
        return std::nullopt;
    url.database = QUrl::fromPercentEncoding(rest.mid(slash + 1).toUtf8());
    QString authority = rest.left(slash);
    if (const qsizetype at = authority.lastIndexOf(QLatin1Char('@')); at >= 0) {
        const QString userInfo = authority.left(at);
        const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
        url.user = QUrl::fromPercentEncoding(userInfo.left(colon).toUtf8());
        if (colon >= 0)
            url.password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
        authority = authority.mid(at + 1);
    }
    // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT, separated by commas
    static const QRegularExpression hostAndPort(QStringLiteral(R"(^(\[[0-9A-Fa-f:.]+\]|[^\[\]:,/]+)(?::([0-9]{1,5}))?$)"));
    for (const QString &entry : authority.split(QLatin1Char(','))) {
        const QRegularExpressionMatch match = hostAndPort.match(entry);
        if (!match.hasMatch())
            return std::nullopt;
        QString host = match.captured(1);
        if (host.startsWith(QLatin1Char('[')))
            host = host.mid(1, host.size() - 2);
        url.hosts.append(host);
        url.ports.append(match.captured(2).isEmpty() ? QStringLiteral("5432") : match.captured(2));
    }
    if (url.database.isEmpty() || url.database.contains(QLatin1Char('/')))
        return std::nullopt;
    return url;
}

} // namespace

QString RelayDatabase::describe(const QString &location)
{
    if (!isServerUrl(location))
        return location;
    // Everything as written but the password.
    static const QRegularExpression password(QStringLiteral("^([a-z]+://[^:@/]*):[^@/]*@"));
    return QString(location).replace(password, QStringLiteral("\\1@"));
}

Expected<std::unique_ptr<RelayDatabase>, DatabaseError> RelayDatabase::open(const QString &location)
{
    static QAtomicInt counter;
    const QString name = QStringLiteral("cmeet-relay-%1").arg(counter.fetchAndAddRelaxed(1));
    const bool postgres = isServerUrl(location);
    QSqlDatabase db = QSqlDatabase::addDatabase(postgres ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), name);
    if (postgres) {
        // Options are libpq's (sslmode, connect_timeout, target_session_attrs...). Without a
        // password in the URL libpq reads PGPASSWORD or ~/.pgpass, which keeps it off command lines.
        const std::optional<ServerUrl> url = parseServerUrl(location);
        if (!url) {
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return unexpected(DatabaseError{
                QStringLiteral("%1 is not a PostgreSQL URL: postgresql://USER@HOST[:PORT][,HOST[:PORT]...]/DATABASE[?OPTION=VALUE&...]").arg(describe(location))});
        }
        // libpq takes lists: host=a,b port=5432,5433 (Qt passes the port only as one number).
        db.setHostName(url->hosts.join(QLatin1Char(',')));
        db.setUserName(url->user);
        db.setPassword(url->password);
        db.setDatabaseName(url->database);
        QStringList options{QStringLiteral("port=") + url->ports.join(QLatin1Char(','))};
        for (const auto &[option, value] : QUrlQuery(url->query).queryItems(QUrl::FullyDecoded))
            options.append(option + QLatin1Char('=') + value);
        db.setConnectOptions(options.join(QLatin1Char(';')));
    } else {
        db.setDatabaseName(location);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    }
    if (!db.open()) {
        const QString error = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return unexpected(DatabaseError{QStringLiteral("cannot open %1: %2").arg(describe(location), error)});
    }
    std::unique_ptr<RelayDatabase> database(new RelayDatabase(db, name, postgres ? Engine::Postgres : Engine::Sqlite));
    // SQLite: WAL, so readers never block the writer; synchronous=FULL, so a commit survives
    // power loss too; journal_size_limit: the log file shrinks back to 64 MiB once checkpointed
    // (an image's upload may grow it). PostgreSQL: a commit returns once its WAL is flushed
    // (the default, insisted on here in case the server's configuration turned it off).
    const QStringList setup = postgres ? QStringList{QStringLiteral("SET synchronous_commit TO on"), QStringLiteral("SET client_min_messages TO warning"),
                                                     QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")}
                                       : QStringList{QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL"),
                                                     QStringLiteral("PRAGMA foreign_keys=ON"), QStringLiteral("PRAGMA journal_size_limit=67108864")};
    for (const QString &statement : setup) {
        if (auto ok = database->run(statement); !ok)
            return unexpected(ok.error());
    }
    if (auto ok = database->migrate(); !ok)
        return unexpected(ok.error());
    return database;
}

Expected<Ok, DatabaseError> RelayDatabase::setAutomaticCheckpoints(bool automatic)
{
    if (m_engine == Engine::Postgres)
        return Ok{};
    auto set = run(QStringLiteral("PRAGMA wal_autocheckpoint = %1").arg(automatic ? 1000 : 0));
    if (!set)
        return unexpected(set.error());
    return Ok{};
}

int RelayDatabase::schemaVersion()
{
    auto query = run(m_engine == Engine::Postgres ? QStringLiteral("SELECT coalesce(max(version), 0) FROM schema_version") : QStringLiteral("PRAGMA user_version"));
    return query && query->next() ? query->value(0).toInt() : -1;
}

Expected<Ok, DatabaseError> RelayDatabase::setSchemaVersion(int version)
{
    const QStringList statements = m_engine == Engine::Postgres
                                       ? QStringList{QStringLiteral("DELETE FROM schema_version"), QStringLiteral("INSERT INTO schema_version VALUES (%1)").arg(version)}
                                       : QStringList{QStringLiteral("PRAGMA user_version = %1").arg(version)};
    for (const QString &statement : statements) {
        if (auto ok = run(statement); !ok)
            return unexpected(ok.error());
    }
    return Ok{};
}

Expected<QSqlQuery, DatabaseError> RelayDatabase::run(const QString &sql, const QVariantList &values)
{
    // Without values sent as it is: PostgreSQL prepares only queries and data changes, and a
    // statement prepared for one run costs it two more round trips.
    if (values.isEmpty()) {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        if (!query.exec(sql))
            return unexpected(DatabaseError{query.lastError().text()});
        return query;
    }
    auto query = store::execute(m_db, sql, values);
    if (!query)
        return unexpected(DatabaseError{query.error()});
    return *query;
}

bool RelayDatabase::begin()
{
    // SQLite: IMMEDIATE takes the write lock at once, so a batch that reads before it writes
    // can't be refused half way because the anchoring thread committed in between. PostgreSQL
    // locks rows, not the database.
    const QString start = m_engine == Engine::Postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE");
    const bool ok = control(m_depth == 0 ? start : QStringLiteral("SAVEPOINT step%1").arg(m_depth));
    if (ok)
        ++m_depth;
    return ok;
}

bool RelayDatabase::commit()
{
    if (m_depth == 0)
        return false;
    // On failure the step stays open: the caller's rollback() undoes exactly this step.
    const bool committed = control(m_depth == 1 ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE step%1").arg(m_depth - 1));
    if (committed)
        --m_depth;
    return committed;
}

void RelayDatabase::rollback()
{
    if (m_depth == 0)
        return;
    --m_depth;
    if (m_depth == 0) {
        (void)control(QStringLiteral("ROLLBACK"));
        return;
    }
    (void)control(QStringLiteral("ROLLBACK TO step%1").arg(m_depth));
    (void)control(QStringLiteral("RELEASE step%1").arg(m_depth));
}

bool RelayDatabase::control(const QString &sql)
{
    if (m_engine == Engine::Postgres) {
        auto done = run(sql);
        if (!done)
            qCWarning(lcDatabase) << sql << "failed:" << done.error().detail;
        return done.hasValue();
    }
    auto statement = m_controlStatements.find(sql);
    if (statement == m_controlStatements.end()) {
        QSqlQuery query(m_db);
        if (!query.prepare(sql)) {
            qCWarning(lcDatabase) << sql << "cannot be prepared:" << query.lastError().text();
            return false;
        }
        statement = m_controlStatements.insert(sql, std::move(query));
    }
    const bool done = statement->exec();
    if (!done)
        qCWarning(lcDatabase) << sql << "failed:" << statement->lastError().text();
    statement->finish();
    return done;
}

Expected<Ok, DatabaseError> RelayDatabase::migrate()
{
    const auto runScript = [this](const char *script) -> Expected<Ok, DatabaseError> {
        if (script == nullptr)
            return Ok{};
        const QString text = m_engine == Engine::Postgres ? inPostgresDialect(QString::fromUtf8(script)) : QString::fromUtf8(script);
        for (const QString &statement : text.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
            if (statement.trimmed().isEmpty())
                continue;
            if (auto ok = run(statement); !ok)
                return unexpected(ok.error());
        }
        return Ok{};
    };
    // One step per transaction. The version is read inside it, under the write lock (SQLite's
    // BEGIN IMMEDIATE, PostgreSQL's table lock), so relays starting together migrate once.
    for (;;) {
        if (schemaVersion() == currentVersion)
            return Ok{}; // up to date: no write lock taken (the file may be read-only)
        if (!begin())
            return unexpected(DatabaseError{m_db.lastError().text()});
        if (m_engine == Engine::Postgres) {
            if (auto locked = run(QStringLiteral("LOCK TABLE schema_version IN EXCLUSIVE MODE")); !locked) {
                rollback();
                return unexpected(locked.error());
            }
        }
        const int version = schemaVersion();
        if (version < 0 || version >= currentVersion) {
            rollback();
            if (version > currentVersion)
                return unexpected(DatabaseError{QStringLiteral("database schema %1 is newer than this relay (%2)").arg(version).arg(currentVersion)});
            return version < 0 ? unexpected(DatabaseError{QStringLiteral("cannot read the schema version")}) : Expected<Ok, DatabaseError>(Ok{});
        }
        const Migration &step = migrations[version];
        Expected<Ok, DatabaseError> ok = runScript(m_engine == Engine::Postgres && step.postgresSql ? step.postgresSql : step.sql);
        if (ok && step.convert)
            ok = step.convert(*this);
        if (ok)
            ok = runScript(step.sqlAfter);
        if (ok)
            ok = setSchemaVersion(version + 1);
        if (!ok || !commit()) {
            rollback();
            return unexpected(DatabaseError{QStringLiteral("migration %1 failed: %2").arg(version + 1).arg(ok ? QStringLiteral("commit") : ok.error().detail)});
        }
        qCInfo(lcDatabase) << "database migrated to schema version" << version + 1;
    }
}

Expected<bool, DatabaseError> RelayDatabase::takeServingLock()
{
    if (m_engine == Engine::Sqlite)
        return true;
    constexpr qint64 servingLock = 0x636d656574; // "cmeet"; advisory locks are per database
    auto taken = run(QStringLiteral("SELECT pg_try_advisory_lock(?)"), {servingLock});
    if (!taken)
        return unexpected(taken.error());
    return taken->next() && taken->value(0).toBool();
}

std::optional<QString> RelayDatabase::setting(const QString &name)
{
    auto query = run(QStringLiteral("SELECT value FROM settings WHERE name = ?"), {name});
    if (!query || !query->next())
        return std::nullopt;
    return query->value(0).toString();
}

Expected<Ok, DatabaseError> RelayDatabase::setSetting(const QString &name, const QString &value)
{
    auto stored = run(QStringLiteral("INSERT INTO settings(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"),
                      {name, value});
    if (!stored)
        return unexpected(stored.error());
    return Ok{};
}

} // namespace cmeet::relay
