// cmeet-relay as deployed: the real binary on 127.0.0.1, real WebSocket connections (ws:// and
// wss:// with a test CA), real SQLite files, SIGKILL at awkward moments.

#include "base/hex.h"
#include "client/core/local_relay.h"
#include "client/core/meeting_images.h"
#include "client/core/participant.h"
#include "client/core/process_output.h"
#include "client/core/relay_connection.h"
#include "crypto/ecies.h"
#include "crypto/keystore.h"
#include "ledger/meeting_verifier.h"
#include "protocol/event.h"
#include "support/program_run.h"
#include "support/test_pki.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QTest>

#include <unistd.h>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

namespace {

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

struct Person {
    QString name;
    crypto::PrivateKey key = *crypto::PrivateKey::generate();
    std::unique_ptr<client::RelayConnection> connection = std::make_unique<client::RelayConnection>();
    std::unique_ptr<client::Participant> participant;
};

} // namespace

class TestRelayServer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<client::LocalRelay> m_relay;
    std::unique_ptr<QTemporaryDir> m_dataDir;

    // A fresh relay in a fresh data directory.
    // A fresh relay in a fresh data directory (a temporary one, or dataDir).
    void newRelay(const QString &dataDir = {})
    {
        m_relay.reset();
        m_dataDir = std::make_unique<QTemporaryDir>();
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), dataDir.isEmpty() ? m_dataDir->path() : dataDir,
                                                       "relay test passphrase");
    }
    std::vector<std::unique_ptr<Person>> m_people;
    QString m_meeting;

    Person &person(const QString &name)
    {
        for (auto &p : m_people) {
            if (p->name == name)
                return *p;
        }
        qFatal("no person %s", qPrintable(name));
    }

    void connectAndLogin(Person &p)
    {
        p.connection = std::make_unique<client::RelayConnection>();
        auto opened = p.connection->open(m_relay->url());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error()));
        auto login = p.connection->login(p.key);
        QVERIFY2(login, qPrintable(login ? QString() : login.error().detail));
    }

    // A relay with host, alice and bob on staff, all connected, and a scheduled meeting.
    void relayWithMeeting(const QString &dataDir = {})
    {
        newRelay(dataDir);
        QVERIFY2(m_relay->init(), qPrintable(m_relay->lastOutput()));
        m_people.clear();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")}) {
            m_people.push_back(std::make_unique<Person>());
            m_people.back()->name = name;
            QVERIFY2(m_relay->addStaff(m_people.back()->key.address(), name), qPrintable(m_relay->lastOutput()));
        }
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Patient One")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            connectAndLogin(*p);
        auto meeting = person(QStringLiteral("host")).connection->call(
            QStringLiteral("meeting.create"),
            {{QStringLiteral("title"), QStringLiteral("Tumour board")},
             {QStringLiteral("scheduledAt"), now()},
             {QStringLiteral("roster"), QJsonArray{person(QStringLiteral("alice")).key.address().toLowerHex(),
                                                   person(QStringLiteral("bob")).key.address().toLowerHex()}},
             {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}});
        QVERIFY2(meeting, qPrintable(meeting ? QString() : meeting.error().detail));
        m_meeting = meeting->toObject().value(QStringLiteral("id")).toString();
        for (auto &p : m_people)
            p->participant = std::make_unique<client::Participant>(p->key, m_meeting, p->connection->relayAddress());
    }

    // Submits over the connection; the event's ref defaults to the last event the person saw.
    Expected<QJsonObject, protocol::ProtocolError> post(Person &p, EventType type, const QJsonObject &content,
                                                        std::optional<QByteArray> ref = std::nullopt, const QString &code = {})
    {
        if (!ref && type != EventType::Start) {
            const auto &received = p.connection->received();
            ref = Event::fromWire(received.constLast().bytes)->id();
        }
        auto event = p.participant->makeEvent(type, content, ref, now());
        if (!event)
            return unexpected(event.error());
        return p.connection->submit(event->wireBytes(), code);
    }

    QJsonObject startContent(Person &host)
    {
        return {{QStringLiteral("title"), QStringLiteral("Tumour board")},
                {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}},
                {QStringLiteral("roster"), QJsonArray{host.key.address().toLowerHex(), person(QStringLiteral("alice")).key.address().toLowerHex(),
                                                      person(QStringLiteral("bob")).key.address().toLowerHex()}},
                {QStringLiteral("delegation"), *host.participant->newSession(now())},
                {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x22'))}};
    }

    QList<QByteArray> storedLog(Person &reader)
    {
        auto events = reader.connection->call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), m_meeting}});
        QList<QByteArray> out;
        for (const QJsonValue &entry : events->toObject().value(QStringLiteral("events")).toArray())
            out.append(entry[QStringLiteral("event")].toString().toUtf8());
        return out;
    }

    Expected<QJsonObject, protocol::ProtocolError> joinAs(Person &p, const QString &code = QStringLiteral("2468"))
    {
        const QByteArray startId = Event::fromWire(storedLog(p).constFirst())->id();
        return post(p, EventType::Join, {{QStringLiteral("delegation"), *p.participant->newSession(now())}}, startId, code);
    }

    // A join with a session key of its own, so the person's meeting session is left as it was.
    Expected<QJsonObject, protocol::ProtocolError> tryJoining(Person &p, const QString &code)
    {
        client::Participant attempt(p.key, m_meeting, p.connection->relayAddress());
        auto join = attempt.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *attempt.newSession(now())}},
                                      Event::fromWire(storedLog(p).constFirst())->id(), now());
        return p.connection->submit(join->wireBytes(), code);
    }

    static QByteArray acknowledgedId(const QJsonObject &result)
    {
        return Event::fromWire(result.value(QStringLiteral("ack")).toString().toUtf8())->ref().value_or(QByteArray());
    }

    QByteArray lastStoredId(Person &reader) { return Event::fromWire(storedLog(reader).constLast())->id(); }

    // relayWithMeeting(), started by the host, with alice and bob joined.
    void startedMeeting(const QString &dataDir = {})
    {
        relayWithMeeting(dataDir);
        Person &host = person(QStringLiteral("host"));
        QVERIFY(post(host, EventType::Start, startContent(host), std::nullopt, QStringLiteral("2468")));
        QVERIFY(joinAs(person(QStringLiteral("alice"))));
        QVERIFY(joinAs(person(QStringLiteral("bob"))));
    }

    // One HTTP request to 127.0.0.1:port as raw bytes; the status code and the body of the answer.
    static QPair<int, QByteArray> httpRequest(quint16 port, const QByteArray &request)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(5000))
            return {0, {}};
        socket.write(request);
        QByteArray answer;
        while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(5000))
            answer += socket.readAll();
        answer += socket.readAll();
        const qsizetype bodyAt = answer.indexOf("\r\n\r\n");
        return {answer.split(' ').value(1).toInt(), bodyAt < 0 ? QByteArray() : answer.mid(bodyAt + 4)};
    }
    static QPair<int, QByteArray> httpGet(quint16 port, const QByteArray &path)
    {
        return httpRequest(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }
    // The samples of a Prometheus text page: "name{labels}" -> value.
    static QHash<QByteArray, double> samples(const QByteArray &text)
    {
        QHash<QByteArray, double> values;
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            const qsizetype space = line.lastIndexOf(' ');
            values.insert(line.left(space), line.mid(space + 1).toDouble());
        }
        return values;
    }
    quint16 restartWithMonitoring(const QStringList &more = {})
    {
        m_relay->stop();
        if (!m_relay->start(QStringList{QStringLiteral("--monitor-port"), QStringLiteral("0")} + more))
            return 0;
        static const QRegularExpression monitoring(QStringLiteral("monitoring on http://127.0.0.1:(\\d+)/"));
        return static_cast<quint16>(m_relay->waitForServeOutput(monitoring).value_or(QString()).toUInt());
    }

