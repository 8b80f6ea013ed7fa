// base64::decode against RFC 4648's test vectors, Qt's encoder, and text it must refuse.

#include "base/base64.h"

#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;

class TestBase64 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rfc4648Vectors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("bytes");
        // RFC 4648 §10.
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("f") << QByteArray("Zg==") << QByteArray("f");
        QTest::newRow("fo") << QByteArray("Zm8=") << QByteArray("fo");
        QTest::newRow("foo") << QByteArray("Zm9v") << QByteArray("foo");
        QTest::newRow("foob") << QByteArray("Zm9vYg==") << QByteArray("foob");
        QTest::newRow("fooba") << QByteArray("Zm9vYmE=") << QByteArray("fooba");
        QTest::newRow("foobar") << QByteArray("Zm9vYmFy") << QByteArray("foobar");
        QTest::newRow("every alphabet character") << QByteArray("+/+/") << QByteArray("\xfb\xff\xbf");
    }
    void rfc4648Vectors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, bytes);
        const auto decoded = base64::decode(text);
        QVERIFY(decoded);
        QCOMPARE(*decoded, bytes);
    }

    // Every length around the group size, random bytes: the same as Qt's encoder put in.
    void roundTripsQtsEncoding()
    {
        QRandomGenerator random(2026);
        for (int size = 0; size < 300; ++size) {
            QByteArray bytes(size, Qt::Uninitialized);
            for (char &byte : bytes)
                byte = static_cast<char>(random.bounded(256));
            const auto decoded = base64::decode(bytes.toBase64());
            QVERIFY(decoded);
            QCOMPARE(*decoded, bytes);
        }
        QByteArray megabyte(1024 * 1024 + 1, Qt::Uninitialized);
        random.fillRange(reinterpret_cast<quint32 *>(megabyte.data()), megabyte.size() / 4);
        QCOMPARE(base64::decode(megabyte.toBase64()).value_or(QByteArray()), megabyte);
    }

    void refusesAnythingElse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("length not a multiple of 4") << QByteArray("Zm9vY");
        QTest::newRow("padding missing") << QByteArray("Zg");
        QTest::newRow("url-safe alphabet") << QByteArray("-_-_");
        QTest::newRow("whitespace") << QByteArray("Zm9v\nYmFy");
        QTest::newRow("space in a group") << QByteArray("Zm 9");
        QTest::newRow("padding inside") << QByteArray("Zg==Zm9v");
        QTest::newRow("three padding characters") << QByteArray("Z===");
        QTest::newRow("only padding") << QByteArray("====");
        QTest::newRow("unused bits set, two pads") << QByteArray("Zh==");
        QTest::newRow("unused bits set, one pad") << QByteArray("Zm9=");
        QTest::newRow("a NUL byte") << QByteArray("Zm9\0", 4);
        QTest::newRow("a byte above 127") << QByteArray("Zm9\xc3");
    }
    void refusesAnythingElse()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!base64::decode(text));
    }
};

QTEST_GUILESS_MAIN(TestBase64)
#include "test_base64.moc"
