#include "support/test_images.h"

#include "support/program_run.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>

namespace cmeet::test {
namespace {

constexpr int side = 64;

QByteArray halves(int width, int height, const char *format)
{
    QImage image(width, height, QImage::Format_RGB32);
    QPainter painter(&image);
    painter.fillRect(0, 0, width / 2, height, Qt::red);
    painter.fillRect(width / 2, 0, width - width / 2, height, Qt::blue);
    painter.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, format, 95);
    return bytes;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

} // namespace

int testPixel(int x, int y, int frame) { return (x * 64 + y * frame * 8) % 4096; }

QString TestImages::path(const QString &name) const { return QDir(m_directory).filePath(name); }

bool TestImages::run(const QString &program, const QStringList &arguments)
{
    const ProgramRun ran = runProgram(program, arguments);
    if (ran.exitCode != 0)
        m_error = QStringLiteral("%1 failed: %2").arg(program, ran.outAndErr());
    return ran.exitCode == 0;
}

QString TestImages::monochrome16(int frames, const QString &patientName)
{
    const QString stem = QStringLiteral("mono%1").arg(++m_made);
    QByteArray pixels;
    for (int frame = 0; frame < frames; ++frame)
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                const quint16 value = static_cast<quint16>(testPixel(x, y, frame));
                pixels.append(static_cast<char>(value & 0xff)).append(static_cast<char>(value >> 8)); // little endian
            }
    const QString raw = path(stem + QStringLiteral(".raw"));
    // dump2dcm's text form of the data set; "=file" loads the pixel data from the raw file.
    const QString dump = QStringLiteral("(0008,0016) UI =SecondaryCaptureImageStorage\n"
                                        "(0008,0018) UI [1.2.826.0.1.3680043.2.1143.%1]\n"
                                        "(0008,0060) CS [CT]\n"
                                        "(0028,0002) US 1\n"
                                        "(0028,0004) CS [MONOCHROME2]\n"
                                        "(0028,0008) IS [%2]\n"
                                        "(0028,0010) US %3\n"
                                        "(0028,0011) US %3\n"
                                        "(0028,0100) US 16\n"
                                        "(0028,0101) US 12\n"
                                        "(0028,0102) US 11\n"
                                        "(0028,0103) US 0\n"
                                        "(0028,1050) DS [40]\n"
                                        "(0028,1051) DS [400]\n"
                                        "(0028,1052) DS [-1024]\n"
                                        "(0028,1053) DS [1]\n"
                                        "(7fe0,0010) OW =%4\n")
                               .arg(m_made)
                               .arg(frames)
                               .arg(side)
                               .arg(raw);
    const QString dumpFile = path(stem + QStringLiteral(".dump"));
    const QString dicom = path(stem + QStringLiteral(".dcm"));
    if (!writeFile(raw, pixels) || !writeFile(dumpFile, dump.toLatin1()) || !run(QStringLiteral("dump2dcm"), {dumpFile, dicom}))
        return {};
    if (!patientName.isEmpty() && !run(QStringLiteral("dcmodify"), {QStringLiteral("-nb"), QStringLiteral("-i"), QStringLiteral("(0010,0010)=") + patientName, dicom}))
        return {};
    return dicom;
}

QString TestImages::colour()
{
    const QString stem = QStringLiteral("colour%1").arg(++m_made);
    const QString jpegFile = path(stem + QStringLiteral(".jpg"));
    const QString dicom = path(stem + QStringLiteral(".dcm"));
    if (!writeFile(jpegFile, jpeg()) || !run(QStringLiteral("img2dcm"), {jpegFile, dicom}))
        return {};
    return dicom;
}

QString TestImages::truncated()
{
    const QString whole = monochrome16();
    if (whole.isEmpty())
        return {};
    QFile file(whole);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    const QString cut = path(QStringLiteral("truncated%1.dcm").arg(++m_made));
    return writeFile(cut, bytes.first(bytes.size() - 3000)) ? cut : QString();
}

QString TestImages::unsupportedTransferSyntax()
{
    // img2dcm's file is JPEG Baseline (1.2.840.10008.1.2.4.50, encapsulated); the same file
    // declared JPEG 2000 (1.2.840.10008.1.2.4.90, the same length), for which no decoder is here.
    const QString dicom = colour();
    QFile file(dicom);
    if (dicom.isEmpty() || !file.open(QIODevice::ReadOnly))
        return {};
    QByteArray bytes = file.readAll();
    file.close();
    const qsizetype at = bytes.indexOf("1.2.840.10008.1.2.4.50");
    if (at < 0) {
        m_error = QStringLiteral("img2dcm did not write JPEG Baseline");
        return {};
    }
    bytes.replace(at, 22, "1.2.840.10008.1.2.4.90");
    const QString declared = path(QStringLiteral("j2k%1.dcm").arg(++m_made));
    return writeFile(declared, bytes) ? declared : QString();
}

QByteArray TestImages::png(int width, int height) { return halves(width, height, "PNG"); }

QByteArray TestImages::jpeg(int width, int height) { return halves(width, height, "JPG"); }

} // namespace cmeet::test
