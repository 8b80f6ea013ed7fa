// cmeet-cli as a meeting participant (the thesis' "Meeting Server Client CLI"): meeting
// management, and one command per event type. Each run logs in, brings the local replica of
// the meeting up to date, acts, and stores what the relay acknowledged.

#include "commands.h"
#include "meeting_client.h"
#include "terminal.h"

#include "base/hex.h"
#include "client/core/approval.h"
#include "client/core/meeting_export.h"
#include "client/core/meeting_images.h"
#include "client/core/polls.h"
#include "crypto/hash.h"
#include "ledger/meeting_verifier.h"
#include "protocol/schema_validator.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QFile>
#include <QThread>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

namespace cmeet::cli {
namespace {

using protocol::EventType;
using Action = std::function<Expected<QString, QString>(MeetingClient &, const QCommandLineParser &, const QString &meeting)>;

// Parses, connects, opens the meeting's replica, runs the action; prints its result or the error.
int runOnMeeting(const QStringList &arguments, const QString &description, const QList<QCommandLineOption> &options,
                 const QList<QCommandLineOption> &required, const Action &action)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(description);
    parser.addPositionalArgument(QStringLiteral("meeting"), QStringLiteral("The meeting's id."));
    ConnectionOptions connection;
    connection.addTo(parser);
    parser.addOptions(options);
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("give the meeting id (see --help)"));
        return 2;
    }
    for (const QCommandLineOption &option : required) {
        if (!parser.isSet(option)) {
            printError(QStringLiteral("--%1 is required (see --help)").arg(option.names().constFirst()));
            return 2;
        }
    }
    auto client = MeetingClient::connect(parser, connection);
    if (!client) {
        printError(client.error());
        return 1;
    }
    const QString meeting = parser.positionalArguments().constFirst();
    if (auto opened = (*client)->openMeeting(meeting); !opened) {
        printError(opened.error());
        return 1;
    }
    auto result = action(**client, parser, meeting);
    if (!result) {
        printError(result.error());
        return 1;
    }
    if (!result->isEmpty())
        printLine(*result);
    return 0;
}

// Most event commands: build content from options, post, print the id.
Expected<QString, QString> posted(Expected<QByteArray, QString> id, const QString &what)
{
    if (!id)
        return unexpected(id.error());
    return QStringLiteral("%1 %2").arg(what, hex::encode(*id));
}

// Posts an event that refers to an earlier one named on the command line (id or unique prefix).
Expected<QString, QString> postReferring(MeetingClient &client, const QString &refText, EventType type, const QJsonObject &content,
                                         const QString &what)
{
    auto ref = resolveEventId(client.events(), refText);
    if (!ref)
        return unexpected(ref.error());
    return posted(client.post(type, content, *ref), what);
}

QJsonObject textContent(const QCommandLineParser &parser, const QString &key, const QCommandLineOption &option)
{
    return parser.isSet(option) ? QJsonObject{{key, parser.value(option)}} : QJsonObject{};
}

QString describeMeeting(const QJsonObject &meeting)
{
    // Local time with its offset: unambiguous for the reader and for anything parsing it back.
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(meeting.value(QStringLiteral("scheduledAt")).toInteger());
    return QStringLiteral("%1  %2  %3  %4  host %5, %6 on the roster, agenda %7")
        .arg(meeting.value(QStringLiteral("id")).toString(), at.toOffsetFromUtc(at.offsetFromUtc()).toString(Qt::ISODate),
             meeting.value(QStringLiteral("status")).toString(), meeting.value(QStringLiteral("title")).toString(),
             meeting.value(QStringLiteral("host")).toString())
        .arg(meeting.value(QStringLiteral("roster")).toArray().size())
        .arg(meeting.value(QStringLiteral("agenda")).toVariant().toStringList().join(QLatin1Char(',')));
}

// ---- meeting management ----

