#include "crypto/keystore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace cmeet;
namespace keystore = crypto::keystore;

class TestKeystore : public QObject {
    Q_OBJECT

private:
    const keystore::ScryptCost cheap{1 << 10, 8, 1}; // fast tests; the default cost is measured in the benchmark
    const crypto::SecretBytes passphrase{QByteArrayView("correct horse battery staple")};
    crypto::PrivateKey key = *crypto::PrivateKey::generate();

private Q_SLOTS:
    void sealAndOpen()
    {
        auto file = keystore::seal(key, passphrase, cheap);
        QVERIFY(file);
        // Neither the raw key nor its hex appears in the file.
        QVERIFY(!file->contains(key.secret().view().toByteArray().toHex()));
        QVERIFY(!file->contains(key.secret().view().toByteArray()));
        QCOMPARE(*keystore::addressOf(*file), key.address());
        auto opened = keystore::open(*file, passphrase);
        QVERIFY(opened);
        QVERIFY(*opened == key);
    }

    void wrongPassphraseFails()
    {
        auto file = keystore::seal(key, passphrase, cheap);
        QVERIFY(file);
        auto opened = keystore::open(*file, crypto::SecretBytes(QByteArrayView("Correct horse battery staple")));
        QVERIFY(!opened);
        QCOMPARE(opened.error(), crypto::CryptoError::DecryptionFailed);
        QCOMPARE(keystore::seal(key, crypto::SecretBytes(), cheap).error(), crypto::CryptoError::InvalidLength);
    }

    void tamperedFilesFail()
    {
        const QJsonObject original = QJsonDocument::fromJson(*keystore::seal(key, passphrase, cheap)).object();
        const auto reopen = [&](const QJsonObject &object) {
            return keystore::open(QJsonDocument(object).toJson(), passphrase);
        };
        QJsonObject swappedAddress = original;
        swappedAddress.insert(QStringLiteral("address"), crypto::PrivateKey::generate()->address().toChecksumHex());
        QCOMPARE(reopen(swappedAddress).error(), crypto::CryptoError::DecryptionFailed);

        QJsonObject flipped = original;
        QString ciphertext = flipped.value(QStringLiteral("ciphertext")).toString();
        ciphertext[10] = ciphertext[10] == u'0' ? u'1' : u'0';
        flipped.insert(QStringLiteral("ciphertext"), ciphertext);
        QCOMPARE(reopen(flipped).error(), crypto::CryptoError::DecryptionFailed);

        QJsonObject expensive = original;
        QJsonObject kdf = expensive.value(QStringLiteral("kdf")).toObject();
        kdf.insert(QStringLiteral("n"), qint64(1) << 30);
        expensive.insert(QStringLiteral("kdf"), kdf);
        QCOMPARE(reopen(expensive).error(), crypto::CryptoError::InvalidLength);

        QCOMPARE(keystore::open("not a key file", passphrase).error(), crypto::CryptoError::InvalidLength);
    }

    void otherSecretsSealedTheSameWay()
    {
        const crypto::SecretBytes secret(QByteArrayView("\x01 twenty secrets of the identity"));
        auto file = keystore::sealSecret({QStringLiteral("ffs"), QStringLiteral("0xabc"), secret}, passphrase, cheap);
        QVERIFY(file);
        QVERIFY(!file->contains(QByteArray("twenty secrets")) && !file->contains(secret.view().toByteArray().toHex()));
        auto opened = keystore::openSecret(*file, passphrase);
        QVERIFY(opened);
        QCOMPARE(opened->kind, QStringLiteral("ffs"));
        QCOMPARE(opened->owner, QStringLiteral("0xabc"));
        QVERIFY(opened->secret == secret);
        QCOMPARE(keystore::openSecret(*file, crypto::SecretBytes(QByteArrayView("wrong"))).error(), crypto::CryptoError::DecryptionFailed);
        // Kind and owner are authenticated: one person's file can't be passed off as another's.
        QJsonObject moved = QJsonDocument::fromJson(*file).object();
        moved.insert(QStringLiteral("owner"), QStringLiteral("0xdef"));
        QCOMPARE(keystore::openSecret(QJsonDocument(moved).toJson(), passphrase).error(), crypto::CryptoError::DecryptionFailed);
        QCOMPARE(keystore::sealSecret({QStringLiteral("ffs"), QStringLiteral("0xabc"), crypto::SecretBytes()}, passphrase, cheap).error(),
                 crypto::CryptoError::InvalidLength);
        QCOMPARE(keystore::openSecret(*keystore::seal(key, passphrase, cheap), passphrase).error(), crypto::CryptoError::InvalidLength);
    }
};

QTEST_GUILESS_MAIN(TestKeystore)
#include "test_keystore.moc"
