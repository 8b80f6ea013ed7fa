#include "client/imaging/shown_image.h"

#include "protocol/image_media.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QImageReader>
#include <QLoggingCategory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <mutex>

Q_LOGGING_CATEGORY(lcImaging, "cmeet.imaging", QtInfoMsg)

namespace cmeet::imaging {
namespace {

// DCMTK's decoders are registered once per process; its own logging stays quiet (it would
// print to stderr, and a header's contents must not reach a log).
void registerDecoders()
{
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

// Pixel data of a frame, as DCMTK renders it at 8 bits, into a QImage that owns its copy.
QImage toQImage(const DicomImage &image, const void *pixels)
{
    const int width = static_cast<int>(image.getWidth());
    const int height = static_cast<int>(image.getHeight());
    const bool grey = image.isMonochrome() != 0;
    const int bytesPerLine = width * (grey ? 1 : 3);
    const QImage view(static_cast<const uchar *>(pixels), width, height, bytesPerLine, grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    return view.copy();
}

} // namespace

struct ShownImage::State {
    // DICOM: the parsed file (DicomImage reads from it) and its image.
    std::unique_ptr<DcmFileFormat> file;
    std::unique_ptr<DicomImage> dicom;
    // PNG and JPEG.
    QImage picture;
    QList<Window> presets;
};

ShownImage::ShownImage(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ShownImage::~ShownImage() = default;
ShownImage::ShownImage(ShownImage &&) noexcept = default;
ShownImage &ShownImage::operator=(ShownImage &&) noexcept = default;

Expected<ShownImage, QString> ShownImage::decode(const QByteArray &bytes, const QString &mediaType)
{
    auto state = std::make_unique<State>();
    if (mediaType != QLatin1String(protocol::dicomMediaType)) {
        QBuffer buffer;
        buffer.setData(bytes);
        QImageReader reader(&buffer, mediaType == QLatin1String(protocol::pngMediaType) ? "png" : "jpeg");
        state->picture = reader.read();
        if (state->picture.isNull())
            return unexpected(QStringLiteral("the %1 file can't be shown: %2").arg(mediaType, reader.errorString()));
        return ShownImage(std::move(state));
    }

    registerDecoders();
    DcmInputBufferStream stream;
    stream.setBuffer(bytes.constData(), static_cast<offile_off_t>(bytes.size()));
    stream.setEos();
    state->file = std::make_unique<DcmFileFormat>();
    state->file->transferInit();
    const OFCondition read = state->file->read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    state->file->transferEnd();
    if (read.bad())
        return unexpected(QStringLiteral("the DICOM file can't be read: %1").arg(QString::fromLatin1(read.text())));
    DcmDataset *dataset = state->file->getDataset();
    state->dicom = std::make_unique<DicomImage>(dataset, dataset->getOriginalXfer(), 0UL, 0UL, 0UL);
    if (state->dicom->getStatus() != EIS_Normal)
        return unexpected(QStringLiteral("the DICOM image can't be shown: %1").arg(QString::fromLatin1(DicomImage::getString(state->dicom->getStatus()))));
    if (state->dicom->isMonochrome()) {
        DicomImage &image = *state->dicom;
        for (unsigned long i = 0; i < image.getWindowCount(); ++i) {
            if (!image.setWindow(i))
                continue;
            Window window;
            image.getWindow(window.center, window.width);
            OFString explanation;
            const char *text = image.getVoiWindowExplanation(i, explanation);
            window.name = text && *text ? QCoreApplication::translate("cmeet::imaging", "From the file: %1").arg(QString::fromLatin1(text)) : QCoreApplication::translate("cmeet::imaging", "From the file");
            state->presets.append(window);
        }
        double minimum = 0;
        double maximum = 0;
        if (image.getMinMaxValues(minimum, maximum))
            state->presets.append(Window{(minimum + maximum) / 2.0, std::max(1.0, maximum - minimum + 1.0), QCoreApplication::translate("cmeet::imaging", "Full range")});
        OFString modality;
        if (dataset->findAndGetOFString(DCM_Modality, modality).good() && modality == "CT") {
            state->presets.append(Window{40, 400, QCoreApplication::translate("cmeet::imaging", "Soft tissue")});
            state->presets.append(Window{-600, 1500, QCoreApplication::translate("cmeet::imaging", "Lung")});
            state->presets.append(Window{300, 1500, QCoreApplication::translate("cmeet::imaging", "Bone")});
            state->presets.append(Window{40, 80, QCoreApplication::translate("cmeet::imaging", "Brain")});
        }
    }
    qCDebug(lcImaging) << "decoded a DICOM image of" << state->dicom->getWidth() << "x" << state->dicom->getHeight() << "with"
                       << state->dicom->getFrameCount() << "frame(s)";
    return ShownImage(std::move(state));
}

QSize ShownImage::size() const
{
    if (m_state->dicom)
        return QSize(static_cast<int>(m_state->dicom->getWidth()), static_cast<int>(m_state->dicom->getHeight()));
    return m_state->picture.size();
}

int ShownImage::frames() const { return m_state->dicom ? static_cast<int>(m_state->dicom->getFrameCount()) : 1; }

bool ShownImage::hasWindow() const { return m_state->dicom && m_state->dicom->isMonochrome(); }

const QList<Window> &ShownImage::presets() const { return m_state->presets; }

QImage ShownImage::render(int frame, std::optional<Window> window) const
{
    if (!m_state->dicom)
        return frame == 0 ? m_state->picture : QImage();
    DicomImage &image = *m_state->dicom;
    if (frame < 0 || frame >= frames())
        return {};
    if (image.isMonochrome()) {
        const std::optional<Window> chosen = window ? window : (m_state->presets.isEmpty() ? std::nullopt : std::optional(m_state->presets.constFirst()));
        if (chosen)
            image.setWindow(chosen->center, std::max(1.0, chosen->width));
        else
            image.setMinMaxWindow();
    }
    const void *pixels = image.getOutputData(8, static_cast<unsigned long>(frame), 0);
    if (!pixels)
        return {};
    return toQImage(image, pixels);
}

} // namespace cmeet::imaging
