// The images shown in a meeting, decoded for display (client/imaging): DICOM files made by
// DCMTK's own tools (monochrome 16-bit with the file's window, multi-frame, colour, cut short,
// an unsupported transfer syntax) and PNG and JPEG made by Qt. The pixel values are known, so
// each check says what a broken decoder or window would get wrong.

#include "client/imaging/shown_image.h"
#include "support/test_images.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace cmeet;
using imaging::ShownImage;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The grey level DICOM's linear VOI window gives value (PS3.3 C.11.2.1.2.1), 8 bits.
int windowed(double value, double center, double width)
{
    if (value <= center - 0.5 - (width - 1) / 2)
        return 0;
    if (value > center - 0.5 + (width - 1) / 2)
        return 255;
    return qRound(((value - (center - 0.5)) / (width - 1) + 0.5) * 255);
}

} // namespace

class TestShownImage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<test::TestImages> m_images;

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dump2dcm")).isEmpty())
            QFAIL("DCMTK's tools are missing: packaging/install-deps installs dcmtk");
        m_images = std::make_unique<test::TestImages>(m_dir.path());
    }

    // The file's own window (40/400 on Hounsfield units = raw - 1024) maps each pixel as DICOM
    // says; the presets start with it, then the full range, then the CT presets.
    void monochromeSixteenBitWithItsWindow()
    {
        const QString path = m_images->monochrome16();
        QVERIFY2(!path.isEmpty(), qPrintable(m_images->error()));
        auto image = ShownImage::decode(readAll(path), QStringLiteral("application/dicom"));
        QVERIFY2(image, image ? "" : qPrintable(image.error()));
        QCOMPARE(image->size(), QSize(64, 64));
        QCOMPARE(image->frames(), 1);
        QVERIFY(image->hasWindow());
        const QList<imaging::Window> presets = image->presets();
        QVERIFY(presets.size() >= 3);
        QCOMPARE(presets.at(0).center, 40.0);
        QCOMPARE(presets.at(0).width, 400.0);
        QVERIFY(presets.at(0).name.startsWith(QStringLiteral("From the file")));
        QCOMPARE(presets.at(1).name, QStringLiteral("Full range"));
        QVERIFY(std::any_of(presets.begin(), presets.end(), [](const imaging::Window &w) { return w.name == QStringLiteral("Lung"); }));

        const QImage shown = image->render();
        QCOMPARE(shown.size(), QSize(64, 64));
        for (const int x : {0, 14, 16, 18, 20, 63}) {
            const double hounsfield = test::testPixel(x, 5, 0) - 1024;
            QVERIFY2(qAbs(qGray(shown.pixel(x, 5)) - windowed(hounsfield, 40, 400)) <= 1,
                     qPrintable(QStringLiteral("x %1: %2 for %3 HU").arg(x).arg(qGray(shown.pixel(x, 5))).arg(hounsfield)));
        }
        // Another window is another picture: a bone window shows 128 HU darker.
        const QImage bone = image->render(0, imaging::Window{300, 1500, {}});
        QVERIFY(qAbs(qGray(bone.pixel(18, 5)) - windowed(test::testPixel(18, 5, 0) - 1024, 300, 1500)) <= 1);
        QVERIFY(qGray(bone.pixel(18, 5)) < qGray(shown.pixel(18, 5)));
    }

    void multiFrameHasEachFrame()
    {
        const QString path = m_images->monochrome16(3);
        QVERIFY2(!path.isEmpty(), qPrintable(m_images->error()));
        auto image = ShownImage::decode(readAll(path), QStringLiteral("application/dicom"));
        QVERIFY(image);
        QCOMPARE(image->frames(), 3);
        const imaging::Window full = image->presets().at(1);
        const QImage first = image->render(0, full);
        const QImage last = image->render(2, full);
        QVERIFY(!first.isNull() && !last.isNull());
        QVERIFY(first != last);
        // Row 40 of frame 2 adds 2 * 40 * 8 to each raw value: brighter than frame 0 there.
        QVERIFY(qGray(last.pixel(3, 40)) > qGray(first.pixel(3, 40)));
        QVERIFY(image->render(3).isNull());
    }

    void colourDicomFromImg2dcm()
    {
        const QString path = m_images->colour();
        QVERIFY2(!path.isEmpty(), qPrintable(m_images->error()));
        auto image = ShownImage::decode(readAll(path), QStringLiteral("application/dicom"));
        QVERIFY2(image, image ? "" : qPrintable(image.error()));
        QVERIFY(!image->hasWindow());
        QVERIFY(image->presets().isEmpty());
        const QImage shown = image->render();
        QCOMPARE(shown.size(), QSize(120, 80));
        const QColor left = shown.pixelColor(20, 40);
        const QColor right = shown.pixelColor(100, 40);
        QVERIFY2(left.red() > 200 && left.blue() < 60, qPrintable(left.name()));
        QVERIFY2(right.blue() > 200 && right.red() < 60, qPrintable(right.name()));
    }

    // A header that claims a huge image is refused before DCMTK allocates it: too large to show
    // at all, or more pixels claimed than the file holds.
    void oversizedHeadersAreRefusedBeforeDecoding_data()
    {
        QTest::addColumn<QStringList>("changes");
        QTest::addColumn<QString>("why");
        QTest::newRow("30000 x 30000, 1000 frames") << QStringList{QStringLiteral("(0028,0010)=30000"), QStringLiteral("(0028,0011)=30000"),
                                                                   QStringLiteral("(0028,0008)=1000")}
                                                    << QStringLiteral("too large to show");
        QTest::newRow("4096 x 4096 with 64 x 64 pixels") << QStringList{QStringLiteral("(0028,0010)=4096"), QStringLiteral("(0028,0011)=4096")}
                                                         << QStringLiteral("fewer pixels than its header describes");
    }

    void oversizedHeadersAreRefusedBeforeDecoding()
    {
        QFETCH(QStringList, changes);
        QFETCH(QString, why);
        const QString path = m_images->monochrome16();
        QVERIFY2(!path.isEmpty(), qPrintable(m_images->error()));
        QStringList arguments{QStringLiteral("-nb")};
        for (const QString &change : changes)
            arguments << QStringLiteral("-m") << change;
        QProcess dcmodify;
        dcmodify.start(QStringLiteral("dcmodify"), arguments << path);
        QVERIFY(dcmodify.waitForFinished(30000) && dcmodify.exitCode() == 0);
        auto image = ShownImage::decode(readAll(path), QStringLiteral("application/dicom"));
        QVERIFY(!image);
        QVERIFY2(image.error().startsWith(QStringLiteral("the DICOM")) && image.error().contains(why), qPrintable(image.error()));
    }

    // fuzz_dicom's find: 756 bytes whose one element claims 3.2 GB. Refused without taking the
    // memory (DCMTK reading from a memory buffer allocated and filled it first).
    void aLengthBeyondTheFileTakesNoMemory()
    {
        const QByteArray bytes = readAll(QStringLiteral(CMEET_TEST_VECTORS_DIR "/../fuzz/corpus/fuzz_dicom/found-element-claims-3-gb.dcm"));
        QCOMPARE(bytes.size(), 756);
        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        auto image = ShownImage::decode(bytes, QStringLiteral("application/dicom"));
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        QVERIFY(!image);
        QVERIFY2(image.error().startsWith(QStringLiteral("the DICOM file can't be read")), qPrintable(image.error()));
        const long grewKiB = after.ru_maxrss - before.ru_maxrss;
        QVERIFY2(grewKiB < 64 * 1024, qPrintable(QStringLiteral("peak memory grew by %1 KiB").arg(grewKiB)));
    }

    // What can't be shown says so plainly (and stays on the record: that is the caller's part).
    void brokenFilesSayWhy()
    {
        const QString cut = m_images->truncated();
        QVERIFY2(!cut.isEmpty(), qPrintable(m_images->error()));
        auto truncated = ShownImage::decode(readAll(cut), QStringLiteral("application/dicom"));
        QVERIFY(!truncated);
        QVERIFY2(truncated.error().startsWith(QStringLiteral("the DICOM")), qPrintable(truncated.error()));

        const QString j2k = m_images->unsupportedTransferSyntax();
        QVERIFY2(!j2k.isEmpty(), qPrintable(m_images->error()));
        auto unsupported = ShownImage::decode(readAll(j2k), QStringLiteral("application/dicom"));
        const bool refused = !unsupported || unsupported->render().isNull();
        QVERIFY(refused);
        if (!unsupported)
            QVERIFY2(unsupported.error().contains(QStringLiteral("can't be shown")), qPrintable(unsupported.error()));

        QByteArray garbage(132, '\0');
        garbage.replace(128, 4, "DICM");
        garbage.append(QByteArray(500, '\x7f'));
        QVERIFY(!ShownImage::decode(garbage, QStringLiteral("application/dicom")));
        QVERIFY(!ShownImage::decode(QByteArrayLiteral("\x89PNG\r\n\x1a\n broken"), QStringLiteral("image/png")));
    }

    void pngAndJpeg()
    {
        for (const auto &[bytes, type] : {std::pair{test::TestImages::png(), QStringLiteral("image/png")},
                                          std::pair{test::TestImages::jpeg(), QStringLiteral("image/jpeg")}}) {
            auto image = ShownImage::decode(bytes, type);
            QVERIFY2(image, image ? "" : qPrintable(image.error()));
            QCOMPARE(image->size(), QSize(120, 80));
            QCOMPARE(image->frames(), 1);
            QVERIFY(!image->hasWindow());
            const QColor left = image->render().pixelColor(20, 40);
            QVERIFY2(left.red() > 200 && left.blue() < 60, qPrintable(left.name()));
        }
    }
};

QTEST_MAIN(TestShownImage)
#include "test_shown_image.moc"
