// A tour of the protocol core without a relay: a small meeting held in memory, then audited. It
// shows canonical events, session-key delegations, signatures, an encrypted vote and its tally,
// and a tampered event being caught.

#include "commands.h"
#include "terminal.h"

#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "protocol/canonical_json.h"
#include "protocol/delegation.h"
#include "protocol/schema_validator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QUuid>

namespace cmeet::cli {
namespace {

using protocol::Event;
using protocol::EventType;

struct Person {
    QString name;
    crypto::PrivateKey identity;
    crypto::PrivateKey session;
    QJsonObject delegation;
};

// Everything the demo needs to fail loudly on: it runs unattended.
template <typename T, typename E>
T require(Expected<T, E> result, const char *what)
{
    if (!result)
        qFatal("demo: %s failed", what);
    return std::move(result).value();
}

class DemoMeeting {
public:
    DemoMeeting() : m_relay(require(crypto::PrivateKey::generate(), "relay key"))
    {
        m_meeting = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m_now = QDateTime::currentMSecsSinceEpoch();
    }

    Person enrol(const QString &name)
    {
        Person person{name, require(crypto::PrivateKey::generate(), "identity key"),
                      require(crypto::PrivateKey::generate(), "session key"), {}};
        person.delegation = require(protocol::Delegation::create(person.identity, person.session.address(), m_meeting,
                                                                 m_relay.address(), m_now + 4 * 3600 * 1000),
                                    "delegation")
                                .toJson();
        return person;
    }

    // Builds and signs an event; start and join are signed by the identity key (DESIGN.md §3).
    const Event &post(const Person &author, EventType type, const QJsonObject &content)
    {
        Event::Fields fields{type, m_meeting, author.identity.address(), std::nullopt, ++m_now, content};
        if (!m_events.isEmpty())
            fields.ref = m_events.constLast().id();
        Event event = require(Event::create(fields), "event");
        const bool identitySigned = type == EventType::Start || type == EventType::Join;
        (void)require(event.sign(identitySigned ? author.identity : author.session), "signature");
        m_events.append(event);
        return m_events.constLast();
    }

