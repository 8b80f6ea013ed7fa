// The first run's identity setup through its widgets: the key kept in a real Secret Service
// (gnome-keyring-daemon on a private D-Bus, under tests/with-keyring), and, with no keychain
// service at all, the message that says what is missing and the warned opt-in to a
// passphrase-encrypted key file. Never a plain file.

#include "client/ui/identity_setup.h"
#include "client/ui/identity_store.h"
#include "client/ui/user_prompts.h"
#include "crypto/keystore.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;
using client::IdentitySetup;
using client::IdentityStore;

namespace {

constexpr int waitMs = 20000;
const QString testService = QStringLiteral("c-meet tests");

class NoPrompts : public client::UserPrompts {
public:
    QString fileToOpen;
    QString openFile(QWidget *, const QString &, const QString &) override { return fileToOpen; }
};

// With CMEET_SCREENSHOTS_DIR set (scripts/screenshots), saves what the user sees.
void screenshot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("CMEET_SCREENSHOTS_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QTest::qWait(100);
    if (!widget->grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))))
        qWarning("cannot save the screenshot %s", qPrintable(name));
}

bool withKeyring()
{
    return qEnvironmentVariableIsSet("CMEET_TEST_KEYRING");
}

QString currentPage(IdentitySetup &setup)
{
    return setup.findChild<QStackedWidget *>()->currentWidget()->objectName();
}

void click(QWidget *widget)
{
    QVERIFY(widget != nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(widget->isEnabled() && widget->isVisible(), 5000);
    QTest::mouseClick(widget, Qt::LeftButton);
}

Expected<crypto::PrivateKey, client::IdentityFailure> wait(const std::function<void(const IdentityStore::Done &)> &call)
{
    std::optional<Expected<crypto::PrivateKey, client::IdentityFailure>> result;
    call([&](const auto &r) { result = r; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, waitMs))
        return unexpected(client::IdentityFailure{QStringLiteral("no answer"), false});
    return *result;
}

} // namespace

