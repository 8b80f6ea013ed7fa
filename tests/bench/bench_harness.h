#pragma once
// A tiny benchmark harness: each case runs for a minimum time, three times; the median rate is
// reported. --smoke runs every case a few iterations only (a test, not a measurement).

#include <QElapsedTimer>
#include <QList>
#include <QString>
#include <QTextStream>

#include <algorithm>
#include <functional>

namespace cmeet::bench {

struct Result {
    QString name;
    double perSecond = 0;  // operations (or bytes, for throughput) per second
    double microseconds = 0; // per operation
    QString unit;          // "ops/s" or "MB/s"
};

class Harness {
public:
    explicit Harness(bool smoke) : m_smoke(smoke) {}

    // op() performs one operation and returns false if its result is wrong.
    // bytesPerOp > 0 reports throughput in MB/s instead of ops/s.
    bool run(const QString &name, const std::function<bool()> &op, qint64 bytesPerOp = 0)
    {
        QList<double> rates;
        const int repeats = m_smoke ? 1 : 3;
        for (int repeat = 0; repeat < repeats; ++repeat) {
            QElapsedTimer timer;
            timer.start();
            qint64 count = 0;
            do {
                if (!op()) {
                    QTextStream(stderr) << "FAILED: " << name << " gave a wrong result\n";
                    return false;
                }
                ++count;
            } while (m_smoke ? count < 3 : timer.nsecsElapsed() < 1'000'000'000);
            rates.append(static_cast<double>(count) * 1e9 / static_cast<double>(std::max<qint64>(timer.nsecsElapsed(), 1)));
        }
        std::sort(rates.begin(), rates.end());
        const double opsPerSecond = rates.at(rates.size() / 2);
        Result result{name, opsPerSecond, 1e6 / opsPerSecond, QStringLiteral("ops/s")};
        if (bytesPerOp > 0) {
            result.perSecond = opsPerSecond * static_cast<double>(bytesPerOp) / 1e6;
            result.unit = QStringLiteral("MB/s");
        }
        m_results.append(result);
        return true;
    }

    void printMarkdown(QTextStream &out) const
    {
        out << "| benchmark | rate | time per operation |\n|---|---:|---:|\n";
        for (const Result &result : m_results) {
            out << "| " << result.name << " | " << QString::number(result.perSecond, 'f', result.perSecond < 100 ? 1 : 0)
                << ' ' << result.unit << " | " << QString::number(result.microseconds, 'f', 1) << " µs |\n";
        }
    }

    [[nodiscard]] const QList<Result> &results() const { return m_results; }

private:
    bool m_smoke;
    QList<Result> m_results;
};

} // namespace cmeet::bench
