#include "crypto/keccak.h"
#include "test_support.h"

#include <QJsonObject>
#include <QTest>

using namespace cmeet;

class TestKeccak : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/keccak.json")).array();
        QVERIFY(vectors.size() >= 6);
        for (const QJsonValue &vector : vectors) {
            const QByteArray input = vector[QStringLiteral("utf8")].toString().toUtf8();
            QTest::addRow("%lld bytes", static_cast<long long>(input.size()))
                << input << test::fromHex(vector[QStringLiteral("keccak256")].toString());
        }
    }

    void knownAnswers()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(crypto::keccak256(input), expected);
    }

    // Feeding the same message in pieces of every size gives the one-shot digest, whatever the
    // block boundaries (exercises the lane-at-a-time fast path and the byte path together).
    void incrementalMatchesOneShot()
    {
        QByteArray message;
        for (int i = 0; i < 1000; ++i)
            message.append(static_cast<char>(i * 7 + 3));
        const QByteArray expected = crypto::keccak256(message);
        for (int piece : {1, 7, 135, 136, 137, 300}) {
            crypto::Keccak256 hasher;
            for (qsizetype offset = 0; offset < message.size(); offset += piece)
                hasher.update(QByteArrayView(message).sliced(offset, std::min<qsizetype>(piece, message.size() - offset)));
            QCOMPARE(hasher.finish(), expected);
        }
    }

    // Keccak-256 differs from SHA3-256 only in padding: guard against using the wrong one.
    void isNotSha3()
    {
        QCOMPARE(crypto::keccak256(QByteArray()).toHex(),
                 QByteArray("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
        QVERIFY(crypto::keccak256(QByteArray()).toHex()
                != QByteArray("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"));
    }
};

QTEST_GUILESS_MAIN(TestKeccak)
#include "test_keccak.moc"
