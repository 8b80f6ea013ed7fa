#include "chain/eip712.h"
#include "chain/uint256.h"
#include "crypto/keccak.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace cmeet;
using chain::ErrorCode;

namespace {

QJsonObject vectorDocument()
{
    return test::readVectors(QStringLiteral("known-answer/eip712.json")).object();
}

// The typed-data part of the vector file (it also carries the expected hashes).
QJsonObject typedData(const QJsonObject &vector)
{
    QJsonObject out;
    for (const char *key : {"types", "primaryType", "domain", "message"})
        out.insert(QString::fromLatin1(key), vector.value(QString::fromLatin1(key)));
    return out;
}

QJsonArray fields(std::initializer_list<std::pair<const char *, const char *>> list)
{
    QJsonArray out;
    for (const auto &[name, type] : list)
        out.append(QJsonObject{{QStringLiteral("name"), QString::fromLatin1(name)}, {QStringLiteral("type"), QString::fromLatin1(type)}});
    return out;
}

QByteArray word(quint64 value)
{
    return chain::UInt256(value).toBigEndian();
}

const QString bob = QStringLiteral("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB");
const QString cow = QStringLiteral("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");

QJsonObject person(const QString &name, const QString &wallet)
{
    return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("wallet"), wallet}};
}

void expectHashError(const QJsonObject &document, ErrorCode code)
{
    auto hash = chain::eip712::hashTypedData(document);
    QVERIFY(!hash);
    QCOMPARE(hash.error().code, code);
}

} // namespace

