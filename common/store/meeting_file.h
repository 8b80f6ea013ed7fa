#pragma once
// The client's replica of one meeting, which is also the audit bundle (DESIGN.md §6): a single
// SQLite file (.cmeet) with the exact event bytes in log order, the meeting's metadata, sealed
// keys, chain anchors and approvals. One connection per MeetingFile, used from one thread.

#include "base/expected.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

#include <memory>
#include <optional>

namespace cmeet::store {

struct StoreError {
    QString detail;
};

// A chain transaction that anchors the meeting (kind: e.g. "treeHead"); data is free-form JSON text.
struct Anchor {
    QString kind;
    QString txHash;
    qint64 block = 0;
    QString data;
};

// A participant's signed approval of the final record; one per identity.
struct Approval {
    QString identity;
    QString signature;
    QString data;
};

// An image shown in the meeting: the exact bytes an image event names by their SHA-256.
struct StoredImage {
    QByteArray sha256;
    QString mediaType;
    QByteArray bytes;
};

class MeetingFile {
public:
    // Current schema version (PRAGMA user_version); files from a newer build are refused.
    static const int schemaVersion;

    ~MeetingFile();
    MeetingFile(const MeetingFile &) = delete;
    MeetingFile &operator=(const MeetingFile &) = delete;

    // A new file; fails if path exists. meeting must have "id", a lowercase RFC 4122 UUID.
    [[nodiscard]] static Expected<std::unique_ptr<MeetingFile>, StoreError> create(const QString &path,
                                                                                   const QJsonObject &meeting);
    // An existing file; checks it is an intact meeting file of a schema we know.
    [[nodiscard]] static Expected<std::unique_ptr<MeetingFile>, StoreError> open(const QString &path, bool readOnly);

    [[nodiscard]] QString path() const { return m_path; }
    [[nodiscard]] bool isReadOnly() const { return m_readOnly; }
    [[nodiscard]] QJsonObject meeting() const { return m_meeting; }
    [[nodiscard]] QString meetingId() const;
    // Replaces the metadata; the meeting id cannot change.
    [[nodiscard]] Expected<Ok, StoreError> setMeeting(const QJsonObject &meeting);

    // Appends the event at log position index (must be size(), or an existing position holding
    // the identical bytes, which is a no-op). appendAll is all or nothing.
    [[nodiscard]] Expected<Ok, StoreError> append(qint64 index, const QByteArray &wireBytes);
    [[nodiscard]] Expected<Ok, StoreError> appendAll(const QList<QPair<qint64, QByteArray>> &entries);
    // A whole log (or its rest) from position from: appendAll at from, from + 1, ...
    [[nodiscard]] Expected<Ok, StoreError> appendLog(const QList<QByteArray> &log, qint64 from = 0);

    // Number of events; -1 if the file can no longer be read.
    [[nodiscard]] qint64 size() const;
    // Exact wire bytes from position from on, in log order; at most count of them (-1: all).
    [[nodiscard]] Expected<QList<QByteArray>, StoreError> events(qint64 from = 0, qint64 count = -1) const;

    // Key files already sealed by crypto::keystore::seal; the address must be the one in the file.
    [[nodiscard]] Expected<Ok, StoreError> putSealedKey(const QString &purpose, const QString &address,
                                                        const QByteArray &sealedKeyFile);
    [[nodiscard]] std::optional<QByteArray> sealedKey(const QString &purpose, const QString &address) const;

    [[nodiscard]] Expected<Ok, StoreError> putAnchor(const Anchor &anchor);
    [[nodiscard]] Expected<QList<Anchor>, StoreError> anchors() const; // in insertion order
    // Replaces an earlier approval by the same identity.
    [[nodiscard]] Expected<Ok, StoreError> putApproval(const Approval &approval);
    [[nodiscard]] Expected<QList<Approval>, StoreError> approvals() const; // by identity

    // Keeps an image's bytes (refused unless they hash to sha256); keeping them twice is a no-op.
    [[nodiscard]] Expected<Ok, StoreError> putImage(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes);
    // The image with these bytes, if the file holds it. Bytes are returned as stored: whoever
    // relies on them checks their hash (the file may have been changed since).
    [[nodiscard]] Expected<std::optional<StoredImage>, StoreError> image(const QByteArray &sha256) const;
    [[nodiscard]] Expected<QList<QByteArray>, StoreError> imageHashes() const;

private:
    MeetingFile(QSqlDatabase db, QString connectionName, QString path, bool readOnly);
    [[nodiscard]] static Expected<std::unique_ptr<MeetingFile>, StoreError> connect(const QString &path, bool readOnly);
    [[nodiscard]] Expected<Ok, StoreError> check();
    [[nodiscard]] Expected<Ok, StoreError> migrate(int from);
    [[nodiscard]] Expected<Ok, StoreError> loadMeeting();
    [[nodiscard]] Expected<Ok, StoreError> writable() const;
    [[nodiscard]] Expected<Ok, StoreError> appendOne(qint64 index, const QByteArray &wireBytes, qint64 &count);
    [[nodiscard]] Expected<QSqlQuery, StoreError> run(const QString &sql, const QVariantList &values = {}) const;

    QSqlDatabase m_db;
    QString m_connectionName;
    QString m_path;
    bool m_readOnly = false;
    int m_version = 0; // the file's schema (older than schemaVersion only when opened read-only)
    QJsonObject m_meeting;
};

} // namespace cmeet::store
