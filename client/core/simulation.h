#pragma once
// A whole meeting run against a relay by simulated people, each over its own WebSocket
// connection: the thesis' scenario (§6.3.1) by default. Used by cmeet-cli simulate/demo, tests
// and benchmarks. The members must already be staff on the relay.

#include "crypto/keys.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <functional>

namespace cmeet::client {

struct Scenario {
    int participants = 50;            // besides the host
    int patients = 20;
    int pollOptions = 5;
    int questionChars = 100;
    int commentsPerParticipant = 20;  // comments or replies, spread over the patients
    int commentChars = 100;
    int patientDataChars = 500;       // meeting-specific patient data written per patient
    bool approve = false;             // after the end: wait for the anchor, then everyone approves
    QList<QByteArray> shownImages;    // the host shows shownImages[p] (DICOM, PNG or JPEG) while patient p is discussed
};

struct SimulationMember {
    QString name;
    crypto::PrivateKey key;
};

struct SimulationResult {
    QString meeting;
    qint64 submitted = 0;          // events sent by people
    qint64 logEntries = 0;         // events and acknowledgements stored
    qint64 logBytes = 0;           // their wire bytes
    qint64 elapsedMs = 0;
    QList<QByteArray> log;         // the stored log as downloaded by the host at the end
    QList<qint64> latenciesUs;     // submit to ack, per event
    QList<int> tallies;            // per poll: votes for option 0 (all simulated voters choose by rule)
    int approvals = 0;             // participants' approvals accepted by the relay
    int imagesShown = 0;           // image events acknowledged (their bytes uploaded first)
};

// Who a scenario needs: the host and participants ("Member 0" hosts) with fresh keys, as staff for
// the relay's directory, and the patients "P-001", "P-002", ...
struct SimulationCast {
    QList<SimulationMember> members;
    QList<QPair<crypto::Address, QString>> staff;
    QStringList patients;
};
[[nodiscard]] SimulationCast castFor(const Scenario &scenario);

class RelayConnection;

// Asks the relay (meeting.get) until every step named ("open", "close", "approvals") of the
// meeting's anchoring is done, or the time is up; returns the last anchoring state seen.
[[nodiscard]] QJsonObject waitForAnchor(RelayConnection &connection, const QString &meeting, const QStringList &steps,
                                        int timeoutMs = 60000);

class Simulation {
public:
    using Progress = std::function<void(const QString &stage, int done, int total)>;

    // members.first() hosts. patients: ids already in the relay's directory.
    Simulation(QUrl relay, QList<SimulationMember> members, QStringList patients, Scenario scenario,
               QList<QSslCertificate> trustedCertificates = {});

    void setProgress(Progress progress) { m_progress = std::move(progress); }
    [[nodiscard]] Expected<SimulationResult, QString> run();

private:
    QUrl m_relay;
    QList<SimulationMember> m_members;
    QStringList m_patients;
    Scenario m_scenario;
    QList<QSslCertificate> m_trusted;
    Progress m_progress;
};

} // namespace cmeet::client
