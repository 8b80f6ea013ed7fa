#include "crypto/keccak.h"
#include "protocol/canonical_json.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"
#include "support/sample_events.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace cmeet;
using protocol::ErrorCode;
using protocol::Event;
using protocol::EventType;

Q_DECLARE_METATYPE(EventType)

namespace {

QByteArray canonical(const QJsonObject &object) { return *protocol::json::serialize(object); }

QString codeOf(const Expected<Event, protocol::ProtocolError> &result)
{
    return result ? QStringLiteral("accepted") : protocol::wireCode(result.error().code);
}

} // namespace

class TestEvent : public QObject {
    Q_OBJECT

private:
    test::SampleMeeting m_meeting;
    std::shared_ptr<const protocol::SchemaValidator> m_schemas;

    // The whole receiver-side check: bytes, schema, and the expected signer.
    bool fullyVerifies(QByteArrayView wire, const crypto::Address &expectedSigner) const
    {
        auto event = Event::fromWire(wire);
        return event && m_schemas->validate(*event) && event->verifySignedBy(expectedSigner);
    }

private Q_SLOTS:
    void initTestCase()
    {
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY2(schemas, qPrintable(schemas ? QString() : schemas.error()));
        m_schemas = *schemas;
    }

    void everyTypeRoundTrips_data()
    {
        QTest::addColumn<EventType>("type");
        for (const EventType type : protocol::allEventTypes)
            QTest::newRow(qPrintable(protocol::typeName(type))) << type;
    }

    void everyTypeRoundTrips()
    {
        QFETCH(EventType, type);
        const Event event = test::sampleEvent(type, m_meeting);
        const crypto::Address signer = test::signerFor(type, m_meeting).address();

        // Canonical: the wire bytes parse strictly and serialise to themselves.
        auto reparsed = protocol::json::parseCanonical(event.wireBytes());
        QVERIFY(reparsed);
        QCOMPARE(*protocol::json::serialize(*reparsed), event.wireBytes());
        QVERIFY(!protocol::json::parseCanonical(event.hashedBytes())->toObject().contains(QStringLiteral("sig")));
        QCOMPARE(event.id(), crypto::keccak256(event.hashedBytes()));

        auto valid = m_schemas->validate(event);
        QVERIFY2(valid, qPrintable(valid ? QString() : valid.error().detail));

        auto received = Event::fromWire(event.wireBytes());
        QVERIFY2(received, qPrintable(received ? QString() : received.error().detail));
        QCOMPARE(received->id(), event.id());
        QCOMPARE(received->hashedBytes(), event.hashedBytes());
        QCOMPARE(received->type(), type);
        QCOMPARE(received->meeting(), m_meeting.meeting);
        QCOMPARE(received->ts(), m_meeting.ts);
        QCOMPARE(received->content(), event.content());
        QCOMPARE(received->ref().has_value(), type != EventType::Start);
        QVERIFY(received->verifySignedBy(signer));
        QCOMPARE(*received->recoverSigner(), signer);

        auto wrongSigner = received->verifySignedBy(test::SampleMeeting::fixedKey(99).address());
        QVERIFY(!wrongSigner);
        QCOMPARE(wrongSigner.error().code, ErrorCode::WrongSigner);
    }

    // Flipping any single byte of a signed event makes the full check fail.
    void everyFlippedByteFails_data()
    {
        QTest::addColumn<EventType>("type");
        for (const EventType type : {EventType::Comment, EventType::Start, EventType::Ack})
            QTest::newRow(qPrintable(protocol::typeName(type))) << type;
    }

    void everyFlippedByteFails()
    {
        QFETCH(EventType, type);
        const Event event = test::sampleEvent(type, m_meeting);
        const crypto::Address signer = test::signerFor(type, m_meeting).address();
        const QByteArray wire = event.wireBytes();
        QVERIFY(fullyVerifies(wire, signer));
        for (qsizetype i = 0; i < wire.size(); ++i) {
            for (const char mask : {'\x01', '\x20', '\x80'}) {
                QByteArray tampered = wire;
                tampered[i] = static_cast<char>(tampered[i] ^ mask);
                QVERIFY2(!fullyVerifies(tampered, signer), qPrintable(QStringLiteral("byte %1 mask %2").arg(i).arg(int(mask))));
            }
        }
    }

    void envelopeRejections_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QString>("code");

        const Event comment = test::sampleEvent(EventType::Comment, m_meeting);
        const QJsonObject base = comment.toJson();
        const auto with = [&](const QString &key, const QJsonValue &value) {
            QJsonObject object = base;
            object.insert(key, value);
            return canonical(object);
        };
        const auto without = [&](const QString &key) {
            QJsonObject object = base;
            object.remove(key);
            return canonical(object);
        };

