#include "support/relay_fixture.h"

#include "base/hex.h"
#include "ledger/merkle_log.h"
#include "ledger/tree_head.h"
#include "protocol/login.h"
#include "support/postgres_server.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>

namespace cmeet::test {

using protocol::EventType;

QString errorCode(const QJsonObject &reply)
{
    return reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

RelayFixture::RelayFixture(relay::AttendanceLimits attendanceLimits)
    : relayKey(*crypto::PrivateKey::generate()), limits(attendanceLimits)
{
    open();
    for (int i = 1; i <= 2; ++i) {
        const QString id = QStringLiteral("P-00%1").arg(i);
        (void)service->directory().upsertPatient({id, QStringLiteral("Patient %1").arg(i), QStringLiteral("2001-0%1-01").arg(i), {}});
    }
}

bool RelayFixture::refuseLogEntryAt(std::optional<qint64> position)
{
    const bool postgres = database->engine() == relay::RelayDatabase::Engine::Postgres;
    QStringList statements;
    if (!position)
        statements = postgres ? QStringList{QStringLiteral("DROP TRIGGER refuse ON event_log"), QStringLiteral("DROP FUNCTION refuse_entry()")}
                              : QStringList{QStringLiteral("DROP TRIGGER refuse")};
    else if (postgres)
        statements = {QStringLiteral("CREATE FUNCTION refuse_entry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.position = %1 THEN "
                                     "RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$")
                          .arg(*position),
                      QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON event_log FOR EACH ROW EXECUTE FUNCTION refuse_entry()")};
    else
        statements = {QStringLiteral("CREATE TEMP TRIGGER refuse BEFORE INSERT ON event_log WHEN NEW.position = %1 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
                          .arg(*position)};
    for (const QString &statement : statements) {
        if (!database->run(statement))
            return false;
    }
    return true;
}

bool RelayFixture::refuseWrites(bool refuse)
{
    const bool postgres = database->engine() == relay::RelayDatabase::Engine::Postgres;
    return database->run(postgres ? QStringLiteral("SET default_transaction_read_only = %1").arg(refuse ? QStringLiteral("on") : QStringLiteral("off"))
                                  : QStringLiteral("PRAGMA query_only = %1").arg(refuse ? 1 : 0))
        .hasValue();
}

QByteArray RelayFixture::storedBytes() const
{
    QStringList files;
    if (database->engine() == relay::RelayDatabase::Engine::Postgres) {
        QDirIterator all(PostgresServer::shared()->dataDirectory(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (all.hasNext())
            files.append(all.next());
    } else {
        files = {databaseLocation, databaseLocation + QStringLiteral("-wal")};
    }
    QByteArray bytes;
    for (const QString &name : files) {
        QFile file(name);
        if (file.open(QIODevice::ReadOnly))
            bytes += file.readAll();
    }
    return bytes;
}

void RelayFixture::open()
{
    if (databaseLocation.isEmpty())
        databaseLocation = relayDatabaseForTest(directory.path());
    auto opened = relay::RelayDatabase::open(databaseLocation);
    if (!opened)
        qFatal("cannot open relay database: %s", qPrintable(opened.error().detail));
    database = std::move(*opened);
    auto schemas = protocol::SchemaValidator::load();
    auto created = relay::RelayService::open(*database, relayKey, *schemas, [this] { return now; }, limits, identity, imageLimits);
    if (!created)
        qFatal("cannot open relay service: %s", qPrintable(created.error()));
    service = std::move(*created);
}

void RelayFixture::restart()
{
    service.reset();
    database.reset();
    open();
    for (auto &m : members)
        m->session = relay::Session{}; // connections are gone
}

Member &RelayFixture::member(const QString &name)
{
    for (auto &m : members) {
        if (m->name == name)
            return *m;
    }
    qFatal("no member %s", qPrintable(name));
}

Member &RelayFixture::addMember(const QString &name, bool onStaff)
{
    auto m = std::make_unique<Member>(Member{name, *crypto::PrivateKey::generate(), {}, nullptr, {}});
    if (onStaff)
        (void)service->directory().upsertStaff({m->key.address(), name, QStringLiteral("staff")});
    members.push_back(std::move(m));
    return *members.back();
}

QJsonObject RelayFixture::send(Member &from, const QJsonObject &message)
{
    const relay::Outcome outcome = service->handle(from.session, QJsonDocument(message).toJson(QJsonDocument::Compact));
    for (const relay::Broadcast &broadcast : outcome.broadcasts) {
        for (auto &m : members) {
            if (m->session.subscriptions.contains(broadcast.meeting))
                m->received.append(broadcast.message);
        }
    }
    return QJsonDocument::fromJson(outcome.reply).object();
}

QJsonObject RelayFixture::request(Member &from, const QString &method, const QJsonObject &params)
{
    return send(from, {{QStringLiteral("type"), QStringLiteral("request")},
                       {QStringLiteral("id"), m_nextId++},
                       {QStringLiteral("method"), method},
                       {QStringLiteral("params"), params}});
}

void RelayFixture::login(Member &m) { loginWith(m, m.key); }

void RelayFixture::loginWith(Member &m, const crypto::PrivateKey &key)
{
    const QJsonObject challenge = QJsonDocument::fromJson(service->greet(m.session)).object();
    const QByteArray nonce = *hex::decode(challenge.value(QStringLiteral("nonce")).toString());
    const auto signature = protocol::signLogin(m.key.address(), key, service->address(), nonce);
    const QJsonObject reply = send(m, {{QStringLiteral("type"), QStringLiteral("login")},
                                       {QStringLiteral("id"), m_nextId++},
                                       {QStringLiteral("identity"), m.key.address().toLowerHex()},
                                       {QStringLiteral("signature"), signature->toHex()}});
    if (!reply.contains(QStringLiteral("result")))
        qFatal("login failed for %s: %s", qPrintable(m.name), QJsonDocument(reply).toJson().constData());
}

void RelayFixture::changeKeys(const QList<identity::KeyChange> &changes)
{
    relay::IdentityKeys mirror(*database, identity);
    const quint64 block = mirror.syncedBlock().value_or(0) + 1;
    QList<identity::KeyChange> inBlock = changes;
    for (identity::KeyChange &change : inBlock) {
        change.block = block;
        change.time = static_cast<quint64>(now / 1000);
    }
    if (auto applied = mirror.apply(inBlock, block, now); !applied)
        qFatal("cannot apply key changes: %s", qPrintable(applied.error().detail));
    if (auto reloaded = service->reloadIdentityKeys(true); !reloaded)
        qFatal("cannot reload identity keys: %s", qPrintable(reloaded.error().detail));
}

QString RelayFixture::createMeeting(Member &host, const QStringList &rosterNames)
{
    QJsonArray roster;
    for (const QString &name : rosterNames)
        roster.append(member(name).key.address().toLowerHex());
    const QJsonObject reply = request(host, QStringLiteral("meeting.create"),
                                      {{QStringLiteral("title"), QStringLiteral("Colorectal MDT")},
                                       {QStringLiteral("scheduledAt"), now + 3600 * 1000},
                                       {QStringLiteral("roster"), roster},
                                       {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001"), QStringLiteral("P-002")}}});
    meeting = reply.value(QStringLiteral("result")).toObject().value(QStringLiteral("id")).toString();
    if (meeting.isEmpty())
        qFatal("meeting.create failed: %s", QJsonDocument(reply).toJson().constData());
    return meeting;
}

void RelayFixture::prepareParticipants(const QString &meetingId, const QStringList &names)
{
    for (const QString &name : names) {
        Member &m = member(name);
        m.participant = std::make_unique<client::Participant>(m.key, meetingId, service->address());
    }
}

QJsonObject RelayFixture::submitBytes(Member &from, const QByteArray &bytes, const QString &attendanceCode)
{
    QJsonObject params{{QStringLiteral("event"), QString::fromUtf8(bytes)}};
    if (!attendanceCode.isEmpty())
        params.insert(QStringLiteral("attendanceCode"), attendanceCode);
    return request(from, QStringLiteral("event.submit"), params);
}

QJsonObject RelayFixture::submit(Member &from, EventType type, const QJsonObject &content, std::optional<QByteArray> ref,
                                 const QString &attendanceCode)
{
    if (!ref && type != EventType::Start)
        ref = lastId(from);
    auto event = from.participant->makeEvent(type, content, ref, now);
    if (!event)
        qFatal("cannot make event: %s", qPrintable(event.error().detail));
    return submitBytes(from, event->wireBytes(), attendanceCode);
}

QJsonObject RelayFixture::start(Member &host, const QString &code)
{
    QJsonArray roster;
    const auto found = service->directory().loadMeeting(meeting);
    for (const crypto::Address &address : found->details.roster)
        roster.append(address.toLowerHex());
    return submit(host, EventType::Start,
                  {{QStringLiteral("title"), found->details.title},
                   {QStringLiteral("agenda"), QJsonArray::fromStringList(found->details.agenda)},
                   {QStringLiteral("roster"), roster},
                   {QStringLiteral("delegation"), *host.participant->newSession(now)},
                   {QStringLiteral("attendanceCommitment"), hex::encode(QByteArray(32, '\x11'))}},
                  std::nullopt, code);
}

QJsonObject RelayFixture::join(Member &m, const QString &code)
{
    const QList<QByteArray> entries = log(m);
    // Outsiders read no log: join with a made-up start id and let the relay refuse it.
    const QByteArray startId = entries.isEmpty() ? QByteArray(32, '\x5a') : protocol::Event::fromWire(entries.constFirst())->id();
    return submit(m, EventType::Join, {{QStringLiteral("delegation"), *m.participant->newSession(now)}}, startId, code);
}

QByteArray RelayFixture::relaySigned(const QList<QByteArray> &prefix, EventType type, const QJsonObject &lists, std::optional<qint64> ts) const
{
    ledger::MerkleLog merkle;
    qint64 acks = 0;
    for (const QByteArray &entry : prefix) {
        const protocol::Event event = *protocol::Event::fromWire(entry);
        merkle.append(event.id());
        acks += protocol::isRelayAcknowledgement(event.type()) ? 1 : 0;
    }
    QJsonObject content = lists;
    content.insert(QStringLiteral("seq"), acks + 1);
    content.insert(QStringLiteral("tree"), ledger::TreeHead{merkle.size(), merkle.root()}.toJson());
    auto ack = protocol::Event::create({type, meeting, relayKey.address(), protocol::Event::fromWire(prefix.constLast())->id(), ts.value_or(now), content});
    if (!ack || !ack->sign(relayKey))
        qFatal("cannot sign the acknowledgement");
    return ack->wireBytes();
}

QList<QByteArray> RelayFixture::log(Member &reader)
{
    QList<QByteArray> out;
    for (;;) { // page by page: a reply holds about 8 MB at most
        const QJsonObject page = request(reader, QStringLiteral("events.get"), {{QStringLiteral("meeting"), meeting}, {QStringLiteral("fromIndex"), out.size()}})
                                     .value(QStringLiteral("result")).toObject();
        const QJsonArray events = page.value(QStringLiteral("events")).toArray();
        for (const QJsonValue &entry : events)
            out.append(entry[QStringLiteral("event")].toString().toUtf8());
        if (events.isEmpty() || out.size() >= page.value(QStringLiteral("size")).toInteger())
            return out;
    }
}

QByteArray RelayFixture::lastId(Member &reader)
{
    const QList<QByteArray> entries = log(reader);
    return entries.isEmpty() ? QByteArray() : protocol::Event::fromWire(entries.constLast())->id();
}

} // namespace cmeet::test
