#include "store/meeting_file.h"

#include "store/sql.h"

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/keystore.h"
#include "protocol/event.h"

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlError>
#include <QVariant>

namespace cmeet::store {
namespace {

// Each step moves the schema one version up; never edit a released step, add a new one.
// No ';' inside comments: steps are split on it.
const char *const migrations[] = {
    // 1: metadata, event log, sealed keys, chain anchors, approvals
    R"(CREATE TABLE meta (
         key TEXT PRIMARY KEY,                -- 'meeting': the meeting's JSON object
         value TEXT NOT NULL
       );
       CREATE TABLE events (
         position INTEGER PRIMARY KEY,        -- leaf index in the relay's log, contiguous from 0
         id BLOB NOT NULL UNIQUE,             -- 32-byte keccak id
         type TEXT NOT NULL,
         bytes BLOB NOT NULL                  -- exact canonical wire bytes, with the signature
       );
       CREATE TABLE sealed_keys (
         purpose TEXT NOT NULL,
         address TEXT NOT NULL,               -- 0x + 40 lowercase hex
         key_file BLOB NOT NULL,              -- crypto::keystore file, never a plain key
         PRIMARY KEY (purpose, address)
       );
       CREATE TABLE anchors (
         kind TEXT NOT NULL,
         tx_hash TEXT NOT NULL,
         block INTEGER NOT NULL,
         data TEXT NOT NULL
       );
       CREATE TABLE approvals (
         identity TEXT PRIMARY KEY,
         signature TEXT NOT NULL,
         data TEXT NOT NULL
       ))",
    // 2: the images shown in the meeting, exactly as the image events name them
    R"(CREATE TABLE images (
         sha256 BLOB PRIMARY KEY,             -- 32 bytes, of the file's bytes
         media_type TEXT NOT NULL,
         bytes BLOB NOT NULL
       ))",
};

// "cMee" in the SQLite header: tells a meeting file from any other SQLite file.
constexpr int applicationId = 0x634d6565;

// What open() expects to find in a file of at least that version; a probe per table also checks its columns.
struct Probe {
    int since;
    const char *sql;
};
const Probe probes[] = {
    {1, "SELECT key, value FROM meta LIMIT 0"},
    {1, "SELECT position, id, type, bytes FROM events LIMIT 0"},
    {1, "SELECT purpose, address, key_file FROM sealed_keys LIMIT 0"},
    {1, "SELECT kind, tx_hash, block, data FROM anchors LIMIT 0"},
    {1, "SELECT identity, signature, data FROM approvals LIMIT 0"},
    {2, "SELECT sha256, media_type, bytes FROM images LIMIT 0"},
};

StoreError error(const QString &detail) { return StoreError{detail}; }

QString sql(const char *text) { return QString::fromLatin1(text); }

QByteArray toJsonText(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

Expected<Ok, StoreError> checkMeetingId(const QJsonObject &meeting)
{
    if (!protocol::isCanonicalUuid(meeting.value(QStringLiteral("id")).toString()))
        return unexpected(error(QStringLiteral("the meeting's \"id\" must be a lowercase RFC 4122 UUID")));
    return Ok{};
}

// Files and addresses are compared in one form: lowercase.
std::optional<QString> normalisedAddress(const QString &address)
{
    auto parsed = crypto::Address::fromHex(address);
    if (!parsed)
        return std::nullopt;
    return parsed->toLowerHex();
}

} // namespace

const int MeetingFile::schemaVersion = static_cast<int>(std::size(migrations));

MeetingFile::MeetingFile(QSqlDatabase db, QString connectionName, QString path, bool readOnly)
    : m_db(std::move(db)), m_connectionName(std::move(connectionName)), m_path(std::move(path)), m_readOnly(readOnly)
{
}

