#include "client/core/simulation.h"

#include "base/hex.h"
#include "client/core/meeting_images.h"
#include "client/core/participant.h"
#include "chain/meeting_registry.h"
#include "client/core/polls.h"
#include "ledger/merkle_log.h"
#include "client/core/relay_connection.h"
#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "protocol/canonical_json.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QThread>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QRandomGenerator>

#include <memory>

namespace cmeet::client {
namespace {

using protocol::Event;
using protocol::EventType;

struct Actor {
    SimulationMember member;
    std::unique_ptr<RelayConnection> connection;
    std::unique_ptr<Participant> participant;
};

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

// Readable filler text of an exact length.
QString text(const QString &prefix, int length)
{
    static const QString words = QStringLiteral(
        "lesion margin staging biopsy resection adjuvant review imaging histology consent follow up ");
    QString out = prefix + QLatin1Char(' ');
    while (out.size() < length)
        out += words;
    return out.left(length);
}

} // namespace

QJsonObject waitForAnchor(RelayConnection &connection, const QString &meeting, const QStringList &steps, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    QJsonObject anchor;
    while (true) {
        auto details = connection.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}});
        anchor = details ? details->toObject().value(QStringLiteral("anchor")).toObject() : QJsonObject();
        const bool done = std::all_of(steps.begin(), steps.end(), [&](const QString &step) {
            return anchor.value(step).toObject().value(QStringLiteral("status")) == QStringLiteral("done");
        });
        if (done || deadline.hasExpired())
            return anchor;
        QThread::msleep(100);
    }
}

Simulation::Simulation(QUrl relay, QList<SimulationMember> members, QStringList patients, Scenario scenario,
                       QList<QSslCertificate> trustedCertificates)
    : m_relay(std::move(relay)), m_members(std::move(members)), m_patients(std::move(patients)), m_scenario(scenario),
      m_trusted(std::move(trustedCertificates))
{
}

SimulationCast castFor(const Scenario &scenario)
{
    SimulationCast cast;
    for (int i = 0; i <= scenario.participants; ++i) {
        cast.members.append({QStringLiteral("Member %1").arg(i), *crypto::PrivateKey::generate()});
        cast.staff.append({cast.members.constLast().key.address(), cast.members.constLast().name});
    }
    for (int p = 1; p <= scenario.patients; ++p)
        cast.patients.append(QStringLiteral("P-%1").arg(p, 3, 10, QLatin1Char('0')));
    return cast;
}

