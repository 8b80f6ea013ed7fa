// Relay speed, end to end: a real cmeet-relay process on 127.0.0.1 (SQLite, synchronous=FULL,
// group commit) and real WebSocket clients.
//   bench_relay           full run, Markdown on stdout
//   bench_relay --smoke   tiny sizes, checks results (ctest)
//   bench_relay --images  only section 4 (with --smoke: small)
//   bench_relay --soak S [M]  only section 5: 1,000 connections for S seconds (meetings of M
//                         seconds, by default S/4 up to 420), the relay's memory sampled
// 1. Throughput with full checks and durable commit over one connection (requests pipelined),
//    against the raw recover + sign ceiling measured in the same run.
// 2. Concurrent meetings x participants at a fixed event rate per meeting: ack latency; each
//    meeting's broadcasts reach only its members, and each log holds only its own events.
// 3. Bytes stored per meeting on the thesis scenario.
// 4. An image shown to a meeting: the host's upload, the time until every participant holds the
//    checked bytes, and the ack latency of comments meanwhile.
// 5. (--soak only) 1,000 connections over 20 meetings at a time (each ending after seven minutes
//    and replaced) for a long time: every event answered, the latency, and whether the relay's
//    memory stays flat.

#include "bench_arguments.h"
#include "base/base64.h"
#include "base/hex.h"
#include "client/core/local_relay.h"
#include "client/core/meeting_images.h"
#include "client/core/participant.h"
#include "client/core/relay_connection.h"
#include "client/core/simulation.h"
#include "crypto/hash.h"
#include "crypto/keccak.h"
#include "ledger/meeting_verifier.h"
#include "support/postgres_server.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <sys/resource.h>
#include <unistd.h>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

// CPU time (user + system) a process has used so far, in µs; 0 when it can't be read.
qint64 processCpuUs(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    // Fields 14 and 15 (utime, stime) in clock ticks, after the ")" that ends the command name.
    const QByteArray stat = file.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return (fields.at(11).toLongLong() + fields.at(12).toLongLong()) * 1000000 / sysconf(_SC_CLK_TCK);
}

[[noreturn]] void die(const QString &why)
{
    QTextStream(stderr) << "bench_relay: " << why << '\n';
    std::exit(1);
}

template <typename T, typename E>
T need(Expected<T, E> result, const char *what)
{
    if (!result)
        die(QString::fromLatin1(what));
    return std::move(result).value();
}

qint64 percentileUs(QList<qint64> values, double fraction)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(std::min<qsizetype>(values.size() - 1, static_cast<qsizetype>(fraction * static_cast<double>(values.size()))));
}

QString ms(qint64 microseconds) { return QString::number(static_cast<double>(microseconds) / 1000.0, 'f', 2) + QStringLiteral(" ms"); }

struct ThroughputRun {
    double eventsPerSecond = 0;
    double ceiling = 1;             // recover + sign per second, measured just before
    [[nodiscard]] double ratio() const { return eventsPerSecond / ceiling; }
    double relayCpuUsPerEvent = 0;  // the relay process, all its threads
    double clientCpuUsPerEvent = 0; // this process: sending, receiving the answers and broadcasts
};

struct Member {
    crypto::PrivateKey key = *crypto::PrivateKey::generate();
    client::RelayConnection connection;
    std::unique_ptr<client::Participant> participant;
};

// --postgresql: each relay set up stores in a new database on a PostgreSQL server started here.
bool onPostgresql = false;

// A relay with `count` staff members connected and logged in, and one started meeting per
// group of members (first of each group hosts, the rest joined).
class Setup {
public:
    Setup(int meetings, int participantsPerMeeting)
        : m_meetings(meetings), m_participantsPerMeeting(participantsPerMeeting),
          m_relay(client::LocalRelay::findBinary(), m_dir.path(), "bench passphrase")
    {
        if (onPostgresql) {
            QString error;
            const QString database = test::newPostgresDatabase(&error);
            if (database.isEmpty())
                die(QStringLiteral("PostgreSQL: ") + error);
            m_relay.setDatabase(database);
        }
        if (!m_relay.init())
            die(QStringLiteral("init: ") + m_relay.lastOutput());
        const int perMeeting = participantsPerMeeting + 1;
        QList<QPair<crypto::Address, QString>> staff;
        for (int i = 0; i < meetings * perMeeting; ++i) {
            members.push_back(std::make_unique<Member>());
            members.back()->connection.setKeepReceived(false);
            staff.append({members.back()->key.address(), QStringLiteral("Member %1").arg(i)});
        }
        if (!m_relay.importDirectory(staff, {QStringLiteral("P-001")}) || !m_relay.start())
            die(QStringLiteral("relay: ") + m_relay.lastOutput());
        for (auto &member : members) {
            if (!member->connection.open(m_relay.url()) || !member->connection.login(member->key))
                die(QStringLiteral("cannot connect"));
        }
        startMeetings();
    }

