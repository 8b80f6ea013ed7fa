#pragma once
// Create or edit a meeting (host only, thesis F1.1-F1.3): title, description, date and time, the
// roster picked from the staff directory and the agenda from the patient directory, both
// searchable. Gives the request's parameters; never talks to the relay itself.

#include <QDialog>
#include <QJsonArray>
#include <QJsonObject>

class QDateTimeEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace cmeet::client {

class DirectoryModel;

class MeetingEditor : public QDialog {
    Q_OBJECT

public:
    // staff and patients: the relay's directory lists; meeting: the one to edit (empty: a new one);
    // host: the signed-in identity, always on the roster.
    MeetingEditor(const QJsonArray &staff, const QJsonArray &patients, const QJsonObject &meeting, const QString &host, QWidget *parent = nullptr);

    // meeting.create / meeting.edit parameters (with "id" when editing).
    [[nodiscard]] QJsonObject request() const;

private:
    void validate();

    QString m_id;
    QString m_host;
    QLineEdit *m_title;
    QPlainTextEdit *m_description;
    QDateTimeEdit *m_when;
    DirectoryModel *m_staff;
    DirectoryModel *m_patients;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace cmeet::client
