// The worked ballot example of docs/protocol.md §9, made by Node's own crypto from that section
// alone (tests/vectors/make-ballot-example.mjs): c-meet builds the same associated data,
// decrypts the vote and reads the option, so the document is enough to write a voting client.

#include "client/core/polls.h"
#include "crypto/ecies.h"
#include "protocol/canonical_json.h"
#include "test_support.h"

#include <QJsonObject>
#include <QTest>

using namespace cmeet;

class TestBallot : public QObject {
    Q_OBJECT

    QJsonObject m_example = test::readVectors(QStringLiteral("ballot-example.json")).object();
    QByteArray field(const char *name) const { return test::fromHex(m_example.value(QLatin1String(name)).toString()); }

private Q_SLOTS:
    void documentedExampleDecrypts()
    {
        const auto voter = crypto::Address::fromBytes(field("voter"));
        QVERIFY(voter);
        QCOMPARE(client::voteAssociatedData(field("pollId"), *voter), field("associatedData"));
        const auto secret = crypto::PrivateKey::fromBytes(field("votingSecret"));
        QVERIFY(secret);
        QCOMPARE(secret->publicKey().compressed(), field("votingKey"));
        const QByteArray ciphertext = field("ciphertext");
        QCOMPARE(ciphertext.left(33), field("ephemeralKey"));
        QCOMPARE(ciphertext.mid(33, 12), field("nonce"));
        auto ballot = crypto::ecies::decrypt(*secret, ciphertext, field("associatedData"));
        QVERIFY(ballot);
        QCOMPARE(ballot->view().toByteArray(), m_example.value(QStringLiteral("ballot")).toString().toUtf8());
        auto parsed = protocol::json::parseCanonical(ballot->view());
        QVERIFY(parsed && parsed->isObject());
        QCOMPARE(parsed->toObject().value(QStringLiteral("option")).toInteger(), m_example.value(QStringLiteral("option")).toInteger());
    }

    // The associated data binds the vote to its poll and its voter: moved to either, it fails.
    void associatedDataBindsPollAndVoter()
    {
        const auto secret = crypto::PrivateKey::fromBytes(field("votingSecret"));
        QByteArray otherVoter = field("associatedData");
        otherVoter[40] = static_cast<char>(otherVoter[40] ^ 1);
        QByteArray otherPoll = field("associatedData");
        otherPoll[0] = static_cast<char>(otherPoll[0] ^ 1);
        QVERIFY(!crypto::ecies::decrypt(*secret, field("ciphertext"), otherVoter));
        QVERIFY(!crypto::ecies::decrypt(*secret, field("ciphertext"), otherPoll));
    }

    // What c-meet encrypts is what the document says: canonical {"option":N}.
    void encryptedBallotIsTheDocumentedPlaintext()
    {
        const auto secret = crypto::PrivateKey::fromBytes(field("votingSecret"));
        const auto voter = crypto::Address::fromBytes(field("voter"));
        auto ciphertext = client::encryptBallot(secret->publicKey(), field("pollId"), *voter, 3);
        QVERIFY(ciphertext);
        auto ballot = crypto::ecies::decrypt(*secret, *ciphertext, field("associatedData"));
        QVERIFY(ballot);
        QCOMPARE(ballot->view().toByteArray(), QByteArray("{\"option\":3}"));
    }
};

QTEST_GUILESS_MAIN(TestBallot)
#include "test_ballot.moc"
