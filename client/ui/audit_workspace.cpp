#include "client/ui/audit_workspace.h"

#include "base/hex.h"
#include "client/audit/meeting_report.h"
#include "client/models/labels.h"
#include "client/ui/user_prompts.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLoggingCategory>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTextBrowser>
#include <QThread>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

Q_LOGGING_CATEGORY(lcAuditPage, "cmeet.app.audit", QtInfoMsg)

namespace cmeet::client {

namespace {

// Rows as tall as their wrapped text: a tree view asks a delegate for a row's height without
// saying how wide the column is, so this says it.
class WrappingDelegate : public QStyledItemDelegate {
public:
    explicit WrappingDelegate(QTreeView *view) : QStyledItemDelegate(view), m_view(view) {}

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem wrapped = option;
        // The style wraps only within a valid rectangle: any height will do, the width counts.
        wrapped.rect = QRect(0, 0, m_view->header()->sectionSize(index.column()), 1 << 16);
        return QStyledItemDelegate::sizeHint(wrapped, index);
    }

private:
    QTreeView *m_view;
};

const QString verifiedStyle = QStringLiteral("background: #e6f4ea; color: #1e5631; padding: 10px; border: 1px solid #9fd3ae; font-weight: bold;");
const QString invalidStyle = QStringLiteral("background: #fdecea; color: #7a1f16; padding: 10px; border: 1px solid #e6a39b; font-weight: bold;");
const QString incompleteStyle = QStringLiteral("background: #fff4e0; color: #6b4700; padding: 10px; border: 1px solid #e8c27a; font-weight: bold;");

enum FindingColumn { ResultColumn, AreaColumn, EntryColumn, DetailColumn };
enum EventColumn { EventEntryColumn, EventTypeColumn, EventTimeColumn, EventByColumn, EventIdColumn };

QString outcomeText(audit::Outcome outcome)
{
    switch (outcome) {
    case audit::Outcome::Verified: return AuditWorkspace::tr("Verified");
    case audit::Outcome::Failed: return AuditWorkspace::tr("FAILED");
    case audit::Outcome::NotChecked: return AuditWorkspace::tr("Not checked");
    }
    return {};
}

} // namespace

// Shared by the page and its worker thread: the page only reads result and html after the
// thread has finished; cancel is the one thing both touch while it runs.
struct AuditWorkspace::Run {
    std::atomic_bool cancel{false};
    std::optional<Expected<audit::AuditReport, QString>> result;
    QString html;
};