MeetingFile::~MeetingFile()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Expected<std::unique_ptr<MeetingFile>, StoreError> MeetingFile::connect(const QString &path, bool readOnly)
{
    static QAtomicInt counter;
    const QString name = QStringLiteral("cmeet-store-%1").arg(counter.fetchAndAddRelaxed(1));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.setConnectOptions(readOnly ? QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000")
                                  : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        const QString detail = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return unexpected(error(QStringLiteral("cannot open %1: %2").arg(path, detail)));
    }
    std::unique_ptr<MeetingFile> file(new MeetingFile(db, name, path, readOnly));
    // Meeting files come from elsewhere (a download, another hospital's bundle): SQLite's advice
    // for untrusted database files ("Defense Against the Dark Arts"). Each b-tree cell's size is
    // checked as it is read, nothing in the file's schema (views, triggers) runs as trusted, and
    // no memory-mapped I/O. These set the connection and read nothing; quick_check comes next.
    for (const QString &pragma : {QStringLiteral("PRAGMA cell_size_check=ON"), QStringLiteral("PRAGMA trusted_schema=OFF"),
                                  QStringLiteral("PRAGMA mmap_size=0")}) {
        if (auto ok = file->run(pragma); !ok)
            return unexpected(error(QStringLiteral("cannot open %1: %2").arg(path, ok.error().detail)));
    }
    return file;
}

Expected<std::unique_ptr<MeetingFile>, StoreError> MeetingFile::create(const QString &path, const QJsonObject &meeting)
{
    if (auto ok = checkMeetingId(meeting); !ok)
        return unexpected(ok.error());
    {
        // NewOnly is O_EXCL: never take over a file that appeared meanwhile.
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
            return unexpected(error(QFileInfo::exists(path) ? QStringLiteral("%1 already exists").arg(path)
                                                            : QStringLiteral("cannot create %1: %2").arg(path, file.errorString())));
    }
    auto connected = connect(path, false);
    if (!connected) {
        QFile::remove(path);
        return unexpected(connected.error());
    }
    std::unique_ptr<MeetingFile> file = std::move(*connected);
    auto fail = [&](const QString &detail) -> Expected<std::unique_ptr<MeetingFile>, StoreError> {
        file->m_db.rollback();
        file.reset(); // closes the connection before the file goes
        QFile::remove(path);
        return unexpected(error(QStringLiteral("cannot create %1: %2").arg(path, detail)));
    };
    // DELETE: one self-contained file for auditors, no -wal beside it. FULL: a commit survives power loss.
    for (const QString &pragma : {QStringLiteral("PRAGMA journal_mode=DELETE"), QStringLiteral("PRAGMA synchronous=FULL")}) {
        if (auto ok = file->run(pragma); !ok)
            return fail(ok.error().detail);
    }
    // Schema and metadata in one transaction: a file either is a meeting file or is empty.
    if (!file->m_db.transaction())
        return fail(file->m_db.lastError().text());
    if (auto ok = file->migrate(0); !ok)
        return fail(ok.error().detail);
    if (auto ok = file->run(QStringLiteral("PRAGMA application_id = %1").arg(applicationId)); !ok)
        return fail(ok.error().detail);
    if (auto ok = file->run(QStringLiteral("INSERT INTO meta (key, value) VALUES ('meeting', ?)"),
                            {QString::fromUtf8(toJsonText(meeting))});
        !ok)
        return fail(ok.error().detail);
    if (!file->m_db.commit())
        return fail(file->m_db.lastError().text());
    file->m_meeting = meeting;
    return file;
}

Expected<std::unique_ptr<MeetingFile>, StoreError> MeetingFile::open(const QString &path, bool readOnly)
{
    // A writable SQLite connection would create a missing file: refuse first.
    if (!QFileInfo(path).isFile())
        return unexpected(error(QStringLiteral("%1: no such meeting file").arg(path)));
    auto connected = connect(path, readOnly);
    if (!connected)
        return unexpected(connected.error());
    std::unique_ptr<MeetingFile> file = std::move(*connected);
    if (auto ok = file->check(); !ok)
        return unexpected(StoreError{QStringLiteral("%1: %2").arg(path, ok.error().detail)});
    return file;
}

