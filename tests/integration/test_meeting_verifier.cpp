// The auditors' verifier (ledger::verifyMeetingLog) on a real relay's log (RelayService on a real
// SQLite file), and on the logs a lying relay could sign with its own key: acknowledgements that
// leave out a vote, a join or a leaf, refs to nothing, entries after the end, entries dropped.

#include "base/hex.h"
#include "client/core/polls.h"
#include "ledger/meeting_verifier.h"
#include "ledger/merkle_log.h"
#include "ledger/tree_head.h"
#include "protocol/delegation.h"
#include "support/relay_fixture.h"

#include <QJsonArray>
#include <QTest>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;

class TestMeetingVerifier : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::RelayFixture> f;
    std::shared_ptr<const protocol::SchemaValidator> schemas;
    QList<QByteArray> genuine; // host, alice and bob: a comment, a reply, a poll with two votes, the end

    test::Member &m(const QString &name) { return f->member(name); }

    // The last event accepted (the entry before its acknowledgement).
    [[nodiscard]] QByteArray lastEventId() const
    {
        const QList<QByteArray> log = f->log(f->member(QStringLiteral("host")));
        return Event::fromWire(log.at(log.size() - 2))->id();
    }

    static bool accepted(const QJsonObject &reply) { return reply.contains(QStringLiteral("result")); }

    [[nodiscard]] int indexOf(EventType type, int occurrence = 0) const
    {
        for (int i = 0; i < genuine.size(); ++i) {
            if (Event::fromWire(genuine.at(i))->type() == type && occurrence-- == 0)
                return i;
        }
        qFatal("no %s in the log", qPrintable(protocol::typeName(type)));
    }

    [[nodiscard]] QJsonObject contentAt(int index) const { return Event::fromWire(genuine.at(index))->content(); }

    // Also read on 3 threads 2 entries at a time (chunk boundaries everywhere), and checked one
    // entry at a time as a client does on arrival (ledger::LogVerifier): the same problems.
    [[nodiscard]] ledger::VerificationReport verify(const QList<QByteArray> &log) const
    {
        ledger::VerificationReport report = ledger::verifyMeetingLog(log, *schemas, f->relayKey.address());
        const ledger::VerificationReport chunked = ledger::verifyMeetingLog(log, *schemas, f->relayKey.address(), {}, {3, {}, {}, 2});
        if (chunked.problems != report.problems || chunked.ids != report.ids || chunked.readable.size() != report.readable.size())
            QTest::qFail(qPrintable(QStringLiteral("read in chunks on 3 threads, the log gave another report: ") + chunked.problems.join(QStringLiteral("; "))),
                         __FILE__, __LINE__);
        ledger::LogVerifier onArrival(f->relayKey.address());
        QStringList problems;
        for (qsizetype index = 0; index < log.size(); ++index) {
            for (const QString &problem : onArrival.check(log.at(index), *schemas))
                problems.append(QStringLiteral("entry %1: %2").arg(index).arg(problem));
        }
        problems += onArrival.problemsAtEnd();
        if (problems.mid(0, 50) != report.problems || onArrival.ended() != report.ended // the report keeps the first 50
            || onArrival.entries() != report.entries || onArrival.meeting() != report.meeting)
            QTest::qFail(qPrintable(QStringLiteral("checked entry by entry, the log gave other problems: ") + problems.join(QStringLiteral("; "))),
                         __FILE__, __LINE__);
        return report;
    }

    void expectProblem(const QList<QByteArray> &log, const QString &expected) const
    {
        const ledger::VerificationReport report = verify(log);
        QVERIFY(!report.ok());
        QVERIFY2(report.problems.join(QLatin1Char('\n')).contains(expected), qPrintable(report.problems.join(QLatin1Char('\n'))));
    }

