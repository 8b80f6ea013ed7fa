#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/keystore.h"
#include "store/meeting_file.h"
#include "support/sample_events.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using protocol::EventType;
using store::MeetingFile;

namespace {

using Entries = QList<QPair<qint64, QByteArray>>;

template <typename T>
QString errorOf(const Expected<T, store::StoreError> &result)
{
    return result ? QStringLiteral("(succeeded)") : result.error().detail;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// Edits a file behind the store's back, as a damaged or foreign file would be.
bool rawExec(const QString &path, const QStringList &statements)
{
    const QString name = QStringLiteral("raw-edit");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        ok = db.open();
        for (const QString &statement : statements) {
            QSqlQuery query(db);
            ok = ok && query.exec(statement);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace

class TestMeetingFile : public QObject {
    Q_OBJECT

private:
    test::SampleMeeting m_sample;
    QTemporaryDir m_dir;
    QList<QByteArray> m_log; // a start, a join and comments, all distinct
    int m_files = 0;

    QString newPath() { return m_dir.filePath(QStringLiteral("meeting-%1.cmeet").arg(++m_files)); }

    QJsonObject meetingJson() const
    {
        return {{QStringLiteral("id"), m_sample.meeting},
                {QStringLiteral("title"), QStringLiteral("Colorectal MDT")},
                {QStringLiteral("host"), m_sample.host.address().toLowerHex()},
                {QStringLiteral("roster"), QJsonArray{m_sample.host.address().toLowerHex()}},
                {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001"), QStringLiteral("P-002")}},
                {QStringLiteral("relay"), QStringLiteral("wss://relay.example:8443")}};
    }

    // A valid event not in m_log (another timestamp gives another id).
    QByteArray extraEvent(qint64 n) const
    {
        test::SampleMeeting other = m_sample;
        other.ts += 1000000 + n;
        return test::sampleEvent(EventType::Comment, other).wireBytes();
    }

    // A file holding the first count events of m_log.
    std::unique_ptr<MeetingFile> fileWith(qint64 count, QString *path = nullptr)
    {
        const QString where = newPath();
        if (path)
            *path = where;
        auto file = MeetingFile::create(where, meetingJson());
        if (!file)
            qFatal("create failed: %s", qPrintable(file.error().detail));
        Entries entries;
        for (qint64 i = 0; i < count; ++i)
            entries.append({i, m_log[i]});
        if (auto ok = (*file)->appendAll(entries); !ok)
            qFatal("appendAll failed: %s", qPrintable(ok.error().detail));
        return std::move(*file);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_log.append(test::sampleEvent(EventType::Start, m_sample).wireBytes());
        m_log.append(test::sampleEvent(EventType::Join, m_sample).wireBytes());
        for (int i = 0; i < 22; ++i) {
            test::SampleMeeting later = m_sample;
            later.ts += 1000 * (i + 1);
            m_log.append(test::sampleEvent(EventType::Comment, later).wireBytes());
        }
    }

    void createAndReopenRoundTrip()
    {
        QString path;
        {
            auto file = fileWith(2, &path);
            QCOMPARE(file->size(), 2);
            QVERIFY2(file->append(2, m_log[2]), "append at the next index");
            QCOMPARE(file->size(), 3);
        }
        // One self-contained file: no -wal, -shm or -journal left beside it.
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), QStringList{QFileInfo(path).fileName()});

        for (const bool readOnly : {false, true}) {
            auto file = MeetingFile::open(path, readOnly);
            QVERIFY2(file, qPrintable(errorOf(file)));
            QCOMPARE((*file)->meeting(), meetingJson());
            QCOMPARE((*file)->meetingId(), m_sample.meeting);
            QCOMPARE((*file)->size(), 3);
            auto events = (*file)->events();
            QVERIFY2(events, qPrintable(errorOf(events)));
            QCOMPARE(*events, m_log.mid(0, 3));
            QCOMPARE(*(*file)->events(1), m_log.mid(1, 2));
            QVERIFY((*file)->events(3)->isEmpty());
            QCOMPARE(*(*file)->events(0, 2), m_log.mid(0, 2)); // a page, as the app reads a replica
            QCOMPARE(*(*file)->events(1, 1), m_log.mid(1, 1));
            QCOMPARE(*(*file)->events(2, 100), m_log.mid(2, 1));
            QVERIFY(!(*file)->events(-1));
        }
    }

    void setMeetingKeepsTheId()
    {
        QString path;
        {
            auto file = fileWith(0, &path);
            QJsonObject changed = meetingJson();
            changed[QStringLiteral("title")] = QStringLiteral("Colorectal MDT (rescheduled)");
            QVERIFY(file->setMeeting(changed));
            changed[QStringLiteral("id")] = QStringLiteral("0b7c7a52-2f6e-4d5b-8a1c-3e9f4d2a1b0c");
            auto moved = file->setMeeting(changed);
            QVERIFY(!moved);
            QVERIFY2(moved.error().detail.contains(QStringLiteral("cannot change")), qPrintable(moved.error().detail));
        }
        auto reopened = MeetingFile::open(path, true);
        QVERIFY(reopened);
        QCOMPARE((*reopened)->meeting().value(QStringLiteral("title")).toString(), QStringLiteral("Colorectal MDT (rescheduled)"));
    }

    void readOnlyCannotWrite()
    {
        QString path;
        fileWith(2, &path).reset();
        const QByteArray before = readAll(path);

        auto file = MeetingFile::open(path, true);
        QVERIFY2(file, qPrintable(errorOf(file)));
        QVERIFY((*file)->isReadOnly());
        const auto refused = (*file)->append(2, m_log[2]);
        QVERIFY(!refused);
        QVERIFY2(refused.error().detail.contains(QStringLiteral("read-only")), qPrintable(refused.error().detail));
        QVERIFY(!(*file)->setMeeting(meetingJson()));
        QVERIFY(!(*file)->putAnchor({QStringLiteral("treeHead"), QStringLiteral("0xaa"), 1, QStringLiteral("{}")}));
        QVERIFY(!(*file)->putApproval({m_sample.host.address().toLowerHex(), QStringLiteral("0xbb"), QStringLiteral("{}")}));
        auto key = crypto::keystore::seal(m_sample.session, crypto::SecretBytes(QByteArrayView("pass")), {1 << 10, 8, 1});
        QVERIFY(key);
        QVERIFY(!(*file)->putSealedKey(QStringLiteral("session"), m_sample.session.address().toLowerHex(), *key));
        QCOMPARE((*file)->size(), 2);
        file->reset();
        QCOMPARE(readAll(path), before);
    }

    void badEntriesAreRejected_data()
    {
        QTest::addColumn<qint64>("index");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");

        test::SampleMeeting elsewhere = m_sample;
        elsewhere.meeting = QStringLiteral("0b7c7a52-2f6e-4d5b-8a1c-3e9f4d2a1b0c");
        QByteArray nonCanonical = extraEvent(1);
        nonCanonical.insert(1, ' ');

        // The file holds 2 events; the batch first adds valid ones at 2 and 3.
        QTest::newRow("gap") << qint64(5) << extraEvent(1) << QStringLiteral("gap");
        QTest::newRow("negative index") << qint64(-1) << extraEvent(1) << QStringLiteral("invalid log index");
        QTest::newRow("duplicate id") << qint64(4) << m_log[0] << QStringLiteral("already in the log at index 0");
        QTest::newRow("duplicate within batch") << qint64(4) << m_log[2] << QStringLiteral("already in the log at index 2");
        QTest::newRow("other meeting") << qint64(4) << test::sampleEvent(EventType::Comment, elsewhere).wireBytes()
                                       << QStringLiteral("belongs to meeting 0b7c7a52");
        QTest::newRow("not json") << qint64(4) << QByteArray("not an event") << QStringLiteral("not a valid event");
        QTest::newRow("empty") << qint64(4) << QByteArray() << QStringLiteral("not a valid event");
        QTest::newRow("non-canonical") << qint64(4) << nonCanonical << QStringLiteral("not a valid event");
        QTest::newRow("conflict") << qint64(1) << extraEvent(1) << QStringLiteral("index 1 already holds a different event");
    }

    void badEntriesAreRejected()
    {
        QFETCH(qint64, index);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);

        auto file = fileWith(2);
        const auto result = file->appendAll({{2, m_log[2]}, {3, m_log[3]}, {index, bytes}});
        QVERIFY(!result);
        QVERIFY2(result.error().detail.contains(message), qPrintable(result.error().detail));
        // Nothing of the batch was written, the valid entries before the bad one included.
        QCOMPARE(file->size(), 2);
        QCOMPARE(*file->events(), m_log.mid(0, 2));
        const auto single = file->append(index, bytes);
        QVERIFY(!single);
        QCOMPARE(file->size(), 2);
        // And the file still takes the next event.
        QVERIFY(file->append(2, m_log[2]));
        QCOMPARE(file->size(), 3);
    }

    void reappendIsANoOpButConflictIsAnError()
    {
        auto file = fileWith(3);
        QVERIFY(file->append(1, m_log[1]));
        QCOMPARE(file->size(), 3);
        // A download overlapping what arrived by broadcast.
        auto overlap = file->appendAll({{1, m_log[1]}, {2, m_log[2]}, {3, m_log[3]}, {4, m_log[4]}});
        QVERIFY2(overlap, qPrintable(errorOf(overlap)));
        QCOMPARE(file->size(), 5);
        QCOMPARE(*file->events(), m_log.mid(0, 5));

        auto conflict = file->append(1, m_log[7]);
        QVERIFY(!conflict);
        QVERIFY2(conflict.error().detail.contains(QStringLiteral("index 1")), qPrintable(conflict.error().detail));
        QVERIFY2(conflict.error().detail.contains(QStringLiteral("two histories")), qPrintable(conflict.error().detail));
        QCOMPARE(file->size(), 5);
        QCOMPARE(*file->events(), m_log.mid(0, 5));
        QVERIFY(file->appendAll({}));

        // A whole log in one call, or its rest from a position; never with a gap.
        auto whole = fileWith(0);
        QVERIFY(whole->appendLog(m_log.mid(0, 3)));
        const auto gap = whole->appendLog(m_log.mid(4), 4);
        QVERIFY(!gap);
        QCOMPARE(whole->size(), 3);
        QVERIFY(whole->appendLog(m_log.mid(3), 3));
        QCOMPARE(*whole->events(), m_log);
    }

    void createOverExistingFileFails()
    {
        QString path;
        fileWith(1, &path).reset();
        const QByteArray before = readAll(path);
        auto again = MeetingFile::create(path, meetingJson());
        QVERIFY(!again);
        QVERIFY2(again.error().detail.contains(QStringLiteral("already exists")), qPrintable(again.error().detail));
        QCOMPARE(readAll(path), before);

        const QString other = newPath();
        QVERIFY(writeAll(other, "someone's notes"));
        QVERIFY(!MeetingFile::create(other, meetingJson()));
        QCOMPARE(readAll(other), QByteArray("someone's notes"));
    }

    void createNeedsAMeetingId()
    {
        const QString path = newPath();
        QJsonObject meeting = meetingJson();
        meeting.remove(QStringLiteral("id"));
        QVERIFY(!MeetingFile::create(path, meeting));
        meeting[QStringLiteral("id")] = QStringLiteral("6F1C2A4E-8B3D-4F5A-9C7E-2D1B0A9F8E7D");
        QVERIFY(!MeetingFile::create(path, meeting));
        QVERIFY(!QFile::exists(path));
    }

    void missingFileIsNotCreated()
    {
        const QString path = newPath();
        for (const bool readOnly : {true, false}) {
            auto file = MeetingFile::open(path, readOnly);
            QVERIFY(!file);
            QVERIFY2(file.error().detail.contains(QStringLiteral("no such")), qPrintable(file.error().detail));
        }
        QVERIFY(!QFile::exists(path));
    }

    // SQLite's advice for database files from elsewhere, on every connection a MeetingFile opens.
    void connectionsAreHardenedForUntrustedFiles()
    {
        QString path;
        fileWith(2, &path).reset();
        for (const bool readOnly : {true, false}) {
            const QStringList before = QSqlDatabase::connectionNames();
            auto file = MeetingFile::open(path, readOnly);
            QVERIFY2(file, qPrintable(errorOf(file)));
            QStringList opened = QSqlDatabase::connectionNames();
            for (const QString &name : before)
                opened.removeAll(name);
            QCOMPARE(opened.size(), 1);
            QSqlDatabase db = QSqlDatabase::database(opened.constFirst(), false);
            const auto pragma = [&db](const QString &name) {
                QSqlQuery query(db);
                return query.exec(QStringLiteral("PRAGMA ") + name) && query.next() ? query.value(0).toLongLong() : -1;
            };
            QCOMPARE(pragma(QStringLiteral("cell_size_check")), 1);
            QCOMPARE(pragma(QStringLiteral("trusted_schema")), 0);
            QCOMPARE(pragma(QStringLiteral("mmap_size")), 0);
        }
    }

    void garbageFileIsRefused()
    {
        const QString path = newPath();
        QByteArray garbage;
        for (int i = 0; i < 1000; ++i)
            garbage += "this is not a database. ";
        QVERIFY(writeAll(path, garbage));
        for (const bool readOnly : {true, false}) {
            auto file = MeetingFile::open(path, readOnly);
            QVERIFY(!file);
            QVERIFY2(file.error().detail.contains(QStringLiteral("not a c-meet meeting file")), qPrintable(file.error().detail));
        }
        QCOMPARE(readAll(path), garbage);
    }

    void otherSqliteFileIsRefused()
    {
        const QString path = newPath();
        QVERIFY(rawExec(path, {QStringLiteral("CREATE TABLE events (x)"), QStringLiteral("INSERT INTO events VALUES (1)")}));
        auto file = MeetingFile::open(path, false);
        QVERIFY(!file);
        QVERIFY2(file.error().detail.contains(QStringLiteral("not a c-meet meeting file")), qPrintable(file.error().detail));
    }

    void truncatedCopyIsRefused_data()
    {
        QTest::addColumn<int>("keep"); // bytes kept; negative: that many cut from the end
        QTest::newRow("empty") << 0;
        QTest::newRow("half a header") << 50;
        QTest::newRow("header only") << 100;
        QTest::newRow("first page") << 4096;
        QTest::newRow("half") << -1000000;
        QTest::newRow("last byte cut") << -1;
        QTest::newRow("last page cut") << -4096;
    }

    void truncatedCopyIsRefused()
    {
        QFETCH(int, keep);
        QString path;
        fileWith(m_log.size(), &path).reset();
        const QByteArray whole = readAll(path);
        QVERIFY(whole.size() > 5 * 4096);
        const qsizetype length = keep >= 0 ? keep : keep == -1000000 ? whole.size() / 2 : whole.size() + keep;
        const QString copy = newPath();
        QVERIFY(writeAll(copy, whole.left(length)));
        for (const bool readOnly : {true, false}) {
            auto file = MeetingFile::open(copy, readOnly);
            QVERIFY2(!file, "a truncated file must not open");
            const QString detail = file.error().detail;
            QVERIFY2(detail.contains(QStringLiteral("damaged")) || detail.contains(QStringLiteral("not a c-meet meeting file")),
                     qPrintable(detail));
        }
        QCOMPARE(readAll(copy), whole.left(length));
    }

    void newerSchemaIsRefused()
    {
        QString path;
        fileWith(1, &path).reset();
        QVERIFY(rawExec(path, {QStringLiteral("PRAGMA user_version = %1").arg(MeetingFile::schemaVersion + 1)}));
        for (const bool readOnly : {true, false}) {
            auto file = MeetingFile::open(path, readOnly);
            QVERIFY(!file);
            QVERIFY2(file.error().detail.contains(QStringLiteral("newer")), qPrintable(file.error().detail));
        }
    }

    void missingTableIsRefused()
    {
        QString path;
        fileWith(1, &path).reset();
        QVERIFY(rawExec(path, {QStringLiteral("DROP TABLE approvals")}));
        auto file = MeetingFile::open(path, true);
        QVERIFY(!file);
        QVERIFY2(file.error().detail.contains(QStringLiteral("missing table")), qPrintable(file.error().detail));
    }

    // Images are kept only with the bytes their hash names; a file holds each once.
    void imagesAreKeptByTheirHash()
    {
        QString path;
        auto file = fileWith(1, &path);
        const QByteArray bytes = QByteArrayLiteral("\x89PNG\r\n\x1a\n not really a picture");
        const QByteArray hash = crypto::sha256(bytes);
        QVERIFY(!file->putImage(crypto::sha256("other bytes"), QStringLiteral("image/png"), bytes));
        QVERIFY(file->putImage(hash, QStringLiteral("image/png"), bytes));
        QVERIFY(file->putImage(hash, QStringLiteral("image/png"), bytes)); // again: a no-op
        QCOMPARE(file->imageHashes().value(), QList<QByteArray>{hash});
        file.reset();
        auto reopened = MeetingFile::open(path, true);
        QVERIFY(reopened);
        const auto image = (*reopened)->image(hash);
        QVERIFY(image && *image);
        QCOMPARE((*image)->bytes, bytes);
        QCOMPARE((*image)->mediaType, QStringLiteral("image/png"));
        QVERIFY(!(*reopened)->image(crypto::sha256("absent")).value().has_value());
    }

    // A file of schema 1 (before images): an auditor reads it as it is (no images), and the
    // owner's writable open upgrades it in place, its events untouched.
    void schemaOneFilesStillOpen()
    {
        QString path;
        fileWith(3, &path).reset();
        QVERIFY(rawExec(path, {QStringLiteral("DROP TABLE images"), QStringLiteral("PRAGMA user_version = 1")}));
        auto readOnly = MeetingFile::open(path, true);
        QVERIFY2(readOnly, readOnly ? "" : qPrintable(readOnly.error().detail));
        QCOMPARE((*readOnly)->size(), qint64(3));
        QVERIFY((*readOnly)->imageHashes().value().isEmpty());
        QVERIFY(!(*readOnly)->image(crypto::sha256("x")).value().has_value());
        readOnly->reset();
        auto writable = MeetingFile::open(path, false);
        QVERIFY(writable);
        QCOMPARE((*writable)->size(), qint64(3));
        const QByteArray bytes = QByteArrayLiteral("\xff\xd8\xff a jpeg");
        QVERIFY((*writable)->putImage(crypto::sha256(bytes), QStringLiteral("image/jpeg"), bytes));
    }

    void sealedKeysRoundTrip()
    {
        const crypto::SecretBytes passphrase(QByteArrayView("correct horse battery staple"));
        auto sealed = crypto::keystore::seal(m_sample.session, passphrase, {1 << 10, 8, 1});
        QVERIFY(sealed);
        const QString address = m_sample.session.address().toChecksumHex();
        QString path;
        {
            auto file = fileWith(1, &path);
            QVERIFY(!file->sealedKey(QStringLiteral("session"), address));
            auto put = file->putSealedKey(QStringLiteral("session"), address, *sealed);
            QVERIFY2(put, qPrintable(errorOf(put)));
            // The address must be the key file's own, and the bytes a key file at all.
            QVERIFY(!file->putSealedKey(QStringLiteral("session"), m_sample.host.address().toLowerHex(), *sealed));
            QVERIFY(!file->putSealedKey(QStringLiteral("session"), address, hex::encode(m_sample.session.secret().view()).toLatin1()));
            QVERIFY(!file->putSealedKey(QString(), address, *sealed));
        }
        auto file = MeetingFile::open(path, true);
        QVERIFY(file);
        const auto stored = (*file)->sealedKey(QStringLiteral("session"), m_sample.session.address().toLowerHex());
        QVERIFY(stored);
        QCOMPARE(*stored, *sealed);
        QVERIFY(!(*file)->sealedKey(QStringLiteral("identity"), address));
        QVERIFY(!(*file)->sealedKey(QStringLiteral("session"), m_sample.host.address().toLowerHex()));
        QVERIFY(!(*file)->sealedKey(QStringLiteral("session"), QStringLiteral("not an address")));
        auto key = crypto::keystore::open(*stored, passphrase);
        QVERIFY(key);
        QVERIFY(*key == m_sample.session);
    }

    void fileHoldsNoPlainSecrets()
    {
        const crypto::PrivateKey key = test::SampleMeeting::fixedKey(77);
        auto sealed = crypto::keystore::seal(key, crypto::SecretBytes(QByteArrayView("pass")), {1 << 10, 8, 1});
        QVERIFY(sealed);
        QString path;
        {
            auto file = fileWith(3, &path);
            QVERIFY(file->putSealedKey(QStringLiteral("voting"), key.address().toLowerHex(), *sealed));
        }
        const QByteArray raw = readAll(path);
        QVERIFY(raw.contains(key.address().toChecksumHex().toLatin1())); // the key file is there...
        const QByteArray secretHex = hex::encode(key.secret().view()).toLatin1().mid(2);
        QVERIFY(!raw.contains(secretHex)); // ...but not the key
        QVERIFY(!raw.contains(secretHex.toUpper()));
        QVERIFY(!raw.contains(key.secret().view().toByteArray()));
    }

    void anchorsAndApprovals()
    {
        QString path;
        {
            auto file = fileWith(1, &path);
            QVERIFY(file->anchors()->isEmpty());
            QVERIFY(file->approvals()->isEmpty());
            QVERIFY(file->putAnchor({QStringLiteral("treeHead"), QStringLiteral("0x01"), 17, QStringLiteral("{\"size\":1}")}));
            QVERIFY(file->putAnchor({QStringLiteral("final"), QStringLiteral("0x02"), 20, QString()}));
            const QString b = QStringLiteral("0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            const QString a = QStringLiteral("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            QVERIFY(file->putApproval({b, QStringLiteral("0xsig1"), QStringLiteral("{}")}));
            QVERIFY(file->putApproval({a, QStringLiteral("0xsig2"), QStringLiteral("{}")}));
            QVERIFY(file->putApproval({b, QStringLiteral("0xsig3"), QStringLiteral("{\"again\":true}")}));
            QVERIFY(!file->putApproval({QString(), QStringLiteral("0xsig4"), QString()}));
        }
        auto file = MeetingFile::open(path, true);
        QVERIFY(file);
        const auto anchors = *(*file)->anchors();
        QCOMPARE(anchors.size(), 2);
        QCOMPARE(anchors[0].kind, QStringLiteral("treeHead"));
        QCOMPARE(anchors[0].txHash, QStringLiteral("0x01"));
        QCOMPARE(anchors[0].block, 17);
        QCOMPARE(anchors[0].data, QStringLiteral("{\"size\":1}"));
        QCOMPARE(anchors[1].kind, QStringLiteral("final"));
        QCOMPARE(anchors[1].data, QString());
        const auto approvals = *(*file)->approvals();
        QCOMPARE(approvals.size(), 2);
        QVERIFY(approvals[0].identity.startsWith(QStringLiteral("0xaaaa")));
        QCOMPARE(approvals[1].signature, QStringLiteral("0xsig3"));
        QCOMPARE(approvals[1].data, QStringLiteral("{\"again\":true}"));
    }
};

QTEST_GUILESS_MAIN(TestMeetingFile)
#include "test_meeting_file.moc"