Expected<Ok, StoreError> MeetingFile::check()
{
    // The first read of the file: a file that is not SQLite fails here.
    auto appId = run(QStringLiteral("PRAGMA application_id"));
    if (!appId || !appId->next())
        return unexpected(error(QStringLiteral("not a c-meet meeting file, or a damaged one (%1)")
                                    .arg(appId ? appId->lastError().text() : appId.error().detail)));
    const int id = appId->value(0).toInt();
    appId = QSqlQuery(); // release the statement before anything writes

    // An audit bundle may have been damaged in transit (truncated download, bad disk):
    // check every page's structure before trusting any of it. Linear in the file size.
    auto integrity = run(QStringLiteral("PRAGMA quick_check"));
    if (!integrity)
        return unexpected(error(QStringLiteral("damaged file: %1").arg(integrity.error().detail)));
    if (!integrity->next() || integrity->value(0).toString() != QStringLiteral("ok"))
        return unexpected(error(QStringLiteral("damaged file: %1").arg(integrity->value(0).toString())));
    integrity = QSqlQuery();
    // SQLite zero-fills a partly missing last page, which quick_check cannot see. Without a WAL
    // the file is exactly page_count pages.
    auto pageSize = run(QStringLiteral("PRAGMA page_size"));
    auto pageCount = run(QStringLiteral("PRAGMA page_count"));
    if (!pageSize || !pageCount || !pageSize->next() || !pageCount->next()
        || pageSize->value(0).toLongLong() * pageCount->value(0).toLongLong() != QFileInfo(m_path).size())
        return unexpected(error(QStringLiteral("damaged file: its size is not a whole number of pages (truncated?)")));
    pageSize = QSqlQuery();
    pageCount = QSqlQuery();

    if (id != applicationId)
        return unexpected(error(QStringLiteral("not a c-meet meeting file (an empty or another kind of SQLite database)")));

    auto versionQuery = run(QStringLiteral("PRAGMA user_version"));
    if (!versionQuery || !versionQuery->next())
        return unexpected(error(QStringLiteral("cannot read the schema version")));
    const int version = versionQuery->value(0).toInt();
    versionQuery = QSqlQuery();
    if (version > schemaVersion)
        return unexpected(error(QStringLiteral("meeting file schema %1 is newer than this program (%2): update c-meet")
                                    .arg(version)
                                    .arg(schemaVersion)));
    if (version < 1)
        return unexpected(error(QStringLiteral("not a c-meet meeting file (no schema)")));

    if (!m_readOnly) {
        // Set per connection (and DELETE turns a copy left in WAL mode back into one file).
        for (const QString &pragma : {QStringLiteral("PRAGMA journal_mode=DELETE"), QStringLiteral("PRAGMA synchronous=FULL")}) {
            if (auto ok = run(pragma); !ok)
                return unexpected(ok.error());
        }
    }
    // An older file opened read-only (an auditor's download) is read as it is: what a later
    // schema added reads as empty.
    m_version = version;
    if (version < schemaVersion && !m_readOnly) {
        if (!m_db.transaction())
            return unexpected(error(m_db.lastError().text()));
        auto ok = migrate(version);
        if (!ok || !m_db.commit()) {
            const QString detail = ok ? m_db.lastError().text() : ok.error().detail;
            m_db.rollback();
            return unexpected(error(QStringLiteral("upgrade from schema %1 failed: %2").arg(version).arg(detail)));
        }
    }

    for (const Probe &probe : probes) {
        if (probe.since > m_version)
            continue;
        if (auto ok = run(sql(probe.sql)); !ok)
            return unexpected(error(QStringLiteral("damaged file, missing table or column: %1").arg(ok.error().detail)));
    }
    return loadMeeting();
}

// Applies the steps from version from on; the caller holds the transaction.
Expected<Ok, StoreError> MeetingFile::migrate(int from)
{
    for (int version = from; version < schemaVersion; ++version) {
        const QStringList statements = QString::fromUtf8(migrations[version]).split(QLatin1Char(';'), Qt::SkipEmptyParts);
        for (const QString &statement : statements) {
            if (statement.trimmed().isEmpty())
                continue;
            if (auto ok = run(statement); !ok)
                return unexpected(error(QStringLiteral("schema step %1: %2").arg(version + 1).arg(ok.error().detail)));
        }
        if (auto ok = run(QStringLiteral("PRAGMA user_version = %1").arg(version + 1)); !ok)
            return unexpected(ok.error());
        m_version = version + 1;
    }
    return Ok{};
}

