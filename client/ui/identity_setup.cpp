#include "client/ui/identity_setup.h"

#include "client/ui/user_prompts.h"

#include <qrencode.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace cmeet::client {

namespace {

constexpr int minimumPassphrase = 10;

QPushButton *button(const QString &text, const QString &name, QWidget *parent)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}

QLabel *paragraph(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    return label;
}

} // namespace

QImage addressQrCode(const QString &text, int scale)
{
    QRcode *code = QRcode_encodeString(text.toUtf8().constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (code == nullptr)
        return {};
    const int quiet = 4; // modules of white around, as readers expect
    const int size = (code->width + 2 * quiet) * scale;
    QImage image(size, size, QImage::Format_Mono);
    image.fill(1);
    for (int y = 0; y < code->width; ++y)
        for (int x = 0; x < code->width; ++x)
            if ((code->data[y * code->width + x] & 1) != 0)
                for (int dy = 0; dy < scale; ++dy)
                    for (int dx = 0; dx < scale; ++dx)
                        image.setPixel((x + quiet) * scale + dx, (y + quiet) * scale + dy, 0);
    QRcode_free(code);
    return image;
}

IdentitySetup::IdentitySetup(IdentityStore &store, UserPrompts &prompts, QWidget *parent)
    : QDialog(parent), m_store(store), m_prompts(prompts), m_pages(new QStackedWidget(this)), m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("identitySetup"));
    setWindowTitle(tr("c-meet: your identity"));
    m_pages->addWidget(buildChoosePage());
    m_pages->addWidget(buildNoKeychainPage());
    m_pages->addWidget(buildDonePage());
    m_status->setObjectName(QStringLiteral("setupStatus"));
    m_status->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_status);
    resize(620, 460);
}

QWidget *IdentitySetup::buildChoosePage()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("choosePage"));
    auto *create = button(tr("&Create a new identity key"), QStringLiteral("createIdentityButton"), page);
    auto *import = button(tr("&Import a key file…"), QStringLiteral("importIdentityButton"), page);
    m_importPassphrase = new QLineEdit(page);
    m_importPassphrase->setObjectName(QStringLiteral("importPassphrase"));
    m_importPassphrase->setEchoMode(QLineEdit::Password);
    m_importPassphrase->setPlaceholderText(tr("The key file's passphrase"));
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(paragraph(tr("<h2>Welcome to c-meet</h2>Everything you do in a meeting (joining, comments, votes) is signed "
                                   "on this computer with your identity key. The key is kept in your system's keychain."),
                                page));
    layout->addWidget(create);
    layout->addSpacing(12);
    layout->addWidget(paragraph(tr("Already have a key file (from cmeet-cli or another computer)? Type its passphrase, then import it."), page));
    layout->addWidget(m_importPassphrase);
    layout->addWidget(import);
    layout->addStretch();
    connect(create, &QPushButton::clicked, this, [this] {
        auto key = crypto::PrivateKey::generate();
        if (!key) {
            m_status->setText(tr("Cannot make a key: %1").arg(crypto::describe(key.error())));
            return;
        }
        keep(*key);
    });
    connect(import, &QPushButton::clicked, this, &IdentitySetup::importKeyFile);
    return page;
}

QWidget *IdentitySetup::buildNoKeychainPage()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("noKeychainPage"));
    m_keychainProblem = paragraph({}, page);
    m_keychainProblem->setObjectName(QStringLiteral("keychainProblem"));
    m_keychainProblem->setStyleSheet(QStringLiteral("color: #7a1f16;"));
    auto *retry = button(tr("&Try the keychain again"), QStringLiteral("retryKeychainButton"), page);
    m_optIn = new QCheckBox(tr("Keep my key in a passphrase-protected file in my profile instead"), page);
    m_optIn->setObjectName(QStringLiteral("keyFileOptIn"));
    auto *warning = paragraph(tr("Less safe than a keychain: anyone who copies the file can try passphrase after passphrase, "
                                 "so choose a long one (at least %1 characters) you use nowhere else.")
                                  .arg(minimumPassphrase),
                              page);
    m_filePassphrase = new QLineEdit(page);
    m_filePassphrase->setObjectName(QStringLiteral("filePassphrase"));
    m_filePassphrase->setEchoMode(QLineEdit::Password);
    m_filePassphraseConfirm = new QLineEdit(page);
    m_filePassphraseConfirm->setObjectName(QStringLiteral("filePassphraseConfirm"));
    m_filePassphraseConfirm->setEchoMode(QLineEdit::Password);
    m_useKeyFile = button(tr("&Use a key file"), QStringLiteral("useKeyFileButton"), page);
    auto *form = new QFormLayout;
    form->addRow(tr("Passphrase"), m_filePassphrase);
    form->addRow(tr("Again"), m_filePassphraseConfirm);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(paragraph(tr("<h2>No keychain on this computer</h2>"), page));
    layout->addWidget(m_keychainProblem);
    layout->addWidget(retry);
    layout->addSpacing(16);
    layout->addWidget(m_optIn);
    layout->addWidget(warning);
    layout->addLayout(form);
    layout->addWidget(m_useKeyFile);
    layout->addStretch();
    const auto validate = [this] {
        const bool enabled = m_optIn->isChecked();
        m_filePassphrase->setEnabled(enabled);
        m_filePassphraseConfirm->setEnabled(enabled);
        m_useKeyFile->setEnabled(enabled && m_filePassphrase->text().size() >= minimumPassphrase
                                 && m_filePassphrase->text() == m_filePassphraseConfirm->text());
    };
    connect(m_optIn, &QCheckBox::toggled, this, validate);
    connect(m_filePassphrase, &QLineEdit::textChanged, this, validate);
    connect(m_filePassphraseConfirm, &QLineEdit::textChanged, this, validate);
    connect(retry, &QPushButton::clicked, this, [this] {
        if (m_pending)
            keep(*m_pending);
    });
    connect(m_useKeyFile, &QPushButton::clicked, this, &IdentitySetup::useKeyFile);
    validate();
    return page;
}

