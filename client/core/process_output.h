#pragma once
// Waiting for a local server (relay, dev chain) to say where it listens.

#include <QByteArray>
#include <QProcess>
#include <QRegularExpression>
#include <optional>

namespace cmeet::client {

// Reads the started process's standard output until pattern matches (returns its first capture),
// the process exits, or timeoutMs passes (nullopt). output receives everything read.
[[nodiscard]] std::optional<QString> waitForOutput(QProcess &process, const QRegularExpression &pattern, QByteArray &output,
                                                   int timeoutMs = 30000);

} // namespace cmeet::client