Expected<Ok, StoreError> MeetingFile::loadMeeting()
{
    auto query = run(QStringLiteral("SELECT value FROM meta WHERE key = 'meeting'"));
    if (!query)
        return unexpected(query.error());
    if (!query->next())
        return unexpected(error(QStringLiteral("damaged file: no meeting metadata")));
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(query->value(0).toString().toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject() || !checkMeetingId(document.object()))
        return unexpected(error(QStringLiteral("damaged file: the meeting metadata is not a meeting")));
    m_meeting = document.object();
    return Ok{};
}

QString MeetingFile::meetingId() const { return m_meeting.value(QStringLiteral("id")).toString(); }

Expected<Ok, StoreError> MeetingFile::writable() const
{
    if (m_readOnly)
        return unexpected(error(QStringLiteral("%1 is open read-only").arg(m_path)));
    return Ok{};
}

Expected<Ok, StoreError> MeetingFile::setMeeting(const QJsonObject &meeting)
{
    if (auto ok = writable(); !ok)
        return ok;
    if (auto ok = checkMeetingId(meeting); !ok)
        return ok;
    // Every stored event is checked against the id: it is fixed for the file's lifetime.
    if (meeting.value(QStringLiteral("id")).toString() != meetingId())
        return unexpected(error(QStringLiteral("this file holds meeting %1: its id cannot change").arg(meetingId())));
    auto ok = run(QStringLiteral("UPDATE meta SET value = ? WHERE key = 'meeting'"), {QString::fromUtf8(toJsonText(meeting))});
    if (!ok)
        return unexpected(ok.error());
    m_meeting = meeting;
    return Ok{};
}

Expected<Ok, StoreError> MeetingFile::append(qint64 index, const QByteArray &wireBytes)
{
    return appendAll({qMakePair(index, wireBytes)});
}

Expected<Ok, StoreError> MeetingFile::appendLog(const QList<QByteArray> &log, qint64 from)
{
    QList<QPair<qint64, QByteArray>> entries;
    entries.reserve(log.size());
    for (qsizetype i = 0; i < log.size(); ++i)
        entries.append({from + i, log.at(i)});
    return appendAll(entries);
}

Expected<Ok, StoreError> MeetingFile::appendAll(const QList<QPair<qint64, QByteArray>> &entries)
{
    if (auto ok = writable(); !ok)
        return ok;
    if (entries.isEmpty())
        return Ok{};
    if (!m_db.transaction())
        return unexpected(error(QStringLiteral("cannot begin a transaction: %1").arg(m_db.lastError().text())));
    qint64 count = size();
    if (count < 0) {
        m_db.rollback();
        return unexpected(error(QStringLiteral("cannot read the event log")));
    }
    for (const auto &[index, bytes] : entries) {
        if (auto ok = appendOne(index, bytes, count); !ok) {
            m_db.rollback();
            return ok;
        }
    }
    if (!m_db.commit()) {
        const QString detail = m_db.lastError().text();
        m_db.rollback();
        return unexpected(error(QStringLiteral("cannot commit the events: %1").arg(detail)));
    }
    return Ok{};
}

