#include "crypto/keys.h"
#include "test_support.h"

#include <QJsonObject>
#include <QTest>

using namespace cmeet;

namespace {

const QByteArray curveOrder = test::fromHex(
    QStringLiteral("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));

crypto::PrivateKey keyOf(const QString &hex)
{
    auto key = crypto::PrivateKey::fromBytes(test::fromHex(hex));
    if (!key)
        qFatal("bad test key");
    return *key;
}

} // namespace

class TestKeys : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void accountsFromPrivateKeys()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/accounts.json")).array();
        QVERIFY(!vectors.isEmpty());
        for (const QJsonValue &vector : vectors) {
            const crypto::PrivateKey key = keyOf(vector[QStringLiteral("privateKey")].toString());
            QCOMPARE(key.publicKey().uncompressed(), test::fromHex(vector[QStringLiteral("publicKeyUncompressed")].toString()));
            QCOMPARE(key.address().toChecksumHex(), vector[QStringLiteral("address")].toString());
        }
        // The address of private key 1, spelled out.
        QCOMPARE(keyOf(QStringLiteral("0x0000000000000000000000000000000000000000000000000000000000000001")).address().toChecksumHex(),
                 QStringLiteral("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"));
    }

    void eip55Checksums()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/eip55.json")).array();
        QVERIFY(!vectors.isEmpty());
        for (const QJsonValue &vector : vectors) {
            const QString lower = vector[QStringLiteral("lower")].toString();
            const QString checksummed = vector[QStringLiteral("checksummed")].toString();
            auto fromLower = crypto::Address::fromHex(lower);
            QVERIFY(fromLower);
            QCOMPARE(fromLower->toChecksumHex(), checksummed);
            QCOMPARE(fromLower->toLowerHex(), lower);
            auto fromChecksummed = crypto::Address::fromHex(checksummed);
            QVERIFY(fromChecksummed);
            QCOMPARE(*fromChecksummed, *fromLower);

            // Flip the case of one letter: the checksum no longer matches.
            QString broken = checksummed;
            for (qsizetype i = 2; i < broken.size(); ++i) {
                if (broken[i].isLetter()) {
                    broken[i] = broken[i].isUpper() ? broken[i].toLower() : broken[i].toUpper();
                    break;
                }
            }
            auto rejected = crypto::Address::fromHex(broken);
            QVERIFY(!rejected);
            QCOMPARE(rejected.error(), crypto::CryptoError::InvalidAddress);
        }
    }

    void malformedAddresses()
    {
        for (const QString &text : {QStringLiteral(""), QStringLiteral("0x"), QStringLiteral("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
                                    QStringLiteral("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae"),
                                    QStringLiteral("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedaa"),
                                    QStringLiteral("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg")}) {
            auto address = crypto::Address::fromHex(text);
            QVERIFY2(!address, qPrintable(text));
            QCOMPARE(address.error(), crypto::CryptoError::InvalidAddress);
        }
    }

    void eip191SignaturesMatchEthers()
    {
        const QJsonArray vectors = test::readVectors(QStringLiteral("known-answer/eip191.json")).array();
        QVERIFY(!vectors.isEmpty());
        for (const QJsonValue &vector : vectors) {
            const crypto::PrivateKey key = keyOf(vector[QStringLiteral("privateKey")].toString());
            const QByteArray message = test::fromHex(vector[QStringLiteral("message32")].toString());
            const QByteArray hash = crypto::eip191Hash(message);
            QCOMPARE(hash, test::fromHex(vector[QStringLiteral("eip191Hash")].toString()));

            // RFC 6979 nonces: our signature is byte-identical to the one ethers produced.
            auto signature = key.sign(hash);
            QVERIFY(signature);
            QCOMPARE(signature->bytes(), test::fromHex(vector[QStringLiteral("signature")].toString()));

            auto parsed = crypto::Signature::fromHex(vector[QStringLiteral("signature")].toString());
            QVERIFY(parsed);
            auto signer = crypto::recoverAddress(hash, *parsed);
            QVERIFY(signer);
            QCOMPARE(signer->toChecksumHex(), vector[QStringLiteral("address")].toString());
        }
    }

    void signAndRecoverFreshKeys()
    {
        for (int i = 0; i < 20; ++i) {
            auto key = crypto::PrivateKey::generate();
            QVERIFY(key);
            const QByteArray digest = crypto::eip191Hash(QByteArray::number(i));
            auto signature = key->sign(digest);
            QVERIFY(signature);
            auto publicKey = crypto::recoverPublicKey(digest, *signature);
            QVERIFY(publicKey);
            QCOMPARE(*publicKey, key->publicKey());
            // Another digest recovers some other key, never ours.
            auto other = crypto::recoverAddress(crypto::eip191Hash("something else"), *signature);
            QVERIFY(!other || *other != key->address());
        }
    }

    void highSIsRejected()
    {
        const crypto::PrivateKey key = keyOf(QStringLiteral("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"));
        const QByteArray digest = crypto::eip191Hash("high-s");
        auto signature = key.sign(digest);
        QVERIFY(signature);
        const QByteArray twin = test::highSTwin(signature->bytes());
        auto parsed = crypto::Signature::fromBytes(twin);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error(), crypto::CryptoError::HighS);
    }

    void malformedSignaturesAreRejected()
    {
        const crypto::PrivateKey key = keyOf(QStringLiteral("0x0000000000000000000000000000000000000000000000000000000000000001"));
        const QByteArray good = key.sign(crypto::eip191Hash("x"))->bytes();

        QByteArray badV = good;
        badV[64] = 1; // raw recovery ids are not accepted: exactly one encoding
        QCOMPARE(crypto::Signature::fromBytes(badV).error(), crypto::CryptoError::InvalidRecoveryId);

        QByteArray zeroR = good;
        zeroR.replace(0, 32, QByteArray(32, '\0'));
        QCOMPARE(crypto::Signature::fromBytes(zeroR).error(), crypto::CryptoError::InvalidSignature);

        QByteArray rOverflow = good;
        rOverflow.replace(0, 32, QByteArray(32, '\xff'));
        QCOMPARE(crypto::Signature::fromBytes(rOverflow).error(), crypto::CryptoError::InvalidSignature);

        QCOMPARE(crypto::Signature::fromBytes(good.left(64)).error(), crypto::CryptoError::InvalidLength);
        QCOMPARE(crypto::Signature::fromHex(crypto::Signature::fromBytes(good)->toHex().toUpper()).error(),
                 crypto::CryptoError::InvalidLength);
        QVERIFY(!key.sign("short digest"));
    }

    void invalidPrivateKeys()
    {
        QCOMPARE(crypto::PrivateKey::fromBytes(QByteArray(32, '\0')).error(), crypto::CryptoError::InvalidPrivateKey);
        QCOMPARE(crypto::PrivateKey::fromBytes(curveOrder).error(), crypto::CryptoError::InvalidPrivateKey);
        QCOMPARE(crypto::PrivateKey::fromBytes(QByteArray(32, '\xff')).error(), crypto::CryptoError::InvalidPrivateKey);
        QCOMPARE(crypto::PrivateKey::fromBytes(QByteArray(31, '\x01')).error(), crypto::CryptoError::InvalidPrivateKey);
    }

    void publicKeyEncodings()
    {
        const crypto::PrivateKey key = keyOf(QStringLiteral("0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"));
        const QByteArray compressed = key.publicKey().compressed();
        QCOMPARE(compressed.size(), 33);
        auto roundTrip = crypto::PublicKey::fromBytes(compressed);
        QVERIFY(roundTrip);
        QCOMPARE(*roundTrip, key.publicKey());

        QByteArray offCurve = key.publicKey().uncompressed();
        offCurve[64] = static_cast<char>(offCurve[64] ^ 1);
        QCOMPARE(crypto::PublicKey::fromBytes(offCurve).error(), crypto::CryptoError::InvalidPublicKey);
        QCOMPARE(crypto::PublicKey::fromBytes(QByteArray(20, '\x02')).error(), crypto::CryptoError::InvalidPublicKey);
    }

    void ecdhAgreesBothWays()
    {
        auto alice = crypto::PrivateKey::generate();
        auto bob = crypto::PrivateKey::generate();
        QVERIFY(alice && bob);
        auto ab = crypto::ecdhSharedX(*alice, bob->publicKey());
        auto ba = crypto::ecdhSharedX(*bob, alice->publicKey());
        QVERIFY(ab && ba);
        QCOMPARE(ab->size(), 32);
        QVERIFY(*ab == *ba);
    }
};

QTEST_GUILESS_MAIN(TestKeys)
#include "test_keys.moc"
