#include "client/ui/settings_dialog.h"

#include "client/ui/user_prompts.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace cmeet::client {

namespace {

QLineEdit *lineEdit(const QString &name, const QString &text, const QString &placeholder, QWidget *parent)
{
    auto *edit = new QLineEdit(text, parent);
    edit->setObjectName(name);
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    edit->setMinimumWidth(420);
    return edit;
}

QLabel *hint(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText); // a hint, not a label
    return label;
}

} // namespace

SettingsDialog::SettingsDialog(const AppSettings &settings, UserPrompts &prompts, QWidget *parent)
    : QDialog(parent), m_original(settings), m_prompts(prompts),
      m_relayUrl(lineEdit(QStringLiteral("relayUrlEdit"), settings.relayUrl.toString(), tr("wss://relay.example.org"), this)),
      m_standbyRelayUrl(lineEdit(QStringLiteral("standbyRelayUrlEdit"), settings.standbyRelayUrl.toString(), tr("none"), this)),
      m_caFile(lineEdit(QStringLiteral("caFileEdit"), settings.trustedCaFile, tr("the system's certificate authorities"), this)),
      m_chainUrl(lineEdit(QStringLiteral("chainUrlEdit"), settings.chainRpcUrl.toString(), tr("none: the chain is not checked"), this)),
      m_anchorRegistry(lineEdit(QStringLiteral("anchorRegistryEdit"), settings.anchorRegistry, tr("as each meeting names it"), this)),
      m_identityRegistry(lineEdit(QStringLiteral("identityRegistryEdit"), settings.identityRegistry, tr("as each meeting names it"), this)),
      m_problem(new QLabel(this)), m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));

    auto *relay = new QGroupBox(tr("Relay"), this);
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    auto *browse = new QPushButton(tr("&Choose…"), relay);
    browse->setObjectName(QStringLiteral("caFileBrowseButton"));
    caRow->addWidget(browse);
    auto *relayForm = new QFormLayout(relay);
    relayForm->addRow(tr("&Address"), m_relayUrl);
    relayForm->addRow(QString(), hint(tr("Ask your administrator. wss:// is required unless the relay runs on this computer."), relay));
    relayForm->addRow(tr("S&tandby address"), m_standbyRelayUrl);
    relayForm->addRow(QString(), hint(tr("Only if your hospital runs a second relay for when the first is down: the app moves to it by itself."), relay));
    auto *caLabel = new QLabel(tr("Trusted &CA file"), relay);
    caLabel->setBuddy(m_caFile); // the row's field is a layout: no buddy of its own
    relayForm->addRow(caLabel, caRow);
    relayForm->addRow(QString(), hint(tr("Only if the relay's certificate is issued by your hospital's own authority (a PEM file)."), relay));

    auto *chain = new QGroupBox(tr("Chain (for approving and auditing)"), this);
    auto *chainForm = new QFormLayout(chain);
    chainForm->addRow(tr("C&hain node"), m_chainUrl);
    chainForm->addRow(QString(), hint(tr("The Ethereum JSON-RPC node that approvals and audits check the meeting's anchor against."), chain));
    chainForm->addRow(tr("&Meeting registry"), m_anchorRegistry);
    chainForm->addRow(tr("&Identity registry"), m_identityRegistry);
    chainForm->addRow(QString(), hint(tr("Audits check against these contracts when set, whatever a meeting file names: set them from a "
                                         "source you trust, not from the file."), chain));

    m_problem->setObjectName(QStringLiteral("settingsProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b03a2e;"));
    m_problem->setWordWrap(true);
    m_buttons->setObjectName(QStringLiteral("settingsButtons"));
    m_buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("saveSettingsButton"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(relay);
    layout->addWidget(chain);
    layout->addWidget(m_problem);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, &SettingsDialog::chooseCaFile);
    for (QLineEdit *edit : {m_relayUrl, m_standbyRelayUrl, m_caFile, m_chainUrl, m_anchorRegistry, m_identityRegistry})
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    validate();
}

AppSettings SettingsDialog::settings() const
{
    AppSettings out = m_original;
    out.relayUrl = QUrl(m_relayUrl->text().trimmed());
    out.standbyRelayUrl = QUrl(m_standbyRelayUrl->text().trimmed());
    out.trustedCaFile = m_caFile->text().trimmed();
    out.chainRpcUrl = QUrl(m_chainUrl->text().trimmed());
    out.anchorRegistry = m_anchorRegistry->text().trimmed();
    out.identityRegistry = m_identityRegistry->text().trimmed();
    return out;
}

void SettingsDialog::validate()
{
    const QString problem = settings().problem();
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty());
}

void SettingsDialog::chooseCaFile()
{
    const QString path = m_prompts.openFile(this, tr("Trusted CA file"), tr("PEM certificates (*.pem *.crt);;All files (*)"));
    if (!path.isEmpty())
        m_caFile->setText(path);
}

} // namespace cmeet::client