    // A new meeting per group, started by its first member and joined by the rest.
    void startMeetings()
    {
        const int perMeeting = m_participantsPerMeeting + 1;
        lastIds.clear();
        meetingIds.clear();
        for (int m = 0; m < m_meetings; ++m) {
            Member &host = *members.at(static_cast<size_t>(m * perMeeting));
            QJsonArray roster;
            for (int i = 0; i < perMeeting; ++i)
                roster.append(members.at(static_cast<size_t>(m * perMeeting + i))->key.address().toLowerHex());
            const QString meeting = need(host.connection.call(QStringLiteral("meeting.create"),
                                                              {{QStringLiteral("title"), QStringLiteral("Bench")}, {QStringLiteral("scheduledAt"), now()},
                                                               {QStringLiteral("roster"), roster}, {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}}),
                                         "meeting.create")
                                        .toObject()
                                        .value(QStringLiteral("id"))
                                        .toString();
            for (int i = 0; i < perMeeting; ++i)
                members.at(static_cast<size_t>(m * perMeeting + i))->participant =
                    std::make_unique<client::Participant>(members.at(static_cast<size_t>(m * perMeeting + i))->key, meeting, host.connection.relayAddress());
            const QJsonObject start{{QStringLiteral("title"), QStringLiteral("Bench")},
                                    {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}},
                                    {QStringLiteral("roster"), roster},
                                    {QStringLiteral("delegation"), need(host.participant->newSession(now()), "session")},
                                    {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x01'))}};
            const auto startEvent = need(host.participant->makeEvent(EventType::Start, start, std::nullopt, now()), "start");
            need(host.connection.submit(startEvent.wireBytes(), QStringLiteral("135790")), "start submit");
            lastIds.append(startEvent.id());
            meetingIds.append(meeting);
            for (int i = 1; i < perMeeting; ++i) {
                Member &member = *members.at(static_cast<size_t>(m * perMeeting + i));
                const auto join = need(member.participant->makeEvent(EventType::Join, {{QStringLiteral("delegation"), need(member.participant->newSession(now()), "session")}},
                                                                     startEvent.id(), now()),
                                       "join");
                need(member.connection.submit(join.wireBytes(), QStringLiteral("135790")), "join submit");
            }
        }
    }

    // Each host ends their meeting (nothing of it may still be in flight).
    void endMeetings()
    {
        for (int m = 0; m < m_meetings; ++m) {
            Member &host = *members.at(static_cast<size_t>(m * (m_participantsPerMeeting + 1)));
            const auto end = need(host.participant->makeEvent(EventType::End, {}, lastIds.at(m), now()), "end");
            need(host.connection.submit(end.wireBytes()), "end submit");
        }
    }

    [[nodiscard]] qint64 relayProcess() const { return m_relay.processId(); }
    [[nodiscard]] QUrl url() const { return m_relay.url(); }
    [[nodiscard]] QString databasePath() const { return QDir(m_dir.path()).filePath(QStringLiteral("relay.sqlite")); }

    std::vector<std::unique_ptr<Member>> members;
    QList<QByteArray> lastIds; // per meeting: an id to ref
    QStringList meetingIds;

private:
    int m_meetings;
    int m_participantsPerMeeting;
    QTemporaryDir m_dir;
    client::LocalRelay m_relay;
};

// Runs the event loop until done() or the deadline. It sleeps until something arrives: the timed
// processEvents(flags, ms) overload never waits, and polling with it took a whole core from the
// relay under test (110,000 ppoll calls in 3 s).
template <typename Done>
bool spin(Done done, int timeoutMs)
{
    static QTimer *tick = [] {
        auto *timer = new QTimer(QCoreApplication::instance()); // wakes the wait so a deadline is noticed
        timer->start(100);
        return timer;
    }();
    Q_UNUSED(tick);
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// ---- 4. an image shared with a meeting ----
struct ImageSharing {
    qint64 bytes = 0;
    int participants = 0;
    qint64 uploadMs = 0;       // the host's chunks, from image.begin to image.finish
    qint64 uploadRelayCpuMs = 0; // the relay's CPU time meanwhile
    qint64 allVerifiedMs = 0;  // from the image event's acceptance until every participant holds the checked bytes
    qint64 relayCpuMs = 0;     // meanwhile: the relay's CPU time, and this process's (the 50 clients)
    qint64 clientCpuMs = 0;
    QList<qint64> quietLatencies;   // comments before the upload: µs
    QList<qint64> uploadLatencies;  // comments while the host uploads (no participant downloads yet): µs
    QList<qint64> sharingLatencies; // comments while the participants download: µs
};

// The participants' side of an image shown: one connection each, logged in with their key and
// subscribed to the meeting; each fetches the image chunk by chunk when its event arrives and
// checks the bytes. Lives on a thread of its own.
class Downloaders : public QObject {
public:
    Downloaders(QUrl url, QString meeting, QString sha256, qint64 size)
        : m_url(std::move(url)), m_meeting(std::move(meeting)), m_sha256(std::move(sha256)), m_size(size)
    {
    }
    ~Downloaders() override = default;

    QList<crypto::PrivateKey> keys;
    std::atomic<int> verified{0};
    std::atomic<int> failed{0};
    std::atomic<qint64> lastVerifiedAt{0}; // Unix ms

    void connectAll()
    {
        for (const crypto::PrivateKey &key : std::as_const(keys)) {
            auto download = std::make_unique<Download>();
            download->connection.setKeepReceived(false);
            if (!download->connection.open(m_url) || !download->connection.login(key)
                || !download->connection.call(QStringLiteral("meeting.subscribe"), {{QStringLiteral("meeting"), m_meeting}, {QStringLiteral("limit"), 1}}))
                die(QStringLiteral("images: a participant cannot connect"));
            Download *d = download.get();
            QObject::connect(&d->connection, &client::RelayConnection::eventReceived, this, [this, d](const client::RelayEvent &event) {
                const auto arrived = Event::fromWire(event.bytes);
                if (arrived && arrived->type() == EventType::Image && d->request < 0)
                    next(*d);
            });
            QObject::connect(&d->connection, &client::RelayConnection::responseReceived, this, [this, d](qint64 id) {
                if (id != d->request)
                    return;
                const auto response = d->connection.takeResponse(id);
                if (!response || !response->contains(QStringLiteral("result"))) {
                    ++failed;
                    return;
                }
                d->bytes += base64::decode(response->value(QStringLiteral("result")).toObject().value(QStringLiteral("data")).toString().toLatin1()).value_or(QByteArray());
                if (d->bytes.size() < m_size) {
                    next(*d);
                    return;
                }
                if (hex::encode(crypto::sha256(d->bytes)) != m_sha256) {
                    ++failed;
                    return;
                }
                d->bytes.clear();
                lastVerifiedAt = now();
                ++verified;
            });
            m_downloads.push_back(std::move(download));
        }
    }

private:
    struct Download {
        client::RelayConnection connection;
        QByteArray bytes;
        qint64 request = -1;
    };
    void next(Download &d)
    {
        d.request = d.connection.send(QStringLiteral("image.get"), {{QStringLiteral("meeting"), m_meeting},
                                                                    {QStringLiteral("sha256"), m_sha256},
                                                                    {QStringLiteral("offset"), d.bytes.size()}});
    }

    QUrl m_url;
    QString m_meeting;
    QString m_sha256;
    qint64 m_size;
    std::vector<std::unique_ptr<Download>> m_downloads;
};

// The host uploads a file of `bytes` (a DICOM header, then noise) in 1 MiB chunks and shows it;
// every participant downloads it chunk by chunk as soon as the image event reaches them and
// checks its SHA-256. Meanwhile participants comment at 50 per second (a busy meeting's rate many times over).
ImageSharing shareImage(int participants, qint64 bytes)
{
    ImageSharing result;
    result.bytes = bytes;
    result.participants = participants;
    Setup setup(1, participants);
    Member &host = *setup.members.front();
    const QString meeting = setup.meetingIds.constFirst();
    QByteArray file(bytes, Qt::Uninitialized);
    QRandomGenerator noise(7);
    noise.fillRange(reinterpret_cast<quint32 *>(file.data()), file.size() / 4);
    file.replace(128, 4, "DICM");
    const QString sha256 = hex::encode(crypto::sha256(file));

    const auto discussion = need(host.participant->makeEvent(EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}},
                                                             setup.lastIds.constFirst(), now()),
                                 "discussion");
    need(host.connection.submit(discussion.wireBytes()), "discussion submit");

