#pragma once
// A relay (RelayService on a real SQLite file, or PostgreSQL with CMEET_TEST_DATABASE=postgresql; no sockets) with a directory of staff and
// patients, a controllable clock, and logged-in sessions: for tests and benchmarks of the rules.

#include "client/core/participant.h"
#include "relay/core/relay_service.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <memory>

namespace cmeet::test {

struct Member {
    QString name;
    crypto::PrivateKey key;
    relay::Session session;
    std::unique_ptr<client::Participant> participant; // for the meeting under test
    QList<QByteArray> received;                       // broadcast messages delivered to this session
};

class RelayFixture {
public:
    explicit RelayFixture(relay::AttendanceLimits limits = {});

    // Closes and reopens database and service on the same file (a relay restart).
    void restart();

    [[nodiscard]] Member &member(const QString &name);
    [[nodiscard]] Member &addMember(const QString &name, bool onStaff = true);

    // Sends a message; delivers broadcasts to subscribed sessions; returns the parsed reply.
    QJsonObject send(Member &from, const QJsonObject &message);
    QJsonObject request(Member &from, const QString &method, const QJsonObject &params = {});
    void login(Member &member);
    // Logs in as member's identity with another of its keys (a device key from the identity registry).
    void loginWith(Member &member, const crypto::PrivateKey &key);
    // With identity.registry: applies key changes to the relay's mirror as if just synced from the chain.
    void changeKeys(const QList<identity::KeyChange> &changes);

    // Schedules a meeting hosted by host with the given roster names; the agenda P-001, P-002.
    QString createMeeting(Member &host, const QStringList &rosterNames);
    // Gives every roster member a Participant for the meeting.
    void prepareParticipants(const QString &meeting, const QStringList &names);

    // Builds, signs and submits an event; ref defaults to the last log entry.
    QJsonObject submit(Member &from, protocol::EventType type, const QJsonObject &content,
                       std::optional<QByteArray> ref = std::nullopt, const QString &attendanceCode = {});
    QJsonObject submitBytes(Member &from, const QByteArray &bytes, const QString &attendanceCode = {});
    QJsonObject start(Member &host, const QString &code = QStringLiteral("4711"));
    QJsonObject join(Member &member, const QString &code = QStringLiteral("4711"));

    // An acknowledgement the relay's own key signs for the last entry of prefix, with the right seq
    // and tree head and the given lists: what a relay that lies about what it counted could send.
    [[nodiscard]] QByteArray relaySigned(const QList<QByteArray> &prefix, protocol::EventType type, const QJsonObject &lists,
                                         std::optional<qint64> ts = std::nullopt) const;

    // Storage faults, on SQLite or PostgreSQL: the database refuses to store the log entry at
    // position (a "disk trouble" error; nullopt stops refusing), or every write.
    [[nodiscard]] bool refuseLogEntryAt(std::optional<qint64> position);
    [[nodiscard]] bool refuseWrites(bool refuse);
    // Every byte the database keeps on disk (its files, logs included): to show what is not there.
    [[nodiscard]] QByteArray storedBytes() const;

    // The meeting's stored log as seen by events.get.
    [[nodiscard]] QList<QByteArray> log(Member &reader);
    [[nodiscard]] QByteArray lastId(Member &reader);

    qint64 now = 1764072000000;
    QString meeting;
    crypto::PrivateKey relayKey;
    QTemporaryDir directory;
    QString databaseLocation; // relay.sqlite in directory, or a postgresql:// URL
    std::unique_ptr<relay::RelayDatabase> database;
    std::unique_ptr<relay::RelayService> service;
    std::vector<std::unique_ptr<Member>> members;
    relay::AttendanceLimits limits;
    relay::IdentityPolicy identity; // takes effect at the next restart()
    relay::ImageLimits imageLimits; // takes effect at the next restart()

private:
    void open();
    int m_nextId = 1;
};

[[nodiscard]] QString errorCode(const QJsonObject &reply);

} // namespace cmeet::test
