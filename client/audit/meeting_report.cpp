#include "client/audit/meeting_report.h"

#include "base/hex.h"
#include "client/imaging/shown_image.h"
#include "crypto/hash.h"
#include "protocol/event.h"
#include "store/meeting_file.h"

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QFont>
#include <QHash>
#include <QJsonArray>
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSet>
#include <QTextDocument>

#include <algorithm>
#include <limits>

namespace cmeet::audit {
namespace {

using protocol::Event;
using protocol::EventType;

constexpr qint64 stillOpen = std::numeric_limits<qint64>::max();

QString esc(const QString &text) { return text.toHtmlEscaped(); }

QString field(const Event &event, const char *name) { return event.content().value(QLatin1String(name)).toString(); }

QString shownValue(const QString &value) { return value.isEmpty() ? QStringLiteral("<i>(empty)</i>") : esc(value); }

// What the record needs from the log, in one pass: who was present when, which patient each
// entry belongs to, the threads of comments and what each disagreement is about.
class Proceedings {
public:
    struct Interval {
        qint64 from = 0;
        qint64 to = stillOpen;
    };
    struct Discussion {
        QString patient;
        qint64 from = 0;
        qint64 to = stillOpen;
    };

    Proceedings(const QList<Event> &events, const QJsonObject &meeting, const ReportOptions &options)
        : m_events(events), m_options(options)
    {
        const QJsonObject names = meeting.value(QStringLiteral("names")).toObject();
        for (auto name = names.begin(); name != names.end(); ++name)
            m_names.insert(name.key().toLower(), name.value().toString());
        QString discussed; // the patient under discussion, as the host last set it
        for (qsizetype i = 0; i < events.size(); ++i) {
            const Event &event = events.at(i);
            m_byId.insert(event.id(), i);
            if (event.ref())
                m_answers[*event.ref()].append(i);
            const QString by = event.by().toLowerHex();
            switch (event.type()) {
            case EventType::Start:
                m_start = i;
                for (const QJsonValue &member : event.content().value(QStringLiteral("roster")).toArray())
                    m_roster.append(member.toString().toLower());
                for (const QJsonValue &patient : event.content().value(QStringLiteral("agenda")).toArray())
                    m_agenda.append(patient.toString());
                m_present[by].append({event.ts(), stillOpen});
                break;
            case EventType::Join:
                if (m_present.value(by).isEmpty() || m_present.value(by).constLast().to != stillOpen)
                    m_present[by].append({event.ts(), stillOpen});
                break;
            case EventType::Leave:
                closeInterval(by, event.ts());
                break;
            case EventType::Discussion:
                discussed = field(event, "patient");
                if (!m_discussions.isEmpty())
                    m_discussions.last().to = event.ts();
                m_discussions.append({discussed, event.ts(), stillOpen});
                break;
            case EventType::End:
                m_end = event.ts();
                if (!m_discussions.isEmpty())
                    m_discussions.last().to = event.ts();
                for (auto member = m_present.begin(); member != m_present.end(); ++member)
                    closeInterval(member.key(), event.ts());
                break;
            default:
                break;
            }
            const QString own = event.content().value(QStringLiteral("patient")).toString();
            m_patientOf.append(own.isEmpty() ? discussed : own);
        }
    }

    [[nodiscard]] const QList<Event> &events() const { return m_events; }
    [[nodiscard]] const Event *start() const { return m_start >= 0 ? &m_events.at(m_start) : nullptr; }
    [[nodiscard]] std::optional<qint64> end() const { return m_end; }
    [[nodiscard]] const QStringList &roster() const { return m_roster; }
    [[nodiscard]] const QStringList &agenda() const { return m_agenda; }
    [[nodiscard]] QList<Interval> presence(const QString &member) const { return m_present.value(member); }
    [[nodiscard]] QString patientOf(qsizetype index) const { return m_patientOf.value(index); }
    [[nodiscard]] QList<qsizetype> answersTo(const QByteArray &id) const { return m_answers.value(id); }
    [[nodiscard]] const Event *byId(const QByteArray &id) const { return m_byId.contains(id) ? &m_events.at(m_byId.value(id)) : nullptr; }

    [[nodiscard]] QList<Discussion> discussionsOf(const QString &patient) const
    {
        QList<Discussion> out;
        for (const Discussion &discussion : m_discussions) {
            if (discussion.patient == patient)
                out.append(discussion);
        }
        return out;
    }

