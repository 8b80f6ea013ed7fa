// The relay database: migrations from every earlier schema keep every byte, nested transactions
// are savepoints, and the event log hands back exactly what it was given; on SQLite and on a
// PostgreSQL server the test starts, with the same tables.

#include "relay/core/event_log.h"
#include "relay/core/relay_database.h"
#include "support/postgres_server.h"
#include "support/program_run.h"
#include "support/sample_events.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QVariant>

using namespace cmeet;

namespace {

// A new database on the PostgreSQL server of this test.
QString postgresDatabase()
{
    QString error;
    const QString url = test::newPostgresDatabase(&error);
    if (url.isEmpty())
        qWarning("no PostgreSQL database: %s", qPrintable(error));
    return url;
}

// Table name -> its columns in order, as the database describes itself.
QMap<QString, QStringList> tablesOf(relay::RelayDatabase &database)
{
    const bool postgres = database.engine() == relay::RelayDatabase::Engine::Postgres;
    auto columns = database.run(postgres ? QStringLiteral("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                                                          "AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position")
                                         : QStringLiteral("SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' "
                                                          "ORDER BY m.name, c.cid"));
    QMap<QString, QStringList> tables;
    while (columns && columns->next())
        tables[columns->value(0).toString()].append(columns->value(1).toString());
    return tables;
}

} // namespace

class TestRelayDatabase : public QObject {
    Q_OBJECT

    // Inner steps undo alone; the outer commit keeps the rest.
    void checkSavepoints(relay::RelayDatabase &db)
    {
        const auto count = [&] {
            auto query = db.run(QStringLiteral("SELECT COUNT(*) FROM patients"));
            return query && query->next() ? query->value(0).toInt() : -1;
        };
        QVERIFY(db.begin());
        QVERIFY(db.run(QStringLiteral("INSERT INTO patients(id, name) VALUES ('A', 'kept')")));
        QVERIFY(db.begin());
        QVERIFY(db.run(QStringLiteral("INSERT INTO patients(id, name) VALUES ('B', 'undone')")));
        db.rollback(); // only the inner step
        QVERIFY(db.begin());
        QVERIFY(db.run(QStringLiteral("INSERT INTO patients(id, name) VALUES ('C', 'kept')")));
        QVERIFY(db.commit());
        QVERIFY(db.inTransaction());
        QVERIFY(db.commit());
        QVERIFY(!db.inTransaction());
        QCOMPARE(count(), 2);
        QVERIFY(!db.commit()); // nothing open
        // A failed statement inside a step is undone with the step, and the transaction goes on
        // (PostgreSQL refuses everything after an error until the savepoint is rolled back).
        QVERIFY(db.begin());
        QVERIFY(db.begin());
        QVERIFY(!db.run(QStringLiteral("INSERT INTO patients(id, name) VALUES ('A', 'twice')")));
        db.rollback();
        QVERIFY(db.run(QStringLiteral("INSERT INTO patients(id, name) VALUES ('D', 'kept')")));
        QVERIFY(db.commit());
        QCOMPARE(count(), 3);
    }

private Q_SLOTS:
    void packRoundTrips()
    {
        const test::SampleMeeting meeting;
        for (const protocol::EventType type : protocol::allEventTypes) {
            const QByteArray bytes = test::sampleEvent(type, meeting).wireBytes();
            const QByteArray packed = relay::EventLog::pack(bytes, meeting.meeting);
            QCOMPARE(*relay::EventLog::unpack(packed, meeting.meeting), bytes);
            QVERIFY(packed.size() < bytes.size());
            // Another meeting's dictionary does not read it back as the same bytes.
            QVERIFY(relay::EventLog::unpack(packed, QStringLiteral("00000000-0000-4000-8000-000000000000")).value_or(QByteArray()) != bytes);
        }
        QCOMPARE(*relay::EventLog::unpack(relay::EventLog::pack("{}")), QByteArray("{}")); // too small to compress: raw
        QVERIFY(!relay::EventLog::unpack(QByteArray()));
        QVERIFY(!relay::EventLog::unpack(QByteArray("\x01garbage", 8)));
        QVERIFY(!relay::EventLog::unpack(QByteArray("\x07{}", 3)));
        QVERIFY(!relay::EventLog::unpack(QByteArray("\x02\x78\x9c", 3)));
        QCOMPARE(*relay::EventLog::unpack(QByteArray(1, '\x01') + qCompress("legacy")), QByteArray("legacy")); // format 1 still reads
    }

