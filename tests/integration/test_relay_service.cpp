// The events protocol and meeting management as the relay enforces them: RelayService on a real
// SQLite file, driven message by message (the WebSocket layer is tested in test_relay_server).

#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "ledger/meeting_verifier.h"
#include "ledger/merkle_log.h"
#include "protocol/canonical_json.h"
#include "protocol/delegation.h"
#include "protocol/login.h"
#include "relay/core/meeting_engine.h"
#include "test_support.h"
#include "support/relay_fixture.h"

#include <QJsonArray>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QTest>
#include <functional>

using namespace cmeet;
using protocol::Event;
using protocol::EventType;
using test::errorCode;

namespace {

QJsonObject resultOf(const QJsonObject &reply) { return reply.value(QStringLiteral("result")).toObject(); }

Event ackOf(const QJsonObject &reply)
{
    return *Event::fromWire(resultOf(reply).value(QStringLiteral("ack")).toString().toUtf8());
}

QByteArray idOf(const QJsonObject &reply) { return ackOf(reply).ref().value_or(QByteArray()); }

} // namespace

class TestRelayService : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::RelayFixture> f;

    // host, alice, bob on the roster; carol on staff but not on the roster; started, alice and bob joined.
    void startedMeeting(bool joinBob = true)
    {
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")})
            f->login(f->addMember(name));
        f->createMeeting(f->member(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")});
        QVERIFY(f->start(f->member(QStringLiteral("host"))).contains(QStringLiteral("result")));
        QVERIFY(f->join(f->member(QStringLiteral("alice"))).contains(QStringLiteral("result")));
        if (joinBob)
            QVERIFY(f->join(f->member(QStringLiteral("bob"))).contains(QStringLiteral("result")));
    }

    test::Member &m(const QString &name) { return f->member(name); }

    // The host opens a yes/no poll whose votes are encrypted to voting; its id.
    QByteArray openPoll(const crypto::PrivateKey &voting)
    {
        return idOf(f->submit(m(QStringLiteral("host")), EventType::Poll,
                              {{QStringLiteral("question"), QStringLiteral("Operate?")},
                               {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                               {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}}));
    }

    // After a refused batch the meeting goes on where its stored log ended.
    void expectMeetingGoesOn(test::Member &author, const QList<QByteArray> &storedLog)
    {
        const QJsonObject next = f->submit(author, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("after the failure")}});
        QVERIFY2(next.contains(QStringLiteral("result")), QJsonDocument(next).toJson().constData());
        QCOMPARE(resultOf(next).value(QStringLiteral("index")).toInteger(), storedLog.size());
        QCOMPARE(ackOf(next).content().value(QStringLiteral("seq")).toInteger(), storedLog.size() / 2 + 1);
        QCOMPARE(f->log(author).size(), storedLog.size() + 2);
    }

    // Rejection: the code, an ackError signed by the relay, and nothing stored.
    void expectRejected(const QJsonObject &reply, const QString &code)
    {
        QCOMPARE(errorCode(reply), code);
        QVERIFY(!reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString().isEmpty());
        if (reply.contains(QStringLiteral("ackError"))) {
            auto ackError = Event::fromWire(reply.value(QStringLiteral("ackError")).toString().toUtf8());
            QVERIFY(ackError);
            QCOMPARE(ackError->type(), EventType::AckError);
            QVERIFY(ackError->verifySignedBy(f->service->address()));
            QCOMPARE(ackError->content().value(QStringLiteral("code")).toString(), code);
        }
    }

    // A refusal that changes nothing anyone can see: the same stored log, no broadcast to anyone.
    void expectRefused(const std::function<QJsonObject()> &send, const QString &code)
    {
        test::Member &reader = m(QStringLiteral("host"));
        const QList<QByteArray> logBefore = f->log(reader);
        QList<qsizetype> heardBefore;
        for (const auto &member : f->members)
            heardBefore.append(member->received.size());
        expectRejected(send(), code);
        QCOMPARE(f->log(reader), logBefore);
        for (qsizetype i = 0; i < heardBefore.size(); ++i)
            QCOMPARE(f->members.at(i)->received.size(), heardBefore.at(i));
    }

private Q_SLOTS:
    void fullMeetingEveryType()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        test::Member &bob = m(QStringLiteral("bob"));

        QVERIFY(f->submit(host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}).contains(QStringLiteral("result")));
        const QJsonObject comment = f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("CT: T3 N0.")}, {QStringLiteral("patient"), QStringLiteral("P-001")}});
        QVERIFY(comment.contains(QStringLiteral("result")));
        QVERIFY(f->submit(bob, EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed.")}}, idOf(comment)).contains(QStringLiteral("result")));
        QVERIFY(f->submit(bob, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("Staging is old.")}}, idOf(comment)).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                                                               {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Surgery")}})
                    .contains(QStringLiteral("result")));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = openPoll(voting);
        QList<QByteArray> voteIds;
        for (test::Member *voter : {&alice, &bob}) {
            const QByteArray ciphertext = *crypto::ecies::encrypt(voting.publicKey(), "{\"option\":0}", QByteArray(pollId + voter->key.address().bytes()));
            const QJsonObject vote = f->submit(*voter, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(ciphertext)}}, pollId);
            QVERIFY2(vote.contains(QStringLiteral("result")), QJsonDocument(vote).toJson().constData());
            voteIds.append(idOf(vote));
        }
        const QJsonObject pollEnd = f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId);
        const Event pollEndAck = ackOf(pollEnd);
        QCOMPARE(pollEndAck.type(), EventType::PollEndAck);
        QStringList counted;
        for (const QJsonValue &id : pollEndAck.content().value(QStringLiteral("votes")).toArray())
            counted.append(id.toString());
        QCOMPARE(counted, (QStringList{hex::encode(voteIds.at(0)), hex::encode(voteIds.at(1))}));
        QVERIFY(f->submit(bob, EventType::Leave, {}).contains(QStringLiteral("result")));
        const QJsonObject end = f->submit(host, EventType::End, {});
        const Event ackEnd = ackOf(end);
        QCOMPARE(ackEnd.type(), EventType::AckEnd);
        QVERIFY(!ackEnd.content().value(QStringLiteral("leaves")).toArray().isEmpty());

        // The patient data change reached the meeting's patient data.
        const QJsonObject data = resultOf(f->request(alice, QStringLiteral("meeting.patientData"), {{QStringLiteral("id"), f->meeting}}));
        QCOMPARE(data.value(QStringLiteral("P-001")).toObject().value(QStringLiteral("data")).toObject().value(QStringLiteral("mdtOutcome")).toString(),
                 QStringLiteral("Surgery"));

        // The stored log: every entry canonical; each ack signed by the relay, refs the entry before
        // it, seq 1, 2, 3..., and its tree head is the RFC 6962 root over everything before it.
        const QList<QByteArray> log = f->log(alice);
        ledger::MerkleLog merkle;
        qint64 seq = 0;
        QSet<QString> types;
        for (qsizetype i = 0; i < log.size(); ++i) {
            auto entry = Event::fromWire(log.at(i));
            QVERIFY(entry);
            types.insert(protocol::typeName(entry->type()));
            if (protocol::isRelayAcknowledgement(entry->type())) {
                QVERIFY(entry->verifySignedBy(f->service->address()));
                QCOMPARE(*entry->ref(), Event::fromWire(log.at(i - 1))->id());
                QCOMPARE(entry->content().value(QStringLiteral("seq")).toInteger(), ++seq);
                const QJsonObject tree = entry->content().value(QStringLiteral("tree")).toObject();
                QCOMPARE(tree.value(QStringLiteral("size")).toInteger(), merkle.size());
                QCOMPARE(tree.value(QStringLiteral("root")).toString(), hex::encode(merkle.root()));
            }
            merkle.append(entry->id());
        }
        QCOMPARE(types.size(), 16); // every type but ackError, which is never stored
        QCOMPARE(log.size(), 2 * 14);
        // The acknowledgements' lists are what an auditor recomputes from the log.
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(log, *protocol::SchemaValidator::load().value(), f->service->address());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
        const Event lastJoinAck = *Event::fromWire(log.at(5)); // start, ack, join, joinAck, join, joinAck
        QCOMPARE(lastJoinAck.type(), EventType::JoinAck);
        QCOMPARE(lastJoinAck.content().value(QStringLiteral("start")).toString(), hex::encode(Event::fromWire(log.at(0))->id()));
        QCOMPARE(lastJoinAck.content().value(QStringLiteral("joins")).toArray(),
                 (QJsonArray{hex::encode(Event::fromWire(log.at(2))->id()), hex::encode(Event::fromWire(log.at(4))->id())}));

        // Everyone subscribed saw the same entries in the same order as the stored log.
        for (test::Member *member : {&host, &alice}) {
            QList<QByteArray> seen;
            for (const QByteArray &message : member->received) {
                const QJsonObject broadcast = QJsonDocument::fromJson(message).object();
                seen.append(broadcast.value(QStringLiteral("event")).toString().toUtf8());
            }
            QCOMPARE(seen, log.mid(log.size() - seen.size()));
            QVERIFY(seen.size() >= log.size() - 2); // the host saw its own start and everything since
        }
        const QStringList statuses = {resultOf(f->request(host, QStringLiteral("meeting.get"), {{QStringLiteral("id"), f->meeting}}))
                                          .value(QStringLiteral("status"))
                                          .toString()};
        QCOMPARE(statuses, QStringList{QStringLiteral("ended")});
    }
    // Every rule, each with its code, an ackError and nothing changed: after all of them the
    // log is exactly as before and a valid event is still accepted.
    void rejections()
    {
        startedMeeting(false);
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        test::Member &bob = m(QStringLiteral("bob"));
        test::Member &carol = m(QStringLiteral("carol"));
        const QList<QByteArray> before = f->log(alice);
        const qsizetype receivedBefore = alice.received.size();
        const QByteArray startId = Event::fromWire(before.constFirst())->id();

        const QJsonObject comment{{QStringLiteral("text"), QStringLiteral("Hello")}};
        const auto valid = alice.participant->makeEvent(EventType::Comment, comment, f->lastId(alice), f->now);
        QVERIFY(valid);
        const QJsonObject validJson = valid->toJson();
        const auto resignedWith = [&](QJsonObject body, const crypto::PrivateKey &key) {
            body.remove(QStringLiteral("sig"));
            Event::Fields fields{*protocol::typeFromName(body.value(QStringLiteral("type")).toString()), body.value(QStringLiteral("meeting")).toString(),
                                 *crypto::Address::fromHex(body.value(QStringLiteral("by")).toString()),
                                 body.contains(QStringLiteral("ref")) ? hex::decode(body.value(QStringLiteral("ref")).toString()) : std::nullopt,
                                 body.value(QStringLiteral("ts")).toInteger(), body.value(QStringLiteral("content")).toObject()};
            auto event = Event::create(fields);
            (void)event->sign(key);
            return event->wireBytes();
        };

        // Malformed and non-canonical bytes.
        expectRefused([&] { return f->submitBytes(alice, "{not json"); }, QStringLiteral("malformed_json"));
        expectRefused([&] { return f->submitBytes(alice, QJsonDocument(validJson).toJson()); }, QStringLiteral("non_canonical"));
        // Schema: an empty comment.
        QJsonObject emptyText = validJson;
        emptyText.insert(QStringLiteral("content"), QJsonObject{{QStringLiteral("text"), QString()}});
        expectRefused([&] { return f->submitBytes(alice, resignedWith(emptyText, *alice.participant->sessionKey())); }, QStringLiteral("schema_violation"));
        // Schema: a field the comment schema does not know, a poll with one option, a vote that is not hex.
        QJsonObject extraField = validJson;
        extraField.insert(QStringLiteral("content"), QJsonObject{{QStringLiteral("text"), QStringLiteral("Hello")}, {QStringLiteral("mood"), QStringLiteral("sunny")}});
        expectRefused([&] { return f->submitBytes(alice, resignedWith(extraField, *alice.participant->sessionKey())); }, QStringLiteral("schema_violation"));
        expectRefused([&] { return f->submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                                    {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes")}},
                                                                    {QStringLiteral("votingKey"), hex::encode(host.key.publicKey().compressed())}}); },
                      QStringLiteral("schema_violation"));
        expectRefused([&] { return f->submit(alice, EventType::Vote, {{QStringLiteral("ciphertext"), QStringLiteral("not hex at all")}}, startId); },
                      QStringLiteral("schema_violation"));
        // Unknown meeting.
        QJsonObject otherMeeting = validJson;
        otherMeeting.insert(QStringLiteral("meeting"), QStringLiteral("11111111-2222-4333-8444-555555555555"));
        expectRefused([&] { return f->submitBytes(alice, resignedWith(otherMeeting, *alice.participant->sessionKey())); }, QStringLiteral("unknown_meeting"));
        // Not on the roster: carol.
        expectRefused([&] { return f->submit(carol, EventType::Join, {{QStringLiteral("delegation"), *carol.participant->newSession(f->now)}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("not_on_roster"));
        // Not joined: bob comments before joining.
        QVERIFY(bob.participant->newSession(f->now));
        expectRefused([&] { return f->submit(bob, EventType::Comment, comment); }, QStringLiteral("not_joined"));
        // Wrong code, and the timestamp window.
        expectRefused([&] { return f->join(bob, QStringLiteral("0000")); }, QStringLiteral("wrong_attendance_code"));
        expectRefused([&] { return f->join(bob, QString()); }, QStringLiteral("missing_attendance_code"));
        const qint64 realNow = f->now;
        f->now += 10'001;
        expectRefused([&] { return f->submitBytes(alice, valid->wireBytes()); }, QStringLiteral("timestamp_out_of_range"));
        f->now = realNow - 10'001;
        expectRefused([&] { return f->submitBytes(alice, valid->wireBytes()); }, QStringLiteral("timestamp_out_of_range"));
        f->now = realNow;
        // Dangling and wrongly typed refs.
        expectRefused([&] { return f->submit(alice, EventType::Comment, comment, QByteArray(32, '\x01')); }, QStringLiteral("unknown_ref"));
        expectRefused([&] { return f->submit(alice, EventType::Reply, comment, startId); }, QStringLiteral("wrong_ref_type"));
        expectRefused([&] { return f->submit(alice, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(61, '\x02'))}}, startId); },
                      QStringLiteral("wrong_ref_type"));
        // Host-only events from a participant; acknowledgements from anyone but the relay.
        expectRefused([&] { return f->submit(alice, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}}); }, QStringLiteral("not_host"));
        expectRefused([&] { return f->submit(alice, EventType::End, {}); }, QStringLiteral("not_host"));
        expectRefused([&] { return f->submit(alice, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Operate?")},
                                                                     {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                                     {QStringLiteral("votingKey"), hex::encode(alice.key.publicKey().compressed())}}); },
                      QStringLiteral("not_host"));
        expectRefused([&] { return f->submit(alice, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("lc")},
                                                                                  {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("x")}}); },
                      QStringLiteral("not_host"));
        expectRefused([&] { return f->submit(alice, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(QByteArray(32, '\x09'))}}, startId); },
                      QStringLiteral("not_host"));
        // A pollEnd that refs no poll; a join that refs something other than the start.
        expectRefused([&] { return f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(QByteArray(32, '\x09'))}}, startId); },
                      QStringLiteral("wrong_ref_type"));
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), *bob.participant->newSession(f->now)}},
                                             Event::fromWire(before.at(1))->id(), QStringLiteral("4711")); },
                      QStringLiteral("wrong_ref_type"));
        QJsonObject fakeAck{{QStringLiteral("seq"), 99}, {QStringLiteral("tree"), QJsonObject{{QStringLiteral("size"), 1}, {QStringLiteral("root"), hex::encode(QByteArray(32, '\x03'))}}}};
        expectRefused([&] { return f->submit(alice, EventType::Ack, fakeAck); }, QStringLiteral("relay_only_type"));
        // Signed by somebody else's session key, or by the identity key instead of the session key.
        expectRefused([&] { return f->submitBytes(alice, resignedWith(validJson, *host.participant->sessionKey())); }, QStringLiteral("wrong_signer"));
        expectRefused([&] { return f->submitBytes(alice, resignedWith(validJson, alice.key)); }, QStringLiteral("wrong_signer"));
        // A high-s signature: valid ECDSA, but not the one encoding.
        QJsonObject highS = validJson;
        highS.insert(QStringLiteral("sig"), hex::encode(test::highSTwin(valid->signature()->bytes())));
        expectRefused([&] { return f->submitBytes(alice, *protocol::json::serialize(highS)); }, QStringLiteral("bad_signature"));
        // A signature whose r is zero (never valid), and one with a bit of s changed (it still
        // recovers, so it is valid, but by nobody we know).
        QJsonObject zeroR = validJson;
        zeroR.insert(QStringLiteral("sig"), hex::encode(QByteArray(QByteArray(32, '\0') + valid->signature()->bytes().mid(32))));
        expectRefused([&] { return f->submitBytes(alice, *protocol::json::serialize(zeroR)); }, QStringLiteral("bad_signature"));
        QByteArray changed = valid->signature()->bytes();
        changed[63] = static_cast<char>(changed[63] ^ 0x01);
        QJsonObject changedSig = validJson;
        changedSig.insert(QStringLiteral("sig"), hex::encode(changed));
        expectRefused([&] { return f->submitBytes(alice, *protocol::json::serialize(changedSig)); }, QStringLiteral("wrong_signer"));
        // "by" claims someone else: alice posting as the host.
        QJsonObject asHost = validJson;
        asHost.insert(QStringLiteral("by"), host.key.address().toLowerHex());
        expectRefused([&] { return f->submitBytes(alice, resignedWith(asHost, *alice.participant->sessionKey())); }, QStringLiteral("wrong_author"));
        // Patient data for a patient not on the agenda, and from a stale value.
        expectRefused([&] { return f->submit(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-999")}, {QStringLiteral("field"), QStringLiteral("lc")},
                                                                      {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("x")}}); },
                      QStringLiteral("patient_not_on_agenda"));
        expectRefused([&] { return f->submit(host, EventType::PatientDataChange, {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("lc")},
                                                                      {QStringLiteral("from"), QStringLiteral("not what it is")}, {QStringLiteral("to"), QStringLiteral("x")}}); },
                      QStringLiteral("stale_patient_data"));
        // A second start (it also replaces the host's session key in this test, so it comes last for the host).
        expectRefused([&] { return f->start(host); }, QStringLiteral("already_started"));
        // A join overwriting another member's session key: bob presents alice's session key.
        auto aliceSessionDelegation = protocol::Delegation::create(bob.key, alice.participant->sessionKey()->address(), f->meeting,
                                                                   f->service->address(), f->now + 3600000);
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), aliceSessionDelegation->toJson()}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("session_key_in_use"));
        // A delegation for another relay or meeting, or expired.
        auto otherRelay = protocol::Delegation::create(bob.key, crypto::PrivateKey::generate()->address(), f->meeting, carol.key.address(), f->now + 3600000);
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), otherRelay->toJson()}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("delegation_wrong_relay"));
        auto otherMeetingDelegation = protocol::Delegation::create(bob.key, crypto::PrivateKey::generate()->address(),
                                                                   QStringLiteral("11111111-2222-4333-8444-555555555555"), f->service->address(), f->now + 3600000);
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), otherMeetingDelegation->toJson()}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("delegation_wrong_meeting"));
        auto expired = protocol::Delegation::create(bob.key, crypto::PrivateKey::generate()->address(), f->meeting, f->service->address(), f->now - 1);
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), expired->toJson()}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("delegation_expired"));
        // A delegation signed by someone else's identity for bob's join.
        auto forged = protocol::Delegation::create(carol.key, crypto::PrivateKey::generate()->address(), f->meeting, f->service->address(), f->now + 3600000);
        expectRefused([&] { return f->submit(bob, EventType::Join, {{QStringLiteral("delegation"), forged->toJson()}}, startId, QStringLiteral("4711")); },
                      QStringLiteral("delegation_invalid"));
        // Not logged in at all.
        test::Member &stranger = f->addMember(QStringLiteral("stranger"));
        QCOMPARE(errorCode(f->request(stranger, QStringLiteral("meeting.list"))), QStringLiteral("not_authenticated"));

        // Nothing changed: same log, nothing broadcast; a duplicate of an accepted event is refused.
        QCOMPARE(f->log(alice), before);
        QCOMPARE(alice.received.size(), receivedBefore);
        const QJsonObject accepted = f->submitBytes(alice, valid->wireBytes());
        QVERIFY2(accepted.contains(QStringLiteral("result")), QJsonDocument(accepted).toJson().constData());
        QCOMPARE(resultOf(accepted).value(QStringLiteral("index")).toInteger(), before.size());
        expectRefused([&] { return f->submitBytes(alice, valid->wireBytes()); }, QStringLiteral("duplicate_event"));
    }

    // start and join: the delegation is checked before the event's own signature, and every
    // refusal names what is wrong (relay-protocol.md §5.2, steps 18-19).
    void joinSignerChecks()
    {
        startedMeeting(false);
        test::Member &bob = m(QStringLiteral("bob"));
        test::Member &carol = m(QStringLiteral("carol"));
        const QByteArray startId = Event::fromWire(f->log(bob).constFirst())->id();
        const crypto::PrivateKey stranger = *crypto::PrivateKey::generate();
        const crypto::PrivateKey session = *crypto::PrivateKey::generate();
        const auto delegation = [&](const crypto::Address &identity, const crypto::PrivateKey &signer) {
            return protocol::Delegation::create(identity, signer, session.address(), f->meeting, f->service->address(), f->now + 3'600'000)->toJson();
        };
        const auto join = [&](const QJsonObject &withDelegation, const crypto::PrivateKey &signer) {
            auto event = Event::create({EventType::Join, f->meeting, bob.key.address(), startId, f->now, {{QStringLiteral("delegation"), withDelegation}}});
            (void)event->sign(signer);
            return f->submitBytes(bob, event->wireBytes(), QStringLiteral("4711"));
        };
        const auto detail = [](const QJsonObject &reply) { return reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString(); };
        QJsonObject reply;

        // The delegation names another identity.
        expectRefused([&] { return reply = join(delegation(carol.key.address(), carol.key), bob.key); }, QStringLiteral("delegation_invalid"));
        QVERIFY2(detail(reply).contains(QStringLiteral("is for identity %1").arg(carol.key.address().toChecksumHex())), qPrintable(detail(reply)));
        // The delegation is signed by a key that is not bob's (the join by bob's own key).
        expectRefused([&] { return reply = join(delegation(bob.key.address(), stranger), bob.key); }, QStringLiteral("delegation_invalid"));
        QVERIFY2(detail(reply).contains(QStringLiteral("signed by %1, which is not a key of").arg(stranger.address().toChecksumHex())), qPrintable(detail(reply)));
        // Join and delegation both signed by the session key, the delegation naming bob.
        expectRefused([&] { return reply = join(delegation(bob.key.address(), session), session); }, QStringLiteral("delegation_invalid"));
        QVERIFY2(detail(reply).contains(QStringLiteral("signed by %1, which is not a key of").arg(session.address().toChecksumHex())), qPrintable(detail(reply)));
        // A good delegation, but the join itself signed by another key.
        expectRefused([&] { return reply = join(delegation(bob.key.address(), bob.key), stranger); }, QStringLiteral("wrong_signer"));
        QVERIFY2(detail(reply).contains(QStringLiteral("must be signed by the key that signed its delegation")), qPrintable(detail(reply)));
        QVERIFY(join(delegation(bob.key.address(), bob.key), bob.key).contains(QStringLiteral("result")));
    }

    // Request parameters are checked as documented: bad_request, never a misleading code.
    void requestParameters()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        const QList<QByteArray> before = f->log(alice);
        QJsonObject reply;
        for (const QJsonObject &params : {QJsonObject{}, QJsonObject{{QStringLiteral("event"), QJsonObject{}}}, QJsonObject{{QStringLiteral("event"), 7}}}) {
            expectRefused([&] { return reply = f->request(alice, QStringLiteral("event.submit"), params); }, QStringLiteral("bad_request"));
            QVERIFY(!reply.contains(QStringLiteral("ackError"))); // there is no event to refuse
        }
        const auto read = [&](const QJsonObject &extra) {
            QJsonObject params{{QStringLiteral("meeting"), f->meeting}};
            for (auto it = extra.begin(); it != extra.end(); ++it)
                params.insert(it.key(), it.value());
            return f->request(alice, QStringLiteral("events.get"), params);
        };
        for (const QJsonObject &bad : {QJsonObject{{QStringLiteral("limit"), 0}}, QJsonObject{{QStringLiteral("limit"), QStringLiteral("x")}},
                                       QJsonObject{{QStringLiteral("limit"), 100'001}}, QJsonObject{{QStringLiteral("limit"), 2.5}},
                                       QJsonObject{{QStringLiteral("fromIndex"), -1}}, QJsonObject{{QStringLiteral("fromIndex"), 1.5}},
                                       QJsonObject{{QStringLiteral("fromIndex"), QStringLiteral("0")}}, QJsonObject{{QStringLiteral("fromIndex"), QJsonValue::Null}}}) {
            reply = read(bad);
            QVERIFY2(errorCode(reply) == QStringLiteral("bad_request"), QJsonDocument(bad).toJson().constData());
            QVERIFY(reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString().contains(QStringLiteral("must be an integer from")));
        }
        const QJsonObject page = resultOf(read({{QStringLiteral("fromIndex"), 2}, {QStringLiteral("limit"), 3}}));
        QCOMPARE(page.value(QStringLiteral("events")).toArray().size(), 3);
        QCOMPARE(page.value(QStringLiteral("next")).toInteger(), 5);
        QCOMPARE(page.value(QStringLiteral("events")).toArray().first()[QStringLiteral("index")].toInteger(), 2);
        // A message that is JSON but not an object says so (and no parser message saying all is well).
        const relay::Outcome outcome = f->service->handle(alice.session, "[1,2]");
        const QJsonObject error = QJsonDocument::fromJson(outcome.reply).object().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("malformed_json"));
        QCOMPARE(error.value(QStringLiteral("detail")).toString(), QStringLiteral("a message is one JSON object, not an array"));
        QCOMPARE(f->log(alice), before);
    }

    // The meeting object's title, description, scheduledAt, agenda and roster go into the start
    // as they are: a description only when the meeting has one.
    void meetingObjectCopiesIntoStart()
    {
        for (const QString &description : {QString(), QStringLiteral("Tumour board, week 49")}) {
            f = std::make_unique<test::RelayFixture>();
            test::Member &host = f->addMember(QStringLiteral("host"));
            f->login(host);
            QJsonObject params{{QStringLiteral("title"), QStringLiteral("MDT")}, {QStringLiteral("scheduledAt"), f->now},
                               {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}};
            if (!description.isEmpty())
                params.insert(QStringLiteral("description"), description);
            const QJsonObject meeting = resultOf(f->request(host, QStringLiteral("meeting.create"), params));
            QCOMPARE(meeting.contains(QStringLiteral("description")), !description.isEmpty());
            QCOMPARE(meeting.value(QStringLiteral("description")).toString(), description);
            f->meeting = meeting.value(QStringLiteral("id")).toString();
            f->prepareParticipants(f->meeting, {QStringLiteral("host")});
            QJsonObject content{{QStringLiteral("delegation"), *host.participant->newSession(f->now)},
                                {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x11'))}};
            for (const QString &field : {QStringLiteral("title"), QStringLiteral("description"), QStringLiteral("scheduledAt"), QStringLiteral("agenda"), QStringLiteral("roster")}) {
                if (meeting.contains(field))
                    content.insert(field, meeting.value(field));
            }
            const QJsonObject started = f->submit(host, EventType::Start, content, std::nullopt, QStringLiteral("4711"));
            QVERIFY2(started.contains(QStringLiteral("result")), QJsonDocument(started).toJson().constData());
        }
    }

    // A member's join time is the relay's: its joinAck carries the relay's clock, whatever the
    // member's clock said (within the tolerance).
    void joinTimeIsTheRelays()
    {
        startedMeeting(false);
        test::Member &bob = m(QStringLiteral("bob"));
        const QByteArray startId = Event::fromWire(f->log(bob).constFirst())->id();
        const auto join = bob.participant->makeEvent(EventType::Join, {{QStringLiteral("delegation"), *bob.participant->newSession(f->now)}}, startId,
                                                     f->now - 4'000);
        QVERIFY(join);
        f->now += 1'500;
        const QJsonObject reply = f->submitBytes(bob, join->wireBytes(), QStringLiteral("4711"));
        QVERIFY2(reply.contains(QStringLiteral("result")), QJsonDocument(reply).toJson().constData());
        QCOMPARE(ackOf(reply).type(), EventType::JoinAck);
        QCOMPARE(ackOf(reply).ts(), f->now);
        QCOMPARE(join->ts(), f->now - 5'500);
    }

    void pollRules()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = openPoll(voting);
        const QJsonObject vote{{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}};
        QVERIFY(f->submit(alice, EventType::Vote, vote, pollId).contains(QStringLiteral("result")));
        expectRefused([&] { return f->submit(alice, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(81, '\x05'))}}, pollId); },
                      QStringLiteral("already_voted"));
        expectRefused([&] { return f->submit(host, EventType::End, {}); }, QStringLiteral("poll_open"));
        const crypto::PrivateKey wrong = *crypto::PrivateKey::generate();
        expectRefused([&] { return f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(wrong.secret().view())}}, pollId); },
                      QStringLiteral("voting_key_mismatch"));
        QVERIFY(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId).contains(QStringLiteral("result")));
        expectRefused([&] { return f->submit(m(QStringLiteral("bob")), EventType::Vote, vote, pollId); }, QStringLiteral("poll_closed"));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("late")}}); }, QStringLiteral("meeting_ended"));
    }

    void eventsBeforeStart()
    {
        f = std::make_unique<test::RelayFixture>();
        test::Member &host = f->addMember(QStringLiteral("host"));
        test::Member &alice = f->addMember(QStringLiteral("alice"));
        f->login(host);
        f->login(alice);
        f->createMeeting(host, {QStringLiteral("alice")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice")});
        (void)alice.participant->newSession(f->now);
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("early")}}, QByteArray(32, '\x07')); },
                      QStringLiteral("not_started"));
        // A participant can't start the host's meeting, even with a well-formed start.
        expectRefused([&] { return f->start(alice); }, QStringLiteral("not_host"));
        // Nor claim to be the host: a start whose "by" is the host, signed by alice (with her own
        // delegation: the host's key is not hers to use).
        const auto found = f->service->directory().loadMeeting(f->meeting);
        QJsonArray roster;
        for (const crypto::Address &address : found->details.roster)
            roster.append(address.toLowerHex());
        auto asHost = Event::create({EventType::Start, f->meeting, host.key.address(), std::nullopt, f->now,
                                     {{QStringLiteral("title"), found->details.title},
                                      {QStringLiteral("agenda"), QJsonArray::fromStringList(found->details.agenda)},
                                      {QStringLiteral("roster"), roster},
                                      {QStringLiteral("delegation"), *alice.participant->newSession(f->now)},
                                      {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x11'))}}});
        QVERIFY(asHost && asHost->sign(alice.key));
        expectRefused([&] { return f->submitBytes(alice, asHost->wireBytes(), QStringLiteral("4711")); }, QStringLiteral("wrong_author"));
        expectRefused([&] { return f->start(host, QStringLiteral("1")); }, QStringLiteral("missing_attendance_code"));
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
    }

    // meeting.list gives each of the caller's meetings, soonest first, as meeting.get does: its
    // roster (the host first) and agenda in their order, and none of the meetings it is not in.
    void meetingListGivesEachMeetingWhole()
    {
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")})
            f->login(f->addMember(name));
        const auto address = [&](const QString &name) { return m(name).key.address().toLowerHex(); };
        struct Planned {
            QString title;
            qint64 inHours;
            QStringList roster;
            QStringList agenda;
        };
        const QList<Planned> planned = {
            {QStringLiteral("Later"), 5, {QStringLiteral("alice"), QStringLiteral("bob")}, {QStringLiteral("P-001"), QStringLiteral("P-002")}},
            {QStringLiteral("Sooner"), 2, {QStringLiteral("bob"), QStringLiteral("alice"), QStringLiteral("carol")}, {QStringLiteral("P-001")}},
            {QStringLiteral("Without alice"), 3, {QStringLiteral("bob")}, {QStringLiteral("P-002")}},
            {QStringLiteral("Soonest"), 1, {QStringLiteral("carol"), QStringLiteral("alice")}, {QStringLiteral("P-002"), QStringLiteral("P-001")}},
        };
        for (const Planned &meeting : planned) {
            QJsonArray roster;
            for (const QString &name : meeting.roster)
                roster.append(address(name));
            const QJsonObject created = f->request(m(QStringLiteral("host")), QStringLiteral("meeting.create"),
                                                   {{QStringLiteral("title"), meeting.title},
                                                    {QStringLiteral("scheduledAt"), f->now + meeting.inHours * 3600 * 1000},
                                                    {QStringLiteral("roster"), roster},
                                                    {QStringLiteral("agenda"), QJsonArray::fromStringList(meeting.agenda)}});
            QVERIFY2(created.contains(QStringLiteral("result")), QJsonDocument(created).toJson().constData());
        }
        const QJsonArray listed = f->request(m(QStringLiteral("alice")), QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}})
                                      .value(QStringLiteral("result"))
                                      .toArray();
        QStringList titles;
        for (const QJsonValue &meeting : listed) {
            titles.append(meeting.toObject().value(QStringLiteral("title")).toString());
            QJsonObject got = resultOf(f->request(m(QStringLiteral("alice")), QStringLiteral("meeting.get"),
                                                  {{QStringLiteral("id"), meeting.toObject().value(QStringLiteral("id"))}}));
            got.remove(QStringLiteral("anchor")); // meeting.get's alone
            QCOMPARE(meeting.toObject(), got);
        }
        QCOMPARE(titles, (QStringList{QStringLiteral("Soonest"), QStringLiteral("Sooner"), QStringLiteral("Later")}));
        const QJsonObject sooner = listed.at(1).toObject();
        QCOMPARE(sooner.value(QStringLiteral("roster")).toArray(),
                 (QJsonArray{address(QStringLiteral("host")), address(QStringLiteral("bob")), address(QStringLiteral("alice")), address(QStringLiteral("carol"))}));
        QCOMPARE(listed.at(0).toObject().value(QStringLiteral("agenda")).toArray(),
                 (QJsonArray{QStringLiteral("P-002"), QStringLiteral("P-001")}));
    }

    // The relay keeps a code as scrypt of it under a fresh salt, at the cost it was given, and
    // checks joins against that.
    void attendanceCodeKeptAsItsSaltedHash()
    {
        for (const crypto::ScryptCost cost : {relay::AttendanceLimits{}.codeCost, crypto::ScryptCost{2, 1, 1}}) {
            f = std::make_unique<test::RelayFixture>(relay::AttendanceLimits{.codeCost = cost});
            for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice")})
                f->login(f->addMember(name));
            f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice")});
            f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice")});
            QVERIFY(f->start(m(QStringLiteral("host")), QStringLiteral("CODE42")).contains(QStringLiteral("result")));
            auto stored = f->database->run(QStringLiteral("SELECT salt, code_hash FROM attendance WHERE meeting = ?"), {f->meeting});
            QVERIFY(stored && stored->next());
            const QByteArray salt = stored->value(0).toByteArray();
            QCOMPARE(salt.size(), 16);
            const auto expected = crypto::scrypt("CODE42", salt, cost, 32);
            QVERIFY(expected);
            QVERIFY(expected->equals(stored->value(1).toByteArray()));
            QVERIFY(f->join(m(QStringLiteral("alice")), QStringLiteral("CODE42")).contains(QStringLiteral("result")));
        }
    }

    void attendanceLimits()
    {
        // Every message the relay logs, debug ones too, to show the codes never reach them.
        static QStringList logged;
        logged.clear();
        QLoggingCategory::setFilterRules(QStringLiteral("cmeet.*=true"));
        const QtMessageHandler previousHandler = qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &message) {
            logged.append(message);
        });
        const auto restoreLogging = qScopeGuard([previousHandler] {
            qInstallMessageHandler(previousHandler);
            QLoggingCategory::setFilterRules(QString());
        });
        f = std::make_unique<test::RelayFixture>(relay::AttendanceLimits{3, 5, 60'000});
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QVERIFY(f->start(m(QStringLiteral("host")), QStringLiteral("CODE42")).contains(QStringLiteral("result")));

        for (int i = 0; i < 3; ++i)
            expectRefused([&] { return f->join(m(QStringLiteral("alice")), QStringLiteral("WRONG%1").arg(i)); }, QStringLiteral("wrong_attendance_code"));
        // Limited now, even with the right code; the message says when to retry.
        QJsonObject limited;
        expectRefused([&] { return limited = f->join(m(QStringLiteral("alice")), QStringLiteral("CODE42")); }, QStringLiteral("attendance_rate_limited"));
        QVERIFY(limited.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString().contains(QStringLiteral("retry in 60 s")));

        // The counters survive a restart.
        f->restart();
        f->login(m(QStringLiteral("alice")));
        f->login(m(QStringLiteral("bob")));
        f->login(m(QStringLiteral("host")));
        expectRefused([&] { return f->join(m(QStringLiteral("alice")), QStringLiteral("CODE42")); }, QStringLiteral("attendance_rate_limited"));

        // The whole meeting's limit: bob's two wrong tries reach five in all.
        for (int i = 0; i < 2; ++i)
            expectRefused([&] { return f->join(m(QStringLiteral("bob")), QStringLiteral("NOPE%1").arg(i)); }, QStringLiteral("wrong_attendance_code"));
        expectRefused([&] { return f->join(m(QStringLiteral("bob")), QStringLiteral("CODE42")); }, QStringLiteral("attendance_rate_limited"));

        // The host rotates the code: the meeting-wide lockout ends at once (bob's own count is
        // under his limit), the old code stops working, alice stays limited by her own count.
        QCOMPARE(errorCode(f->request(m(QStringLiteral("alice")), QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), f->meeting}, {QStringLiteral("code"), QStringLiteral("NEW123")}})),
                 QStringLiteral("not_host"));
        QVERIFY(f->request(m(QStringLiteral("host")), QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), f->meeting}, {QStringLiteral("code"), QStringLiteral("NEW123")}})
                    .contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("bob")), QStringLiteral("NEW123")).contains(QStringLiteral("result")));
        expectRefused([&] { return f->join(m(QStringLiteral("alice")), QStringLiteral("NEW123")); }, QStringLiteral("attendance_rate_limited"));
        // After the window: the old code is wrong, the new one works.
        f->now += 60'000;
        expectRefused([&] { return f->join(m(QStringLiteral("alice")), QStringLiteral("CODE42")); }, QStringLiteral("wrong_attendance_code"));
        QVERIFY(f->join(m(QStringLiteral("alice")), QStringLiteral("NEW123")).contains(QStringLiteral("result")));

        // The codes are nowhere in the database, its write-ahead log (where the rotation still is)
        // or the log.
        const QByteArray raw = f->storedBytes();
        QVERIFY(raw.size() > 4096);
        QVERIFY(!raw.contains("CODE42") && !raw.contains("NEW123"));
        QVERIFY(!raw.contains(QByteArray("CODE42").toHex()) && !raw.contains(QByteArray("NEW123").toHex())); // PostgreSQL shows bytea in hex
        const QString everythingLogged = logged.join(QLatin1Char('\n'));
        QVERIFY(logged.size() > 10);
        QVERIFY(!everythingLogged.contains(QStringLiteral("CODE42")) && !everythingLogged.contains(QStringLiteral("NEW123"))
                && !everythingLogged.contains(QStringLiteral("WRONG0")));
    }

    void restartContinuesOpenMeetings()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = openPoll(voting);
        QVERIFY(f->submit(m(QStringLiteral("alice")), EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x05'))}}, pollId)
                    .contains(QStringLiteral("result")));
        const QList<QByteArray> before = f->log(host);
        f->restart();
        QCOMPARE(f->service->openMeetings(), 1);
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f->login(m(name));
        QCOMPARE(f->log(host), before);
        // Session keys, the open poll and its voters survived: the same rules still apply.
        expectRefused([&] { return f->submit(m(QStringLiteral("alice")), EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x06'))}}, pollId); },
                      QStringLiteral("already_voted"));
        QVERIFY(f->submit(m(QStringLiteral("bob")), EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(QByteArray(80, '\x06'))}}, pollId)
                    .contains(QStringLiteral("result")));
        const QJsonObject pollEnd = f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId);
        QCOMPARE(ackOf(pollEnd).content().value(QStringLiteral("votes")).toArray().size(), 2);
        QCOMPARE(ackOf(pollEnd).content().value(QStringLiteral("seq")).toInteger(), before.size() / 2 + 2);
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
    }

    // Two meetings at once: each member only hears their own meeting, and each log is its own.
    void meetingsAreIsolated()
    {
        startedMeeting();
        const QString first = f->meeting;
        test::Member &dave = f->addMember(QStringLiteral("dave"));
        test::Member &erin = f->addMember(QStringLiteral("erin"));
        f->login(dave);
        f->login(erin);
        const QString second = f->createMeeting(dave, {QStringLiteral("erin")});
        f->prepareParticipants(second, {QStringLiteral("dave"), QStringLiteral("erin")});
        QVERIFY(f->start(dave, QStringLiteral("9999")).contains(QStringLiteral("result")));
        QVERIFY(f->join(erin, QStringLiteral("9999")).contains(QStringLiteral("result")));
        const qsizetype aliceHeard = m(QStringLiteral("alice")).received.size();
        QVERIFY(f->submit(erin, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("second meeting")}}).contains(QStringLiteral("result")));
        QCOMPARE(m(QStringLiteral("alice")).received.size(), aliceHeard);
        for (const QByteArray &message : erin.received)
            QCOMPARE(QJsonDocument::fromJson(message).object().value(QStringLiteral("meeting")).toString(), second);
        // An event lifted from one meeting into the other: its signature covers the meeting id.
        QJsonObject lifted = Event::fromWire(f->log(erin).at(4))->toJson(); // start, ack, join, joinAck, comment
        QCOMPARE(lifted.value(QStringLiteral("type")).toString(), QStringLiteral("comment"));
        f->meeting = first;
        lifted.insert(QStringLiteral("meeting"), first);
        lifted.insert(QStringLiteral("ref"), hex::encode(f->lastId(m(QStringLiteral("alice")))));
        f->meeting = second;
        expectRefused([&] { return f->submitBytes(erin, *protocol::json::serialize(lifted)); }, QStringLiteral("not_on_roster"));
        QJsonObject liftedByMember = lifted;
        liftedByMember.insert(QStringLiteral("by"), m(QStringLiteral("alice")).key.address().toLowerHex());
        expectRefused([&] { return f->submitBytes(m(QStringLiteral("alice")), *protocol::json::serialize(liftedByMember)); }, QStringLiteral("wrong_signer"));
        // Neither roster reads the other meeting; each log starts at index 0.
        QCOMPARE(errorCode(f->request(dave, QStringLiteral("events.get"), {{QStringLiteral("meeting"), first}})), QStringLiteral("not_on_roster"));
        QCOMPARE(errorCode(f->request(m(QStringLiteral("alice")), QStringLiteral("events.get"), {{QStringLiteral("meeting"), second}})), QStringLiteral("not_on_roster"));
        f->meeting = first;
        QCOMPARE(Event::fromWire(f->log(m(QStringLiteral("alice"))).constFirst())->type(), EventType::Start);
        f->meeting = second;
        QCOMPARE(f->log(erin).size(), 6);
    }

    // A session key works only until its delegation expires; then its owner joins again.
    void sessionKeysExpire()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        QVERIFY(f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("in time")}}).contains(QStringLiteral("result")));
        f->now += 13 * 3600 * 1000; // the fixture's delegations last 12 hours
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("too late")}}); }, QStringLiteral("delegation_expired"));
        QVERIFY(f->join(alice).contains(QStringLiteral("result")));
        QVERIFY(f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("with a new key")}}).contains(QStringLiteral("result")));
    }

    // Every state that keeps the host from ending has a way out the host can take alone (the rules
    // of relay-protocol.md §5.4): the host left, the host's session expired, the attendance code
    // locked by others' guessing or by the host's own typos, a poll still open, a relay restart.
    void endIsNeverOutOfReach()
    {
        f = std::make_unique<test::RelayFixture>(relay::AttendanceLimits{3, 5, 60'000});
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        test::Member &host = m(QStringLiteral("host"));
        const QString code = QStringLiteral("CODE42");
        QVERIFY(f->start(host, code).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("alice")), code).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("bob")), code).contains(QStringLiteral("result")));
        const auto end = [&] { return f->submit(host, EventType::End, {}); };

        // The host left: join again.
        QVERIFY(f->submit(host, EventType::Leave, {}).contains(QStringLiteral("result")));
        expectRefused(end, QStringLiteral("not_joined"));
        QVERIFY(f->join(host, code).contains(QStringLiteral("result")));

        // The host's session expired: join again, even when the others' guesses have locked the
        // code for the whole meeting (the host rotates it, which lifts that lock).
        f->now += 13 * 3600 * 1000; // the fixture's delegations last 12 hours
        expectRefused(end, QStringLiteral("delegation_expired"));
        for (int i = 0; i < 3; ++i)
            expectRefused([&] { return f->join(m(QStringLiteral("alice")), QStringLiteral("GUESS%1").arg(i)); }, QStringLiteral("wrong_attendance_code"));
        for (int i = 0; i < 2; ++i)
            expectRefused([&] { return f->join(m(QStringLiteral("bob")), QStringLiteral("GUESS%1").arg(i)); }, QStringLiteral("wrong_attendance_code"));
        expectRefused([&] { return f->join(host, code); }, QStringLiteral("attendance_rate_limited"));
        const QString rotated = QStringLiteral("NEW123");
        QVERIFY(f->request(host, QStringLiteral("meeting.rotateCode"), {{QStringLiteral("id"), f->meeting}, {QStringLiteral("code"), rotated}})
                    .contains(QStringLiteral("result")));
        QVERIFY(f->join(host, rotated).contains(QStringLiteral("result")));

        // Expired again, and the host's own typos lock the host out: the lock lasts one window.
        f->now += 13 * 3600 * 1000;
        for (int i = 0; i < 3; ++i)
            expectRefused([&] { return f->join(host, QStringLiteral("TYPO%1").arg(i)); }, QStringLiteral("wrong_attendance_code"));
        expectRefused([&] { return f->join(host, rotated); }, QStringLiteral("attendance_rate_limited"));
        f->now += 60'000;
        QVERIFY(f->join(host, rotated).contains(QStringLiteral("result")));

        // A poll still open: end it. Across a relay restart the meeting resumes and still ends.
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = openPoll(voting);
        expectRefused(end, QStringLiteral("poll_open"));
        f->restart();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")})
            f->login(m(name));
        QVERIFY(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId)
                    .contains(QStringLiteral("result")));
        const QJsonObject ended = end();
        QVERIFY2(ended.contains(QStringLiteral("result")), QJsonDocument(ended).toJson().constData());
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(f->log(host), *protocol::SchemaValidator::load().value(), f->service->address());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
    }

    // With an identity registry: the registrar revokes the key the host started with. The host
    // logs in and joins with another active key of the same identity and ends the meeting.
    void revokedHostKeyJoinsWithAnother()
    {
        f = std::make_unique<test::RelayFixture>();
        f->identity.registry = true;
        f->restart();
        test::Member &host = f->addMember(QStringLiteral("host"));
        test::Member &alice = f->addMember(QStringLiteral("alice"));
        const crypto::PrivateKey laptop = *crypto::PrivateKey::generate();
        const crypto::Address hostId = host.key.address();
        f->changeKeys({{hostId, hostId, true}, {alice.key.address(), alice.key.address(), true}, {hostId, laptop.address(), true}});
        f->login(host);
        f->login(alice);
        f->createMeeting(host, {QStringLiteral("alice")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice")});
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
        QVERIFY(f->join(alice).contains(QStringLiteral("result")));

        f->changeKeys({{hostId, hostId, false}});
        const QList<QByteArray> before = f->log(alice);
        expectRejected(f->submit(host, EventType::End, {}, Event::fromWire(before.constLast())->id()), QStringLiteral("not_authenticated"));
        QCOMPARE(f->log(alice), before);
        f->loginWith(host, laptop);
        expectRefused([&] { return f->submit(host, EventType::End, {}); }, QStringLiteral("key_not_active"));
        expectRefused([&] { return f->join(host); }, QStringLiteral("key_not_active")); // the revoked key can't join either
        host.participant = std::make_unique<client::Participant>(laptop, hostId, f->meeting, f->service->address());
        QVERIFY(f->join(host).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
    }

    // A full meeting refuses new events but can still close its open poll and end: the poll's
    // pollEnd was counted in when the meeting filled up. (Batches of 500 keep it to seconds.)
    void fullMeetingStillEnds()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        test::Member &alice = m(QStringLiteral("alice"));
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        const QByteArray pollId = openPoll(voting);
        const QByteArray ref = f->lastId(alice);
        const qint64 eventsSoFar = f->log(alice).size() / 2;
        const qint64 room = relay::maxEventsPerMeeting - eventsSoFar - 1; // the open poll holds one place
        for (qint64 sent = 0; sent < room - 1;) { // all but the last place
            QList<relay::RelayService::Incoming> batch;
            for (; batch.size() < 500 && sent < room - 1; ++sent) {
                const auto event = alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("comment %1").arg(sent)}}, ref, f->now);
                batch.append({&alice.session, QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), 1},
                                                                        {QStringLiteral("method"), QStringLiteral("event.submit")},
                                                                        {QStringLiteral("params"), QJsonObject{{QStringLiteral("event"), QString::fromUtf8(event->wireBytes())}}}})
                                                  .toJson(QJsonDocument::Compact),
                              {}});
            }
            for (const relay::Outcome &outcome : f->service->handleBatch(std::move(batch)))
                QVERIFY2(outcome.reply.contains("\"result\""), outcome.reply.constData());
        }
        // The last place: not for a poll, which would bring a pollEnd beyond it; for a comment.
        QByteArray last = f->lastId(alice);
        expectRejected(f->submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Last?")},
                                                         {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                         {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}}, last),
                       QStringLiteral("meeting_full"));
        QVERIFY(f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("the last place")}}, last).contains(QStringLiteral("result")));
        const QList<QByteArray> full = f->log(alice);
        QCOMPARE(full.size(), 2 * (relay::maxEventsPerMeeting - 1));
        // Refs given, not read from the log: a read of 24,000 entries costs a second.
        last = Event::fromWire(full.constLast())->id();
        expectRejected(f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("one more")}}, last), QStringLiteral("meeting_full"));
        expectRejected(f->submit(host, EventType::Poll, {{QStringLiteral("question"), QStringLiteral("Another?")},
                                                         {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                                                         {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())}}, last),
                       QStringLiteral("meeting_full"));
        expectRejected(f->submit(host, EventType::End, {}, last), QStringLiteral("poll_open"));
        // The host's session expires in a full meeting: the host (not anyone else) may join again,
        // within a small reserve of places beyond the full mark.
        const QByteArray startId = Event::fromWire(full.constFirst())->id();
        const auto joinFull = [&](test::Member &who) {
            return f->submit(who, EventType::Join, {{QStringLiteral("delegation"), *who.participant->newSession(f->now)}}, startId, QStringLiteral("4711"));
        };
        for (qint64 rejoin = 0; rejoin < relay::hostJoinReserve; ++rejoin) {
            f->now += 13 * 3600 * 1000; // the fixture's delegations last 12 hours
            expectRejected(f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId),
                           QStringLiteral("delegation_expired"));
            expectRejected(joinFull(alice), QStringLiteral("meeting_full"));
            const QJsonObject rejoined = joinFull(host);
            QVERIFY2(rejoined.contains(QStringLiteral("result")), QJsonDocument(rejoined).toJson().constData());
        }
        // The reserve is used up. (Tried a day later from another of the host's devices, so the
        // host's accepted session stays the one its participant signs with.)
        client::Participant otherDevice(host.key, f->meeting, f->service->address());
        const auto extraJoin = otherDevice.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *otherDevice.newSession(f->now + 86'400'000)}},
                                                     startId, f->now + 86'400'000);
        f->now += 86'400'000;
        expectRejected(f->submitBytes(host, extraJoin->wireBytes(), QStringLiteral("4711")), QStringLiteral("meeting_full"));
        f->now -= 86'400'000;
        const QJsonObject pollEnd = f->submit(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId);
        QVERIFY2(pollEnd.contains(QStringLiteral("result")), QJsonDocument(pollEnd).toJson().constData());
        const QJsonObject end = f->submit(host, EventType::End, {}, ackOf(pollEnd).id());
        QVERIFY2(end.contains(QStringLiteral("result")), QJsonDocument(end).toJson().constData());
        const QList<QByteArray> log = f->log(alice);
        QCOMPARE(log.size(), full.size() + 2 * relay::hostJoinReserve + 4); // the refused events left nothing
        QVERIFY(log.constLast().size() < protocol::maxEventBytes);
        const ledger::VerificationReport audit = ledger::verifyMeetingLog(log, *protocol::SchemaValidator::load().value(), f->service->address());
        QVERIFY2(audit.ok() && audit.ended, qPrintable(audit.problems.join(QLatin1Char('\n'))));
    }

    // Several messages share one commit; each still stands or falls alone, in order.
    void batchedMessages()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        test::Member &bob = m(QStringLiteral("bob"));
        const QByteArray ref = f->lastId(alice);
        const auto request = [&](const QByteArray &event, int id) {
            return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), id},
                                             {QStringLiteral("method"), QStringLiteral("event.submit")},
                                             {QStringLiteral("params"), QJsonObject{{QStringLiteral("event"), QString::fromUtf8(event)}}}})
                .toJson(QJsonDocument::Compact);
        };
        const QByteArray first = alice.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("one")}}, ref, f->now)->wireBytes();
        const QByteArray second = bob.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("two")}}, ref, f->now)->wireBytes();
        const qsizetype before = f->log(alice).size();
        const QList<relay::Outcome> outcomes = f->service->handleBatch({{&alice.session, request(first, 1), {}},
                                                                        {&alice.session, request(first, 2), {}}, // duplicate
                                                                        {&bob.session, request(second, 3), {}}});
        QCOMPARE(outcomes.size(), 3);
        const auto reply = [&](int i) { return QJsonDocument::fromJson(outcomes.at(i).reply).object(); };
        QCOMPARE(resultOf(reply(0)).value(QStringLiteral("index")).toInteger(), before);
        QCOMPARE(errorCode(reply(1)), QStringLiteral("duplicate_event"));
        QCOMPARE(resultOf(reply(2)).value(QStringLiteral("index")).toInteger(), before + 2);
        QCOMPARE(outcomes.at(1).broadcasts.size(), 0);
        QCOMPARE(f->log(alice).size(), before + 4);
    }

    // A row of a batch that can't be stored (an event's, or an acknowledgement's, which are
    // signed and stored at the end of the batch) refuses the whole batch: nothing of it is kept,
    // every engine is rebuilt, and the meeting goes on with the right positions.
    void storageFailureRefusesTheWholeBatch()
    {
        for (const int failingOffset : {2, 1}) { // bob's event; alice's acknowledgement
            startedMeeting();
            test::Member &alice = m(QStringLiteral("alice"));
            test::Member &bob = m(QStringLiteral("bob"));
            const QList<QByteArray> before = f->log(alice);
            const QByteArray ref = f->lastId(alice);
            QVERIFY(f->refuseLogEntryAt(before.size() + failingOffset));
            const auto request = [&](test::Member &author, const QString &text, int id) {
                const QByteArray event = author.participant->makeEvent(EventType::Comment, {{QStringLiteral("text"), text}}, ref, f->now)->wireBytes();
                return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), id},
                                                 {QStringLiteral("method"), QStringLiteral("event.submit")},
                                                 {QStringLiteral("params"), QJsonObject{{QStringLiteral("event"), QString::fromUtf8(event)}}}})
                    .toJson(QJsonDocument::Compact);
            };
            const QList<relay::Outcome> outcomes = f->service->handleBatch({{&alice.session, request(alice, QStringLiteral("one"), 1), {}},
                                                                            {&bob.session, request(bob, QStringLiteral("two"), 2), {}},
                                                                            {&alice.session, request(alice, QStringLiteral("three"), 3), {}}});
            QCOMPARE(outcomes.size(), 3);
            for (const relay::Outcome &outcome : outcomes) {
                QCOMPARE(errorCode(QJsonDocument::fromJson(outcome.reply).object()), QStringLiteral("storage_error"));
                QVERIFY(outcome.broadcasts.isEmpty());
            }
            QVERIFY(f->refuseLogEntryAt(std::nullopt));
            QCOMPARE(f->log(alice), before);
            expectMeetingGoesOn(bob, before);
        }
    }

    // Nothing of a refused batch remains: not a meeting it created, not an event, not a login;
    // the refused messages can simply be sent again. Here an acknowledgement fails
    // to store when a later request (a read) needs the log complete.
    void refusedBatchLeavesNothingBehind()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        const QList<QByteArray> before = f->log(alice);
        const qsizetype meetingsBefore = f->request(alice, QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}})
                                             .value(QStringLiteral("result")).toArray().size();
        test::Member &dave = f->addMember(QStringLiteral("dave"));
        const QJsonObject challenge = QJsonDocument::fromJson(f->service->greet(dave.session)).object();
        const auto signature = protocol::signLogin(dave.key, f->service->address(), *hex::decode(challenge.value(QStringLiteral("nonce")).toString()));
        const auto message = [](const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); };
        const QByteArray create = message({{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), 1},
                                           {QStringLiteral("method"), QStringLiteral("meeting.create")},
                                           {QStringLiteral("params"), QJsonObject{{QStringLiteral("title"), QStringLiteral("Never")},
                                                                                  {QStringLiteral("scheduledAt"), f->now},
                                                                                  {QStringLiteral("roster"), QJsonArray{alice.key.address().toLowerHex()}},
                                                                                  {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}}}});
        const QByteArray comment = message({{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), 2},
                                            {QStringLiteral("method"), QStringLiteral("event.submit")},
                                            {QStringLiteral("params"), QJsonObject{{QStringLiteral("event"), QString::fromUtf8(alice.participant->makeEvent(
                                                EventType::Comment, {{QStringLiteral("text"), QStringLiteral("lost")}}, f->lastId(alice), f->now)->wireBytes())}}}});
        const QByteArray login = message({{QStringLiteral("type"), QStringLiteral("login")}, {QStringLiteral("id"), 3},
                                          {QStringLiteral("identity"), dave.key.address().toLowerHex()}, {QStringLiteral("signature"), signature->toHex()}});
        QVERIFY(f->refuseLogEntryAt(before.size() + 1));
        const QByteArray read = message({{QStringLiteral("type"), QStringLiteral("request")}, {QStringLiteral("id"), 4},
                                         {QStringLiteral("method"), QStringLiteral("events.get")},
                                         {QStringLiteral("params"), QJsonObject{{QStringLiteral("meeting"), f->meeting}}}});
        const QList<relay::Outcome> outcomes = f->service->handleBatch({{&alice.session, create, {}},
                                                                        {&dave.session, login, {}},
                                                                        {&alice.session, comment, {}},
                                                                        {&alice.session, read, {}}});
        QCOMPARE(outcomes.size(), 4);
        for (const relay::Outcome &outcome : outcomes)
            QCOMPARE(errorCode(QJsonDocument::fromJson(outcome.reply).object()), QStringLiteral("storage_error"));
        QVERIFY(f->refuseLogEntryAt(std::nullopt));
        QCOMPARE(f->log(alice), before);
        QCOMPARE(f->request(alice, QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("all")}})
                     .value(QStringLiteral("result")).toArray().size(),
                 meetingsBefore);
        QVERIFY(!dave.session.identity);
        // Sent again, the login works with the same challenge, and the meeting goes on.
        QVERIFY(f->service->handle(dave.session, login).reply.contains("\"result\""));
        QCOMPARE(dave.session.identity, std::optional(dave.key.address()));
        expectMeetingGoesOn(alice, before);
    }

    // U+0000 in any text is refused up front, on either database (PostgreSQL's text cannot hold
    // it): in a request's parameters and inside an event. The answer names the request, nothing
    // is stored, and the meeting goes on.
    void nulCharactersAreRefused()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        const QList<QByteArray> before = f->log(alice);
        const QJsonObject get = f->request(alice, QStringLiteral("meeting.get"), {{QStringLiteral("id"), QString(f->meeting + QChar(0))}});
        QCOMPARE(errorCode(get), QStringLiteral("bad_request"));
        QVERIFY(get.value(QStringLiteral("id")).isDouble());
        QVERIFY(get.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString().contains(QStringLiteral("U+0000")));
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b"))}}); },
                      QStringLiteral("bad_request"));
        QCOMPARE(f->log(alice), before);
        QVERIFY(resultOf(f->request(alice, QStringLiteral("meeting.get"), {{QStringLiteral("id"), f->meeting}})).contains(QStringLiteral("title")));
        expectMeetingGoesOn(alice, before);
    }

    // A database that takes no writes (read-only, a full disk) refuses the event before anything
    // changes, still answers reads, and the meeting goes on afterwards.
    void storageFailureLosesNothing()
    {
        startedMeeting();
        test::Member &alice = m(QStringLiteral("alice"));
        const QList<QByteArray> before = f->log(alice);
        QVERIFY(f->refuseWrites(true));
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("lost?")}}); }, QStringLiteral("storage_error"));
        QCOMPARE(f->log(alice), before);
        QVERIFY(f->refuseWrites(false));
        expectMeetingGoesOn(alice, before);
    }

    // A login answers this session's fresh challenge, with the identity's key, for this relay:
    // a replayed, borrowed or misdirected signature gets nowhere.
    void loginNeedsAFreshChallenge()
    {
        f = std::make_unique<test::RelayFixture>();
        test::Member &dave = f->addMember(QStringLiteral("dave"));
        test::Member &mallory = f->addMember(QStringLiteral("mallory"));
        const auto loginMessage = [](const crypto::Address &identity, const crypto::Signature &signature) {
            return QJsonObject{{QStringLiteral("type"), QStringLiteral("login")}, {QStringLiteral("id"), 1},
                               {QStringLiteral("identity"), identity.toLowerHex()}, {QStringLiteral("signature"), signature.toHex()}};
        };
        const auto challengeOf = [&](test::Member &member) {
            member.session = relay::Session{};
            return *hex::decode(QJsonDocument::fromJson(f->service->greet(member.session)).object().value(QStringLiteral("nonce")).toString());
        };
        const QByteArray first = challengeOf(dave);
        const crypto::Signature signature = *protocol::signLogin(dave.key, f->service->address(), first);
        QVERIFY(f->send(dave, loginMessage(dave.key.address(), signature)).contains(QStringLiteral("result")));
        // The same signature again: on the same session the challenge is spent; on a new one it answers the old challenge.
        QCOMPARE(errorCode(f->send(dave, loginMessage(dave.key.address(), signature))), QStringLiteral("not_authenticated"));
        QVERIFY(challengeOf(dave) != first);
        QCOMPARE(errorCode(f->send(dave, loginMessage(dave.key.address(), signature))), QStringLiteral("wrong_signer"));
        QVERIFY(!dave.session.identity);
        // Mallory signs this challenge with her key but claims dave's identity; or signs for another relay.
        const QByteArray third = challengeOf(mallory);
        QCOMPARE(errorCode(f->send(mallory, loginMessage(dave.key.address(), *protocol::signLogin(mallory.key, f->service->address(), third)))),
                 QStringLiteral("wrong_signer"));
        QVERIFY(!mallory.session.identity);
        const QByteArray fourth = challengeOf(dave);
        QCOMPARE(errorCode(f->send(dave, loginMessage(dave.key.address(), *protocol::signLogin(dave.key, mallory.key.address(), fourth)))),
                 QStringLiteral("wrong_signer"));
        QVERIFY(!dave.session.identity);
        // And a fresh, honest answer works.
        QVERIFY(f->send(dave, loginMessage(dave.key.address(), *protocol::signLogin(dave.key, f->service->address(), challengeOf(dave)))).contains(QStringLiteral("result")));
        QCOMPARE(dave.session.identity, std::optional(dave.key.address()));
    }

    void meetingManagement()
    {
        f = std::make_unique<test::RelayFixture>();
        test::Member &host = f->addMember(QStringLiteral("host"));
        test::Member &alice = f->addMember(QStringLiteral("alice"));
        test::Member &carol = f->addMember(QStringLiteral("carol"));
        for (test::Member *member : {&host, &alice, &carol})
            f->login(*member);
        const QString id = f->createMeeting(host, {QStringLiteral("alice")});
        const QJsonObject idParam{{QStringLiteral("id"), id}};

        // The staff and patient directories, for any logged-in member of staff (thesis 4.4.2); not for a stranger.
        const QJsonArray staff = f->request(carol, QStringLiteral("staff.list")).value(QStringLiteral("result")).toArray();
        QCOMPARE(staff.size(), 3);
        QVERIFY(staff.contains(QJsonObject{{QStringLiteral("address"), alice.key.address().toLowerHex()}, {QStringLiteral("name"), QStringLiteral("alice")},
                                           {QStringLiteral("role"), QStringLiteral("staff")}}));
        const QJsonArray patients = f->request(carol, QStringLiteral("patients.list")).value(QStringLiteral("result")).toArray();
        QCOMPARE(patients.size(), 2);
        QCOMPARE(patients.at(1).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("Patient 2"));
        QCOMPARE(patients.at(1).toObject().value(QStringLiteral("birthDate")).toString(), QStringLiteral("2001-02-01"));
        test::Member &stranger = f->addMember(QStringLiteral("stranger"), false);
        for (const QString &method : {QStringLiteral("staff.list"), QStringLiteral("patients.list"), QStringLiteral("meeting.get"), QStringLiteral("meeting.create"),
                                      QStringLiteral("events.get"), QStringLiteral("meeting.patientData")})
            QCOMPARE(errorCode(f->request(stranger, method, idParam)), QStringLiteral("not_authenticated"));

        // Visible to the roster only.
        QCOMPARE(resultOf(f->request(alice, QStringLiteral("meeting.get"), idParam)).value(QStringLiteral("title")).toString(), QStringLiteral("Colorectal MDT"));
        QCOMPARE(errorCode(f->request(carol, QStringLiteral("meeting.get"), idParam)), QStringLiteral("not_on_roster"));
        QCOMPARE(errorCode(f->request(carol, QStringLiteral("meeting.patientData"), idParam)), QStringLiteral("not_on_roster"));
        QCOMPARE(errorCode(f->request(carol, QStringLiteral("events.get"), {{QStringLiteral("meeting"), id}})), QStringLiteral("not_on_roster"));
        QCOMPARE(f->request(alice, QStringLiteral("meeting.list")).value(QStringLiteral("result")).toArray().size(), 1);
        QCOMPARE(f->request(carol, QStringLiteral("meeting.list")).value(QStringLiteral("result")).toArray().size(), 0);

        // Only the host edits; an edit changes title, roster and agenda.
        QJsonObject edit{{QStringLiteral("id"), id}, {QStringLiteral("title"), QStringLiteral("Renamed MDT")}, {QStringLiteral("scheduledAt"), f->now + 7200000},
                         {QStringLiteral("roster"), QJsonArray{alice.key.address().toLowerHex(), carol.key.address().toLowerHex()}},
                         {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-002")}}};
        QCOMPARE(errorCode(f->request(alice, QStringLiteral("meeting.edit"), edit)), QStringLiteral("not_host"));
        const QJsonObject edited = resultOf(f->request(host, QStringLiteral("meeting.edit"), edit));
        QCOMPARE(edited.value(QStringLiteral("title")).toString(), QStringLiteral("Renamed MDT"));
        QCOMPARE(edited.value(QStringLiteral("roster")).toArray().size(), 3);
        QCOMPARE(resultOf(f->request(carol, QStringLiteral("meeting.get"), idParam)).value(QStringLiteral("agenda")).toArray(), QJsonArray{QStringLiteral("P-002")});
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.edit"), QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("title"), QString()}})),
                 QStringLiteral("bad_request"));
        QJsonObject unknownPatient = edit;
        unknownPatient.insert(QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-404")});
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.edit"), unknownPatient)), QStringLiteral("unknown_patient"));

        // Patient data before the meeting: host only, agenda patients and known fields only.
        const QJsonObject setData{{QStringLiteral("id"), id}, {QStringLiteral("patient"), QStringLiteral("P-002")}, {QStringLiteral("field"), QStringLiteral("group")}, {QStringLiteral("value"), QStringLiteral("Colorectal")}};
        QVERIFY(f->request(host, QStringLiteral("meeting.setPatientData"), setData).contains(QStringLiteral("result")));
        QCOMPARE(errorCode(f->request(alice, QStringLiteral("meeting.setPatientData"), setData)), QStringLiteral("not_host"));
        QJsonObject otherPatient = setData;
        otherPatient.insert(QStringLiteral("patient"), QStringLiteral("P-001"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.setPatientData"), otherPatient)), QStringLiteral("patient_not_on_agenda"));
        QCOMPARE(resultOf(f->request(alice, QStringLiteral("meeting.patientData"), idParam)).value(QStringLiteral("P-002")).toObject()
                     .value(QStringLiteral("data")).toObject().value(QStringLiteral("group")).toString(),
                 QStringLiteral("Colorectal"));
        // Every field of the thesis (2.3.1.2) and no other.
        const QJsonObject fields = resultOf(f->request(alice, QStringLiteral("meeting.patientData"), idParam)).value(QStringLiteral("P-002")).toObject()
                                       .value(QStringLiteral("data")).toObject();
        QCOMPARE(fields.keys(), (QStringList{QStringLiteral("group"), QStringLiteral("investigation"), QStringLiteral("lc"), QStringLiteral("mainOpinion"),
                                             QStringLiteral("mdtOutcome"), QStringLiteral("questionsForMdt"), QStringLiteral("surgery")}));
        QJsonObject unknownField = setData;
        unknownField.insert(QStringLiteral("field"), QStringLiteral("favouriteColour"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.setPatientData"), unknownField)), QStringLiteral("bad_request"));

        // Started meetings can't be edited or cancelled; cancelled ones can't start.
        f->prepareParticipants(id, {QStringLiteral("host")});
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.edit"), edit)), QStringLiteral("meeting_not_editable"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.cancel"), idParam)), QStringLiteral("meeting_not_editable"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.setPatientData"), setData)), QStringLiteral("meeting_not_editable"));
        // Nor once it has ended.
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        QCOMPARE(resultOf(f->request(host, QStringLiteral("meeting.get"), idParam)).value(QStringLiteral("status")).toString(), QStringLiteral("ended"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.edit"), edit)), QStringLiteral("meeting_not_editable"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.cancel"), idParam)), QStringLiteral("meeting_not_editable"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("meeting.setPatientData"), setData)), QStringLiteral("meeting_not_editable"));
        QCOMPARE(resultOf(f->request(alice, QStringLiteral("meeting.get"), idParam)).value(QStringLiteral("title")).toString(), QStringLiteral("Renamed MDT"));

        const QString second = f->createMeeting(host, {QStringLiteral("alice")});
        // A rejected event before the start must not leave a stale copy of the meeting behind
        // that would let a cancelled meeting start.
        f->prepareParticipants(second, {QStringLiteral("host"), QStringLiteral("alice")});
        QVERIFY(alice.participant->newSession(f->now));
        expectRefused([&] { return f->submit(alice, EventType::Comment, {{QStringLiteral("text"), QStringLiteral("early")}}, QByteArray(32, '\x07')); },
                      QStringLiteral("not_started"));
        QCOMPARE(errorCode(f->request(alice, QStringLiteral("meeting.cancel"), {{QStringLiteral("id"), second}})), QStringLiteral("not_host"));
        QCOMPARE(resultOf(f->request(host, QStringLiteral("meeting.cancel"), {{QStringLiteral("id"), second}})).value(QStringLiteral("status")).toString(),
                 QStringLiteral("cancelled"));
        f->prepareParticipants(second, {QStringLiteral("host")});
        expectRefused([&] { return f->start(host); }, QStringLiteral("meeting_cancelled"));
        // Previous meetings: the ended one and the cancelled one; none upcoming.
        QCOMPARE(f->request(alice, QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("previous")}}).value(QStringLiteral("result")).toArray().size(), 2);
        QCOMPARE(f->request(alice, QStringLiteral("meeting.list"), {{QStringLiteral("filter"), QStringLiteral("upcoming")}}).value(QStringLiteral("result")).toArray().size(), 0);
        QCOMPARE(errorCode(f->request(alice, QStringLiteral("meeting.frobnicate"))), QStringLiteral("unknown_method"));
    }

    // meeting.list's rule at its edges, on the relay's injected clock: upcoming is whatever is not
    // over; a meeting scheduled more than 24 hours ago and never started is over.
    void meetingListFollowsTheClock()
    {
        f = std::make_unique<test::RelayFixture>();
        test::Member &host = f->addMember(QStringLiteral("host"));
        test::Member &alice = f->addMember(QStringLiteral("alice"));
        f->login(host);
        f->login(alice);
        const qint64 hour = 3600 * 1000;
        const qint64 origin = f->now;
        const auto scheduleAt = [&](const QString &id, qint64 at) { // meeting.edit replaces every field
            QJsonObject meeting = resultOf(f->request(host, QStringLiteral("meeting.get"), {{QStringLiteral("id"), id}}));
            meeting.insert(QStringLiteral("scheduledAt"), at);
            QCOMPARE(resultOf(f->request(host, QStringLiteral("meeting.edit"), meeting)).value(QStringLiteral("scheduledAt")).toInteger(), at);
        };
        const auto listed = [&](const QString &filter) {
            QStringList ids;
            for (const QJsonValue &meeting : f->request(alice, QStringLiteral("meeting.list"), {{QStringLiteral("filter"), filter}})
                                                 .value(QStringLiteral("result")).toArray())
                ids.append(meeting[QStringLiteral("id")].toString());
            return ids;
        };

        const QString started = f->createMeeting(host, {QStringLiteral("alice")});
        f->prepareParticipants(started, {QStringLiteral("host")});
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
        const QString ended = f->createMeeting(host, {QStringLiteral("alice")});
        f->prepareParticipants(ended, {QStringLiteral("host")});
        QVERIFY(f->start(host).contains(QStringLiteral("result")));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        const QString cancelled = f->createMeeting(host, {QStringLiteral("alice")});
        scheduleAt(cancelled, origin + 48 * hour);
        QVERIFY(f->request(host, QStringLiteral("meeting.cancel"), {{QStringLiteral("id"), cancelled}}).contains(QStringLiteral("result")));
        const QString later = f->createMeeting(host, {QStringLiteral("alice")});
        scheduleAt(later, origin + 48 * hour);
        const QString missedBy23Hours = f->createMeeting(host, {QStringLiteral("alice")});
        scheduleAt(missedBy23Hours, origin - 23 * hour);
        const QString missedBy25Hours = f->createMeeting(host, {QStringLiteral("alice")});
        scheduleAt(missedBy25Hours, origin - 25 * hour);

        // Listing orders by scheduled time.
        QCOMPARE(listed(QStringLiteral("upcoming")), (QStringList{missedBy23Hours, started, later}));
        QCOMPARE(listed(QStringLiteral("previous")), (QStringList{missedBy25Hours, ended, cancelled}));
        QCOMPARE(listed(QStringLiteral("all")).size(), 6);
        // The default filter is upcoming.
        QCOMPARE(f->request(alice, QStringLiteral("meeting.list")).value(QStringLiteral("result")).toArray().size(), 3);

        // Two hours on, the 23-hour-old one has passed the 24 hours; a running meeting stays
        // upcoming however long ago it was scheduled.
        f->now = origin + 2 * hour;
        QCOMPARE(listed(QStringLiteral("upcoming")), (QStringList{started, later}));
        QCOMPARE(listed(QStringLiteral("previous")), (QStringList{missedBy25Hours, missedBy23Hours, ended, cancelled}));
        f->now = origin + 30 * 24 * hour;
        QCOMPARE(listed(QStringLiteral("upcoming")), QStringList{started});
        // And one scheduled for later than now is never over, however far the clock is.
        scheduleAt(missedBy25Hours, f->now + hour);
        QCOMPARE(listed(QStringLiteral("upcoming")), (QStringList{started, missedBy25Hours}));
    }
};

QTEST_GUILESS_MAIN(TestRelayService)
#include "test_relay_service.moc"
