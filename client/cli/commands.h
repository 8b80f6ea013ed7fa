#pragma once
// cmeet-cli subcommands. Each takes the arguments after its name and returns the exit code.

#include <QStringList>

namespace cmeet::cli {

int identityCommand(const QStringList &arguments);
int eventCommand(const QStringList &arguments);
int tourCommand(const QStringList &arguments);
int demoCommand(const QStringList &arguments);
int simulateCommand(const QStringList &arguments);

} // namespace cmeet::cli
