#include "chain/rlp.h"
#include "test_support.h"

#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;
using chain::ErrorCode;
using chain::UInt256;
using chain::rlp::Item;

namespace {

// The vectors write a byte string as 0x-hex and a list as a JSON array.
Item itemFromJson(const QJsonValue &value)
{
    if (value.isArray()) {
        QList<Item> items;
        for (const QJsonValue &child : value.toArray())
            items.append(itemFromJson(child));
        return Item::list(std::move(items));
    }
    return Item::bytes(test::fromHex(value.toString()));
}

Item nested(int depth)
{
    Item item = Item::list({});
    for (int i = 1; i < depth; ++i)
        item = Item::list({item});
    return item;
}

void expectError(const QByteArray &input, ErrorCode code)
{
    auto decoded = chain::rlp::decode(input);
    QVERIFY2(!decoded, qPrintable(QString::fromLatin1(input.toHex())));
    QCOMPARE(decoded.error().code, code);
}

} // namespace

class TestRlp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/rlp.json")).array();
        QVERIFY(!vectors.isEmpty());
        for (const QJsonValue &vector : vectors) {
            const Item item = itemFromJson(vector[QStringLiteral("value")]);
            const QByteArray encoded = test::fromHex(vector[QStringLiteral("encoded")].toString());
            QCOMPARE(chain::rlp::encode(item), encoded);
            auto decoded = chain::rlp::decode(encoded);
            QVERIFY(decoded);
            QVERIFY(*decoded == item);
        }
    }

    void integers()
    {
        QCOMPARE(chain::rlp::encode(Item::integer(quint64{0})), QByteArray("\x80", 1));
        QCOMPARE(chain::rlp::encode(Item::integer(quint64{15})), QByteArray("\x0f", 1));
        QCOMPARE(chain::rlp::encode(Item::integer(quint64{127})), QByteArray("\x7f", 1));
        QCOMPARE(chain::rlp::encode(Item::integer(quint64{128})), QByteArray("\x81\x80", 2));
        QCOMPARE(chain::rlp::encode(Item::integer(quint64{1024})), QByteArray("\x82\x04\x00", 3));
        QCOMPARE(chain::rlp::encode(Item::integer(UInt256::max())),
                 QByteArray(QByteArray("\xa0", 1) + QByteArray(32, '\xff')));

        QCOMPARE(Item::bytes(QByteArray("\x04\x00", 2)).toU64().value_or(0), quint64{1024});
        QCOMPARE(Item().toU64().value_or(1), quint64{0});
        QCOMPARE(Item::bytes(QByteArray(32, '\xff')).toUInt256().value_or(UInt256()), UInt256::max());

        auto leadingZero = Item::bytes(QByteArray("\x00\x01", 2)).toUInt256();
        QVERIFY(!leadingZero);
        QCOMPARE(leadingZero.error().code, ErrorCode::NonCanonical);
        auto zeroByte = Item::bytes(QByteArray(1, '\0')).toU64(); // 0 must be the empty string
        QVERIFY(!zeroByte);
        QCOMPARE(zeroByte.error().code, ErrorCode::NonCanonical);
        auto list = Item::list({}).toUInt256();
        QVERIFY(!list);
        QCOMPARE(list.error().code, ErrorCode::UnexpectedShape);
        auto tooBig = Item::bytes(QByteArray(33, '\x01')).toUInt256();
        QVERIFY(!tooBig);
        QCOMPARE(tooBig.error().code, ErrorCode::Overflow);
        auto tooBigForU64 = Item::bytes(QByteArray(9, '\x01')).toU64();
        QVERIFY(!tooBigForU64);
        QCOMPARE(tooBigForU64.error().code, ErrorCode::Overflow);
    }

    void longForms()
    {
        const QByteArray kilobyte(1024, 'x');
        const QByteArray encoded = chain::rlp::encode(Item::bytes(kilobyte));
        QCOMPARE(encoded.left(3), QByteArray("\xb9\x04\x00", 3));
        QCOMPARE(chain::rlp::decode(encoded)->bytes(), kilobyte);

        // A list whose payload is over 55 bytes: 0xf8 + one length byte.
        const Item list = Item::list({Item::bytes(QByteArray(30, 'a')), Item::bytes(QByteArray(30, 'b'))});
        const QByteArray encodedList = chain::rlp::encode(list);
        QCOMPARE(encodedList.left(2), QByteArray("\xf8\x3e", 2));
        QVERIFY(*chain::rlp::decode(encodedList) == list);

        // Boundary: 55 bytes use the short form, 56 the long one.
        QCOMPARE(chain::rlp::encode(Item::bytes(QByteArray(55, 'z'))).left(1), QByteArray("\xb7", 1));
        QCOMPARE(chain::rlp::encode(Item::bytes(QByteArray(56, 'z'))).left(2), QByteArray("\xb8\x38", 2));
    }

    void nonCanonical()
    {
        expectError(QByteArray("\x81\x00", 2), ErrorCode::NonCanonical); // single byte < 0x80 wrapped
        expectError(QByteArray("\x81\x7f", 2), ErrorCode::NonCanonical);
        expectError(QByteArray(QByteArray("\xb8\x05", 2) + QByteArray(5, 'a')), ErrorCode::NonCanonical); // long form, short payload
        expectError(QByteArray(QByteArray("\xb8\x37", 2) + QByteArray(55, 'a')), ErrorCode::NonCanonical);
        expectError(QByteArray(QByteArray("\xb9\x00\x38", 3) + QByteArray(56, 'a')), ErrorCode::NonCanonical); // leading zero
        expectError(QByteArray(QByteArray("\xf8\x02", 2) + QByteArray("\x01\x02", 2)), ErrorCode::NonCanonical);
        expectError(QByteArray(QByteArray("\xf9\x00\x38", 3) + QByteArray(56, '\x01')), ErrorCode::NonCanonical);
        // Inside a list too.
        expectError(QByteArray("\xc2\x81\x05", 3), ErrorCode::NonCanonical);
    }

    void truncated()
    {
        expectError(QByteArray(), ErrorCode::Truncated);
        expectError(QByteArray("\x83\x01\x02", 3), ErrorCode::Truncated);
        expectError(QByteArray("\xb8", 1), ErrorCode::Truncated);                     // length byte missing
        expectError(QByteArray("\xba\x01\x00", 3), ErrorCode::Truncated);             // 3 length bytes, 2 present
        expectError(QByteArray(QByteArray("\xb8\x38", 2) + QByteArray(55, 'a')), ErrorCode::Truncated);
        expectError(QByteArray(QByteArray("\xbf", 1) + QByteArray(8, '\xff')), ErrorCode::Truncated); // 2^64 - 1
        expectError(QByteArray(QByteArray("\xff", 1) + QByteArray(8, '\x7f')), ErrorCode::Truncated);
        expectError(QByteArray("\xc2\x01", 2), ErrorCode::Truncated);
        expectError(QByteArray("\xc1\x83", 2), ErrorCode::Truncated);          // child runs past its list
        expectError(QByteArray("\xc2\x82\x01\x02", 4), ErrorCode::Truncated);  // ... even with bytes after the list
    }

    void trailingBytes()
    {
        expectError(QByteArray("\x01\x02", 2), ErrorCode::TrailingBytes);
        expectError(QByteArray("\xc0\x00", 2), ErrorCode::TrailingBytes);
        expectError(QByteArray("\x82\x01\x02\x03", 4), ErrorCode::TrailingBytes);
    }

    void depth()
    {
        QVERIFY(chain::rlp::decode(chain::rlp::encode(nested(chain::rlp::maxDepth))));
        expectError(chain::rlp::encode(nested(chain::rlp::maxDepth + 1)), ErrorCode::TooDeep);
        expectError(chain::rlp::encode(nested(10000)), ErrorCode::TooDeep);
    }

    // Random inputs never crash, and whatever decodes re-encodes to the same bytes (one encoding
    // per item).
    void randomInputs()
    {
        QRandomGenerator random(1559);
        int accepted = 0;
        for (int round = 0; round < 20000; ++round) {
            QByteArray input(random.bounded(1, 12), Qt::Uninitialized);
            for (char &byte : input) {
                // Bias towards prefixes and small lengths so that some inputs are valid.
                const quint32 pick = random.bounded(4);
                byte = static_cast<char>(pick == 0 ? 0xc0 + random.bounded(8) : pick == 1 ? 0x80 + random.bounded(8) : random.bounded(256));
            }
            auto decoded = chain::rlp::decode(input);
            if (decoded) {
                ++accepted;
                QCOMPARE(chain::rlp::encode(*decoded), input);
            }
        }
        QVERIFY(accepted > 100);
    }
};

QTEST_GUILESS_MAIN(TestRlp)
#include "test_rlp.moc"
