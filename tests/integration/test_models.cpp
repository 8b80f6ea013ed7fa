// The app's item models (client/models) on a real relay's log (RelayService on a real SQLite
// file), every entry checked as a client checks it on arrival (ledger::LogVerifier), each model
// watched by QAbstractItemModelTester: the timeline's tree and check marks, presence, polls
// with their tally and "my vote", the meetings list refreshed in place, the directories.

#include "base/hex.h"
#include "client/core/polls.h"
#include "client/models/directory_model.h"
#include "client/models/meeting_list_model.h"
#include "client/models/participants_model.h"
#include "client/models/polls_model.h"
#include "client/models/timeline_model.h"
#include "ledger/meeting_verifier.h"
#include "support/relay_fixture.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace cmeet;
using client::DirectoryModel;
using client::MeetingListModel;
using client::ParticipantsModel;
using client::PollsModel;
using client::TimelineEntry;
using client::TimelineModel;
using protocol::Event;
using protocol::EventType;

class TestModels : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::RelayFixture> f;
    std::shared_ptr<const protocol::SchemaValidator> schemas;
    QList<QByteArray> log; // host, alice, bob (carol on the roster never joins)
    QByteArray commentId, replyId, pollId, aliceVoteId;
    std::unique_ptr<DirectoryModel> staff;
    std::unique_ptr<DirectoryModel> patients;

    test::Member &m(const QString &name) { return f->member(name); }
    QString addressOf(const QString &name) { return m(name).key.address().toLowerHex(); }

    [[nodiscard]] QByteArray lastEventId()
    {
        const QList<QByteArray> entries = f->log(m(QStringLiteral("host")));
        return Event::fromWire(entries.at(entries.size() - 2))->id();
    }

    void submit(const QString &name, EventType type, const QJsonObject &content, std::optional<QByteArray> ref = std::nullopt)
    {
        const QJsonObject reply = f->submit(m(name), type, content, std::move(ref));
        QVERIFY2(reply.contains(QStringLiteral("result")), QJsonDocument(reply).toJson().constData());
    }

    // The entries as a client holds them after checking each on arrival.
    [[nodiscard]] QList<TimelineEntry> checked(const QList<QByteArray> &entries) const
    {
        ledger::LogVerifier verifier(f->relayKey.address());
        QList<TimelineEntry> out;
        for (qsizetype index = 0; index < entries.size(); ++index) {
            TimelineEntry entry;
            entry.index = index;
            entry.problems = verifier.check(entries.at(index), *schemas);
            entry.event = verifier.last();
            out.append(entry);
        }
        return out;
    }

    [[nodiscard]] int indexOf(EventType type, int occurrence = 0) const
    {
        for (int i = 0; i < log.size(); ++i)
            if (Event::fromWire(log.at(i))->type() == type && occurrence-- == 0)
                return i;
        return -1;
    }

    // Every row of the tree, depth first: (type, depth, parent's type).
    static void walk(const QAbstractItemModel &model, const QModelIndex &parent, int depth, QStringList &out)
    {
        for (int row = 0; row < model.rowCount(parent); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            out.append(QStringLiteral("%1%2").arg(QString(depth * 2, QLatin1Char(' ')), index.data(TimelineModel::EventTypeRole).toString()));
            walk(model, index, depth + 1, out);
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        schemas = *protocol::SchemaValidator::load();
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QVERIFY(f->start(m(QStringLiteral("host"))).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("alice"))).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("bob"))).contains(QStringLiteral("result")));
        submit(QStringLiteral("host"), EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}});
        submit(QStringLiteral("alice"), EventType::Comment, {{QStringLiteral("text"), QStringLiteral("T3 N0 on MRI")}, {QStringLiteral("patient"), QStringLiteral("P-001")}});
        commentId = lastEventId();
        submit(QStringLiteral("bob"), EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed")}}, commentId);
        replyId = lastEventId();
        submit(QStringLiteral("host"), EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("N1 on CT")}}, commentId);
        submit(QStringLiteral("host"), EventType::PatientDataChange,
               {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Surgery")}});
        const crypto::PrivateKey voting = *crypto::PrivateKey::generate();
        submit(QStringLiteral("host"), EventType::Poll,
               {{QStringLiteral("question"), QStringLiteral("Operate?")},
                {QStringLiteral("options"), QJsonArray{QStringLiteral("Yes"), QStringLiteral("No")}},
                {QStringLiteral("votingKey"), hex::encode(voting.publicKey().compressed())},
                {QStringLiteral("patient"), QStringLiteral("P-001")}});
        pollId = lastEventId();
        const QList<QPair<QString, int>> ballots{{QStringLiteral("alice"), 0}, {QStringLiteral("bob"), 1}};
        for (const auto &[voter, option] : ballots) {
            const auto ciphertext = client::encryptBallot(voting.publicKey(), pollId, m(voter).key.address(), option);
            QVERIFY(ciphertext);
            submit(voter, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(*ciphertext)}}, pollId);
            if (voter == QStringLiteral("alice"))
                aliceVoteId = lastEventId();
        }
        submit(QStringLiteral("host"), EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting.secret().view())}}, pollId);
        submit(QStringLiteral("bob"), EventType::Leave, {});
        submit(QStringLiteral("host"), EventType::End, {});
        log = f->log(m(QStringLiteral("host")));

        staff = std::make_unique<DirectoryModel>(DirectoryModel::Kind::Staff);
        patients = std::make_unique<DirectoryModel>(DirectoryModel::Kind::Patients);
        staff->setEntries(f->request(m(QStringLiteral("host")), QStringLiteral("staff.list")).value(QStringLiteral("result")).toArray());
        patients->setEntries(f->request(m(QStringLiteral("host")), QStringLiteral("patients.list")).value(QStringLiteral("result")).toArray());
    }

    void directoriesNameAndPick()
    {
        QAbstractItemModelTester tester(staff.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(staff->rowCount(), 4);
        QCOMPARE(staff->nameOf(addressOf(QStringLiteral("alice"))), QStringLiteral("alice"));
        const QString stranger = QStringLiteral("0x") + QString(40, QLatin1Char('7'));
        QCOMPARE(staff->nameOf(stranger), QStringLiteral("0x7777…7777")); // not in the directory: short form
        QCOMPARE(patients->nameOf(QStringLiteral("P-001")), QStringLiteral("Patient 1"));

        // Picking a roster: check boxes in the first column, listed in directory order.
        staff->setCheckable(true);
        QSignalSpy checked(staff.get(), &DirectoryModel::checkedChanged);
        const int bobRow = static_cast<int>(staff->match(staff->index(0, 0), DirectoryModel::KeyRole, addressOf(QStringLiteral("bob"))).value(0).row());
        const int aliceRow = static_cast<int>(staff->match(staff->index(0, 0), DirectoryModel::KeyRole, addressOf(QStringLiteral("alice"))).value(0).row());
        QVERIFY(staff->setData(staff->index(bobRow, 0), Qt::Checked, Qt::CheckStateRole));
        QVERIFY(staff->setData(staff->index(aliceRow, 0), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(checked.size(), 2);
        QStringList expected{addressOf(QStringLiteral("bob")), addressOf(QStringLiteral("alice"))};
        if (aliceRow < bobRow)
            std::swap(expected[0], expected[1]);
        QCOMPARE(staff->checkedKeys(), expected);
        QVERIFY(staff->setData(staff->index(bobRow, 0), Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(staff->checkedKeys(), QStringList{addressOf(QStringLiteral("alice"))});
        QVERIFY(!staff->setData(staff->index(bobRow, 1), Qt::Checked, Qt::CheckStateRole)); // only the first column
        // A kept roster member who left the directory is not silently dropped.
        staff->setCheckedKeys({stranger, addressOf(QStringLiteral("alice"))});
        QCOMPARE(staff->checkedKeys(), (QStringList{addressOf(QStringLiteral("alice")), stranger}));
        staff->setCheckedKeys({});
        staff->setCheckable(false);
        QVERIFY(!(staff->flags(staff->index(0, 0)) & Qt::ItemIsUserCheckable));
    }

    void timelineIsATreeOfVerifiedEntries()
    {
        const QList<TimelineEntry> entries = checked(log);
        for (const TimelineEntry &entry : entries)
            QVERIFY2(entry.problems.isEmpty(), qPrintable(entry.problems.join(QLatin1Char('\n'))));

        // Fed one entry at a time, as they arrive live.
        TimelineModel live(staff.get(), patients.get());
        QAbstractItemModelTester tester(&live, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&live, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&live, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&live, &QAbstractItemModel::modelReset);
        for (const TimelineEntry &entry : entries)
            live.append({entry});
        QCOMPARE(reset.size(), 0); // never a reset per event
        QCOMPARE(live.entryCount(), log.size());
        const int acknowledgements = static_cast<int>(std::count_if(entries.begin(), entries.end(), [](const TimelineEntry &e) {
            return protocol::isRelayAcknowledgement(e.event->type());
        }));
        QCOMPARE(inserted.size(), log.size() - acknowledgements); // acknowledgements fold into what they acknowledge
        QCOMPARE(changed.size(), acknowledgements);
        for (const QList<QVariant> &signal : changed)
            QVERIFY(signal.at(2).value<QList<int>>().contains(TimelineModel::CheckRole));

        QStringList tree;
        walk(live, {}, 0, tree);
        const QStringList expected{
            QStringLiteral("start"),     QStringLiteral("join"),      QStringLiteral("join"),        QStringLiteral("discussion"),
            QStringLiteral("comment"),   QStringLiteral("  reply"),   QStringLiteral("  disagreement"), QStringLiteral("patientDataChange"),
            QStringLiteral("poll"),      QStringLiteral("  vote"),    QStringLiteral("  vote"),      QStringLiteral("  pollEnd"),
            QStringLiteral("leave"),     QStringLiteral("end"),
        };
        QCOMPARE(tree, expected);

        // The same tree when the whole replica arrives at once (one reset for the first paint).
        TimelineModel opened(staff.get(), patients.get());
        QAbstractItemModelTester openedTester(&opened, QAbstractItemModelTester::FailureReportingMode::QtTest);
        opened.append(entries);
        QStringList openedTree;
        walk(opened, {}, 0, openedTree);
        QCOMPARE(openedTree, expected);

        // And in batches of every size after the first entry (a replica read in chunks, catch-up
        // pages): top-level runs go in as one insertion each, the tree and the marks are the same.
        for (const int batch : {2, 3, 5, 8, 13, 40}) {
            TimelineModel batched(staff.get(), patients.get());
            QAbstractItemModelTester batchedTester(&batched, QAbstractItemModelTester::FailureReportingMode::QtTest);
            QSignalSpy batchedReset(&batched, &QAbstractItemModel::modelReset);
            QSignalSpy batchedInserted(&batched, &QAbstractItemModel::rowsInserted);
            batched.append({entries.constFirst()});
            for (qsizetype at = 1; at < entries.size(); at += batch)
                batched.append(entries.mid(at, batch));
            QCOMPARE(batchedReset.size(), 0);
            QVERIFY(batch < 5 ? batchedInserted.size() <= inserted.size() : batchedInserted.size() < inserted.size()); // fewer, larger insertions
            QStringList batchedTree;
            walk(batched, {}, 0, batchedTree);
            QCOMPARE(batchedTree, expected);
            for (int row = 0; row < batched.rowCount(); ++row)
                QCOMPARE(batched.index(row, 0).data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified);
        }

        // What a clinician reads: names from the directory, patients by name, the check mark.
        const QModelIndex comment = live.indexOf(commentId);
        QVERIFY(comment.isValid());
        QCOMPARE(comment.siblingAtColumn(TimelineModel::WhatColumn).data().toString(), QStringLiteral("On Patient 1: T3 N0 on MRI"));
        QCOMPARE(comment.siblingAtColumn(TimelineModel::AuthorColumn).data().toString(), QStringLiteral("alice"));
        QCOMPARE(comment.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified);
        QCOMPARE(comment.siblingAtColumn(TimelineModel::CheckColumn).data().toString(), QStringLiteral("Verified"));
        QCOMPARE(live.indexOf(replyId).parent(), comment);
        const QModelIndex change = live.index(5, TimelineModel::WhatColumn);
        QCOMPARE(change.data().toString(), QStringLiteral("Patient 1, MDT outcome set to “Surgery”"));
        for (int row = 0; row < live.rowCount(); ++row)
            QCOMPARE(live.index(row, 0).data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified);
        QCOMPARE(live.index(0, 0).data(TimelineModel::AcknowledgedAtRole).toLongLong(), Event::fromWire(log.at(1))->ts());
    }

    // Before its acknowledgement arrives an entry says so; the acknowledgement turns it verified.
    void anEntryAwaitsItsAcknowledgement()
    {
        const QList<TimelineEntry> entries = checked(log);
        const int commentAt = static_cast<int>(std::find_if(entries.begin(), entries.end(), [&](const TimelineEntry &e) { return e.event->id() == commentId; }) - entries.begin());
        TimelineModel model(staff.get(), patients.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(entries.mid(0, commentAt + 1));
        const QModelIndex comment = model.indexOf(commentId).siblingAtColumn(TimelineModel::CheckColumn);
        QCOMPARE(comment.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::AwaitingAcknowledgement);
        QVERIFY(comment.data(TimelineModel::AcknowledgedAtRole).isNull());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.append({entries.at(commentAt + 1)});
        QCOMPARE(changed.size(), 1);
        QVERIFY(QItemSelectionRange(changed.first().at(0).toModelIndex(), changed.first().at(1).toModelIndex()).contains(comment));
        QCOMPARE(comment.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Verified);
    }

    // A changed comment and an acknowledgement of nothing: shown, marked, never dropped.
    void problemsAreShownNotDropped()
    {
        QList<QByteArray> tampered = log;
        const int commentAt = static_cast<int>(std::find_if(log.begin(), log.end(), [&](const QByteArray &b) { return Event::fromWire(b)->id() == commentId; }) - log.begin());
        tampered[commentAt].replace("T3 N0", "T4 N0");
        const QList<TimelineEntry> entries = checked(tampered);
        TimelineModel model(staff.get(), patients.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append({entries.constFirst()});
        for (qsizetype at = 1; at < entries.size(); at += 3) // in batches, as catch-up pages come
            model.append(entries.mid(at, 3));
        QCOMPARE(model.entryCount(), tampered.size());
        const QModelIndex comment = model.index(4, TimelineModel::CheckColumn);
        QVERIFY(comment.siblingAtColumn(0).data().toString().contains(QStringLiteral("T4 N0")));
        QCOMPARE(comment.data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Failed);
        QCOMPARE(comment.data().toString(), QStringLiteral("Does not verify"));
        QVERIFY2(comment.data(Qt::ToolTipRole).toString().contains(QStringLiteral("signed")), qPrintable(comment.data(Qt::ToolTipRole).toString()));

        // An entry that is not an event at all is a row of its own.
        QList<TimelineEntry> garbage = checked(log.mid(0, 2));
        TimelineEntry unreadable;
        unreadable.index = 2;
        unreadable.problems = {QStringLiteral("not JSON")};
        model.clear();
        model.append(garbage);
        model.append({unreadable});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("Unreadable entry 2"));
        QCOMPARE(model.index(1, 0).data(TimelineModel::CheckRole).value<TimelineModel::Check>(), TimelineModel::Check::Failed);
    }

    void participantsShowPresence()
    {
        ParticipantsModel model(staff.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QJsonObject meeting = f->request(m(QStringLiteral("host")), QStringLiteral("meeting.get"), {{QStringLiteral("id"), f->meeting}})
                                        .value(QStringLiteral("result")).toObject();
        model.setMeeting(meeting);
        QCOMPARE(model.rowCount(), 4); // the host and the roster, before anyone joins
        QCOMPARE(model.presentCount(), 0);
        const QList<TimelineEntry> entries = checked(log);
        const int aliceJoin = indexOf(EventType::Join, 0);
        model.append(entries.mid(0, aliceJoin + 1));
        const int alice = model.rowOf(addressOf(QStringLiteral("alice")));
        QCOMPARE(model.index(alice, ParticipantsModel::StatusColumn).data().toString(), QStringLiteral("Present"));
        QVERIFY(model.index(alice, ParticipantsModel::JoinedColumn).data().toString().contains(QStringLiteral("awaiting the relay")));
        model.append(entries.mid(aliceJoin + 1));
        // Join time is the relay's acknowledgement time.
        QCOMPARE(model.index(alice, 0).data(ParticipantsModel::JoinedAtRole).toLongLong(), Event::fromWire(log.at(aliceJoin + 1))->ts());
        QVERIFY(!model.index(alice, ParticipantsModel::JoinedColumn).data().toString().contains(QStringLiteral("awaiting")));
        const int host = model.rowOf(addressOf(QStringLiteral("host")));
        QCOMPARE(model.index(host, 0).data().toString(), QStringLiteral("host (host)"));
        const auto presence = [&](const QString &name) {
            return model.index(model.rowOf(addressOf(name)), 0).data(ParticipantsModel::PresenceRole).value<ParticipantsModel::Presence>();
        };
        QCOMPARE(presence(QStringLiteral("host")), ParticipantsModel::Presence::Present);
        QCOMPARE(presence(QStringLiteral("alice")), ParticipantsModel::Presence::Present);
        QCOMPARE(presence(QStringLiteral("bob")), ParticipantsModel::Presence::Left);
        QCOMPARE(presence(QStringLiteral("carol")), ParticipantsModel::Presence::NotJoined);
        QVERIFY(!model.index(model.rowOf(addressOf(QStringLiteral("bob"))), 0).data(ParticipantsModel::LeftAtRole).isNull());
        QCOMPARE(model.presentCount(), 2);
    }

    void pollsTallyOnceEnded()
    {
        PollsModel model(patients.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSession(nullptr, addressOf(QStringLiteral("alice")));
        const QList<TimelineEntry> entries = checked(log);
        const int pollEndAck = indexOf(EventType::PollEndAck);
        const int pollEnd = indexOf(EventType::PollEnd);
        model.append(entries.mid(0, pollEnd));
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex poll = model.index(0, PollsModel::ResultColumn);
        QCOMPARE(poll.data(PollsModel::PollIdRole).toByteArray(), pollId);
        QCOMPARE(model.index(0, PollsModel::QuestionColumn).data().toString(), QStringLiteral("Operate? (Patient 1)"));
        QCOMPARE(poll.data(PollsModel::VotesRole).toInt(), 2);
        QCOMPARE(poll.data(PollsModel::MyVoteRole).value<PollsModel::MyVote>(), PollsModel::MyVote::Cast);
        QVERIFY(poll.data(PollsModel::CountsRole).toList().isEmpty()); // secret until the end is acknowledged
        QCOMPARE(poll.data().toString(), QStringLiteral("Secret until the poll ends"));
        QCOMPARE(model.openPoll(), std::optional<QByteArray>(pollId));
        model.append(entries.mid(pollEnd, pollEndAck - pollEnd));
        QCOMPARE(poll.data().toString(), QStringLiteral("Counting…")); // the host ended it; the relay has not acknowledged yet
        QCOMPARE(model.index(0, PollsModel::StatusColumn).data().toString(), QStringLiteral("Ending"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.append(entries.mid(pollEndAck));
        QCOMPARE(changed.size(), 1);
        QVERIFY(poll.data(PollsModel::EndedRole).toBool());
        QCOMPARE(poll.data(PollsModel::CountsRole).toList(), (QVariantList{1, 1}));
        QCOMPARE(poll.data(PollsModel::InvalidRole).toInt(), 0);
        QCOMPARE(poll.data(PollsModel::MyVoteRole).value<PollsModel::MyVote>(), PollsModel::MyVote::Counted);
        QCOMPARE(poll.data().toString(), QStringLiteral("Yes: 1, No: 1"));
        QVERIFY(!model.openPoll());

        // Carol never voted: nothing to count.
        PollsModel carols;
        carols.setSession(nullptr, addressOf(QStringLiteral("carol")));
        carols.append(entries);
        QCOMPARE(carols.index(0, 0).data(PollsModel::MyVoteRole).value<PollsModel::MyVote>(), PollsModel::MyVote::NotVoted);

        QVERIFY(poll.data(PollsModel::ProblemsRole).toStringList().isEmpty());

        // A relay that leaves alice's vote out of its pollEndAck: "not counted", with why it does not verify.
        QList<QByteArray> lying = log.mid(0, pollEndAck);
        const QJsonArray votes = Event::fromWire(log.at(pollEndAck))->content().value(QStringLiteral("votes")).toArray();
        QJsonArray withoutAlice;
        for (const QJsonValue &vote : votes)
            if (vote.toString() != hex::encode(aliceVoteId))
                withoutAlice.append(vote);
        QCOMPARE(withoutAlice.size(), 1);
        lying.append(f->relaySigned(lying, EventType::PollEndAck, {{QStringLiteral("votes"), withoutAlice}}));
        PollsModel cheated;
        QAbstractItemModelTester cheatedTester(&cheated, QAbstractItemModelTester::FailureReportingMode::QtTest);
        cheated.setSession(nullptr, addressOf(QStringLiteral("alice")));
        cheated.append(checked(lying));
        const QModelIndex result = cheated.index(0, PollsModel::StatusColumn);
        QCOMPARE(result.data(PollsModel::MyVoteRole).value<PollsModel::MyVote>(), PollsModel::MyVote::NotCounted);
        QCOMPARE(result.data(PollsModel::CountsRole).toList(), (QVariantList{0, 1}));
        QVERIFY(!result.data(PollsModel::ProblemsRole).toStringList().isEmpty());
        QCOMPARE(result.data().toString(), QStringLiteral("Ended, does not verify"));
    }

    void meetingsRefreshInPlace()
    {
        MeetingListModel model(staff.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString host = addressOf(QStringLiteral("host"));
        const auto meeting = [&](const QString &id, qint64 at, const QString &status) {
            return QJsonObject{{QStringLiteral("id"), id},       {QStringLiteral("title"), QString(QStringLiteral("MDT ") + id)},
                               {QStringLiteral("scheduledAt"), at}, {QStringLiteral("status"), status},
                               {QStringLiteral("host"), host},   {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}};
        };
        const qint64 base = 1000000;
        model.setMeetings(QJsonArray{meeting(QStringLiteral("c"), base + 3, QStringLiteral("scheduled")), meeting(QStringLiteral("a"), base + 1, QStringLiteral("ended")),
                           meeting(QStringLiteral("b"), base + 2, QStringLiteral("started"))});
        const auto ids = [&] {
            QStringList out;
            for (int row = 0; row < model.rowCount(); ++row)
                out.append(model.index(row, 0).data(MeetingListModel::IdRole).toString());
            return out;
        };
        QCOMPARE(ids(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        QCOMPARE(model.index(0, MeetingListModel::StatusColumn).data().toString(), QStringLiteral("Ended"));
        QCOMPARE(model.index(1, MeetingListModel::StatusColumn).data().toString(), QStringLiteral("In progress"));
        QVERIFY(!model.index(0, 0).data(MeetingListModel::UpcomingRole).toBool());
        QVERIFY(model.index(2, 0).data(MeetingListModel::UpcomingRole).toBool());
        QCOMPARE(model.index(0, MeetingListModel::HostColumn).data().toString(), QStringLiteral("host"));

        // b ends, a disappears (cancelled elsewhere), c moves before d, d is new: b keeps its row object.
        QPersistentModelIndex b(model.index(1, 0));
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setMeetings(QJsonArray{meeting(QStringLiteral("b"), base + 2, QStringLiteral("ended")), meeting(QStringLiteral("d"), base + 5, QStringLiteral("scheduled")),
                           meeting(QStringLiteral("c"), base + 4, QStringLiteral("scheduled"))});
        QCOMPARE(reset.size(), 0);
        QCOMPARE(ids(), (QStringList{QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}));
        QVERIFY(b.isValid());
        QCOMPARE(b.data(MeetingListModel::IdRole).toString(), QStringLiteral("b"));
        QCOMPARE(b.data(MeetingListModel::StatusRole).toString(), QStringLiteral("ended"));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