AuditWorkspace::AuditWorkspace(UserPrompts &prompts, QWidget *parent)
    : QWidget(parent), m_prompts(prompts), m_file(new QLabel(this)), m_progress(new QProgressBar(this)),
      m_cancel(new QPushButton(tr("Cancel"), this)), m_verdict(new QLabel(this)), m_tabs(new QTabWidget(this)), m_findings(new QTreeWidget(this)),
      m_record(new QTextBrowser(this)), m_events(new QTreeWidget(this)), m_exportProof(new QPushButton(tr("Export proof of the selected event…"), this)),
      m_exportPdf(new QPushButton(tr("Export the record as PDF…"), this))
{
    setObjectName(QStringLiteral("auditWorkspace"));
    auto *back = new QPushButton(tr("← Meetings"), this);
    back->setObjectName(QStringLiteral("auditBackButton"));
    auto *open = new QPushButton(tr("Open meeting file…"), this);
    open->setObjectName(QStringLiteral("auditOpenButton"));
    m_file->setObjectName(QStringLiteral("auditFileLabel"));
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setText(tr("Open a meeting file (.cmeet) to check it: the app verifies every signature, the event tree, the chain anchor and the approvals."));
    m_file->setWordWrap(true);
    m_progress->setObjectName(QStringLiteral("auditProgress"));
    m_progress->setFormat(tr("%v of %m entries checked"));
    m_progress->hide();
    m_cancel->setObjectName(QStringLiteral("auditCancelButton"));
    m_cancel->hide();
    m_verdict->setObjectName(QStringLiteral("auditVerdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->hide();

    m_findings->setObjectName(QStringLiteral("auditFindings"));
    m_findings->setHeaderLabels({tr("Result"), tr("Check"), tr("Entry"), tr("What was found")});
    m_findings->setRootIsDecorated(false);
    // Details are read in full, wrapped: rows grow to fit, and are laid out again when the
    // window (so the stretched last column) changes width.
    m_findings->setWordWrap(true);
    m_findings->setTextElideMode(Qt::ElideNone);
    m_findings->setItemDelegate(new WrappingDelegate(m_findings));
    m_findings->header()->setStretchLastSection(true);
    connect(m_findings->header(), &QHeaderView::sectionResized, m_findings, [this] { m_findings->doItemsLayout(); });
    m_findings->setColumnWidth(ResultColumn, 110);
    m_findings->setColumnWidth(AreaColumn, 100);
    m_findings->setColumnWidth(EntryColumn, 70);
    m_record->setObjectName(QStringLiteral("auditRecord"));
    m_record->setOpenLinks(false);
    m_events->setObjectName(QStringLiteral("auditEvents"));
    m_events->setHeaderLabels({tr("Entry"), tr("Type"), tr("Time"), tr("By"), tr("Event id")});
    m_events->setRootIsDecorated(false);
    m_events->setUniformRowHeights(true); // thousands of rows
    m_events->setColumnWidth(EventEntryColumn, 70);
    m_events->setColumnWidth(EventTypeColumn, 150);
    m_events->setColumnWidth(EventTimeColumn, 150);
    m_events->setColumnWidth(EventByColumn, 130);
    m_tabs->setObjectName(QStringLiteral("auditTabs"));
    m_tabs->addTab(m_findings, tr("Findings"));
    m_tabs->addTab(m_record, tr("Meeting record"));
    m_tabs->addTab(m_events, tr("Entries"));
    m_tabs->hide();
    m_exportProof->setObjectName(QStringLiteral("exportProofButton"));
    m_exportPdf->setObjectName(QStringLiteral("exportPdfButton"));

    auto *header = new QHBoxLayout;
    header->addWidget(back);
    header->addWidget(m_file, 1);
    header->addWidget(open);
    auto *running = new QHBoxLayout;
    running->addWidget(m_progress, 1);
    running->addWidget(m_cancel);
    auto *exports = new QHBoxLayout;
    exports->addStretch(1);
    exports->addWidget(m_exportProof);
    exports->addWidget(m_exportPdf);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(running);
    layout->addWidget(m_verdict);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(exports);

    connect(back, &QPushButton::clicked, this, &AuditWorkspace::closeRequested);
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = chooseMeetingFile(m_prompts, this);
        if (!path.isEmpty())
            openFile(path);
    });
    connect(m_cancel, &QPushButton::clicked, this, &AuditWorkspace::cancel);
    connect(m_exportProof, &QPushButton::clicked, this, &AuditWorkspace::exportProof);
    connect(m_exportPdf, &QPushButton::clicked, this, &AuditWorkspace::exportPdf);
    connect(m_events, &QTreeWidget::currentItemChanged, this, &AuditWorkspace::updateButtons);
    updateButtons();
}

QString AuditWorkspace::chooseMeetingFile(UserPrompts &prompts, QWidget *parent)
{
    return prompts.openFile(parent, tr("Open meeting file"), tr("Meeting files (*.cmeet);;All files (*)"));
}

AuditWorkspace::~AuditWorkspace()
{
    // The workers report to this page: the audit stops at its next chunk; both are waited for.
    if (m_thread != nullptr) {
        m_run->cancel = true;
        m_thread->wait();
        delete m_thread;
    }
    if (m_proofThread != nullptr) {
        m_proofThread->wait();
        delete m_proofThread;
    }
}

void AuditWorkspace::setChain(const QUrl &node, std::optional<crypto::Address> registry, std::optional<crypto::Address> identityRegistry)
{
    m_chain = node;
    m_registry = std::move(registry);
    m_identityRegistry = std::move(identityRegistry);
}