QWidget *IdentitySetup::buildDonePage()
{
    auto *page = new QWidget(this);
    page->setObjectName(QStringLiteral("donePage"));
    m_address = new QLabel(page);
    m_address->setObjectName(QStringLiteral("identityAddress"));
    m_address->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont mono(QStringLiteral("DejaVu Sans Mono"));
    mono.setPointSize(11);
    m_address->setFont(mono);
    m_qr = new QLabel(page);
    m_qr->setObjectName(QStringLiteral("addressQrCode"));
    auto *copy = button(tr("&Copy the address"), QStringLiteral("copyAddressButton"), page);
    auto *proceed = button(tr("C&ontinue"), QStringLiteral("continueButton"), page);
    proceed->setDefault(true);
    auto *row = new QHBoxLayout;
    row->addWidget(m_address, 1);
    row->addWidget(copy);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(paragraph(tr("<h2>Your identity</h2>Give this address to your relay's administrator to be enrolled "
                                   "(copy it, or let them scan the code). It is not secret."),
                                page));
    layout->addLayout(row);
    layout->addWidget(m_qr, 0, Qt::AlignHCenter);
    layout->addStretch();
    layout->addWidget(proceed, 0, Qt::AlignRight);
    connect(copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_address->text());
        m_status->setText(tr("The address is copied."));
    });
    connect(proceed, &QPushButton::clicked, this, &QDialog::accept);
    return page;
}

void IdentitySetup::busy(bool isBusy)
{
    m_pages->setEnabled(!isBusy);
    if (isBusy)
        m_status->setText(tr("Working…"));
}

void IdentitySetup::keep(const crypto::PrivateKey &key)
{
    m_pending = key;
    busy(true);
    m_store.saveToKeychain(key, [this](const auto &result) { onKept(result); });
}

void IdentitySetup::onKept(const Expected<crypto::PrivateKey, IdentityFailure> &result)
{
    busy(false);
    if (result) {
        showDone(*result);
        return;
    }
    m_status->clear();
    if (result.error().keychainUnavailable) {
        m_keychainProblem->setText(result.error().message);
        m_pages->setCurrentIndex(1);
        return;
    }
    m_status->setText(result.error().message);
}

void IdentitySetup::importKeyFile()
{
    const QString path = m_prompts.openFile(this, tr("Import a key file"), tr("Key files (*.key *.json);;All files (*)"));
    if (path.isEmpty())
        return;
    busy(true);
    m_store.openFile(path, crypto::SecretBytes(m_importPassphrase->text().toUtf8()), [this](const auto &result) {
        busy(false);
        m_importPassphrase->clear();
        if (!result) {
            m_status->setText(result.error().message);
            return;
        }
        keep(*result);
    });
}

void IdentitySetup::useKeyFile()
{
    if (!m_pending)
        return;
    busy(true);
    const crypto::SecretBytes passphrase(m_filePassphrase->text().toUtf8());
    m_filePassphrase->clear();
    m_filePassphraseConfirm->clear();
    m_store.saveToFile(*m_pending, passphrase, [this](const auto &result) {
        busy(false);
        if (!result) {
            m_status->setText(result.error().message);
            return;
        }
        showDone(*result);
    });
}

void IdentitySetup::showDone(const crypto::PrivateKey &key)
{
    m_key = key;
    m_pending.reset();
    const QString address = key.address().toChecksumHex();
    m_address->setText(address);
    m_qr->setPixmap(QPixmap::fromImage(addressQrCode(address, 5)));
    m_status->clear();
    m_pages->setCurrentIndex(2);
}

} // namespace cmeet::client
