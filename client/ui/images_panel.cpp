#include "client/ui/images_panel.h"

#include "client/imaging/shown_image.h"
#include "client/models/directory_model.h"
#include "protocol/image_media.h"
#include "client/ui/image_viewer.h"
#include "client/ui/user_prompts.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QThreadPool>
#include <QVBoxLayout>

namespace cmeet::client {

namespace {

constexpr int shaRole = Qt::UserRole + 1;

} // namespace

ImagesPanel::ImagesPanel(SessionImages &images, const DirectoryModel &patients, UserPrompts &prompts, std::function<QString()> discussedPatient,
                         QWidget *parent)
    : QWidget(parent), m_images(images), m_patients(patients), m_prompts(prompts), m_discussedPatient(std::move(discussedPatient)),
      m_list(new QListWidget(this)), m_viewer(new ImageViewer(this)), m_hostControls(new QWidget(this)), m_caption(new QLineEdit(m_hostControls)),
      m_share(new QPushButton(tr("&Show an image…"), m_hostControls)), m_shareState(new QLabel(this))
{
    m_list->setObjectName(QStringLiteral("imagesList"));
    m_list->setMaximumHeight(120);
    m_viewer->setObjectName(QStringLiteral("imageViewer"));
    m_caption->setObjectName(QStringLiteral("imageCaption"));
    m_caption->setPlaceholderText(tr("Caption, e.g. CT abdomen, axial (no patient identifiers)"));
    m_caption->setMaxLength(500);
    m_share->setObjectName(QStringLiteral("shareImageButton"));
    m_share->setToolTip(tr("Show a DICOM, PNG or JPEG file of the patient under discussion to everyone (or drop the file on the room)"));
    m_shareState->setObjectName(QStringLiteral("shareState"));
    m_shareState->setWordWrap(true);
    m_shareState->hide();

    auto *hostLayout = new QHBoxLayout(m_hostControls);
    hostLayout->setContentsMargins(0, 0, 0, 0);
    hostLayout->addWidget(m_caption, 1);
    hostLayout->addWidget(m_share);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_hostControls);
    layout->addWidget(m_shareState);
    layout->addWidget(m_list);
    layout->addWidget(m_viewer, 1);

