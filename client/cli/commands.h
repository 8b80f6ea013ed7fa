#pragma once
// cmeet-cli subcommands. Each takes the arguments after its name and returns the exit code.

#include <QStringList>

namespace cmeet::cli {

int identityCommand(const QStringList &arguments);
int registrarCommand(const QStringList &arguments);
int eventCommand(const QStringList &arguments);
int tourCommand(const QStringList &arguments);
int demoCommand(const QStringList &arguments);
int simulateCommand(const QStringList &arguments);
int meetingCommand(const QStringList &arguments);
// start, join, comment, reply, disagree, discuss, patient-data, poll, vote, poll-end, results,
// leave, end, events, export, approve
int eventActionCommand(const QString &name, const QStringList &arguments);

} // namespace cmeet::cli
