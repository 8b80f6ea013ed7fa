#pragma once
// Work spread over the machine's cores with QtCore's global thread pool (no QtConcurrent).

#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <latch>

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

} // namespace cmeet
