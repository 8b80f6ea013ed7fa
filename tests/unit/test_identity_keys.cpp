// The relay's copy of the identity registry: which key may sign for which identity, as the
// mirrored KeyAdded/KeyRevoked logs say, refused when the copy is too old; and without a
// registry, only the identity's own key.

#include "relay/core/identity_keys.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using identity::KeyChange;
using protocol::ErrorCode;

namespace {

crypto::Address address(char fill) { return *crypto::Address::fromBytes(QByteArray(20, fill)); }

std::optional<ErrorCode> refusal(relay::IdentityKeys &keys, const crypto::Address &identity, const crypto::Address &key, qint64 nowMs)
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
        QCOMPARE(refusal(keys, alice, alice, 0), std::nullopt);
        QCOMPARE(refusal(keys, alice, laptop, 0), ErrorCode::WrongSigner);
    }

    void keyPeriodsFromTheLogs()
    {
        auto database = relay::RelayDatabase::open(m_dir.filePath(QStringLiteral("registry.sqlite")));
        QVERIFY(database);
        relay::IdentityKeys keys(**database, relay::IdentityPolicy{true, 60 * second});
        // Never synced: nobody is let in, not even with the identity's own key.
        QCOMPARE(refusal(keys, alice, alice, 1000 * second), ErrorCode::IdentityRegistryStale);

        // The revocation is read before the addition (two sync passes that overlap): same result.
        QVERIFY(keys.apply({KeyChange{alice, laptop, false, 1500, 12}}, 12, 1000 * second));
        QVERIFY(keys.apply({KeyChange{alice, alice, true, 900, 10}, KeyChange{alice, laptop, true, 1000, 11}, KeyChange{alice, laptop, false, 1500, 12}},
                           12, 1000 * second));
        QCOMPARE(*keys.syncedBlock(), 12u);
        QCOMPARE(refusal(keys, alice, alice, 1000 * second), std::nullopt);
        QCOMPARE(refusal(keys, alice, laptop, 1000 * second), std::nullopt);      // from its block's second on
        QCOMPARE(refusal(keys, alice, laptop, 999 * second), ErrorCode::KeyNotActive); // before it was added
        QCOMPARE(refusal(keys, alice, phone, 1000 * second), ErrorCode::KeyNotActive);  // never added
        QCOMPARE(refusal(keys, laptop, laptop, 1000 * second), ErrorCode::KeyNotActive); // not an identity

        // Revoked from the start of its second; and the copy must be fresh at that time too.
        QVERIFY(keys.markFresh(1500 * second));
        QCOMPARE(refusal(keys, alice, laptop, 1499 * second + 999), std::nullopt);
        QCOMPARE(refusal(keys, alice, laptop, 1500 * second), ErrorCode::KeyNotActive);
        QCOMPARE(refusal(keys, alice, alice, 1560 * second), std::nullopt);
        QCOMPARE(refusal(keys, alice, alice, 1561 * second), ErrorCode::IdentityRegistryStale);

        // A later connection (the relay restarted) reads the same periods.
        relay::IdentityKeys reopened(**database, relay::IdentityPolicy{true, 60 * second});
        QCOMPARE(refusal(reopened, alice, laptop, 1500 * second), ErrorCode::KeyNotActive);
        QCOMPARE(*reopened.syncedBlock(), 12u);
    }
};

QTEST_GUILESS_MAIN(TestIdentityKeys)
#include "test_identity_keys.moc"