    connect(m_share, &QPushButton::clicked, this, [this] {
        const QString path = m_prompts.openFile(this, tr("Show an image"), tr("Images (*.dcm *.dicom *.png *.jpg *.jpeg);;All files (*)"));
        if (!path.isEmpty())
            share(path);
    });
    connect(&m_images, &SessionImages::added, this, &ImagesPanel::addRow);
    connect(&m_images, &SessionImages::changed, this, &ImagesPanel::updateRow);
    connect(&m_images, &SessionImages::loaded, this, &ImagesPanel::onLoaded);
    connect(&m_images, &SessionImages::shareProgress, this, [this](qint64 sent, qint64 total) {
        m_shareState->setText(tr("Sending the image: %1 of %2 KiB…").arg(sent / 1024).arg(total / 1024));
    });
    connect(&m_images, &SessionImages::shareFailed, this, [this](const QString &reason) {
        m_shareState->hide();
        m_share->setEnabled(true);
        Q_EMIT said(tr("The image was not shown: %1").arg(reason), true);
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &ImagesPanel::showSelected);
    for (int row = 0; row < m_images.images().size(); ++row)
        addRow(row);
}

void ImagesPanel::setHost(bool host, bool canShare)
{
    m_hostControls->setVisible(host);
    m_share->setEnabled(canShare && !m_images.isSharing());
    if (!m_images.isSharing())
        m_shareState->hide();
    m_dropAllowed = host && canShare;
}

void ImagesPanel::share(const QString &path)
{
    const QString patient = m_discussedPatient();
    if (patient.isEmpty()) {
        Q_EMIT said(tr("Discuss a patient first: an image is shown while its patient is discussed."), true);
        return;
    }
    m_share->setEnabled(false);
    m_shareState->setText(tr("Reading the file…"));
    m_shareState->show();
    m_images.share(path, patient, m_caption->text());
}

QString ImagesPanel::describe(const SessionImages::Image &image) const
{
    const QJsonObject &content = image.event.content();
    const QString caption = content.value(QStringLiteral("caption")).toString();
    const QString what = QStringLiteral("%1 · %2%3")
                             .arg(QDateTime::fromMSecsSinceEpoch(image.event.ts()).toString(QStringLiteral("HH:mm")),
                                  m_patients.nameOf(content.value(QStringLiteral("patient")).toString()),
                                  caption.isEmpty() ? QString() : QStringLiteral(": ") + caption);
    switch (image.state) {
    case SessionImages::State::Held:
        return what;
    case SessionImages::State::Fetching:
        return tr("%1 (receiving, %2 of %3 KiB)").arg(what).arg(image.received / 1024).arg(content.value(QStringLiteral("size")).toInteger() / 1024);
    case SessionImages::State::Failed:
        return tr("%1 (NOT RECEIVED: %2)").arg(what, image.problem);
    }
    return what;
}

void ImagesPanel::addRow(int row)
{
    const SessionImages::Image &image = m_images.images().at(row);
    auto *item = new QListWidgetItem(describe(image), m_list);
    item->setData(shaRole, protocol::imageSha256(image.event));
    // The newest image is the one the room is looking at.
    m_list->setCurrentRow(row);
}

void ImagesPanel::updateRow(int row)
{
    if (QListWidgetItem *item = m_list->item(row)) {
        const SessionImages::Image &image = m_images.images().at(row);
        item->setText(describe(image));
        item->setForeground(image.state == SessionImages::State::Failed ? QColor(0x7a, 0x1f, 0x16) : palette().text().color());
        if (row == m_list->currentRow() && image.state == SessionImages::State::Held && m_shown != item->data(shaRole).toByteArray())
            showSelected();
        else if (row == m_list->currentRow() && image.state == SessionImages::State::Failed)
            m_viewer->showMessage(tr("This image was not received: %1").arg(image.problem));
    }
}

void ImagesPanel::showSelected()
{
    const int row = m_list->currentRow();
    if (row < 0 || row >= m_images.images().size())
        return;
    const SessionImages::Image &image = m_images.images().at(row);
    const QByteArray sha256 = protocol::imageSha256(image.event);
    if (image.state == SessionImages::State::Failed) {
        m_viewer->showMessage(tr("This image was not received: %1").arg(image.problem));
        return;
    }
    if (image.state == SessionImages::State::Fetching) {
        m_viewer->showMessage(tr("Receiving the image…"));
        return;
    }
    m_loading = sha256;
    m_viewer->showMessage(tr("Opening the image…"));
    m_images.load(sha256);
}

void ImagesPanel::onLoaded(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes)
{
    if (sha256 != m_loading)
        return;
    if (bytes.isEmpty()) {
        m_viewer->showMessage(tr("The image is not in this computer's copy of the meeting."));
        return;
    }
    const int row = m_list->currentRow();
    const QString title = row >= 0 ? m_list->item(row)->text() : QString();
    // Decoding a DICOM series takes a while: on the pool, then shown here.
    QPointer<ImagesPanel> self(this);
    QThreadPool::globalInstance()->start([self, sha256, mediaType, bytes, title] {
        auto decoded = imaging::ShownImage::decode(bytes, mediaType);
        std::shared_ptr<imaging::ShownImage> image = decoded ? std::make_shared<imaging::ShownImage>(std::move(*decoded)) : nullptr;
        const QString problem = decoded ? QString() : decoded.error();
        QMetaObject::invokeMethod(self, [self, sha256, image, problem, title] {
            if (!self || self->m_loading != sha256)
                return;
            self->m_loading.clear();
            self->m_shown = sha256;
            if (!image)
                self->m_viewer->showMessage(tr("This image is on the record but can't be shown here: %1").arg(problem));
            else
                self->m_viewer->setImage(image, title);
        });
    });
}

} // namespace cmeet::client