private Q_SLOTS:
    void initTestCase()
    {
        schemas = *protocol::SchemaValidator::load();
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        test::Member &host = m(QStringLiteral("host"));
        QVERIFY(accepted(f->start(host)));
        QVERIFY(accepted(f->join(m(QStringLiteral("alice")))));
        QVERIFY(accepted(f->join(m(QStringLiteral("bob")))));
        QVERIFY(accepted(f->submit(m(QStringLiteral("alice")), EventType::Comment, {{QStringLiteral("text"), QStringLiteral("CT: T3 N0.")}})));
        const QByteArray commentId = lastEventId();
        QVERIFY(accepted(f->submit(m(QStringLiteral("bob")), EventType::Comment, {{QStringLiteral("text"), QStringLiteral("MRI?")}})));
        // The reply refs alice's comment, not the entry before it, so some acknowledgements stay leaves.
        QVERIFY(accepted(f->submit(m(QStringLiteral("bob")), EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed.")}}, commentId)));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        QVERIFY(accepted(f->submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                           {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                           {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}})));
        const QByteArray pollId = lastEventId();
        for (const QString &voter : {QStringLiteral("alice"), QStringLiteral("bob")})
            QVERIFY(accepted(f->submit(m(voter), EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}}, pollId)));
        QVERIFY(accepted(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId)));
        QVERIFY(accepted(f->submit(host, EventType::End, {})));
        genuine = f->log(host);
    }

    void relayLogVerifies()
    {
        const ledger::VerificationReport report = verify(genuine);
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        QVERIFY(report.ended);
        QCOMPARE(report.entries, genuine.size());
        // The relay's lists are what the verifier recomputes: the second join's ack lists both.
        QCOMPARE(contentAt(indexOf(EventType::JoinAck, 1)).value(QStringLiteral("joins")).toArray().size(), 2);
        QCOMPARE(contentAt(indexOf(EventType::PollEndAck)).value(QStringLiteral("votes")).toArray().size(), 2);
        QVERIFY(contentAt(indexOf(EventType::AckEnd)).value(QStringLiteral("leaves")).toArray().size() > 1);
        // Every entry's id and every entry read, in log order.
        QCOMPARE(report.ids.size(), genuine.size());
        QCOMPARE(report.readable.size(), genuine.size());
        QCOMPARE(report.ids.constLast(), Event::fromWire(genuine.constLast())->id());
    }

    // Progress is told after each chunk, rising, ending at the whole log.
    void progressRisesToTheWholeLog()
    {
        QList<QPair<qint64, qint64>> heard;
        const auto report = ledger::verifyMeetingLog(genuine, *schemas, f->relayKey.address(), {},
                                                     {2, [&](qint64 checked, qint64 total) { heard.append({checked, total}); }, {}, 5});
        QVERIFY(report.ok());
        QCOMPARE(heard.size(), (genuine.size() + 4) / 5); // one per chunk of 5 but the first, and the end
        for (qsizetype i = 0; i < heard.size(); ++i) {
            QCOMPARE(heard.at(i).second, genuine.size());
            QVERIFY(i == 0 || heard.at(i).first > heard.at(i - 1).first);
        }
        QCOMPARE(heard.constLast().first, genuine.size());
    }

    // A cancelled check stops at the next chunk and says so: nothing after it counts as checked.
    void cancelStopsAtTheNextChunk()
    {
        QVERIFY(genuine.size() > 10);
        int asked = 0; // asked before the first chunk (no), then before the second (yes)
        const auto report = ledger::verifyMeetingLog(genuine, *schemas, f->relayKey.address(), {}, {1, {}, [&] { return ++asked > 1; }, 5});
        QCOMPARE(asked, 2);
        QVERIFY(report.cancelled);
        QCOMPARE(report.ids.size(), 5);
        QVERIFY(!report.ended);
        const auto whole = ledger::verifyMeetingLog(genuine, *schemas, f->relayKey.address(), {}, {1, {}, [] { return false; }, 5});
        QVERIFY(!whole.cancelled);
        QVERIFY(whole.ok());
    }

    // The forging helper itself is right: with the true lists, a re-signed acknowledgement verifies.
    void reSignedTruthVerifies()
    {
        for (const EventType type : {EventType::JoinAck, EventType::PollEndAck, EventType::AckEnd}) {
            const int at = indexOf(type, type == EventType::JoinAck ? 1 : 0);
            QJsonObject lists = contentAt(at);
            lists.remove(QStringLiteral("seq"));
            lists.remove(QStringLiteral("tree"));
            QList<QByteArray> log = genuine.mid(0, at);
            log.append(f->relaySigned(log, type, lists));
            const ledger::VerificationReport report = verify(log);
            QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        }
    }

    void pollEndAckLeavingOutAVote()
    {
        const int at = indexOf(EventType::PollEndAck);
        QList<QByteArray> log = genuine.mid(0, at);
        const QJsonArray votes = contentAt(at).value(QStringLiteral("votes")).toArray();
        log.append(f->relaySigned(log, EventType::PollEndAck, {{QStringLiteral("votes"), QJsonArray{votes.at(1)}}}));
        expectProblem(log, QStringLiteral("pollEndAck does not list the poll's 2 votes"));
    }

    // A pollEndAck that lists a vote twice: the verifier says so, and a client's tally still
    // counts that vote once.
    void voteListedTwice()
    {
        const int at = indexOf(EventType::PollEndAck);
        QList<QByteArray> log = genuine.mid(0, at);
        const QJsonArray votes = contentAt(at).value(QStringLiteral("votes")).toArray();
        log.append(f->relaySigned(log, EventType::PollEndAck, {{QStringLiteral("votes"), QJsonArray{votes.at(0), votes.at(0), votes.at(1)}}}));
        expectProblem(log, QStringLiteral("pollEndAck does not list the poll's 2 votes"));
        QList<Event> events;
        for (const QByteArray &entry : log)
            events.append(*Event::fromWire(entry));
        const auto tally = client::tallyPoll(events, *Event::fromWire(genuine.at(indexOf(EventType::PollEnd)))->ref());
        QVERIFY(tally && tally->ended);
        QCOMPARE(tally->counted.size(), 2);
        QCOMPARE(tally->invalid, 2); // the test's votes are not real ciphertexts
    }

    void joinAckLeavingOutAJoin()
    {
        const int at = indexOf(EventType::JoinAck, 1);
        QList<QByteArray> log = genuine.mid(0, at);
        const QJsonObject lists = contentAt(at);
        log.append(f->relaySigned(log, EventType::JoinAck, {{QStringLiteral("start"), lists.value(QStringLiteral("start"))},
                                                         {QStringLiteral("joins"), QJsonArray{lists.value(QStringLiteral("joins")).toArray().at(1)}}}));
        expectProblem(log, QStringLiteral("joinAck does not list the start and the 2 joins so far"));
    }

    void ackEndLeavingOutALeaf()
    {
        const int at = indexOf(EventType::AckEnd);
        QList<QByteArray> log = genuine.mid(0, at);
        QJsonArray leaves = contentAt(at).value(QStringLiteral("leaves")).toArray();
        const qsizetype all = leaves.size();
        leaves.removeAt(0);
        log.append(f->relaySigned(log, EventType::AckEnd, {{QStringLiteral("leaves"), leaves}}));
        expectProblem(log, QStringLiteral("ackEnd does not list the %1 entries nothing refs").arg(all));
    }

    void refToNothing()
    {
        const int at = indexOf(EventType::Vote);
        QList<QByteArray> log = genuine.mid(0, at);
        const auto dangling = m(QStringLiteral("alice")).participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("hm")}},
                                                                                 QByteArray(32, '\x42'), f->now);
        QVERIFY(dangling);
        log.append(dangling->wireBytes());
        log.append(f->relaySigned(log, EventType::Ack, {}));
        expectProblem(log, QStringLiteral("which is no earlier entry"));
    }

    void entryAfterTheEnd()
    {
        QList<QByteArray> log = genuine;
        const auto late = m(QStringLiteral("alice")).participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("late")}},
                                                                             Event::fromWire(genuine.constLast())->id(), f->now);
        QVERIFY(late);
        log.append(late->wireBytes());
        log.append(f->relaySigned(log, EventType::Ack, {}));
        expectProblem(log, QStringLiteral("comment after the meeting's ackEnd"));
    }

    // A relay that answers a pollEnd with a plain ack, so no count is ever published.
    void pollEndAnsweredByAPlainAck()
    {
        QList<QByteArray> log = genuine.mid(0, indexOf(EventType::PollEndAck));
        log.append(f->relaySigned(log, EventType::Ack, {}));
        expectProblem(log, QStringLiteral("a pollEnd is acknowledged by a pollEndAck, not a ack"));
    }

    // A vote the relay moved after the poll's end (where no count includes it), and a second vote.
    void votesOutOfPlace()
    {
        QList<QByteArray> afterTheEnd = genuine.mid(0, indexOf(EventType::PollEndAck) + 1);
        const QByteArray pollId = *Event::fromWire(genuine.at(indexOf(EventType::PollEnd)))->ref();
        const auto hostVote = m(QStringLiteral("host")).participant->makeEvent(EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x06'))}},
                                                                               pollId, f->now);
        afterTheEnd.append(hostVote->wireBytes());
        afterTheEnd.append(f->relaySigned(afterTheEnd, EventType::Ack, {}));
        expectProblem(afterTheEnd, QStringLiteral("vote on a poll that had ended"));

        QList<QByteArray> twice = genuine.mid(0, indexOf(EventType::Vote) + 2);
        const auto again = m(QStringLiteral("alice")).participant->makeEvent(EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x07'))}},
                                                                             pollId, f->now);
        twice.append(again->wireBytes());
        twice.append(f->relaySigned(twice, EventType::Ack, {}));
        expectProblem(twice, QStringLiteral("second vote by %1 in one poll").arg(m(QStringLiteral("alice")).key.address().toChecksumHex()));
    }

    void hostOnlyEventByAParticipant()
    {
        QList<QByteArray> log = genuine.mid(0, indexOf(EventType::Vote));
        const auto discussion = m(QStringLiteral("alice")).participant->makeEvent(EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}},
                                                                                  Event::fromWire(log.constLast())->id(), f->now);
        log.append(discussion->wireBytes());
        log.append(f->relaySigned(log, EventType::Ack, {}));
        expectProblem(log, QStringLiteral("discussion by %1, who is not the host").arg(m(QStringLiteral("alice")).key.address().toChecksumHex()));
    }

    // Every event is acknowledged before the next one, and the last one too.
    void eventsWithoutAcknowledgement()
    {
        const int comment = indexOf(EventType::Comment);
        QList<QByteArray> log = genuine.mid(0, comment + 1); // alice's comment, not its ack
        expectProblem(log, QStringLiteral("the last comment was never acknowledged"));
        log.append(genuine.at(comment + 2)); // bob's comment
        expectProblem(log, QStringLiteral("the comment before it was never acknowledged"));
    }

    // An unreadable entry is reported once, with a note that the checks depending on it stop,
    // instead of a problem for every later tree head, ref and list.
    void unreadableEntryReportedOnce()
    {
        for (const EventType type : {EventType::Reply, EventType::JoinAck, EventType::Join}) {
            QList<QByteArray> log = genuine;
            log[indexOf(type)] = "{\"not\":\"an event\"}";
            const ledger::VerificationReport report = verify(log);
            QVERIFY(!report.ok());
            QVERIFY2(report.problems.size() == 2, qPrintable(report.problems.join(QLatin1Char('\n'))));
            QVERIFY(report.problems.at(1).contains(QStringLiteral("not checked from here on")));
        }
    }

    // An event appended to prefix, signed by author's session key, with the relay's acknowledgement.
    [[nodiscard]] QList<QByteArray> withEvent(QList<QByteArray> prefix, test::Member &author, EventType type, const QJsonObject &content,
                                              std::optional<QByteArray> ref = std::nullopt, qint64 ts = 0) const
    {
        const qint64 when = ts ? ts : f->now;
        const auto event = author.participant->makeEvent(type, content, ref.value_or(Event::fromWire(prefix.constLast())->id()), when);
        if (!event)
            qFatal("cannot make the event");
        prefix.append(event->wireBytes());
        prefix.append(f->relaySigned(prefix, protocol::acknowledgementType(type), {}, when));
        return prefix;
    }

    // An image is shown under the discussion of its own patient; a relay that let one through
    // under anything else (another patient's discussion, a comment) signed something this catches.
    void imageOutsideItsPatientsDiscussion()
    {
        test::Member &host = m(QStringLiteral("host"));
        const QJsonObject image{{QStringLiteral("patient"), QStringLiteral("P-001")},
                                {QStringLiteral("sha256"), hex::encode(QByteArray(32, '\x11'))},
                                {QStringLiteral("size"), 1234},
                                {QStringLiteral("mediaType"), QStringLiteral("image/png")}};
        QList<QByteArray> prefix = withEvent(genuine.mid(0, indexOf(EventType::Vote)), host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}});
        const QByteArray discussion = Event::fromWire(prefix.at(prefix.size() - 2))->id();
        QVERIFY(verify(withEvent(prefix, host, EventType::Image, image, discussion)).ok());
        expectProblem(withEvent(prefix, host, EventType::Image, image), QStringLiteral("image does not ref the discussion of its patient"));
        QJsonObject otherPatient = image;
        otherPatient.insert(QStringLiteral("patient"), QStringLiteral("P-002"));
        expectProblem(withEvent(prefix, host, EventType::Image, otherPatient, discussion), QStringLiteral("image does not ref the discussion of its patient"));
        // And only the host shows images.
        expectProblem(withEvent(prefix, m(QStringLiteral("alice")), EventType::Image, image, discussion), QStringLiteral("who is not the host"));
    }

    // After a leave, nothing more by that member until they join again.
    void eventAfterLeaving()
    {
        const QByteArray pollId = *Event::fromWire(genuine.at(indexOf(EventType::Vote)))->ref();
        QList<QByteArray> log = withEvent(genuine.mid(0, indexOf(EventType::Vote)), m(QStringLiteral("alice")), EventType::Leave, {});
        QVERIFY(verify(log).ok());
        log = withEvent(log, m(QStringLiteral("alice")), EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}}, pollId);
        expectProblem(log, QStringLiteral("vote by %1, who has not joined (or has left)").arg(m(QStringLiteral("alice")).key.address().toChecksumHex()));
    }

    // An end with a poll still open: that poll's votes would never be counted.
    void endWithAPollOpen()
    {
        const QList<QByteArray> log = withEvent(genuine.mid(0, indexOf(EventType::Vote)), m(QStringLiteral("host")), EventType::End, {});
        expectProblem(log, QStringLiteral("end while poll"));
    }

    // Someone not on the roster, with a valid join of their own.
    void joinByAnOutsider()
    {
        const crypto::PrivateKey outsiderKey = *crypto::PrivateKey::generate();
        client::Participant outsider(outsiderKey, f->meeting, f->relayKey.address());
        QList<QByteArray> log = genuine.mid(0, indexOf(EventType::Vote));
        const auto join = outsider.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *outsider.newSession(f->now)}}, Event::fromWire(log.constFirst())->id(), f->now);
        QVERIFY(join);
        log.append(join->wireBytes());
        expectProblem(log, QStringLiteral("join by %1, who is not on the meeting's roster").arg(outsiderKey.address().toChecksumHex()));
    }

    // A join that presents a session key delegated before in the meeting (alice's, by bob).
    void sessionKeyUsedTwice()
    {
        QList<QByteArray> log = genuine.mid(0, indexOf(EventType::Vote));
        test::Member &bob = m(QStringLiteral("bob"));
        const auto delegation = protocol::Delegation::create(bob.key, m(QStringLiteral("alice")).participant->sessionKey()->address(), f->meeting,
                                                             f->relayKey.address(), f->now + 3'600'000);
        auto join = Event::create({EventType::Join, f->meeting, bob.key.address(), Event::fromWire(log.constFirst())->id(), f->now,
                                   {{QStringLiteral("delegation"), delegation->toJson()}}});
        QVERIFY(join && join->sign(bob.key));
        log.append(join->wireBytes());
        expectProblem(log, QStringLiteral("join reuses session key"));
    }

    // The acknowledgement's ts is the relay's clock at acceptance: within 10 s of the event's,
    // and before the author's session key expired.
    void acknowledgedOutOfTime()
    {
        const QList<QByteArray> prefix = genuine.mid(0, indexOf(EventType::Vote));
        test::Member &alice = m(QStringLiteral("alice"));
        QList<QByteArray> late = prefix;
        const auto comment = alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("held back")}},
                                                          Event::fromWire(prefix.constLast())->id(), f->now);
        late.append(comment->wireBytes());
        late.append(f->relaySigned(late, EventType::Ack, {}, f->now + 20'000));
        expectProblem(late, QStringLiteral("acknowledged 20000 ms from the event's ts"));
        // The fixture's delegations last 12 hours.
        const QList<QByteArray> expired = withEvent(prefix, alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("too late")}}, std::nullopt,
                                                    f->now + 13 * 3'600'000);
        expectProblem(expired, QStringLiteral("acknowledged after the comment's session key expired"));
    }

    // A start or join's delegation must be valid when the relay accepted it (the ack's ts), not
    // at the event's own ts: a member's clock may be seconds ahead or behind.
    void delegationJudgedAtTheRelaysClock()
    {
        test::RelayFixture other;
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice")})
            other.login(other.addMember(name));
        other.createMeeting(other.member(QStringLiteral("host")), {QStringLiteral("alice")});
        other.prepareParticipants(other.meeting, {QStringLiteral("host")});
        QVERIFY(accepted(other.start(other.member(QStringLiteral("host")))));
        test::Member &alice = other.member(QStringLiteral("alice"));
        const QByteArray startId = Event::fromWire(other.log(alice).constFirst())->id();
        const auto joinWith = [&](qint64 ts, qint64 expires) {
            const crypto::PrivateKey session = *crypto::PrivateKey::generate();
            const auto delegation = protocol::Delegation::create(alice.key, session.address(), other.meeting, other.relayKey.address(), expires);
            auto join = Event::create({EventType::Join, other.meeting, alice.key.address(), startId, ts, {{QStringLiteral("delegation"), delegation->toJson()}}});
            if (!join || !join->sign(alice.key))
                qFatal("cannot make the join");
            return join->wireBytes();
        };
        // alice's clock 5 s ahead, a delegation that runs out 3 s after the relay's now: the relay accepts it.
        QVERIFY(accepted(other.submitBytes(alice, joinWith(other.now + 5'000, other.now + 3'000), QStringLiteral("4711"))));
        const QList<QByteArray> log = other.log(alice);
        const ledger::VerificationReport report = ledger::verifyMeetingLog(log, *schemas, other.relayKey.address());
        QVERIFY2(report.ok(), qPrintable(report.problems.join(QLatin1Char('\n'))));
        // A clock 5 s behind and a delegation gone 2 s before the relay's now: a true relay refuses
        // it, and a log where it was acknowledged anyway does not verify.
        QList<QByteArray> forged = log.mid(0, 2);
        forged.append(joinWith(other.now - 5'000, other.now - 2'000));
        ledger::MerkleLog merkle;
        for (const QByteArray &entry : forged)
            merkle.append(Event::fromWire(entry)->id());
        auto ack = Event::create({EventType::JoinAck, other.meeting, other.relayKey.address(), Event::fromWire(forged.constLast())->id(), other.now,
                                  {{QStringLiteral("seq"), 2}, {QStringLiteral("tree"), ledger::TreeHead{merkle.size(), merkle.root()}.toJson()},
                                   {QStringLiteral("start"), hex::encode(startId)},
                                   {QStringLiteral("joins"), QJsonArray{hex::encode(Event::fromWire(forged.constLast())->id())}}}});
        QVERIFY(ack && ack->sign(other.relayKey));
        forged.append(ack->wireBytes());
        const ledger::VerificationReport late = ledger::verifyMeetingLog(forged, *schemas, other.relayKey.address());
        QVERIFY2(late.problems.join(QLatin1Char('\n')).contains(QStringLiteral("acknowledged after the join's session key expired")),
                 qPrintable(late.problems.join(QLatin1Char('\n'))));
    }

    // A meeting starts once: a second start, even by someone it puts on its own roster, is no
    // way to become the host.
    void secondStart()
    {
        const crypto::PrivateKey outsiderKey = *crypto::PrivateKey::generate();
        client::Participant outsider(outsiderKey, f->meeting, f->relayKey.address());
        QList<QByteArray> log = genuine.mid(0, indexOf(EventType::Vote));
        QJsonObject content = Event::fromWire(genuine.constFirst())->content();
        content.insert(QStringLiteral("roster"), QJsonArray{outsiderKey.address().toLowerHex()});
        content.insert(QStringLiteral("delegation"), *outsider.newSession(f->now));
        const auto start = outsider.makeEvent(EventType::Start, content, std::nullopt, f->now);
        QVERIFY(start);
        log.append(start->wireBytes());
        log.append(f->relaySigned(log, EventType::Ack, {}));
        expectProblem(log, QStringLiteral("a second start"));
    }

    // Legitimate logs the rules must not refuse: a member who leaves and joins again, a poll
    // nobody votes in, two polls with their votes interleaved.
    void unusualButHonestMeetingVerifies()
    {
        test::RelayFixture other;
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            other.login(other.addMember(name));
        other.createMeeting(other.member(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        other.prepareParticipants(other.meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        test::Member &host = other.member(QStringLiteral("host"));
        test::Member &alice = other.member(QStringLiteral("alice"));
        test::Member &bob = other.member(QStringLiteral("bob"));
        QVERIFY(accepted(other.start(host)));
        QVERIFY(accepted(other.join(alice)));
        QVERIFY(accepted(other.join(bob)));
        QVERIFY(accepted(other.submit(alice, EventType::Leave, {})));
        QVERIFY(accepted(other.join(alice)));
        const crypto::PrivateKey firstKey = *crypto::PrivateKey::generate();
        const crypto::PrivateKey secondKey = *crypto::PrivateKey::generate();
        const crypto::PrivateKey emptyKey = *crypto::PrivateKey::generate();
        QList<QByteArray> polls;
        for (const crypto::PrivateKey *voting : {&firstKey, &secondKey, &emptyKey}) {
            QVERIFY(accepted(other.submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                                  {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                                  {QStringLiteral("votingKey"), hex::encode(voting->publicKey().compressed())}})));
            const QList<QByteArray> log = other.log(host);
            polls.append(Event::fromWire(log.at(log.size() - 2))->id());
        }
        const QJsonObject ciphertext{{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}};
        QVERIFY(accepted(other.submit(alice, EventType::Vote, ciphertext, polls.at(1))));
        QVERIFY(accepted(other.submit(bob, EventType::Vote, ciphertext, polls.at(0))));
        QVERIFY(accepted(other.submit(bob, EventType::Vote, ciphertext, polls.at(1))));
        QVERIFY(accepted(other.submit(alice, EventType::Vote, ciphertext, polls.at(0))));
        for (int i : {1, 2, 0}) {
            const crypto::PrivateKey &voting = i == 0 ? firstKey : (i == 1 ? secondKey : emptyKey);
            QVERIFY(accepted(other.submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, polls.at(i))));
        }
        QVERIFY(accepted(other.submit(host, EventType::End, {})));
        const QList<QByteArray> log = other.log(host);
        const ledger::VerificationReport report = ledger::verifyMeetingLog(log, *schemas, other.relayKey.address());
        QVERIFY2(report.ok() && report.ended, qPrintable(report.problems.join(QLatin1Char('\n'))));
        QCOMPARE(report.events, 16);
    }

    void droppedEntries()
    {
        QList<QByteArray> log = genuine;
        const int at = indexOf(EventType::Comment, 1);
        log.remove(at, 2); // bob's comment and its acknowledgement
        expectProblem(log, QStringLiteral("tree head does not match"));
    }
};

QTEST_GUILESS_MAIN(TestMeetingVerifier)
#include "test_meeting_verifier.moc"