int meetingManagement(const QStringList &arguments, bool creating)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(creating ? QStringLiteral("Schedules a meeting you host.")
                                              : QStringLiteral("Changes a meeting you host that has not started: only the fields given."));
    if (!creating)
        parser.addPositionalArgument(QStringLiteral("meeting"), QStringLiteral("The meeting's id."));
    ConnectionOptions connection;
    connection.addTo(parser);
    const QCommandLineOption title(QStringLiteral("title"), QStringLiteral("Title."), QStringLiteral("text"));
    const QCommandLineOption description(QStringLiteral("description"), QStringLiteral("Description."), QStringLiteral("text"));
    const QCommandLineOption at(QStringLiteral("at"), creating ? QStringLiteral("When: ISO 8601 date-time, local time unless it ends in Z or an offset (default: now).")
                                                               : QStringLiteral("When: ISO 8601 date-time, local time unless it ends in Z or an offset."),
                                QStringLiteral("time"));
    const QCommandLineOption roster(QStringLiteral("roster"), QStringLiteral("Comma-separated addresses of the participants (you are on it anyway)."),
                                    QStringLiteral("addresses"));
    const QCommandLineOption agenda(QStringLiteral("agenda"), QStringLiteral("Comma-separated patient ids, in order."), QStringLiteral("ids"));
    parser.addOptions({title, description, at, roster, agenda});
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (creating ? !parser.isSet(title) : parser.positionalArguments().size() != 1) {
        printError(creating ? QStringLiteral("--title is required") : QStringLiteral("give the meeting's id"));
        return 2;
    }
    const QDateTime when = parser.isSet(at) ? QDateTime::fromString(parser.value(at), Qt::ISODate) : QDateTime::currentDateTime();
    if (!when.isValid()) {
        printError(QStringLiteral("--at must be an ISO 8601 date-time, e.g. 2026-12-01T14:00"));
        return 2;
    }
    auto client = MeetingClient::connect(parser, connection);
    if (!client) {
        printError(client.error());
        return 1;
    }
    // The relay replaces every field of an edited meeting, so an edit starts from the meeting as
    // it stands and changes only what was given.
    QJsonObject params{{QStringLiteral("scheduledAt"), when.toMSecsSinceEpoch()}};
    if (!creating) {
        const QString id = parser.positionalArguments().constFirst();
        auto current = (*client)->call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), id}});
        if (!current) {
            printError(current.error());
            return 1;
        }
        const QJsonObject meeting = current->toObject();
        params = {{QStringLiteral("id"), id}};
        for (const QString &field : {QStringLiteral("title"), QStringLiteral("description"), QStringLiteral("scheduledAt"),
                                     QStringLiteral("roster"), QStringLiteral("agenda")})
            params.insert(field, meeting.value(field));
        if (parser.isSet(at))
            params.insert(QStringLiteral("scheduledAt"), when.toMSecsSinceEpoch());
    }
    const auto listOf = [&](const QCommandLineOption &option) {
        return QJsonArray::fromStringList(parser.value(option).split(QLatin1Char(','), Qt::SkipEmptyParts));
    };
    if (parser.isSet(title))
        params.insert(QStringLiteral("title"), parser.value(title));
    if (parser.isSet(description))
        params.insert(QStringLiteral("description"), parser.value(description));
    if (parser.isSet(roster))
        params.insert(QStringLiteral("roster"), listOf(roster));
    if (parser.isSet(agenda))
        params.insert(QStringLiteral("agenda"), listOf(agenda));
    auto meeting = (*client)->call(creating ? QStringLiteral("meeting.create") : QStringLiteral("meeting.edit"), params);
    if (!meeting) {
        printError(meeting.error());
        return 1;
    }
    printLine(meeting->toObject().value(QStringLiteral("id")).toString());
    return 0;
}

