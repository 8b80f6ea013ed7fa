// Audit speed: cmeet-audit's check of a whole meeting file (audit::auditMeetingFile, offline),
// on meetings held on a real cmeet-relay by simulated participants, against the raw ceiling
// measured in the same run: the same signature recoveries (every entry, and every start's and
// join's delegation) on all cores, with nothing else. Beside it, the most any audit could reach
// against that ceiling, from the work no audit can skip (requiredWork).
//   bench_audit           full run: the thesis meeting and a full meeting (12,000 events), Markdown on stdout
//   bench_audit --smoke   a tiny meeting, checks the audit's findings (ctest)
//   bench_audit --keep DIR   also leaves the meeting files in DIR (to profile cmeet-audit on them)

#include "bench_arguments.h"
#include "bench_meetings.h"

#include "base/hex.h"
#include "base/parallel.h"
#include "client/audit/meeting_audit.h"
#include "client/core/polls.h"
#include "crypto/ecies.h"
#include "crypto/keccak.h"
#include "ledger/merkle_log.h"
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
#include <functional>

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

// A ballot as the tallies decrypt it.
struct Ballot {
    crypto::PrivateKey votingSecret;
    QByteArray ciphertext;
    QByteArray associatedData;
};

QList<Ballot> ballotsOf(const QList<Event> &events)
{
    QHash<QByteArray, crypto::PrivateKey> secrets; // poll id -> its revealed voting key
    for (const Event &event : events) {
        if (event.type() == EventType::PollEnd) {
            const auto secret = hex::decodeLowercase(event.content().value(QStringLiteral("votingSecret")).toString(), 32);
            secrets.insert(*event.ref(), *crypto::PrivateKey::fromBytes(*secret));
        }
    }
    QList<Ballot> ballots;
    for (const Event &vote : events) {
        if (vote.type() != EventType::Vote)
            continue;
        if (const auto secret = secrets.constFind(*vote.ref()); secret != secrets.cend())
            ballots.append({*secret, *hex::decodeLowercase(vote.content().value(QStringLiteral("ciphertext")).toString()),
                            client::voteAssociatedData(*vote.ref(), vote.by())});
    }
    return ballots;
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
    double reachablePercent = 0; // the most any audit could reach: see requiredWork
};

// The most audit / ceiling could reach, from the work no audit can skip: the recoveries, and beside
// them opening and checking the file (on one thread: nothing may read the file before the check),
// reading its log, an id per entry, the tree over the ids and the decryption of every ballot.
// Parsing, the schemas, the ordered checks and the report count as free, and everything after the
// check as spread over all cores as well as the ceiling's recoveries are. So no audit takes less
// than open + (rest + recoveries on one thread) * ceiling / (recoveries on one thread).
struct RequiredWork {
    double openSeconds = 0;
    double restSeconds = 0;    // on one thread
    double recoverSeconds = 0; // on one thread
    double ceilingSeconds = 0; // the same recoveries on all cores
    QString breakdown;
    [[nodiscard]] double reachable() const
    {
        return ceilingSeconds / (openSeconds + (restSeconds + recoverSeconds) * ceilingSeconds / recoverSeconds);
    }
};

