#include "crypto/secret.h"

#include <QSet>
#include <QTest>

using namespace cmeet;

class TestSecret : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void equalityIsByContent()
    {
        const crypto::SecretBytes a(QByteArrayView("0123456789abcdef"));
        const crypto::SecretBytes b(QByteArrayView("0123456789abcdef"));
        const crypto::SecretBytes c(QByteArrayView("0123456789abcdeX"));
        QVERIFY(a == b);
        QVERIFY(!(a == c));
        QVERIFY(!a.equals("0123456789abcde")); // length differs
        QVERIFY(crypto::constantTimeEquals("abc", "abc"));
        QVERIFY(!crypto::constantTimeEquals("abc", "abd"));
    }

    void copiesAreIndependentAndWipeClears()
    {
        crypto::SecretBytes original(QByteArrayView("secret material"));
        crypto::SecretBytes copy = original;
        QVERIFY(copy.data() != original.data()); // deep copy: wiping one never touches the other's buffer
        original.wipe();
        QVERIFY(original.isEmpty());
        QCOMPARE(copy.view(), QByteArrayView("secret material"));
    }

    void secureWipeZeroesMemory()
    {
        char buffer[16];
        memset(buffer, 'x', sizeof buffer);
        crypto::secureWipe(buffer, sizeof buffer);
        for (char c : buffer)
            QCOMPARE(c, '\0');
    }

    void randomBytesAreFreshAndSized()
    {
        QSet<QByteArray> seen;
        for (int i = 0; i < 64; ++i) {
            auto bytes = crypto::randomBytes(16);
            QVERIFY(bytes);
            QCOMPARE(bytes->size(), 16);
            seen.insert(*bytes);
        }
        QCOMPARE(seen.size(), 64);
        auto negative = crypto::randomBytes(-1);
        QVERIFY(!negative);
        QCOMPARE(negative.error(), crypto::CryptoError::InvalidLength);
    }
};

QTEST_GUILESS_MAIN(TestSecret)
#include "test_secret.moc"