    [[nodiscard]] const QList<Event> &events() const { return m_events; }
    [[nodiscard]] const crypto::PrivateKey &relay() const { return m_relay; }
    [[nodiscard]] const QString &meeting() const { return m_meeting; }

private:
    crypto::PrivateKey m_relay;
    QString m_meeting;
    qint64 m_now = 0;
    QList<Event> m_events;
};

QByteArray voteContext(const QByteArray &pollId, const crypto::Address &voter) { return pollId + voter.bytes(); }

// The auditor's view: every event from its bytes alone. Returns the number rejected.
int audit(const QList<QByteArray> &wire, const protocol::SchemaValidator &schemas, const QString &meeting,
          const crypto::Address &relay)
{
    QHash<QByteArray, crypto::Address> sessionOf; // identity -> delegated session key
    int rejected = 0;
    for (const QByteArray &bytes : wire) {
        auto event = Event::fromWire(bytes);
        Expected<Ok, protocol::ProtocolError> verdict = Ok{};
        if (!event) {
            verdict = unexpected(event.error());
        } else if (auto valid = schemas.validate(*event); !valid) {
            verdict = valid;
        } else if (event->meeting() != meeting) {
            verdict = unexpected(protocol::ProtocolError{protocol::ErrorCode::UnknownMeeting, QStringLiteral("event of another meeting")});
        } else if (event->type() == EventType::Start || event->type() == EventType::Join) {
            auto delegation = protocol::Delegation::fromJson(event->content().value(QStringLiteral("delegation")).toObject());
            if (!delegation)
                verdict = unexpected(delegation.error());
            else if (auto bound = delegation->checkFor(meeting, relay, event->ts()); !bound)
                verdict = bound;
            else if (delegation->fields().identity != event->by())
                verdict = unexpected(protocol::ProtocolError{protocol::ErrorCode::WrongSigner, QStringLiteral("delegation of someone else")});
            else if (verdict = event->verifySignedBy(event->by()); verdict)
                sessionOf.insert(event->by().bytes(), delegation->fields().session);
        } else if (!sessionOf.contains(event->by().bytes())) {
            verdict = unexpected(protocol::ProtocolError{protocol::ErrorCode::WrongSigner, QStringLiteral("author never joined")});
        } else {
            verdict = event->verifySignedBy(sessionOf.value(event->by().bytes()));
        }
        if (verdict) {
            printLine(QStringLiteral("  ok        %1 %2 by %3")
                          .arg(protocol::typeName(event->type()), -17)
                          .arg(event->idHex().left(18) + QStringLiteral("..."), event->by().toChecksumHex()));
        } else {
            ++rejected;
            printLine(QStringLiteral("  REJECTED  %1: %2").arg(protocol::wireCode(verdict.error().code), verdict.error().detail));
        }
    }
    return rejected;
}

} // namespace

int tourCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Holds a small MDT meeting in memory (host, two participants: start, joins, comments, a reply,\n"
        "a disagreement, a patient-data change, an encrypted poll, end), then audits it from the\n"
        "event bytes alone and shows that a tampered event is caught."));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Also write the events, one per line, to this file."),
                                 QStringLiteral("file"));
    parser.addOption(out);
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;

    QElapsedTimer timer;
    timer.start();
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        printError(schemas.error());
        return 1;
    }
    DemoMeeting meeting;
    const Person host = meeting.enrol(QStringLiteral("Dr Host (chair)"));
    const Person surgeon = meeting.enrol(QStringLiteral("Ms Surgeon"));
    const Person oncologist = meeting.enrol(QStringLiteral("Dr Oncologist"));
    const crypto::PrivateKey votingKey = require(crypto::PrivateKey::generate(), "voting key");

    printLine(QStringLiteral("c-meet demo: meeting %1 on relay %2").arg(meeting.meeting(), meeting.relay().address().toChecksumHex()));
    for (const Person *person : {&host, &surgeon, &oncologist})
        printLine(QStringLiteral("  %1 identity %2, session key %3")
                      .arg(person->name, -16)
                      .arg(person->identity.address().toChecksumHex(), person->session.address().toChecksumHex()));

    const QJsonArray roster{host.identity.address().toLowerHex(), surgeon.identity.address().toLowerHex(),
                            oncologist.identity.address().toLowerHex()};
    // The start commits to the attendance code shown in the room, salted so it can't be guessed.
    const QByteArray codeSalt = require(crypto::randomBytes(32), "code salt");
    const QString attendanceCommitment = hex::encode(crypto::sha256(QByteArray(codeSalt + "483920")));
    meeting.post(host, EventType::Start,
                 {{QStringLiteral("title"), QStringLiteral("Colorectal MDT")},
                  {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001"), QStringLiteral("P-002")}},
                  {QStringLiteral("roster"), roster},
                  {QStringLiteral("delegation"), host.delegation},
                  {QStringLiteral("attendanceCommitment"), attendanceCommitment}});
    for (const Person *person : {&surgeon, &oncologist})
        meeting.post(*person, EventType::Join, {{QStringLiteral("delegation"), person->delegation}});
    meeting.post(host, EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}});
    meeting.post(surgeon, EventType::Comment,
                                        {{QStringLiteral("text"), QStringLiteral("CT: T3 N0, resectable.")},
                                         {QStringLiteral("patient"), QStringLiteral("P-001")}});
    meeting.post(oncologist, EventType::Reply, {{QStringLiteral("text"), QStringLiteral("Agreed; short-course radiotherapy first?")}});
    meeting.post(surgeon, EventType::Disagreement, {{QStringLiteral("reason"), QStringLiteral("Not needed for T3 N0.")}});
    meeting.post(host, EventType::PatientDataChange,
                 {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                  {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Surgery")}});
    const QJsonArray options{QStringLiteral("Surgery"), QStringLiteral("Radiotherapy then surgery")};
    const QByteArray pollId = meeting.post(host, EventType::Poll,
                                           {{QStringLiteral("question"), QStringLiteral("Recommended treatment for P-001?")},
                                            {QStringLiteral("options"), options},
                                            {QStringLiteral("patient"), QStringLiteral("P-001")},
                                            {QStringLiteral("votingKey"), hex::encode(votingKey.publicKey().compressed())}})
                                  .id();
    for (const auto &[voter, option] : {std::pair{&surgeon, 0}, std::pair{&oncologist, 1}}) {
        const QByteArray ballot = *protocol::json::serialize(QJsonObject{{QStringLiteral("option"), option}});
        const QByteArray ciphertext = require(
            crypto::ecies::encrypt(votingKey.publicKey(), ballot, voteContext(pollId, voter->identity.address())), "vote");
        meeting.post(*voter, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(ciphertext)}});
    }
    meeting.post(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(votingKey.secret().view())}});
    meeting.post(host, EventType::End, {});

    QList<QByteArray> wire;
    qsizetype totalBytes = 0;
    for (const Event &event : meeting.events()) {
        wire.append(event.wireBytes());
        totalBytes += event.wireBytes().size();
    }
    if (parser.isSet(out)) {
        QFile file(parser.value(out));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            printError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
            return 1;
        }
        for (const QByteArray &bytes : wire)
            file.write(bytes + '\n');
    }

    printLine(QStringLiteral("\nAudit of %1 events (%2 bytes) from their bytes alone:").arg(wire.size()).arg(totalBytes));
    int rejected = audit(wire, **schemas, meeting.meeting(), meeting.relay().address());

    // Tally: the revealed secret decrypts every vote; each is bound to its poll and voter.
    QList<int> tally(options.size(), 0);
    for (const Event &event : meeting.events()) {
        if (event.type() != EventType::Vote)
            continue;
        const QByteArray ciphertext = *hex::decode(event.content().value(QStringLiteral("ciphertext")).toString());
        auto ballot = crypto::ecies::decrypt(votingKey, ciphertext, voteContext(pollId, event.by()));
        const auto choice = ballot ? protocol::json::parseCanonical(ballot->view()) : Expected<QJsonValue, protocol::json::JsonError>(QJsonValue());
        const qint64 option = choice ? choice->toObject().value(QStringLiteral("option")).toInteger(-1) : -1;
        if (option >= 0 && option < tally.size())
            ++tally[option];
    }
    printLine(QStringLiteral("\nPoll tally:"));
    for (qsizetype i = 0; i < options.size(); ++i)
        printLine(QStringLiteral("  %1: %2").arg(options.at(i).toString()).arg(tally.at(i)));

    // Quietly editing the comment after the fact is caught.
    QByteArray forged = meeting.events().at(4).wireBytes();
    forged.replace("resectable", "unresectab");
    printLine(QStringLiteral("\nA comment edited after the fact (\"resectable\" -> \"unresectab\"):"));
    const int forgedRejected = audit(QList<QByteArray>(wire.begin(), wire.begin() + 3) << forged, **schemas,
                                     meeting.meeting(), meeting.relay().address());

    printLine(QStringLiteral("\nSummary: %1 events, %2 bytes, %3 rejected in the audit, forgery %4, %5 ms")
                  .arg(wire.size())
                  .arg(totalBytes)
                  .arg(rejected)
                  .arg(forgedRejected == 1 ? QStringLiteral("caught") : QStringLiteral("MISSED"))
                  .arg(timer.elapsed()));
    const bool tallyRight = tally == QList<int>{1, 1};
    return rejected == 0 && forgedRejected == 1 && tallyRight ? 0 : 1;
}

} // namespace cmeet::cli
