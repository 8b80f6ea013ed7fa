#pragma once
// The audit workspace (File > Open meeting file): the cmeet-audit library checks a meeting file
// on a worker thread, with progress and cancel; the page shows the verdict, each finding, the
// meeting record (attendance, polls, anchor, approvals) and the entries, and exports the proof
// that a selected event is in the final record, and the record as PDF.

#include "client/audit/meeting_audit.h"

#include <QUrl>
#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTextBrowser;
class QThread;
class QTreeWidget;

namespace cmeet::client {

class UserPrompts;

class AuditWorkspace : public QWidget {
    Q_OBJECT

public:
    AuditWorkspace(UserPrompts &prompts, QWidget *parent = nullptr);
    ~AuditWorkspace() override;

    // The node to check anchors and approvals against (empty: those stay "not checked"), and the
    // registries to trust instead of those the file names (nullopt: the file's). For later audits.
    void setChain(const QUrl &node, std::optional<crypto::Address> registry, std::optional<crypto::Address> identityRegistry);
    // Asks for a meeting file to audit (empty when cancelled): the page's button and File > Open.
    [[nodiscard]] static QString chooseMeetingFile(UserPrompts &prompts, QWidget *parent);
    // Starts auditing the file (cancelling one under way).
    void openFile(const QString &path);
    void cancel();
    [[nodiscard]] bool isRunning() const { return m_thread != nullptr; }
    // The last finished audit (nullopt before one, or after a file that could not be read).
    [[nodiscard]] const std::optional<audit::AuditReport> &report() const { return m_report; }

Q_SIGNALS:
    void closeRequested();
    void auditFinished();

private:
    struct Run; // what the worker thread and the page share
    void onProgress(qint64 checked, qint64 total);
    void onFinished();
    void showReport();
    void exportProof();
    void saveProof(const Expected<QJsonObject, QString> &proof, const QString &out, const QString &entry);
    void exportPdf();
    void updateButtons();

    UserPrompts &m_prompts;
    QUrl m_chain;
    std::optional<crypto::Address> m_registry;
    std::optional<crypto::Address> m_identityRegistry;
    QString m_path;
    std::optional<audit::AuditReport> m_report;
    QString m_html;
    std::shared_ptr<Run> m_run;
    QThread *m_thread = nullptr;
    QThread *m_proofThread = nullptr;

    QLabel *m_file;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QLabel *m_verdict;
    QTabWidget *m_tabs;
    QTreeWidget *m_findings;
    QTextBrowser *m_record;
    QTreeWidget *m_events;
    QPushButton *m_exportProof;
    QPushButton *m_exportPdf;
};

} // namespace cmeet::client