    // Comments at a steady rate from random participants, their ack latency into the list of the
    // phase they were sent in (none while the downloaders connect).
    QElapsedTimer clock;
    clock.start();
    QHash<QPair<Member *, qint64>, QPair<qint64, QList<qint64> *>> sentAt;
    QList<qint64> *into = &result.quietLatencies;
    QList<QMetaObject::Connection> connections;
    for (size_t i = 1; i < setup.members.size(); ++i) {
        Member *m = setup.members.at(i).get();
        connections.append(QObject::connect(&m->connection, &client::RelayConnection::responseReceived, QCoreApplication::instance(), [&, m](qint64 id) {
            const auto key = qMakePair(m, id);
            if (!sentAt.contains(key))
                return;
            const auto response = m->connection.takeResponse(id);
            if (!response || !response->contains(QStringLiteral("result")))
                die(QStringLiteral("images: a comment was refused"));
            const auto [sent, phase] = sentAt.take(key);
            if (phase != nullptr)
                phase->append(clock.nsecsElapsed() / 1000 - sent);
        }));
    }
    QRandomGenerator random(42);
    QTimer commenting;
    QObject::connect(&commenting, &QTimer::timeout, [&] {
        Member &author = *setup.members.at(static_cast<size_t>(1 + random.bounded(participants)));
        const auto event = author.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("While the image loads")}},
                                                         discussion.id(), now());
        sentAt.insert(qMakePair(&author, author.connection.send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}})),
                      qMakePair(clock.nsecsElapsed() / 1000, into));
    });
    commenting.start(20); // 50 a second: enough of them in the upload's second
    spin([&] { return clock.elapsed() > 3000; }, 10000); // the quiet baseline

    // Each participant fetches the bytes once it sees the image event, one chunk at a time, on
    // connections of their own in a thread of their own (as if on their own laptops).
    into = nullptr;
    QThread downloadThread;
    auto *downloaders = new Downloaders(setup.url(), meeting, sha256, file.size());
    for (size_t i = 1; i < setup.members.size(); ++i)
        downloaders->keys.append(setup.members.at(i)->key);
    downloaders->moveToThread(&downloadThread);
    downloadThread.start();
    QMetaObject::invokeMethod(downloaders, &Downloaders::connectAll, Qt::BlockingQueuedConnection);

    // The host's upload, as the app sends it (client::uploadImage: one chunk after the other), from
    // a connection and thread of its own: on the host's laptop, not in the commenters' event loop.
    into = &result.uploadLatencies;
    const qint64 uploadFrom = clock.elapsed();
    const qint64 relayCpuBeforeUpload = processCpuUs(setup.relayProcess());
    QString uploadError;
    std::unique_ptr<QThread> uploader(QThread::create([&] {
        client::RelayConnection connection;
        if (!connection.open(setup.url()) || !connection.login(host.key)) {
            uploadError = QStringLiteral("the host's upload connection failed");
            return;
        }
        if (auto uploaded = client::uploadImage(client::callsOver(connection), meeting, file, QStringLiteral("P-001"), {}); !uploaded)
            uploadError = uploaded.error();
    }));
    uploader->start();
    spin([&] { return uploader->isFinished(); }, 600000);
    if (!uploadError.isEmpty())
        die(QStringLiteral("images: ") + uploadError);
    result.uploadMs = clock.elapsed() - uploadFrom;
    result.uploadRelayCpuMs = (processCpuUs(setup.relayProcess()) - relayCpuBeforeUpload) / 1000;
    const auto image = need(host.participant->makeEvent(EventType::Image, {{QStringLiteral("patient"), QStringLiteral("P-001")},
                                                                           {QStringLiteral("sha256"), sha256},
                                                                           {QStringLiteral("size"), file.size()},
                                                                           {QStringLiteral("mediaType"), QStringLiteral("application/dicom")}},
                                                        discussion.id(), now()),
                            "image");
    const qint64 relayCpuBefore = processCpuUs(setup.relayProcess());
    const qint64 clientCpuBefore = processCpuUs(QCoreApplication::applicationPid());
    into = &result.sharingLatencies;
    need(host.connection.submit(image.wireBytes()), "image submit");
    const qint64 acceptedAt = now();
    if (!spin([&] { return downloaders->verified.load() + downloaders->failed.load() == participants; }, 600000) || downloaders->failed.load() > 0)
        die(QStringLiteral("images: not every participant received the image"));
    result.allVerifiedMs = downloaders->lastVerifiedAt.load() - acceptedAt;
    result.relayCpuMs = (processCpuUs(setup.relayProcess()) - relayCpuBefore) / 1000;
    result.clientCpuMs = (processCpuUs(QCoreApplication::applicationPid()) - clientCpuBefore) / 1000;
    QMetaObject::invokeMethod(downloaders, &QObject::deleteLater);
    downloadThread.quit();
    downloadThread.wait();
    commenting.stop();
    spin([&] { return sentAt.isEmpty(); }, 30000);
    for (const QMetaObject::Connection &connection : connections)
        QObject::disconnect(connection);
    return result;
}

