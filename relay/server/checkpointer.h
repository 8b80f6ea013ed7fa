#pragma once
// Copies the relay database's write-ahead log into the database file from a thread and
// connection of its own: SQLite's passive checkpoint, which never blocks the relay's writes. With
// SQLite's automatic checkpoints the relay's own thread did it, inside whichever batch crossed a
// thousand pages, and every event of that batch waited for megabytes to be copied (an image's
// upload crossed it every four chunks).

#include <QObject>
#include <QPair>
#include <QString>
#include <memory>

class QTimer;

namespace cmeet::relay {

class RelayDatabase;

class Checkpointer : public QObject {
    Q_OBJECT

public:
    explicit Checkpointer(QString databasePath, int periodMs = 500);
    ~Checkpointer() override;

public Q_SLOTS:
    // Run in the checkpointer's thread: opens the database there and starts the timer.
    void start();

Q_SIGNALS:
    // The database could not be opened here: the relay's connection must checkpoint again.
    void unavailable(const QString &why);

private:
    void checkpoint();

    QString m_databasePath;
    int m_periodMs;
    std::unique_ptr<RelayDatabase> m_database;
    QTimer *m_timer = nullptr;
    QPair<qint64, qint64> m_lastPages; // pages in the log, and copied, at the last checkpoint
};

} // namespace cmeet::relay