void AuditWorkspace::openFile(const QString &path)
{
    if (m_thread != nullptr) { // one audit at a time: the old one stops at its next chunk
        m_run->cancel = true;
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    m_path = path;
    m_report.reset();
    m_html.clear();
    m_file->setText(tr("Checking %1…").arg(QFileInfo(path).fileName()));
    m_verdict->hide();
    m_tabs->hide();
    m_progress->setRange(0, 0); // busy until the first chunk is counted
    m_progress->show();
    m_cancel->setEnabled(true);
    m_cancel->show();
    updateButtons();

    auto run = std::make_shared<Run>();
    m_run = run;
    audit::AuditOptions options;
    if (m_chain.isValid() && !m_chain.isEmpty())
        options.chain = m_chain;
    options.registry = m_registry;
    options.identityRegistry = m_identityRegistry;
    options.remedies.chain = tr("set the chain node in File > Settings");
    options.remedies.registry = tr("set the meeting registry in File > Settings");
    options.remedies.identityRegistry = tr("set the chain node and the identity registry in File > Settings");
    options.cancelled = [run] { return run->cancel.load(); };
    options.progress = [this, run](qint64 checked, qint64 total) {
        QMetaObject::invokeMethod(this, [this, run, checked, total] {
            if (run == m_run) // not an earlier file's
                onProgress(checked, total);
        }, Qt::QueuedConnection);
    };
    const QString version = QCoreApplication::applicationName() + QLatin1Char(' ') + QCoreApplication::applicationVersion();
    m_thread = QThread::create([run, path, options, version] {
        run->result = audit::auditMeetingFile(path, options);
        if (*run->result) {
            auto html = audit::meetingReportHtml(path, **run->result, {QTimeZone::systemTimeZone(), version});
            run->html = html ? *html : QStringLiteral("<p>%1</p>").arg(html.error().toHtmlEscaped());
        }
    });
    m_thread->setObjectName(QStringLiteral("audit"));
    connect(m_thread, &QThread::finished, this, [this, run] {
        if (run == m_run)
            onFinished();
    });
    qCInfo(lcAuditPage) << "auditing" << path;
    m_thread->start(QThread::LowPriority);
}

void AuditWorkspace::cancel()
{
    if (m_thread == nullptr)
        return;
    m_run->cancel = true;
    m_cancel->setEnabled(false);
    m_file->setText(tr("Cancelling…"));
}

void AuditWorkspace::onProgress(qint64 checked, qint64 total)
{
    // QProgressBar counts in int: a log has far fewer entries than that.
    m_progress->setRange(0, static_cast<int>(total));
    m_progress->setValue(static_cast<int>(checked));
}

void AuditWorkspace::onFinished()
{
    m_thread->deleteLater();
    m_thread = nullptr;
    m_progress->hide();
    m_cancel->hide();
    const QString name = QFileInfo(m_path).fileName();
    Expected<audit::AuditReport, QString> result = std::move(*m_run->result);
    if (m_run->cancel) {
        m_file->setText(tr("The audit of %1 was cancelled: nothing was concluded. Open the file again to check it.").arg(name));
    } else if (!result) {
        m_file->setText(name);
        m_verdict->setText(tr("This file cannot be audited: %1. Choose a meeting file (.cmeet) downloaded from the relay or kept by the app.").arg(result.error()));
        m_verdict->setStyleSheet(invalidStyle);
        m_verdict->show();
    } else {
        m_report = std::move(*result);
        m_html = m_run->html;
        showReport();
    }
    updateButtons();
    Q_EMIT auditFinished();
}

void AuditWorkspace::showReport()
{
    const audit::AuditReport &report = *m_report;
    m_file->setText(tr("%1: meeting %2, %n entries", nullptr, static_cast<int>(report.entries)).arg(m_path, report.meeting));
    const auto count = [&](audit::Outcome outcome) {
        return static_cast<int>(std::count_if(report.findings.begin(), report.findings.end(), [&](const audit::Finding &f) { return f.outcome == outcome; }));
    };
    const audit::Verdict verdict = report.verdict();
    switch (verdict) {
    case audit::Verdict::Verified:
        m_verdict->setText(tr("Verified: every signature, the event tree, the chain anchor and the approvals check out. Nobody has changed this record."));
        break;
    case audit::Verdict::Invalid:
        m_verdict->setText(tr("Invalid: this record has been tampered with or is broken (%n failed check(s), listed below). Keep the file as "
                              "evidence and tell the meeting's host and your information governance lead.",
                              nullptr, count(audit::Outcome::Failed)));
        break;
    case audit::Verdict::Incomplete:
        // What to do next depends on what could not be checked.
        m_verdict->setText(tr("Not fully checked: nothing failed, but %n check(s) could not be made (listed below). ", nullptr, count(audit::Outcome::NotChecked))
                           + (m_chain.isEmpty() ? tr("To check the chain anchor and the approvals, set the chain node in File > Settings and open "
                                                     "the file again.")
                                                : tr("If the chain could not be read, try again later; keys are checked against an identity "
                                                     "registry only when one is set (File > Settings).")));
        break;
    }
    m_verdict->setStyleSheet(verdict == audit::Verdict::Verified ? verifiedStyle : verdict == audit::Verdict::Invalid ? invalidStyle : incompleteStyle);
    m_verdict->show();

    m_findings->clear();
    for (const audit::Finding &f : report.findings) {
        auto *item = new QTreeWidgetItem(m_findings, {outcomeText(f.outcome), f.area, f.entry >= 0 ? QString::number(f.entry) : QString(), f.detail});
        item->setToolTip(DetailColumn, f.eventId.isEmpty() ? f.detail : f.detail + QStringLiteral("\n") + f.eventId);
        if (f.outcome == audit::Outcome::Failed)
            for (int column = 0; column < m_findings->columnCount(); ++column)
                item->setForeground(column, QColor(0xb0, 0x3a, 0x2e));
    }
    m_record->setHtml(m_html);

    QList<QTreeWidgetItem *> rows;
    rows.reserve(report.events.size());
    qint64 entry = 0;
    for (const protocol::Event &event : report.events) {
        const QString id = hex::encode(event.id());
        auto *item = new QTreeWidgetItem({QString::number(entry++), protocol::typeName(event.type()), dateTimeText(event.ts()),
                                          shortAddress(event.by().toChecksumHex()), id});
        item->setData(EventIdColumn, Qt::UserRole, id);
        rows.append(item);
    }
    m_events->clear();
    m_events->addTopLevelItems(rows);
    m_tabs->setCurrentWidget(m_findings);
    m_tabs->show();
}

void AuditWorkspace::updateButtons()
{
    m_exportProof->setEnabled(m_report && m_events->currentItem() != nullptr && m_proofThread == nullptr);
    m_exportPdf->setEnabled(m_report.has_value());
}

void AuditWorkspace::exportProof()
{
    const QTreeWidgetItem *item = m_events->currentItem();
    if (!m_report || item == nullptr || m_proofThread != nullptr)
        return;
    const QString id = item->data(EventIdColumn, Qt::UserRole).toString();
    const QString entry = item->text(EventEntryColumn);
    const QString suggested = QStringLiteral("proof-%1.json").arg(id.mid(2, 12));
    const QString out = m_prompts.saveFile(this, tr("Save the proof"), suggested, tr("Proofs (*.json)"));
    if (out.isEmpty())
        return;
    // The proof reads the whole file (a second or so for the largest meetings): off the UI thread.
    auto proof = std::make_shared<std::optional<Expected<QJsonObject, QString>>>();
    m_proofThread = QThread::create([proof, path = m_path, id] { *proof = audit::proveEvent(path, id); });
    m_proofThread->setObjectName(QStringLiteral("proof"));
    connect(m_proofThread, &QThread::finished, this, [this, proof, out, entry] {
        m_proofThread->deleteLater();
        m_proofThread = nullptr;
        updateButtons();
        saveProof(**proof, out, entry);
    });
    updateButtons();
    m_proofThread->start();
}

void AuditWorkspace::saveProof(const Expected<QJsonObject, QString> &proof, const QString &out, const QString &entry)
{
    if (!proof) {
        m_prompts.warn(this, tr("No proof"), tr("No proof of entry %1 can be made: %2").arg(entry, proof.error()));
        return;
    }
    QFile file(out);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(QJsonDocument(*proof).toJson()) < 0 || !file.flush()) {
        m_prompts.warn(this, tr("Not saved"), tr("The proof could not be written to %1: %2").arg(out, file.errorString()));
        return;
    }
    m_prompts.inform(this, tr("Proof saved"),
                     tr("The proof that entry %1 is in the final record is in %2. Anyone can check it with “cmeet-audit verify-proof”, "
                        "without the rest of the meeting.")
                         .arg(entry, out));
}

void AuditWorkspace::exportPdf()
{
    if (!m_report)
        return;
    const QString suggested = QFileInfo(m_path).completeBaseName() + QStringLiteral("-record.pdf");
    const QString out = m_prompts.saveFile(this, tr("Save the meeting record"), suggested, tr("PDF documents (*.pdf)"));
    if (out.isEmpty())
        return;
    if (auto written = audit::writeReportPdf(m_html, out); !written) {
        m_prompts.warn(this, tr("Not saved"), tr("The record could not be written to %1: %2").arg(out, written.error()));
        return;
    }
    m_prompts.inform(this, tr("Record saved"), tr("The meeting record is in %1.").arg(out));
}

} // namespace cmeet::client