private Q_SLOTS:
    void fullMeetingOverWebSockets()
    {
        startedMeeting();
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        QVERIFY(bob.connection->waitForEvents(2)); // its own join and joinAck
        QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("MRI first.")}, {QStringLiteral("patient"), QStringLiteral("P-001")}}));
        QVERIFY(bob.connection->waitForEvents(4));
        const QByteArray commentId = Event::fromWire(bob.connection->received().at(2).bytes)->id();
        QVERIFY(post(bob, EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed.")}}, commentId));
        QVERIFY(post(bob, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("The MRI is a month old.")}}, commentId));
        QVERIFY(post(host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}));
        QVERIFY(post(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                                                          {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Surgery")}}));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        auto poll = post(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                 {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                 {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}});
        QVERIFY(poll);
        const QByteArray pollId = Event::fromWire(poll->value(QStringLiteral("ack")).toString().toUtf8())->ref().value();
        for (Person *voter : {&alice, &bob}) {
            const QByteArray ciphertext = *crypto::ecies::encrypt(voting.publicKey(), "{\"option\":1}",
                                                                  QByteArray(pollId + voter->key.address().bytes()));
            QVERIFY(post(*voter, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(ciphertext)}}, pollId));
        }
        QVERIFY(post(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId));
        QVERIFY(post(bob, EventType::Leave, {}));
        auto end = post(host, EventType::End, {});
        QVERIFY2(end, qPrintable(end ? QString() : end.error().detail));

        // Everyone received the same entries in the same order as stored, from when they came in.
        const QList<QByteArray> log = storedLog(alice);
        QCOMPARE(log.size(), 2 * 14);
        QSet<EventType> types;
        for (const QByteArray &entry : log)
            types.insert(Event::fromWire(entry)->type());
        QCOMPARE(types.size(), 16); // every type but ackError, which is never stored
        // Every acknowledgement is the relay's, in order, with the lists an auditor recomputes.
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(log, *protocol::SchemaValidator::load().value(), alice.connection->relayAddress());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
        for (Person *p : {&host, &alice, &bob}) {
            QVERIFY(p->connection->waitForEvents(log.size() - (p == &host ? 0 : (p == &alice ? 2 : 4))));
            QList<QByteArray> seen;
            for (const client::RelayEvent &event : p->connection->received()) {
                QCOMPARE(event.meeting, m_meeting);
                QCOMPARE(log.at(event.index), event.bytes);
                seen.append(event.bytes);
            }
            QCOMPARE(seen, log.mid(log.size() - seen.size()));
        }
        // A rejected event gets a private, relay-signed ackError and the connection stays usable.
        auto late = post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("After the end")}});
        QVERIFY(!late);
        QCOMPARE(late.error().code, protocol::ErrorCode::MeetingEnded);
        auto ackError = Event::fromWire(alice.connection->lastAckError());
        QVERIFY(ackError && ackError->type() == EventType::AckError);
        QVERIFY(ackError->verifySignedBy(alice.connection->relayAddress()));
        QVERIFY(alice.connection->call(QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}}));
    }

    void badInputKeepsTheRelayUp()
    {
        relayWithMeeting();
        Person &alice = person(QStringLiteral("alice"));
        // A wrong login: refused, other connections unaffected.
        client::RelayConnection impostor;
        QVERIFY(impostor.open(m_relay->url()));
        const crypto::PrivateKey stranger = *crypto::PrivateKey::generate();
        auto refused = impostor.login(stranger);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, protocol::ErrorCode::UnknownStaff);
        auto unauthenticated = impostor.call(QStringLiteral("meeting.list"));
        QCOMPARE(unauthenticated.error().code, protocol::ErrorCode::NotAuthenticated);
        // Garbage as an event and as a message.
        auto garbage = alice.connection->submit("\x01\x02 not an event");
        QCOMPARE(garbage.error().code, protocol::ErrorCode::MalformedJson);
        QVERIFY(alice.connection->call(QStringLiteral("staff.list")));
    }

    // Messages are prepared on the relay's pool as they arrive and handled in arrival order:
    // a burst sent without waiting, mixing events, other requests and garbage, comes back in
    // order and is stored in order; a connection that closes with messages still being prepared
    // loses only its own, and the relay carries on.
    void burstsKeepTheirOrder()
    {
        startedMeeting();
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        const QByteArray ref = Event::fromWire(storedLog(alice).constLast())->id();

        // Bob fires 30 comments and hangs up at once.
        QList<QByteArray> bobsComments;
        for (int i = 0; i < 30; ++i) {
            bobsComments.append(bob.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("bob %1").arg(i)}}, ref, now())->wireBytes());
            bob.connection->send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(bobsComments.constLast())}});
        }
        bob.connection->close();

        QSignalSpy answered(alice.connection.get(), &client::RelayConnection::responseReceived);
        QList<qint64> sent;
        QList<QByteArray> comments;
        for (int i = 0; i < 60; ++i) {
            if (i % 15 == 7) {
                sent.append(alice.connection->send(QStringLiteral("meeting.get"), {{QStringLiteral("id"), m_meeting}}));
                continue;
            }
            if (i % 15 == 11) {
                sent.append(alice.connection->send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QStringLiteral("not an event")}}));
                continue;
            }
            comments.append(alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("alice %1").arg(i)}}, ref, now())->wireBytes());
            sent.append(alice.connection->send(QStringLiteral("event.submit"), {{QStringLiteral("event"), QString::fromUtf8(comments.constLast())}}));
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), sent.size(), 20000);
        for (qsizetype i = 0; i < sent.size(); ++i)
            QCOMPARE(answered.at(i).constFirst().toLongLong(), sent.at(i));
        qint64 lastIndex = -1;
        for (int i = 0; i < sent.size(); ++i) {
            const QJsonObject response = *alice.connection->takeResponse(sent.at(i));
            if (i % 15 == 11) {
                QCOMPARE(response.value(QStringLiteral("error"))[QStringLiteral("code")].toString(), QStringLiteral("malformed_json"));
                continue;
            }
            QVERIFY2(response.contains(QStringLiteral("result")), QJsonDocument(response).toJson().constData());
            if (i % 15 == 7)
                continue;
            const qint64 index = response.value(QStringLiteral("result"))[QStringLiteral("index")].toInteger();
            QVERIFY(index > lastIndex);
            lastIndex = index;
        }
        // Alice's comments are stored in the order she sent them, each followed by its ack; of
        // Bob's, those handled before his connection went, in his order with no gap.
        const QList<QByteArray> log = storedLog(alice);
        QList<QByteArray> stored;
        QList<QByteArray> bobsStored;
        for (qsizetype i = 0; i < log.size(); ++i) {
            const auto entry = Event::fromWire(log.at(i));
            if (entry->type() == EventType::Comment) {
                QVERIFY(i + 1 < log.size() && Event::fromWire(log.at(i + 1))->ref() == entry->id());
                (entry->by() == alice.key.address() ? stored : bobsStored).append(log.at(i));
            }
        }
        QCOMPARE(stored, comments);
        QCOMPARE(bobsStored, bobsComments.first(bobsStored.size()));
        connectAndLogin(bob);
        QVERIFY(post(bob, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("back again")}}, ref));
    }

    // Only roster members hear a meeting: a subscription taken while on the roster of a
    // scheduled meeting ends when the host takes the member off it before the start.
    void subscriptionEndsWithTheRoster()
    {
        relayWithMeeting();
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        QVERIFY(bob.connection->call(QStringLiteral("meeting.subscribe"), {{QStringLiteral("meeting"), m_meeting}}));
        const QJsonArray roster{alice.key.address().toLowerHex()};
        QVERIFY(host.connection->call(QStringLiteral("meeting.edit"),
                                      {{QStringLiteral("id"), m_meeting}, {QStringLiteral("title"), QStringLiteral("Tumour board")},
                                       {QStringLiteral("scheduledAt"), now()}, {QStringLiteral("roster"), roster},
                                       {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}}));
        QJsonObject start = startContent(host);
        start.insert(QStringLiteral("roster"), QJsonArray{host.key.address().toLowerHex(), alice.key.address().toLowerHex()});
        QVERIFY(post(host, EventType::Start, start, std::nullopt, QStringLiteral("2468")));
        QVERIFY(joinAs(alice));
        QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("for the roster only")}}));
        // Broadcasts to Bob would have been sent before the answer to his next request.
        QVERIFY(bob.connection->call(QStringLiteral("staff.list")));
        QCOMPARE(bob.connection->received().size(), 0);
        const auto again = bob.connection->call(QStringLiteral("meeting.subscribe"), {{QStringLiteral("meeting"), m_meeting}});
        QVERIFY(!again);
        QCOMPARE(again.error().code, protocol::ErrorCode::NotOnRoster);
        QVERIFY(alice.connection->waitForEvents(4)); // her join and comment with their acks
    }

    // A blocking call on a connection that starts while another blocking call on it is waiting
    // (from a timer or another object's signal, as in a desktop window) must not leave the first
    // one asleep until its deadline once its answer is in.
    void nestedWaitsOnOneConnection()
    {
        relayWithMeeting();
        Person &alice = person(QStringLiteral("alice"));
        bool nested = false;
        QTimer::singleShot(0, this, [&] {
            nested = true;
            QVERIFY(alice.connection->call(QStringLiteral("patients.list")));
        });
        QElapsedTimer timer;
        timer.start();
        QVERIFY(alice.connection->call(QStringLiteral("meeting.list"), {}, 20000));
        QVERIFY(nested);
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QStringLiteral("the first wait took %1 ms").arg(timer.elapsed())));
    }

    // Requests are read as they arrive; a connection that floods the relay without waiting for
    // answers is closed (policy violation) before its backlog can exhaust memory, and the others
    // carry on.
    void floodingConnectionIsClosed()
    {
        relayWithMeeting();
        m_relay->stop();
        QVERIFY2(m_relay->start({QStringLiteral("--max-unanswered"), QStringLiteral("8")}), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            connectAndLogin(*p);
        QWebSocket flood;
        QSignalSpy closed(&flood, &QWebSocket::disconnected);
        flood.open(m_relay->url());
        QTRY_COMPARE_WITH_TIMEOUT(flood.state(), QAbstractSocket::ConnectedState, 5000);
        for (int i = 0; i < 200; ++i)
            flood.sendTextMessage(QStringLiteral("{\"type\":\"request\",\"id\":%1,\"method\":\"staff.list\"}").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
        QCOMPARE(flood.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
        // A client that waits for its answers is not affected, even past the limit in total.
        Person &alice = person(QStringLiteral("alice"));
        for (int i = 0; i < 20; ++i)
            QVERIFY(alice.connection->call(QStringLiteral("staff.list")));
    }

    // SIGKILL while events are in flight, at several points; after each restart every event that
    // was acknowledged is stored with its ack, and the meeting carries on to its end.
    void crashAndRestart()
    {
        relayWithMeeting();
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        QVERIFY(post(host, EventType::Start, startContent(host), std::nullopt, QStringLiteral("2468")));
        QVERIFY(joinAs(alice));
        QSet<QByteArray> acknowledged;
        int comment = 0;
        for (const int burst : {2, 6, 12, 24}) {
            // Send a comment every 2 ms without waiting for answers; kill the relay as soon as half
            // of them are acknowledged, with the rest still arriving or queued.
            const QByteArray ref = Event::fromWire(storedLog(alice).constLast())->id();
            const qsizetype before = alice.connection->received().size();
            const auto acksSoFar = [&] {
                qsizetype acks = 0;
                for (const client::RelayEvent &event : alice.connection->received().mid(before))
                    acks += Event::fromWire(event.bytes)->type() == EventType::Ack ? 1 : 0;
                return acks;
            };
            for (int i = 0; i < burst && acksSoFar() < burst / 2; ++i) {
                auto event = alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("comment %1").arg(++comment)}}, ref, now());
                (void)alice.connection->submit(event->wireBytes(), {}, 0);
                QTest::qWait(2);
            }
            QTRY_VERIFY_WITH_TIMEOUT(acksSoFar() >= burst / 2, 5000);
            m_relay->kill();
            for (const client::RelayEvent &event : alice.connection->received().mid(before)) {
                auto received = Event::fromWire(event.bytes);
                if (received->type() == EventType::Ack)
                    acknowledged.insert(*received->ref());
            }
            QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
            for (auto &p : m_people)
                connectAndLogin(*p);
            const QList<QByteArray> log = storedLog(alice);
            QSet<QByteArray> stored;
            for (qsizetype i = 0; i < log.size(); ++i) {
                auto entry = Event::fromWire(log.at(i));
                QVERIFY(entry);
                stored.insert(entry->id());
                // Event and ack are committed together: every event is followed by its ack.
                if (i % 2 == 1) {
                    QVERIFY(protocol::isRelayAcknowledgement(entry->type()));
                    QCOMPARE(*entry->ref(), Event::fromWire(log.at(i - 1))->id());
                }
            }
            QCOMPARE(log.size() % 2, 0);
            qInfo("burst of %d: %lld acknowledged in all, %lld log entries after restart", burst,
                  static_cast<long long>(acknowledged.size()), static_cast<long long>(log.size()));
            for (const QByteArray &id : acknowledged)
                QVERIFY2(stored.contains(id), "an acknowledged event was lost");
        }
        QVERIFY(!acknowledged.isEmpty());
        // The meeting continues with its session keys and finishes.
        const QByteArray last = Event::fromWire(storedLog(alice).constLast())->id();
        QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("still here")}}, last));
        auto end = post(host, EventType::End, {}, Event::fromWire(storedLog(host).constLast())->id());
        QVERIFY2(end, qPrintable(end ? QString() : end.error().detail));
    }

    // SIGKILL with a poll open and a vote cast, a member locked out by wrong codes and another
    // offline: after the restart the vote still counts once, the lockout holds, session keys
    // work, and the member who was away fetches exactly what it missed from its last index.
    void crashKeepsPollsSessionsAndAttemptCounters()
    {
        relayWithMeeting();
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        Person &bob = person(QStringLiteral("bob"));
        QVERIFY(post(host, EventType::Start, startContent(host), std::nullopt, QStringLiteral("2468")));
        QVERIFY(joinAs(alice));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        auto poll = post(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                 {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                 {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}},
                         lastStoredId(host));
        QVERIFY(poll);
        const QByteArray pollId = acknowledgedId(*poll);
        const auto vote = [&](Person &voter, const QByteArray &choice) {
            const QByteArray ciphertext = *crypto::ecies::encrypt(voting.publicKey(), choice, QByteArray(pollId + voter.key.address().bytes()));
            return post(voter, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(ciphertext)}}, pollId);
        };
        QVERIFY(vote(alice, "{\"option\":0}"));
        for (int i = 0; i < 5; ++i) { // the relay's default: five wrong codes per identity
            auto wrong = tryJoining(bob, QStringLiteral("9999"));
            QVERIFY(!wrong);
            QCOMPARE(wrong.error().code, protocol::ErrorCode::WrongAttendanceCode);
        }
        // alice goes away after seeing everything so far; the meeting goes on without her.
        const qsizetype aliceSaw = storedLog(alice).size();
        alice.connection.reset();
        QVERIFY(post(host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}, lastStoredId(host)));
        QVERIFY(post(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("lc")},
                                                          {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Yes")}},
                     lastStoredId(host)));
        m_relay->kill();

        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            connectAndLogin(*p);
        const QList<QByteArray> log = storedLog(host);
        QCOMPARE(log.size(), aliceSaw + 4);
        auto missed = alice.connection->call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), m_meeting}, {QStringLiteral("fromIndex"), aliceSaw}});
        QVERIFY(missed);
        QList<QByteArray> fetched;
        for (const QJsonValue &entry : missed->toObject().value(QStringLiteral("events")).toArray()) {
            QCOMPARE(entry[QStringLiteral("index")].toInteger(), aliceSaw + fetched.size());
            fetched.append(entry[QStringLiteral("event")].toString().toUtf8());
        }
        QCOMPARE(fetched, log.mid(aliceSaw));
        QCOMPARE(missed->toObject().value(QStringLiteral("size")).toInteger(), log.size());

        // The open poll and its voter, bob's wrong tries and the session keys survived.
        auto again = vote(alice, "{\"option\":1}");
        QVERIFY(!again);
        QCOMPARE(again.error().code, protocol::ErrorCode::AlreadyVoted);
        auto locked = tryJoining(bob, QStringLiteral("2468"));
        QVERIFY(!locked);
        QCOMPARE(locked.error().code, protocol::ErrorCode::AttendanceRateLimited);
        QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Back.")}}, lastStoredId(alice)));
        auto pollEnd = post(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId);
        QVERIFY(pollEnd);
        QCOMPARE(Event::fromWire(pollEnd->value(QStringLiteral("ack")).toString().toUtf8())->content().value(QStringLiteral("votes")).toArray().size(), 1);
        // Killed with the end in flight: after the restart the meeting has ended, or ends now.
        const auto endEvent = host.participant->makeEvent(EventType::End, {}, lastStoredId(host), now());
        (void)host.connection->submit(endEvent->wireBytes(), {}, 0);
        QTest::qWait(1); // the frame leaves; the relay may or may not have stored it
        m_relay->kill();
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            connectAndLogin(*p);
        QList<QByteArray> final = storedLog(host);
        QCOMPARE(final.size() % 2, 0);
        const bool endStored = Event::fromWire(final.constLast())->type() == EventType::AckEnd;
        qInfo("killed with the end in flight: %s", endStored ? "it was stored" : "it was not stored, and is sent again");
        if (!endStored) {
            QCOMPARE(final.size(), log.size() + 4);
            auto end = post(host, EventType::End, {}, lastStoredId(host));
            QVERIFY2(end, qPrintable(end ? QString() : end.error().detail));
            final = storedLog(host);
        }
        QCOMPARE(final.size(), log.size() + 6);
        QCOMPARE(Event::fromWire(final.constLast())->type(), EventType::AckEnd);
        auto status = host.connection->call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), m_meeting}});
        QCOMPARE(status->toObject().value(QStringLiteral("status")).toString(), QStringLiteral("ended"));
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(final, *protocol::SchemaValidator::load().value(), host.connection->relayAddress());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
    }

    // With every log category on, a meeting's whole run logs no attendance code (right, wrong or
    // rotated), no passphrase and no key: only addresses and ids.
    void logsKeepSecrets()
    {
        const QByteArray rulesBefore = qgetenv("QT_LOGGING_RULES");
        qputenv("QT_LOGGING_RULES", "cmeet.*=true");
        const auto restore = qScopeGuard([rulesBefore] {
            if (rulesBefore.isNull())
                qunsetenv("QT_LOGGING_RULES");
            else
                qputenv("QT_LOGGING_RULES", rulesBefore);
        });
        relayWithMeeting();
        Person &host = person(QStringLiteral("host"));
        Person &alice = person(QStringLiteral("alice"));
        QVERIFY(post(host, EventType::Start, startContent(host), std::nullopt, QStringLiteral("KILOZULU")));
        QVERIFY(!joinAs(alice, QStringLiteral("WHISKYQX")));
        QVERIFY(joinAs(alice, QStringLiteral("KILOZULU")));
        QVERIFY(host.connection->call(QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), m_meeting}, {QStringLiteral("code"), QStringLiteral("YANKEEVX")}}));
        QVERIFY(joinAs(person(QStringLiteral("bob")), QStringLiteral("YANKEEVX")));
        QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Logged?")}}));
        m_relay->stop();

        const QString logged = m_relay->lastOutput();
        QVERIFY2(logged.contains(QStringLiteral("login")) && logged.count(QLatin1Char('\n')) > 10, qPrintable(logged));
        QFile keyFile(m_relay->dataDir() + QStringLiteral("/relay.key"));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const auto relayKey = crypto::keystore::open(keyFile.readAll(), crypto::SecretBytes(QByteArrayLiteral("relay test passphrase")));
        QVERIFY(relayKey);
        QCOMPARE(relayKey->address(), host.connection->relayAddress());
        const QString secretHex = hex::encode(relayKey->secret().view()).mid(2);
        for (const QString &secret : {QStringLiteral("KILOZULU"), QStringLiteral("WHISKYQX"), QStringLiteral("YANKEEVX"),
                                      QStringLiteral("relay test passphrase"), secretHex, secretHex.toUpper()})
            QVERIFY2(!logged.contains(secret, Qt::CaseInsensitive), qPrintable(QStringLiteral("logged: ") + secret.left(4)));
    }

    // Plain ws:// off loopback only when asked for; then the relay serves on every address,
    // loopback included.
    void allowsPlainWebSocketsOffLoopbackWhenAsked()
    {
        newRelay();
        QVERIFY(m_relay->init());
        const crypto::PrivateKey key = *crypto::PrivateKey::generate();
        QVERIFY(m_relay->addStaff(key.address(), QStringLiteral("anywhere")));
        QVERIFY2(m_relay->start({QStringLiteral("--listen"), QStringLiteral("0.0.0.0"), QStringLiteral("--allow-insecure-remote")}),
                 qPrintable(m_relay->lastOutput()));
        QUrl loopback = m_relay->url();
        loopback.setHost(QStringLiteral("127.0.0.1"));
        client::RelayConnection connection;
        QVERIFY(connection.open(loopback));
        QVERIFY(connection.login(key));
        m_relay->stop();
        QVERIFY2(m_relay->lastOutput().contains(QStringLiteral("plain ws://")), qPrintable(m_relay->lastOutput()));
    }

    // Operators watch the relay on a loopback port of its own: /healthz, and /metrics with the
    // figures as they change; nothing else is served there, and nothing names a person or patient.
    void monitoringOnItsOwnPort()
    {
        startedMeeting();
        const quint16 port = restartWithMonitoring();
        QVERIFY2(port > 0 && port != m_relay->url().port(), qPrintable(m_relay->lastOutput()));
        for (auto &p : m_people)
            connectAndLogin(*p);
        const auto health = httpGet(port, "/healthz");
        QCOMPARE(health.first, 200);
        const QJsonObject healthy = QJsonDocument::fromJson(health.second).object();
        QCOMPARE(healthy.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(healthy.value(QStringLiteral("openMeetings")).toInteger(), 1);

        auto before = httpGet(port, "/metrics");
        QCOMPARE(before.first, 200);
        QHash<QByteArray, double> figures = samples(before.second);
        QCOMPARE(figures.value("cmeet_relay_open_meetings"), 1.0);
        QCOMPARE(figures.value("cmeet_relay_connections"), 3.0);
        QCOMPARE(figures.value("cmeet_relay_events_acknowledged_total"), 0.0); // since this process started
        QCOMPARE(figures.value("cmeet_relay_anchor_queue_depth"), 1.0);        // the start's, with no chain to send it to
        QVERIFY(!figures.contains("cmeet_relay_identity_sync_age_seconds"));  // no identity registry
        Person &alice = person(QStringLiteral("alice"));
        for (int i = 0; i < 3; ++i)
            QVERIFY(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("MRI first.")}, {QStringLiteral("patient"), QStringLiteral("P-001")}},
                         lastStoredId(alice)));
        QVERIFY(!post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Not on a known event")}}, QByteArray(32, '\x01')));
        const auto after = httpGet(port, "/metrics");
        figures = samples(after.second);
        QCOMPARE(figures.value("cmeet_relay_events_acknowledged_total"), 3.0);
        QCOMPARE(figures.value("cmeet_relay_ack_latency_seconds_count"), 4.0); // the refused one was answered too
        QVERIFY(figures.value("cmeet_relay_ack_latency_seconds{quantile=\"0.5\"}") > 0);
        QVERIFY(figures.value("cmeet_relay_ack_latency_seconds{quantile=\"0.99\"}") >= figures.value("cmeet_relay_ack_latency_seconds{quantile=\"0.5\"}"));
        QVERIFY(figures.value("cmeet_relay_ack_latency_seconds_sum") > 0);
        QCOMPARE(figures.value("cmeet_relay_storage_refusals_total"), 0.0);
        QVERIFY(after.second.contains("# TYPE cmeet_relay_events_acknowledged_total counter"));
        for (const QByteArray &personal : {QByteArray("P-001"), QByteArray("0x"), person(QStringLiteral("alice")).key.address().toLowerHex().toLatin1()})
            QVERIFY(!after.second.contains(personal) && !health.second.contains(personal));
        // The events answered per second count whole seconds: within 11 s all four are in it.
        QTRY_VERIFY_WITH_TIMEOUT(samples(httpGet(port, "/metrics").second).value("cmeet_relay_events_per_second") == 0.4, 12000);
        m_people.at(2)->connection.reset();
        QTRY_COMPARE_WITH_TIMEOUT(samples(httpGet(port, "/metrics").second).value("cmeet_relay_connections"), 2.0, 5000);

        // Anything else is refused plainly, and the relay carries on.
        QCOMPARE(httpGet(port, "/").first, 404);
        QCOMPARE(httpRequest(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").first, 405);
        QCOMPARE(httpRequest(port, "hello\r\n\r\n").first, 400);
        QCOMPARE(httpRequest(port, "GET /metrics HTTP/1.1\r\nX-Padding: " + QByteArray(9000, 'a') + "\r\n\r\n").first, 431);
        QCOMPARE(httpGet(port, "/healthz").first, 200);
        QVERIFY(alice.connection->call(QStringLiteral("staff.list")));

        // A port that is not a number is refused before anything starts.
        m_relay->stop();
        QVERIFY(!m_relay->start({QStringLiteral("--monitor-port"), QStringLiteral("metrics")}));
        QVERIFY2(m_relay->lastOutput().contains(QStringLiteral("--monitor-port needs a port number")), qPrintable(m_relay->lastOutput()));
    }

    // With an identity registry whose chain node is down, new logins are refused: /healthz says
    // so (503, and why), so the operator's alert fires.
    void healthSaysWhenTheIdentityRegistryIsStale()
    {
        relayWithMeeting();
        const quint16 port = restartWithMonitoring({QStringLiteral("--identity-registry"), QStringLiteral("0x00000000000000000000000000000000000000aa"),
                                                    QStringLiteral("--chain"), QStringLiteral("http://127.0.0.1:9")});
        QVERIFY2(port > 0, qPrintable(m_relay->lastOutput()));
        const auto health = httpGet(port, "/healthz");
        QCOMPARE(health.first, 503);
        const QJsonObject failing = QJsonDocument::fromJson(health.second).object();
        QCOMPARE(failing.value(QStringLiteral("status")).toString(), QStringLiteral("failing"));
        QVERIFY2(failing.value(QStringLiteral("problem")).toString().contains(QStringLiteral("identity registry has not been read yet")), health.second.constData());
        QCOMPARE(httpGet(port, "/metrics").first, 200); // the figures still come
    }

    // The write-ahead log is copied into the database file by a thread of its own, soon after the
    // writes, not by the relay's thread when the log passes a thousand pages: the 2 MiB of an
    // image (half that threshold) are in relay.sqlite within seconds while the relay runs.
    void checkpointsOffTheRelaysThread()
    {
        startedMeeting();
        const QString file = m_dataDir->filePath(QStringLiteral("relay.sqlite"));
        const qint64 before = QFileInfo(file).size();
        QByteArray png = QByteArray("\x89PNG\r\n\x1a\n") + QByteArray(2 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator(5).fillRange(reinterpret_cast<quint32 *>(png.data() + 8), (png.size() - 8) / 4);
        auto shown = client::uploadImage(client::callsOver(*person(QStringLiteral("host")).connection), m_meeting, png, QStringLiteral("P-001"), {});
        QVERIFY2(shown, qPrintable(shown ? QString() : shown.error()));
        QVERIFY(before < png.size());
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(file).size() > png.size(), 10000);
        QVERIFY(person(QStringLiteral("alice")).connection->call(QStringLiteral("staff.list")));
    }

    // The relay's disk fills up mid-meeting (a 16 MiB filesystem of its own, filled by another
    // file): events are refused with storage_error, the relay stays up and keeps answering, nothing
    // stored is damaged, and once there is room again the meeting goes on and its log verifies.
    void diskFullAnswersStorageError()
    {
        if (geteuid() != 0)
            QSKIP("needs root to mount a size-limited filesystem (tmpfs)");
        QTemporaryDir disk;
        if (QProcess::execute(QStringLiteral("mount"), {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"), QStringLiteral("size=16m"),
                                                        QStringLiteral("tmpfs"), disk.path()})
            != 0)
            QSKIP("cannot mount a tmpfs here");
        const auto unmount = qScopeGuard([&] {
            m_people.clear();
            m_relay.reset();
            QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), disk.path()});
        });
        startedMeeting(disk.filePath(QStringLiteral("relay")));
        Person &alice = person(QStringLiteral("alice"));
        QFile filler(disk.filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        const QByteArray block(64 * 1024, 'x');
        while (filler.write(block) == block.size()) {
        }
        QSet<QByteArray> acknowledged;
        std::optional<protocol::ProtocolError> refusal;
        int comment = 0;
        while (!refusal && comment < 5000) {
            auto posted = post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Comment %1 as the disk fills").arg(++comment)}});
            if (posted)
                acknowledged.insert(acknowledgedId(*posted));
            else
                refusal = posted.error();
        }
        QVERIFY2(refusal, "the relay never ran out of room");
        QCOMPARE(refusal->code, protocol::ErrorCode::StorageError);
        qInfo("the disk was full after %d comments", comment);
        QVERIFY(alice.connection->call(QStringLiteral("staff.list"))); // still up, still answering
        QVERIFY(!post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Still no room")}}));

        filler.close();
        QVERIFY(filler.remove());
        QTRY_VERIFY_WITH_TIMEOUT(post(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Room again")}}).hasValue(), 10000);
        QVERIFY(post(person(QStringLiteral("host")), EventType::End, {}, lastStoredId(alice)));
        const QList<QByteArray> log = storedLog(alice);
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(log, *protocol::SchemaValidator::load().value(), alice.connection->relayAddress());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
        QSet<QByteArray> stored;
        for (const QByteArray &entry : log)
            stored.insert(Event::fromWire(entry)->id());
        for (const QByteArray &id : std::as_const(acknowledged))
            QVERIFY2(stored.contains(id), "an acknowledged event was lost");
        m_relay->stop();
        {
            QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("integrity"));
            database.setDatabaseName(disk.filePath(QStringLiteral("relay/relay.sqlite")));
            QVERIFY(database.open());
            QSqlQuery integrity(QStringLiteral("PRAGMA integrity_check"), database);
            QVERIFY(integrity.next());
            QCOMPARE(integrity.value(0).toString(), QStringLiteral("ok"));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("integrity"));
    }

    void helpOnEveryCommand()
    {
        for (const QStringList &command : {QStringList{}, QStringList{QStringLiteral("serve")}, QStringList{QStringLiteral("init")},
                                            QStringList{QStringLiteral("address")}, QStringList{QStringLiteral("deploy-registry")}}) {
            const test::ProgramRun run = test::runProgram(QStringLiteral(CMEET_RELAY_PATH), command + QStringList{QStringLiteral("--help")});
            QCOMPARE(run.exitCode, 0);
            QVERIFY2(run.out.contains(QStringLiteral("Usage:")) && run.out.contains(QStringLiteral("--data-dir")), qPrintable(command.join(QLatin1Char(' ')) + run.out));
        }
        // admin has help of its own: its actions and what they take.
        for (const QStringList &arguments : {QStringList{QStringLiteral("admin"), QStringLiteral("--help")},
                                              QStringList{QStringLiteral("admin"), QStringLiteral("add-staff"), QStringLiteral("--help")}}) {
            const test::ProgramRun help = test::runProgram(QStringLiteral(CMEET_RELAY_PATH), arguments);
            QCOMPARE(help.exitCode, 0);
            QVERIFY2(help.out.startsWith(QStringLiteral("Usage: cmeet-relay admin ACTION")) && help.out.contains(QStringLiteral("add-patient ID NAME")),
                     qPrintable(help.out));
        }
        newRelay();
        QVERIFY(m_relay->init());
        QString output;
        QVERIFY(!m_relay->admin({QStringLiteral("frobnicate")}, &output));
        QVERIFY2(output.contains(QStringLiteral("unknown admin action")) && output.contains(QStringLiteral("Usage: cmeet-relay admin ACTION")), qPrintable(output));
    }

    void tlsWithTestCa()
    {
        QTemporaryDir pki;
        QVERIFY(test::makeTestPki(pki.path()));

        newRelay();
        QVERIFY(m_relay->init());
        const crypto::PrivateKey key = *crypto::PrivateKey::generate();
        QVERIFY(m_relay->addStaff(key.address(), QStringLiteral("tls user")));
        QVERIFY2(m_relay->start({QStringLiteral("--tls-cert"), pki.filePath(QStringLiteral("relay.pem")), QStringLiteral("--tls-key"), pki.filePath(QStringLiteral("relay.key"))}),
                 qPrintable(m_relay->lastOutput()));
        QCOMPARE(m_relay->url().scheme(), QStringLiteral("wss"));

        client::RelayConnection untrusting;
        auto refused = untrusting.open(m_relay->url(), 5000);
        QVERIFY(!refused);
        // Said plainly; where to fix it (the app's Settings, the CLI's --ca) is each front end's to say.
        QVERIFY2(refused.error().contains(QStringLiteral("certificate is not trusted")) && !refused.error().contains(QStringLiteral("Settings")),
                 qPrintable(refused.error()));
        QVERIFY(untrusting.certificateRejected());

        client::RelayConnection trusting;
        trusting.setTrustedCertificates(QSslCertificate::fromPath(pki.filePath(QStringLiteral("ca.pem"))));
        auto opened = trusting.open(m_relay->url());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error()));
        QVERIFY(trusting.login(key));
        QVERIFY(trusting.call(QStringLiteral("staff.list")));
    }

    void refusesPlainWebSocketsOffLoopback()
    {
        newRelay();
        QVERIFY(m_relay->init());
        // Refused before anything binds, so no traffic leaves the machine.
        QVERIFY(!m_relay->start({QStringLiteral("--listen"), QStringLiteral("192.0.2.1")}));
        QVERIFY2(m_relay->lastOutput().contains(QStringLiteral("refusing plain ws://")), qPrintable(m_relay->lastOutput()));
    }

    // Settings come from the config file; options on the command line override them.
    void configFileAndOverrides()
    {
        newRelay();
        QVERIFY(m_relay->init());
        const crypto::PrivateKey member = *crypto::PrivateKey::generate();
        QVERIFY(m_relay->addStaff(member.address(), QStringLiteral("Configured")));
        QTemporaryDir other;
        QFile config(other.filePath(QStringLiteral("relay.ini")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[relay]\ndata-dir=" + m_relay->dataDir().toUtf8() + "\nport=0\n");
        config.close();
        const auto list = [&](const QStringList &extra) {
            test::ProgramOptions options;
            options.environment = m_relay->environment();
            return test::runProgram(QStringLiteral(CMEET_RELAY_PATH),
                                    QStringList{QStringLiteral("admin"), QStringLiteral("list"), QStringLiteral("--config"), config.fileName()} + extra, options)
                .out;
        };
        QVERIFY(list({}).contains(QStringLiteral("Configured")));
        // --data-dir on the command line wins over the file: an empty directory, no staff.
        QVERIFY(!list({QStringLiteral("--data-dir"), other.filePath(QStringLiteral("empty"))}).contains(QStringLiteral("Configured")));
    }

    void relayKeyIsEncrypted()
    {
        newRelay();
        QVERIFY(m_relay->init());
        QFile key(m_relay->dataDir() + QStringLiteral("/relay.key"));
        QVERIFY(key.open(QIODevice::ReadOnly));
        QVERIFY(key.readAll().contains("scrypt"));
        QCOMPARE(key.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        QVERIFY(!m_relay->init()); // never replaces an existing key
        QVERIFY(m_relay->lastOutput().contains(QStringLiteral("refusing to replace")));
        // A wrong passphrase: the relay does not start, says why, and the key file is untouched.
        QVERIFY(key.seek(0));
        const QByteArray sealed = key.readAll();
        client::LocalRelay wrong(QStringLiteral(CMEET_RELAY_PATH), m_relay->dataDir(), "not the passphrase");
        QVERIFY(!wrong.start());
        QVERIFY2(wrong.lastOutput().contains(QStringLiteral("wrong passphrase")), qPrintable(wrong.lastOutput()));
        QVERIFY(!wrong.lastOutput().contains(QStringLiteral("not the passphrase")));
        QFile again(m_relay->dataDir() + QStringLiteral("/relay.key"));
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), sealed);
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        m_relay->stop();

        // As a systemd service: the passphrase is the credential "passphrase" (a root-only file
        // systemd hands over in $CREDENTIALS_DIRECTORY), its first line only.
        QTemporaryDir credentials;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("CMEET_RELAY_PASSPHRASE"));
        environment.insert(QStringLiteral("CREDENTIALS_DIRECTORY"), credentials.path());
        const QStringList serve{QStringLiteral("serve"), QStringLiteral("--data-dir"), m_relay->dataDir(), QStringLiteral("--port"), QStringLiteral("0")};
        const auto writeCredential = [&](const QByteArray &contents) {
            QFile file(credentials.filePath(QStringLiteral("passphrase")));
            return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(contents) == contents.size();
        };
        QVERIFY(writeCredential("relay test passphrase\n"));
        QProcess service;
        service.setProcessEnvironment(environment);
        service.start(QStringLiteral(CMEET_RELAY_PATH), serve);
        QVERIFY(service.waitForStarted());
        QByteArray output;
        QVERIFY2(client::waitForOutput(service, QRegularExpression(QStringLiteral("listening on (\\S+)")), output).has_value(),
                 QByteArray(output + service.readAllStandardError()).constData());
        service.kill();
        service.waitForFinished();
        QVERIFY(writeCredential("not the passphrase\n"));
        test::ProgramOptions options;
        options.environment = environment;
        const test::ProgramRun refused = test::runProgram(QStringLiteral(CMEET_RELAY_PATH), serve, options);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("wrong passphrase")) && !refused.err.contains(QStringLiteral("not the passphrase")), qPrintable(refused.err));
        QVERIFY(writeCredential(""));
        const test::ProgramRun empty = test::runProgram(QStringLiteral(CMEET_RELAY_PATH), serve, options);
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(empty.err.contains(QStringLiteral("the passphrase credential")), qPrintable(empty.err));
    }
};

QTEST_GUILESS_MAIN(TestRelayServer)
#include "test_relay_server.moc"
