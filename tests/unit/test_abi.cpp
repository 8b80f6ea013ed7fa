#include "chain/abi.h"
#include "test_support.h"

#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;
using chain::ErrorCode;
using chain::UInt256;
using chain::abi::Type;
using chain::abi::Value;

namespace {

Type typeOf(const QString &text)
{
    auto type = Type::parse(text);
    if (!type)
        qFatal("bad type in test: %s", qPrintable(text));
    return *type;
}

QList<Type> typesOf(const QString &text)
{
    auto types = chain::abi::parseTypes(text);
    if (!types)
        qFatal("bad types in test: %s", qPrintable(text));
    return *types;
}

QByteArray word(quint64 value)
{
    return UInt256(value).toBigEndian();
}

// Concatenated 0x-less hex words, as the Solidity documentation prints them.
QByteArray words(const QStringList &hexWords)
{
    return test::fromHex(QStringLiteral("0x") + hexWords.join(QString()));
}

QByteArray leftPadded(const QByteArray &bytes)
{
    return QByteArray(QByteArray(32 - bytes.size(), '\0') + bytes);
}

QByteArray rightPadded(const QByteArray &bytes)
{
    return QByteArray(bytes + QByteArray(32 - bytes.size(), '\0'));
}

void expectDecodeError(const QString &types, const QByteArray &data, ErrorCode code)
{
    auto decoded = chain::abi::decode(typesOf(types), data);
    QVERIFY2(!decoded, qPrintable(types));
    QCOMPARE(decoded.error().code, code);
}

void expectEncodeError(const QString &types, const QList<Value> &values)
{
    auto encoded = chain::abi::encode(typesOf(types), values);
    QVERIFY2(!encoded, qPrintable(types));
    QCOMPARE(encoded.error().code, ErrorCode::InvalidValue);
}

} // namespace

