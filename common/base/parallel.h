#pragma once
// Work spread over the machine's cores with QtCore's global thread pool (no QtConcurrent).

#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <vector>

namespace cmeet {

// Runs function on every item, on up to threads threads (0: all cores; 1, or a single item, runs
// on the calling thread only: a trip to the pool costs more than it saves). The calling thread
// works too; items are taken one at a time, so a slow item doesn't hold up a whole share.
template <typename List, typename Function>
void forEachOnAllCores(List &items, Function function, int threads = 0)
{
    const qsizetype count = items.size();
    QThreadPool *pool = QThreadPool::globalInstance();
    const qsizetype wanted = threads > 0 ? threads : pool->maxThreadCount();
    const qsizetype helpers = std::min<qsizetype>(wanted, count) - 1;
    if (helpers <= 0) {
        std::for_each(items.begin(), items.end(), function);
        return;
    }
    auto *item = items.data(); // detached once here, not from several threads
    std::atomic<qsizetype> next{0};
    const auto work = [&] {
        for (qsizetype i = next++; i < count; i = next++)
            function(item[i]);
    };
    std::latch helpersDone(helpers);
    for (qsizetype i = 0; i < helpers; ++i)
        pool->start([&] {
            work();
            helpersDone.count_down();
        });
    work();
    helpersDone.wait();
}

// Reads items 0..count-1 on up to threads threads (0: all cores) in any order, and hands each to
// use on the calling thread in index order as soon as it is read: the ordered part overlaps the
// reading instead of waiting for a whole batch. Reading runs at most window items ahead of use,
// so at most window items are held at once. While the item it needs next is still being read,
// the calling thread reads later ones. use returns false to stop: nothing more is read, and the
// function returns once the reads under way are done.
template <typename Item, typename Read, typename Use>
void readOnAllCoresUseInOrder(qsizetype count, qsizetype window, Read read, Use use, int threads = 0)
{
    QThreadPool *pool = QThreadPool::globalInstance();
    const qsizetype wanted = threads > 0 ? threads : pool->maxThreadCount();
    const qsizetype helpers = std::min({wanted, count, window}) - 1;
    if (helpers <= 0) {
        for (qsizetype i = 0; i < count; ++i) {
            if (!use(i, read(i)))
                return;
        }
        return;
    }
    const auto slot = [window](qsizetype i) { return static_cast<std::size_t>(i % window); };
    std::vector<Item> items(static_cast<std::size_t>(window));
    // readIndex[slot(i)] == i once item i is in its slot.
    const auto readIndex = std::make_unique<std::atomic<qsizetype>[]>(static_cast<std::size_t>(window));
    for (qsizetype i = 0; i < window; ++i)
        readIndex[slot(i)].store(-1, std::memory_order_relaxed);
    std::atomic<qsizetype> next{0}; // the first item nobody has taken to read
    std::atomic<qsizetype> used{0}; // items handed to use
    std::atomic<bool> stopped{false};
    // Takes the next item if the window has room and reads it; false when nothing was taken.
    const auto readNext = [&] {
        qsizetype i = next.load();
        do {
            if (i >= count || i >= used.load() + window)
                return false;
        } while (!next.compare_exchange_weak(i, i + 1));
        items[slot(i)] = read(i);
        readIndex[slot(i)].store(i, std::memory_order_release);
        readIndex[slot(i)].notify_all();
        return true;
    };
    std::latch helpersDone(helpers);
    for (qsizetype h = 0; h < helpers; ++h)
        pool->start([&] {
            while (!stopped.load() && next.load() < count) {
                const qsizetype usedBefore = used.load();
                if (!readNext() && next.load() < count)
                    used.wait(usedBefore); // the window is full until use takes an item
            }
            helpersDone.count_down();
        });
    for (qsizetype i = 0; i < count; ++i) {
        for (qsizetype at = readIndex[slot(i)].load(std::memory_order_acquire); at != i;
             at = readIndex[slot(i)].load(std::memory_order_acquire)) {
            if (!readNext())
                readIndex[slot(i)].wait(at, std::memory_order_acquire);
        }
        const bool goOn = use(i, std::move(items[slot(i)]));
        if (!goOn)
            stopped = true;
        used.store(i + 1);
        used.notify_all();
        if (!goOn)
            break;
    }
    helpersDone.wait();
}

} // namespace cmeet