RequiredWork requiredWork(bool smoke, const QString &path, const QList<Recovery> &recoveries)
{
    const auto opened = store::MeetingFile::open(path, true);
    const auto &file = *opened;
    const auto log = *file->events();
    QList<Event> events;
    QList<QByteArray> hashed;
    for (const QByteArray &bytes : log) {
        events.append(*Event::fromWire(bytes));
        hashed.append(events.constLast().hashedBytes());
    }
    const QList<Ballot> ballots = ballotsOf(events);
    if (ballots.isEmpty())
        die(path + QStringLiteral(": no ballot to decrypt"));

    std::atomic<qint64> checks{0}; // every step's result is used, so none can be optimised away
    QList<QByteArray> ids;
    const auto recover = [&](const Recovery &r) { checks += crypto::recoverAddress(r.digest, r.signature) ? 1 : 0; };
    enum class Kind { Open, Rest, Recoveries, Ceiling };
    struct Step {
        QString name;
        Kind kind;
        std::function<void()> run;
    };
    const QList<Step> steps{
        {QStringLiteral("open and check"), Kind::Open, [&] { checks += store::MeetingFile::open(path, true) ? 1 : 0; }},
        {QStringLiteral("read"), Kind::Rest, [&] { checks += file->events()->size() == log.size() ? 1 : 0; }},
        {QStringLiteral("ids"), Kind::Rest,
         [&] {
             ids.clear();
             for (const QByteArray &bytes : hashed)
                 ids.append(crypto::keccak256(bytes));
         }},
        {QStringLiteral("tree"), Kind::Rest,
         [&] {
             ledger::MerkleFrontier frontier;
             for (const QByteArray &id : ids)
                 frontier.append(id);
             checks += frontier.root().size() == ledger::hashSize ? 1 : 0;
         }},
        {QStringLiteral("%1 ballots").arg(ballots.size()), Kind::Rest,
         [&] {
             for (const Ballot &ballot : ballots)
                 checks += crypto::ecies::decrypt(ballot.votingSecret, ballot.ciphertext, ballot.associatedData) ? 1 : 0;
         }},
        {QStringLiteral("%1 recoveries").arg(recoveries.size()), Kind::Recoveries, [&] { std::for_each(recoveries.begin(), recoveries.end(), recover); }},
        {QStringLiteral("the same on all cores"), Kind::Ceiling, [&] { forEachOnAllCores(recoveries, recover); }},
    };
    // Rounds of every step, so that the machine's changes of speed weigh on both sides of a
    // round's ratio; the round with the median ratio is kept.
    QList<RequiredWork> rounds;
    for (int round = 0; round < (smoke ? 1 : 5); ++round) {
        RequiredWork work;
        QStringList parts;
        for (const Step &step : steps) {
            QElapsedTimer timer;
            timer.start();
            step.run();
            const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
            switch (step.kind) {
            case Kind::Open: work.openSeconds += seconds; break;
            case Kind::Rest: work.restSeconds += seconds; break;
            case Kind::Recoveries: work.recoverSeconds += seconds; break;
            case Kind::Ceiling: work.ceilingSeconds += seconds; break;
            }
            parts.append(step.name + QStringLiteral(" ") + QString::number(seconds * 1e3, 'f', 1) + QStringLiteral(" ms"));
        }
        work.breakdown = parts.join(QStringLiteral(", "));
        rounds.append(work);
    }
    if (checks.load() != rounds.size() * (3 + ballots.size() + 2 * recoveries.size()))
        die(path + QStringLiteral(": a step of the required work failed"));
    std::sort(rounds.begin(), rounds.end(), [](const RequiredWork &a, const RequiredWork &b) { return a.reachable() < b.reachable(); });
    return rounds.at(rounds.size() / 2);
}

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
    const RequiredWork required = requiredWork(smoke, path, recoveries);
    QTextStream(stderr) << name << ", required work: " << required.breakdown << "\n";
    return {name, entries, seconds, ceiling, 100.0 * required.reachable()};
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
        << " threads | audit / ceiling | at most (required work) |\n|---|---:|---:|---:|---:|---:|---:|\n";
    for (const Measure &m : measures) {
        out << "| " << m.name << " | " << m.entries << " | " << QString::number(m.auditSeconds, 'f', 3) << " s | "
            << QString::number(static_cast<double>(m.entries) / m.auditSeconds, 'f', 0) << " | " << QString::number(m.ceilingSeconds, 'f', 3) << " s | "
            << QString::number(100.0 * m.ceilingSeconds / m.auditSeconds, 'f', 0) << "% | " << QString::number(m.reachablePercent, 'f', 0) << "% |\n";
    }
    return 0;
}