    // A version 1 database (as the first release wrote it) opens, migrates, and keeps every byte.
    void migratesFromVersionOne()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.sqlite"));
        const test::SampleMeeting sample;
        const QByteArray start = test::sampleEvent(protocol::EventType::Start, sample).wireBytes();
        const QByteArray ack = test::sampleEvent(protocol::EventType::Ack, sample).wireBytes();
        {
            QSqlDatabase old = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v1"));
            old.setDatabaseName(path);
            QVERIFY(old.open());
            QSqlQuery query(old);
            for (const char *sql : {"CREATE TABLE meetings (id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', "
                                    "scheduled_at INTEGER NOT NULL, host TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'scheduled', created_at INTEGER NOT NULL)",
                                    "CREATE TABLE event_log (meeting TEXT NOT NULL, position INTEGER NOT NULL, id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, "
                                    "bytes BLOB NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (meeting, position))",
                                    "CREATE TABLE meeting_roster (meeting TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (meeting, member))",
                                    "PRAGMA user_version = 1"})
                QVERIFY(query.exec(QString::fromLatin1(sql)));
            QVERIFY(query.exec(QStringLiteral("INSERT INTO meetings(id, title, scheduled_at, host, status, created_at) VALUES ('%1', 'Old', 1, '0x00', 'started', 1)")
                                   .arg(sample.meeting)));
            // The roster in the order it was given (not the key's): schema 9 keeps it in a column.
            for (const char *member : {"0xbb", "0xaa", "0xcc"})
                QVERIFY(query.exec(QStringLiteral("INSERT INTO meeting_roster VALUES ('%1', '%2')").arg(sample.meeting, QLatin1String(member))));
            int position = 0;
            for (const QByteArray &bytes : {start, ack}) {
                QVERIFY(query.prepare(QStringLiteral("INSERT INTO event_log VALUES (?, ?, ?, 'x', ?, 1)")));
                query.addBindValue(sample.meeting);
                query.addBindValue(position++);
                query.addBindValue(QByteArray::number(position));
                query.addBindValue(bytes);
                QVERIFY(query.exec());
            }
            old.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("v1"));

        auto database = relay::RelayDatabase::open(path);
        QVERIFY2(database, qPrintable(database ? QString() : database.error().detail));
        QVERIFY((*database)->schemaVersion() >= 2);
        relay::EventLog log(**database);
        const auto entries = log.entries(sample.meeting);
        QVERIFY(entries);
        QCOMPARE(entries->size(), 2);
        QCOMPARE(entries->at(0).second, start);
        QCOMPARE(entries->at(1).second, ack);
        QCOMPARE(log.size(sample.meeting), 2);
        auto roster = (*database)->run(QStringLiteral("SELECT member FROM meeting_roster WHERE meeting = ? ORDER BY position"), {sample.meeting});
        QStringList members;
        while (roster && roster->next())
            members.append(roster->value(0).toString());
        QCOMPARE(members, (QStringList{QStringLiteral("0xbb"), QStringLiteral("0xaa"), QStringLiteral("0xcc")}));
    }

    void nestedTransactionsAreSavepoints()
    {
        QTemporaryDir dir;
        auto database = relay::RelayDatabase::open(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(database);
        checkSavepoints(**database);
    }

    // Write-ahead logging, and a commit that waits for the disk (DESIGN.md §6): an acknowledged
    // event survives a crash of the relay and of the machine.
    void durableJournal()
    {
        QTemporaryDir dir;
        auto database = relay::RelayDatabase::open(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(database);
        const auto pragma = [&](const QString &name) {
            auto query = (*database)->run(QStringLiteral("PRAGMA ") + name);
            return query && query->next() ? query->value(0).toString() : QString();
        };
        QCOMPARE(pragma(QStringLiteral("journal_mode")), QStringLiteral("wal"));
        QCOMPARE(pragma(QStringLiteral("synchronous")), QStringLiteral("2")); // FULL
        QCOMPARE(pragma(QStringLiteral("foreign_keys")), QStringLiteral("1"));
    }

    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("future.sqlite"));
        {
            auto database = relay::RelayDatabase::open(path);
            QVERIFY(database);
            QVERIFY((*database)->run(QStringLiteral("PRAGMA user_version = 99")));
        }
        auto reopened = relay::RelayDatabase::open(path);
        QVERIFY(!reopened);
        QVERIFY(reopened.error().detail.contains(QStringLiteral("newer")));
    }