int meetingQuery(const QStringList &arguments, const QString &which)
{
    QCommandLineParser parser;
    ConnectionOptions connection;
    connection.addTo(parser);
    const QCommandLineOption filter(QStringLiteral("filter"), QStringLiteral("upcoming (default), previous or all."), QStringLiteral("which"));
    if (which == QStringLiteral("list")) {
        parser.setApplicationDescription(QStringLiteral("Lists the meetings you are on the roster of."));
        parser.addOption(filter);
    } else {
        parser.setApplicationDescription(which == QStringLiteral("cancel") ? QStringLiteral("Cancels a meeting you host that has not started.")
                                                                            : QStringLiteral("Shows a meeting, its roster and its patients' meeting data."));
        parser.addPositionalArgument(QStringLiteral("meeting"), QStringLiteral("The meeting's id."));
    }
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    if (which != QStringLiteral("list") && parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("give the meeting id"));
        return 2;
    }
    auto client = MeetingClient::connect(parser, connection);
    if (!client) {
        printError(client.error());
        return 1;
    }
    const QString id = parser.positionalArguments().value(0);
    if (which == QStringLiteral("list")) {
        auto list = (*client)->call(QStringLiteral("meeting.list"), {{QStringLiteral("filter"), parser.value(filter)}});
        if (!list) {
            printError(list.error());
            return 1;
        }
        for (const QJsonValue &meeting : list->toArray())
            printLine(describeMeeting(meeting.toObject()));
        return 0;
    }
    auto meeting = (*client)->call(which == QStringLiteral("cancel") ? QStringLiteral("meeting.cancel") : QStringLiteral("meeting.get"),
                                   {{QStringLiteral("id"), id}});
    if (!meeting) {
        printError(meeting.error());
        return 1;
    }
    printLine(describeMeeting(meeting->toObject()));
    if (which == QStringLiteral("show")) {
        if (const QString description = meeting->toObject().value(QStringLiteral("description")).toString(); !description.isEmpty())
            printLine(QStringLiteral("  ") + description);
        for (const QJsonValue &member : meeting->toObject().value(QStringLiteral("roster")).toArray())
            printLine(QStringLiteral("  roster  ") + member.toString());
        auto data = (*client)->call(QStringLiteral("meeting.patientData"), {{QStringLiteral("id"), id}});
        const QJsonObject patients = data ? data->toObject() : QJsonObject();
        for (auto it = patients.begin(); it != patients.end(); ++it) {
            printLine(QStringLiteral("  patient %1  %2").arg(it.key(), it.value()[QStringLiteral("name")].toString()));
            const QJsonObject fields = it.value()[QStringLiteral("data")].toObject();
            for (auto field = fields.begin(); field != fields.end(); ++field) {
                if (!field.value().toString().isEmpty())
                    printLine(QStringLiteral("    %1: %2").arg(field.key(), field.value().toString()));
            }
        }
    }
    return 0;
}

// ---- events ----

QString tallyText(const client::PollTally &tally, const crypto::Address &me, const QList<protocol::Event> &events)
{
    QString out = QStringLiteral("poll %1: %2%3\n").arg(hex::encode(tally.pollId), tally.question,
                                                      tally.ended ? QString() : QStringLiteral(" (still open)"));
    for (qsizetype i = 0; i < tally.options.size(); ++i)
        out += QStringLiteral("  %1. %2: %3\n").arg(i).arg(tally.options.at(i)).arg(tally.ended ? QString::number(tally.counts.at(i)) : QStringLiteral("?"));
    if (tally.ended)
        out += QStringLiteral("  invalid: %1, cast after the end (not counted): %2\n").arg(tally.invalid).arg(tally.uncounted.size());
    for (const protocol::Event &event : events) {
        if (event.type() == EventType::Vote && event.ref() == tally.pollId && event.by() == me)
            out += tally.counted.contains(event.id()) ? QStringLiteral("  your vote %1 was counted\n").arg(event.idHex())
                                                      : QStringLiteral("  your vote %1 was NOT counted\n").arg(event.idHex());
    }
    return out.trimmed();
}

} // namespace

