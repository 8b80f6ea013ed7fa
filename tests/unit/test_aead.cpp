#include "crypto/aead.h"
#include "test_support.h"

#include <QTest>

using namespace cmeet;

class TestAead : public QObject {
    Q_OBJECT

private:
    // The GCM specification (McGrew & Viega), test case 16: AES-256, 96-bit IV, with AAD.
    const crypto::SecretBytes key{test::fromHex(QStringLiteral("0xfeffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))};
    const QByteArray nonce = test::fromHex(QStringLiteral("0xcafebabefacedbaddecaf888"));
    const QByteArray aad = test::fromHex(QStringLiteral("0xfeedfacedeadbeeffeedfacedeadbeefabaddad2"));
    const QByteArray plaintext = test::fromHex(QStringLiteral(
        "0xd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"));
    const QByteArray expected = test::fromHex(QStringLiteral(
        "0x522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"));

private Q_SLOTS:
    void knownAnswer()
    {
        auto sealed = crypto::aead::seal(key, nonce, aad, plaintext);
        QVERIFY(sealed);
        QCOMPARE(*sealed, expected);
        auto opened = crypto::aead::open(key, nonce, aad, expected);
        QVERIFY(opened);
        QCOMPARE(opened->view(), QByteArrayView(plaintext));
    }

    void anyChangeFails()
    {
        QByteArray tamperedTag = expected;
        tamperedTag[tamperedTag.size() - 1] = static_cast<char>(tamperedTag.back() ^ 1);
        QCOMPARE(crypto::aead::open(key, nonce, aad, tamperedTag).error(), crypto::CryptoError::DecryptionFailed);
        QByteArray otherAad = aad;
        otherAad[0] = 0;
        QCOMPARE(crypto::aead::open(key, nonce, otherAad, expected).error(), crypto::CryptoError::DecryptionFailed);
        QCOMPARE(crypto::aead::open(key, nonce, aad, expected.left(15)).error(), crypto::CryptoError::DecryptionFailed);
    }

    void wrongSizesAreRejected()
    {
        QCOMPARE(crypto::aead::seal(crypto::SecretBytes(16), nonce, aad, plaintext).error(), crypto::CryptoError::InvalidLength);
        QCOMPARE(crypto::aead::seal(key, nonce.left(8), aad, plaintext).error(), crypto::CryptoError::InvalidLength);
    }
};

QTEST_GUILESS_MAIN(TestAead)
#include "test_aead.moc"
