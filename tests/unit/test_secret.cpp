#include "crypto/secret.h"

#include <QSet>
#include <QTest>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

using namespace cmeet;

namespace {

// A thread that is still ending when the process exits, as Qt's are: QThread::wait() returns
// before the thread's thread-local destructors have run, OpenSSL's per-thread state among
// them. This one ends only once everything registered with atexit() before OpenSSL was first
// used has run, so after OpenSSL's own exit-time cleanup, were that registered. The cleanup
// would take away the destructor that frees the thread's random generators, and the
// sanitized run (scripts/test) would report them leaked.
struct ThreadEndingAtExit {
    std::mutex mutex;
    std::condition_variable exiting;
    bool released = false;
    std::thread thread;

    static ThreadEndingAtExit &instance()
    {
        static auto *const ending = new ThreadEndingAtExit; // outlives every static destructor
        return *ending;
    }
    static void release()
    {
        ThreadEndingAtExit &ending = instance();
        {
            const std::lock_guard lock(ending.mutex);
            ending.released = true;
        }
        ending.exiting.notify_all();
        if (ending.thread.joinable())
            ending.thread.join();
    }
};

struct HeldUntilExit {
    ~HeldUntilExit()
    {
        ThreadEndingAtExit &ending = ThreadEndingAtExit::instance();
        std::unique_lock lock(ending.mutex);
        ending.exiting.wait(lock, [&] { return ending.released; });
    }
};

// Before main, so before any OpenSSL call: runs after OpenSSL's cleanup would.
const int releasedAtExit = std::atexit(&ThreadEndingAtExit::release);

} // namespace

class TestSecret : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The check is the sanitized run's, at this process's exit (see ThreadEndingAtExit).
    void randomBytesOnAThreadStillEndingAtExit()
    {
        QCOMPARE(releasedAtExit, 0);
        bool finished = false;
        bool drawn = false;
        std::mutex drawing;
        std::unique_lock lock(drawing);
        std::condition_variable done;
        ThreadEndingAtExit::instance().thread = std::thread([&] {
            thread_local HeldUntilExit held;
            const std::lock_guard threadLock(drawing);
            drawn = crypto::randomBytes(32).hasValue();
            finished = true;
            done.notify_one();
        });
        done.wait(lock, [&] { return finished; });
        QVERIFY(drawn);
    }

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
