#include "bench_meetings.h"

#include "client/core/local_relay.h"
#include "client/core/meeting_export.h"
#include "client/core/relay_connection.h"

#include <QTemporaryDir>
#include <QTextStream>

namespace cmeet::bench {

void die(const QString &program, const QString &why)
{
    QTextStream(stderr) << program << ": " << why << '\n';
    std::exit(1);
}

qint64 holdMeeting(const client::Scenario &scenario, const QString &path)
{
    QTemporaryDir dir;
    client::LocalRelay relay(client::LocalRelay::findBinary(), dir.path(), "bench passphrase");
    const client::SimulationCast cast = client::castFor(scenario);
    if (!relay.init() || !relay.importDirectory(cast.staff, cast.patients) || !relay.start())
        die(QStringLiteral("holdMeeting"), QStringLiteral("relay: ") + relay.lastOutput());
    const auto result = client::Simulation(relay.url(), cast.members, cast.patients, scenario).run();
    if (!result)
        die(QStringLiteral("holdMeeting"), QStringLiteral("simulation: ") + result.error());
    client::RelayConnection host;
    if (!host.open(relay.url()) || !host.login(cast.members.constFirst().key))
        die(QStringLiteral("holdMeeting"), QStringLiteral("cannot log in to export the meeting"));
    if (const auto exported = client::exportMeetingFile(host, result->meeting, result->log, path); !exported)
        die(QStringLiteral("holdMeeting"), QStringLiteral("export: ") + exported.error());
    return result->log.size();
}

client::Scenario fullMeeting()
{
    client::Scenario full; // the thesis meeting: 50 participants and the host, 20 patients
    // Each comment per participant adds 50 events; 215 of them fill the meeting to just under
    // the relay's 12,000-event cap (the polls' pollEnds are counted in advance).
    full.commentsPerParticipant = 215;
    return full;
}

} // namespace cmeet::bench