        QTest::newRow("not json") << QByteArray("hello") << QStringLiteral("malformed_json");
        QTest::newRow("truncated") << comment.wireBytes().chopped(1) << QStringLiteral("malformed_json");
        QTest::newRow("pretty printed") << QJsonDocument(base).toJson() << QStringLiteral("non_canonical");
        QByteArray reordered = comment.wireBytes();
        reordered.replace("{\"by\"", "{\"zz\":0,\"by\"");
        QTest::newRow("unsorted keys") << reordered << QStringLiteral("non_canonical");
        QTest::newRow("array") << QByteArray("[1]") << QStringLiteral("malformed_event");
        QTest::newRow("too large") << QByteArray(protocol::maxEventBytes + 1, ' ') << QStringLiteral("too_large");
        QTest::newRow("unknown member") << with(QStringLiteral("extra"), 1) << QStringLiteral("malformed_event");
        QTest::newRow("version 2") << with(QStringLiteral("v"), 2) << QStringLiteral("unsupported_version");
        QTest::newRow("version string") << with(QStringLiteral("v"), QStringLiteral("1")) << QStringLiteral("malformed_event");
        QTest::newRow("unknown type") << with(QStringLiteral("type"), QStringLiteral("shout")) << QStringLiteral("unknown_type");
        QTest::newRow("uppercase meeting") << with(QStringLiteral("meeting"), m_meeting.meeting.toUpper()) << QStringLiteral("malformed_event");
        QTest::newRow("meeting not uuid") << with(QStringLiteral("meeting"), QStringLiteral("meeting-1")) << QStringLiteral("malformed_event");
        QTest::newRow("checksummed by") << with(QStringLiteral("by"), m_meeting.host.address().toChecksumHex()) << QStringLiteral("malformed_event");
        QTest::newRow("short ref") << with(QStringLiteral("ref"), QStringLiteral("0x1234")) << QStringLiteral("malformed_event");
        QTest::newRow("missing ref") << without(QStringLiteral("ref")) << QStringLiteral("malformed_event");
        QTest::newRow("negative ts") << with(QStringLiteral("ts"), -1) << QStringLiteral("malformed_event");
        QByteArray floatTs = comment.wireBytes();
        floatTs.replace(QByteArray("\"ts\":" + QByteArray::number(m_meeting.ts)), QByteArray("\"ts\":1.5"));
        QVERIFY(floatTs != comment.wireBytes());
        QTest::newRow("float ts") << floatTs << QStringLiteral("non_canonical");
        QTest::newRow("content array") << with(QStringLiteral("content"), QJsonArray()) << QStringLiteral("malformed_event");
        QTest::newRow("missing sig") << without(QStringLiteral("sig")) << QStringLiteral("missing_signature");
        QTest::newRow("only a sig") << canonical(QJsonObject{{QStringLiteral("sig"), comment.signature()->toHex()}}) << QStringLiteral("malformed_event");
        QTest::newRow("sig and ts only") << canonical(QJsonObject{{QStringLiteral("sig"), comment.signature()->toHex()}, {QStringLiteral("ts"), 1}})
                                         << QStringLiteral("malformed_event");
        QTest::newRow("uppercase sig") << with(QStringLiteral("sig"), comment.signature()->toHex().toUpper().replace(QStringLiteral("0X"), QStringLiteral("0x")))
                                       << QStringLiteral("bad_signature");
        QTest::newRow("short sig") << with(QStringLiteral("sig"), comment.signature()->toHex().chopped(2)) << QStringLiteral("bad_signature");

        QJsonObject startWithRef = test::sampleEvent(EventType::Start, m_meeting).toJson();
        startWithRef.insert(QStringLiteral("ref"), comment.idHex());
        QTest::newRow("start with ref") << canonical(startWithRef) << QStringLiteral("malformed_event");

