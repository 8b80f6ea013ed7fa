#pragma once
// A cmeet-relay process on this machine, for the demo, simulations and tests: init and admin
// commands on its data directory, serve on 127.0.0.1 with --port 0 (the URL read from its first
// line of output), SIGKILL or stop. The passphrase is handed over in the environment only.

#include "crypto/keys.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QUrl>
#include <optional>

namespace cmeet::client {

class LocalRelay {
public:
    // dataDir: where the relay keeps its key and database. passphrase: for its key file.
    LocalRelay(QString binary, QString dataDir, QByteArray passphrase);
    ~LocalRelay();
    LocalRelay(const LocalRelay &) = delete;
    LocalRelay &operator=(const LocalRelay &) = delete;

    // cmeet-relay next to this program, else on the PATH.
    [[nodiscard]] static QString findBinary();

    // Stores in this database (cmeet-relay --database) instead of relay.sqlite in the data directory.
    void setDatabase(const QString &location) { m_database = location; }
    [[nodiscard]] QString database() const { return m_database; }

    // cmeet-relay init; then admin commands (each a list of arguments after "admin").
    bool init();
    bool admin(const QStringList &arguments, QString *output = nullptr);
    // Any cmeet-relay command on this data directory (address, deploy-registry...).
    bool command(const QStringList &arguments, QString *output = nullptr);
    bool addStaff(const crypto::Address &address, const QString &name);
    // Enrolls staff (address, name) and patients (id, name generated) in one admin import.
    bool importDirectory(const QList<QPair<crypto::Address, QString>> &staff, const QStringList &patientIds);

    // Starts serving; extra arguments are appended. False (with the output in lastOutput()) on failure.
    bool start(const QStringList &extraArguments = {});
    // Starts a relay that stands by while another serves its database (PostgreSQL); true once it
    // says so. waitUntilListening() then waits for it to take over.
    bool startStandingBy(const QStringList &extraArguments = {});
    bool waitUntilListening(int timeoutMs = 30000);
    // Both end the serving process; lastOutput() is then all it printed (its logs).
    void kill();   // SIGKILL, as a crash
    void stop();   // SIGTERM
    // Waits for the serving process to end by itself: its exit code (nullopt if it is still
    // running or crashed); lastOutput() is then all it printed.
    [[nodiscard]] std::optional<int> waitForExit(int timeoutMs);

    [[nodiscard]] QUrl url() const { return m_url; }
    // The first group of pattern in what the serving process printed (e.g. its monitoring port), once it appears.
    [[nodiscard]] std::optional<QString> waitForServeOutput(const QRegularExpression &pattern);
    [[nodiscard]] qint64 processId() const { return m_process.processId(); }
    [[nodiscard]] QString dataDir() const { return m_dataDir; }
    [[nodiscard]] QString lastOutput() const { return m_lastOutput; }
    [[nodiscard]] QProcessEnvironment environment() const;
    // Size of the relay's database once its write-ahead log is folded in (call after stop()):
    // the file alone would miss whatever the WAL still holds.
    [[nodiscard]] qint64 databaseBytes() const;

private:
    // --data-dir, and --database when one is set.
    [[nodiscard]] QStringList placeArguments() const;
    bool startProcess(const QStringList &extraArguments);

    QString m_binary;
    QString m_dataDir;
    QString m_database;
    QByteArray m_passphrase;
    QProcess m_process;
    QUrl m_url;
    QString m_lastOutput;
    QByteArray m_serveOutput; // what start() read of the serving process's output

    void keepServeOutput();
};

} // namespace cmeet::client