void printImageSharing(QTextStream &out, const ImageSharing &sharing)
{
    out << "| a " << sharing.bytes / (1024 * 1024) << " MiB DICOM file shown to " << sharing.participants
        << " participants: the host's upload (1 MiB chunks, one at a time) | " << sharing.uploadMs << " ms (the relay's CPU meanwhile: "
        << sharing.uploadRelayCpuMs << " ms) | |\n";
    out << "| the same: from the image event's acknowledgement until every participant holds the checked bytes | " << sharing.allVerifiedMs
        << " ms (CPU meanwhile: relay " << sharing.relayCpuMs << " ms, the " << sharing.participants << " clients in this process "
        << sharing.clientCpuMs << " ms) | |\n";
    const auto latencies = [](const QList<qint64> &us) {
        return QStringLiteral("p50 %1, p99 %2, max %3 (%4 comments)")
            .arg(ms(percentileUs(us, 0.5)), ms(percentileUs(us, 0.99)), ms(percentileUs(us, 1.0)))
            .arg(us.size());
    };
    out << "| the same: ack latency of comments (50/s) before the image | " << latencies(sharing.quietLatencies) << " | |\n";
    out << "| the same: ack latency of comments while the host uploads it | " << latencies(sharing.uploadLatencies)
        << " | comments keep their latency |\n";
    out << "| the same: ack latency of comments while the " << sharing.participants << " participants download it | " << latencies(sharing.sharingLatencies) << " | |\n";
}


