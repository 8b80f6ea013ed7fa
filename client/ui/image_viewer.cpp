#include "client/ui/image_viewer.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace cmeet::client {

// The picture itself: fit or zoomed, dragged to pan (left button) or to change the window
// (right button, reported to the viewer).
class ImageCanvas : public QWidget {
public:
    explicit ImageCanvas(QWidget *parent) : QWidget(parent)
    {
        setObjectName(QStringLiteral("imageCanvas"));
        setMinimumSize(200, 200);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }

    std::function<void(QPoint delta)> windowDragged;

    void setPicture(const QImage &picture, bool keepView)
    {
        m_picture = picture;
        if (!keepView)
            fit();
        update();
    }
    [[nodiscard]] const QImage &picture() const { return m_picture; }
    [[nodiscard]] double zoom() const { return m_fit ? fitScale() : m_zoom; }

    void fit()
    {
        m_fit = true;
        m_offset = {};
        update();
    }
    void zoomBy(double factor)
    {
        m_zoom = std::clamp(zoom() * factor, 0.05, 32.0);
        m_fit = false;
        update();
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        painter.fillRect(rect(), Qt::black);
        if (m_picture.isNull())
            return;
        const double scale = zoom();
        const QSizeF size(m_picture.width() * scale, m_picture.height() * scale);
        const QPointF topLeft = QPointF((width() - size.width()) / 2, (height() - size.height()) / 2) + m_offset;
        painter.setRenderHint(QPainter::SmoothPixmapTransform, scale < 1.0);
        painter.drawImage(QRectF(topLeft, size), m_picture);
    }
    void wheelEvent(QWheelEvent *event) override { zoomBy(event->angleDelta().y() > 0 ? 1.25 : 0.8); }
    void mousePressEvent(QMouseEvent *event) override { m_last = event->position().toPoint(); }
    void mouseMoveEvent(QMouseEvent *event) override
    {
        const QPoint delta = event->position().toPoint() - m_last;
        m_last = event->position().toPoint();
        if (event->buttons() & Qt::RightButton) {
            if (windowDragged)
                windowDragged(delta);
        } else if (event->buttons() & Qt::LeftButton) {
            if (m_fit) {
                m_zoom = fitScale();
                m_fit = false;
            }
            m_offset += delta;
            update();
        }
    }
    void mouseDoubleClickEvent(QMouseEvent *) override { fit(); }

private:
    [[nodiscard]] double fitScale() const
    {
        if (m_picture.isNull())
            return 1.0;
        return std::min(width() / double(m_picture.width()), height() / double(m_picture.height()));
    }

    QImage m_picture;
    bool m_fit = true;
    double m_zoom = 1.0;
    QPointF m_offset;
    QPoint m_last;
};

namespace {

QToolButton *toolButton(const QString &text, const QString &tip, const QString &name, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setText(text);
    button->setToolTip(tip);
    button->setObjectName(name);
    return button;
}

} // namespace