        const QByteArray highS = test::highSTwin(comment.signature()->bytes());
        QTest::newRow("high-s sig") << with(QStringLiteral("sig"), hex::encode(highS)) << QStringLiteral("bad_signature");
    }

    void envelopeRejections()
    {
        QFETCH(QByteArray, wire);
        QFETCH(QString, code);
        auto result = Event::fromWire(wire);
        QCOMPARE(codeOf(result), code);
        QVERIFY(!result.error().detail.isEmpty());
    }

    // A huge or control-laden member name comes back short and escaped, never verbatim.
    void detailsAreBounded()
    {
        QJsonObject object = test::sampleEvent(EventType::Comment, m_meeting).toJson();
        object.insert(QString(100000, u'k') + QStringLiteral("\x1b[31m"), 1);
        auto result = Event::fromWire(canonical(object));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::MalformedEvent);
        QVERIFY2(result.error().detail.size() < 200, qPrintable(result.error().detail.left(300)));
        QCOMPARE(protocol::quoted(QStringLiteral("a\x1b")), QStringLiteral("\"a\\u001b\""));
    }

    void highSDetailSaysSo()
    {
        // The reason names the rule, so a client developer knows what to fix.
        const Event comment = test::sampleEvent(EventType::Comment, m_meeting);
        QJsonObject object = comment.toJson();
        QByteArray sig = comment.signature()->bytes();
        sig[64] = 29;
        object.insert(QStringLiteral("sig"), hex::encode(sig));
        auto result = Event::fromWire(canonical(object));
        QVERIFY(!result);
        QVERIFY(result.error().detail.contains(QStringLiteral("27 or 28")));

        object.insert(QStringLiteral("sig"), hex::encode(test::highSTwin(comment.signature()->bytes())));
        auto highS = Event::fromWire(canonical(object));
        QVERIFY(!highS);
        QVERIFY2(highS.error().detail.contains(QStringLiteral("high s")), qPrintable(highS.error().detail));
    }

    void createRejectsBadFields()
    {
        Event::Fields fields;
        fields.type = EventType::Comment;
        fields.meeting = m_meeting.meeting;
        fields.by = m_meeting.host.address();
        fields.ts = m_meeting.ts;
        QCOMPARE(codeOf(Event::create(fields)), QStringLiteral("malformed_event")); // comment needs a ref
        fields.ref = QByteArray(31, 'x');
        QCOMPARE(codeOf(Event::create(fields)), QStringLiteral("malformed_event"));
        fields.ref = QByteArray(32, 'x');
        QCOMPARE(codeOf(Event::create(fields)), QStringLiteral("accepted"));
        fields.content.insert(QStringLiteral("score"), 0.5);
        QCOMPARE(codeOf(Event::create(fields)), QStringLiteral("non_canonical"));
    }

    // isIdList says what comparing with idList says, without building the list.
    void idListsCompare()
    {
        const QList<QByteArray> ids{crypto::keccak256("a"), crypto::keccak256("b"), crypto::keccak256("c")};
        const QJsonArray list = protocol::idList(ids);
        QVERIFY(protocol::isIdList(list, ids));
        QVERIFY(protocol::isIdList(QJsonArray(), {}));
        QVERIFY(!protocol::isIdList(QJsonValue(), {}));
        QVERIFY(!protocol::isIdList(list, {ids[0], ids[2], ids[1]}));
        QVERIFY(!protocol::isIdList(list, ids.first(2)));
        QVERIFY(!protocol::isIdList(protocol::idList(ids.first(2)), ids));
        QJsonArray upper = list;
        upper[1] = QString(QStringLiteral("0x") + QString::fromLatin1(ids[1].toHex().toUpper()));
        QVERIFY(!protocol::isIdList(upper, ids));
        QJsonArray noPrefix = list;
        noPrefix[0] = QString::fromLatin1(ids[0].toHex());
        QVERIFY(!protocol::isIdList(noPrefix, ids));
        QJsonArray notString = list;
        notString[2] = 1;
        QVERIFY(!protocol::isIdList(notString, ids));
        QVERIFY(!protocol::isIdList(QJsonObject{{QStringLiteral("0"), list[0]}}, ids.first(1)));
    }

    void unsignedEventHasNoWireBytes()
    {
        Event::Fields fields;
        fields.type = EventType::Start;
        fields.meeting = m_meeting.meeting;
        fields.by = m_meeting.host.address();
        auto event = Event::create(fields);
        QVERIFY(event);
        QVERIFY(!event->isSigned());
        QVERIFY(event->wireBytes().isEmpty());
        QCOMPARE(event->recoverSigner().error().code, ErrorCode::MissingSignature);
        // The recovered signer is kept, and forgotten when the event is signed again.
        QVERIFY(event->sign(m_meeting.host));
        QCOMPARE(*event->recoverSigner(), m_meeting.host.address());
        QVERIFY(event->sign(m_meeting.session));
        QCOMPARE(*event->recoverSigner(), m_meeting.session.address());
        QCOMPARE(event->verifySignedBy(m_meeting.host.address()).error().code, ErrorCode::WrongSigner);
    }
};

QTEST_GUILESS_MAIN(TestEvent)
#include "test_event.moc"
