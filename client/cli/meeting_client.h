#pragma once
// What every networked cmeet-cli command shares: the identity key, the relay connection and
// login, and the local replica of a meeting (a .cmeet meeting file per meeting and identity in
// the state directory) kept in step with the relay's log.

#include "client/core/participant.h"
#include "client/core/relay_connection.h"
#include "crypto/secret.h"
#include "store/meeting_file.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonObject>
#include <memory>

namespace cmeet::cli {

struct ConnectionOptions {
    QCommandLineOption relay{QStringLiteral("relay"), QStringLiteral("Relay URL, or several separated by commas (an active relay and its standby: "
                                                                 "the first that answers is used; default: $CMEET_RELAY or ws://127.0.0.1:8765)."),
                              QStringLiteral("urls")};
    QCommandLineOption key{QStringLiteral("key"), QStringLiteral("Your identity key file (default: $CMEET_KEY)."), QStringLiteral("file")};
    QCommandLineOption state{QStringLiteral("state"), QStringLiteral("Directory of your meeting files (default: $CMEET_STATE or ~/.local/share/cmeet)."), QStringLiteral("dir")};
    QCommandLineOption ca{QStringLiteral("ca"), QStringLiteral("Extra CA certificate (PEM) to trust for wss://."), QStringLiteral("file")};
    QCommandLineOption identity{QStringLiteral("identity"),
                                QStringLiteral("The identity --key speaks for, when it is a device key added in the identity registry "
                                               "(default: $CMEET_IDENTITY or the key's own address)."),
                                QStringLiteral("address")};

    void addTo(QCommandLineParser &parser) const { parser.addOptions({relay, key, state, ca, identity}); }
};

class MeetingClient {
public:
    // Loads the key (asking for its passphrase), connects and logs in.
    [[nodiscard]] static Expected<std::unique_ptr<MeetingClient>, QString> connect(const QCommandLineParser &parser,
                                                                                 const ConnectionOptions &options);

    [[nodiscard]] Expected<QJsonValue, QString> call(const QString &method, const QJsonObject &params = {});
    [[nodiscard]] const crypto::Address &identity() const { return m_identity; }
    [[nodiscard]] const crypto::PrivateKey &signingKey() const { return m_key; }

    // Opens (creating on first use) the replica of the meeting and brings it up to date.
    [[nodiscard]] Expected<Ok, QString> openMeeting(const QString &meetingId);
    [[nodiscard]] Expected<Ok, QString> sync();
    [[nodiscard]] store::MeetingFile &replica() { return *m_replica; }
    [[nodiscard]] QList<protocol::Event> events();
    [[nodiscard]] QByteArray lastId();

    // A fresh session key, sealed into the replica with the identity's passphrase; its delegation.
    [[nodiscard]] Expected<QJsonObject, QString> newSession();
    // The salt of the start's attendance commitment, SHA-256(salt || code): derived from the
    // start's session key (kept sealed in the replica), so it stays secret until the host opens
    // the commitment and is never stored on its own.
    [[nodiscard]] Expected<QByteArray, QString> attendanceSalt(const crypto::Address &startSession);
    // Keeps a poll's voting key (sealed, found again by its address) for the host to reveal at
    // pollEnd. Called before the poll is submitted: a poll whose key is lost can never end.
    [[nodiscard]] Expected<Ok, QString> keepVotingKey(const crypto::PrivateKey &key);
    // The kept key of the poll with this id (looked up through the poll's votingKey).
    [[nodiscard]] Expected<crypto::PrivateKey, QString> votingKey(const QByteArray &pollId);

    // Builds, signs and submits an event (ref: the latest entry unless given); returns its id.
    [[nodiscard]] Expected<QByteArray, QString> post(protocol::EventType type, const QJsonObject &content,
                                                     std::optional<QByteArray> ref = std::nullopt, const QString &attendanceCode = {});

private:
    MeetingClient(crypto::PrivateKey key, crypto::Address identity, crypto::SecretBytes passphrase, QString stateDir);
    [[nodiscard]] Expected<Ok, QString> restoreSession();

    crypto::PrivateKey m_key;   // the key that signs for the identity
    crypto::Address m_identity; // the identity
    crypto::SecretBytes m_passphrase;
    QString m_stateDir;
    client::RelayConnection m_connection;
    std::unique_ptr<store::MeetingFile> m_replica;
    std::unique_ptr<client::Participant> m_participant;
};

// Resolves an event id given in full (0x + 64 hex) or as a unique prefix of one in the replica.
[[nodiscard]] Expected<QByteArray, QString> resolveEventId(const QList<protocol::Event> &events, const QString &text);

} // namespace cmeet::cli
