#include "crypto/ecies.h"

#include <QTest>

using namespace cmeet;

class TestEcies : public QObject {
    Q_OBJECT

private:
    crypto::PrivateKey m_recipient = *crypto::PrivateKey::generate();
    const QByteArray m_aad = "poll 0x01 voter 0x02";

private Q_SLOTS:
    void roundTrip()
    {
        for (const QByteArray &plaintext : {QByteArray(), QByteArray("{\"option\":3}"), QByteArray(5000, 'v')}) {
            auto ciphertext = crypto::ecies::encrypt(m_recipient.publicKey(), plaintext, m_aad);
            QVERIFY(ciphertext);
            QCOMPARE(ciphertext->size(), plaintext.size() + crypto::ecies::overhead);
            auto decrypted = crypto::ecies::decrypt(m_recipient, *ciphertext, m_aad);
            QVERIFY(decrypted);
            QCOMPARE(decrypted->view(), QByteArrayView(plaintext));
        }
    }

    void encryptionIsRandomized()
    {
        auto first = crypto::ecies::encrypt(m_recipient.publicKey(), "same", m_aad);
        auto second = crypto::ecies::encrypt(m_recipient.publicKey(), "same", m_aad);
        QVERIFY(first && second);
        QVERIFY(*first != *second);
    }

    // Any single flipped bit anywhere (ephemeral key, nonce, body, tag) fails to decrypt.
    void everyTamperedByteFails()
    {
        auto ciphertext = crypto::ecies::encrypt(m_recipient.publicKey(), "vote for option 2", m_aad);
        QVERIFY(ciphertext);
        for (qsizetype i = 0; i < ciphertext->size(); ++i) {
            QByteArray tampered = *ciphertext;
            tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
            auto result = crypto::ecies::decrypt(m_recipient, tampered, m_aad);
            QVERIFY2(!result, qPrintable(QStringLiteral("byte %1").arg(i)));
            QCOMPARE(result.error(), crypto::CryptoError::DecryptionFailed);
        }
    }

    void wrongKeyOrContextFails()
    {
        auto ciphertext = crypto::ecies::encrypt(m_recipient.publicKey(), "secret ballot", m_aad);
        QVERIFY(ciphertext);
        auto stranger = crypto::PrivateKey::generate();
        QVERIFY(stranger);
        QCOMPARE(crypto::ecies::decrypt(*stranger, *ciphertext, m_aad).error(), crypto::CryptoError::DecryptionFailed);
        QCOMPARE(crypto::ecies::decrypt(m_recipient, *ciphertext, "another poll").error(),
                 crypto::CryptoError::DecryptionFailed);
        QCOMPARE(crypto::ecies::decrypt(m_recipient, ciphertext->left(crypto::ecies::overhead - 1), m_aad).error(),
                 crypto::CryptoError::DecryptionFailed);
        QCOMPARE(crypto::ecies::decrypt(m_recipient, ciphertext->left(ciphertext->size() - 1), m_aad).error(),
                 crypto::CryptoError::DecryptionFailed);
    }
};

QTEST_GUILESS_MAIN(TestEcies)
#include "test_ecies.moc"
