#pragma once
// Shows one image of the meeting (client/imaging): fit to the window or zoom (wheel, buttons),
// pan by dragging, and for monochrome DICOM the window: the file's own and the presets, or
// drag with the right mouse button (left/right: width, up/down: level); a frame slider for a
// multi-frame series. A file that can't be shown says why instead.

#include "client/imaging/shown_image.h"

#include <QWidget>
#include <memory>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace cmeet::client {

class ImageCanvas;

class ImageViewer : public QWidget {
    Q_OBJECT

public:
    explicit ImageViewer(QWidget *parent = nullptr);

    void setImage(std::shared_ptr<imaging::ShownImage> image, const QString &title);
    // No image: this text in its place ("Loading…", or why it can't be shown).
    void showMessage(const QString &text);

    // What is on screen now (for tests): the rendered frame, the window, the zoom.
    [[nodiscard]] QImage shownFrame() const;
    [[nodiscard]] std::optional<imaging::Window> window() const { return m_window; }
    [[nodiscard]] double zoom() const;

private:
    void render();
    void onWindowDragged(QPoint delta);

    std::shared_ptr<imaging::ShownImage> m_image;
    std::optional<imaging::Window> m_window;
    int m_frame = 0;
    QLabel *m_title;
    QLabel *m_message;
    ImageCanvas *m_canvas;
    QComboBox *m_presets;
    QSlider *m_frames;
    QLabel *m_frameLabel;
    QLabel *m_windowLabel;
    QToolButton *m_fit;
    QToolButton *m_zoomIn;
    QToolButton *m_zoomOut;
};

} // namespace cmeet::client
