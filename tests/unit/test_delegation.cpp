#include "protocol/delegation.h"
#include "support/sample_events.h"
#include "test_support.h"

#include <QTest>

using namespace cmeet;
using protocol::Delegation;
using protocol::SignerRule;
using protocol::ErrorCode;

class TestDelegation : public QObject {
    Q_OBJECT

private:
    test::SampleMeeting m;
    const qint64 expires = 1764072000000 + 3600 * 1000;

    Delegation make() const
    {
        auto delegation = Delegation::create(m.host, m.session.address(), m.meeting, m.relay.address(), expires);
        if (!delegation)
            qFatal("cannot create delegation");
        return *delegation;
    }

private Q_SLOTS:
    void roundTripAndBinding()
    {
        const Delegation delegation = make();
        auto parsed = Delegation::fromJson(delegation.toJson());
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().detail));
        QCOMPARE(parsed->id(), delegation.id());
        QCOMPARE(parsed->fields().identity, m.host.address());
        QCOMPARE(parsed->fields().session, m.session.address());
        QCOMPARE(parsed->fields().nonce.size(), 16);
        QVERIFY(parsed->checkFor(m.meeting, m.relay.address(), expires - 1));

        QCOMPARE(parsed->checkFor(QStringLiteral("00000000-0000-4000-8000-000000000000"), m.relay.address(), expires - 1).error().code,
                 ErrorCode::DelegationWrongMeeting);
        QCOMPARE(parsed->checkFor(m.meeting, m.session.address(), expires - 1).error().code, ErrorCode::DelegationWrongRelay);
        QCOMPARE(parsed->checkFor(m.meeting, m.relay.address(), expires).error().code, ErrorCode::DelegationExpired);
    }

    void freshNoncesDiffer()
    {
        QVERIFY(make().fields().nonce != make().fields().nonce);
        QVERIFY(make().id() != make().id());
    }

    // Changing any member after signing breaks the identity's signature.
    void tamperedMembersAreRejected()
    {
        const QJsonObject original = make().toJson();
        const QString other = test::SampleMeeting::fixedKey(77).address().toLowerHex();
        const QList<QPair<QString, QJsonValue>> changes = {
            {QStringLiteral("session"), other},
            {QStringLiteral("relay"), other},
            {QStringLiteral("identity"), other},
            {QStringLiteral("meeting"), QStringLiteral("00000000-0000-4000-8000-000000000000")},
            {QStringLiteral("expires"), expires + 1},
            {QStringLiteral("nonce"), QStringLiteral("0x000102030405060708090a0b0c0d0e0f")},
        };
        for (const auto &[key, value] : changes) {
            QJsonObject tampered = original;
            tampered.insert(key, value);
            auto result = Delegation::fromJson(tampered);
            QVERIFY2(!result, qPrintable(key));
            QCOMPARE(result.error().code, ErrorCode::DelegationInvalid);
        }
    }

    void malformedDelegations()
    {
        const QJsonObject original = make().toJson();
        const QList<QPair<QString, QJsonValue>> changes = {
            {QStringLiteral("purpose"), QStringLiteral("cmeet-event")},
            {QStringLiteral("extra"), 1},
            {QStringLiteral("nonce"), QStringLiteral("0x00")},
            {QStringLiteral("expires"), QStringLiteral("tomorrow")},
            {QStringLiteral("session"), m.session.address().toChecksumHex()},
            {QStringLiteral("sig"), QStringLiteral("0x00")},
            {QStringLiteral("meeting"), QStringLiteral("not-a-uuid")},
        };
        for (const auto &[key, value] : changes) {
            QJsonObject broken = original;
            broken.insert(key, value);
            auto result = Delegation::fromJson(broken);
            QVERIFY2(!result, qPrintable(key));
            QCOMPARE(result.error().code, ErrorCode::DelegationInvalid);
            QVERIFY(!result.error().detail.isEmpty());
        }
    }

    void onlyTheIdentityKeyMaySign()
    {
        const Delegation::Fields fields{m.host.address(), m.session.address(), m.meeting, m.relay.address(), expires,
                                        QByteArray(16, '\x01')};
        auto wrongKey = Delegation::create(fields, m.session);
        QVERIFY(!wrongKey);
        QCOMPARE(wrongKey.error().code, ErrorCode::WrongSigner);

        // A delegation claiming the host's identity but signed by someone else.
        Delegation::Fields forged = fields;
        forged.identity = m.session.address();
        QJsonObject object = Delegation::create(forged, m.session)->toJson();
        object.insert(QStringLiteral("identity"), m.host.address().toLowerHex());
        QCOMPARE(Delegation::fromJson(object).error().code, ErrorCode::DelegationInvalid);
    }

    void aDeviceKeyMaySignWhenTheCallerChecksIt()
    {
        // The session key stands in for a device key added to the host's identity.
        const Delegation::Fields fields{m.host.address(), m.session.address(), m.meeting, m.relay.address(), expires,
                                        QByteArray(16, '\x02')};
        auto byDevice = Delegation::create(fields, m.session, SignerRule::AnyKey);
        QVERIFY(byDevice);
        QCOMPARE(byDevice->signer(), m.session.address());
        // Read back: refused where only the identity key counts, the signer recovered otherwise.
        QCOMPARE(Delegation::fromJson(byDevice->toJson()).error().code, ErrorCode::DelegationInvalid);
        auto parsed = Delegation::fromJson(byDevice->toJson(), SignerRule::AnyKey);
        QVERIFY(parsed);
        QCOMPARE(parsed->signer(), m.session.address());
        QCOMPARE(parsed->fields().identity, m.host.address());
        QCOMPARE(Delegation::fromJson(Delegation::create(fields, m.host)->toJson(), SignerRule::AnyKey)->signer(), m.host.address());
    }
};

QTEST_GUILESS_MAIN(TestDelegation)
#include "test_delegation.moc"
