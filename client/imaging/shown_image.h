#pragma once
// An image shown in a meeting, decoded for display (DESIGN.md §10): DICOM through DCMTK
// (monochrome with its window/level, colour, multi-frame; JPEG, JPEG-LS and RLE compressed),
// PNG and JPEG through Qt. No widgets: the app's viewer and the meeting record's thumbnails both
// render through it. Decoding reads only pixels and the windows' numbers, never a patient
// identifier from the header.

#include "base/expected.h"

#include <QByteArray>
#include <QImage>
#include <QList>
#include <QString>
#include <memory>
#include <optional>

namespace cmeet::imaging {

// A VOI window on monochrome pixel values (after the modality's rescale).
struct Window {
    double center = 0;
    double width = 1;
    QString name; // "From the file", "Full range", "Lung"...
};

class ShownImage {
public:
    ~ShownImage();
    ShownImage(ShownImage &&) noexcept;
    ShownImage &operator=(ShownImage &&) noexcept;

    // Decodes the bytes of a file of mediaType. An error says plainly why it can't be shown
    // (a broken file, an unsupported transfer syntax, not an image).
    [[nodiscard]] static Expected<ShownImage, QString> decode(const QByteArray &bytes, const QString &mediaType);

    [[nodiscard]] QSize size() const;
    [[nodiscard]] int frames() const;
    // Monochrome DICOM: pixel values a window maps to grey levels.
    [[nodiscard]] bool hasWindow() const;
    // The file's own windows first, then the full range of the pixel values; CT images also get
    // the usual presets. Empty unless hasWindow().
    [[nodiscard]] const QList<Window> &presets() const;

    // One frame (0-based) as an 8-bit picture; window applies to monochrome DICOM only (default:
    // the first preset). A null QImage if the frame can't be rendered.
    [[nodiscard]] QImage render(int frame = 0, std::optional<Window> window = std::nullopt) const;

private:
    struct State;
    explicit ShownImage(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

} // namespace cmeet::imaging