int meetingCommand(const QStringList &arguments)
{
    return dispatchAction(QStringLiteral("meeting"), arguments,
                          {{QStringLiteral("create"), QStringLiteral("schedule a meeting you host"), [](const QStringList &a) { return meetingManagement(a, true); }},
                           {QStringLiteral("edit"), QStringLiteral("change a meeting you host before it starts"), [](const QStringList &a) { return meetingManagement(a, false); }},
                           {QStringLiteral("cancel"), QStringLiteral("cancel a meeting you host before it starts"), [](const QStringList &a) { return meetingQuery(a, QStringLiteral("cancel")); }},
                           {QStringLiteral("list"), QStringLiteral("meetings you are on the roster of"), [](const QStringList &a) { return meetingQuery(a, QStringLiteral("list")); }},
                           {QStringLiteral("show"), QStringLiteral("a meeting, its roster and patient data"), [](const QStringList &a) { return meetingQuery(a, QStringLiteral("show")); }}});
}

namespace {

// --wait in milliseconds; -1 when it is not a number of seconds up to an hour.
int waitSeconds(const QString &text)
{
    bool ok = false;
    const int seconds = text.toInt(&ok);
    return ok && seconds >= 0 && seconds <= 3600 ? seconds * 1000 : -1;
}

// The approve command: see its description. Keeps the approval in the replica.
Expected<QString, QString> approveMeeting(MeetingClient &client, const QString &meeting, const QUrl &chainUrl, int waitMs)
{
    if (client.signingKey().address() != client.identity())
        return unexpected(QStringLiteral("approvals are signed with the identity's own key, not a device key (the registry checks them against the roster)"));
    if (waitMs < 0)
        return unexpected(QStringLiteral("--wait needs a number of seconds"));
    auto details = client.call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meeting}});
    if (!details)
        return unexpected(details.error());
    const auto target = client::anchorTargetOf(details->toObject().value(QStringLiteral("anchor")).toObject());
    if (!target)
        return unexpected(QStringLiteral("this relay anchors on no chain: there is nothing to approve against"));
    const auto relay = crypto::Address::fromHex(client.replica().meeting().value(QStringLiteral("relay")).toString());
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas || !relay)
        return unexpected(schemas ? QStringLiteral("the replica does not name its relay") : schemas.error());
    chain::EthClient chainClient(chainUrl);
    // Device keys in starts and joins are checked against the relay's identity registry.
    auto record = client::finalRecordOf(client.replica().events().value_or(QList<QByteArray>()), **schemas, *relay,
                                        target->identityRegistry ? client::identityRegistryCheck(chainClient, *target->identityRegistry)
                                                                 : ledger::KeyActivity());
    if (!record)
        return unexpected(record.error());
    // The relay anchors the end in the background: wait for it, but not for a different record.
    const QDeadlineTimer deadline(waitMs);
    auto digest = client::checkedApprovalDigest(chainClient, target->registry, target->chainId, meeting, *record);
    while (!digest && digest.error() == client::notAnchoredYet && !deadline.hasExpired()) {
        QThread::msleep(500);
        digest = client::checkedApprovalDigest(chainClient, target->registry, target->chainId, meeting, *record);
    }
    if (!digest)
        return unexpected(digest.error());
    auto signature = client.signingKey().sign(*digest);
    if (!signature)
        return unexpected(crypto::describe(signature.error()));
    auto accepted = client.call(QStringLiteral("meeting.approve"), {{QStringLiteral("id"), meeting}, {QStringLiteral("signature"), signature->toHex()}});
    if (!accepted)
        return unexpected(accepted.error());
    if (auto stored = client.replica().putApproval({client.identity().toLowerHex(), signature->toHex(), client::approvedRecordJson(*record, *target)});
        !stored)
        return unexpected(QStringLiteral("approved, but not kept in your copy: ") + stored.error().detail);
    const QJsonObject counts = accepted->toObject();
    return QStringLiteral("approved the final record (root %1, %2 entries), checked against chain %3: %4 of %5 approvals")
        .arg(hex::encode(record->root))
        .arg(record->size)
        .arg(target->chainId)
        .arg(counts.value(QStringLiteral("approvals")).toInteger())
        .arg(counts.value(QStringLiteral("roster")).toInteger());
}

} // namespace

