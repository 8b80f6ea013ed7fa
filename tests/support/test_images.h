#pragma once
// Image files of each kind a meeting shows, made as a hospital's would be: DICOM by DCMTK's own
// tools (dump2dcm, img2dcm, dcmodify, from the dcmtk package), PNG and JPEG by Qt. Values are
// known, so a test can check what a viewer renders.

#include <QByteArray>
#include <QString>

namespace cmeet::test {

// The raw pixel value of a monochrome test DICOM at (x, y) of a frame: 12 bits, so with the
// rescale of -1024 the value in Hounsfield units is raw - 1024.
[[nodiscard]] int testPixel(int x, int y, int frame);

class TestImages {
public:
    explicit TestImages(QString directory) : m_directory(std::move(directory)) {}

    // 64 x 64, 16 bits allocated (12 stored), MONOCHROME2, modality CT, rescale -1024, the
    // file's window 40/400, frames frames of testPixel(); patientName in its header if given.
    // Empty (with error()) if a tool failed.
    [[nodiscard]] QString monochrome16(int frames = 1, const QString &patientName = {});
    // A colour (RGB) DICOM made by img2dcm from a JPEG: red left half, blue right half.
    [[nodiscard]] QString colour();
    // A DICOM file cut short in its pixel data.
    [[nodiscard]] QString truncated();
    // A DICOM file whose pixel data is declared JPEG 2000 (which c-meet's decoders do not read).
    [[nodiscard]] QString unsupportedTransferSyntax();

    // PNG and JPEG pictures: left half red, right half blue.
    [[nodiscard]] static QByteArray png(int width = 120, int height = 80);
    [[nodiscard]] static QByteArray jpeg(int width = 120, int height = 80);

    [[nodiscard]] const QString &error() const { return m_error; }

private:
    [[nodiscard]] bool run(const QString &program, const QStringList &arguments);
    [[nodiscard]] QString path(const QString &name) const;

    QString m_directory;
    QString m_error;
    int m_made = 0;
};

} // namespace cmeet::test
