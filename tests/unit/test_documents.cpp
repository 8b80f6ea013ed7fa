// The protocol documents are what an independent client is written from: every wire code the
// code can send is documented, and the worked ballot example in the text is the tested vector.

#include "protocol/error.h"
#include "test_support.h"

#include <QFile>
#include <QJsonObject>
#include <QTest>

using namespace cmeet;

namespace {

QString readDocument(const char *name)
{
    QFile file(QStringLiteral(CMEET_SOURCE_DIR "/docs/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(file.fileName()));
    return QString::fromUtf8(file.readAll());
}

} // namespace

class TestDocuments : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyErrorCodeIsDocumented()
    {
        const QString documents = readDocument("protocol.md") + readDocument("relay-protocol.md");
        for (int value = 0; value <= static_cast<int>(protocol::ErrorCode::InternalError); ++value) {
            const QString code = protocol::wireCode(static_cast<protocol::ErrorCode>(value));
            QVERIFY2(documents.contains(QStringLiteral("| `%1` |").arg(code)), qPrintable(code + QStringLiteral(" is in no error table")));
        }
    }

    void ballotExampleInTheTextIsTheVector()
    {
        const QString text = readDocument("protocol.md");
        const QJsonObject example = test::readVectors(QStringLiteral("ballot-example.json")).object();
        for (const char *field : {"votingSecret", "votingKey", "pollId", "voter", "ephemeralKey", "sharedX", "aesKey", "nonce"})
            QVERIFY2(text.contains(example.value(QLatin1String(field)).toString()), field);
        // The ciphertext is shown split into its parts: joined, they are the vector's.
        const QString ciphertext = example.value(QStringLiteral("ciphertext")).toString();
        QString shown;
        const int from = static_cast<int>(text.indexOf(QStringLiteral("ciphertext    0x")));
        QVERIFY(from > 0);
        for (const QString &line : text.mid(from).split(QLatin1Char('\n')).mid(0, 4))
            shown += line.split(QLatin1Char(' '), Qt::SkipEmptyParts).value(line.startsWith(QStringLiteral("ciphertext")) ? 1 : 0);
        QCOMPARE(shown, ciphertext);
    }
};

QTEST_GUILESS_MAIN(TestDocuments)
#include "test_documents.moc"