Expected<SimulationResult, QString> Simulation::run()
{
    if (m_members.size() < m_scenario.participants + 1)
        return unexpected(QStringLiteral("the scenario needs %1 members, got %2").arg(m_scenario.participants + 1).arg(m_members.size()));
    if (m_patients.size() < m_scenario.patients || m_scenario.patients < 1 || m_scenario.pollOptions < 2)
        return unexpected(QStringLiteral("the scenario needs at least one patient and two poll options"));
    const auto progress = [this](const QString &stage, int done, int total) {
        if (m_progress)
            m_progress(stage, done, total);
    };
    QElapsedTimer timer;
    timer.start();
    SimulationResult result;

    // Everyone connects and logs in.
    std::vector<Actor> actors;
    for (int i = 0; i <= m_scenario.participants; ++i) {
        Actor actor{m_members.at(i), std::make_unique<RelayConnection>(), nullptr};
        actor.connection->setTrustedCertificates(m_trusted);
        actor.connection->setKeepReceived(i == 0);
        if (auto opened = actor.connection->open(m_relay); !opened)
            return unexpected(opened.error());
        if (auto login = actor.connection->login(actor.member.key); !login)
            return unexpected(QStringLiteral("%1 cannot log in: %2").arg(actor.member.name, login.error().detail));
        actors.push_back(std::move(actor));
        progress(QStringLiteral("connecting"), i + 1, m_scenario.participants + 1);
    }
    Actor &host = actors.front();

    QJsonArray roster;
    for (const Actor &actor : actors)
        roster.append(actor.member.key.address().toLowerHex());
    const QStringList agenda = m_patients.mid(0, m_scenario.patients);
    auto created = host.connection->call(QStringLiteral("meeting.create"),
                                         {{QStringLiteral("title"), QStringLiteral("Simulated MDT meeting")},
                                          {QStringLiteral("description"), QStringLiteral("The thesis' scenario, simulated.")},
                                          {QStringLiteral("scheduledAt"), now()},
                                          {QStringLiteral("roster"), roster},
                                          {QStringLiteral("agenda"), QJsonArray::fromStringList(agenda)}});
    if (!created)
        return unexpected(QStringLiteral("meeting.create: ") + created.error().detail);
    result.meeting = created->toObject().value(QStringLiteral("id")).toString();
    for (Actor &actor : actors)
        actor.participant = std::make_unique<Participant>(actor.member.key, result.meeting, host.connection->relayAddress());

    // Sends an event and waits for its acknowledgement; returns the event's id.
    QString failure;
    const auto post = [&](Actor &actor, EventType type, const QJsonObject &content, const QByteArray &ref,
                          const QString &code = {}) -> QByteArray {
        auto event = actor.participant->makeEvent(type, content, ref.isEmpty() ? std::nullopt : std::optional(ref), now());
        if (!event) {
            failure = event.error().detail;
            return {};
        }
        QElapsedTimer latency;
        latency.start();
        auto ack = actor.connection->submit(event->wireBytes(), code);
        result.latenciesUs.append(latency.nsecsElapsed() / 1000);
        if (!ack) {
            failure = QStringLiteral("%1 by %2 rejected: %3 %4")
                          .arg(protocol::typeName(type), actor.member.name, protocol::wireCode(ack.error().code), ack.error().detail);
            return {};
        }
        ++result.submitted;
        return event->id();
    };

    // The code shown in the room: random digits.
    const QString code = QString::number(100000 + QRandomGenerator::system()->bounded(900000));
    auto hostDelegation = host.participant->newSession(now());
    if (!hostDelegation)
        return unexpected(hostDelegation.error().detail);
    const QByteArray startId = post(host, EventType::Start,
                                    {{QStringLiteral("title"), QStringLiteral("Simulated MDT meeting")},
                                     {QStringLiteral("agenda"), QJsonArray::fromStringList(agenda)},
                                     {QStringLiteral("roster"), roster},
                                     {QStringLiteral("delegation"), *hostDelegation},
                                     {QStringLiteral("attendanceCommitment"), hex::encode(crypto::sha256(code.toUtf8()))}},
                                    {}, code);
    if (startId.isEmpty())
        return unexpected(failure);
    for (int i = 1; i <= m_scenario.participants; ++i) {
        auto delegation = actors.at(static_cast<size_t>(i)).participant->newSession(now());
        if (!delegation || post(actors.at(static_cast<size_t>(i)), EventType::Join, {{QStringLiteral("delegation"), *delegation}}, startId, code).isEmpty())
            return unexpected(delegation ? failure : delegation.error().detail);
        progress(QStringLiteral("joining"), i, m_scenario.participants);
    }

    // Comments per participant and patient, spread evenly; the remainder goes to the first patients.
    QByteArray last = startId;
    for (int p = 0; p < m_scenario.patients; ++p) {
        const QString patient = agenda.at(p);
        const QByteArray discussion = post(host, EventType::Discussion, {{QStringLiteral("patient"), patient}}, last);
        const QString opinion = text(QStringLiteral("Opinion on %1:").arg(patient), m_scenario.patientDataChars);
        if (discussion.isEmpty()
            || post(host, EventType::PatientDataChange,
                    {{QStringLiteral("patient"), patient}, {QStringLiteral("field"), QStringLiteral("mainOpinion")},
                     {QStringLiteral("from"), QString()}, {QStringLiteral("to"), opinion}},
                    discussion)
                   .isEmpty())
            return unexpected(failure);
        if (p < m_scenario.shownImages.size()) {
            // Uploaded before its event, as the app does: the relay refuses an image event whose bytes it lacks.
            auto image = uploadImage(callsOver(*host.connection), result.meeting, m_scenario.shownImages.at(p), patient, QStringLiteral("Scan of %1 (synthetic)").arg(patient));
            if (!image)
                return unexpected(QStringLiteral("the host's image for %1 was not stored: %2").arg(patient, image.error()));
            if (post(host, EventType::Image, *image, discussion).isEmpty())
                return unexpected(failure);
            ++result.imagesShown;
        }

        QByteArray lastComment;
        const int perPatient = m_scenario.commentsPerParticipant / m_scenario.patients
            + (p < m_scenario.commentsPerParticipant % m_scenario.patients ? 1 : 0);
        for (int round = 0; round < perPatient; ++round) {
            for (int i = 1; i <= m_scenario.participants; ++i) {
                Actor &actor = actors.at(static_cast<size_t>(i));
                // Every other remark replies to the one before it: threads as in a real meeting.
                const bool reply = !lastComment.isEmpty() && i % 2 == 0;
                const QString body = text(QStringLiteral("%1 on %2:").arg(actor.member.name, patient), m_scenario.commentChars);
                const QByteArray id = reply ? post(actor, EventType::Reply, {{QStringLiteral("text"), body}}, lastComment)
                                            : post(actor, EventType::Comment, {{QStringLiteral("text"), body}, {QStringLiteral("patient"), patient}}, discussion);
                if (id.isEmpty())
                    return unexpected(failure);
                lastComment = id;
            }
        }

        auto voting = crypto::PrivateKey::generate();
        if (!voting)
            return unexpected(crypto::describe(voting.error()));
        QJsonArray options;
        for (int o = 0; o < m_scenario.pollOptions; ++o)
            options.append(QStringLiteral("Option %1 for %2").arg(o + 1).arg(patient));
        const QByteArray poll = post(host, EventType::Poll,
                                     {{QStringLiteral("question"), text(QStringLiteral("Recommendation for %1?").arg(patient), m_scenario.questionChars)},
                                      {QStringLiteral("options"), options},
                                      {QStringLiteral("patient"), patient},
                                      {QStringLiteral("votingKey"), hex::encode(voting->publicKey().compressed())}},
                                     discussion);
        if (poll.isEmpty())
            return unexpected(failure);
        int forFirstOption = 0;
        for (int i = 1; i <= m_scenario.participants; ++i) {
            Actor &actor = actors.at(static_cast<size_t>(i));
            const int option = (i + p) % m_scenario.pollOptions;
            forFirstOption += option == 0 ? 1 : 0;
            auto ciphertext = encryptBallot(voting->publicKey(), poll, actor.member.key.address(), option);
            if (!ciphertext || post(actor, EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(*ciphertext)}}, poll).isEmpty())
                return unexpected(ciphertext ? failure : crypto::describe(ciphertext.error()));
        }
        result.tallies.append(forFirstOption);
        last = post(host, EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(voting->secret().view())}}, poll);
        if (last.isEmpty())
            return unexpected(failure);
        progress(QStringLiteral("patients"), p + 1, m_scenario.patients);
    }
    if (post(host, EventType::End, {}, last).isEmpty())
        return unexpected(failure);

    // What the relay stored, downloaded by the host (in pieces of at most about 8 MB each).
    const auto downloadLog = [&]() -> Expected<Ok, QString> {
        while (true) {
            auto events = host.connection->call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), result.meeting}, {QStringLiteral("fromIndex"), result.log.size()}});
            if (!events)
                return unexpected(QStringLiteral("events.get: ") + events.error().detail);
            const QJsonArray piece = events->toObject().value(QStringLiteral("events")).toArray();
            for (const QJsonValue &entry : piece) {
                result.log.append(entry[QStringLiteral("event")].toString().toUtf8());
                result.logBytes += result.log.constLast().size();
            }
            if (piece.isEmpty() || result.log.size() >= events->toObject().value(QStringLiteral("size")).toInteger())
                return Ok{};
        }
    };
    if (auto downloaded = downloadLog(); !downloaded)
        return unexpected(downloaded.error());

    if (m_scenario.approve) {
        // Everyone approves the final record once the relay has anchored it. (Each would check
        // its replica against the chain; here all share the host's download.)
        const QJsonObject anchor = waitForAnchor(*host.connection, result.meeting, {QStringLiteral("close")});
        const auto registry = crypto::Address::fromHex(anchor.value(QStringLiteral("registry")).toString());
        if (!registry || anchor.value(QStringLiteral("close")).toObject().value(QStringLiteral("status")) != QStringLiteral("done"))
            return unexpected(QStringLiteral("the meeting was not anchored within a minute: %1")
                                  .arg(QString::fromUtf8(QJsonDocument(anchor).toJson(QJsonDocument::Compact))));
        ledger::MerkleLog merkle;
        QByteArray ackEndId;
        for (const QByteArray &bytes : result.log) {
            ackEndId = protocol::Event::fromWire(bytes)->id();
            merkle.append(ackEndId);
        }
        const QByteArray digest = chain::registry::approvalDigest(static_cast<quint64>(anchor.value(QStringLiteral("chainId")).toInteger()), *registry,
                                                                  result.meeting, ackEndId, merkle.root());
        for (Actor &actor : actors) {
            auto signature = actor.member.key.sign(digest);
            auto accepted = signature ? actor.connection->call(QStringLiteral("meeting.approve"),
                                                               {{QStringLiteral("id"), result.meeting}, {QStringLiteral("signature"), signature->toHex()}})
                                      : unexpected(protocol::ProtocolError{protocol::ErrorCode::InternalError, crypto::describe(signature.error())});
            if (!accepted)
                return unexpected(QStringLiteral("%1's approval refused: %2").arg(actor.member.name, accepted.error().detail));
            ++result.approvals;
        }
        progress(QStringLiteral("approvals"), result.approvals, static_cast<int>(actors.size()));
    }
    result.logEntries = result.log.size();
    result.elapsedMs = timer.elapsed();
    return result;
}

} // namespace cmeet::client
