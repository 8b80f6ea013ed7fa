#include "meeting_client.h"

#include "terminal.h"

#include "base/hex.h"
#include "client/core/meeting_images.h"
#include "client/core/polls.h"
#include "crypto/keystore.h"

#include <QDir>
#include <QJsonArray>
#include <QStandardPaths>

namespace cmeet::cli {
namespace {

QString errorText(const protocol::ProtocolError &error) { return protocol::wireCode(error.code) + QStringLiteral(": ") + error.detail; }

} // namespace

MeetingClient::MeetingClient(crypto::PrivateKey key, crypto::Address identity, crypto::SecretBytes passphrase, QString stateDir)
    : m_key(std::move(key)), m_identity(std::move(identity)), m_passphrase(std::move(passphrase)), m_stateDir(std::move(stateDir))
{
}

Expected<std::unique_ptr<MeetingClient>, QString> MeetingClient::connect(const QCommandLineParser &parser, const ConnectionOptions &options)
{
    const QString keyPath = valueOrEnvironment(parser, options.key, "CMEET_KEY", {});
    if (keyPath.isEmpty())
        return unexpected(QStringLiteral("which identity? give --key FILE or set CMEET_KEY (make one with 'cmeet-cli identity create')"));
    crypto::SecretBytes passphrase;
    auto key = loadKeyFile(keyPath, &passphrase);
    if (!key)
        return unexpected(key.error());
    const QString stateDir = valueOrEnvironment(parser, options.state, "CMEET_STATE",
                                                QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/cmeet"));
    if (!QDir().mkpath(stateDir))
        return unexpected(QStringLiteral("cannot create the state directory %1").arg(stateDir));
    const QString identityText = valueOrEnvironment(parser, options.identity, "CMEET_IDENTITY", key->address().toLowerHex());
    const auto identity = crypto::Address::fromHex(identityText);
    if (!identity)
        return unexpected(QStringLiteral("--identity must be an address (0x + 40 hex digits), not \"%1\"").arg(identityText));
    std::unique_ptr<MeetingClient> client(new MeetingClient(*key, *identity, std::move(passphrase), stateDir));
    if (parser.isSet(options.ca))
        client->m_connection.setTrustedCertificates(QSslCertificate::fromPath(parser.value(options.ca)));
    // Relays sharing one database serve one at a time: the first that answers is the one.
    const QStringList urls = valueOrEnvironment(parser, options.relay, "CMEET_RELAY", QStringLiteral("ws://127.0.0.1:8765")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    QStringList unreachable;
    for (const QString &url : urls) {
        if (auto opened = client->m_connection.open(QUrl(url.trimmed())); !opened) {
            unreachable.append(opened.error());
            continue;
        }
        if (auto login = client->m_connection.login(client->m_identity, client->m_key); !login)
            return unexpected(QStringLiteral("login refused: ") + errorText(login.error()));
        return client;
    }
    return unexpected(unreachable.isEmpty() ? QStringLiteral("no relay URL given") : unreachable.join(QStringLiteral("; ")));
}

Expected<QJsonValue, QString> MeetingClient::call(const QString &method, const QJsonObject &params)
{
    auto result = m_connection.call(method, params);
    if (!result)
        return unexpected(errorText(result.error()));
    return *result;
}

Expected<Ok, QString> MeetingClient::openMeeting(const QString &meetingId)
{
    auto meeting = call(QStringLiteral("meeting.get"), {{QStringLiteral("id"), meetingId}});
    if (!meeting)
        return unexpected(meeting.error());
    const QString path = QDir(m_stateDir).filePath(QStringLiteral("%1.%2.cmeet").arg(meetingId, m_identity.toLowerHex()));
    QJsonObject metadata = meeting->toObject();
    metadata.insert(QStringLiteral("relay"), m_connection.relayAddress().toLowerHex());
    auto replica = QFile::exists(path) ? store::MeetingFile::open(path, false) : store::MeetingFile::create(path, metadata);
    if (!replica)
        return unexpected(replica.error().detail);
    m_replica = std::move(*replica);
    QJsonObject stored = m_replica->meeting();
    for (auto it = metadata.begin(); it != metadata.end(); ++it)
        stored.insert(it.key(), it.value()); // the relay's latest view (status), keeping our local notes
    if (auto ok = m_replica->setMeeting(stored); !ok)
        return unexpected(ok.error().detail);
    m_participant = std::make_unique<client::Participant>(m_key, m_identity, meetingId, m_connection.relayAddress());
    if (auto ok = restoreSession(); !ok)
        return ok;
    return sync();
}

Expected<Ok, QString> MeetingClient::sync()
{
    // The relay answers in bounded pieces: fetch until the replica holds the whole log.
    while (true) {
        auto events = call(QStringLiteral("events.get"), {{QStringLiteral("meeting"), m_replica->meetingId()}, {QStringLiteral("fromIndex"), m_replica->size()}});
        if (!events)
            return unexpected(events.error());
        // A relay that holds fewer entries than this replica, which it acknowledged, has lost or
        // dropped some: say so rather than go on as if its shorter history were whole.
        const qint64 relaySize = events->toObject().value(QStringLiteral("size")).toInteger();
        if (relaySize < m_replica->size())
            return unexpected(QStringLiteral("the relay holds %1 entries of this meeting, your replica %2 that it acknowledged: it has lost or "
                                             "dropped events (restored from an older backup?). Keep your replica: it is the signed record of them.")
                                  .arg(relaySize)
                                  .arg(m_replica->size()));
        QList<QPair<qint64, QByteArray>> entries;
        for (const QJsonValue &entry : events->toObject().value(QStringLiteral("events")).toArray())
            entries.append({entry[QStringLiteral("index")].toInteger(), entry[QStringLiteral("event")].toString().toUtf8()});
        if (auto ok = m_replica->appendAll(entries); !ok)
            return unexpected(QStringLiteral("the relay's log does not continue this replica: ") + ok.error().detail);
        if (entries.isEmpty() || m_replica->size() >= relaySize)
            break;
    }
    // The images the log names, into the replica (each checked against its event).
    const auto relayCall = [this](const QString &method, const QJsonObject &params) { return call(method, params); };
    if (auto images = client::fetchImages(relayCall, *m_replica, events()); !images)
        return unexpected(images.error());
    return Ok{};
}

QList<protocol::Event> MeetingClient::events()
{
    QList<protocol::Event> out;
    for (const QByteArray &bytes : m_replica->events().value_or(QList<QByteArray>())) {
        if (auto event = protocol::Event::fromWire(bytes))
            out.append(*event);
    }
    return out;
}

QByteArray MeetingClient::lastId()
{
    const auto tail = m_replica->events(std::max<qint64>(0, m_replica->size() - 1)).value_or(QList<QByteArray>());
    if (tail.isEmpty())
        return {};
    const auto last = protocol::Event::fromWire(tail.constLast());
    return last ? last->id() : QByteArray();
}

Expected<Ok, QString> MeetingClient::restoreSession()
{
    const QString session = m_replica->meeting().value(QStringLiteral("local")).toObject().value(QStringLiteral("session")).toString();
    if (session.isEmpty())
        return Ok{};
    const auto sealed = m_replica->sealedKey(QStringLiteral("session"), session);
    auto key = sealed ? crypto::keystore::open(*sealed, m_passphrase) : unexpected(crypto::CryptoError::DecryptionFailed);
    if (!key)
        return unexpected(QStringLiteral("cannot open the session key kept in %1").arg(m_replica->path()));
    m_participant->restoreSession(*key);
    return Ok{};
}

Expected<QJsonObject, QString> MeetingClient::newSession()
{
    auto delegation = m_participant->newSession(QDateTime::currentMSecsSinceEpoch());
    if (!delegation)
        return unexpected(errorText(delegation.error()));
    const crypto::PrivateKey &session = *m_participant->sessionKey();
    auto sealed = crypto::keystore::seal(session, m_passphrase);
    if (!sealed)
        return unexpected(crypto::describe(sealed.error()));
    if (auto ok = m_replica->putSealedKey(QStringLiteral("session"), session.address().toLowerHex(), *sealed); !ok)
        return unexpected(ok.error().detail);
    QJsonObject meeting = m_replica->meeting();
    meeting.insert(QStringLiteral("local"), QJsonObject{{QStringLiteral("identity"), m_identity.toLowerHex()},
                                                        {QStringLiteral("session"), session.address().toLowerHex()}});
    if (auto ok = m_replica->setMeeting(meeting); !ok)
        return unexpected(ok.error().detail);
    return *delegation;
}

Expected<QByteArray, QString> MeetingClient::attendanceSalt(const crypto::Address &startSession)
{
    const auto sealed = m_replica->sealedKey(QStringLiteral("session"), startSession.toLowerHex());
    auto key = sealed ? crypto::keystore::open(*sealed, m_passphrase) : unexpected(crypto::CryptoError::DecryptionFailed);
    if (!key)
        return unexpected(QStringLiteral("this replica does not hold the start's session key (only the host who started the meeting has it)"));
    return client::attendanceSalt(*key);
}

Expected<Ok, QString> MeetingClient::keepVotingKey(const crypto::PrivateKey &key)
{
    auto sealed = crypto::keystore::seal(key, m_passphrase);
    if (!sealed)
        return unexpected(crypto::describe(sealed.error()));
    if (auto ok = m_replica->putSealedKey(QStringLiteral("voting"), key.address().toLowerHex(), *sealed); !ok)
        return unexpected(ok.error().detail);
    return Ok{};
}

Expected<crypto::PrivateKey, QString> MeetingClient::votingKey(const QByteArray &pollId)
{
    const QList<protocol::Event> log = events();
    const auto poll = std::find_if(log.begin(), log.end(), [&](const protocol::Event &e) { return e.id() == pollId; });
    const auto publicKey = poll == log.end() ? unexpected(crypto::CryptoError::InvalidPublicKey) : client::pollVotingKey(*poll);
    const auto sealed = publicKey ? m_replica->sealedKey(QStringLiteral("voting"), publicKey->address().toLowerHex()) : std::nullopt;
    auto key = sealed ? crypto::keystore::open(*sealed, m_passphrase) : unexpected(crypto::CryptoError::DecryptionFailed);
    if (!key)
        return unexpected(QStringLiteral("this replica holds no voting key for that poll (only the host who opened it has one)"));
    return *key;
}

Expected<QByteArray, QString> MeetingClient::post(protocol::EventType type, const QJsonObject &content, std::optional<QByteArray> ref,
                                                  const QString &attendanceCode)
{
    if (!ref && type != protocol::EventType::Start)
        ref = lastId();
    auto event = m_participant->makeEvent(type, content, ref, QDateTime::currentMSecsSinceEpoch());
    if (!event)
        return unexpected(errorText(event.error()));
    auto ack = m_connection.submit(event->wireBytes(), attendanceCode);
    if (!ack)
        return unexpected(errorText(ack.error()));
    if (auto ok = sync(); !ok)
        return unexpected(ok.error());
    return event->id();
}

Expected<QByteArray, QString> resolveEventId(const QList<protocol::Event> &events, const QString &text)
{
    const QString wanted = text.toLower();
    QList<QByteArray> matches;
    for (const protocol::Event &event : events) {
        if (event.idHex().startsWith(wanted))
            matches.append(event.id());
    }
    if (wanted.size() < 6 || matches.isEmpty())
        return unexpected(QStringLiteral("no event %1 in this meeting (give its id, or at least 0x and 4 hex digits)").arg(text));
    if (matches.size() > 1)
        return unexpected(QStringLiteral("%1 matches %2 events; give more digits").arg(text).arg(matches.size()));
    return matches.constFirst();
}

} // namespace cmeet::cli
