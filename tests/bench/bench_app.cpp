// The desktop app's responsiveness (issue 12): what a person sees in cmeet, timed.
//  - Opening a full meeting's copy (12,000 events) in a meeting room: from MeetingSession::open()
//    to the timeline's first paint with its rows, and the process's peak memory. Measured in a
//    child process of its own (bench_app --open FILE), so the simulation's memory is not counted.
//  - A live 50-participant meeting shown in a meeting room while simulated people hold it on a
//    real relay: the longest stall of the UI thread's event loop (a 2 ms timer's late ticks).
//   bench_app           full run, Markdown on stdout
//   bench_app --smoke   a tiny meeting (ctest): the rows are there, verified; no timing limits
//   bench_app --live    only the live meeting (BENCH_APP_TRACE=1 prints each stall over 30 ms)

#include "bench_arguments.h"
#include "bench_meetings.h"

#include "client/core/local_relay.h"
#include "client/core/meeting_session.h"
#include "client/models/directory_model.h"
#include "client/models/timeline_model.h"
#include "client/ui/meeting_room.h"
#include "client/ui/user_prompts.h"
#include "store/meeting_file.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <QTreeView>

#include <algorithm>

using namespace cmeet;

namespace {

[[noreturn]] void die(const QString &why)
{
    bench::die(QStringLiteral("bench_app"), why);
}

// Peak resident memory of this process so far, in MiB (Linux).
double peakMemoryMiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return -1;
}

// Processes events until done() or timeoutMs; false on the timeout.
bool spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

// Notes the first paint of a view's viewport once its model has rows.
class FirstPaint : public QObject {
public:
    FirstPaint(QAbstractItemView *view, const QElapsedTimer &clock) : m_view(view), m_clock(clock) { view->viewport()->installEventFilter(this); }
    [[nodiscard]] qint64 atMs() const { return m_atMs; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && m_atMs < 0 && m_view->model()->rowCount() > 0)
            m_atMs = m_clock.elapsed(); // painted as this returns: the paint itself is small next to loading
        return QObject::eventFilter(watched, event);
    }

private:
    QAbstractItemView *m_view;
    const QElapsedTimer &m_clock;
    qint64 m_atMs = -1;
};

// A meeting room showing one meeting, not connected (opening) or connected as key (live).
struct Room {
    Room(const crypto::PrivateKey &key, const QString &meeting, const QString &replica, const protocol::SchemaValidator &schemas)
        : link(key.address(), key), session(link, meeting, replica, schemas), room(session, link, staff, patients, prompts)
    {
        room.resize(1280, 800);
        room.show();
    }
    client::RelayLink link;
    client::DirectoryModel staff{client::DirectoryModel::Kind::Staff};
    client::DirectoryModel patients{client::DirectoryModel::Kind::Patients};
    client::UserPrompts prompts;
    client::MeetingSession session;
    client::MeetingRoom room;
};

// bench_app --open FILE: opens the meeting file as the app's copy and prints what it measured.
int openMeeting(const QString &path, const protocol::SchemaValidator &schemas)
{
    const auto file = store::MeetingFile::open(path, true);
    if (!file)
        die(QStringLiteral("cannot open ") + path);
    const QString meeting = (*file)->meeting().value(QStringLiteral("id")).toString();
    const qsizetype entries = (*file)->events().value_or(QList<QByteArray>()).size();
    const_cast<std::unique_ptr<store::MeetingFile> &>(*file).reset();
    const auto key = crypto::PrivateKey::generate();
    Room room(*key, meeting, path, schemas);
    QElapsedTimer clock;
    FirstPaint paint(room.room.findChild<QTreeView *>(QStringLiteral("timeline")), clock);
    clock.start();
    room.session.open();
    if (!spinUntil([&] { return paint.atMs() >= 0 && room.session.entries().size() == entries; }, 120000))
        die(QStringLiteral("the timeline was never painted with the meeting's entries"));
    const auto verified = std::count_if(room.session.entries().begin(), room.session.entries().end(),
                                        [](const client::TimelineEntry &e) { return e.problems.isEmpty() && e.event; });
    QTextStream(stdout) << QJsonDocument(QJsonObject{{QStringLiteral("entries"), static_cast<qint64>(entries)},
                                                     {QStringLiteral("verified"), static_cast<qint64>(verified)},
                                                     {QStringLiteral("rows"), room.room.timeline().rowCount()},
                                                     {QStringLiteral("firstPaintMs"), paint.atMs()},
                                                     {QStringLiteral("peakMiB"), peakMemoryMiB()}})
                               .toJson(QJsonDocument::Compact);
    return 0;
}

