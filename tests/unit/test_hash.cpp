#include "crypto/hash.h"
#include "test_support.h"

#include <QTest>

#include <array>

using namespace cmeet;

class TestHash : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sha256KnownAnswer()
    {
        // FIPS 180-2 example "abc".
        QCOMPARE(crypto::sha256("abc").toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    // In pieces, as an image's chunks arrive: the same digest as in one piece (NIST's two-block
    // "abcdbcde..." vector split at every byte), and a million 'a's (FIPS 180-2 B.3) a chunk at a time.
    void sha256InPieces()
    {
        const QByteArray message("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
        for (qsizetype split = 0; split <= message.size(); ++split) {
            crypto::Sha256Stream stream;
            stream.addData(message.first(split));
            stream.addData(message.sliced(split));
            QCOMPARE(stream.result().toHex(), QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
            std::array<char, 32> digest{};
            crypto::sha256({message.first(split), QByteArrayView(), message.sliced(split)}, digest);
            QCOMPARE(QByteArray(digest.data(), digest.size()).toHex(), QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        }
        crypto::Sha256Stream million;
        for (int chunk = 0; chunk < 1000; ++chunk)
            million.addData(QByteArray(1000, 'a'));
        QCOMPARE(million.result().toHex(), QByteArray("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void hmacKnownAnswer()
    {
        // RFC 4231 test case 2.
        QCOMPARE(crypto::hmacSha256("Jefe", "what do ya want for nothing?").toHex(),
                 QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    }

    // RFC 5869 appendix A.1 and A.3.
    void hkdfKnownAnswers()
    {
        const QByteArray ikm(22, '\x0b');
        auto okm = crypto::hkdfSha256(ikm, test::fromHex(QStringLiteral("0x000102030405060708090a0b0c")),
                                      test::fromHex(QStringLiteral("0xf0f1f2f3f4f5f6f7f8f9")), 42);
        QVERIFY(okm);
        QCOMPARE(okm->view().toByteArray().toHex(),
                 QByteArray("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));

        auto noSaltNoInfo = crypto::hkdfSha256(ikm, {}, {}, 42);
        QVERIFY(noSaltNoInfo);
        QCOMPARE(noSaltNoInfo->view().toByteArray().toHex(),
                 QByteArray("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
    }

    // RFC 7914 section 12, third vector.
    void scryptKnownAnswer()
    {
        auto key = crypto::scrypt("password", "NaCl", crypto::ScryptCost{1024, 8, 16}, 64);
        QVERIFY(key);
        QCOMPARE(key->view().toByteArray().toHex(),
                 QByteArray("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff10927"
                            "9d9830dac727afb94a83ee6d8360cbdfa2cc0640"));
        QCOMPARE(crypto::scrypt("password", "NaCl", crypto::ScryptCost{1000, 8, 1}, 32).error(), crypto::CryptoError::InvalidLength);
        QCOMPARE(crypto::scrypt("password", "NaCl", crypto::ScryptCost{quint64(1) << 21, 8, 1}, 32).error(),
                 crypto::CryptoError::InvalidLength);
        // Within each parameter's range, but 4 GiB and 2^29 work in all: refused.
        QCOMPARE(crypto::scrypt("password", "NaCl", crypto::ScryptCost{quint64(1) << 20, 32, 16}, 32).error(),
                 crypto::CryptoError::InvalidLength);
        QCOMPARE(crypto::scrypt("password", "NaCl", crypto::ScryptCost{quint64(1) << 18, 8, 16}, 32).error(),
                 crypto::CryptoError::InvalidLength);
    }

    void hkdfRejectsBadLengths()
    {
        auto zero = crypto::hkdfSha256("key", {}, {}, 0);
        QVERIFY(!zero);
        QCOMPARE(zero.error(), crypto::CryptoError::InvalidLength);
        auto tooLong = crypto::hkdfSha256("key", {}, {}, 255 * 32 + 1);
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error(), crypto::CryptoError::InvalidLength);
    }
};

QTEST_GUILESS_MAIN(TestHash)
#include "test_hash.moc"
