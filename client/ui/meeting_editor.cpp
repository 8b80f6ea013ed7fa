#include "client/ui/meeting_editor.h"

#include "client/models/directory_model.h"

#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace cmeet::client {

namespace {

// A searchable, checkable list of a directory.
QGroupBox *picker(const QString &title, const QString &name, DirectoryModel *model, const QString &placeholder, QWidget *parent)
{
    auto *box = new QGroupBox(title, parent);
    auto *search = new QLineEdit(box);
    search->setObjectName(name + QStringLiteral("Search"));
    search->setPlaceholderText(placeholder);
    search->setClearButtonEnabled(true);
    auto *proxy = new QSortFilterProxyModel(box);
    proxy->setSourceModel(model);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy->setFilterKeyColumn(-1); // any column: a name, a hospital number...
    QObject::connect(search, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
    auto *view = new QTreeView(box);
    view->setObjectName(name + QStringLiteral("List"));
    view->setModel(proxy);
    view->setRootIsDecorated(false);
    view->setUniformRowHeights(true);
    view->header()->setStretchLastSection(false);
    view->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    view->setMinimumHeight(180);
    auto *layout = new QVBoxLayout(box);
    layout->addWidget(search);
    layout->addWidget(view);
    return box;
}

} // namespace

MeetingEditor::MeetingEditor(const QJsonArray &staff, const QJsonArray &patients, const QJsonObject &meeting, const QString &host, QWidget *parent)
    : QDialog(parent), m_id(meeting.value(QStringLiteral("id")).toString()), m_host(host), m_title(new QLineEdit(this)),
      m_description(new QPlainTextEdit(this)), m_when(new QDateTimeEdit(this)), m_staff(new DirectoryModel(DirectoryModel::Kind::Staff, this)),
      m_patients(new DirectoryModel(DirectoryModel::Kind::Patients, this)), m_problem(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("meetingEditor"));
    setWindowTitle(m_id.isEmpty() ? tr("New meeting") : tr("Edit meeting"));
    m_title->setObjectName(QStringLiteral("titleEdit"));
    m_title->setPlaceholderText(tr("e.g. Colorectal MDT"));
    m_title->setMaxLength(200);
    m_description->setObjectName(QStringLiteral("descriptionEdit"));
    m_description->setPlaceholderText(tr("Optional: what the meeting is for"));
    m_description->setMaximumHeight(80);
    m_when->setObjectName(QStringLiteral("whenEdit"));
    m_when->setCalendarPopup(true);
    m_when->setDisplayFormat(QStringLiteral("ddd d MMM yyyy, HH:mm"));
    m_problem->setObjectName(QStringLiteral("editorProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b03a2e;"));
    m_problem->setWordWrap(true);
    m_buttons->setObjectName(QStringLiteral("editorButtons"));
    m_buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("saveMeetingButton"));

    m_staff->setEntries(staff);
    m_staff->setCheckable(true);
    m_patients->setEntries(patients);
    m_patients->setCheckable(true);
    m_staff->setCheckedKeys({m_host}); // the host is always on the roster
    if (m_id.isEmpty()) {
        // Next hour on the hour: the usual way to schedule.
        const QDateTime next = QDateTime::currentDateTime().addSecs(3600);
        m_when->setDateTime(QDateTime(next.date(), QTime(next.time().hour(), 0)));
    } else {
        m_title->setText(meeting.value(QStringLiteral("title")).toString());
        m_description->setPlainText(meeting.value(QStringLiteral("description")).toString());
        m_when->setDateTime(QDateTime::fromMSecsSinceEpoch(meeting.value(QStringLiteral("scheduledAt")).toInteger()).toLocalTime());
        m_staff->setCheckedKeys(meeting.value(QStringLiteral("roster")).toVariant().toStringList() << m_host);
        m_patients->setCheckedKeys(meeting.value(QStringLiteral("agenda")).toVariant().toStringList());
    }

    auto *form = new QFormLayout;
    form->addRow(tr("&Title"), m_title);
    form->addRow(tr("&Description"), m_description);
    form->addRow(tr("&When"), m_when);
    auto *pickers = new QHBoxLayout;
    pickers->addWidget(picker(tr("Roster (staff)"), QStringLiteral("roster"), m_staff, tr("Search staff by name"), this));
    pickers->addWidget(picker(tr("Agenda (patients)"), QStringLiteral("agenda"), m_patients, tr("Search patients by name or number"), this));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(pickers, 1);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);
    resize(860, 560);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_title, &QLineEdit::textChanged, this, &MeetingEditor::validate);
    connect(m_patients, &DirectoryModel::checkedChanged, this, &MeetingEditor::validate);
    validate();
}

void MeetingEditor::validate()
{
    QString problem;
    if (m_title->text().trimmed().isEmpty())
        problem = tr("Give the meeting a title.");
    else if (m_patients->checkedKeys().isEmpty())
        problem = tr("Pick at least one patient for the agenda.");
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty());
}

QJsonObject MeetingEditor::request() const
{
    QStringList roster = m_staff->checkedKeys();
    roster.removeAll(m_host); // the relay always adds the host
    QJsonObject out{{QStringLiteral("title"), m_title->text().trimmed()},
                    {QStringLiteral("scheduledAt"), m_when->dateTime().toMSecsSinceEpoch()},
                    {QStringLiteral("roster"), QJsonArray::fromStringList(roster)},
                    {QStringLiteral("agenda"), QJsonArray::fromStringList(m_patients->checkedKeys())}};
    const QString description = m_description->toPlainText().trimmed();
    if (!description.isEmpty())
        out.insert(QStringLiteral("description"), description);
    if (!m_id.isEmpty())
        out.insert(QStringLiteral("id"), m_id);
    return out;
}

} // namespace cmeet::client