    // PostgreSQL: the same tables and columns as a new SQLite database, migrated once however
    // often it is opened, commits that wait for the disk, savepoints, every byte value of an
    // event kept, and a newer schema refused.
    void postgresql()
    {
        const QString url = postgresDatabase();
        QVERIFY(!url.isEmpty());
        QTemporaryDir dir;
        auto sqlite = relay::RelayDatabase::open(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(sqlite);
        {
            auto database = relay::RelayDatabase::open(url);
            QVERIFY2(database, qPrintable(database ? QString() : database.error().detail));
            QCOMPARE((*database)->engine(), relay::RelayDatabase::Engine::Postgres);
            QCOMPARE(tablesOf(**database), tablesOf(**sqlite));
            QVERIFY(tablesOf(**database).contains(QStringLiteral("event_log")));
            QCOMPARE((*database)->schemaVersion(), (*sqlite)->schemaVersion());
            const auto show = [&](const QString &name) {
                auto query = (*database)->run(QStringLiteral("SELECT current_setting(?)"), {name});
                return query && query->next() ? query->value(0).toString() : QString();
            };
            QCOMPARE(show(QStringLiteral("synchronous_commit")), QStringLiteral("on"));
            QCOMPARE(show(QStringLiteral("fsync")), QStringLiteral("on"));
            checkSavepoints(**database);

            QVERIFY(!(*database)->run(QStringLiteral("INSERT INTO meetings(id, title, scheduled_at, host, created_at, number) VALUES (?, 't', 1, ?, 1, 1)"),
                                      {test::SampleMeeting().meeting, QStringLiteral("0x01")})); // host not on staff: the foreign key refuses it
            QVERIFY((*database)->run(QStringLiteral("INSERT INTO staff(address, name) VALUES ('0x01', 'host')")));
            QVERIFY((*database)->run(QStringLiteral("INSERT INTO meetings(id, title, scheduled_at, host, created_at, number) VALUES (?, 't', 1, '0x01', 1, 1)"),
                                     {test::SampleMeeting().meeting}));
            QByteArray everyByte;
            for (int value = 0; value < 256; ++value)
                everyByte.append(static_cast<char>(value));
            QVERIFY((*database)->run(QStringLiteral("INSERT INTO event_log(meeting, position, type, bytes, received_at) VALUES (1, 0, 'x', ?, ?)"),
                                     {everyByte, Q_INT64_C(1) << 40}));
            auto stored = (*database)->run(QStringLiteral("SELECT bytes, received_at FROM event_log WHERE meeting = 1"));
            QVERIFY(stored && stored->next());
            QCOMPARE(stored->value(0).toByteArray(), everyByte);
            QCOMPARE(stored->value(1).toLongLong(), Q_INT64_C(1) << 40);
        }
        {
            auto again = relay::RelayDatabase::open(url); // nothing to migrate: the rows stay
            QVERIFY(again);
            auto count = (*again)->run(QStringLiteral("SELECT count(*) FROM patients"));
            QVERIFY(count && count->next());
            QCOMPARE(count->value(0).toInt(), 3);
            QVERIFY((*again)->run(QStringLiteral("UPDATE schema_version SET version = 99")));
        }
        auto newer = relay::RelayDatabase::open(url);
        QVERIFY(!newer);
        QVERIFY(newer.error().detail.contains(QStringLiteral("newer")));
        const auto refused = relay::RelayDatabase::open(QStringLiteral("postgresql://cmeet:secret@127.0.0.1:1/none"));
        QVERIFY(!refused);
        QVERIFY(!refused.error().detail.contains(QStringLiteral("secret"))); // the password is never shown
        QVERIFY(!relay::RelayDatabase::open(QStringLiteral("postgresql://127.0.0.1")));
    }

    // A URL may list several servers, which libpq tries in turn (a primary and its standby, the
    // one that takes writes chosen with target_session_attrs). Here nothing listens on the first.
    void postgresqlServerList()
    {
        const QString url = postgresDatabase(); // postgresql://cmeet@127.0.0.1:PORT/NAME
        QVERIFY(!url.isEmpty());
        const qsizetype at = url.indexOf(QLatin1Char('@'));
        const quint16 nobody = test::freePort();
        const QString listed = url.left(at + 1) + QStringLiteral("127.0.0.1:%1,").arg(nobody) + url.mid(at + 1)
                               + QStringLiteral("?target_session_attrs=read-write&connect_timeout=5");
        auto database = relay::RelayDatabase::open(listed);
        QVERIFY2(database, qPrintable(database ? QString() : database.error().detail));
        auto port = (*database)->run(QStringLiteral("SELECT current_setting('port')"));
        QVERIFY(port && port->next());
        QCOMPARE(url.mid(at + 1).section(QLatin1Char('/'), 0, 0), QStringLiteral("127.0.0.1:") + port->value(0).toString());

        const auto nobodyListens = relay::RelayDatabase::open(
            QStringLiteral("postgresql://cmeet:secret@127.0.0.1:%1,[::1]:%1/none?connect_timeout=5").arg(nobody));
        QVERIFY(!nobodyListens);
        QVERIFY(!nobodyListens.error().detail.contains(QStringLiteral("secret")));
        QCOMPARE(relay::RelayDatabase::describe(QStringLiteral("postgresql://cmeet:s%40cret@db1.example.org:5433,db2.example.org/cmeet?sslmode=verify-full")),
                 QStringLiteral("postgresql://cmeet@db1.example.org:5433,db2.example.org/cmeet?sslmode=verify-full"));
        for (const char *malformed : {"postgresql://cmeet@db1,,db2/cmeet", "postgresql://cmeet@db1:port/cmeet", "postgresql://cmeet@db1,db2",
                                      "postgresql://cmeet@[::1/cmeet", "postgresql://cmeet@db1/cmeet/more"}) {
            const auto refused = relay::RelayDatabase::open(QString::fromLatin1(malformed));
            QVERIFY2(!refused, malformed);
            QVERIFY2(refused.error().detail.contains(QStringLiteral("is not a PostgreSQL URL")), qPrintable(refused.error().detail));
        }
    }
};

QTEST_GUILESS_MAIN(TestRelayDatabase)
#include "test_relay_database.moc"
