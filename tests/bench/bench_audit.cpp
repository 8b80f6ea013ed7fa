// Audit speed: cmeet-audit's check of a whole meeting file (audit::auditMeetingFile, offline),
// on meetings held on a real cmeet-relay by simulated participants, against the raw ceiling
// measured in the same run: the same signature recoveries (every entry, and every start's and
// join's delegation) on all cores, with nothing else.
//   bench_audit           full run: the thesis meeting and a full meeting (12,000 events), Markdown on stdout
//   bench_audit --smoke   a tiny meeting, checks the audit's findings (ctest)
//   bench_audit --keep DIR   also leaves the meeting files in DIR (to profile cmeet-audit on them)

#include "bench_arguments.h"
#include "bench_meetings.h"

#include "base/parallel.h"
#include "client/audit/meeting_audit.h"
#include "protocol/delegation.h"
#include "store/meeting_file.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThreadPool>

#include <algorithm>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

[[noreturn]] void die(const QString &why)
{
    bench::die(QStringLiteral("bench_audit"), why);
}

// The signature recoveries an audit of the file makes, as (digest, signature) pairs.
struct Recovery {
    QByteArray digest;
    crypto::Signature signature;
};

QList<Recovery> recoveriesOf(const QString &path)
{
    const auto log = (*store::MeetingFile::open(path, true))->events();
    QList<Recovery> recoveries;
    for (const QByteArray &bytes : *log) {
        const auto event = Event::fromWire(bytes);
        recoveries.append({event->id(), *event->signature()});
        if (event->type() == EventType::Start || event->type() == EventType::Join) {
            const auto delegation = protocol::Delegation::fromJson(event->content().value(QStringLiteral("delegation")).toObject(),
                                                                   protocol::SignerRule::AnyKey);
            recoveries.append({event->id(), delegation->signature()}); // same cost as the delegation's own digest
        }
    }
    return recoveries;
}

// Median of three timings of work, in seconds (one in smoke mode).
template <typename Work>
double medianSeconds(bool smoke, Work work)
{
    QList<double> seconds;
    for (int run = 0; run < (smoke ? 1 : 3); ++run) {
        QElapsedTimer timer;
        timer.start();
        work();
        seconds.append(static_cast<double>(timer.nsecsElapsed()) / 1e9);
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds.at(seconds.size() / 2);
}

struct Measure {
    QString name;
    qint64 entries = 0;
    double auditSeconds = 0;
    double ceilingSeconds = 0;
};

Measure measure(bool smoke, const QString &name, const QString &path, qint64 entries)
{
    // The audit must find the honest file sound: nothing failed, only the chain left unchecked.
    const auto report = audit::auditMeetingFile(path);
    if (!report || report->entries != entries || report->verdict() != audit::Verdict::Incomplete)
        die(name + QStringLiteral(": the audit of an honest meeting says ") + (report ? report->toText() : report.error()));

    QList<Recovery> recoveries = recoveriesOf(path);
    std::atomic<qint64> recovered{0};
    const double ceiling = medianSeconds(smoke, [&] {
        forEachOnAllCores(recoveries, [&](const Recovery &r) { recovered += crypto::recoverAddress(r.digest, r.signature) ? 1 : 0; });
    });
    if (recovered.load() == 0)
        die(name + QStringLiteral(": no signature recovered"));
    const double seconds = medianSeconds(smoke, [&] {
        if (!audit::auditMeetingFile(path))
            die(name + QStringLiteral(": the audit failed"));
    });
    return {name, entries, seconds, ceiling};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    bench::checkArguments(app.arguments(),
                          QStringLiteral("Usage: bench_audit [--smoke] [--keep DIR]\n"
                                         "cmeet-audit's check of whole meeting files against the raw ceiling; Markdown rows on stdout.\n"
                                         "  --smoke      a tiny meeting, the audit's findings checked (ctest)\n"
                                         "  --keep DIR   also leave the meeting files in DIR\n"),
                          {{QStringLiteral("--smoke"), 0}, {QStringLiteral("--keep"), 1}});
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    QTemporaryDir temporary;
    const qsizetype keep = app.arguments().indexOf(QStringLiteral("--keep"));
    const QDir dir(keep > 0 ? app.arguments().value(keep + 1) : temporary.path());
    if (!dir.exists())
        die(QStringLiteral("--keep takes an existing directory"));
    QList<Measure> measures;

    client::Scenario thesis; // the thesis meeting: 50 participants and the host, 20 patients
    client::Scenario full = bench::fullMeeting();
    if (smoke) {
        thesis.participants = 3;
        thesis.patients = 2;
        thesis.commentsPerParticipant = 2;
        full = thesis;
        full.commentsPerParticipant = 30;
    }
    for (const auto &[name, scenario] : {std::pair{QStringLiteral("thesis meeting"), thesis}, std::pair{QStringLiteral("full meeting"), full}}) {
        const QString path = dir.filePath(name + QStringLiteral(".cmeet"));
        const qint64 entries = bench::holdMeeting(scenario, path);
        measures.append(measure(smoke, name, path, entries));
    }

    QTextStream out(stdout);
    out << "| meeting file | entries | audit (offline) | entries/s | raw recovery ceiling, " << QThreadPool::globalInstance()->maxThreadCount()
        << " threads | audit / ceiling |\n|---|---:|---:|---:|---:|---:|\n";
    for (const Measure &m : measures) {
        out << "| " << m.name << " | " << m.entries << " | " << QString::number(m.auditSeconds, 'f', 3) << " s | "
            << QString::number(static_cast<double>(m.entries) / m.auditSeconds, 'f', 0) << " | " << QString::number(m.ceilingSeconds, 'f', 3) << " s | "
            << QString::number(100.0 * m.ceilingSeconds / m.auditSeconds, 'f', 0) << "% |\n";
    }
    return 0;
}
