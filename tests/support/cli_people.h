#pragma once
// People at a terminal in the tests: cmeet-cli run as one of them, each with a key file, a
// passphrase and a state directory of their own under one directory, against one relay.

#include "support/program_run.h"

#include <functional>

namespace cmeet::test {

// The entries in the meeting file at path, read while its owner may be writing it (both sides
// wait out the other's lock); empty when it cannot be read (yet).
[[nodiscard]] QList<QByteArray> meetingFileEntries(const QString &path);

class CliPeople {
public:
    // relays: the relay's URL at the time of each command (it may be restarted on another port),
    // or several separated by commas.
    CliPeople(QString cliPath, QString directory, std::function<QString()> relays)
        : m_cli(std::move(cliPath)), m_directory(std::move(directory)), m_relays(std::move(relays))
    {
    }

    // Runs cmeet-cli as who (CMEET_KEY, CMEET_PASSPHRASE, CMEET_STATE, CMEET_RELAY set for them).
    [[nodiscard]] ProgramRun as(const QString &who, const QStringList &arguments) const;
    // What as() runs with: the program and who's environment (for a process run another way).
    [[nodiscard]] const QString &program() const { return m_cli; }
    [[nodiscard]] QProcessEnvironment environment(const QString &who) const;
    // Its trimmed output when it succeeded; empty (after a warning with what it said) otherwise.
    [[nodiscard]] QString ok(const QString &who, const QStringList &arguments) const;

    // Creates each one's identity key file; their addresses, in order (empty if any failed).
    [[nodiscard]] QStringList createIdentities(const QStringList &names) const;

    // The entries of meeting in the replica kept in stateDirectory, or in who's replica (empty
    // when there is none or it cannot be read).
    [[nodiscard]] static QList<QByteArray> replicaLog(const QString &stateDirectory, const QString &meeting);
    [[nodiscard]] QList<QByteArray> replicaLogOf(const QString &who, const QString &meeting) const { return replicaLog(stateDirectory(who), meeting); }

    [[nodiscard]] QString keyFile(const QString &who) const;
    [[nodiscard]] QString stateDirectory(const QString &who) const;

private:
    QString m_cli;
    QString m_directory;
    std::function<QString()> m_relays;
};

} // namespace cmeet::test
