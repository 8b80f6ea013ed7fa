#pragma once
// A real cmeet-relay process for tests: its own data directory, started with --port 0, the URL
// read from its first line of output; killed with SIGKILL or stopped at the end.

#include "crypto/keys.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

namespace cmeet::test {

class RelayProcess {
public:
    static constexpr const char *passphrase = "relay test passphrase";

    explicit RelayProcess(QString binary);
    ~RelayProcess();

    // cmeet-relay init; then admin commands (each a list of arguments after "admin").
    bool init();
    bool admin(const QStringList &arguments, QString *output = nullptr);
    bool addStaff(const crypto::Address &address, const QString &name);

    // Starts serving; extra arguments are appended. False (with the output in lastOutput()) on failure.
    bool start(const QStringList &extraArguments = {});
    void kill();   // SIGKILL, as a crash
    void stop();   // SIGTERM

    [[nodiscard]] QUrl url() const { return m_url; }
    [[nodiscard]] QString dataDir() const { return m_dataDir.path(); }
    [[nodiscard]] QString lastOutput() const { return m_lastOutput; }
    [[nodiscard]] QProcessEnvironment environment() const;

private:
    QString m_binary;
    QTemporaryDir m_dataDir;
    QProcess m_process;
    QUrl m_url;
    QString m_lastOutput;
};

} // namespace cmeet::test