// ---- 5. the soak: many connections for a long time ----
struct Soak {
    int seconds = 0;
    int connections = 0;
    int meetings = 0;
    int ratePerMeeting = 0;
    int meetingSeconds = 0; // each meeting's length: then it ends and a new one takes its place
    int rounds = 0;         // how many sets of meetings ran
    qint64 sent = 0;
    qint64 refused = 0;
    QList<qint64> latencies;            // µs
    struct Sample {
        int atSecond = 0;
        qint64 kib = 0;
    };
    QList<Sample> resident; // the relay's resident memory, sampled
    int warmUpSeconds = 0;
    // The first sample after the warm-up, and the highest from then on.
    [[nodiscard]] qint64 warmKiB() const
    {
        for (const Sample &sample : resident)
            if (sample.atSecond >= warmUpSeconds)
                return sample.kib;
        return 0;
    }
    [[nodiscard]] qint64 peakKiB() const
    {
        qint64 peak = 0;
        for (const Sample &sample : resident)
            if (sample.atSecond >= warmUpSeconds)
                peak = std::max(peak, sample.kib);
        return peak;
    }
    [[nodiscard]] qint64 finalKiB() const { return resident.isEmpty() ? 0 : resident.constLast().kib; }
    [[nodiscard]] double growthPercent() const { return warmKiB() > 0 ? 100.0 * static_cast<double>(peakKiB() - warmKiB()) / static_cast<double>(warmKiB()) : 0; }
};

// Resident memory of a process in KiB (VmRSS), 0 when it can't be read.
qint64 residentKiB(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/status").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
    return 0;
}

// 20 meetings of 50 (1,000 connections), each commenting at a steady 5 events a second for
// `seconds`: a busy day compressed (the thesis's meeting took two hours for its 2,132 events).
// After seven minutes (about that many events) the meetings end and 20 new ones start on the
// same connections, as they do on a relay that runs for months: what a meeting holds must go
// when it ends. The relay's memory is sampled every 5 seconds; the first quarter is the warm-up
// (caches filling, allocator pools growing), and must hold a whole meeting's length.
Soak soak(int seconds, int meetingSeconds)
{
    Soak result;
    result.seconds = seconds;
    result.meetings = 20;
    result.ratePerMeeting = 5;
    result.meetingSeconds = meetingSeconds > 0 ? meetingSeconds : std::min(420, seconds / 4);
    result.warmUpSeconds = seconds / 4;
    const int participants = 49;
    Setup setup(result.meetings, participants);
    result.connections = static_cast<int>(setup.members.size());
    QHash<QPair<Member *, qint64>, qint64> sentAt;
    QElapsedTimer clock;
    clock.start();
    for (auto &member : setup.members) {
        Member *m = member.get();
        QObject::connect(&m->connection, &client::RelayConnection::responseReceived, QCoreApplication::instance(), [&, m](qint64 id) {
            const auto key = qMakePair(m, id);
            if (!sentAt.contains(key))
                return;
            const auto response = m->connection.takeResponse(id);
            result.refused += response && response->contains(QStringLiteral("result")) ? 0 : 1;
            result.latencies.append(clock.nsecsElapsed() / 1000 - sentAt.take(key));
        });
    }
    QRandomGenerator random(7);
    QElapsedTimer round;
    qint64 roundMs = 0;
    qint64 sentInRound = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 due = std::min(round.elapsed(), roundMs) * result.ratePerMeeting / 1000 * result.meetings;
        while (sentInRound < due) {
            const int m = static_cast<int>(sentInRound % result.meetings);
            Member &author = *setup.members.at(static_cast<size_t>(m * (participants + 1) + 1 + random.bounded(participants)));
            const auto event = author.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("A comment in a long meeting")}},
                                                             setup.lastIds.at(m), now());
            sentAt.insert(qMakePair(&author, author.connection.send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}})),
                          clock.nsecsElapsed() / 1000);
            ++sentInRound;
            ++result.sent;
        }
    });
    QTimer sample;
    QObject::connect(&sample, &QTimer::timeout, [&] { result.resident.append({static_cast<int>(clock.elapsed() / 1000), residentKiB(setup.relayProcess())}); });
    sample.start(5000);
    for (;;) {
        ++result.rounds;
        roundMs = std::min(result.meetingSeconds * 1000LL, seconds * 1000LL - clock.elapsed());
        sentInRound = 0;
        round.start();
        tick.start(20);
        spin([&] { return round.elapsed() >= roundMs; }, static_cast<int>(roundMs) + 10000);
        tick.stop();
        if (!spin([&] { return sentAt.isEmpty(); }, 60000))
            die(QStringLiteral("soak: %1 answers missing").arg(sentAt.size()));
        if (seconds * 1000LL - clock.elapsed() < 10000)
            break;
        setup.endMeetings();
        setup.startMeetings();
    }
    sample.stop();
    result.resident.append({static_cast<int>(clock.elapsed() / 1000), residentKiB(setup.relayProcess())});
    return result;
}