class TestAbi : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/abi.json")).array();
        QVERIFY(vectors.size() >= 3);
        for (const QJsonValue &vector : vectors) {
            if (vector[QStringLiteral("signature")].isString()) {
                const QString signature = vector[QStringLiteral("signature")].toString();
                QCOMPARE(chain::abi::selector(signature), test::fromHex(vector[QStringLiteral("selector")].toString()));
                auto parsed = chain::abi::parseSignature(signature);
                QVERIFY(parsed);
                QCOMPARE(parsed->canonical(), signature);
                continue;
            }
            QList<Type> types;
            QList<Value> values;
            const QJsonArray typeNames = vector[QStringLiteral("types")].toArray();
            const QJsonArray jsonValues = vector[QStringLiteral("values")].toArray();
            QCOMPARE(typeNames.size(), jsonValues.size());
            for (qsizetype i = 0; i < typeNames.size(); ++i) {
                types.append(typeOf(typeNames[i].toString()));
                auto value = chain::abi::fromJson(types.last(), jsonValues[i]);
                QVERIFY(value);
                values.append(*value);
            }
            const QByteArray expected = test::fromHex(vector[QStringLiteral("encoded")].toString());
            auto encoded = chain::abi::encode(types, values);
            QVERIFY(encoded);
            QCOMPARE(*encoded, expected);
            auto decoded = chain::abi::decode(types, expected);
            QVERIFY(decoded);
            QVERIFY(*decoded == values);
            QCOMPARE(decoded->first().kind(), values.first().kind());
        }
    }

    // The examples of the Solidity ABI specification (docs.soliditylang.org, "Examples").
    void specificationExamples()
    {
        QCOMPARE(chain::abi::selector(u"baz(uint32,bool)"), test::fromHex(QStringLiteral("0xcdcd77c0")));
        auto baz = chain::abi::encodeCall(u"baz(uint32,bool)", {Value::integer(69), Value::boolean(true)});
        QVERIFY(baz);
        QCOMPARE(*baz, QByteArray(test::fromHex(QStringLiteral("0xcdcd77c0")) + word(69) + word(1)));

        auto bar = chain::abi::encodeCall(u"bar(bytes3[2])",
                                          {Value::array({Value::fixedBytes("abc"), Value::fixedBytes("def")})});
        QVERIFY(bar);
        QCOMPARE(*bar, QByteArray(test::fromHex(QStringLiteral("0xfce353f6")) + rightPadded("abc") + rightPadded("def")));

        const QList<Value> fArguments = {Value::integer(0x123), Value::array({Value::integer(0x456), Value::integer(0x789)}),
                                         Value::fixedBytes("1234567890"), Value::bytes("Hello, world!")};
        auto f = chain::abi::encodeCall(u"f(uint256,uint32[],bytes10,bytes)", fArguments);
        QVERIFY(f);
        const QByteArray fExpected = words({
            QStringLiteral("8be65246"),
            QStringLiteral("0000000000000000000000000000000000000000000000000000000000000123"),
            QStringLiteral("0000000000000000000000000000000000000000000000000000000000000080"),
            QStringLiteral("3132333435363738393000000000000000000000000000000000000000000000"),
            QStringLiteral("00000000000000000000000000000000000000000000000000000000000000e0"),
            QStringLiteral("0000000000000000000000000000000000000000000000000000000000000002"),
            QStringLiteral("0000000000000000000000000000000000000000000000000000000000000456"),
            QStringLiteral("0000000000000000000000000000000000000000000000000000000000000789"),
            QStringLiteral("000000000000000000000000000000000000000000000000000000000000000d"),
            QStringLiteral("48656c6c6f2c20776f726c642100000000000000000000000000000000000000"),
        });
        QCOMPARE(*f, fExpected);
        auto fDecoded = chain::abi::decode(typesOf(QStringLiteral("uint256,uint32[],bytes10,bytes")), fExpected.mid(4));
        QVERIFY(fDecoded);
        QVERIFY(*fDecoded == fArguments);

        const QList<Value> gArguments = {
            Value::array({Value::array({Value::integer(1), Value::integer(2)}), Value::array({Value::integer(3)})}),
            Value::array({Value::string(QStringLiteral("one")), Value::string(QStringLiteral("two")),
                          Value::string(QStringLiteral("three"))})};
        auto g = chain::abi::encodeCall(u"g(uint256[][],string[])", gArguments);
        QVERIFY(g);
        QStringList gWords = {QStringLiteral("2289b18c")};
        for (const char *hexWord : {"40", "140", "2", "40", "a0", "2", "1", "2", "1", "3", "3", "60", "a0", "e0", "3"})
            gWords.append(QString::fromLatin1(leftPadded(QByteArray::fromHex(QByteArray(QByteArray(strlen(hexWord) % 2, '0') + hexWord))).toHex()));
        gWords.append(QString::fromLatin1(rightPadded("one").toHex()));
        gWords.append(QString::fromLatin1(word(3).toHex()));
        gWords.append(QString::fromLatin1(rightPadded("two").toHex()));
        gWords.append(QString::fromLatin1(word(5).toHex()));
        gWords.append(QString::fromLatin1(rightPadded("three").toHex()));
        QCOMPARE(*g, words(gWords));
        auto gDecoded = chain::abi::decode(typesOf(QStringLiteral("uint256[][],string[]")), g->mid(4));
        QVERIFY(gDecoded);
        QVERIFY(*gDecoded == gArguments);
        QCOMPARE(gDecoded->at(1).items().at(2).stringValue(), QStringLiteral("three"));
    }

    void selectorsAndTopics()
    {
        QCOMPARE(chain::abi::selector(u"transfer(address,uint256)"), test::fromHex(QStringLiteral("0xa9059cbb")));
        QCOMPARE(chain::abi::eventTopic(u"Transfer(address,address,uint256)"),
                 test::fromHex(QStringLiteral("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")));
        // "uint" is spelled uint256 in the canonical signature the selector hashes.
        auto parsed = chain::abi::parseSignature(u"transfer(address,uint)");
        QVERIFY(parsed);
        QCOMPARE(parsed->name, QStringLiteral("transfer"));
        QCOMPARE(parsed->canonical(), QStringLiteral("transfer(address,uint256)"));
        QCOMPARE(chain::abi::parseSignature(u"ping()")->canonical(), QStringLiteral("ping()"));
        for (const QString &bad : {QStringLiteral("transfer"), QStringLiteral("(uint256)"), QStringLiteral("f(uint256"),
                                   QStringLiteral("f(uint256,)"), QStringLiteral("f(address to)"), QStringLiteral("1f()"),
                                   QStringLiteral("f-g()"), QStringLiteral("f(int256)")}) {
            auto signature = chain::abi::parseSignature(bad);
            QVERIFY2(!signature, qPrintable(bad));
            QCOMPARE(signature.error().code, ErrorCode::InvalidType);
        }
    }

    void typeParsing()
    {
        QCOMPARE(typeOf(QStringLiteral("uint")).canonicalName(), QStringLiteral("uint256"));
        QCOMPARE(typeOf(QStringLiteral("uint8")).size(), 8);
        QCOMPARE(typeOf(QStringLiteral("bytes32")).size(), 32);
        QCOMPARE(typeOf(QStringLiteral("(uint,(bytes,address)[2])[]")).canonicalName(),
                 QStringLiteral("(uint256,(bytes,address)[2])[]"));
        QVERIFY(!typeOf(QStringLiteral("(uint256,address)")).isDynamic());
        QCOMPARE(typeOf(QStringLiteral("(uint256,address)")).headSize(), 64);
        QCOMPARE(typeOf(QStringLiteral("uint256[3][2]")).headSize(), 192);
        QVERIFY(typeOf(QStringLiteral("string[2]")).isDynamic());
        QCOMPARE(typeOf(QStringLiteral("string[2]")).headSize(), 32);
        QCOMPARE(chain::abi::parseTypes(QString())->size(), 0);

        for (const QString &bad :
             {QString(), QStringLiteral("uint7"), QStringLiteral("uint0"), QStringLiteral("uint08"), QStringLiteral("uint264"),
              QStringLiteral("bytes0"), QStringLiteral("bytes33"), QStringLiteral("bytes01"), QStringLiteral("int256"),
              QStringLiteral("fixed128x18"), QStringLiteral("function"), QStringLiteral("()"), QStringLiteral("(uint256"),
              QStringLiteral("uint256)"), QStringLiteral("uint256["), QStringLiteral("uint256[0]"), QStringLiteral("uint256[01]"),
              QStringLiteral("uint256[-1]"), QStringLiteral("uint256]"), QStringLiteral(" uint256"), QStringLiteral("Uint256"),
              QStringLiteral("uint256[1000000][1000000][1000000]"), QStringLiteral("uint256,address"),
              QString(QStringLiteral("uint256") + QStringLiteral("[]").repeated(chain::abi::maxTypeDepth + 1))}) {
            auto type = Type::parse(bad);
            QVERIFY2(!type, qPrintable(bad));
            QCOMPARE(type.error().code, ErrorCode::InvalidType);
        }
    }

    void tuples()
    {
        // f((uint256,string)[]) with [(1, "a")], laid out by hand from the specification's rules.
        const Value argument = Value::array({Value::tuple({Value::integer(1), Value::string(QStringLiteral("a"))})});
        const QList<Type> types = typesOf(QStringLiteral("(uint256,string)[]"));
        auto encoded = chain::abi::encode(types, {argument});
        QVERIFY(encoded);
        const QByteArray expected = QByteArray(word(0x20) + word(1) + word(0x20) + word(1) + word(0x40) + word(1) + rightPadded("a"));
        QCOMPARE(*encoded, expected);
        auto decoded = chain::abi::decode(types, expected);
        QVERIFY(decoded);
        QVERIFY(decoded->first() == argument);

        // A static tuple sits in the head.
        const QList<Type> staticTypes = typesOf(QStringLiteral("(uint8,bool),address"));
        const crypto::Address address = crypto::Address::fromHex(u"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf").value();
        auto staticEncoded = chain::abi::encode(staticTypes, {Value::tuple({Value::integer(7), Value::boolean(false)}), Value::address(address)});
        QVERIFY(staticEncoded);
        QCOMPARE(*staticEncoded, QByteArray(word(7) + word(0) + leftPadded(address.bytes())));
        QCOMPARE(chain::abi::decode(staticTypes, *staticEncoded)->at(1).addressValue(), address);

        // Trailing bytes after the encoding are ignored, as Solidity does.
        QVERIFY(chain::abi::decode(typesOf(QStringLiteral("uint256")), QByteArray(word(1) + word(2))));
    }

    void jsonValues()
    {
        QCOMPARE(chain::abi::fromJson(typeOf(QStringLiteral("uint256")), 42)->integerValue(), UInt256(42));
        QCOMPARE(chain::abi::fromJson(typeOf(QStringLiteral("uint256")), QStringLiteral("0x2a"))->integerValue(), UInt256(42));
        QCOMPARE(chain::abi::fromJson(typeOf(QStringLiteral("uint256")), QStringLiteral("42"))->integerValue(), UInt256(42));
        QCOMPARE(chain::abi::fromJson(typeOf(QStringLiteral("(uint8,string)")), QJsonArray{1, QStringLiteral("x")})->items().size(), 2);

        const auto expectBad = [](const QString &type, const QJsonValue &json, ErrorCode code) {
            auto value = chain::abi::fromJson(typeOf(type), json);
            QVERIFY2(!value, qPrintable(type));
            QCOMPARE(value.error().code, code);
        };
        expectBad(QStringLiteral("uint256"), -1, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256"), 1.5, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256"), 1e300, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256"), true, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256"), QStringLiteral("forty-two"), ErrorCode::InvalidNumber);
        expectBad(QStringLiteral("uint8"), 256, ErrorCode::Overflow);
        expectBad(QStringLiteral("address"), QStringLiteral("0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf"), ErrorCode::InvalidValue); // checksum
        expectBad(QStringLiteral("bool"), 1, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("bytes4"), QStringLiteral("0x010203"), ErrorCode::InvalidValue);
        expectBad(QStringLiteral("bytes"), QStringLiteral("0x123"), ErrorCode::InvalidValue);
        expectBad(QStringLiteral("string"), 5, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256[2]"), QJsonArray{1}, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("(uint256,bool)"), QJsonArray{1}, ErrorCode::InvalidValue);
        expectBad(QStringLiteral("uint256[]"), 1, ErrorCode::InvalidValue);
    }

    void encodeMismatches()
    {
        expectEncodeError(QStringLiteral("uint256"), {});
        expectEncodeError(QStringLiteral("uint256"), {Value::boolean(true)});
        expectEncodeError(QStringLiteral("uint8"), {Value::integer(256)});
        expectEncodeError(QStringLiteral("address"), {Value::integer(1)});
        expectEncodeError(QStringLiteral("bool"), {Value::integer(1)});
        expectEncodeError(QStringLiteral("bytes32"), {Value::fixedBytes(QByteArray(31, 'a'))});
        expectEncodeError(QStringLiteral("bytes32"), {Value::bytes(QByteArray(32, 'a'))});
        expectEncodeError(QStringLiteral("bytes"), {Value::string(QStringLiteral("a"))});
        expectEncodeError(QStringLiteral("string"), {Value::bytes("a")});
        expectEncodeError(QStringLiteral("uint256[]"), {Value::tuple({})});
        expectEncodeError(QStringLiteral("uint256[2]"), {Value::array({Value::integer(1)})});
        expectEncodeError(QStringLiteral("uint256[]"), {Value::array({Value::boolean(true)})});
        expectEncodeError(QStringLiteral("(uint256,bool)"), {Value::tuple({Value::integer(1)})});
        auto call = chain::abi::encodeCall(u"f(uint256", {});
        QVERIFY(!call);
        QCOMPARE(call.error().code, ErrorCode::InvalidType);
    }

    void decodeErrors()
    {
        // Truncated heads.
        expectDecodeError(QStringLiteral("uint256"), QByteArray(31, '\0'), ErrorCode::Truncated);
        expectDecodeError(QStringLiteral("uint256,uint256"), word(1), ErrorCode::Truncated);
        expectDecodeError(QStringLiteral("uint256[2]"), word(1), ErrorCode::Truncated);
        expectDecodeError(QStringLiteral("bytes"), QByteArray(), ErrorCode::Truncated);
        // Offset at the very end: the length word is missing.
        expectDecodeError(QStringLiteral("bytes"), word(0x20), ErrorCode::Truncated);
        expectDecodeError(QStringLiteral("(uint256,string)"), word(0x20), ErrorCode::Truncated);
        // Offsets and lengths past the data.
        expectDecodeError(QStringLiteral("bytes"), word(0x40), ErrorCode::OutOfBounds);
        expectDecodeError(QStringLiteral("bytes"), QByteArray(word(0x20) + word(33) + word(0)), ErrorCode::OutOfBounds);
        expectDecodeError(QStringLiteral("string"), QByteArray(word(0x20) + word(1)), ErrorCode::OutOfBounds);
        expectDecodeError(QStringLiteral("uint256[]"), QByteArray(word(0x20) + word(2) + word(1)), ErrorCode::OutOfBounds);
        expectDecodeError(QStringLiteral("uint256[]"), QByteArray(word(0x20) + word(quint64{1} << 40)), ErrorCode::OutOfBounds);
        expectDecodeError(QStringLiteral("bytes[]"), QByteArray(word(0x20) + word(1) + word(0x1000)), ErrorCode::OutOfBounds);
        // Offsets and lengths that do not fit 64 bits (or come near).
        expectDecodeError(QStringLiteral("bytes"), UInt256::max().toBigEndian(), ErrorCode::Overflow);
        expectDecodeError(QStringLiteral("bytes"), QByteArray(word(0x20) + UInt256::max().toBigEndian()), ErrorCode::Overflow);
        expectDecodeError(QStringLiteral("uint256[]"), QByteArray(word(0x20) + word(std::numeric_limits<quint64>::max())),
                          ErrorCode::Overflow);
        // Values outside their type, dirty padding.
        expectDecodeError(QStringLiteral("uint8"), word(256), ErrorCode::Overflow);
        expectDecodeError(QStringLiteral("uint64"), UInt256::max().toBigEndian(), ErrorCode::Overflow);
        expectDecodeError(QStringLiteral("address"), QByteArray(32, '\x01'), ErrorCode::InvalidValue);
        expectDecodeError(QStringLiteral("bool"), word(2), ErrorCode::InvalidValue);
        expectDecodeError(QStringLiteral("bool"), QByteArray(QByteArray(1, '\x01') + QByteArray(31, '\0')), ErrorCode::InvalidValue);
        expectDecodeError(QStringLiteral("bytes4"), QByteArray(QByteArray("abcde") + QByteArray(27, '\0')), ErrorCode::InvalidValue);
        expectDecodeError(QStringLiteral("string"), QByteArray(word(0x20) + word(1) + rightPadded("\xff")), ErrorCode::InvalidValue);
    }

    // Offsets may all point at the same bytes: n outer elements sharing one m-element array would
    // decode to n * m values from n + m words. The decoder stops such amplification.
    void offsetReuseIsBounded()
    {
        const int n = 1000;
        const int m = 1000;
        QByteArray data = QByteArray(word(0x20) + word(n));
        for (int i = 0; i < n; ++i)
            data.append(word(static_cast<quint64>(n) * 32));
        data.append(word(m));
        for (int i = 0; i < m; ++i)
            data.append(word(static_cast<quint64>(i)));
        expectDecodeError(QStringLiteral("uint256[][]"), data, ErrorCode::TooLarge);

        // The same shape with honest sizes decodes.
        QByteArray small = QByteArray(word(0x20) + word(2) + word(0x40) + word(0x40) + word(1) + word(9));
        auto decoded = chain::abi::decode(typesOf(QStringLiteral("uint256[][]")), small);
        QVERIFY(decoded);
        QCOMPARE(decoded->first().items().size(), 2);
        QCOMPARE(decoded->first().items().at(1).items().at(0).integerValue(), UInt256(9));
    }

    // Corrupted encodings of nested dynamic types decode to a value or an error, never a crash
    // (the sanitizer build checks the reads).
    void mutatedInputsNeverCrash()
    {
        const QList<Type> types = typesOf(QStringLiteral("uint256[][],string[],(bytes,address)[2],bool"));
        const QList<Value> values = {
            Value::array({Value::array({Value::integer(1), Value::integer(2)}), Value::array({})}),
            Value::array({Value::string(QStringLiteral("one")), Value::string(QString())}),
            Value::array({Value::tuple({Value::bytes("x"), Value::address(crypto::Address())}),
                          Value::tuple({Value::bytes(QByteArray(40, 'y')), Value::address(crypto::Address())})}),
            Value::boolean(true)};
        const QByteArray encoded = chain::abi::encode(types, values).value();
        QVERIFY(*chain::abi::decode(types, encoded) == values);
        QRandomGenerator random(712);
        int accepted = 0;
        for (int round = 0; round < 5000; ++round) {
            QByteArray data = encoded;
            for (quint32 flips = random.bounded(1, 4); flips > 0; --flips) {
                const auto position = static_cast<qsizetype>(random.bounded(static_cast<quint32>(data.size())));
                data[position] = static_cast<char>(random.bounded(4) == 0 ? 0xff : random.bounded(0x100));
            }
            if (random.bounded(4) == 0)
                data.truncate(static_cast<qsizetype>(random.bounded(static_cast<quint32>(data.size()))));
            if (chain::abi::decode(types, data))
                ++accepted;
        }
        QVERIFY(accepted > 0);
    }
};

QTEST_GUILESS_MAIN(TestAbi)
#include "test_abi.moc"
