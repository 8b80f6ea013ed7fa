// readOnAllCoresUseInOrder: every item used once, in order, whatever the threads and the window;
// never more than the window held at once; a stop reads nothing more.

#include "base/parallel.h"

#include <QMutex>
#include <QSet>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

using namespace cmeet;

class TestParallel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void usesEveryItemInOrder_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("threads");
        for (const int threads : {1, 2, 3, 8})
            for (const int window : {1, 2, 7, 64})
                for (const int count : {0, 1, 5, 500})
                    QTest::addRow("%d items, window %d, %d threads", count, window, threads) << count << window << threads;
    }
    void usesEveryItemInOrder()
    {
        QFETCH(int, count);
        QFETCH(int, window);
        QFETCH(int, threads);
        std::atomic<int> reads{0};
        std::atomic<int> held{0}; // read, not yet used
        std::atomic<int> mostHeld{0};
        QList<qsizetype> used;
        bool inOrder = true;
        readOnAllCoresUseInOrder<QString>(
            count, window,
            [&](qsizetype i) {
                ++reads;
                if (i % 3 == 0)
                    std::this_thread::yield(); // some reads finish out of order
                const int now = ++held;
                for (int most = mostHeld.load(); now > most && !mostHeld.compare_exchange_weak(most, now);) {
                }
                return QString::number(i * 7);
            },
            [&](qsizetype i, QString item) {
                --held;
                inOrder &= item == QString::number(i * 7) && i == used.size();
                used.append(i);
                return true;
            },
            threads);
        QVERIFY(inOrder);
        QCOMPARE(used.size(), count);
        QCOMPARE(reads.load(), count);
        QVERIFY2(mostHeld.load() <= window, qPrintable(QStringLiteral("%1 items held at once").arg(mostHeld.load())));
    }

    // Slow reads are spread over the pool's threads while the calling thread uses them.
    void readsOnSeveralThreads()
    {
        if (QThreadPool::globalInstance()->maxThreadCount() < 2)
            QSKIP("one core: nothing to spread over");
        QMutex mutex;
        QSet<Qt::HANDLE> readers;
        Qt::HANDLE user = nullptr;
        readOnAllCoresUseInOrder<int>(
            200, 16,
            [&](qsizetype i) {
                QThread::usleep(200);
                const QMutexLocker lock(&mutex);
                readers.insert(QThread::currentThreadId());
                return int(i);
            },
            [&](qsizetype, int) {
                user = QThread::currentThreadId();
                return true;
            });
        QCOMPARE(user, QThread::currentThreadId());
        QVERIFY(readers.size() >= 2);
    }

    // use returning false stops the reading: no item is used after it, and at most the window's
    // worth beyond it was read.
    void stopsWhenUseSaysSo()
    {
        for (const int threads : {1, 2, 4}) {
            std::atomic<int> reads{0};
            int uses = 0;
            readOnAllCoresUseInOrder<int>(
                10'000, 8,
                [&](qsizetype i) {
                    ++reads;
                    return int(i);
                },
                [&](qsizetype i, int) {
                    ++uses;
                    return i < 99;
                },
                threads);
            QCOMPARE(uses, 100);
            QVERIFY2(reads.load() >= 100 && reads.load() <= 100 + 8, qPrintable(QString::number(reads.load())));
        }
    }
};

QTEST_GUILESS_MAIN(TestParallel)
#include "test_parallel.moc"
