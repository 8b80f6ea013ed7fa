// DeeID on a real dev chain: cmeet-cli registrar deploys the IdentityRegistry, enrols people and
// adds and revokes keys; a real relay (--identity-registry) lets in only logins and joins signed
// by a key active there, learns revocations within its sync period, and refuses everyone once
// its copy is too old. An auditor accepts a device key's join only with the registry's word.

#include "base/hex.h"
#include "chain/eth_client.h"
#include "client/core/approval.h"
#include "client/core/local_chain.h"
#include "client/core/local_relay.h"
#include "client/core/participant.h"
#include "client/core/process_output.h"
#include "client/core/relay_connection.h"
#include "crypto/keystore.h"
#include "identity/enrolment.h"
#include "identity/identity_registry.h"
#include "ledger/meeting_verifier.h"
#include "store/meeting_file.h"
#include "support/key_file.h"
#include "support/program_run.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace cmeet;
using protocol::ErrorCode;
using protocol::EventType;

namespace {

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

const QByteArray passphrase = "identity test";

} // namespace

class TestIdentity : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalChain> m_chain;
    std::unique_ptr<client::LocalRelay> m_relay;
    crypto::Address m_host, m_alice, m_laptop, m_bob, m_registry, m_registrar;

    // cmeet-cli with the test's chain, registry and passphrase (or another chain and registry); stdout, or a failure message.
    QProcessEnvironment cliEnvironment(const std::optional<QUrl> &chain = std::nullopt, const std::optional<crypto::Address> &registry = std::nullopt)
    {
        QProcessEnvironment environment = test::environmentWith({{QStringLiteral("CMEET_PASSPHRASE"), QString::fromUtf8(passphrase)},
                                                                  {QStringLiteral("CMEET_CHAIN"), chain.value_or(m_chain->url()).toString()}});
        if (const crypto::Address identityRegistry = chain ? registry.value_or(crypto::Address()) : m_registry; identityRegistry != crypto::Address())
            environment.insert(QStringLiteral("CMEET_IDENTITY_REGISTRY"), identityRegistry.toLowerHex());
        return environment;
    }

    QPair<int, QString> cli(const QStringList &arguments, const std::optional<QUrl> &chain = std::nullopt, const std::optional<crypto::Address> &registry = std::nullopt)
    {
        test::ProgramOptions options;
        options.environment = cliEnvironment(chain, registry);
        options.workingDirectory = m_dir.path();
        const test::ProgramRun run = test::runProgram(QStringLiteral(CMEET_CLI_PATH), arguments, options);
        return {run.exitCode, run.answer()};
    }

    crypto::Address newKeyFile(const QString &name)
    {
        const auto created = cli({QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("-o"), name});
        return crypto::Address::fromHex(created.second).value_or(crypto::Address());
    }

    crypto::PrivateKey openKeyFile(const QString &name) { return test::openKeyFile(m_dir.filePath(name), passphrase); }

    // A fresh connection's login as identity, signed with key: the error code, or nothing.
    std::optional<ErrorCode> loginError(const crypto::Address &identity, const crypto::PrivateKey &key)
    {
        client::RelayConnection connection;
        if (!connection.open(m_relay->url()))
            return ErrorCode::InternalError;
        auto login = connection.login(identity, key);
        return login ? std::nullopt : std::optional<ErrorCode>(login.error().code);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_chain = std::make_unique<client::LocalChain>(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(m_chain->start(), qPrintable(m_chain->lastOutput()));
        const crypto::Address registrar = newKeyFile(QStringLiteral("registrar.key"));
        m_host = newKeyFile(QStringLiteral("host.key"));
        m_alice = newKeyFile(QStringLiteral("alice.key"));
        m_laptop = newKeyFile(QStringLiteral("laptop.key"));
        m_bob = newKeyFile(QStringLiteral("bob.key"));
        chain::EthClient client(m_chain->url());
        const auto ether = *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"));
        QVERIFY(client.setBalance(registrar, ether) && client.setBalance(m_alice, ether));

        // An outsider's key can't enrol anyone in the registrar's registry.
        const auto deployed = cli({QStringLiteral("registrar"), QStringLiteral("deploy"), QStringLiteral("--key"), QStringLiteral("registrar.key")});
        QCOMPARE(deployed.first, 0);
        m_registry = *crypto::Address::fromHex(deployed.second);
        const auto byAlice = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), m_bob.toLowerHex(), QStringLiteral("--key"), QStringLiteral("alice.key"),
                                  QStringLiteral("--skip-identification")});
        QCOMPARE(byAlice.first, 1);
        QVERIFY2(byAlice.second.contains(QStringLiteral("only the registrar")), qPrintable(byAlice.second));
        const auto unproven = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), m_host.toLowerHex(), QStringLiteral("--key"), QStringLiteral("registrar.key")});
        QVERIFY2(unproven.first == 2 && unproven.second.contains(QStringLiteral("--ffs-public")), qPrintable(unproven.second));
        const auto host = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), m_host.toLowerHex(), QStringLiteral("--key"), QStringLiteral("registrar.key"),
                               QStringLiteral("--skip-identification")});
        QVERIFY2(host.first == 0, qPrintable(host.second));

        // Alice is enrolled the proper way: the registrar issues her Feige-Fiat-Shamir secrets,
        // and enrols her once she has proven, from her own process, that she holds them.
        QCOMPARE(cli({QStringLiteral("registrar"), QStringLiteral("ffs-setup"), QStringLiteral("--out"), QStringLiteral("modulus.json")}).first, 0);
        for (const QString &name : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            const crypto::Address identity = name == QStringLiteral("alice") ? m_alice : m_bob;
            const auto issued = cli({QStringLiteral("registrar"), QStringLiteral("ffs-issue"), identity.toLowerHex(), QStringLiteral("--modulus"), QStringLiteral("modulus.json"),
                                     QStringLiteral("--public-out"), name + QStringLiteral(".ffs.json"), QStringLiteral("--secret-out"), name + QStringLiteral(".ffs")});
            QVERIFY2(issued.first == 0, qPrintable(issued.second));
        }
        QProcess registrarDesk;
        registrarDesk.setProcessEnvironment(cliEnvironment());
        registrarDesk.setWorkingDirectory(m_dir.path());
        registrarDesk.setProcessChannelMode(QProcess::MergedChannels);
        registrarDesk.start(QStringLiteral(CMEET_CLI_PATH), {QStringLiteral("registrar"), QStringLiteral("enrol"), m_alice.toLowerHex(), QStringLiteral("--key"),
                                                               QStringLiteral("registrar.key"), QStringLiteral("--ffs-public"), QStringLiteral("alice.ffs.json"),
                                                               QStringLiteral("--modulus"), QStringLiteral("modulus.json")});
        QVERIFY(registrarDesk.waitForStarted(10000));
        QByteArray deskOutput;
        const auto port = client::waitForOutput(registrarDesk, QRegularExpression(QStringLiteral("on 127\\.0\\.0\\.1:(\\d+)")), deskOutput);
        QVERIFY2(port, deskOutput.constData());
        const auto proven = cli({QStringLiteral("identity"), QStringLiteral("prove"), QStringLiteral("--to"), QStringLiteral("127.0.0.1:") + *port,
                                 QStringLiteral("--registrar"), registrar.toLowerHex(), QStringLiteral("--ffs-secret"), QStringLiteral("alice.ffs"),
                                 QStringLiteral("--ffs-public"), QStringLiteral("alice.ffs.json")});
        QVERIFY2(proven.first == 0 && proven.second.contains(QStringLiteral("proven")), qPrintable(proven.second));
        QVERIFY(registrarDesk.waitForFinished(60000));
        deskOutput += registrarDesk.readAll();
        QVERIFY2(registrarDesk.exitCode() == 0 && deskOutput.contains("enrolled"), deskOutput.constData());
        m_registrar = registrar;

        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), passphrase);
        QVERIFY(m_relay->init());
        // Bob is staff but never enrolled: the directory alone does not let him in.
        QVERIFY(m_relay->importDirectory({{m_host, QStringLiteral("Host")}, {m_alice, QStringLiteral("Alice")}, {m_bob, QStringLiteral("Bob")}},
                                         {QStringLiteral("P-001")}));
        // The relay anchors its meetings too, so that an auditor can check everything (test below).
        QString relayAddress;
        QVERIFY(m_relay->command({QStringLiteral("address")}, &relayAddress));
        chain::EthClient funding(m_chain->url());
        QVERIFY(funding.setBalance(*crypto::Address::fromHex(relayAddress.trimmed()), *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"))));
        QString meetingRegistry;
        QVERIFY2(m_relay->command({QStringLiteral("deploy-registry"), QStringLiteral("--chain"), m_chain->url().toString()}, &meetingRegistry),
                 qPrintable(meetingRegistry));
        QVERIFY2(m_relay->start({QStringLiteral("--chain"), m_chain->url().toString(), QStringLiteral("--identity-registry"), m_registry.toLowerHex(),
                                 QStringLiteral("--identity-max-stale"), QStringLiteral("6")}),
                 qPrintable(m_relay->lastOutput()));
    }

    // The enrolment exchange over a real connection: someone holding other secrets (here Alice's,
    // claiming to be Bob) is refused, and the registrar's side says so.
    void enrolmentRefusesAProverWithoutTheSecrets()
    {
        auto bobIssued = identity::readPublicKeyFile(m_dir.filePath(QStringLiteral("bob.ffs.json")));
        auto aliceIssued = identity::readPublicKeyFile(m_dir.filePath(QStringLiteral("alice.ffs.json")));
        QVERIFY(bobIssued && aliceIssued);
        QCOMPARE(bobIssued->identity, m_bob);
        const auto bobPublic = std::optional(bobIssued->key);
        const auto alicePublic = std::optional(aliceIssued->key);
        QFile aliceSecretFile(m_dir.filePath(QStringLiteral("alice.ffs")));
        QVERIFY(bobPublic && alicePublic && aliceSecretFile.open(QIODevice::ReadOnly));
        auto aliceSecret = crypto::FfsSecret::fromBytes(crypto::keystore::openSecret(aliceSecretFile.readAll(), crypto::SecretBytes(passphrase))->secret.view());
        QVERIFY(aliceSecret);

        // One exchange over a real loopback connection: the registrar's side here, the person's in a thread.
        const auto exchange = [&](const identity::EnrolmentParties &proverExpects) {
            QTcpServer server;
            server.listen(QHostAddress::LocalHost);
            Expected<Ok, QString> proverResult = Ok{};
            auto secret = crypto::FfsSecret::fromBytes(aliceSecret->toBytes().view());
            std::unique_ptr<QThread> person(QThread::create([&] {
                QTcpSocket socket;
                socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
                if (socket.waitForConnected(5000))
                    proverResult = identity::proveEnrolment(socket, *alicePublic, std::move(*secret), proverExpects);
            }));
            person->start();
            Expected<Ok, QString> verified = unexpected(QStringLiteral("nobody connected"));
            if (server.waitForNewConnection(10000)) {
                std::unique_ptr<QTcpSocket> socket(server.nextPendingConnection());
                verified = identity::verifyEnrolment(*socket, *bobPublic, {m_registrar, m_bob, m_bob}, crypto::ffs::defaultRounds, 10000);
            }
            person->wait(20000);
            return qMakePair(verified, proverResult);
        };
        // Alice's secrets (with her own public key, so her side runs) offered in Bob's enrolment.
        const auto impostor = exchange({m_registrar, m_bob, m_bob});
        QVERIFY(!impostor.first);
        QVERIFY2(impostor.first.error().contains(QStringLiteral("round 1")), qPrintable(impostor.first.error()));
        QVERIFY2(!impostor.second && impostor.second.error().contains(QStringLiteral("refused")), qPrintable(impostor.second.error()));
        // An honest person is never talked into proving in a session for someone else.
        const auto misled = exchange({m_registrar, m_alice, m_alice});
        QVERIFY(!misled.first);
        QVERIFY2(!misled.second && misled.second.error().contains(QStringLiteral("this session enrols")), qPrintable(misled.second.error()));
        // Nor into enrolling a key other than the one they chose.
        const auto otherKey = exchange({m_registrar, m_bob, m_laptop});
        QVERIFY(!otherKey.first);
        QVERIFY2(!otherKey.second && otherKey.second.error().contains(QStringLiteral("would enrol the key")), qPrintable(otherKey.second.error()));
        // The registrar's side refuses a public key issued for someone else before anyone connects.
        const auto swapped = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), m_bob.toLowerHex(), QStringLiteral("--key"), QStringLiteral("registrar.key"),
                                  QStringLiteral("--ffs-public"), QStringLiteral("alice.ffs.json"), QStringLiteral("--modulus"), QStringLiteral("modulus.json")});
        QVERIFY2(swapped.first == 1 && swapped.second.contains(QStringLiteral("was issued for")), qPrintable(swapped.second));
        chain::EthClient client(m_chain->url());
        QCOMPARE(*identity::isEnrolled(client, m_registry, m_bob), false);
        QCOMPARE(*identity::isEnrolled(client, m_registry, m_alice), true);
    }

    void loginNeedsAKeyActiveInTheRegistry()
    {
        const crypto::PrivateKey host = openKeyFile(QStringLiteral("host.key"));
        const crypto::PrivateKey laptop = openKeyFile(QStringLiteral("laptop.key"));
        // The first sync happens as the relay starts; a login before it is refused as stale.
        QTRY_VERIFY_WITH_TIMEOUT(!loginError(m_host, host), 10000);
        QCOMPARE(loginError(m_bob, openKeyFile(QStringLiteral("bob.key"))), ErrorCode::KeyNotActive);
        QCOMPARE(loginError(m_alice, laptop), ErrorCode::KeyNotActive); // not added yet
        QCOMPARE(loginError(m_alice, host), ErrorCode::KeyNotActive);   // another identity's key

        // Alice adds her laptop's key herself; the relay learns it within its sync period.
        const auto added = cli({QStringLiteral("registrar"), QStringLiteral("add-key"), m_alice.toLowerHex(), m_laptop.toLowerHex(),
                                QStringLiteral("--key"), QStringLiteral("alice.key")});
        QVERIFY2(added.first == 0, qPrintable(added.second));
        QTRY_VERIFY_WITH_TIMEOUT(!loginError(m_alice, laptop), 10000);
        const auto status = cli({QStringLiteral("registrar"), QStringLiteral("status"), m_alice.toLowerHex(), m_laptop.toLowerHex()});
        QVERIFY2(status.second.contains(QStringLiteral("enrolled")) && status.second.contains(QStringLiteral("active since")), qPrintable(status.second));
    }

    void joinWithADeviceKeyUntilItIsRevoked()
    {
        const crypto::PrivateKey hostKey = openKeyFile(QStringLiteral("host.key"));
        const crypto::PrivateKey laptop = openKeyFile(QStringLiteral("laptop.key"));
        const crypto::PrivateKey aliceKey = openKeyFile(QStringLiteral("alice.key"));
        client::RelayConnection host;
        client::RelayConnection alice;       // logged in with her identity key
        client::RelayConnection aliceLaptop; // logged in with the laptop's key
        QVERIFY(host.open(m_relay->url()) && host.login(hostKey));
        QVERIFY(alice.open(m_relay->url()) && alice.login(aliceKey));
        QVERIFY(aliceLaptop.open(m_relay->url()) && aliceLaptop.login(m_alice, laptop));
        auto created = host.call(QStringLiteral("meeting.create"), {{QStringLiteral("title"), QStringLiteral("Keys")}, {QStringLiteral("scheduledAt"), now()},
                                                                    {QStringLiteral("roster"), QJsonArray{m_alice.toLowerHex()}},
                                                                    {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}}});
        QVERIFY(created);
        const QString meeting = created->toObject().value(QStringLiteral("id")).toString();
        // anvil stamps each block at least a second after the one before, so the burst of
        // enrolments above can run the chain's clock ahead of the wall clock; an event signed
        // before its key's block time would (rightly) fail the auditor's check. Wait until every
        // key used here is active by the wall clock.
        chain::EthClient registryReader(m_chain->url());
        for (const auto &[identity, key] : {std::pair{m_host, m_host}, std::pair{m_alice, m_alice}, std::pair{m_alice, m_laptop}}) {
            const auto period = identity::keyPeriod(registryReader, m_registry, identity, key);
            QVERIFY(period);
            QTRY_VERIFY_WITH_TIMEOUT(static_cast<quint64>(now() / 1000) > period->addedAt, 15000);
        }
        client::Participant hostPart(hostKey, meeting, host.relayAddress());
        client::Participant alicePart(laptop, m_alice, meeting, alice.relayAddress());
        const auto start = hostPart.makeEvent(EventType::Start, {{QStringLiteral("title"), QStringLiteral("Keys")},
                                                                 {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001")}},
                                                                 {QStringLiteral("roster"), QJsonArray{m_host.toLowerHex(), m_alice.toLowerHex()}},
                                                                 {QStringLiteral("delegation"), *hostPart.newSession(now())},
                                                                 {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x01'))}},
                                              std::nullopt, now());
        QVERIFY(host.submit(start->wireBytes(), QStringLiteral("1234")));

        // A join whose delegation the laptop signed but whose event another key signed is refused.
        const auto mixed = protocol::Event::create({EventType::Join, meeting, m_alice, start->id(), now(),
                                                    {{QStringLiteral("delegation"), *alicePart.newSession(now())}}});
        auto mixedSigned = *mixed;
        QVERIFY(mixedSigned.sign(hostKey));
        QCOMPARE(alice.submit(mixedSigned.wireBytes(), QStringLiteral("1234")).error().code, ErrorCode::WrongSigner);

        // A session key may be delegated for a day at most: a revoked key leaves nothing longer behind.
        const auto tooLong = alicePart.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *alicePart.newSession(now(), 25LL * 3600 * 1000)}},
                                                 start->id(), now());
        QCOMPARE(alice.submit(tooLong->wireBytes(), QStringLiteral("1234")).error().code, ErrorCode::DelegationInvalid);

        const auto join = alicePart.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *alicePart.newSession(now())}}, start->id(), now());
        auto joined = alice.submit(join->wireBytes(), QStringLiteral("1234"));
        QVERIFY2(joined, joined ? "" : qPrintable(joined.error().detail));
        const auto comment = alicePart.makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("From my laptop.")}}, join->id(), now());
        QVERIFY(alice.submit(comment->wireBytes()));
        QVERIFY(aliceLaptop.call(QStringLiteral("meeting.subscribe"), {{QStringLiteral("meeting"), meeting}}));
        const qsizetype laptopHeard = aliceLaptop.received().size();

        // The registrar revokes the laptop's key: new logins and joins with it are refused. The
        // registry counts in whole seconds and a key is revoked from the start of its second: wait
        // for the next one, or an auditor could not tell the join from the revocation.
        QTest::qWait(1100);
        const auto revoked = cli({QStringLiteral("registrar"), QStringLiteral("revoke"), m_alice.toLowerHex(), m_laptop.toLowerHex(),
                                  QStringLiteral("--key"), QStringLiteral("registrar.key")});
        QVERIFY2(revoked.first == 0, qPrintable(revoked.second));
        QTRY_COMPARE_WITH_TIMEOUT(loginError(m_alice, laptop), std::optional<ErrorCode>(ErrorCode::KeyNotActive), 10000);
        // What the laptop's key started ends with it: its login, what its connection hears, and
        // the meeting session its join opened.
        const auto late = alicePart.makeEvent(EventType::Comment, {{QStringLiteral("text"), QStringLiteral("Still here?")}}, comment->id(), now());
        QCOMPARE(alice.submit(late->wireBytes()).error().code, ErrorCode::KeyNotActive);
        const auto rejoin = alicePart.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *alicePart.newSession(now())}}, start->id(), now());
        QCOMPARE(alice.submit(rejoin->wireBytes(), QStringLiteral("1234")).error().code, ErrorCode::KeyNotActive);
        // With a key still active (her own), Alice joins again at once.
        client::Participant aliceOwn(aliceKey, meeting, alice.relayAddress());
        const auto ownJoin = aliceOwn.makeEvent(EventType::Join, {{QStringLiteral("delegation"), *aliceOwn.newSession(now())}}, start->id(), now());
        auto rejoined = alice.submit(ownJoin->wireBytes(), QStringLiteral("1234"));
        QVERIFY2(rejoined, rejoined ? "" : qPrintable(rejoined.error().detail));
        // Broadcasts to the laptop would have come before this answer.
        QCOMPARE(aliceLaptop.call(QStringLiteral("meeting.list"), {}).error().code, ErrorCode::NotAuthenticated);
        QCOMPARE(aliceLaptop.received().size(), laptopHeard);
        const auto end = hostPart.makeEvent(EventType::End, {}, ownJoin->id(), now());
        QVERIFY(host.submit(end->wireBytes()));

        // An auditor: the laptop's join is accepted only with the registry's word that the key
        // was active when it signed (then), even though it is revoked now.
        auto events = host.call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}});
        QVERIFY(events);
        QList<QByteArray> log;
        for (const QJsonValue &entry : events->toObject().value(QStringLiteral("events")).toArray())
            log.append(entry[QStringLiteral("event")].toString().toUtf8());
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const auto withoutRegistry = ledger::verifyMeetingLog(log, **schemas);
        QVERIFY(!withoutRegistry.ok());
        QVERIFY2(withoutRegistry.problems.join(QLatin1Char('\n')).contains(QStringLiteral("not shown active")), qPrintable(withoutRegistry.problems.join(QLatin1Char('\n'))));
        chain::EthClient client(m_chain->url());
        const auto withRegistry = ledger::verifyMeetingLog(log, **schemas, std::nullopt, client::identityRegistryCheck(client, m_registry));
        // What 'cmeet-cli approve' does with it: the final record only with the registry's word.
        QVERIFY(client::finalRecordOf(log, **schemas, host.relayAddress(), client::identityRegistryCheck(client, m_registry)));
        QVERIFY(!client::finalRecordOf(log, **schemas, host.relayAddress()));
        QVERIFY2(withRegistry.ok(), qPrintable(withRegistry.problems.join(QLatin1Char('\n'))));

        // The auditor's tool on the meeting file: with the chain, every key (the laptop's
        // included, active when it signed) and the anchor verify: exit 0. Without, exit 2.
        QTRY_COMPARE_WITH_TIMEOUT(host.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}})->toObject().value(QStringLiteral("anchor")).toObject()
                                      .value(QStringLiteral("close")).toObject().value(QStringLiteral("status")).toString(),
                                  QStringLiteral("done"), 20000);
        const QString path = m_dir.filePath(QStringLiteral("keys.cmeet"));
        {
            auto file = store::MeetingFile::create(path, host.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}})->toObject());
            QVERIFY(file);
            QVERIFY((*file)->appendLog(log));
        }
        const test::ProgramRun verified = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), path, QStringLiteral("--chain"), m_chain->url().toString()});
        QVERIFY2(verified.exitCode == 0 && verified.out.startsWith(path + QStringLiteral(": VERIFIED")), qPrintable(verified.outAndErr()));
        QVERIFY2(verified.out.contains(QStringLiteral("3 keys that signed starts and joins were active in the identity registry")), qPrintable(verified.out));
        const test::ProgramRun offline = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), path});
        QVERIFY2(offline.exitCode == 2 && offline.out.contains(QStringLiteral("device key %1 of %2").arg(m_laptop.toChecksumHex(), m_alice.toChecksumHex())),
                 qPrintable(offline.outAndErr()));

        // A registry whose record has the laptop's key revoked an hour before Alice joined with
        // it: on a second dev chain whose clock starts then, Alice adds the key and the registrar
        // revokes it. Checked against that registry, the join is caught, at its entry.
        client::LocalChain past(client::LocalChain::findBinary(QStringLiteral(CMEET_SOURCE_DIR)));
        QVERIFY2(past.start(0, {}, {QStringLiteral("--timestamp"), QString::number(join->ts() / 1000 - 3600)}), qPrintable(past.lastOutput()));
        chain::EthClient pastClient(past.url());
        const auto ether = *chain::UInt256::fromDecimal(QStringLiteral("10000000000000000000"));
        QVERIFY(pastClient.setBalance(m_registrar, ether) && pastClient.setBalance(m_alice, ether));
        const auto pastDeployed = cli({QStringLiteral("registrar"), QStringLiteral("deploy"), QStringLiteral("--key"), QStringLiteral("registrar.key")}, past.url());
        QVERIFY2(pastDeployed.first == 0, qPrintable(pastDeployed.second));
        const crypto::Address pastRegistry = *crypto::Address::fromHex(pastDeployed.second);
        for (const crypto::Address &identity : {m_host, m_alice}) {
            const auto enrolled = cli({QStringLiteral("registrar"), QStringLiteral("enrol"), identity.toLowerHex(), QStringLiteral("--key"), QStringLiteral("registrar.key"),
                                       QStringLiteral("--skip-identification")}, past.url(), pastRegistry);
            QVERIFY2(enrolled.first == 0, qPrintable(enrolled.second));
        }
        const auto pastAdded = cli({QStringLiteral("registrar"), QStringLiteral("add-key"), m_alice.toLowerHex(), m_laptop.toLowerHex(), QStringLiteral("--key"),
                                    QStringLiteral("alice.key")}, past.url(), pastRegistry);
        QVERIFY2(pastAdded.first == 0, qPrintable(pastAdded.second));
        const auto pastRevoked = cli({QStringLiteral("registrar"), QStringLiteral("revoke"), m_alice.toLowerHex(), m_laptop.toLowerHex(), QStringLiteral("--key"),
                                      QStringLiteral("registrar.key")}, past.url(), pastRegistry);
        QVERIFY2(pastRevoked.first == 0, qPrintable(pastRevoked.second));
        const test::ProgramRun revokedBefore = test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), {QStringLiteral("verify"), path, QStringLiteral("--json"), QStringLiteral("--chain"),
                                                                                                 past.url().toString(), QStringLiteral("--identity-registry"), pastRegistry.toLowerHex()});
        QCOMPARE(revokedBefore.exitCode, 1);
        const qint64 joinEntry = log.indexOf(join->wireBytes());
        bool caught = false;
        for (const QJsonValue &value : QJsonDocument::fromJson(revokedBefore.out.toUtf8()).object().value(QStringLiteral("findings")).toArray()) {
            const QJsonObject finding = value.toObject();
            caught = caught || (finding.value(QStringLiteral("outcome")).toString() == QStringLiteral("FAILED") && finding.value(QStringLiteral("entry")).toInteger() == joinEntry
                                && finding.value(QStringLiteral("detail")).toString().contains(QStringLiteral("join signed by key %1, not shown active for %2").arg(m_laptop.toChecksumHex(), m_alice.toChecksumHex())));
        }
        QVERIFY2(caught, qPrintable(revokedBefore.outAndErr()));
    }

    // A relay told to wait for confirmations reads a key change only once that many blocks lie on it.
    void keyChangesAreReadOnceConfirmed()
    {
        client::LocalRelay cautious(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("cautious-relay")), passphrase);
        QVERIFY(cautious.init());
        QVERIFY(cautious.importDirectory({{m_alice, QStringLiteral("Alice")}}, {}));
        QVERIFY2(cautious.start({QStringLiteral("--chain"), m_chain->url().toString(), QStringLiteral("--identity-registry"), m_registry.toLowerHex(),
                                 QStringLiteral("--identity-confirmations"), QStringLiteral("3")}),
                 qPrintable(cautious.lastOutput()));
        const crypto::Address phone = newKeyFile(QStringLiteral("phone.key"));
        const crypto::PrivateKey phoneKey = openKeyFile(QStringLiteral("phone.key"));
        const auto added = cli({QStringLiteral("registrar"), QStringLiteral("add-key"), m_alice.toLowerHex(), phone.toLowerHex(),
                                QStringLiteral("--key"), QStringLiteral("alice.key")});
        QVERIFY2(added.first == 0, qPrintable(added.second));
        const auto loginHere = [&]() -> std::optional<ErrorCode> {
            client::RelayConnection connection;
            if (!connection.open(cautious.url()))
                return ErrorCode::InternalError;
            auto login = connection.login(m_alice, phoneKey);
            return login ? std::nullopt : std::optional<ErrorCode>(login.error().code);
        };
        // The other relay (no confirmations) lets the phone in; this one does not, sync after sync.
        QTRY_VERIFY_WITH_TIMEOUT(!loginError(m_alice, phoneKey), 10000);
        QTest::qWait(4500);
        QCOMPARE(loginHere(), std::optional<ErrorCode>(ErrorCode::KeyNotActive));
        chain::EthClient client(m_chain->url());
        for (int i = 0; i < 3; ++i)
            QVERIFY(client.rpc().call(QStringLiteral("evm_mine")));
        QTRY_VERIFY_WITH_TIMEOUT(!loginHere(), 10000);
    }

    void aStaleCopyOfTheRegistryLetsNobodyIn()
    {
        const crypto::PrivateKey host = openKeyFile(QStringLiteral("host.key"));
        QVERIFY(!loginError(m_host, host));
        m_chain->pause(); // the node stops answering: the relay's copy ages past --identity-max-stale
        QTRY_COMPARE_WITH_TIMEOUT(loginError(m_host, host), std::optional<ErrorCode>(ErrorCode::IdentityRegistryStale), 20000);
        m_chain->resume();
        QTRY_VERIFY_WITH_TIMEOUT(!loginError(m_host, host), 20000);
    }

    void cleanupTestCase()
    {
        m_relay.reset();
        m_chain.reset();
    }
};

QTEST_GUILESS_MAIN(TestIdentity)
#include "test_identity.moc"
