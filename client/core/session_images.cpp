#include "client/core/session_images.h"

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "protocol/image_media.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QThreadPool>

Q_LOGGING_CATEGORY(lcSessionImages, "cmeet.client.session.images", QtInfoMsg)

namespace cmeet::client {

using protocol::EventType;

namespace {

// The largest file the app reads to share; the relay's own limit (64 MiB by default) applies too.
constexpr qint64 maxShareBytes = 1024LL * 1024 * 1024;

} // namespace

SessionImages::SessionImages(MeetingSession &session, QObject *parent) : QObject(parent), m_session(session)
{
    connect(&m_session, &MeetingSession::imagesHeld, this, [this](const QList<QByteArray> &held) {
        for (const QByteArray &sha256 : held) {
            m_held.insert(sha256);
            if (rowOf(sha256) >= 0)
                setState(sha256, State::Held);
        }
        fetchNext();
    });
    connect(&m_session, &MeetingSession::imageKept, this, [this](const QByteArray &sha256) {
        m_held.insert(sha256);
        setState(sha256, State::Held);
        if (m_fetching == sha256)
            m_fetching.reset();
        fetchNext();
    });
    connect(&m_session, &MeetingSession::imageNotKept, this, [this](const QByteArray &sha256, const QString &reason) {
        qCWarning(lcSessionImages) << "image" << hex::encode(sha256) << "not kept:" << reason;
        setState(sha256, State::Failed, reason);
        if (m_fetching == sha256)
            m_fetching.reset();
        fetchNext();
    });
    connect(&m_session, &MeetingSession::imageRead, this, &SessionImages::loaded);
    connect(&m_session, &MeetingSession::phaseChanged, this, &SessionImages::fetchNext);
    connect(&m_session, &MeetingSession::rejected, this, [this](EventType type) {
        if (type == EventType::Image)
            m_upload.reset(); // the bytes shared are not on the record: nothing to keep
    });
    m_session.deliverEntries(this, [this](const QList<TimelineEntry> &entries) { onEntries(entries); });
}

const SessionImages::Image *SessionImages::find(const QByteArray &sha256) const
{
    const int row = rowOf(sha256);
    return row >= 0 ? &m_images.at(row) : nullptr;
}

int SessionImages::rowOf(const QByteArray &sha256) const
{
    for (int row = 0; row < m_images.size(); ++row)
        if (protocol::imageSha256(m_images.at(row).event) == sha256)
            return row;
    return -1;
}

void SessionImages::setState(const QByteArray &sha256, State state, const QString &problem)
{
    for (int row = 0; row < m_images.size(); ++row) {
        Image &image = m_images[row];
        if (protocol::imageSha256(image.event) != sha256)
            continue;
        image.state = state;
        image.problem = problem;
        Q_EMIT changed(row);
    }
}

void SessionImages::onEntries(const QList<TimelineEntry> &entries)
{
    for (const TimelineEntry &entry : entries) {
        if (!entry.event || entry.event->type() != EventType::Image)
            continue;
        const QByteArray sha256 = protocol::imageSha256(*entry.event);
        Image image{*entry.event, entry.index, m_held.contains(sha256) ? State::Held : State::Fetching, {}, 0};
        if (image.state == State::Fetching && m_upload && m_upload->sha256 == hex::encode(sha256)) {
            // The host's own file: kept from the bytes shared, not downloaded again.
            m_session.keepImage(image.event, m_upload->mediaType, m_upload->bytes);
            m_upload.reset();
        }
        m_images.append(image);
        Q_EMIT added(static_cast<int>(m_images.size()) - 1);
    }
    fetchNext();
}

void SessionImages::fetchNext()
{
    if (m_fetching || m_session.phase() == MeetingSession::Phase::Loading || m_session.link().state() != RelayLink::State::Online)
        return;
    for (const Image &image : std::as_const(m_images)) {
        const QByteArray sha256 = protocol::imageSha256(image.event);
        if (image.state != State::Fetching || (m_upload && m_upload->sha256 == hex::encode(sha256)))
            continue;
        m_fetching = sha256;
        m_download = {};
        requestChunk(sha256);
        return;
    }
}

void SessionImages::requestChunk(const QByteArray &sha256)
{
    const QJsonObject params{{QStringLiteral("meeting"), m_session.meetingId()},
                             {QStringLiteral("sha256"), hex::encode(sha256)},
                             {QStringLiteral("offset"), m_download.bytes.size()}};
    m_session.link().request(QStringLiteral("image.get"), params, this, [this, sha256](const auto &result) {
        if (m_fetching != sha256)
            return;
        const int row = rowOf(sha256);
        if (!result) {
            m_fetching.reset();
            if (result.error().code == protocol::ErrorCode::InternalError)
                return; // the connection went: fetched again once it is back
            setState(sha256, State::Failed, tr("the relay does not give this image: %1").arg(result.error().detail));
            fetchNext();
            return;
        }
        const QJsonObject answer = result->toObject();
        const auto data = base64::decode(answer.value(QStringLiteral("data")).toString().toLatin1());
        const qint64 size = m_images.at(row).event.content().value(QStringLiteral("size")).toInteger();
        if (!data || data->isEmpty() || answer.value(QStringLiteral("offset")).toInteger() != m_download.bytes.size()
            || m_download.bytes.size() + data->size() > size) {
            m_fetching.reset();
            setState(sha256, State::Failed, tr("the relay's answer is not the next part of the image"));
            fetchNext();
            return;
        }
        m_download.bytes += *data;
        m_download.mediaType = answer.value(QStringLiteral("mediaType")).toString();
        m_images[row].received = m_download.bytes.size();
        Q_EMIT changed(row);
        if (m_download.bytes.size() < size) {
            requestChunk(sha256);
            return;
        }
        // Checked and kept on the replica's thread; imageKept or imageNotKept goes on from there.
        m_session.keepImage(m_images.at(row).event, m_download.mediaType, m_download.bytes);
        m_download = {};
    });
}

void SessionImages::share(const QString &path, const QString &patient, const QString &caption)
{
    if (m_sharing) {
        Q_EMIT shareFailed(tr("an image is being shared already: wait until it is shown"));
        return;
    }
    bool discussed = false;
    for (const TimelineEntry &entry : m_session.entries())
        discussed = discussed
            || (entry.event && entry.event->type() == EventType::Discussion && entry.event->content().value(QStringLiteral("patient")).toString() == patient);
    if (!discussed) {
        Q_EMIT shareFailed(tr("discuss the patient first: an image is shown while its patient is discussed"));
        return;
    }
    m_sharing = true;
    // Reading and hashing a large series takes a while: on the pool, then back here.
    QPointer<SessionImages> self(this);
    QThreadPool::globalInstance()->start([self, path, patient, caption] {
        Upload upload{{}, {}, {}, patient, caption, 0, 0};
        QString failure;
        QFile file(path);
        if (QFileInfo(path).size() > maxShareBytes)
            failure = tr("the file is larger than 1 GiB");
        else if (!file.open(QIODevice::ReadOnly))
            failure = tr("cannot read %1: %2").arg(path, file.errorString());
        else
            upload.bytes = file.readAll();
        const auto mediaType = protocol::sniffImageMediaType(QByteArrayView(upload.bytes).first(std::min(upload.bytes.size(), protocol::imageSniffBytes)));
        if (failure.isEmpty() && !mediaType)
            failure = tr("%1 is not a DICOM, PNG or JPEG file").arg(QFileInfo(path).fileName());
        upload.mediaType = mediaType.value_or(QString());
        upload.sha256 = hex::encode(crypto::sha256(upload.bytes));
        QMetaObject::invokeMethod(self, [self, upload = std::move(upload), failure] {
            if (!self)
                return;
            if (!failure.isEmpty())
                self->finishShare(failure);
            else
                self->startUpload(upload);
        });
    });
}

void SessionImages::startUpload(Upload upload)
{
    m_upload = std::move(upload);
    const QJsonObject params{{QStringLiteral("meeting"), m_session.meetingId()},
                             {QStringLiteral("sha256"), m_upload->sha256},
                             {QStringLiteral("size"), m_upload->bytes.size()},
                             {QStringLiteral("mediaType"), m_upload->mediaType}};
    m_session.link().request(QStringLiteral("image.begin"), params, this, [this](const auto &result) {
        if (!m_upload)
            return;
        if (!result)
            return finishShare(result.error().detail);
        const QJsonObject answer = result->toObject();
        if (answer.value(QStringLiteral("stored")).toBool())
            return finishShare(std::nullopt);
        m_upload->id = answer.value(QStringLiteral("upload")).toInteger();
        sendChunk();
    });
}

void SessionImages::sendChunk()
{
    const qint64 total = m_upload->bytes.size();
    if (m_upload->sent == total) {
        m_session.link().request(QStringLiteral("image.finish"), {{QStringLiteral("upload"), m_upload->id}}, this, [this](const auto &result) {
            if (m_upload)
                finishShare(result ? std::nullopt : std::optional<QString>(result.error().detail));
        });
        return;
    }
    const QByteArray chunk = m_upload->bytes.mid(m_upload->sent, chunkBytes);
    const QJsonObject params{{QStringLiteral("upload"), m_upload->id},
                             {QStringLiteral("offset"), m_upload->sent},
                             {QStringLiteral("data"), QString::fromLatin1(chunk.toBase64())}};
    m_session.link().request(QStringLiteral("image.chunk"), params, this, [this, sent = chunk.size()](const auto &result) {
        if (!m_upload)
            return;
        if (!result)
            return finishShare(result.error().detail);
        m_upload->sent += sent;
        Q_EMIT shareProgress(m_upload->sent, m_upload->bytes.size());
        sendChunk();
    });
}

void SessionImages::finishShare(const std::optional<QString> &failure)
{
    m_sharing = false;
    if (failure) {
        m_upload.reset();
        qCInfo(lcSessionImages) << "sharing an image failed:" << *failure;
        Q_EMIT shareFailed(*failure);
        return;
    }
    // The bytes are on the relay: the image event names them, under the patient's latest discussion.
    QByteArray discussion;
    for (const TimelineEntry &entry : m_session.entries())
        if (entry.event && entry.event->type() == EventType::Discussion
            && entry.event->content().value(QStringLiteral("patient")).toString() == m_upload->patient)
            discussion = entry.event->id();
    QJsonObject content{{QStringLiteral("patient"), m_upload->patient},
                        {QStringLiteral("sha256"), m_upload->sha256},
                        {QStringLiteral("size"), m_upload->bytes.size()},
                        {QStringLiteral("mediaType"), m_upload->mediaType}};
    if (!m_upload->caption.trimmed().isEmpty())
        content.insert(QStringLiteral("caption"), m_upload->caption.trimmed().left(500));
    m_session.post(EventType::Image, content, discussion);
}

} // namespace cmeet::client
