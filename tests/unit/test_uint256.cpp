#include "chain/uint256.h"
#include "test_support.h"

#include <QTest>

using namespace cmeet;
using chain::ErrorCode;
using chain::UInt256;

namespace {

const QString maxDecimal = QStringLiteral("115792089237316195423570985008687907853269984665640564039457584007913129639935");

UInt256 dec(const QString &text)
{
    auto value = UInt256::fromDecimal(text);
    if (!value)
        qFatal("bad decimal in test");
    return *value;
}

} // namespace

class TestUInt256 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void smallValues()
    {
        QVERIFY(UInt256().isZero());
        QCOMPARE(UInt256().toDecimal(), QStringLiteral("0"));
        QCOMPARE(UInt256().toQuantity(), QStringLiteral("0x0"));
        QCOMPARE(UInt256().toMinimalBigEndian(), QByteArray());
        QCOMPARE(UInt256().toBigEndian(), QByteArray(32, '\0'));
        QCOMPARE(UInt256().bitLength(), 0);

        const UInt256 answer(42);
        QCOMPARE(answer.toDecimal(), QStringLiteral("42"));
        QCOMPARE(answer.toQuantity(), QStringLiteral("0x2a"));
        QCOMPARE(answer.toMinimalBigEndian(), QByteArray("\x2a", 1));
        QCOMPARE(answer.toU64(), std::optional<quint64>(42));
        QCOMPARE(UInt256(0x100).toQuantity(), QStringLiteral("0x100")); // one leading zero nibble dropped
        QCOMPARE(UInt256(0x100).toMinimalBigEndian(), QByteArray("\x01\x00", 2));
        QCOMPARE(UInt256(std::numeric_limits<quint64>::max()).toDecimal(), QStringLiteral("18446744073709551615"));
        QCOMPARE(UInt256(std::numeric_limits<quint64>::max()).bitLength(), 64);
    }

    void decimalRoundTrips()
    {
        for (const QString &text : {QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("1000000000000000000"),
                                    QStringLiteral("18446744073709551616"), QStringLiteral("30000000000"), maxDecimal}) {
            auto value = UInt256::fromDecimal(text);
            QVERIFY2(value, qPrintable(text));
            QCOMPARE(value->toDecimal(), text);
            auto back = UInt256::fromHex(value->toQuantity());
            QVERIFY(back);
            QCOMPARE(*back, *value);
            auto fromBytes = UInt256::fromBigEndian(value->toBigEndian());
            QVERIFY(fromBytes);
            QCOMPARE(*fromBytes, *value);
        }
        QCOMPARE(UInt256::fromDecimal(u"007")->toDecimal(), QStringLiteral("7"));
        QCOMPARE(UInt256::max().toDecimal(), maxDecimal);
        QCOMPARE(UInt256::max().toQuantity(), QString(QStringLiteral("0x") + QString(64, u'f')));
        QCOMPARE(UInt256::max().bitLength(), 256);
        QCOMPARE(dec(QStringLiteral("1000000000000000000")).toQuantity(), QStringLiteral("0xde0b6b3a7640000"));
        QVERIFY(!dec(QStringLiteral("18446744073709551616")).toU64());
    }

    void hexAndBytes()
    {
        QCOMPARE(UInt256::fromHex(u"0x0")->toDecimal(), QStringLiteral("0"));
        QCOMPARE(UInt256::fromHex(u"0x00ff")->toDecimal(), QStringLiteral("255"));
        QCOMPARE(UInt256::fromHex(u"0xDE0B6B3A7640000")->toDecimal(), QStringLiteral("1000000000000000000"));
        // 64 digits after leading zeros still fit.
        QVERIFY(UInt256::fromHex(QString(QStringLiteral("0x0000") + QString(64, u'f'))));
        QCOMPARE(UInt256::fromBigEndian(QByteArray())->toDecimal(), QStringLiteral("0"));
        QCOMPARE(UInt256::fromBigEndian(QByteArray("\x00\x00\x01\x00", 4))->toDecimal(), QStringLiteral("256"));
        QVERIFY(UInt256::fromBigEndian(QByteArray(QByteArray(40, '\0') + QByteArray(32, '\xff'))));
        QCOMPARE(UInt256(0x0102).toBigEndian(), QByteArray(QByteArray(30, '\0') + QByteArray("\x01\x02", 2)));
    }

    void ordering()
    {
        QVERIFY(UInt256(1) < UInt256(2));
        QVERIFY(dec(QStringLiteral("18446744073709551616")) > UInt256(std::numeric_limits<quint64>::max()));
        QVERIFY(UInt256::max() > UInt256());
        QCOMPARE(UInt256(5), dec(QStringLiteral("5")));
    }

    void arithmetic()
    {
        QCOMPARE(UInt256(2).checkedAdd(UInt256(3))->toDecimal(), QStringLiteral("5"));
        QCOMPARE(UInt256(std::numeric_limits<quint64>::max()).checkedAdd(UInt256(1))->toDecimal(),
                 QStringLiteral("18446744073709551616"));
        QCOMPARE(dec(QStringLiteral("18446744073709551616")).checkedSub(UInt256(1))->toDecimal(),
                 QStringLiteral("18446744073709551615"));
        QCOMPARE(UInt256(120000).checkedMul(dec(QStringLiteral("30000000000")))->toDecimal(),
                 QStringLiteral("3600000000000000"));
        QCOMPARE(dec(QStringLiteral("340282366920938463463374607431768211455"))
                     .checkedMul(dec(QStringLiteral("340282366920938463463374607431768211457")))->toDecimal(),
                 maxDecimal); // (2^128 - 1)(2^128 + 1) = 2^256 - 1

        auto sum = UInt256::max().checkedAdd(UInt256(1));
        QVERIFY(!sum);
        QCOMPARE(sum.error().code, ErrorCode::Overflow);
        auto difference = UInt256(1).checkedSub(UInt256(2));
        QVERIFY(!difference);
        QCOMPARE(difference.error().code, ErrorCode::Overflow);
        auto product = dec(QStringLiteral("340282366920938463463374607431768211456")).checkedMul(
            dec(QStringLiteral("340282366920938463463374607431768211456"))); // 2^128 * 2^128
        QVERIFY(!product);
        QCOMPARE(product.error().code, ErrorCode::Overflow);
    }

    void overflow()
    {
        // 2^256 in each notation.
        auto decimal = UInt256::fromDecimal(u"115792089237316195423570985008687907853269984665640564039457584007913129639936");
        QVERIFY(!decimal);
        QCOMPARE(decimal.error().code, ErrorCode::Overflow);
        auto hugeDecimal = UInt256::fromDecimal(QString(200, u'9'));
        QVERIFY(!hugeDecimal);
        QCOMPARE(hugeDecimal.error().code, ErrorCode::Overflow);
        auto hexadecimal = UInt256::fromHex(QString(QStringLiteral("0x1") + QString(64, u'0')));
        QVERIFY(!hexadecimal);
        QCOMPARE(hexadecimal.error().code, ErrorCode::Overflow);
        auto bytes = UInt256::fromBigEndian(QByteArray(QByteArray(1, '\x01') + QByteArray(32, '\0')));
        QVERIFY(!bytes);
        QCOMPARE(bytes.error().code, ErrorCode::Overflow);
    }

    void badText()
    {
        for (const QString &text : {QString(), QStringLiteral("-1"), QStringLiteral("+1"), QStringLiteral(" 1"),
                                    QStringLiteral("1 "), QStringLiteral("1.0"), QStringLiteral("1e3"), QStringLiteral("0x10"),
                                    QStringLiteral("١")}) {
            auto value = UInt256::fromDecimal(text);
            QVERIFY2(!value, qPrintable(text));
            QCOMPARE(value.error().code, ErrorCode::InvalidNumber);
        }
        for (const QString &text : {QString(), QStringLiteral("0x"), QStringLiteral("10"), QStringLiteral("0X10"),
                                    QStringLiteral("0xg"), QStringLiteral("0x-1"), QStringLiteral("0x 1")}) {
            auto value = UInt256::fromHex(text);
            QVERIFY2(!value, qPrintable(text));
            QCOMPARE(value.error().code, ErrorCode::InvalidNumber);
        }
    }
};

QTEST_GUILESS_MAIN(TestUInt256)
#include "test_uint256.moc"
