#include "protocol/canonical_json.h"
#include "protocol/schema_validator.h"
#include "support/sample_events.h"
#include "test_support.h"

#include <QJsonObject>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace cmeet;
using protocol::EventType;

Q_DECLARE_METATYPE(EventType)

class TestSchemaValidator : public QObject {
    Q_OBJECT

private:
    test::SampleMeeting m;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;

    QString contentError(EventType type, const QJsonObject &content) const
    {
        auto result = m_schemas->validateContent(type, content);
        return result ? QString() : result.error().detail;
    }

private Q_SLOTS:
    void initTestCase()
    {
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY2(schemas, qPrintable(schemas ? QString() : schemas.error()));
        m_schemas = *schemas;
    }

    // The files in schemas/ load as well as the compiled-in copy.
    void loadsFromDirectory()
    {
        auto fromDisk = protocol::SchemaValidator::load(QStringLiteral(CMEET_SCHEMAS_DIR));
        QVERIFY2(fromDisk, qPrintable(fromDisk ? QString() : fromDisk.error()));
        const protocol::Event poll = test::sampleEvent(EventType::Poll, m);
        QVERIFY((*fromDisk)->validate(poll));
    }

    void missingDirectoryIsAClearError()
    {
        auto missing = protocol::SchemaValidator::load(QStringLiteral("/nonexistent/schemas"));
        QVERIFY(!missing);
        QVERIFY(missing.error().contains(QStringLiteral("envelope.json")));
    }

    void contentViolations_data()
    {
        QTest::addColumn<EventType>("type");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value"); // Undefined: remove the key
        QTest::addColumn<QString>("mentions");

        QTest::newRow("poll one option") << EventType::Poll << QStringLiteral("options") << QJsonValue(QJsonArray{QStringLiteral("Yes")}) << QStringLiteral("options");
        QTest::newRow("poll duplicate options") << EventType::Poll << QStringLiteral("options") << QJsonValue(QJsonArray{QStringLiteral("A"), QStringLiteral("A")}) << QStringLiteral("options");
        QTest::newRow("poll uncompressed key") << EventType::Poll << QStringLiteral("votingKey") << QJsonValue(hex::encode(m.voting.publicKey().uncompressed())) << QStringLiteral("votingKey");
        QTest::newRow("poll no question") << EventType::Poll << QStringLiteral("question") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("question");
        QTest::newRow("comment empty") << EventType::Comment << QStringLiteral("text") << QJsonValue(QString()) << QStringLiteral("text");
        QTest::newRow("comment too long") << EventType::Comment << QStringLiteral("text") << QJsonValue(QString(5001, u'x')) << QStringLiteral("text");
        QTest::newRow("comment extra member") << EventType::Comment << QStringLiteral("mood") << QJsonValue(QStringLiteral("happy")) << QStringLiteral("mood");
        QTest::newRow("comment bad patient") << EventType::Comment << QStringLiteral("patient") << QJsonValue(QStringLiteral("P 001")) << QStringLiteral("patient");
        QTest::newRow("data change unknown field") << EventType::PatientDataChange << QStringLiteral("field") << QJsonValue(QStringLiteral("bloodType")) << QStringLiteral("field");
        QTest::newRow("vote short ciphertext") << EventType::Vote << QStringLiteral("ciphertext") << QJsonValue(QStringLiteral("0x00")) << QStringLiteral("ciphertext");
        QTest::newRow("pollEnd short secret") << EventType::PollEnd << QStringLiteral("votingSecret") << QJsonValue(QStringLiteral("0x01")) << QStringLiteral("votingSecret");
        QTest::newRow("start empty roster") << EventType::Start << QStringLiteral("roster") << QJsonValue(QJsonArray()) << QStringLiteral("roster");
        QTest::newRow("start no delegation") << EventType::Start << QStringLiteral("delegation") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("delegation");
        QTest::newRow("join bad delegation") << EventType::Join << QStringLiteral("delegation") << QJsonValue(QJsonObject{{QStringLiteral("purpose"), QStringLiteral("x")}}) << QStringLiteral("delegation");
        QTest::newRow("end with member") << EventType::End << QStringLiteral("note") << QJsonValue(QStringLiteral("bye")) << QStringLiteral("note");
        QTest::newRow("ack seq zero") << EventType::Ack << QStringLiteral("seq") << QJsonValue(0) << QStringLiteral("seq");
        QTest::newRow("ack no tree") << EventType::Ack << QStringLiteral("tree") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("tree");
        QTest::newRow("ackEnd no leaves") << EventType::AckEnd << QStringLiteral("leaves") << QJsonValue(QJsonArray()) << QStringLiteral("leaves");
        QTest::newRow("ackError bad code") << EventType::AckError << QStringLiteral("code") << QJsonValue(QStringLiteral("Bad Code")) << QStringLiteral("code");
    }

