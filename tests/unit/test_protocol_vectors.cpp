// Our committed event vectors (tests/vectors/events.json) still hold: the encoder, the id and
// the signer have not drifted, so other implementations checked against the file agree with us.

#include "crypto/keccak.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"
#include "protocol/signing.h"
#include "test_support.h"

#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace cmeet;

class TestProtocolVectors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eventVectors()
    {
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const QJsonArray vectors = test::readVectors(QStringLiteral("events.json")).array();
        QSet<QString> types;
        for (const QJsonValue &vector : vectors) {
            const QString type = vector[QStringLiteral("type")].toString();
            types.insert(type);
            const QByteArray wire = vector[QStringLiteral("wire")].toString().toUtf8();
            const QByteArray hashed = vector[QStringLiteral("hashedBytes")].toString().toUtf8();
            const QByteArray id = test::fromHex(vector[QStringLiteral("id")].toString());

            auto event = protocol::Event::fromWire(wire);
            QVERIFY2(event, qPrintable(type + (event ? QString() : event.error().detail)));
            QCOMPARE(protocol::typeName(event->type()), type);
            QCOMPARE(event->hashedBytes(), hashed);
            QCOMPARE(crypto::keccak256(hashed), id);
            QCOMPARE(event->id(), id);
            QVERIFY((*schemas)->validate(*event));

            auto key = crypto::PrivateKey::fromBytes(test::fromHex(vector[QStringLiteral("privateKey")].toString()));
            QVERIFY(key);
            auto signature = protocol::signId(id, *key);
            QVERIFY(signature);
            QCOMPARE(signature->toHex(), vector[QStringLiteral("signature")].toString());
            QCOMPARE(event->recoverSigner()->toChecksumHex(), vector[QStringLiteral("signer")].toString());
        }
        QCOMPARE(types.size(), static_cast<qsizetype>(std::size(protocol::allEventTypes)));
    }
};

QTEST_GUILESS_MAIN(TestProtocolVectors)
#include "test_protocol_vectors.moc"