struct Live {
    qint64 entries = 0;
    qint64 longestStallMs = 0;
    qint64 p99StallMs = 0;
    double seconds = 0;
};

// Holds scenario on a fresh relay (simulated people on a thread of their own) while a meeting
// room shows it live as the host, and times the UI thread's event loop.
Live watchLive(const client::Scenario &scenario, const protocol::SchemaValidator &schemas, const QString &replicaDir)
{
    QTemporaryDir dir;
    client::LocalRelay relay(client::LocalRelay::findBinary(), dir.path(), "bench passphrase");
    const client::SimulationCast cast = client::castFor(scenario);
    if (!relay.init() || !relay.importDirectory(cast.staff, cast.patients) || !relay.start())
        die(QStringLiteral("relay: ") + relay.lastOutput());

    std::optional<Expected<client::SimulationResult, QString>> result;
    QThread *people = QThread::create([&] { result = client::Simulation(relay.url(), cast.members, cast.patients, scenario).run(); });
    const crypto::PrivateKey &host = cast.members.constFirst().key;
    client::RelayLink lookout(host.address(), host);
    lookout.start(relay.url());
    if (!spinUntil([&] { return lookout.state() == client::RelayLink::State::Online; }, 30000))
        die(QStringLiteral("cannot log in: ") + lookout.stateText());
    people->start();
    // The meeting the simulation creates: the room opens as soon as it exists.
    QString meeting;
    QElapsedTimer asking;
    asking.start();
    while (meeting.isEmpty() && asking.elapsed() < 60000 && !result.has_value()) {
        bool answered = false;
        lookout.request(QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}}, &lookout, [&](const auto &list) {
            answered = true;
            if (list && !list->toArray().isEmpty())
                meeting = list->toArray().first()[QStringLiteral("id")].toString();
        });
        spinUntil([&] { return answered; }, 10000);
        QThread::msleep(20);
    }
    if (meeting.isEmpty())
        die(QStringLiteral("the simulation created no meeting") + (result && !*result ? QStringLiteral(": ") + result->error() : QString()));
    Room room(host, meeting, QDir(replicaDir).filePath(QStringLiteral("live.cmeet")), schemas);
    room.link.start(relay.url());
    room.session.open();

    // A 2 ms timer: how late each tick comes is how long the event loop was kept from it.
    QList<qint64> stalls;
    QElapsedTimer clock;
    QElapsedTimer sinceTick;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(2);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        stalls.append(std::max<qint64>(0, sinceTick.elapsed() - 2));
        if (stalls.constLast() > 30 && qEnvironmentVariableIsSet("BENCH_APP_TRACE"))
            qWarning("stall of %lld ms at %lld ms, %lld entries shown", stalls.constLast(), clock.elapsed(),
                     static_cast<qint64>(room.session.entries().size()));
        sinceTick.restart();
    });
    clock.start();
    sinceTick.start();
    ticker.start();
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        const bool done = result.has_value() && (!*result || room.session.entries().size() >= (*result)->log.size());
        if (done || clock.elapsed() > 600000)
            loop.quit();
    });
    poll.start(50);
    loop.exec(); // the app's own loop, as cmeet runs it
    ticker.stop();
    people->wait();
    delete people;
    if (!result || !*result)
        die(QStringLiteral("simulation: ") + (result ? result->error() : QStringLiteral("did not finish")));
    if (room.session.entries().size() != (*result)->log.size())
        die(QStringLiteral("the room shows %1 of %2 entries").arg(room.session.entries().size()).arg((*result)->log.size()));
    if (!room.session.problems().isEmpty())
        die(QStringLiteral("the live meeting does not verify: ") + room.session.problems().join(QStringLiteral("; ")));
    std::sort(stalls.begin(), stalls.end());
    Live live;
    live.entries = room.session.entries().size();
    live.longestStallMs = stalls.isEmpty() ? 0 : stalls.constLast();
    live.p99StallMs = stalls.isEmpty() ? 0 : stalls.at(stalls.size() * 99 / 100);
    live.seconds = static_cast<double>(clock.elapsed()) / 1000.0;
    return live;
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList arguments = QApplication::arguments();
    bench::checkArguments(arguments,
                          QStringLiteral("Usage: bench_app [--smoke] [--live] [--open FILE]\n"
                                         "The desktop app's responsiveness; Markdown rows on stdout.\n"
                                         "  --smoke       a tiny meeting, its rows checked (ctest)\n"
                                         "  --live        only the live meeting (BENCH_APP_TRACE=1 prints each stall over 30 ms)\n"
                                         "  --open FILE   open one meeting copy in a room and report (the full run's child process)\n"),
                          {{QStringLiteral("--smoke"), 0}, {QStringLiteral("--live"), 0}, {QStringLiteral("--open"), 1}});
    const auto schemas = protocol::SchemaValidator::load();
    if (!schemas)
        die(schemas.error());
    if (arguments.size() == 3 && arguments.at(1) == QStringLiteral("--open"))
        return openMeeting(arguments.at(2), **schemas);
    const bool smoke = arguments.contains(QStringLiteral("--smoke"));
    if (arguments.contains(QStringLiteral("--live"))) { // only the live part (to profile it)
        client::Scenario live;
        QTemporaryDir dir;
        const Live watched = watchLive(live, **schemas, dir.path());
        QTextStream(stdout) << watched.entries << " entries, longest stall " << watched.longestStallMs << " ms, p99 " << watched.p99StallMs << " ms\n";
        return 0;
    }

    client::Scenario full = bench::fullMeeting();
    client::Scenario live; // the thesis meeting: 50 participants and the host, 20 patients
    if (smoke) {
        full.participants = live.participants = 3;
        full.patients = live.patients = 2;
        full.commentsPerParticipant = live.commentsPerParticipant = 2;
    }
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("full.cmeet"));
    const qint64 entries = bench::holdMeeting(full, path);
    QProcess child;
    child.start(QApplication::applicationFilePath(), {QStringLiteral("--open"), path});
    if (!child.waitForFinished(180000) || child.exitCode() != 0)
        die(QStringLiteral("opening the meeting failed: ") + QString::fromUtf8(child.readAllStandardError()));
    const QJsonObject opened = QJsonDocument::fromJson(child.readAllStandardOutput()).object();
    if (opened.value(QStringLiteral("entries")).toInteger() != entries || opened.value(QStringLiteral("verified")).toInteger() != entries
        || opened.value(QStringLiteral("rows")).toInteger() <= 0)
        die(QStringLiteral("the opened meeting is not the one held: ") + QString::fromUtf8(QJsonDocument(opened).toJson()));
    const Live watched = watchLive(live, **schemas, dir.path());

    QTextStream out(stdout);
    out << "| what | entries | measure | result |\n|---|---:|---|---:|\n";
    out << "| open a full meeting's copy (offline) | " << entries << " | time to the timeline's first paint | "
        << opened.value(QStringLiteral("firstPaintMs")).toInteger() << " ms |\n";
    const double peakMiB = opened.value(QStringLiteral("peakMiB")).toDouble();
    out << "| open a full meeting's copy (offline) | " << entries << " | peak memory of the process | "
        << QString::number(peakMiB * 1.048576, 'f', 0) << " MB (" << QString::number(peakMiB, 'f', 0) << " MiB) |\n";
    out << "| a live meeting, " << live.participants << " participants, shown as it is held (" << QString::number(watched.seconds, 'f', 0)
        << " s) | " << watched.entries << " | longest stall of the UI thread | " << watched.longestStallMs << " ms |\n";
    out << "| the same | " << watched.entries << " | 99th percentile stall | " << watched.p99StallMs << " ms |\n";
    return 0;
}