    void contentViolations()
    {
        QFETCH(EventType, type);
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QFETCH(QString, mentions);
        QJsonObject content = test::sampleContent(type, m);
        QVERIFY(contentError(type, content).isEmpty());
        if (value.isUndefined())
            content.remove(key);
        else
            content.insert(key, value);
        const QString error = contentError(type, content);
        QVERIFY2(!error.isEmpty(), "violation was accepted");
        QVERIFY2(error.contains(mentions) || error.contains(QStringLiteral("required")) || error.contains(QStringLiteral("additional")),
                 qPrintable(error));
        auto result = m_schemas->validateContent(type, content);
        QCOMPARE(result.error().code, protocol::ErrorCode::SchemaViolation);
    }

    // The largest vote allowed passes, one byte more fails: and matching a long pattern does not
    // exhaust the stack (std::regex recurses per character).
    void largestVote()
    {
        const QJsonObject largest{{QStringLiteral("ciphertext"), QString(QStringLiteral("0x") + QString(2 * 4096, u'a'))}};
        QVERIFY(contentError(EventType::Vote, largest).isEmpty());
        const QJsonObject tooLarge{{QStringLiteral("ciphertext"), QString(QStringLiteral("0x") + QString(2 * 4097, u'a'))}};
        QVERIFY(!contentError(EventType::Vote, tooLarge).isEmpty());
        const QJsonObject oddLength{{QStringLiteral("ciphertext"), QString(QStringLiteral("0x") + QString(2 * 100 + 1, u'a'))}};
        QVERIFY(!contentError(EventType::Vote, oddLength).isEmpty());
    }

    void envelopeViolations()
    {
        const QJsonObject good = test::sampleEvent(EventType::Comment, m).toJson();
        QVERIFY(m_schemas->validateEnvelope(good));
        QJsonObject noTs = good;
        noTs.remove(QStringLiteral("ts"));
        QVERIFY(!m_schemas->validateEnvelope(noTs));
        QJsonObject noRef = good;
        noRef.remove(QStringLiteral("ref"));
        QVERIFY(!m_schemas->validateEnvelope(noRef));
        QJsonObject startWithRef = test::sampleEvent(EventType::Start, m).toJson();
        QVERIFY(m_schemas->validateEnvelope(startWithRef));
        startWithRef.insert(QStringLiteral("ref"), good.value(QStringLiteral("ref")));
        QVERIFY(!m_schemas->validateEnvelope(startWithRef));
        QJsonObject ackErrorNoRef = test::sampleEvent(EventType::AckError, m).toJson();
        ackErrorNoRef.remove(QStringLiteral("ref"));
        QVERIFY(m_schemas->validateEnvelope(ackErrorNoRef));
        QJsonObject bigTs = good;
        bigTs.insert(QStringLiteral("ts"), qint64(4102444800000)); // 2100-01-01: beyond 32 bits, still valid
        QVERIFY(m_schemas->validateEnvelope(bigTs));
        QJsonObject badType = good;
        badType.insert(QStringLiteral("type"), QStringLiteral("shout"));
        QVERIFY(!m_schemas->validateEnvelope(badType));
    }