// count: events in the log so far, including those added earlier in this transaction.
Expected<Ok, StoreError> MeetingFile::appendOne(qint64 index, const QByteArray &wireBytes, qint64 &count)
{
    if (index < 0)
        return unexpected(error(QStringLiteral("invalid log index %1").arg(index)));
    auto event = protocol::Event::fromWire(wireBytes);
    if (!event)
        return unexpected(error(QStringLiteral("the entry at index %1 is not a valid event: %2").arg(index).arg(event.error().detail)));
    if (event->meeting() != meetingId())
        return unexpected(error(QStringLiteral("the event at index %1 belongs to meeting %2, not to this file's meeting %3")
                                    .arg(index)
                                    .arg(event->meeting(), meetingId())));
    if (index < count) {
        auto existing = run(QStringLiteral("SELECT bytes FROM events WHERE position = ?"), {index});
        if (!existing)
            return unexpected(existing.error());
        if (!existing->next())
            return unexpected(error(QStringLiteral("damaged file: no event at index %1").arg(index)));
        // The same event received twice (broadcast and download) is fine.
        if (existing->value(0).toByteArray() == wireBytes)
            return Ok{};
        return unexpected(error(QStringLiteral("index %1 already holds a different event: the relay has served two "
                                               "histories of meeting %2 (stored event and received event %3 differ)")
                                    .arg(index)
                                    .arg(meetingId(), event->idHex())));
    }
    if (index > count)
        return unexpected(error(QStringLiteral("gap in the log: the entry has index %1 but the next index is %2").arg(index).arg(count)));
    auto duplicate = run(QStringLiteral("SELECT position FROM events WHERE id = ?"), {event->id()});
    if (!duplicate)
        return unexpected(duplicate.error());
    if (duplicate->next())
        return unexpected(error(QStringLiteral("event %1 at index %2 is already in the log at index %3")
                                    .arg(event->idHex())
                                    .arg(index)
                                    .arg(duplicate->value(0).toLongLong())));
    auto inserted = run(QStringLiteral("INSERT INTO events (position, id, type, bytes) VALUES (?, ?, ?, ?)"),
                        {index, event->id(), protocol::typeName(event->type()), wireBytes});
    if (!inserted)
        return unexpected(inserted.error());
    ++count;
    return Ok{};
}

qint64 MeetingFile::size() const
{
    // Positions are contiguous from 0, so the largest one tells the count without a scan.
    auto query = run(QStringLiteral("SELECT COALESCE(MAX(position) + 1, 0) FROM events"));
    return query && query->next() ? query->value(0).toLongLong() : -1;
}

Expected<QList<QByteArray>, StoreError> MeetingFile::events(qint64 from, qint64 count) const
{
    if (from < 0)
        return unexpected(error(QStringLiteral("invalid log index %1").arg(from)));
    auto query = run(QStringLiteral("SELECT position, bytes FROM events WHERE position >= ? ORDER BY position LIMIT ?"), {from, count});
    if (!query)
        return unexpected(query.error());
    QList<QByteArray> result;
    for (qint64 expected = from; query->next(); ++expected) {
        if (query->value(0).toLongLong() != expected)
            return unexpected(error(QStringLiteral("damaged file: the event log has a gap at index %1").arg(expected)));
        result.append(query->value(1).toByteArray());
    }
    return result;
}

Expected<Ok, StoreError> MeetingFile::putSealedKey(const QString &purpose, const QString &address, const QByteArray &sealedKeyFile)
{
    if (auto ok = writable(); !ok)
        return ok;
    if (purpose.isEmpty())
        return unexpected(error(QStringLiteral("a sealed key needs a purpose")));
    const auto normalised = normalisedAddress(address);
    if (!normalised)
        return unexpected(error(QStringLiteral("invalid key address %1").arg(protocol::quoted(address))));
    // The store cannot check the encryption without the passphrase, but it can refuse anything
    // that is not a key file for this address (a raw key, say).
    if (sealedKeyFile.size() > crypto::keystore::maxFileBytes)
        return unexpected(error(QStringLiteral("not a sealed key file (too large)")));
    const auto fileAddress = crypto::keystore::addressOf(sealedKeyFile);
    if (!fileAddress)
        return unexpected(error(QStringLiteral("not a sealed key file")));
    if (fileAddress->toLowerHex() != *normalised)
        return unexpected(error(QStringLiteral("the sealed key file is for %1, not %2").arg(fileAddress->toLowerHex(), *normalised)));
    auto ok = run(QStringLiteral("INSERT OR REPLACE INTO sealed_keys (purpose, address, key_file) VALUES (?, ?, ?)"),
                  {purpose, *normalised, sealedKeyFile});
    if (!ok)
        return unexpected(ok.error());
    return Ok{};
}

