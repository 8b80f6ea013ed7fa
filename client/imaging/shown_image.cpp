#include "client/imaging/shown_image.h"

#include "protocol/image_media.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QImageReader>
#include <QLoggingCategory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

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

// The header says how large the image is, and DCMTK allocates that much (and fills it) before it
// looks at the pixels: a file of a few hundred bytes could take a participant's memory. Refused
// first: more than any screen in a meeting needs, uncompressed pixels fewer than the header
// says, and compressed pixels far too few for the size claimed (lossy JPEG seldom packs more
// than 50:1; 200:1 is allowed).
constexpr quint64 maxDecodedBytes = 512ULL * 1024 * 1024;
constexpr quint64 maxCompressionRatio = 200;
constexpr quint64 anySmallImage = 16ULL * 1024 * 1024;

std::optional<QString> refusedBeforeDecoding(DcmDataset &dataset)
{
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 samples = 1;
    Uint16 bitsAllocated = 8;
    Sint32 frames = 1;
    (void)dataset.findAndGetUint16(DCM_Rows, rows);
    (void)dataset.findAndGetUint16(DCM_Columns, columns);
    (void)dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
    (void)dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
    if (dataset.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1)
        frames = 1;
    const quint64 decodedBytes = (quint64(rows) * columns * std::max<Uint16>(samples, 1) * std::max<Uint16>(bitsAllocated, 1) + 7) / 8 * quint64(frames);
    if (decodedBytes > maxDecodedBytes)
        return QStringLiteral("the DICOM image is too large to show: %1 x %2 pixels in %3 frame(s), %4 MiB decoded (at most %5 MiB)")
            .arg(columns)
            .arg(rows)
            .arg(frames)
            .arg(decodedBytes >> 20)
            .arg(maxDecodedBytes >> 20);
    DcmElement *pixels = nullptr;
    if (dataset.findAndGetElement(DCM_PixelData, pixels).bad() || pixels == nullptr)
        return std::nullopt; // DCMTK says what is missing
    const quint64 storedBytes = pixels->getLength();
    const bool compressed = DcmXfer(dataset.getOriginalXfer()).isEncapsulated();
    if (!compressed && storedBytes < decodedBytes)
        return QStringLiteral("the DICOM file holds fewer pixels than its header describes (%1 of %2 bytes): it may be cut short").arg(storedBytes).arg(decodedBytes);
    if (compressed && decodedBytes > anySmallImage && decodedBytes / maxCompressionRatio > storedBytes)
        return QStringLiteral("the DICOM file's compressed pixels (%1 bytes) are far too few for the image it describes (%2 bytes)").arg(storedBytes).arg(decodedBytes);
    return std::nullopt;
}

// An anonymous file in memory (memfd): nothing of a patient's image reaches the disk.
struct MemoryFile {
    int fd = -1;
    MemoryFile() = default;
    MemoryFile(const MemoryFile &) = delete;
    MemoryFile &operator=(const MemoryFile &) = delete;
    ~MemoryFile()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

} // namespace

struct ShownImage::State {
    // DICOM: the bytes as a file, the parsed file (DicomImage reads from both: DCMTK loads large
    // values when they are used) and its image. Destroyed in reverse: the source last.
    MemoryFile source;
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
    // From a memory buffer DCMTK allocates whatever length an element's header claims before it
    // finds the bytes missing (fuzz_dicom: a 756-byte file asked for 3 GB). From a file it
    // checks the length against what is left, and loads large values only when they are used.
    const auto noMemory = [] { return unexpected(QStringLiteral("the DICOM file can't be read: no memory for it (%1)").arg(QString::fromLocal8Bit(std::strerror(errno)))); };
    state->source.fd = memfd_create("cmeet-dicom", MFD_CLOEXEC);
    if (state->source.fd < 0)
        return noMemory();
    for (qsizetype written = 0; written < bytes.size();) {
        const ssize_t n = ::write(state->source.fd, bytes.constData() + written, static_cast<size_t>(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return noMemory();
        written += n;
    }
    state->file = std::make_unique<DcmFileFormat>();
    const QByteArray path = QStringLiteral("/proc/self/fd/%1").arg(state->source.fd).toLocal8Bit();
    const OFCondition read = state->file->loadFile(OFFilename(path.constData()), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (read.bad())
        return unexpected(QStringLiteral("the DICOM file can't be read: %1").arg(QString::fromLatin1(read.text())));
    DcmDataset *dataset = state->file->getDataset();
    if (auto refused = refusedBeforeDecoding(*dataset))
        return unexpected(*refused);
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
