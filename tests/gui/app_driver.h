#pragma once
// What the desktop app's GUI tests share: prompts answered as the test says, widgets found by
// objectName, clicks that wait for the button to be usable, raw SQL on a file.

#include "client/ui/main_window.h"
#include "client/ui/user_prompts.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

namespace cmeet::guitest {

constexpr int waitMs = 20000;

// Answers the app's questions as the test says, and remembers what it was told.
class ScriptedPrompts : public client::UserPrompts {
public:
    bool confirmAnswer = true;
    std::optional<QString> textAnswer = QString();
    QStringList told;        // "title: text" of every question and message
    QString fileToOpen;      // what the next "open file" dialog chooses
    QStringList filesToSave; // what the next "save file" dialogs choose, in turn

    bool confirm(QWidget *, const QString &title, const QString &text, const QString &) override
    {
        told.append(title + QStringLiteral(": ") + text);
        return confirmAnswer;
    }
    void inform(QWidget *, const QString &title, const QString &text) override { told.append(title + QStringLiteral(": ") + text); }
    void warn(QWidget *, const QString &title, const QString &text) override { told.append(title + QStringLiteral(": ") + text); }
    std::optional<QString> askText(QWidget *, const QString &title, const QString &label) override
    {
        told.append(title + QStringLiteral(": ") + label);
        return textAnswer;
    }
    QString openFile(QWidget *, const QString &, const QString &) override { return fileToOpen; }
    QString saveFile(QWidget *, const QString &, const QString &, const QString &) override
    {
        return filesToSave.isEmpty() ? QString() : filesToSave.takeFirst();
    }
};

// One person's app: a profile folder of its own, answers as the test says, the window once opened.
struct AppInstance {
    QTemporaryDir profile;
    ScriptedPrompts prompts;
    std::unique_ptr<client::MainWindow> window;
};

template <typename T>
T *child(QWidget *root, const QString &name)
{
    T *found = root == nullptr ? nullptr : root->findChild<T *>(name);
    if (found == nullptr)
        qWarning("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
    return found;
}

// Clicks once the button is enabled and visible (a QVERIFY: call it from the test function).
inline void click(QWidget *widget)
{
    QVERIFY(widget != nullptr);
    QTRY_VERIFY2_WITH_TIMEOUT(widget->isEnabled() && widget->isVisible(), qPrintable(widget->objectName() + QStringLiteral(" stays disabled")), waitMs);
    QTest::mouseClick(widget, Qt::LeftButton);
}

// With CMEET_SCREENSHOTS_DIR set (scripts/screenshots), saves the widget as name.png there.
inline void screenshot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("CMEET_SCREENSHOTS_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QTest::qWait(100); // let layouts settle
    QVERIFY(widget->grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))));
}

// An SQLite file (a meeting file, the relay's database) as a tamperer (or a test holding its
// lock) sees it: straight SQL.
class RawFile {
public:
    explicit RawFile(const QString &path) : m_name(QStringLiteral("raw-") + path)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        if (!db.open())
            qFatal("cannot open %s", qPrintable(path));
    }
    ~RawFile()
    {
        QSqlDatabase::database(m_name).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    RawFile(const RawFile &) = delete;
    RawFile &operator=(const RawFile &) = delete;

    QSqlQuery run(const QString &sql, const QVariantList &values = {})
    {
        QSqlQuery query(QSqlDatabase::database(m_name));
        query.prepare(sql);
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (!query.exec())
            qFatal("%s failed", qPrintable(sql));
        return query;
    }

private:
    QString m_name;
};

} // namespace cmeet::guitest