    // validate(Event) leaves the envelope to Event::fromObject: every envelope it accepts, the
    // schema must accept too. Each member of each type's sample, replaced by values near the
    // edges (or removed, or joined by another member); both must refuse some, or this proves nothing.
    void eventEnvelopesAreTheSchemas()
    {
        QList<QJsonValue> candidates{QJsonValue(), QJsonValue(true), QJsonValue(0), QJsonValue(-1), QJsonValue(1), QJsonValue(2), QJsonValue(1.5),
                                     QJsonValue(qint64(9007199254740991)), QJsonValue(9007199254740992.0), QJsonValue(QJsonObject{}), QJsonValue(QJsonArray{})};
        for (const QString &text : QStringList{QStringLiteral(""), QStringLiteral("comment"), QStringLiteral("Comment"), QStringLiteral("0x") + QString(40, u'a'),
                                    QStringLiteral("0x") + QString(40, u'A'), QStringLiteral("0x") + QString(39, u'a'), QStringLiteral("0x") + QString(64, u'b'),
                                    QStringLiteral("0x") + QString(63, u'b'), QStringLiteral("0X") + QString(64, u'b'), QStringLiteral("4f9d0a52-6b1e-4c3a-9e7d-2a1b3c4d5e6f"),
                                    QStringLiteral("4f9d0a52-6b1e-6c3a-9e7d-2a1b3c4d5e6f"), QStringLiteral("4f9d0a52-6b1e-4c3a-7e7d-2a1b3c4d5e6f"),
                                    QStringLiteral("4F9D0A52-6B1E-4C3A-9E7D-2A1B3C4D5E6F")})
            candidates.append(text);
        int bothRefused = 0;
        int accepted = 0;
        for (const EventType type : protocol::allEventTypes) {
            const protocol::Event sample = test::sampleEvent(type, m);
            const QJsonValue sig = sample.toJson().value(QStringLiteral("sig"));
            QJsonObject body = sample.toJson();
            body.remove(QStringLiteral("sig"));
            QList<QJsonObject> variants;
            for (const QString &member : {QStringLiteral("v"), QStringLiteral("type"), QStringLiteral("meeting"), QStringLiteral("by"), QStringLiteral("ref"),
                                          QStringLiteral("ts"), QStringLiteral("content"), QStringLiteral("extra")}) {
                QJsonObject without = body;
                without.remove(member);
                variants.append(without);
                for (const QJsonValue &value : candidates) {
                    QJsonObject changed = body;
                    changed.insert(member, value);
                    variants.append(changed);
                }
            }
            for (const QJsonObject &variant : variants) {
                QJsonObject signedVariant = variant;
                signedVariant.insert(QStringLiteral("sig"), sig);
                const auto bytes = protocol::json::serialize(signedVariant);
                const auto event = bytes ? protocol::Event::fromWire(*bytes) : unexpected(protocol::ProtocolError{});
                const bool schemaAccepts = m_schemas->validateEnvelope(signedVariant).hasValue();
                QVERIFY2(!event || schemaAccepts, qPrintable(QStringLiteral("Event accepts an envelope the schema refuses: ")
                                                              + QString::fromUtf8(QJsonDocument(signedVariant).toJson(QJsonDocument::Compact))));
                accepted += event ? 1 : 0;
                bothRefused += !event && !schemaAccepts ? 1 : 0;
            }
        }
        QVERIFY(accepted > 50 && bothRefused > 500);
        // An unsigned event is refused with the envelope's reason.
        const protocol::Event comment = test::sampleEvent(EventType::Comment, m);
        const auto unsignedEvent = protocol::Event::create({comment.type(), comment.meeting(), comment.by(), comment.ref(), comment.ts(), comment.content()});
        QVERIFY(unsignedEvent);
        const auto refused = m_schemas->validate(*unsignedEvent);
        QVERIFY(!refused && refused.error().detail.contains(QStringLiteral("\"sig\" is required")));
    }

