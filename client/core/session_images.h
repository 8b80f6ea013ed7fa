#pragma once
// The images shown in one open meeting, in the app (DESIGN.md §10): every image event's bytes
// are fetched from the relay as it arrives, checked against the event and kept in the meeting's
// replica; the host shares a file (uploaded in chunks, then its image event). Never waits: each
// chunk is one request, hashing and file work run off the UI thread.

#include "client/core/meeting_session.h"

#include <QHash>
#include <QObject>

namespace cmeet::client {

class SessionImages : public QObject {
    Q_OBJECT

public:
    enum class State {
        Fetching, // on its way from the relay (or waiting for the connection)
        Held,     // in the replica, checked against its event
        Failed,   // the relay's bytes did not match, or could not be kept (problem())
    };

    struct Image {
        protocol::Event event; // the image event
        qint64 index = 0;      // its log position
        State state = State::Fetching;
        QString problem;
        qint64 received = 0; // bytes fetched so far
    };

    explicit SessionImages(MeetingSession &session, QObject *parent = nullptr);

    // Every image shown so far, in log order.
    [[nodiscard]] const QList<Image> &images() const { return m_images; }
    [[nodiscard]] const Image *find(const QByteArray &sha256) const;

    // Host: shares the file at path while patient is discussed (the latest discussion of that
    // patient): reads and hashes it, uploads it, then records its image event. shareProgress
    // while it goes; the session's accepted()/rejected() for the event, shareFailed() before it.
    void share(const QString &path, const QString &patient, const QString &caption);
    [[nodiscard]] bool isSharing() const { return m_sharing; }

    // The bytes of a held image, read from the replica: loaded().
    void load(const QByteArray &sha256) { m_session.readImage(sha256); }

    static constexpr qint64 chunkBytes = 1024 * 1024;

Q_SIGNALS:
    void added(int row);   // a new image event
    void changed(int row); // its state or progress
    void loaded(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes);
    void shareProgress(qint64 sent, qint64 total);
    void shareFailed(const QString &reason);

private:
    struct Download {
        QByteArray bytes;
        QString mediaType;
    };
    struct Upload {
        QByteArray bytes;
        QString mediaType;
        QString sha256;
        QString patient;
        QString caption;
        qint64 id = 0;
        qint64 sent = 0;
    };

    void onEntries(const QList<TimelineEntry> &entries);
    void fetchNext();
    void requestChunk(const QByteArray &sha256);
    [[nodiscard]] int rowOf(const QByteArray &sha256) const;
    void setState(const QByteArray &sha256, State state, const QString &problem = {});
    void startUpload(Upload upload);
    void sendChunk();
    void finishShare(const std::optional<QString> &failure);

    MeetingSession &m_session;
    QList<Image> m_images;
    QSet<QByteArray> m_held;
    std::optional<QByteArray> m_fetching; // one download at a time, in log order
    Download m_download;
    std::optional<Upload> m_upload;
    bool m_sharing = false;
};

} // namespace cmeet::client
