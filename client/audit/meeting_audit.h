#pragma once
// The offline audit of a meeting file (.cmeet), as `cmeet-audit verify` and the desktop app's
// audit workspace run it: the file itself, the log (ledger::verifyMeetingLog), the keys that
// signed starts and joins, the chain anchor, the approvals and the polls' tallies. Each check
// gives findings: what was verified, what is wrong (with the entry and its event id), and what
// could not be checked and why. No widgets, no output: callers render the report.

#include "chain/eth_client.h"
#include "client/core/polls.h"
#include "crypto/keys.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrl>
#include <functional>
#include <optional>

namespace cmeet::audit {

enum class Outcome {
    Verified,   // checked, and it holds
    Failed,     // checked, and it does not hold: tampered or invalid
    NotChecked, // could not be checked (no chain given, chain unreachable): never counts as verified
};

struct Finding {
    QString area;      // file, log, keys, anchor, approvals, polls, images
    Outcome outcome = Outcome::Verified;
    QString detail;    // what, and why
    qint64 entry = -1; // the log position it concerns, if one
    QString eventId;   // that entry's id (0x…), if it could be computed

    [[nodiscard]] QJsonObject toJson() const;
};

enum class Verdict { Verified, Invalid, Incomplete };

struct AuditReport {
    QString file;
    QString meeting;
    qint64 entries = 0;
    QList<Finding> findings;
    QList<client::PollTally> polls;
    QList<protocol::Event> events; // the entries that could be read, in log order (the report shows them)

    // Invalid if anything failed; otherwise Incomplete if anything was not checked.
    [[nodiscard]] Verdict verdict() const;
    // 0 verified, 1 tampered or invalid, 2 not fully checked.
    [[nodiscard]] int exitCode() const;
    [[nodiscard]] QJsonObject toJson() const;
    // One line per finding, the verdict first.
    [[nodiscard]] QString toText() const;
};

struct AuditOptions {
    std::optional<QUrl> chain;                         // an Ethereum JSON-RPC endpoint
    std::optional<crypto::Address> registry;           // the relay's MeetingRegistry (default: as the file names it)
    std::optional<crypto::Address> identityRegistry;   // the DeeID IdentityRegistry (default: as the file names it)
    chain::RpcOptions rpc;
    int threads = 0;                                   // for reading the log (0: all cores); findings don't depend on it
    std::function<void(qint64 checked, qint64 total)> progress; // entries of the log checked so far
    std::function<bool()> cancelled;                   // asked as the log is read: true ends the audit with an error
    // How the user supplies what a "not checked" finding lacks: the CLI's options unless the
    // caller (the app) names its own settings.
    struct Remedies {
        QString chain = QStringLiteral("--chain URL");
        QString registry = QStringLiteral("--registry ADDRESS");
        QString identityRegistry = QStringLiteral("--chain, --identity-registry");
    } remedies;
};

// Audits the file at path. The error is for a file that could not be read as a meeting file at
// all (missing, empty, not SQLite, another application's, a newer schema): exit code 2; and for
// an audit cancelled (options.cancelled), which has no verdict.
[[nodiscard]] Expected<AuditReport, QString> auditMeetingFile(const QString &path, const AuditOptions &options = {});

// Selective disclosure: the proof that one event is in the meeting's final record, without the
// other events (docs/audit.md). The event is named by its id (0x + 64 hex digits).
[[nodiscard]] Expected<QJsonObject, QString> proveEvent(const QString &path, const QString &eventId);
// Checks a proof on its own; with options.chain, also that the chain anchored its final record.
[[nodiscard]] AuditReport verifyProof(const QJsonObject &proof, const AuditOptions &options = {});

// Writes the images shown in the meeting into directory (created if needed), named by patient,
// the time shown (UTC) and the start of their SHA-256: P-001_20261206T101502Z_1a2b3c4d.dcm. Only
// bytes that match their event are written; the problems list says which were missing or changed.
struct ExportedImages {
    QStringList written;  // file paths
    QStringList problems; // images not written, and why
};
[[nodiscard]] Expected<ExportedImages, QString> exportImages(const QString &path, const QString &directory);

[[nodiscard]] QString outcomeName(Outcome outcome);
[[nodiscard]] QString verdictName(Verdict verdict);

} // namespace cmeet::audit
