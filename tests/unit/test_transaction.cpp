#include "chain/rlp.h"
#include "chain/transaction.h"
#include "crypto/keccak.h"
#include "test_support.h"

#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;
using chain::ErrorCode;
using chain::Transaction;
using chain::TransactionType;
using chain::UInt256;
using chain::rlp::Item;

namespace {

UInt256 number(const QJsonValue &value)
{
    auto parsed = UInt256::fromDecimal(value.toString());
    if (!parsed)
        qFatal("bad number in test data");
    return *parsed;
}

quint64 smallNumber(const QJsonValue &value)
{
    return value.isDouble() ? static_cast<quint64>(value.toInteger()) : number(value).toU64().value();
}

Transaction transactionOf(const QJsonValue &vector)
{
    Transaction tx;
    tx.type = vector[QStringLiteral("type")].toInt() == 2 ? TransactionType::Eip1559 : TransactionType::Legacy;
    tx.chainId = smallNumber(vector[QStringLiteral("chainId")]);
    tx.nonce = smallNumber(vector[QStringLiteral("nonce")]);
    if (tx.type == TransactionType::Eip1559) {
        tx.maxPriorityFeePerGas = number(vector[QStringLiteral("maxPriorityFeePerGas")]);
        tx.maxFeePerGas = number(vector[QStringLiteral("maxFeePerGas")]);
    } else {
        tx.gasPrice = number(vector[QStringLiteral("gasPrice")]);
    }
    tx.gasLimit = smallNumber(vector[QStringLiteral("gasLimit")]);
    if (vector[QStringLiteral("to")].isString())
        tx.to = crypto::Address::fromHex(vector[QStringLiteral("to")].toString()).value();
    tx.value = number(vector[QStringLiteral("value")]);
    tx.data = test::fromHex(vector[QStringLiteral("data")].toString());
    return tx;
}

// The vectors give the sender's address; accounts.json has its private key.
crypto::PrivateKey keyFor(const QString &address)
{
    const QJsonArray accounts = test::readVectors(QStringLiteral("known-answer/accounts.json")).array();
    for (const QJsonValue &account : accounts) {
        if (account[QStringLiteral("address")].toString() == address)
            return crypto::PrivateKey::fromBytes(test::fromHex(account[QStringLiteral("privateKey")].toString())).value();
    }
    qFatal("no key for %s", qPrintable(address));
}

QJsonArray vectors()
{
    return test::readVectors(QStringLiteral("known-answer/transactions.json")).array();
}

QJsonValue vectorOfType(int type)
{
    for (const QJsonValue &vector : vectors()) {
        if (vector[QStringLiteral("type")].toInt() == type)
            return vector;
    }
    qFatal("no vector of type %d", type);
}

// The RLP fields of a signed serialization, and back.
QList<Item> fieldsOf(const QByteArray &raw)
{
    const bool typed = raw.startsWith('\x02');
    return chain::rlp::decode(typed ? raw.mid(1) : raw).value().items();
}

QByteArray withFields(const QByteArray &raw, const QList<Item> &fields)
{
    const QByteArray list = chain::rlp::encode(Item::list(fields));
    return raw.startsWith('\x02') ? QByteArray(QByteArray(1, '\x02') + list) : list;
}

// The transaction with one RLP field replaced.
QByteArray changed(const QByteArray &base, qsizetype index, const Item &item)
{
    QList<Item> fields = fieldsOf(base);
    fields[index] = item;
    return withFields(base, fields);
}

void expectDecodeError(const QByteArray &raw, ErrorCode code)
{
    auto decoded = chain::decodeSignedTransaction(raw);
    QVERIFY2(!decoded, qPrintable(QString::fromLatin1(raw.left(16).toHex())));
    QCOMPARE(decoded.error().code, code);
}

const QByteArray curveOrder = test::fromHex(QStringLiteral("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));

} // namespace

class TestTransaction : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers()
    {
        const QJsonArray all = vectors();
        QCOMPARE(all.size(), 2);
        for (const QJsonValue &vector : all) {
            const Transaction tx = transactionOf(vector);
            QCOMPARE(chain::unsignedSerialization(tx), test::fromHex(vector[QStringLiteral("unsignedSerialized")].toString()));
            QCOMPARE(chain::signingHash(tx), test::fromHex(vector[QStringLiteral("unsignedHash")].toString()));

            const QString from = vector[QStringLiteral("from")].toString();
            const QByteArray signedSerialized = test::fromHex(vector[QStringLiteral("signedSerialized")].toString());
            const QByteArray hash = test::fromHex(vector[QStringLiteral("hash")].toString());
            auto signedTx = chain::signTransaction(tx, keyFor(from));
            QVERIFY(signedTx);
            QCOMPARE(signedTx->serialized, signedSerialized); // RFC 6979: byte for byte
            QCOMPARE(signedTx->hash, hash);
            QCOMPARE(signedTx->signature.bytes(), test::fromHex(vector[QStringLiteral("signature")].toString()));
            QCOMPARE(signedTx->from.toChecksumHex(), from);
            QCOMPARE(chain::transactionHash(signedSerialized), hash);

            auto signature = crypto::Signature::fromHex(vector[QStringLiteral("signature")].toString());
            QVERIFY(signature);
            QCOMPARE(chain::signedSerialization(tx, *signature), signedSerialized);

            auto decoded = chain::decodeSignedTransaction(signedSerialized);
            QVERIFY(decoded);
            QVERIFY(decoded->transaction == tx);
            QCOMPARE(decoded->from.toChecksumHex(), from);
            QCOMPARE(decoded->hash, hash);
            QCOMPARE(decoded->serialized, signedSerialized);
            QCOMPARE(decoded->signature, *signature);
        }
    }

    void contractCreationAndLargeChainIds()
    {
        const crypto::PrivateKey key = keyFor(QStringLiteral("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
        for (const TransactionType type : {TransactionType::Eip1559, TransactionType::Legacy}) {
            for (const quint64 chainId : {quint64{1}, quint64{31337}, quint64{1} << 40, std::numeric_limits<quint64>::max() / 4}) {
                Transaction tx;
                tx.type = type;
                tx.chainId = chainId;
                tx.nonce = 3;
                tx.maxPriorityFeePerGas = type == TransactionType::Eip1559 ? UInt256(1) : UInt256();
                tx.maxFeePerGas = type == TransactionType::Eip1559 ? UInt256(2000000000) : UInt256();
                tx.gasPrice = type == TransactionType::Legacy ? UInt256(1000000000) : UInt256();
                tx.gasLimit = 3000000;
                tx.data = QByteArray::fromHex("6080604052348015600f57600080fd5b50"); // contract creation code
                auto signedTx = chain::signTransaction(tx, key);
                QVERIFY(signedTx);
                auto decoded = chain::decodeSignedTransaction(signedTx->serialized);
                QVERIFY(decoded);
                QVERIFY(decoded->transaction == tx);
                QVERIFY(!decoded->transaction.to);
                QCOMPARE(decoded->from, key.address());
                const QList<Item> fields = fieldsOf(signedTx->serialized);
                QCOMPARE(fields.at(type == TransactionType::Eip1559 ? 5 : 3), Item()); // empty `to`
            }
        }
    }

    void tamperingChangesTheSender()
    {
        const QJsonValue vector = vectorOfType(2);
        const QByteArray raw = test::fromHex(vector[QStringLiteral("signedSerialized")].toString());
        QList<Item> fields = fieldsOf(raw);
        fields[6] = Item::integer(UInt256(1000)); // value
        auto decoded = chain::decodeSignedTransaction(withFields(raw, fields));
        if (decoded)
            QVERIFY(decoded->from.toChecksumHex() != vector[QStringLiteral("from")].toString());
        else
            QCOMPARE(decoded.error().code, ErrorCode::InvalidSignature);
    }

    void refusesToSignReplayable()
    {
        Transaction tx = transactionOf(vectorOfType(2));
        tx.chainId = 0;
        auto signedTx = chain::signTransaction(tx, keyFor(QStringLiteral("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")));
        QVERIFY(!signedTx);
        QCOMPARE(signedTx.error().code, ErrorCode::InvalidTransaction);
    }

    void envelopeErrors()
    {
        const QByteArray raw = test::fromHex(vectorOfType(2)[QStringLiteral("signedSerialized")].toString());
        expectDecodeError(QByteArray(), ErrorCode::Truncated);
        expectDecodeError(QByteArray(QByteArray(1, '\x01') + raw.mid(1)), ErrorCode::UnsupportedTransaction); // EIP-2930
        expectDecodeError(QByteArray(QByteArray(1, '\x03') + raw.mid(1)), ErrorCode::UnsupportedTransaction); // EIP-4844
        expectDecodeError(QByteArray("\x82\x01\x02", 3), ErrorCode::UnexpectedShape); // a string, not a list
        expectDecodeError(QByteArray(1, '\x02'), ErrorCode::Truncated);
        expectDecodeError(raw.left(raw.size() - 1), ErrorCode::Truncated);
        expectDecodeError(QByteArray(raw + '\0'), ErrorCode::TrailingBytes);
        expectDecodeError(QByteArray(QByteArray(1, '\x02') + chain::rlp::encode(Item::bytes("x"))), ErrorCode::UnexpectedShape);
    }

    void fieldErrors()
    {
        const QByteArray raw = test::fromHex(vectorOfType(2)[QStringLiteral("signedSerialized")].toString());
        const QByteArray legacy = test::fromHex(vectorOfType(0)[QStringLiteral("signedSerialized")].toString());

        QList<Item> fewer = fieldsOf(raw);
        fewer.removeLast();
        expectDecodeError(withFields(raw, fewer), ErrorCode::UnexpectedShape);
        QList<Item> more = fieldsOf(legacy);
        more.append(Item());
        expectDecodeError(withFields(legacy, more), ErrorCode::UnexpectedShape);

        expectDecodeError(changed(raw, 1, Item::bytes(QByteArray("\x00\x07", 2))), ErrorCode::NonCanonical); // nonce 007
        expectDecodeError(changed(raw, 1, Item::bytes(QByteArray(9, '\x01'))), ErrorCode::Overflow);        // nonce > 2^64
        expectDecodeError(changed(raw, 3, Item::bytes(QByteArray(33, '\x01'))), ErrorCode::Overflow);       // fee > 2^256
        expectDecodeError(changed(raw, 2, Item::list({})), ErrorCode::UnexpectedShape);
        expectDecodeError(changed(raw, 5, Item::bytes(QByteArray(19, '\x35'))), ErrorCode::InvalidTransaction); // `to`
        expectDecodeError(changed(raw, 5, Item::list({})), ErrorCode::InvalidTransaction);
        expectDecodeError(changed(raw, 7, Item::list({})), ErrorCode::UnexpectedShape); // data
        expectDecodeError(changed(raw, 8, Item()), ErrorCode::UnexpectedShape);         // access list
        expectDecodeError(changed(raw, 8, Item::list({Item::list({Item::bytes(QByteArray(20, '\x01')), Item::list({})})})),
                          ErrorCode::UnsupportedTransaction);
        expectDecodeError(changed(raw, 0, Item()), ErrorCode::InvalidTransaction); // chain id 0
    }

    void signatureErrors()
    {
        const QByteArray raw = test::fromHex(vectorOfType(2)[QStringLiteral("signedSerialized")].toString());
        const QByteArray legacy = test::fromHex(vectorOfType(0)[QStringLiteral("signedSerialized")].toString());
        expectDecodeError(changed(raw, 9, Item::integer(quint64{2})), ErrorCode::InvalidSignature);  // y parity
        expectDecodeError(changed(raw, 9, Item::integer(quint64{27})), ErrorCode::InvalidSignature); // v, not y parity
        expectDecodeError(changed(raw, 10, Item()), ErrorCode::InvalidSignature);                    // r = 0
        expectDecodeError(changed(raw, 11, Item()), ErrorCode::InvalidSignature);                    // s = 0
        expectDecodeError(changed(raw, 10, Item::bytes(curveOrder)), ErrorCode::InvalidSignature);   // r = n

        // The malleable twin (n - s, other parity) is a valid ECDSA signature, but not low-s.
        const QList<Item> fields = fieldsOf(raw);
        const QByteArray signature = QByteArray(fields[10].toUInt256()->toBigEndian() + fields[11].toUInt256()->toBigEndian()
                                                + QByteArray(1, static_cast<char>(27 + fields[9].toU64().value())));
        const QByteArray twin = test::highSTwin(signature);
        QList<Item> twinFields = fields;
        twinFields[9] = Item::integer(static_cast<quint64>(static_cast<unsigned char>(twin[64]) - 27));
        twinFields[11] = Item::integer(UInt256::fromBigEndian(twin.mid(32, 32)).value());
        expectDecodeError(withFields(raw, twinFields), ErrorCode::InvalidSignature);

        // Legacy: v = 27 or 28 has no chain id (pre-EIP-155); below 35 is nothing at all.
        expectDecodeError(changed(legacy, 6, Item::integer(quint64{27})), ErrorCode::UnsupportedTransaction);
        expectDecodeError(changed(legacy, 6, Item::integer(quint64{34})), ErrorCode::UnsupportedTransaction);
        expectDecodeError(changed(legacy, 6, Item::integer(UInt256::max())), ErrorCode::UnsupportedTransaction);
        expectDecodeError(changed(legacy, 6, Item::integer(quint64{35})), ErrorCode::InvalidTransaction); // chain id 0
        // Another chain id: the signature no longer recovers the sender (or anything).
        auto otherChain = chain::decodeSignedTransaction(changed(legacy, 6, Item::integer(quint64{1 * 2 + 35 + 1})));
        if (otherChain)
            QVERIFY(otherChain->from.toChecksumHex() != vectorOfType(0)[QStringLiteral("from")].toString());
    }

    // Corrupted raw transactions are refused or decode to some sender, never a crash.
    void mutatedInputsNeverCrash()
    {
        QRandomGenerator random(155);
        for (const QJsonValue &vector : vectors()) {
            const QByteArray raw = test::fromHex(vector[QStringLiteral("signedSerialized")].toString());
            for (int round = 0; round < 2000; ++round) {
                QByteArray data = raw;
                const auto position = static_cast<qsizetype>(random.bounded(static_cast<quint32>(data.size())));
                data[position] = static_cast<char>(random.bounded(0x100));
                if (random.bounded(4) == 0)
                    data.truncate(static_cast<qsizetype>(random.bounded(static_cast<quint32>(data.size()))));
                auto decoded = chain::decodeSignedTransaction(data);
                if (decoded && data != raw)
                    QVERIFY(decoded->serialized == data);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestTransaction)
#include "test_transaction.moc"