class TestEip712 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mailExample()
    {
        const QJsonObject vector = vectorDocument();
        const QJsonObject types = vector[QStringLiteral("types")].toObject();
        QCOMPARE(chain::eip712::encodeType(types, QStringLiteral("Mail")).value_or(QString()),
                 QStringLiteral("Mail(Person from,Person to,string contents)Person(string name,address wallet)"));
        // From the EIP's own example.
        QCOMPARE(chain::eip712::typeHash(types, QStringLiteral("Mail")).value_or(QByteArray()),
                 test::fromHex(QStringLiteral("0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")));

        const QByteArray separator = test::fromHex(vector[QStringLiteral("domainSeparator")].toString());
        QCOMPARE(chain::eip712::domainSeparator(vector[QStringLiteral("domain")].toObject()).value_or(QByteArray()), separator);
        const QByteArray structHash = test::fromHex(vector[QStringLiteral("structHash")].toString());
        QCOMPARE(chain::eip712::hashStruct(types, QStringLiteral("Mail"), vector[QStringLiteral("message")].toObject())
                     .value_or(QByteArray()),
                 structHash);
        const QByteArray digest = test::fromHex(vector[QStringLiteral("digest")].toString());
        QCOMPARE(chain::eip712::digest(separator, structHash), digest);
        QCOMPARE(chain::eip712::hashTypedData(typedData(vector)).value_or(QByteArray()), digest);
    }

    void signAndRecover()
    {
        const QJsonObject vector = vectorDocument();
        // The EIP's example signer: private key keccak256("cow").
        auto key = crypto::PrivateKey::fromBytes(crypto::keccak256("cow"));
        QVERIFY(key);
        QCOMPARE(key->address().toChecksumHex(), vector[QStringLiteral("signer")].toString());

        auto signature = chain::eip712::sign(typedData(vector), *key);
        QVERIFY(signature);
        QCOMPARE(signature->bytes(), test::fromHex(vector[QStringLiteral("signature")].toString()));
        auto signer = chain::eip712::recoverSigner(typedData(vector), *signature);
        QVERIFY(signer);
        QCOMPARE(signer->toChecksumHex(), vector[QStringLiteral("signer")].toString());

        // The same signature over another message recovers someone else.
        QJsonObject changed = typedData(vector);
        QJsonObject message = changed[QStringLiteral("message")].toObject();
        message[QStringLiteral("contents")] = QStringLiteral("Hello, Alice!");
        changed[QStringLiteral("message")] = message;
        auto other = chain::eip712::recoverSigner(changed, *signature);
        QVERIFY(other);
        QVERIFY(*other != *signer);
    }

    // Wallets send the EIP712Domain type along; the result must not change.
    void explicitDomainType()
    {
        const QJsonObject vector = vectorDocument();
        QJsonObject document = typedData(vector);
        QJsonObject types = document[QStringLiteral("types")].toObject();
        types.insert(QStringLiteral("EIP712Domain"), fields({{"name", "string"},
                                                             {"version", "string"},
                                                             {"chainId", "uint256"},
                                                             {"verifyingContract", "address"}}));
        document[QStringLiteral("types")] = types;
        QCOMPARE(chain::eip712::hashTypedData(document).value_or(QByteArray()),
                 test::fromHex(vector[QStringLiteral("digest")].toString()));

        // Only the members the domain has are part of the derived type.
        const QJsonObject partialDomain{{QStringLiteral("name"), QStringLiteral("c-meet")}, {QStringLiteral("chainId"), 31337}};
        const QByteArray typeHash = crypto::keccak256("EIP712Domain(string name,uint256 chainId)");
        QCOMPARE(chain::eip712::domainSeparator(partialDomain).value_or(QByteArray()),
                 crypto::keccak256(QByteArray(typeHash + crypto::keccak256("c-meet") + word(31337))));
        const QJsonObject saltDomain{{QStringLiteral("salt"), QString(QStringLiteral("0x") + QString(64, u'1'))}};
        QCOMPARE(chain::eip712::domainSeparator(saltDomain).value_or(QByteArray()),
                 crypto::keccak256(QByteArray(crypto::keccak256("EIP712Domain(bytes32 salt)") + QByteArray(32, '\x11'))));
    }

    // Dependencies sorted by name; arrays, bytes, bool and bytesN encoded as the EIP says,
    // checked against an encoding written out by hand.
    void arraysAndAtomicTypes()
    {
        const QJsonObject types{
            {QStringLiteral("Group"), fields({{"members", "Person[]"}, {"scores", "uint256[2]"}, {"data", "bytes"},
                                              {"open", "bool"}, {"id", "bytes32"}, {"tag", "bytes4"}, {"level", "uint8"},
                                              {"boss", "Boss"}})},
            {QStringLiteral("Person"), fields({{"name", "string"}, {"wallet", "address"}})},
            {QStringLiteral("Boss"), fields({{"who", "Person"}, {"tags", "string[]"}})},
            {QStringLiteral("Unused"), fields({{"x", "uint256"}})},
        };
        QCOMPARE(chain::eip712::encodeType(types, QStringLiteral("Group")).value_or(QString()),
                 QStringLiteral("Group(Person[] members,uint256[2] scores,bytes data,bool open,bytes32 id,bytes4 tag,"
                                "uint8 level,Boss boss)Boss(Person who,string[] tags)Person(string name,address wallet)"));

        const QJsonObject cowPerson = person(QStringLiteral("Cow"), cow);
        const QJsonObject bobPerson = person(QStringLiteral("Bob"), bob);
        const QJsonObject group{
            {QStringLiteral("members"), QJsonArray{cowPerson, bobPerson}},
            {QStringLiteral("scores"), QJsonArray{1, QStringLiteral("2")}},
            {QStringLiteral("data"), QStringLiteral("0x0102")},
            {QStringLiteral("open"), true},
            {QStringLiteral("id"), QString(QStringLiteral("0x") + QString(64, u'a'))},
            {QStringLiteral("tag"), QStringLiteral("0xdeadbeef")},
            {QStringLiteral("level"), 255},
            {QStringLiteral("boss"), QJsonObject{{QStringLiteral("who"), bobPerson},
                                                 {QStringLiteral("tags"), QJsonArray{QStringLiteral("a"), QStringLiteral("b")}}}},
        };

        const auto hashPerson = [&](const QJsonObject &p) {
            return chain::eip712::hashStruct(types, QStringLiteral("Person"), p).value_or(QByteArray());
        };
        const QByteArray personTypeHash = crypto::keccak256("Person(string name,address wallet)");
        const QByteArray cowWallet = crypto::Address::fromHex(cow).value().bytes();
        QCOMPARE(hashPerson(cowPerson),
                 crypto::keccak256(QByteArray(personTypeHash + crypto::keccak256("Cow") + QByteArray(12, '\0') + cowWallet)));

        const QByteArray bossHash = crypto::keccak256(QByteArray(
            crypto::keccak256("Boss(Person who,string[] tags)Person(string name,address wallet)") + hashPerson(bobPerson)
            + crypto::keccak256(QByteArray(crypto::keccak256("a") + crypto::keccak256("b")))));
        const QByteArray expected = crypto::keccak256(QByteArray(
            chain::eip712::typeHash(types, QStringLiteral("Group")).value_or(QByteArray())
            + crypto::keccak256(QByteArray(hashPerson(cowPerson) + hashPerson(bobPerson)))
            + crypto::keccak256(QByteArray(word(1) + word(2))) + crypto::keccak256(QByteArray("\x01\x02", 2)) + word(1)
            + QByteArray(32, '\xaa') + QByteArray("\xde\xad\xbe\xef", 4) + QByteArray(28, '\0') + word(255) + bossHash));
        QCOMPARE(chain::eip712::hashStruct(types, QStringLiteral("Group"), group).value_or(QByteArray()), expected);
    }

    // A type may contain itself through an array; messages are bounded in depth.
    void recursiveTypes()
    {
        const QJsonObject types{{QStringLiteral("Node"), fields({{"label", "string"}, {"children", "Node[]"}})}};
        QCOMPARE(chain::eip712::encodeType(types, QStringLiteral("Node")).value_or(QString()),
                 QStringLiteral("Node(string label,Node[] children)"));
        QJsonObject node{{QStringLiteral("label"), QStringLiteral("leaf")}, {QStringLiteral("children"), QJsonArray()}};
        QVERIFY(chain::eip712::hashStruct(types, QStringLiteral("Node"), node));
        for (int i = 0; i < 40; ++i)
            node = QJsonObject{{QStringLiteral("label"), QString::number(i)}, {QStringLiteral("children"), QJsonArray{node}}};
        auto deep = chain::eip712::hashStruct(types, QStringLiteral("Node"), node);
        QVERIFY(!deep);
        QCOMPARE(deep.error().code, ErrorCode::TooDeep);
    }

    void malformedTypes()
    {
        const QJsonObject person{{QStringLiteral("Person"), fields({{"name", "string"}, {"wallet", "address"}})}};
        const auto expectTypeError = [](const QJsonObject &types, const QString &name) {
            auto encoded = chain::eip712::encodeType(types, name);
            QVERIFY2(!encoded, qPrintable(name));
            QCOMPARE(encoded.error().code, ErrorCode::InvalidTypedData);
        };
        expectTypeError(person, QStringLiteral("Mail"));                                                        // unknown
        expectTypeError({{QStringLiteral("Mail"), fields({{"from", "Persn"}})}}, QStringLiteral("Mail"));       // unknown field type
        expectTypeError({{QStringLiteral("Mail"), fields({{"n", "uint"}})}}, QStringLiteral("Mail"));            // alias, not canonical
        expectTypeError({{QStringLiteral("Mail"), fields({{"n", "int256"}})}}, QStringLiteral("Mail"));          // not supported
        expectTypeError({{QStringLiteral("Mail"), fields({{"n", "uint256[0]"}})}}, QStringLiteral("Mail"));
        expectTypeError({{QStringLiteral("Mail"), fields({{"n", "uint256]["}})}}, QStringLiteral("Mail"));
        expectTypeError({{QStringLiteral("Mail"), fields({{"n", "uint256"}, {"n", "bool"}})}}, QStringLiteral("Mail")); // duplicate
        expectTypeError({{QStringLiteral("Mail"), fields({{"bad name", "uint256"}})}}, QStringLiteral("Mail"));
        expectTypeError({{QStringLiteral("Mail"), QStringLiteral("uint256")}}, QStringLiteral("Mail"));          // not an array
        expectTypeError({{QStringLiteral("Mail"), QJsonArray{QStringLiteral("uint256")}}}, QStringLiteral("Mail"));
        expectTypeError({{QStringLiteral("bytes32"), fields({{"x", "uint256"}})}}, QStringLiteral("bytes32"));   // shadows an atomic type
        expectTypeError({{QStringLiteral("Mail"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("x")},
                                                                        {QStringLiteral("type"), QStringLiteral("bool")},
                                                                        {QStringLiteral("extra"), 1}}}}},
                        QStringLiteral("Mail"));
    }

    void malformedMessages()
    {
        const QJsonObject vector = vectorDocument();
        const QJsonObject document = typedData(vector);
        const auto withMessage = [&](const QJsonObject &message) {
            QJsonObject out = document;
            out[QStringLiteral("message")] = message;
            return out;
        };
        const QJsonObject message = document[QStringLiteral("message")].toObject();

        QJsonObject missing = message;
        missing.remove(QStringLiteral("contents"));
        expectHashError(withMessage(missing), ErrorCode::InvalidTypedData);

        QJsonObject extra = message;
        extra.insert(QStringLiteral("cc"), QStringLiteral("Eve"));
        expectHashError(withMessage(extra), ErrorCode::InvalidTypedData);

        QJsonObject badAddress = message;
        badAddress[QStringLiteral("to")] = person(QStringLiteral("Bob"), QStringLiteral("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb"));
        expectHashError(withMessage(badAddress), ErrorCode::InvalidValue);

        QJsonObject notObject = message;
        notObject[QStringLiteral("to")] = QStringLiteral("Bob");
        expectHashError(withMessage(notObject), ErrorCode::InvalidTypedData);

        QJsonObject badString = message;
        badString[QStringLiteral("contents")] = 42;
        expectHashError(withMessage(badString), ErrorCode::InvalidValue);

        const QJsonObject arrayTypes{{QStringLiteral("List"), fields({{"items", "uint8[2]"}})}};
        const auto list = [&](const QJsonValue &items) {
            return chain::eip712::hashStruct(arrayTypes, QStringLiteral("List"), QJsonObject{{QStringLiteral("items"), items}});
        };
        QVERIFY(list(QJsonArray{1, 2}));
        QCOMPARE(list(QJsonArray{1}).error().code, ErrorCode::InvalidTypedData);
        QCOMPARE(list(QJsonArray{1, 2, 3}).error().code, ErrorCode::InvalidTypedData);
        QCOMPARE(list(1).error().code, ErrorCode::InvalidTypedData);
        QCOMPARE(list(QJsonArray{1, 256}).error().code, ErrorCode::Overflow);
        QCOMPARE(list(QJsonArray{1, -1}).error().code, ErrorCode::InvalidValue);
    }

    void malformedDocuments()
    {
        const QJsonObject document = typedData(vectorDocument());
        for (const char *member : {"types", "primaryType", "domain", "message"}) {
            QJsonObject incomplete = document;
            incomplete.remove(QString::fromLatin1(member));
            expectHashError(incomplete, ErrorCode::InvalidTypedData);
        }
        QJsonObject unknownDomainMember = document;
        QJsonObject domain = document[QStringLiteral("domain")].toObject();
        domain.insert(QStringLiteral("network"), QStringLiteral("mainnet"));
        unknownDomainMember[QStringLiteral("domain")] = domain;
        expectHashError(unknownDomainMember, ErrorCode::InvalidTypedData);

        QJsonObject badChainId = document;
        domain = document[QStringLiteral("domain")].toObject();
        domain[QStringLiteral("chainId")] = QStringLiteral("one");
        badChainId[QStringLiteral("domain")] = domain;
        expectHashError(badChainId, ErrorCode::InvalidNumber);

        QJsonObject unknownPrimary = document;
        unknownPrimary[QStringLiteral("primaryType")] = QStringLiteral("Letter");
        expectHashError(unknownPrimary, ErrorCode::InvalidTypedData);

        auto key = crypto::PrivateKey::fromBytes(crypto::keccak256("cow"));
        QVERIFY(key);
        auto signature = chain::eip712::sign(unknownPrimary, *key);
        QVERIFY(!signature);
        QCOMPARE(signature.error().code, ErrorCode::InvalidTypedData);
    }
};

QTEST_GUILESS_MAIN(TestEip712)
#include "test_eip712.moc"
