// Writes tests/vectors/events.json: one signed sample event per type, with everything another
// implementation needs to check its encoder and signer against ours. Run by hand after a
// deliberate protocol change:  build/bin/make_event_vectors tests/vectors/events.json

#include "base/hex.h"
#include "support/sample_events.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace cmeet;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (app.arguments().size() != 2) {
        qInfo("usage: make_event_vectors OUTPUT.json");
        return 2;
    }
    const test::SampleMeeting meeting;
    QJsonArray vectors;
    for (const protocol::EventType type : protocol::allEventTypes) {
        const protocol::Event event = test::sampleEvent(type, meeting);
        const crypto::PrivateKey &key = test::signerFor(type, meeting);
        vectors.append(QJsonObject{
            {QStringLiteral("type"), protocol::typeName(type)},
            {QStringLiteral("privateKey"), hex::encode(key.secret().view())},
            {QStringLiteral("signer"), key.address().toChecksumHex()},
            {QStringLiteral("hashedBytes"), QString::fromUtf8(event.hashedBytes())},
            {QStringLiteral("id"), event.idHex()},
            {QStringLiteral("signature"), event.signature()->toHex()},
            {QStringLiteral("wire"), QString::fromUtf8(event.wireBytes())},
        });
    }
    QFile file(app.arguments().at(1));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qCritical("cannot write %s: %s", qPrintable(file.fileName()), qPrintable(file.errorString()));
        return 1;
    }
    file.write(QJsonDocument(vectors).toJson(QJsonDocument::Indented));
    qInfo("wrote %lld vectors to %s", static_cast<long long>(vectors.size()), qPrintable(file.fileName()));
    return 0;
}