    // Every content schema compiles (or an audit falls back to valijson, twenty times slower on it),
    // and the compiled schemas accept what valijson accepts and refuse what it refuses: each member
    // of each type's sample (and of its objects and arrays one level down) removed, replaced by
    // values near the edges, or joined by another member.
    void compiledSchemasAgreeWithValijson()
    {
        const QJsonValue emoji = QStringLiteral("\U0001F600"); // two UTF-16 units, one code point
        QList<QJsonValue> candidates{QJsonValue(QJsonValue::Null), QJsonValue(true), QJsonValue(false), QJsonValue(0), QJsonValue(1), QJsonValue(-1),
                                     QJsonValue(1.5), QJsonValue(qint64(9007199254740991)), QJsonValue(9007199254740992.0), QJsonValue(1e300),
                                     QJsonValue(QJsonObject{}), QJsonValue(QJsonArray{}), QJsonValue(QJsonArray{QStringLiteral("a"), QStringLiteral("a")}),
                                     QJsonValue(QJsonArray{1, 2}), QJsonValue(QJsonArray{QJsonObject{}})};
        for (const QString &text :
             QStringList{QString(), QStringLiteral("x"), QStringLiteral("P-001"), QStringLiteral("P 001"), QStringLiteral("0x"), QStringLiteral("0x") + QString(40, u'a'),
                         QStringLiteral("0x") + QString(64, u'b'), QStringLiteral("0x") + QString(130, u'c'), QStringLiteral("0x02") + QString(64, u'd'),
                         QStringLiteral("0x") + QString(122, u'e'), QStringLiteral("4f9d0a52-6b1e-4c3a-9e7d-2a1b3c4d5e6f"), QString(200, u'y'), QString(201, u'y'),
                         QString(200, u'\u00e9'), QString(5000, u'z'), QString(5001, u'z'), emoji.toString().repeated(5000), emoji.toString().repeated(5001),
                         QStringLiteral("cmeet-delegation"), QStringLiteral("image/png"), QStringLiteral("diagnosis")})
            candidates.append(text);
        const auto mutations = [&](const QJsonValue &value) {
            QList<QJsonValue> changed = candidates;
            if (value.isString()) {
                changed << value.toString().toUpper() << value.toString().chopped(qMin<qsizetype>(1, value.toString().size())) << QString(value.toString() + u'0');
            } else if (value.isArray() && !value.toArray().isEmpty()) {
                const QJsonArray array = value.toArray();
                changed << QJsonArray{array.first()} << QJsonArray{array.first(), array.first()} << QJsonValue(array + QJsonValue(1))
                        << QJsonValue(array + QJsonValue(QStringLiteral("zz")));
            }
            return changed;
        };
        const auto variantsOf = [&](const QJsonObject &object) {
            QList<QJsonObject> variants{object};
            QJsonObject extra = object;
            extra.insert(QStringLiteral("extra"), 1);
            variants.append(extra);
            for (auto member = object.begin(); member != object.end(); ++member) {
                QJsonObject without = object;
                without.remove(member.key());
                variants.append(without);
                for (const QJsonValue &value : mutations(member.value())) {
                    QJsonObject changed = object;
                    changed.insert(member.key(), value);
                    variants.append(changed);
                }
            }
            return variants;
        };
        int accepted = 0;
        int refused = 0;
        for (const EventType type : protocol::allEventTypes) {
            const QJsonObject sample = test::sampleContent(type, m);
            QVERIFY2(m_schemas->compiledAccepts(type, sample) == std::optional(true), qPrintable(protocol::typeName(type)));
            QList<QJsonObject> variants = variantsOf(sample);
            for (auto member = sample.begin(); member != sample.end(); ++member) { // one level down
                QList<QJsonObject> inner;
                if (member.value().isObject())
                    inner = variantsOf(member.value().toObject());
                for (const QJsonValue &item : member.value().toArray())
                    inner += item.isObject() ? variantsOf(item.toObject()) : QList<QJsonObject>{};
                for (const QJsonObject &changed : inner) {
                    QJsonObject variant = sample;
                    variant.insert(member.key(), member.value().isObject() ? QJsonValue(changed) : QJsonValue(QJsonArray{changed}));
                    variants.append(variant);
                }
            }
            for (const QJsonObject &variant : variants) {
                const bool reference = m_schemas->validateContentByReference(type, variant).hasValue();
                QVERIFY2(m_schemas->compiledAccepts(type, variant) == std::optional(reference),
                         qPrintable(QStringLiteral("%1: valijson %2 ").arg(protocol::typeName(type), reference ? QStringLiteral("accepts") : QStringLiteral("refuses"))
                                    + QString::fromUtf8(QJsonDocument(variant).toJson(QJsonDocument::Compact)).left(400)));
                QCOMPARE(m_schemas->validateContent(type, variant).hasValue(), reference);
                (reference ? accepted : refused) += 1;
            }
        }
        QVERIFY2(accepted > 100 && refused > 1000, qPrintable(QStringLiteral("%1 accepted, %2 refused").arg(accepted).arg(refused)));
        // A string holding U+0000 is left to valijson, whose lengths stop there: the verdict is its own.
        const QJsonObject nul{{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("text"), QString(QChar(u'\0'))}};
        QCOMPARE(m_schemas->compiledAccepts(EventType::Comment, nul), std::optional(false));
        QCOMPARE(m_schemas->validateContent(EventType::Comment, nul).hasValue(), m_schemas->validateContentByReference(EventType::Comment, nul).hasValue());
        // So are unique options holding lone surrogates, which UTF-8 may make equal.
        QJsonObject poll = test::sampleContent(EventType::Poll, m);
        poll.insert(QStringLiteral("options"), QJsonArray{QString(QChar(0xd800)), QString(QChar(0xdc00))});
        QCOMPARE(m_schemas->compiledAccepts(EventType::Poll, poll), std::optional(false));
        QCOMPARE(m_schemas->validateContent(EventType::Poll, poll).hasValue(), m_schemas->validateContentByReference(EventType::Poll, poll).hasValue());
    }
};

QTEST_GUILESS_MAIN(TestSchemaValidator)
#include "test_schema_validator.moc"
