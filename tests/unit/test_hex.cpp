// hex::decode and decodeLowercase (QString and Latin-1 text) against a plain reference for every
// character in every digit position, and encode's round trip.

#include "base/hex.h"

#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;

namespace {

// The digit value the wire format gives c, or -1.
int referenceDigit(char16_t c, bool allowUppercase)
{
    static const QString lower = QStringLiteral("0123456789abcdef");
    static const QString upper = QStringLiteral("0123456789ABCDEF");
    if (const qsizetype at = lower.indexOf(QChar(c)); at >= 0)
        return static_cast<int>(at);
    if (const qsizetype at = upper.indexOf(QChar(c)); allowUppercase && at >= 0)
        return static_cast<int>(at);
    return -1;
}

} // namespace

class TestHex : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyCharacterInEveryPosition()
    {
        // Two bytes: each of the four digit positions takes every character up to U+017F.
        for (char16_t c = 0; c < 0x180; ++c) {
            for (int position = 0; position < 4; ++position) {
                QString text = QStringLiteral("0x5a5a");
                text[2 + position] = QChar(c);
                for (const bool uppercase : {false, true}) {
                    const int digit = referenceDigit(c, uppercase);
                    std::optional<QByteArray> expected;
                    if (digit >= 0) {
                        QByteArray bytes("\x5a\x5a", 2);
                        const int shift = position % 2 == 0 ? 4 : 0;
                        bytes[position / 2] = static_cast<char>((bytes[position / 2] & ~(0xf << shift)) | (digit << shift));
                        expected = bytes;
                    }
                    const auto decoded = uppercase ? hex::decode(text, 2) : hex::decodeLowercase(text, 2);
                    QVERIFY2(decoded == expected, qPrintable(QStringLiteral("U+%1 at %2").arg(int(c), 4, 16, QChar(u'0')).arg(position)));
                    if (!uppercase && c < 0x100) {
                        const QByteArray latin1 = text.toLatin1();
                        QVERIFY2(hex::decodeLowercase(QLatin1StringView(latin1), 2) == expected,
                                 qPrintable(QStringLiteral("Latin-1 U+%1 at %2").arg(int(c), 4, 16, QChar(u'0')).arg(position)));
                    }
                }
            }
        }
    }

    void prefixLengthAndSize()
    {
        QCOMPARE(hex::decodeLowercase(u"0x"), std::optional(QByteArray()));
        QCOMPARE(hex::decodeLowercase(u"0x00ff"), std::optional(QByteArray("\x00\xff", 2)));
        QCOMPARE(hex::decodeLowercase(QLatin1StringView("0x00ff")), std::optional(QByteArray("\x00\xff", 2)));
        for (const QString &bad : {QStringLiteral(""), QStringLiteral("0"), QStringLiteral("00ff"), QStringLiteral("0X00ff"),
                                   QStringLiteral("x00ff"), QStringLiteral("0x0ff"), QStringLiteral(" 0x00ff"), QStringLiteral("0x00ff ")}) {
            QVERIFY2(!hex::decode(bad), qPrintable(bad));
            QVERIFY2(!hex::decodeLowercase(QLatin1StringView(bad.toLatin1())), qPrintable(bad));
        }
        QVERIFY(!hex::decodeLowercase(u"0x00ff", 1));
        QVERIFY(!hex::decodeLowercase(u"0x00ff", 3));
        QCOMPARE(hex::decode(u"0xABcd", 2), std::optional(QByteArray("\xab\xcd", 2)));
        QVERIFY(!hex::decodeLowercase(u"0xABcd", 2));
    }

    void encodeRoundTrips()
    {
        QRandomGenerator random(7);
        for (int size = 0; size < 70; ++size) {
            QByteArray bytes(size, Qt::Uninitialized);
            for (char &b : bytes)
                b = static_cast<char>(random.bounded(256));
            const QString text = hex::encode(bytes);
            QCOMPARE(text, QStringLiteral("0x") + QString::fromLatin1(bytes.toHex()));
            QCOMPARE(hex::decodeLowercase(text, size), std::optional(bytes));
            QCOMPARE(hex::decodeLowercase(QLatin1StringView(text.toLatin1()), size), std::optional(bytes));
        }
    }
};

QTEST_GUILESS_MAIN(TestHex)
#include "test_hex.moc"