class TestIdentitySetup : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void keptInTheSecretService()
    {
        if (!withKeyring())
            QSKIP("needs a Secret Service: ctest runs this again under tests/with-keyring (test_identity_setup_keyring)");
        QTemporaryDir profile;
        IdentityStore store(profile.path(), testService);
        NoPrompts prompts;
        IdentitySetup setup(store, prompts);
        setup.show();
        click(setup.findChild<QPushButton *>(QStringLiteral("createIdentityButton")));
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(setup), QStringLiteral("donePage"), waitMs);
        QVERIFY(setup.key());
        const crypto::Address address = setup.key()->address();
        QCOMPARE(setup.findChild<QLabel *>(QStringLiteral("identityAddress"))->text(), address.toChecksumHex());
        QVERIFY(!setup.findChild<QLabel *>(QStringLiteral("addressQrCode"))->pixmap().isNull());
        QCOMPARE(store.storage(), IdentityStore::Storage::Keychain);
        QCOMPARE(store.address(), std::optional(address));
        QVERIFY(!QFile::exists(store.keyFilePath())); // nothing on disk but the address
        for (const QString &file : QDir(profile.path()).entryList(QDir::Files))
            QVERIFY2(!QFile(profile.filePath(file)).open(QIODevice::ReadOnly)
                         || !QFile(profile.filePath(file)).readAll().contains(QByteArray(setup.key()->secret().data(), 32).toHex()),
                     qPrintable(file));

        // The next start reads it back, in another store object as in another run.
        IdentityStore again(profile.path(), testService);
        const auto read = wait([&](const auto &done) { again.readFromKeychain(done); });
        QVERIFY2(read, qPrintable(read ? QString() : read.error().message));
        QCOMPARE(read->address(), address);

        // Another profile has no key there: said plainly, not mistaken for a missing keychain.
        QTemporaryDir other;
        IdentityStore elsewhere(other.path(), testService);
        const auto missing = wait([&](const auto &done) { elsewhere.readFromKeychain(done); });
        QVERIFY(!missing);
        QVERIFY(!missing.error().keychainUnavailable);
        QVERIFY2(missing.error().message.contains(QStringLiteral("not in the keychain")), qPrintable(missing.error().message));
    }

    void noKeychainOffersAWarnedKeyFile()
    {
        if (withKeyring())
            QSKIP("this checks the path without any keychain service: ctest runs it as test_identity_setup, without D-Bus");
        QTemporaryDir profile;
        IdentityStore store(profile.path(), testService);
        NoPrompts prompts;
        IdentitySetup setup(store, prompts);
        setup.show();
        click(setup.findChild<QPushButton *>(QStringLiteral("createIdentityButton")));
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(setup), QStringLiteral("noKeychainPage"), waitMs);
        const QString problem = setup.findChild<QLabel *>(QStringLiteral("keychainProblem"))->text();
        QVERIFY2(problem.contains(QStringLiteral("no keychain service")) && problem.contains(QStringLiteral("GNOME Keyring"))
                     && problem.contains(QStringLiteral("KWallet")) && problem.contains(QStringLiteral("KeePassXC")),
                 qPrintable(problem));
        QCOMPARE(store.storage(), IdentityStore::Storage::None);
        QVERIFY(!QFile::exists(store.keyFilePath())); // never a silent fallback

        // The opt-in: off by default; a short or mismatched passphrase is not accepted.
        auto *useFile = setup.findChild<QPushButton *>(QStringLiteral("useKeyFileButton"));
        auto *passphrase = setup.findChild<QLineEdit *>(QStringLiteral("filePassphrase"));
        auto *confirm = setup.findChild<QLineEdit *>(QStringLiteral("filePassphraseConfirm"));
        QVERIFY(!useFile->isEnabled() && !passphrase->isEnabled());
        click(setup.findChild<QCheckBox *>(QStringLiteral("keyFileOptIn")));
        QTest::keyClicks(passphrase, QStringLiteral("short"));
        QTest::keyClicks(confirm, QStringLiteral("short"));
        QVERIFY(!useFile->isEnabled());
        passphrase->clear();
        confirm->clear();
        const QString chosen = QStringLiteral("correct horse battery staple");
        QTest::keyClicks(passphrase, chosen);
        QTest::keyClicks(confirm, chosen + QStringLiteral("!"));
        QVERIFY(!useFile->isEnabled());
        confirm->clear();
        QTest::keyClicks(confirm, chosen);
        screenshot(&setup, QStringLiteral("first-run-no-keychain"));
        click(useFile);
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(setup), QStringLiteral("donePage"), waitMs);
        QVERIFY(setup.key());
        QCOMPARE(store.storage(), IdentityStore::Storage::KeyFile);
        screenshot(&setup, QStringLiteral("first-run-address"));
        QFile file(store.keyFilePath());
        QVERIFY(file.exists());
        QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        QVERIFY(passphrase->text().isEmpty()); // not left in the widget

        // It opens with the passphrase, and only with it.
        const auto opened = wait([&](const auto &done) { store.openFile(store.keyFilePath(), crypto::SecretBytes(chosen.toUtf8()), done); });
        QVERIFY(opened && opened->address() == setup.key()->address());
        const auto wrong = wait([&](const auto &done) { store.openFile(store.keyFilePath(), crypto::SecretBytes(QByteArray("guess")), done); });
        QVERIFY(!wrong && wrong.error().message.contains(QStringLiteral("Wrong passphrase")));
    }

    // Import: a key file made elsewhere (cmeet-cli identity create) becomes the profile's identity.
    void importsAKeyFile()
    {
        QTemporaryDir profile;
        const auto key = crypto::PrivateKey::generate();
        QVERIFY(key);
        const crypto::SecretBytes passphrase(QByteArray("import passphrase"));
        const auto sealed = crypto::keystore::seal(*key, passphrase, {1 << 12, 8, 1});
        QVERIFY(sealed);
        QFile file(profile.filePath(QStringLiteral("from-elsewhere.key")));
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(*sealed) == sealed->size());
        file.close();

        IdentityStore store(profile.path(), testService);
        NoPrompts prompts;
        prompts.fileToOpen = file.fileName();
        IdentitySetup setup(store, prompts);
        setup.show();
        QTest::keyClicks(setup.findChild<QLineEdit *>(QStringLiteral("importPassphrase")), QStringLiteral("wrong one"));
        click(setup.findChild<QPushButton *>(QStringLiteral("importIdentityButton")));
        QTRY_VERIFY_WITH_TIMEOUT(setup.findChild<QLabel *>(QStringLiteral("setupStatus"))->text().contains(QStringLiteral("Wrong passphrase")), waitMs);
        QCOMPARE(currentPage(setup), QStringLiteral("choosePage"));
        QTest::keyClicks(setup.findChild<QLineEdit *>(QStringLiteral("importPassphrase")), QStringLiteral("import passphrase"));
        click(setup.findChild<QPushButton *>(QStringLiteral("importIdentityButton")));
        // With a keychain it is kept there; without, the opt-in page asks first.
        QTRY_VERIFY_WITH_TIMEOUT(currentPage(setup) == (withKeyring() ? QStringLiteral("donePage") : QStringLiteral("noKeychainPage")), waitMs);
        if (withKeyring()) {
            QCOMPARE(setup.key()->address(), key->address());
            QCOMPARE(store.storage(), IdentityStore::Storage::Keychain);
        } else {
            QCOMPARE(store.storage(), IdentityStore::Storage::None);
        }
    }

    void qrCodeIsAQrCode()
    {
        // A fixed address (an EIP-55 vector) so the data modules, and so this test, never change.
        const QString address = QStringLiteral("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        const QImage image = client::addressQrCode(address, 3);
        QVERIFY(!image.isNull());
        QCOMPARE(image.width(), image.height());
        // 42 characters at level M need version 3: 29 modules, 4 of quiet zone each side.
        QCOMPARE(image.width(), (29 + 8) * 3);
        const auto dark = [&](int moduleX, int moduleY) { return image.pixelIndex((moduleX + 4) * 3 + 1, (moduleY + 4) * 3 + 1) == 0; };
        // A finder pattern along its diagonal: dark, light ring, dark 3x3 core, light ring, dark, then the light separator.
        const auto finderAt = [&](int x0, int y0, int step) {
            const bool expected[8] = {true, false, true, true, true, false, true, false};
            for (int i = 0; i < 8; ++i)
                if (dark(x0 + i * step, y0 + i * step) != expected[i])
                    return false;
            return true;
        };
        QVERIFY(finderAt(0, 0, 1));
        QVERIFY(dark(28, 0) && !dark(27, 1) && dark(26, 2) && !dark(21, 7)); // top right
        QVERIFY(dark(0, 28) && !dark(1, 27) && dark(2, 26) && !dark(7, 21)); // bottom left
        QVERIFY(!finderAt(28, 28, -1)); // no finder pattern in the fourth corner
        // The timing patterns between the finders alternate dark and light.
        for (int i = 8; i <= 20; ++i) {
            QCOMPARE(dark(i, 6), i % 2 == 0);
            QCOMPARE(dark(6, i), i % 2 == 0);
        }
        QVERIFY(!dark(-1, 0)); // the quiet zone is light
    }
};

QTEST_MAIN(TestIdentitySetup)
#include "test_identity_setup.moc"