ImageViewer::ImageViewer(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(this)), m_message(new QLabel(this)), m_canvas(new ImageCanvas(this)), m_presets(new QComboBox(this)),
      m_frames(new QSlider(Qt::Horizontal, this)), m_frameLabel(new QLabel(this)), m_windowLabel(new QLabel(this)),
      m_fit(toolButton(tr("Fit"), tr("Fit the image to the window (or double-click it)"), QStringLiteral("fitButton"), this)),
      m_zoomIn(toolButton(tr("+"), tr("Zoom in (or turn the mouse wheel)"), QStringLiteral("zoomInButton"), this)),
      m_zoomOut(toolButton(tr("−"), tr("Zoom out"), QStringLiteral("zoomOutButton"), this))
{
    m_title->setObjectName(QStringLiteral("imageTitle"));
    m_title->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("imageMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_presets->setObjectName(QStringLiteral("windowPresets"));
    m_presets->setToolTip(tr("Window (level and width): the file's own, or a preset. Drag with the right mouse button to adjust."));
    m_frames->setObjectName(QStringLiteral("frameSlider"));
    m_frameLabel->setObjectName(QStringLiteral("frameLabel"));
    m_windowLabel->setObjectName(QStringLiteral("windowLabel"));

    auto *tools = new QHBoxLayout;
    tools->addWidget(m_fit);
    tools->addWidget(m_zoomOut);
    tools->addWidget(m_zoomIn);
    tools->addSpacing(12);
    tools->addWidget(m_presets, 1);
    tools->addWidget(m_windowLabel);
    auto *frames = new QHBoxLayout;
    frames->addWidget(m_frames, 1);
    frames->addWidget(m_frameLabel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addLayout(tools);
    layout->addWidget(m_canvas, 1);
    layout->addWidget(m_message, 1);
    layout->addLayout(frames);

    connect(m_fit, &QToolButton::clicked, m_canvas, &ImageCanvas::fit);
    connect(m_zoomIn, &QToolButton::clicked, this, [this] { m_canvas->zoomBy(1.25); });
    connect(m_zoomOut, &QToolButton::clicked, this, [this] { m_canvas->zoomBy(0.8); });
    connect(m_presets, &QComboBox::activated, this, [this](int index) {
        if (!m_image || index < 0 || index >= m_image->presets().size())
            return;
        m_window = m_image->presets().at(index);
        render();
    });
    connect(m_frames, &QSlider::valueChanged, this, [this](int frame) {
        m_frame = frame;
        render();
    });
    m_canvas->windowDragged = [this](QPoint delta) { onWindowDragged(delta); };
    showMessage(tr("Choose an image in the list."));
}

void ImageViewer::setImage(std::shared_ptr<imaging::ShownImage> image, const QString &title)
{
    m_image = std::move(image);
    m_title->setText(title);
    m_frame = 0;
    m_window = m_image->hasWindow() && !m_image->presets().isEmpty() ? std::optional(m_image->presets().constFirst()) : std::nullopt;
    m_presets->clear();
    for (const imaging::Window &preset : m_image->presets())
        m_presets->addItem(tr("%1 (level %2, width %3)").arg(preset.name).arg(preset.center).arg(preset.width));
    m_presets->setVisible(m_image->hasWindow());
    m_windowLabel->setVisible(m_image->hasWindow());
    {
        const QSignalBlocker blocker(m_frames);
        m_frames->setRange(0, m_image->frames() - 1);
        m_frames->setValue(0);
    }
    m_frames->setVisible(m_image->frames() > 1);
    m_frameLabel->setVisible(m_image->frames() > 1);
    m_message->hide();
    m_canvas->show();
    for (QWidget *tool : {static_cast<QWidget *>(m_fit), static_cast<QWidget *>(m_zoomIn), static_cast<QWidget *>(m_zoomOut)})
        tool->setEnabled(true);
    m_canvas->setPicture({}, false);
    render();
}

void ImageViewer::showMessage(const QString &text)
{
    m_image.reset();
    m_message->setText(text);
    m_message->show();
    m_canvas->hide();
    m_presets->hide();
    m_windowLabel->hide();
    m_frames->hide();
    m_frameLabel->hide();
    for (QWidget *tool : {static_cast<QWidget *>(m_fit), static_cast<QWidget *>(m_zoomIn), static_cast<QWidget *>(m_zoomOut)})
        tool->setEnabled(false);
}

QImage ImageViewer::shownFrame() const { return m_image ? m_canvas->picture() : QImage(); }

double ImageViewer::zoom() const { return m_canvas->zoom(); }

void ImageViewer::render()
{
    if (!m_image)
        return;
    const bool first = m_canvas->picture().isNull();
    m_canvas->setPicture(m_image->render(m_frame, m_window), !first);
    m_frameLabel->setText(tr("Frame %1 of %2").arg(m_frame + 1).arg(m_image->frames()));
    if (m_window)
        m_windowLabel->setText(tr("L %1 W %2").arg(qRound(m_window->center)).arg(qRound(m_window->width)));
}

void ImageViewer::onWindowDragged(QPoint delta)
{
    if (!m_image || !m_image->hasWindow() || !m_window)
        return;
    // A pixel of drag moves the width and level by a fraction of the current width: fine near a
    // narrow window, quick across a wide one.
    const double step = std::max(1.0, m_window->width / 200.0);
    m_window->width = std::max(1.0, m_window->width + delta.x() * step);
    m_window->center += delta.y() * step;
    m_window->name = tr("Adjusted");
    render();
}

} // namespace cmeet::client
