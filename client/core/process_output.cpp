#include "client/core/process_output.h"

#include <QDeadlineTimer>

namespace cmeet::client {

std::optional<QString> waitForOutput(QProcess &process, const QRegularExpression &pattern, QByteArray &output, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && process.state() == QProcess::Running) {
        process.waitForReadyRead(100);
        output += process.readAllStandardOutput();
        if (const auto match = pattern.match(QString::fromUtf8(output)); match.hasMatch())
            return match.captured(1);
    }
    return std::nullopt;
}

} // namespace cmeet::client
