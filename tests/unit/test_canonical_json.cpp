#include "crypto/keccak.h"
#include "protocol/canonical_json.h"
#include "test_support.h"

#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <functional>

using namespace cmeet;
using protocol::json::JsonErrorCode;

Q_DECLARE_METATYPE(JsonErrorCode)

class TestCanonicalJson : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // RFC 8785 vectors made by the reference implementation: key order by UTF-16 code units,
    // escapes, integers at the edges of the safe range, nesting.
    void referenceVectors()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/canonical-json.json")).array();
        QVERIFY(vectors.size() >= 5);
        for (const QJsonValue &vector : vectors) {
            const QByteArray expected = vector[QStringLiteral("canonical")].toString().toUtf8();
            auto serialized = protocol::json::serialize(vector[QStringLiteral("value")]);
            QVERIFY2(serialized, qPrintable(serialized ? QString() : serialized.error().detail));
            QCOMPARE(*serialized, expected);
            QCOMPARE(crypto::keccak256(*serialized), test::fromHex(vector[QStringLiteral("keccak256")].toString()));

            // The canonical bytes parse strictly and serialise back to themselves.
            auto parsed = protocol::json::parseCanonical(expected);
            QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().detail));
            QCOMPARE(*protocol::json::serialize(*parsed), expected);
        }
    }

    void utf16KeyOrder()
    {
        // U+E000 sorts before U+1F600 by code point but after it by UTF-16 code units (0xD83D).
        QJsonObject object;
        object.insert(QString(QChar(0xe000)), 1);
        object.insert(QStringLiteral("\U0001F600"), 2);
        const QByteArray expected = QStringLiteral("{\"\U0001F600\":2,\"%1\":1}").arg(QChar(0xe000)).toUtf8();
        QCOMPARE(*protocol::json::serialize(object), expected);
        QVERIFY(protocol::json::parseCanonical(expected));
        const QByteArray codePointOrder = QStringLiteral("{\"%1\":1,\"\U0001F600\":2}").arg(QChar(0xe000)).toUtf8();
        QCOMPARE(protocol::json::parseCanonical(codePointOrder).error().code, JsonErrorCode::KeyOrder);
    }

    void rejections_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<JsonErrorCode>("code");
        QTest::addColumn<qsizetype>("offset");

        QTest::newRow("empty") << QByteArray() << JsonErrorCode::Empty << qsizetype(0);
        QTest::newRow("leading space") << QByteArray(" {}") << JsonErrorCode::Whitespace << qsizetype(0);
        QTest::newRow("space after colon") << QByteArray("{\"a\": 1}") << JsonErrorCode::Whitespace << qsizetype(5);
        QTest::newRow("newline at end") << QByteArray("{}\n") << JsonErrorCode::Whitespace << qsizetype(2);
        QTest::newRow("trailing data") << QByteArray("{}{}") << JsonErrorCode::TrailingData << qsizetype(2);
        QTest::newRow("key order") << QByteArray("{\"b\":1,\"a\":2}") << JsonErrorCode::KeyOrder << qsizetype(7);
        QTest::newRow("key order, shorter key after") << QByteArray("{\"!\":\"\",\"\":{},\"f\":0}") << JsonErrorCode::KeyOrder << qsizetype(8);
        QTest::newRow("key order, space") << QByteArray("{\"a \":1,\"a\":2}") << JsonErrorCode::KeyOrder << qsizetype(8);
        QTest::newRow("duplicate key") << QByteArray("{\"a\":1,\"a\":2}") << JsonErrorCode::DuplicateKey << qsizetype(7);
        QTest::newRow("duplicate key out of order") << QByteArray("{\"a\":1,\"b\":2,\"a\":3}") << JsonErrorCode::DuplicateKey << qsizetype(13);
        QTest::newRow("fraction") << QByteArray("[1.5]") << JsonErrorCode::Float << qsizetype(2);
        QTest::newRow("integral fraction") << QByteArray("[1.0]") << JsonErrorCode::Float << qsizetype(2);
        QTest::newRow("exponent") << QByteArray("[1e3]") << JsonErrorCode::Float << qsizetype(2);
        QTest::newRow("leading zero") << QByteArray("[01]") << JsonErrorCode::LeadingZero << qsizetype(1);
        QTest::newRow("negative zero") << QByteArray("[-0]") << JsonErrorCode::NegativeZero << qsizetype(1);
        QTest::newRow("2^53") << QByteArray("[9007199254740992]") << JsonErrorCode::IntegerOutOfRange << qsizetype(1);
        QTest::newRow("-2^53") << QByteArray("[-9007199254740992]") << JsonErrorCode::IntegerOutOfRange << qsizetype(1);
        QTest::newRow("huge") << QByteArray("[123456789012345678901234567890]") << JsonErrorCode::IntegerOutOfRange << qsizetype(1);
        QTest::newRow("plus sign") << QByteArray("[+1]") << JsonErrorCode::UnexpectedCharacter << qsizetype(1);
        QTest::newRow("escaped slash") << QByteArray("[\"a\\/b\"]") << JsonErrorCode::NonMinimalEscape << qsizetype(3);
        QTest::newRow("escaped letter") << QByteArray("[\"\\u0041\"]") << JsonErrorCode::NonMinimalEscape << qsizetype(2);
        QTest::newRow("u escape for newline") << QByteArray("[\"\\u000a\"]") << JsonErrorCode::NonMinimalEscape << qsizetype(2);
        QTest::newRow("uppercase hex escape") << QByteArray("[\"\\u001F\"]") << JsonErrorCode::NonMinimalEscape << qsizetype(2);
        QTest::newRow("escaped surrogate pair") << QByteArray("[\"\\ud83d\\ude00\"]") << JsonErrorCode::NonMinimalEscape << qsizetype(2);
        QTest::newRow("unknown escape") << QByteArray("[\"\\x\"]") << JsonErrorCode::InvalidEscape << qsizetype(2);
        QTest::newRow("truncated u escape") << QByteArray("[\"\\u00") << JsonErrorCode::InvalidEscape << qsizetype(2);
        QTest::newRow("raw newline") << QByteArray("[\"a\nb\"]") << JsonErrorCode::ControlCharacter << qsizetype(3);
        QTest::newRow("raw tab") << QByteArray("[\"\t\"]") << JsonErrorCode::ControlCharacter << qsizetype(2);
        QTest::newRow("unterminated") << QByteArray("[\"abc") << JsonErrorCode::UnterminatedString << qsizetype(5);
        QTest::newRow("invalid utf8") << QByteArray("[\"\xff\"]") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("overlong utf8") << QByteArray("[\"\xc0\xaf\"]") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("overlong 3-byte") << QByteArray("[\"\xe0\x80\xaf\"]") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("utf8 surrogate") << QByteArray("[\"\xed\xa0\x80\"]") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("above U+10FFFF") << QByteArray("[\"\xf4\x90\x80\x80\"]") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("truncated utf8") << QByteArray("[\"\xe2\x82") << JsonErrorCode::InvalidUtf8 << qsizetype(2);
        QTest::newRow("trailing comma") << QByteArray("[1,]") << JsonErrorCode::UnexpectedCharacter << qsizetype(3);
        QTest::newRow("single quotes") << QByteArray("['a']") << JsonErrorCode::UnexpectedCharacter << qsizetype(1);
        QTest::newRow("bare word") << QByteArray("[nul]") << JsonErrorCode::UnexpectedCharacter << qsizetype(1);
        QTest::newRow("unquoted key") << QByteArray("{a:1}") << JsonErrorCode::UnexpectedCharacter << qsizetype(1);
        QTest::newRow("NaN") << QByteArray("[NaN]") << JsonErrorCode::UnexpectedCharacter << qsizetype(1);
        QTest::newRow("too deep") << (QByteArray(65, '[') + QByteArray(65, ']')) << JsonErrorCode::TooDeep << qsizetype(64);
        QTest::newRow("unclosed") << QByteArray("{\"a\":1") << JsonErrorCode::UnexpectedCharacter << qsizetype(6);
    }

    void rejections()
    {
        QFETCH(QByteArray, input);
        QFETCH(JsonErrorCode, code);
        QFETCH(qsizetype, offset);
        auto result = protocol::json::parseCanonical(input);
        QVERIFY(!result);
        QCOMPARE(protocol::json::codeName(result.error().code), protocol::json::codeName(code));
        QCOMPARE(result.error().offset, offset);
        QVERIFY(result.error().detail.contains(QStringLiteral("byte %1").arg(offset)));
    }

    void acceptedEdgeCases()
    {
        const QByteArray deepest = QByteArray(64, '[') + QByteArray(64, ']');
        for (const QByteArray &input :
             {QByteArray("[9007199254740991,-9007199254740991,0,-1]"), QByteArray("\"\\u001f\\u0000\""),
              QByteArray("\"\x7f\""), QByteArray("\"\\b\\t\\n\\f\\r\\\"\\\\\""), deepest,
              QByteArray("{\"\":null}"), QByteArray("\"\xf0\x9d\x84\x9e\""), QByteArray("true")}) {
            auto parsed = protocol::json::parseCanonical(input);
            QVERIFY2(parsed, qPrintable(QString::fromUtf8(input) + (parsed ? QString() : parsed.error().detail)));
            QCOMPARE(*protocol::json::serialize(*parsed), input);
        }
        QCOMPARE(protocol::json::parseCanonical("\"\\u007f\"").error().code, JsonErrorCode::NonMinimalEscape);
    }

    void serializeRejectsUnsupportedValues()
    {
        QCOMPARE(protocol::json::serialize(QJsonValue(1.5)).error().code, JsonErrorCode::UnsupportedValue);
        QCOMPARE(protocol::json::serialize(QJsonValue(std::numeric_limits<double>::infinity())).error().code,
                 JsonErrorCode::UnsupportedValue);
        QCOMPARE(protocol::json::serialize(QJsonValue(qint64(1) << 53)).error().code, JsonErrorCode::UnsupportedValue);
        QCOMPARE(protocol::json::serialize(QJsonValue(QJsonValue::Undefined)).error().code, JsonErrorCode::UnsupportedValue);
        QCOMPARE(protocol::json::serialize(QJsonValue(QString(QChar(0xd800)))).error().code, JsonErrorCode::InvalidUtf8);
        QJsonArray deep;
        for (int i = 0; i < 64; ++i)
            deep = QJsonArray{deep};
        QCOMPARE(protocol::json::serialize(deep).error().code, JsonErrorCode::TooDeep);
    }

    // parseCanonical checks the bytes and lets Qt's parser build the value: on random documents
    // (escapes, controls, non-ASCII and astral keys and strings, integers at the edges, nesting)
    // it gives what building one member at a time gives, value and number type alike.
    void readsAsBuildingDoes()
    {
        QRandomGenerator random(8785);
        const QStringList pieces = {QStringLiteral("a"), QStringLiteral("Z"), QStringLiteral("\""), QStringLiteral("\\"),
                                    QStringLiteral("\n"), QString(QChar(0x1f)), QString(QChar(0)), QStringLiteral("\u00e9"),
                                    QString(QChar(0xe000)), QStringLiteral("\U0001F600"), QStringLiteral("/"), QStringLiteral("\x7f")};
        const auto text = [&] {
            QString out;
            for (int i = int(random.bounded(4)); i > 0; --i)
                out += pieces.at(int(random.bounded(pieces.size())));
            return out;
        };
        // In every other document only plain ASCII keys, the documents Qt's parser builds, some
        // with characters that sort before the quote that ends a shorter key.
        bool plainKeys = false;
        const auto plainKey = [&] {
            QString out;
            for (int i = int(random.bounded(4)); i > 0; --i)
                out += QStringLiteral(" !#aZ~").at(random.bounded(6));
            return out;
        };
        const auto key = [&] { return plainKeys ? plainKey() : text(); };
        std::function<QJsonValue(int)> value = [&](int depth) -> QJsonValue {
            switch (depth > 3 ? random.bounded(4) : random.bounded(6)) {
            case 0: return QJsonValue(qint64(random.bounded(3)) - 1 + (random.bounded(2) ? protocol::json::maxSafeInteger - 1 : 0));
            case 1: return text();
            case 2: return random.bounded(2) ? QJsonValue(bool(random.bounded(2))) : QJsonValue(QJsonValue::Null);
            case 3: return QJsonValue(-qint64(random.bounded(1000)));
            case 4: {
                QJsonArray array;
                for (int i = int(random.bounded(4)); i > 0; --i)
                    array.append(value(depth + 1));
                return array;
            }
            default: {
                QJsonObject object;
                for (int i = int(random.bounded(5)); i > 0; --i)
                    object.insert(key(), value(depth + 1));
                return object;
            }
            }
        };
        for (int round = 0; round < 2000; ++round) {
            plainKeys = round % 2 == 0;
            QJsonObject document{{key(), value(0)}, {QStringLiteral("n"), value(0)}};
            const QByteArray bytes = *protocol::json::serialize(document);
            const auto fast = protocol::json::parseCanonical(bytes);
            const auto built = protocol::json::parseCanonicalByBuilding(bytes);
            QVERIFY2(fast && built, bytes.constData());
            QVERIFY2(*fast == *built, bytes.constData());
            QCOMPARE(*protocol::json::serialize(*fast), bytes);
        }
        // The accepted edge cases inside a container, where Qt's parser builds them.
        for (const QByteArray &input : {QByteArray("[9007199254740991,-9007199254740991,0,-1]"), QByteArray("[\"\\u001f\\u0000\"]"),
                                        QByteArray("{\"\x7f\":\"\\b\\t\\n\\f\\r\\\"\\\\\"}"),
                                        QByteArray("{\"\":null,\"\xf0\x9d\x84\x9e\":[]}")}) {
            const auto fast = protocol::json::parseCanonical(input);
            QVERIFY2(fast, input.constData());
            QCOMPARE(*fast, *protocol::json::parseCanonicalByBuilding(input));
            QCOMPARE(*protocol::json::serialize(*fast), input);
        }
        QVERIFY(protocol::json::parseCanonical("[9007199254740991]")->toArray().at(0).toInteger() == protocol::json::maxSafeInteger);
    }

    // Every truncation of a valid document is rejected without crashing or reading past the end.
    void truncationsNeverCrash()
    {
        const QByteArray document = "{\"a\":[1,-2,\"x\\n\xc3\xa9\",true,false,null,{\"b\":{}}],\"c\":\"\xf0\x9f\x98\x80\"}";
        QVERIFY(protocol::json::parseCanonical(document));
        for (qsizetype length = 0; length < document.size(); ++length) {
            const QByteArray truncated = document.left(length); // a copy: sanitizers see its end
            QVERIFY(!protocol::json::parseCanonical(truncated));
        }
    }
};

QTEST_GUILESS_MAIN(TestCanonicalJson)
#include "test_canonical_json.moc"
