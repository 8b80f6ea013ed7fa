#pragma once
// Runs one of our programs (or openssl) to the end, as the integration tests do many times over.

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace cmeet::test {

// What a program printed and how it ended.
struct ProgramRun {
    int exitCode = -1; // -1: it crashed, or did not end in time
    QString out;
    QString err;

    [[nodiscard]] QString outAndErr() const { return QString(out + err).trimmed(); }
    // What a command answered: its output when it succeeded, its error otherwise.
    [[nodiscard]] QString answer() const { return (exitCode == 0 ? out : err).trimmed(); }
};

struct ProgramOptions {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QString workingDirectory;  // empty: this process's
    QByteArray input;          // written to its standard input, which is then closed
    int timeoutMs = 60000;
};

[[nodiscard]] ProgramRun runProgram(const QString &program, const QStringList &arguments, const ProgramOptions &options = {});

// The system's environment with these variables set.
[[nodiscard]] QProcessEnvironment environmentWith(const QList<QPair<QString, QString>> &variables);

// A TCP port on 127.0.0.1 that nothing listens on just now (0 if none): for a server a test starts
// later, or an address where nobody answers.
[[nodiscard]] quint16 freePort();

} // namespace cmeet::test
