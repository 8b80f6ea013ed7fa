// The relay's copy of the identity registry: which key may sign for which identity, as the
// mirrored KeyAdded/KeyRevoked logs say, refused when the copy is too old; revocations seen by
// sessions already running; a copy from another registry or chain thrown away; and without a
// registry, only the identity's own key.

#include "relay/core/identity_keys.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using identity::KeyChange;
using protocol::ErrorCode;

namespace {

crypto::Address address(char fill) { return *crypto::Address::fromBytes(QByteArray(20, fill)); }

std::optional<ErrorCode> refusal(const relay::IdentityKeys &keys, const crypto::Address &identity, const crypto::Address &key, qint64 nowMs)
{
    auto checked = keys.check(identity, key, nowMs);
    return checked ? std::nullopt : std::optional<ErrorCode>(checked.error().code);
}

} // namespace

class TestIdentityKeys : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    const crypto::Address alice = address('\x0a');
    const crypto::Address laptop = address('\x1a');
    const crypto::Address phone = address('\x2a');
    static constexpr qint64 second = 1000;

private Q_SLOTS:
    void withoutARegistryOnlyTheIdentityKeySigns()
    {
        auto database = relay::RelayDatabase::open(m_dir.filePath(QStringLiteral("none.sqlite")));
        QVERIFY(database);
        relay::IdentityKeys keys(**database, relay::IdentityPolicy{false});
        QVERIFY(keys.reload());
        QCOMPARE(refusal(keys, alice, alice, 0), std::nullopt);
        QCOMPARE(refusal(keys, alice, laptop, 0), ErrorCode::WrongSigner);
        QVERIFY(!keys.revoked(alice, laptop));
    }

    void keysFromTheLogs()
    {
        auto database = relay::RelayDatabase::open(m_dir.filePath(QStringLiteral("registry.sqlite")));
        QVERIFY(database);
        relay::IdentityKeys keys(**database, relay::IdentityPolicy{true, 60 * second});
        QVERIFY(keys.bindTo(QStringLiteral("31337:0xregistry")));
        QVERIFY(keys.reload());
        // Never synced: nobody is let in, not even with the identity's own key.
        QCOMPARE(refusal(keys, alice, alice, 1000 * second), ErrorCode::IdentityRegistryStale);

        // A first pass that stopped before the latest block does not make the copy current.
        QVERIFY(keys.apply({KeyChange{alice, alice, true, 900, 10}}, 10, std::nullopt));
        QVERIFY(keys.reload());
        QCOMPARE(refusal(keys, alice, alice, 1000 * second), ErrorCode::IdentityRegistryStale);

        // The revocation is read before the addition (two passes that overlap): same result.
        QVERIFY(keys.apply({KeyChange{alice, laptop, false, 1500, 12}}, 12, std::nullopt));
        QVERIFY(keys.apply({KeyChange{alice, laptop, true, 1000, 11}, KeyChange{alice, phone, true, 1001, 11}, KeyChange{alice, laptop, false, 1500, 12}},
                           12, 1000 * second));
        QVERIFY(keys.reload());
        QCOMPARE(*keys.syncedBlock(), 12u);
        QCOMPARE(refusal(keys, alice, alice, 1000 * second), std::nullopt);
        QCOMPARE(refusal(keys, alice, phone, 1000 * second), std::nullopt);
        // The copy follows the chain's present, whatever the two clocks say: revoked is revoked.
        QCOMPARE(refusal(keys, alice, laptop, 1000 * second), ErrorCode::KeyNotActive);
        QVERIFY(keys.revoked(alice, laptop));
        QVERIFY(!keys.revoked(alice, phone));
        QCOMPARE(refusal(keys, alice, address('\x3a'), 1000 * second), ErrorCode::KeyNotActive); // never added
        QCOMPARE(refusal(keys, laptop, laptop, 1000 * second), ErrorCode::KeyNotActive);       // not an identity

        // Too old a copy lets no new login in (sessions already running are not refused for it).
        QCOMPARE(refusal(keys, alice, alice, 1060 * second), std::nullopt);
        QCOMPARE(refusal(keys, alice, alice, 1061 * second), ErrorCode::IdentityRegistryStale);
        QVERIFY(!keys.revoked(alice, alice));

        // A sync that changed no key only refreshes the time; one that did is read in full.
        const crypto::Address tablet = address('\x4a');
        QVERIFY(keys.apply({KeyChange{alice, tablet, true, 1070, 13}}, 13, 1070 * second));
        QVERIFY(keys.reload(false));
        QCOMPARE(refusal(keys, alice, alice, 1120 * second), std::nullopt); // fresh again
        QCOMPARE(refusal(keys, alice, tablet, 1120 * second), ErrorCode::KeyNotActive);
        QVERIFY(keys.reload(true));
        QCOMPARE(refusal(keys, alice, tablet, 1120 * second), std::nullopt);

        // Another connection (the relay restarted) reads the same copy.
        relay::IdentityKeys reopened(**database, relay::IdentityPolicy{true, 60 * second});
        QVERIFY(reopened.reload());
        QCOMPARE(refusal(reopened, alice, laptop, 1000 * second), ErrorCode::KeyNotActive);
        QCOMPARE(refusal(reopened, alice, phone, 1000 * second), std::nullopt);

        // A copy read from another registry or chain is thrown away, not trusted.
        QVERIFY(reopened.bindTo(QStringLiteral("31337:0xregistry")));
        QCOMPARE(*reopened.syncedBlock(), 13u);
        QVERIFY(reopened.bindTo(QStringLiteral("1:0xother")));
        QVERIFY(reopened.reload());
        QVERIFY(!reopened.syncedBlock());
        QCOMPARE(refusal(reopened, alice, phone, 1000 * second), ErrorCode::IdentityRegistryStale);
        QVERIFY(!reopened.revoked(alice, laptop));
    }
};

QTEST_GUILESS_MAIN(TestIdentityKeys)
#include "test_identity_keys.moc"