int eventActionCommand(const QString &name, const QStringList &arguments)
{
    const QCommandLineOption code(QStringLiteral("code"), QStringLiteral("The attendance code shown in the room."), QStringLiteral("code"));
    const QCommandLineOption text(QStringLiteral("text"), QStringLiteral("The text."), QStringLiteral("text"));
    const QCommandLineOption patient(QStringLiteral("patient"), QStringLiteral("A patient on the agenda."), QStringLiteral("id"));
    const QCommandLineOption imageFile(QStringLiteral("file"), QStringLiteral("The image file: DICOM, PNG or JPEG."), QStringLiteral("file"));
    const QCommandLineOption caption(QStringLiteral("caption"), QStringLiteral("What the image shows (optional; no patient identifiers)."), QStringLiteral("text"));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("The comment or reply answered (id or unique prefix)."), QStringLiteral("event"));
    const QCommandLineOption with(QStringLiteral("with"), QStringLiteral("The event disagreed with (id or unique prefix)."), QStringLiteral("event"));
    const QCommandLineOption reason(QStringLiteral("reason"), QStringLiteral("Why (optional)."), QStringLiteral("text"));
    const QCommandLineOption field(QStringLiteral("field"), QStringLiteral("group, mdtOutcome, investigation, questionsForMdt, surgery, mainOpinion or lc."), QStringLiteral("field"));
    const QCommandLineOption value(QStringLiteral("value"), QStringLiteral("The new value."), QStringLiteral("text"));
    const QCommandLineOption question(QStringLiteral("question"), QStringLiteral("The question."), QStringLiteral("text"));
    const QCommandLineOption option(QStringLiteral("option"), QStringLiteral("An option (poll: repeat for each, at least two; vote: its number from 0)."), QStringLiteral("text"));
    const QCommandLineOption poll(QStringLiteral("poll"), QStringLiteral("The poll (id or unique prefix)."), QStringLiteral("event"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("The .cmeet file to write."), QStringLiteral("file"));
    const QCommandLineOption chainUrl(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL to check the anchor on (default: $CMEET_CHAIN or http://127.0.0.1:8545)."),
                                      QStringLiteral("url"));
    const QCommandLineOption wait(QStringLiteral("wait"), QStringLiteral("Seconds to wait for the end to be anchored (default: 60)."), QStringLiteral("seconds"),
                                  QStringLiteral("60"));
    const QString program = QStringLiteral("cmeet-cli ") + name;
    const QStringList args = QStringList{program} + arguments;

    if (name == QStringLiteral("start"))
        return runOnMeeting(args, QStringLiteral("Starts a meeting you host; --code is the attendance code you will show in the room."), {code}, {code},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const QJsonObject meeting = c.replica().meeting();
                                auto delegation = c.newSession();
                                if (!delegation)
                                    return unexpected(delegation.error());
                                auto salt = c.attendanceSalt(*crypto::Address::fromHex(delegation->value(QStringLiteral("session")).toString()));
                                if (!salt)
                                    return unexpected(salt.error());
                                const QJsonObject content{{QStringLiteral("title"), meeting.value(QStringLiteral("title"))},
                                                          {QStringLiteral("agenda"), meeting.value(QStringLiteral("agenda"))},
                                                          {QStringLiteral("roster"), meeting.value(QStringLiteral("roster"))},
                                                          {QStringLiteral("delegation"), *delegation},
                                                          {QStringLiteral("attendanceCommitment"), client::attendanceCommitment(*salt, p.value(code))}};
                                auto id = c.post(EventType::Start, content, std::nullopt, p.value(code));
                                if (!id)
                                    return unexpected(id.error());
                                return QStringLiteral("started %1; attendance code to show in the room: %2").arg(hex::encode(*id), p.value(code));
                            });
    if (name == QStringLiteral("attendance-opening"))
        return runOnMeeting(args, QStringLiteral("(host) Opens the start's attendance commitment for an auditor: checks that --code is the code "
                                                 "committed at the start and prints the salt, so anyone can check SHA-256(salt || code)."),
                            {code}, {code}, [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const auto events = c.events();
                                if (events.isEmpty() || events.constFirst().type() != EventType::Start)
                                    return unexpected(QStringLiteral("the meeting has not started"));
                                const QJsonObject start = events.constFirst().content();
                                const auto session = crypto::Address::fromHex(start.value(QStringLiteral("delegation")).toObject().value(QStringLiteral("session")).toString());
                                auto salt = session ? c.attendanceSalt(*session) : unexpected(QStringLiteral("the start has no session key"));
                                if (!salt)
                                    return unexpected(salt.error());
                                const QString commitment = start.value(QStringLiteral("attendanceCommitment")).toString();
                                if (client::attendanceCommitment(*salt, p.value(code)) != commitment)
                                    return unexpected(QStringLiteral("%1 is not the code committed at the start (a code rotated later is not committed)").arg(p.value(code)));
                                return QStringLiteral("start %1\ncommitment %2\nsalt %3\ncode %4 (ASCII)\nSHA-256(salt || code) = the commitment")
                                    .arg(events.constFirst().idHex(), commitment, hex::encode(*salt), p.value(code));
                            });
    if (name == QStringLiteral("join"))
        return runOnMeeting(args, QStringLiteral("Joins a started meeting with the attendance code shown in the room."), {code}, {code},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const auto events = c.events();
                                if (events.isEmpty())
                                    return unexpected(QStringLiteral("the meeting has not started"));
                                auto delegation = c.newSession();
                                if (!delegation)
                                    return unexpected(delegation.error());
                                return posted(c.post(EventType::Join, {{QStringLiteral("delegation"), *delegation}}, events.constFirst().id(), p.value(code)), QStringLiteral("joined"));
                            });
    if (name == QStringLiteral("comment"))
        return runOnMeeting(args, QStringLiteral("Comments, optionally about a patient."), {text, patient}, {text},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) {
                                QJsonObject content = textContent(p, QStringLiteral("text"), text);
                                if (p.isSet(patient))
                                    content.insert(QStringLiteral("patient"), p.value(patient));
                                return posted(c.post(EventType::Comment, content), QStringLiteral("comment"));
                            });
    if (name == QStringLiteral("reply"))
        return runOnMeeting(args, QStringLiteral("Replies to a comment or reply."), {to, text}, {to, text},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) {
                                return postReferring(c, p.value(to), EventType::Reply, textContent(p, QStringLiteral("text"), text), QStringLiteral("reply"));
                            });
    if (name == QStringLiteral("disagree"))
        return runOnMeeting(args, QStringLiteral("Records your disagreement with any event."), {with, reason}, {with},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) {
                                return postReferring(c, p.value(with), EventType::Disagreement, textContent(p, QStringLiteral("reason"), reason),
                                                     QStringLiteral("disagreement"));
                            });
    if (name == QStringLiteral("discuss"))
        return runOnMeeting(args, QStringLiteral("(host) Announces the patient now discussed."), {patient}, {patient},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) {
                                return posted(c.post(EventType::Discussion, {{QStringLiteral("patient"), p.value(patient)}}), QStringLiteral("discussion"));
                            });
    if (name == QStringLiteral("show-image"))
        return runOnMeeting(args, QStringLiteral("(host) Shows an image (DICOM, PNG or JPEG) while its patient is discussed: uploads the file, then records "
                                                 "its SHA-256 under the patient's latest discussion."),
                            {patient, imageFile, caption}, {patient, imageFile},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &meeting) -> Expected<QString, QString> {
                                const auto events = c.events();
                                const auto discussion = std::find_if(events.rbegin(), events.rend(), [&](const protocol::Event &e) {
                                    return e.type() == EventType::Discussion && e.content().value(QStringLiteral("patient")).toString() == p.value(patient);
                                });
                                if (discussion == events.rend())
                                    return unexpected(QStringLiteral("%1 has not been discussed yet: discuss the patient first").arg(p.value(patient)));
                                QFile file(p.value(imageFile));
                                if (!file.open(QIODevice::ReadOnly))
                                    return unexpected(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
                                const QByteArray bytes = file.readAll();
                                const auto relayCall = [&c](const QString &method, const QJsonObject &params) { return c.call(method, params); };
                                auto content = client::uploadImage(relayCall, meeting, bytes, p.value(patient), p.value(caption));
                                if (!content)
                                    return unexpected(content.error());
                                return posted(c.post(EventType::Image, *content, discussion->id()), QStringLiteral("image"));
                            });
    if (name == QStringLiteral("patient-data"))
        return runOnMeeting(args, QStringLiteral("(host) Changes a patient's meeting data; the old value is recorded with the new."), {patient, field, value},
                            {patient, field, value}, [&](MeetingClient &c, const QCommandLineParser &p, const QString &meeting) -> Expected<QString, QString> {
                                auto data = c.call(QStringLiteral("meeting.patientData"), {{QStringLiteral("id"), meeting}});
                                if (!data)
                                    return unexpected(data.error());
                                const QString from = data->toObject().value(p.value(patient)).toObject().value(QStringLiteral("data")).toObject().value(p.value(field)).toString();
                                return posted(c.post(EventType::PatientDataChange, {{QStringLiteral("patient"), p.value(patient)}, {QStringLiteral("field"), p.value(field)},
                                                                                  {QStringLiteral("from"), from}, {QStringLiteral("to"), p.value(value)}}),
                                              QStringLiteral("patientDataChange"));
                            });
    if (name == QStringLiteral("poll"))
        return runOnMeeting(args, QStringLiteral("(host) Opens an encrypted poll."), {question, option, patient}, {question, option},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                auto voting = crypto::PrivateKey::generate();
                                if (!voting)
                                    return unexpected(crypto::describe(voting.error()));
                                QJsonObject content{{QStringLiteral("question"), p.value(question)},
                                                    {QStringLiteral("options"), QJsonArray::fromStringList(p.values(option))},
                                                    {QStringLiteral("votingKey"), hex::encode(voting->publicKey().compressed())}};
                                if (p.isSet(patient))
                                    content.insert(QStringLiteral("patient"), p.value(patient));
                                if (auto kept = c.keepVotingKey(*voting); !kept)
                                    return unexpected(kept.error());
                                return posted(c.post(EventType::Poll, content), QStringLiteral("poll"));
                            });
    if (name == QStringLiteral("vote"))
        return runOnMeeting(args, QStringLiteral("Votes in an open poll; the vote stays secret until the poll ends."), {poll, option}, {poll, option},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const auto events = c.events();
                                auto pollId = resolveEventId(events, p.value(poll));
                                if (!pollId)
                                    return unexpected(pollId.error());
                                const auto found = std::find_if(events.begin(), events.end(), [&](const protocol::Event &e) { return e.id() == *pollId; });
                                const auto votingKey = client::pollVotingKey(*found);
                                bool ok = false;
                                const int choice = p.value(option).toInt(&ok);
                                if (!votingKey)
                                    return unexpected(QStringLiteral("%1 is not a poll").arg(p.value(poll)));
                                if (!ok || choice < 0 || choice >= found->content().value(QStringLiteral("options")).toArray().size())
                                    return unexpected(QStringLiteral("--option is the number of an option, from 0"));
                                auto ciphertext = client::encryptBallot(*votingKey, *pollId, c.identity(), choice);
                                if (!ciphertext)
                                    return unexpected(crypto::describe(ciphertext.error()));
                                return posted(c.post(EventType::Vote, {{QStringLiteral("ciphertext"), hex::encode(*ciphertext)}}, *pollId), QStringLiteral("vote"));
                            });
    if (name == QStringLiteral("poll-end"))
        return runOnMeeting(args, QStringLiteral("(host) Ends a poll and reveals its key; prints the tally."), {poll}, {poll},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                auto pollId = resolveEventId(c.events(), p.value(poll));
                                auto key = pollId ? c.votingKey(*pollId) : unexpected(pollId.error());
                                if (!key)
                                    return unexpected(key.error());
                                auto id = c.post(EventType::PollEnd, {{QStringLiteral("votingSecret"), hex::encode(key->secret().view())}}, *pollId);
                                if (!id)
                                    return unexpected(id.error());
                                const auto events = c.events();
                                return tallyText(*client::tallyPoll(events, *pollId), c.identity(), events);
                            });
    if (name == QStringLiteral("results"))
        return runOnMeeting(args, QStringLiteral("Shows poll results (all polls, or --poll), and whether your vote was counted."), {poll}, {},
                            [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const auto events = c.events();
                                QStringList tallies;
                                for (const protocol::Event &event : events) {
                                    if (event.type() != EventType::Poll)
                                        continue;
                                    if (p.isSet(poll) && !event.idHex().startsWith(p.value(poll).toLower()))
                                        continue;
                                    tallies.append(tallyText(*client::tallyPoll(events, event.id()), c.identity(), events));
                                }
                                return tallies.isEmpty() ? QStringLiteral("no polls") : tallies.join(QLatin1Char('\n'));
                            });
    if (name == QStringLiteral("leave"))
        return runOnMeeting(args, QStringLiteral("Leaves the meeting."), {}, {},
                            [&](MeetingClient &c, const QCommandLineParser &, const QString &) { return posted(c.post(EventType::Leave, {}), QStringLiteral("left")); });
    if (name == QStringLiteral("end"))
        return runOnMeeting(args, QStringLiteral("(host) Ends the meeting."), {}, {},
                            [&](MeetingClient &c, const QCommandLineParser &, const QString &) { return posted(c.post(EventType::End, {}), QStringLiteral("ended")); });
    if (name == QStringLiteral("events"))
        return runOnMeeting(args, QStringLiteral("Lists the meeting's events as stored in your replica."), {}, {},
                            [&](MeetingClient &c, const QCommandLineParser &, const QString &) -> Expected<QString, QString> {
                                QStringList lines;
                                qint64 index = 0;
                                for (const protocol::Event &event : c.events())
                                    lines.append(QStringLiteral("%1 %2 %3 by %4").arg(index++, 5).arg(event.idHex(), protocol::typeName(event.type()), event.by().toLowerHex()));
                                return lines.join(QLatin1Char('\n'));
                            });
    if (name == QStringLiteral("approve"))
        return runOnMeeting(args, QStringLiteral("Approves an ended meeting: verifies your copy, checks that the chain holds the same final record, "
                                                 "then signs the approval (EIP-712) and hands it to the relay."),
                            {chainUrl, wait}, {}, [&](MeetingClient &c, const QCommandLineParser &p, const QString &meeting) -> Expected<QString, QString> {
                                return approveMeeting(c, meeting, QUrl(valueOrEnvironment(p, chainUrl, "CMEET_CHAIN", QStringLiteral("http://127.0.0.1:8545"))),
                                                      waitSeconds(p.value(wait)));
                            });
    if (name == QStringLiteral("export"))
        return runOnMeeting(args, QStringLiteral("Writes the meeting to a .cmeet file for auditors: exact event bytes, signatures, metadata, "
                                                 "everyone's approvals (no keys), then verifies it."),
                            {out}, {out}, [&](MeetingClient &c, const QCommandLineParser &p, const QString &) -> Expected<QString, QString> {
                                const QList<QByteArray> log = c.replica().events().value_or(QList<QByteArray>());
                                const auto call = [&c](const QString &method, const QJsonObject &params) { return c.call(method, params); };
                                if (auto exported = client::exportMeetingFile(call, c.replica().meetingId(), log, p.value(out)); !exported)
                                    return unexpected(exported.error());
                                auto schemas = protocol::SchemaValidator::load();
                                if (!schemas)
                                    return unexpected(schemas.error());
                                const auto report = ledger::verifyMeetingLog(log, **schemas);
                                return QStringLiteral("exported %1 entries to %2: %3").arg(log.size()).arg(p.value(out),
                                                                                               report.ok() ? QStringLiteral("verified") : report.problems.join(QStringLiteral("; ")));
                            });
    printError(QStringLiteral("unknown command \"%1\"").arg(name));
    return 2;
}

} // namespace cmeet::cli