    // Everyone present at some time from from to to (both included: a discussion may last no
    // longer than the clock's resolution).
    [[nodiscard]] QStringList presentDuring(qint64 from, qint64 to) const
    {
        QStringList out;
        for (const QString &member : m_roster) {
            const QList<Interval> intervals = m_present.value(member);
            if (std::any_of(intervals.cbegin(), intervals.cend(), [&](const Interval &i) { return i.from <= to && i.to >= from; }))
                out.append(member);
        }
        return out;
    }

    // "Dr A", or the address shortened to "0x1234…abcd" when the file names nobody (the roster
    // table gives every full address).
    [[nodiscard]] QString who(const QString &address) const
    {
        const QString lower = address.toLower();
        const QString name = m_names.value(lower);
        return name.isEmpty() ? esc(lower.left(6) + QStringLiteral("…") + lower.right(4)) : esc(name);
    }
    [[nodiscard]] QString who(const Event &event) const { return who(event.by().toLowerHex()); }

    [[nodiscard]] QString time(qint64 ms) const
    {
        if (ms == stillOpen)
            return QStringLiteral("—");
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms, m_options.zone);
        const bool sameDay = start() && QDateTime::fromMSecsSinceEpoch(start()->ts(), m_options.zone).date() == at.date();
        return at.toString(sameDay ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    [[nodiscard]] QString dateTime(qint64 ms) const
    {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms, m_options.zone);
        return at.toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" (UTC") + at.timeZone().displayName(at, QTimeZone::OffsetName).mid(3)
            + QStringLiteral(")");
    }

private:
    void closeInterval(const QString &member, qint64 at)
    {
        auto found = m_present.find(member);
        if (found != m_present.end() && !found->isEmpty() && found->last().to == stillOpen)
            found->last().to = at;
    }

