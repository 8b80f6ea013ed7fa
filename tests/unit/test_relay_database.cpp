// The relay database: migrations from every earlier schema keep every byte, nested transactions
// are savepoints, and the event log hands back exactly what it was given.

#include "relay/core/event_log.h"
#include "relay/core/relay_database.h"
#include "support/sample_events.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QVariant>

using namespace cmeet;

class TestRelayDatabase : public QObject {
    Q_OBJECT

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
                                    "PRAGMA user_version = 1"})
                QVERIFY(query.exec(QString::fromLatin1(sql)));
            QVERIFY(query.exec(QStringLiteral("INSERT INTO meetings(id, title, scheduled_at, host, status, created_at) VALUES ('%1', 'Old', 1, '0x00', 'started', 1)")
                                   .arg(sample.meeting)));
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
    }

    void nestedTransactionsAreSavepoints()
    {
        QTemporaryDir dir;
        auto database = relay::RelayDatabase::open(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(database);
        relay::RelayDatabase &db = **database;
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
};

QTEST_GUILESS_MAIN(TestRelayDatabase)
#include "test_relay_database.moc"
