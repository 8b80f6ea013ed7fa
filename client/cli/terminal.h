#pragma once
// Terminal helpers for cmeet-cli: output and passphrases.

#include "base/expected.h"
#include "crypto/keys.h"
#include "crypto/secret.h"

#include <QCommandLineParser>
#include <QString>

#include <functional>

namespace cmeet::cli {

void printLine(const QString &text);      // stdout
void printError(const QString &text);     // stderr, prefixed with "cmeet-cli: "

// Processes arguments (program name first) and handles --help; returns false with an error
// printed when the arguments are wrong, or when --help was shown (exitCode tells which).
[[nodiscard]] bool parseOrExplain(QCommandLineParser &parser, const QStringList &arguments, int &exitCode);

// The option's value if given, else the environment variable's if set and not empty, else fallback.
[[nodiscard]] QString valueOrEnvironment(const QCommandLineParser &parser, const QCommandLineOption &option, const char *variable,
                                         const QString &fallback = {});

struct Action {
    QString name;
    QString summary;
    std::function<int(const QStringList &)> run; // gets "cmeet-cli GROUP ACTION" then the options
};

// Runs the action named by arguments[1] of a command group ("identity", "event"); explains the
// group on --help and rejects unknown actions (exit code 2).
[[nodiscard]] int dispatchAction(const QString &group, const QStringList &arguments, const QList<Action> &actions);

// Opens an encrypted key file, asking for its passphrase; the reason on failure. With
// passphraseOut, the passphrase is handed back (to seal session keys with it).
[[nodiscard]] Expected<crypto::PrivateKey, QString> loadKeyFile(const QString &path, crypto::SecretBytes *passphraseOut = nullptr);

} // namespace cmeet::cli