    const QList<Event> &m_events;
    ReportOptions m_options;
    QHash<QString, QString> m_names;
    qsizetype m_start = -1;
    std::optional<qint64> m_end;
    QStringList m_roster;
    QStringList m_agenda;
    QHash<QString, QList<Interval>> m_present;
    QList<Discussion> m_discussions;
    QStringList m_patientOf; // per event
    QHash<QByteArray, QList<qsizetype>> m_answers;
    QHash<QByteArray, qsizetype> m_byId;
};

const char *const style = R"(
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 17pt; margin-bottom: 2px; }
h2 { font-size: 13pt; margin-top: 18px; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin-top: 12px; }
table { border-collapse: collapse; }
th { background: #e8e8e8; text-align: left; padding: 3px 6px; }
td { padding: 3px 6px; vertical-align: top; }
.verified { color: #1a6b1a; font-weight: bold; }
.failed { color: #b00000; font-weight: bold; }
.unchecked { color: #8a5a00; font-weight: bold; }
.muted { color: #555; }
)";

QString outcomeClass(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Verified: return QStringLiteral("verified");
    case Outcome::Failed: return QStringLiteral("failed");
    case Outcome::NotChecked: return QStringLiteral("unchecked");
    }
    return {};
}

QString verdictLine(const AuditReport &audit)
{
    const Verdict verdict = audit.verdict();
    const QString cls = verdict == Verdict::Verified ? QStringLiteral("verified") : verdict == Verdict::Invalid ? QStringLiteral("failed") : QStringLiteral("unchecked");
    QString advice;
    if (verdict == Verdict::Invalid)
        advice = QStringLiteral("This record has been changed or is broken: do not rely on it. The findings below say which entries.");
    else if (verdict == Verdict::Incomplete)
        advice = QStringLiteral("Everything the file shows holds, but not everything was checked (see below): check it again "
                                "with a chain node (<tt>cmeet-audit report --chain URL</tt>, or the chain node in the app's "
                                "File &gt; Settings) to check the chain anchor and keys.");
    else
        advice = QStringLiteral("Every check held, the chain anchor included.");
    return QStringLiteral("<p style=\"font-size:13pt\">Audit verdict: <span class=\"%1\">%2</span></p><p>%3</p>").arg(cls, esc(verdictName(verdict)), advice);
}

// Failed findings one by one; what was not checked grouped by area; what was verified, except
// the polls (shown with each patient) and the anchor (its own section).
QString findingsSection(const AuditReport &audit)
{
    QString html = QStringLiteral("<h2>Audit findings</h2><table width=\"100%\"><tr><th>outcome</th><th>area</th><th>entry</th><th>finding</th></tr>");
    const auto row = [](const Finding &f, const QString &detail) {
        return QStringLiteral("<tr><td class=\"%1\">%2</td><td>%3</td><td>%4</td><td>%5</td></tr>")
            .arg(outcomeClass(f.outcome), esc(outcomeName(f.outcome)), esc(f.area), f.entry >= 0 ? QString::number(f.entry) : QString(), detail);
    };
    for (const Finding &f : audit.findings) {
        if (f.outcome == Outcome::Failed)
            html += row(f, esc(f.detail) + (f.eventId.isEmpty() ? QString() : QStringLiteral("<br/><span class=\"muted\">event %1</span>").arg(f.eventId)));
    }
    QStringList areas;
    QHash<QString, QList<Finding>> unchecked;
    for (const Finding &f : audit.findings) {
        if (f.outcome != Outcome::NotChecked || f.area == QStringLiteral("anchor"))
            continue;
        if (!unchecked.contains(f.area))
            areas.append(f.area);
        unchecked[f.area].append(f);
    }
    for (const QString &area : areas) {
        const QList<Finding> &list = unchecked.value(area);
        html += row(list.constFirst(), esc(list.constFirst().detail) + (list.size() > 1 ? QStringLiteral(" <i>(and %1 more like it)</i>").arg(list.size() - 1) : QString()));
    }
    for (const Finding &f : audit.findings) {
        if (f.outcome == Outcome::Verified && f.area != QStringLiteral("polls") && f.area != QStringLiteral("anchor"))
            html += row(f, esc(f.detail));
    }
    return html + QStringLiteral("</table>");
}

QString anchorSection(const AuditReport &audit, const QJsonObject &meeting)
{
    QString html = QStringLiteral("<h2>Chain anchor</h2>");
    const QJsonObject anchor = meeting.value(QStringLiteral("anchor")).toObject();
    if (anchor.contains(QStringLiteral("registry")))
        html += QStringLiteral("<p>The relay anchored this meeting in the MeetingRegistry %1 on chain %2.</p>")
                    .arg(esc(anchor.value(QStringLiteral("registry")).toString()))
                    .arg(anchor.value(QStringLiteral("chainId")).toInteger());
    else
        html += QStringLiteral("<p>The file names no chain anchor.</p>");
    html += QStringLiteral("<table width=\"100%\">");
    for (const Finding &f : audit.findings) {
        if (f.area == QStringLiteral("anchor"))
            html += QStringLiteral("<tr><td class=\"%1\">%2</td><td>%3</td></tr>").arg(outcomeClass(f.outcome), esc(outcomeName(f.outcome)), esc(f.detail));
    }
    return html + QStringLiteral("</table>");
}

QString meetingSection(const Proceedings &record, const AuditReport &audit, const QJsonObject &meeting)
{
    const Event *start = record.start();
    QString html = QStringLiteral("<h2>Meeting</h2><table>");
    const auto line = [&](const QString &what, const QString &value) { html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(what, value); };
    line(QStringLiteral("Title"), esc(field(*start, "title")));
    if (start->content().contains(QStringLiteral("description")))
        line(QStringLiteral("Description"), esc(field(*start, "description")));
    line(QStringLiteral("Started"), record.dateTime(start->ts()));
    line(QStringLiteral("Ended"), record.end() ? record.dateTime(*record.end()) : QStringLiteral("<span class=\"failed\">the log has no end</span>"));
    line(QStringLiteral("Host"), record.who(*start));
    line(QStringLiteral("Patients on the agenda"), esc(record.agenda().join(QStringLiteral(", "))));
    line(QStringLiteral("Meeting id"), esc(audit.meeting));
    line(QStringLiteral("Log"), QStringLiteral("%1 entries in the file").arg(audit.entries));
    html += QStringLiteral("</table>");
    if (meeting.contains(QStringLiteral("names")))
        html += QStringLiteral("<p class=\"muted\">Names are as the file gives them; the events name people by their keys, which the audit checked.</p>");
    return html;
}

QString attendanceSection(const Proceedings &record, const QSet<QString> &approved)
{
    QString html = QStringLiteral("<h2>Roster and attendance</h2><table width=\"100%\"><tr><th>member</th><th>identity</th><th>present</th><th>approved</th></tr>");
    for (const QString &member : record.roster()) {
        QStringList times;
        for (const Proceedings::Interval &interval : record.presence(member))
            times.append(QStringLiteral("%1 – %2").arg(record.time(interval.from), record.time(interval.to)));
        html += QStringLiteral("<tr><td>%1</td><td style=\"font-family:'DejaVu Sans Mono'; font-size:7pt\">%2</td><td>%3</td><td>%4</td></tr>")
                    .arg(record.who(member), esc(member), times.isEmpty() ? QStringLiteral("<i>did not join</i>") : times.join(QStringLiteral("<br/>")),
                         approved.contains(member) ? QStringLiteral("yes") : QStringLiteral("<i>no</i>"));
    }
    return html + QStringLiteral("</table>");
}

// A comment or reply with everything that answers it, indented one step per level.
void thread(const Proceedings &record, qsizetype index, int depth, QString &html)
{
    const Event &event = record.events().at(index);
    const QString margin = QStringLiteral("margin-left:%1px; margin-top:2px; margin-bottom:2px").arg(depth * 22);
    switch (event.type()) {
    case EventType::Comment:
    case EventType::Reply:
        html += QStringLiteral("<p style=\"%1\"><span class=\"muted\">%2</span> <b>%3</b>%4: %5</p>")
                    .arg(margin, record.time(event.ts()), record.who(event), event.type() == EventType::Reply ? QStringLiteral(" replied") : QString(),
                         esc(field(event, "text")));
        break;
    case EventType::Disagreement: {
        const QString reason = field(event, "reason");
        html += QStringLiteral("<p style=\"%1\"><span class=\"muted\">%2</span> <b>%3</b> <span class=\"failed\">disagreed</span>%4</p>")
                    .arg(margin, record.time(event.ts()), record.who(event), reason.isEmpty() ? QString() : QStringLiteral(": ") + esc(reason));
        break;
    }
    default:
        return;
    }
    for (const qsizetype answer : record.answersTo(event.id()))
        thread(record, answer, depth + 1, html);
}

QString pollBlock(const Proceedings &record, const Event &poll, const AuditReport &audit)
{
    const auto tally = std::find_if(audit.polls.cbegin(), audit.polls.cend(), [&](const client::PollTally &t) { return t.pollId == poll.id(); });
    QString html = QStringLiteral("<p style=\"margin-top:8px\"><span class=\"muted\">%1</span> <b>Poll</b> by %2: %3</p>")
                       .arg(record.time(poll.ts()), record.who(poll), esc(field(poll, "question")));
    const QJsonArray options = poll.content().value(QStringLiteral("options")).toArray();
    html += QStringLiteral("<table style=\"margin-left:22px\"><tr><th>option</th><th>votes</th></tr>");
    for (qsizetype i = 0; i < options.size(); ++i)
        html += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>")
                    .arg(esc(options.at(i).toString()), tally != audit.polls.cend() && tally->ended ? QString::number(tally->counts.value(i)) : QStringLiteral("—"));
    html += QStringLiteral("</table>");
    if (tally == audit.polls.cend() || !tally->ended) {
        html += QStringLiteral("<p style=\"margin-left:22px\"><i>The poll was never ended: its votes stay secret.</i></p>");
        return html;
    }
    QStringList voters;
    for (const QByteArray &vote : tally->counted) {
        if (const Event *cast = record.byId(vote))
            voters.append(record.who(*cast));
    }
    html += QStringLiteral("<p style=\"margin-left:22px\">%1 votes counted, %2 invalid. Voted: %3</p>")
                .arg(tally->counted.size())
                .arg(tally->invalid)
                .arg(voters.isEmpty() ? QStringLiteral("nobody") : voters.join(QStringLiteral(", ")));
    if (!tally->uncounted.isEmpty())
        html += QStringLiteral("<p style=\"margin-left:22px\" class=\"failed\">%1 votes in the log were not counted.</p>").arg(tally->uncounted.size());
    return html;
}

// Everything about one patient (or, for an empty patient, what belongs to none).
// An image shown, as the record lists it: a thumbnail of exactly the bytes in the file (only if
// they are the ones its event names), when and by whom, its caption and fingerprint.
QString imageBlock(const Proceedings &record, const Event &event, const store::MeetingFile &file)
{
    constexpr int thumbnailWidth = 180;
    const QString sha256 = field(event, "sha256");
    const auto stored = file.image(hex::decodeLowercase(sha256, 32).value_or(QByteArray()));
    QString picture;
    if (!stored || !*stored) {
        picture = QStringLiteral("<span class=\"failed\">not in the file</span>");
    } else if (hex::encode(crypto::sha256((*stored)->bytes)) != sha256) {
        picture = QStringLiteral("<span class=\"failed\">changed in the file: not shown</span>");
    } else if (auto decoded = imaging::ShownImage::decode((*stored)->bytes, (*stored)->mediaType); !decoded) {
        picture = QStringLiteral("<span class=\"muted\">%1</span>").arg(esc(decoded.error()));
    } else {
        const QImage shown = decoded->render();
        const QImage thumbnail = shown.width() > thumbnailWidth ? shown.scaledToWidth(thumbnailWidth, Qt::SmoothTransformation) : shown;
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        thumbnail.save(&buffer, "PNG");
        picture = QStringLiteral("<img src=\"data:image/png;base64,%1\" width=\"%2\" height=\"%3\"/>")
                      .arg(QString::fromLatin1(png.toBase64()))
                      .arg(thumbnail.width())
                      .arg(thumbnail.height());
    }
    const QString caption = field(event, "caption");
    // One paragraph (not a table): a page break never parts a picture from what it says.
    return QStringLiteral("<p>%1<br/>%2 · %3: %4<br/><span class=\"muted\">%5, %6 bytes, SHA-256 %7…</span></p>")
        .arg(picture, record.time(event.ts()), record.who(event), caption.isEmpty() ? QStringLiteral("<i>(no caption)</i>") : esc(caption),
             esc(field(event, "mediaType")), QString::number(event.content().value(QStringLiteral("size")).toInteger()), esc(sha256.left(18)));
}

QString patientSection(const Proceedings &record, const QString &patient, const AuditReport &audit, const store::MeetingFile &file)
{
    QString html = patient.isEmpty() ? QStringLiteral("<h2>Not about one patient</h2>") : QStringLiteral("<h2>Patient %1</h2>").arg(esc(patient));
    if (!patient.isEmpty()) {
        const QList<Proceedings::Discussion> discussions = record.discussionsOf(patient);
        if (discussions.isEmpty())
            html += QStringLiteral("<p><i>Not discussed.</i></p>");
        for (const Proceedings::Discussion &discussion : discussions) {
            const QStringList present = record.presentDuring(discussion.from, discussion.to);
            QStringList absent;
            for (const QString &member : record.roster()) {
                if (!present.contains(member))
                    absent.append(record.who(member));
            }
            QString who;
            if (absent.isEmpty())
                who = QStringLiteral("all %1 on the roster").arg(present.size());
            else if (absent.size() < present.size())
                who = QStringLiteral("%1 of %2 on the roster; absent: %3").arg(present.size()).arg(record.roster().size()).arg(absent.join(QStringLiteral(", ")));
            else {
                QStringList names;
                for (const QString &member : present)
                    names.append(record.who(member));
                who = QStringLiteral("%1 of %2 on the roster: %3").arg(present.size()).arg(record.roster().size()).arg(names.isEmpty() ? QStringLiteral("nobody") : names.join(QStringLiteral(", ")));
            }
            html += QStringLiteral("<p><b>Discussed</b> %1 – %2. <b>Present:</b> %3.</p>").arg(record.time(discussion.from), record.time(discussion.to), who);
        }
    }
    QString changes;
    QString discussion;
    QString polls;
    QString images;
    const QList<Event> &events = record.events();
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (record.patientOf(i) != patient)
            continue;
        const Event &event = events.at(i);
        const Event *target = event.ref() ? record.byId(*event.ref()) : nullptr; // what it answers
        switch (event.type()) {
        case EventType::PatientDataChange: {
            changes += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td></tr>")
                           .arg(record.time(event.ts()), esc(field(event, "field")), shownValue(field(event, "from")), shownValue(field(event, "to")), record.who(event));
            for (const qsizetype objection : record.answersTo(event.id())) { // a disagreement with the change, under it
                QString objected;
                thread(record, objection, 0, objected);
                changes += QStringLiteral("<tr><td></td><td colspan=\"4\">%1</td></tr>").arg(objected);
            }
            break;
        }
        case EventType::Comment:
            thread(record, i, 0, discussion);
            break;
        case EventType::Disagreement:
            // With a comment, a reply or a change it is shown under them; with anything else, here.
            if (!target || !QList<EventType>{EventType::Comment, EventType::Reply, EventType::PatientDataChange}.contains(target->type())) {
                if (target)
                    discussion += QStringLiteral("<p style=\"margin-top:6px; margin-bottom:0px\" class=\"muted\">About the %1 by %2 at %3:</p>")
                                      .arg(esc(protocol::typeName(target->type())), record.who(*target), record.time(target->ts()));
                thread(record, i, 0, discussion);
            }
            break;
        case EventType::Poll:
            polls += pollBlock(record, event, audit);
            break;
        case EventType::Image:
            images += imageBlock(record, event, file);
            break;
        default:
            break;
        }
    }
    if (!changes.isEmpty())
        html += QStringLiteral("<h3>Patient data changed</h3><table width=\"100%\"><tr><th>time</th><th>field</th><th>from</th><th>to</th><th>by</th></tr>")
            + changes + QStringLiteral("</table>");
    if (!images.isEmpty())
        html += QStringLiteral("<h3>Images shown</h3>") + images;
    if (!discussion.isEmpty())
        html += QStringLiteral("<h3>Comments, replies and disagreements</h3>") + discussion;
    if (!polls.isEmpty())
        html += QStringLiteral("<h3>Polls</h3>") + polls;
    if (changes.isEmpty() && discussion.isEmpty() && polls.isEmpty() && images.isEmpty())
        html += QStringLiteral("<p class=\"muted\">No changes, images, comments or polls.</p>");
    return html;
}

} // namespace

Expected<QString, QString> meetingReportHtml(const QString &path, const AuditReport &audit, const ReportOptions &options)
{
    auto file = store::MeetingFile::open(path, true);
    if (!file)
        return unexpected(QStringLiteral("not a meeting file c-meet can read: ") + file.error().detail);
    const QList<Event> &events = audit.events; // read once, by the audit
    const Proceedings record(events, (*file)->meeting(), options);
    if (!record.start())
        return unexpected(QStringLiteral("the log has no start: there is no meeting to report"));
    QSet<QString> approved;
    for (const store::Approval &approval : (*file)->approvals().value_or(QList<store::Approval>()))
        approved.insert(approval.identity.toLower());

    const QJsonObject meeting = (*file)->meeting();
    QString html = QStringLiteral("<html><head><meta charset=\"utf-8\"/><title>%1</title><style>%2</style></head><body>")
                       .arg(esc(QStringLiteral("MDT meeting record: ") + field(*record.start(), "title")), QString::fromLatin1(style));
    html += QStringLiteral("<h1>MDT meeting record: %1</h1>").arg(esc(field(*record.start(), "title")));
    html += QStringLiteral("<p class=\"muted\">%1 · %2</p>").arg(record.dateTime(record.start()->ts()), esc(audit.meeting));
    html += verdictLine(audit);
    html += anchorSection(audit, meeting);
    html += meetingSection(record, audit, meeting);
    html += attendanceSection(record, approved);
    QStringList patients = record.agenda();
    for (qsizetype i = 0; i < events.size(); ++i) { // a patient discussed though not on the agenda still gets a section
        if (!record.patientOf(i).isEmpty() && !patients.contains(record.patientOf(i)))
            patients.append(record.patientOf(i));
    }
    for (const QString &patient : patients)
        html += patientSection(record, patient, audit, **file);
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (record.patientOf(i).isEmpty() && QList<EventType>{EventType::Comment, EventType::Poll, EventType::Disagreement}.contains(events.at(i).type())) {
            html += patientSection(record, QString(), audit, **file);
            break;
        }
    }
    html += findingsSection(audit);
    html += QStringLiteral("<p class=\"muted\" style=\"margin-top:18px\">Written by %1 from %2 (%3 entries). Times are in %4.</p>")
                .arg(esc(options.generatedBy.isEmpty() ? QStringLiteral("cmeet-audit") : options.generatedBy), esc(audit.file))
                .arg(audit.entries)
                .arg(esc(QString::fromUtf8(options.zone.id())));
    return html + QStringLiteral("</body></html>");
}

Expected<Ok, QString> writeReportPdf(const QString &html, const QString &outPath)
{
    QPdfWriter writer(outPath);
    if (!writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(16, 16, 16, 16), QPageLayout::Millimeter)))
        return unexpected(QStringLiteral("cannot lay out an A4 page"));
    writer.setResolution(96); // the HTML's px (indents, paddings) as on a screen, not a 1200 dpi device's
    writer.setTitle(QStringLiteral("MDT meeting record"));
    writer.setCreator(QStringLiteral("cmeet-audit"));
    QTextDocument document;
    document.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 10));
    document.setHtml(html);
    document.print(&writer);
    QFile written(outPath);
    if (!written.exists() || written.size() == 0)
        return unexpected(QStringLiteral("cannot write %1").arg(outPath));
    return Ok{};
}

} // namespace cmeet::audit