std::optional<QByteArray> MeetingFile::sealedKey(const QString &purpose, const QString &address) const
{
    const auto normalised = normalisedAddress(address);
    if (!normalised)
        return std::nullopt;
    auto query = run(QStringLiteral("SELECT key_file FROM sealed_keys WHERE purpose = ? AND address = ?"), {purpose, *normalised});
    if (!query || !query->next())
        return std::nullopt;
    return query->value(0).toByteArray();
}

Expected<Ok, StoreError> MeetingFile::putAnchor(const Anchor &anchor)
{
    if (auto ok = writable(); !ok)
        return ok;
    auto ok = run(QStringLiteral("INSERT INTO anchors (kind, tx_hash, block, data) VALUES (?, ?, ?, ?)"),
                  {anchor.kind, anchor.txHash, anchor.block, anchor.data});
    if (!ok)
        return unexpected(ok.error());
    return Ok{};
}

Expected<QList<Anchor>, StoreError> MeetingFile::anchors() const
{
    auto query = run(QStringLiteral("SELECT kind, tx_hash, block, data FROM anchors ORDER BY rowid"));
    if (!query)
        return unexpected(query.error());
    QList<Anchor> result;
    while (query->next())
        result.append(Anchor{query->value(0).toString(), query->value(1).toString(), query->value(2).toLongLong(),
                             query->value(3).toString()});
    return result;
}

Expected<Ok, StoreError> MeetingFile::putApproval(const Approval &approval)
{
    if (auto ok = writable(); !ok)
        return ok;
    if (approval.identity.isEmpty())
        return unexpected(error(QStringLiteral("an approval needs an identity")));
    auto ok = run(QStringLiteral("INSERT OR REPLACE INTO approvals (identity, signature, data) VALUES (?, ?, ?)"),
                  {approval.identity, approval.signature, approval.data});
    if (!ok)
        return unexpected(ok.error());
    return Ok{};
}

Expected<QList<Approval>, StoreError> MeetingFile::approvals() const
{
    auto query = run(QStringLiteral("SELECT identity, signature, data FROM approvals ORDER BY identity"));
    if (!query)
        return unexpected(query.error());
    QList<Approval> result;
    while (query->next())
        result.append(Approval{query->value(0).toString(), query->value(1).toString(), query->value(2).toString()});
    return result;
}

Expected<Ok, StoreError> MeetingFile::putImage(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes)
{
    if (auto ok = writable(); !ok)
        return ok;
    if (crypto::sha256(bytes) != sha256)
        return unexpected(error(QStringLiteral("the image's bytes do not hash to %1").arg(hex::encode(sha256))));
    auto ok = run(QStringLiteral("INSERT OR IGNORE INTO images (sha256, media_type, bytes) VALUES (?, ?, ?)"), {sha256, mediaType, bytes});
    if (!ok)
        return unexpected(ok.error());
    return Ok{};
}

Expected<std::optional<StoredImage>, StoreError> MeetingFile::image(const QByteArray &sha256) const
{
    if (m_version < 2)
        return std::optional<StoredImage>();
    auto query = run(QStringLiteral("SELECT media_type, bytes FROM images WHERE sha256 = ?"), {sha256});
    if (!query)
        return unexpected(query.error());
    if (!query->next())
        return std::optional<StoredImage>();
    return std::optional<StoredImage>(StoredImage{sha256, query->value(0).toString(), query->value(1).toByteArray()});
}

Expected<QList<QByteArray>, StoreError> MeetingFile::imageHashes() const
{
    QList<QByteArray> hashes;
    if (m_version < 2)
        return hashes;
    auto query = run(QStringLiteral("SELECT sha256 FROM images ORDER BY sha256"));
    if (!query)
        return unexpected(query.error());
    while (query->next())
        hashes.append(query->value(0).toByteArray());
    return hashes;
}

Expected<QSqlQuery, StoreError> MeetingFile::run(const QString &statement, const QVariantList &values) const
{
    auto query = execute(m_db, statement, values);
    if (!query)
        return unexpected(error(query.error()));
    return *query;
}

} // namespace cmeet::store
