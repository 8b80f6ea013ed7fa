#pragma once
// File > Settings: where the relay is (wss:// off this computer) and which CA to trust for it,
// the chain node that anchors and approvals are checked against, and the registries an auditor
// trusts. Each field says at once what is wrong with it; Save stays disabled until all are usable.

#include "client/ui/app_settings.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace cmeet::client {

class UserPrompts;

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    SettingsDialog(const AppSettings &settings, UserPrompts &prompts, QWidget *parent = nullptr);

    // The settings as edited (the profile folder unchanged).
    [[nodiscard]] AppSettings settings() const;

private:
    void validate();
    void chooseCaFile();

    AppSettings m_original;
    UserPrompts &m_prompts;
    QLineEdit *m_relayUrl;
    QLineEdit *m_standbyRelayUrl;
    QLineEdit *m_caFile;
    QLineEdit *m_chainUrl;
    QLineEdit *m_anchorRegistry;
    QLineEdit *m_identityRegistry;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace cmeet::client