void printSoak(QTextStream &out, const Soak &soak)
{
    const auto mb = [](qint64 kib) -> QString { return QString::number(static_cast<double>(kib) / 1024.0, 'f', 1) + QStringLiteral(" MiB"); };
    out << "| soak: " << soak.connections << " connections over " << soak.meetings << " meetings at a time, " << soak.ratePerMeeting
        << " events/s each, " << soak.seconds << " s (" << soak.rounds << " rounds of meetings up to " << soak.meetingSeconds << " s long) | "
        << soak.sent << " events sent, " << soak.refused << " refused, every one answered | no error |\n";
    out << "| the same: ack latency | p50 " << ms(percentileUs(soak.latencies, 0.5)) << ", p99 " << ms(percentileUs(soak.latencies, 0.99))
        << ", max " << ms(percentileUs(soak.latencies, 1.0)) << " | |\n";
    out << "| the same: the relay's resident memory after the warm-up (" << soak.warmUpSeconds << " s) / highest after it / at the end | "
        << mb(soak.warmKiB()) << " / " << mb(soak.peakKiB()) << " / " << mb(soak.finalKiB()) << ": "
        << QString::number(soak.growthPercent(), 'f', 1) << "% | growth < 5% |\n";
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    bench::checkArguments(app.arguments(),
                          QStringLiteral("Usage: bench_relay [--smoke] [--postgresql] [--images] [--events N] [--soak SECONDS [MEETING_SECONDS]]\n"
                                         "Relay speed end to end (a real cmeet-relay on 127.0.0.1); Markdown rows on stdout.\n"
                                         "  (none)        the full run: throughput, concurrent meetings, bytes per meeting, images\n"
                                         "  --smoke       tiny sizes, every result checked (ctest)\n"
                                         "  --postgresql  throughput and concurrent meetings only, the relay storing in PostgreSQL\n"
                                         "                (a server started here, as the tests do)\n"
                                         "  --images      only the image shown to a meeting\n"
                                         "  --events N    events per timed throughput run (default 10000)\n"
                                         "  --soak S [M]  only the soak: 1,000 connections for S seconds, meetings of M seconds\n"),
                          {{QStringLiteral("--smoke"), 0}, {QStringLiteral("--postgresql"), 0}, {QStringLiteral("--images"), 0}, {QStringLiteral("--events"), 1}, {QStringLiteral("--soak"), 2}});
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    onPostgresql = app.arguments().contains(QStringLiteral("--postgresql"));
    QTextStream out(stdout);
    // A thousand client sockets in this process.
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    // --soak SECONDS [MEETING_SECONDS]: only the soak (section 5), its meetings as long as given. Fails on a refused or unanswered event and, in
    // runs of ten minutes or more, when the relay's memory grows by 5% or more after the warm-up
    // (in shorter runs SQLite's page caches, 2 MiB per connection, are still filling: ctest's
    // two minutes report the growth without judging it).
    if (const qsizetype soakAt = app.arguments().indexOf(QStringLiteral("--soak")); soakAt > 0) {
        const int seconds = app.arguments().value(soakAt + 1).toInt();
        if (seconds < 20)
            die(QStringLiteral("--soak needs the seconds to run, at least 20"));
        const Soak result = soak(seconds, app.arguments().value(soakAt + 2).toInt());
        out << "| measure | result | goal |\n|---|---:|---|\n";
        printSoak(out, result);
        for (const Soak::Sample &sample : result.resident)
            QTextStream(stderr) << "relay resident memory at " << sample.atSecond << " s: " << sample.kib << " KiB\n";
        return result.refused == 0 && (seconds < 600 || result.growthPercent() < 5.0) ? 0 : 1;
    }

    // --images: only the image shown to a meeting (section 4), at full size.
    if (app.arguments().contains(QStringLiteral("--images"))) {
        out << "| measure | result | goal |\n|---|---:|---|\n";
        printImageSharing(out, shareImage(smoke ? 4 : 50, smoke ? 2 * 1024 * 1024 : 20 * 1024 * 1024));
        return 0;
    }

    // ---- 1. throughput over one connection, against the ceiling ----
    // The ceiling is measured right before each timed run, so a slow moment of the machine
    // weighs on both.
    const crypto::PrivateKey signer = *crypto::PrivateKey::generate();
    const QByteArray digest = crypto::keccak256("ceiling");
    const crypto::Signature signature = *signer.sign(digest);
    const auto measureCeiling = [&] {
        QElapsedTimer timer;
        timer.start();
        qint64 operations = 0;
        while (timer.elapsed() < (smoke ? 20 : 1000)) {
            if (*crypto::recoverAddress(digest, signature) != signer.address() || !signer.sign(digest))
                die(QStringLiteral("ceiling check failed"));
            ++operations;
        }
        return static_cast<double>(operations) * 1000.0 / static_cast<double>(timer.elapsed());
    };

    // --events N: the size of each timed run (for profiling the relay; at most 11,000: one meeting
    // holds 12,000 events). The relay first takes a warm-up of the same size, untimed (SQLite's
    // WAL reaches its working size); then three timed runs, each in its own meeting and signed
    // just before it is sent (ts must stay within 10 s of the relay's clock); the run with the
    // median ratio to its ceiling is reported. Every response must be an acceptance.
    const qsizetype eventsAt = app.arguments().indexOf(QStringLiteral("--events"));
    const int events = eventsAt > 0 ? app.arguments().value(eventsAt + 1).toInt() : (smoke ? 40 : 10000);
    const int window = 256;
    ThroughputRun throughput;
    {
        Setup setup(4, 1);
        // One connection: the hosts' connections, subscribed by their starts, go.
        for (int meeting = 0; meeting < 4; ++meeting)
            setup.members.at(static_cast<size_t>(2 * meeting))->connection.close();
        const auto run = [&](int meeting) {
            Member &alice = *setup.members.at(static_cast<size_t>(2 * meeting + 1));
            QList<QByteArray> bytes;
            for (int i = 0; i < events; ++i)
                bytes.append(need(alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Throughput comment %1").arg(i)}},
                                                               setup.lastIds.at(meeting), now()),
                                  "comment")
                                 .wireBytes());
            const double ceiling = measureCeiling();
            QList<qint64> outstanding;
            int sent = 0;
            int accepted = 0;
            const qint64 relayCpuBefore = processCpuUs(setup.relayProcess());
            const qint64 clientCpuBefore = processCpuUs(QCoreApplication::applicationPid());
            QElapsedTimer runTimer;
            runTimer.start();
            while (accepted < events) {
                while (sent < events && outstanding.size() < window)
                    outstanding.append(alice.connection.send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(bytes.at(sent++))}}));
                std::optional<QJsonObject> response;
                if (!spin([&] { return (response = alice.connection.takeResponse(outstanding.constFirst())).has_value(); }, 30000))
                    die(QStringLiteral("throughput: the relay stopped answering"));
                if (response->contains(QStringLiteral("error")))
                    die(QStringLiteral("throughput: an event was refused: ") + response->value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString());
                outstanding.removeFirst();
                ++accepted;
            }
            return ThroughputRun{static_cast<double>(events) * 1000.0 / static_cast<double>(std::max<qint64>(runTimer.elapsed(), 1)), ceiling,
                                 static_cast<double>(processCpuUs(setup.relayProcess()) - relayCpuBefore) / events,
                                 static_cast<double>(processCpuUs(QCoreApplication::applicationPid()) - clientCpuBefore) / events};
        };
        (void)run(0); // warm-up
        QList<ThroughputRun> runs{run(1), run(2), run(3)};
        std::sort(runs.begin(), runs.end(), [](const ThroughputRun &a, const ThroughputRun &b) { return a.ratio() < b.ratio(); });
        throughput = runs.at(1);
    }

    if (eventsAt > 0) {
        out << "throughput: " << QString::number(throughput.eventsPerSecond, 'f', 0) << " events/s (median of three runs of " << events
            << "), ceiling " << QString::number(throughput.ceiling, 'f', 0) << " (" << QString::number(100.0 * throughput.ratio(), 'f', 0)
            << "%); CPU per event: relay " << QString::number(throughput.relayCpuUsPerEvent, 'f', 0)
            << " µs, client " << QString::number(throughput.clientCpuUsPerEvent, 'f', 0) << " µs\n";
        return 0;
    }

    // ---- 2. concurrent meetings at a fixed rate ----
    const int meetings = smoke ? 2 : 20;
    const int participants = smoke ? 4 : 50;
    const int ratePerMeeting = 10;
    const int seconds = smoke ? 1 : 30;
    QList<qint64> latencies;
    qint64 failures = 0;
    {
        Setup setup(meetings, participants);
        QHash<QPair<Member *, qint64>, qint64> sentAt; // (member, request id) -> µs
        QElapsedTimer clock;
        clock.start();
        for (auto &member : setup.members) {
            Member *m = member.get();
            QObject::connect(&m->connection, &client::RelayConnection::responseReceived, &app, [&, m](qint64 id) {
                const auto key = qMakePair(m, id);
                if (!sentAt.contains(key))
                    return;
                const auto response = m->connection.takeResponse(id);
                failures += response && response->contains(QStringLiteral("result")) ? 0 : 1;
                latencies.append(clock.nsecsElapsed() / 1000 - sentAt.take(key));
            });
        }
        // Isolation: no member hears another meeting.
        qint64 strayBroadcasts = 0;
        for (size_t i = 0; i < setup.members.size(); ++i) {
            const QString own = setup.meetingIds.at(static_cast<qsizetype>(i) / (participants + 1));
            QObject::connect(&setup.members.at(i)->connection, &client::RelayConnection::eventReceived, &app,
                             [&strayBroadcasts, own](const client::RelayEvent &event) { strayBroadcasts += event.meeting == own ? 0 : 1; });
        }
        QRandomGenerator random(42);
        QTimer tick;
        int sends = 0;
        const int total = meetings * ratePerMeeting * seconds;
        QObject::connect(&tick, &QTimer::timeout, &app, [&] {
            // Each tick every meeting sends what its rate owes since the start.
            const qint64 due = clock.elapsed() * ratePerMeeting / 1000;
            for (int m = 0; m < meetings; ++m) {
                for (qint64 k = sends / meetings; k < due && k < ratePerMeeting * seconds; ++k) {
                    Member &author = *setup.members.at(static_cast<size_t>(m * (participants + 1) + 1 + random.bounded(participants)));
                    const auto event = author.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Concurrent comment")}},
                                                                     setup.lastIds.at(m), now());
                    sentAt.insert(qMakePair(&author, author.connection.send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}})),
                                  clock.nsecsElapsed() / 1000);
                }
            }
            sends = static_cast<int>(std::min<qint64>(due, ratePerMeeting * seconds)) * meetings;
        });
        tick.start(20);
        if (!spin([&] { return sends >= total && sentAt.isEmpty(); }, (seconds + 60) * 1000))
            die(QStringLiteral("concurrency: answers missing"));
        tick.stop();
        if (failures > 0)
            die(QStringLiteral("concurrency: %1 events refused").arg(failures));
        if (strayBroadcasts > 0)
            die(QStringLiteral("concurrency: %1 broadcasts reached members of another meeting").arg(strayBroadcasts));
        // Each meeting's log: its start, joins and comments with their acknowledgements, nothing
        // of the others, and it verifies.
        const auto schemas = need(protocol::SchemaValidator::load(), "schemas");
        for (int m = 0; m < meetings; ++m) {
            Member &host = *setup.members.at(static_cast<size_t>(m * (participants + 1)));
            QList<QByteArray> log;
            for (const QJsonValue &entry : need(host.connection.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), setup.meetingIds.at(m)}}), "events.get")
                                               .toObject().value(QStringLiteral("events")).toArray())
                log.append(entry[QStringLiteral("event")].toString().toUtf8());
            const ledger::VerificationReport report = ledger::verifyMeetingLog(log, *schemas, host.connection.relayAddress());
            if (log.size() != 2 * (1 + participants + ratePerMeeting * seconds) || !report.ok() || report.meeting != setup.meetingIds.at(m))
                die(QStringLiteral("concurrency: meeting %1 holds %2 entries: %3").arg(m).arg(log.size()).arg(report.problems.join(QStringLiteral("; "))));
        }
    }

    const auto printThroughputAndLatency = [&] {
        out << "| measure | result | goal |\n|---|---:|---|\n";
        out << "| raw ceiling: recover + sign per event, one core (measured before each run) | " << QString::number(throughput.ceiling, 'f', 0)
            << " events/s | |\n";
        out << "| relay throughput, one connection, " << window << " in flight, full checks + durable commit | "
            << QString::number(throughput.eventsPerSecond, 'f', 0) << " events/s (" << QString::number(100.0 * throughput.ratio(), 'f', 0)
            << "% of the ceiling; the run with the median ratio of three) | >= 50% |\n";
        out << "| the same: CPU per event (relay process, all threads; load generator) | " << QString::number(throughput.relayCpuUsPerEvent, 'f', 0)
            << " µs (" << QString::number(1e6 / std::max(throughput.relayCpuUsPerEvent, 1.0), 'f', 0) << " events per relay CPU-second); "
            << QString::number(throughput.clientCpuUsPerEvent, 'f', 0) << " µs | |\n";
        out << "| " << meetings << " meetings x " << participants << " participants, " << ratePerMeeting << " events/s each, "
            << seconds << " s: ack latency | p50 " << ms(percentileUs(latencies, 0.5)) << ", p99 " << ms(percentileUs(latencies, 0.99))
            << " (" << latencies.size() << " events) | |\n";
    };
    if (onPostgresql) { // the rest measures SQLite files and images
        printThroughputAndLatency();
        return 0;
    }

    // ---- 3. bytes per meeting on the thesis scenario ----
    client::Scenario scenario;
    if (smoke) {
        scenario.participants = 3;
        scenario.patients = 2;
        scenario.commentsPerParticipant = 2;
    }
    qint64 eventBytes = 0;
    qint64 databaseBytes = 0;
    qint64 entries = 0;
    {
        QTemporaryDir dir;
        client::LocalRelay relay(client::LocalRelay::findBinary(), dir.path(), "bench passphrase");
        const client::SimulationCast cast = client::castFor(scenario);
        if (!relay.init() || !relay.importDirectory(cast.staff, cast.patients) || !relay.start())
            die(QStringLiteral("bytes: ") + relay.lastOutput());
        client::Simulation simulation(relay.url(), cast.members, cast.patients, scenario);
        auto result = simulation.run();
        if (!result)
            die(QStringLiteral("bytes: ") + result.error());
        relay.stop();
        eventBytes = result->logBytes;
        entries = result->logEntries;
        databaseBytes = relay.databaseBytes();
    }

    const ImageSharing sharing = shareImage(smoke ? 4 : 50, smoke ? 2 * 1024 * 1024 : 20 * 1024 * 1024);

    printThroughputAndLatency();
    out << "| bytes per meeting, " << (smoke ? QStringLiteral("tiny scenario") : QStringLiteral("thesis scenario")) << " (" << entries
        << " log entries) | " << QString::number(static_cast<double>(eventBytes) / 1e6, 'f', 2) << " MB of events, "
        << QString::number(static_cast<double>(databaseBytes) / 1e6, 'f', 2) << " MB database | <= 2 MB (thesis: about 7 MB) |\n";
    printImageSharing(out, sharing);
    return 0;
}
