#pragma once
// Every modal question the app asks goes through here: the real dialogs in the app, scripted
// answers in the GUI tests (a test seam as in KeePassXC's MessageBox and FileDialog).

#include <QString>
#include <optional>

class QWidget;

namespace cmeet::client {

class UserPrompts {
public:
    virtual ~UserPrompts() = default;

    // A yes/no question; acceptLabel names the action ("End the meeting").
    [[nodiscard]] virtual bool confirm(QWidget *parent, const QString &title, const QString &text, const QString &acceptLabel);
    virtual void inform(QWidget *parent, const QString &title, const QString &text);
    virtual void warn(QWidget *parent, const QString &title, const QString &text);
    // One line of text (a disagreement's reason); nullopt when cancelled.
    [[nodiscard]] virtual std::optional<QString> askText(QWidget *parent, const QString &title, const QString &label);
    // A file to open or save; empty when cancelled.
    [[nodiscard]] virtual QString openFile(QWidget *parent, const QString &title, const QString &filter);
    [[nodiscard]] virtual QString saveFile(QWidget *parent, const QString &title, const QString &suggestedName, const QString &filter);
};

} // namespace cmeet::client
