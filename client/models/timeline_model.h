#pragma once
// A meeting's log as a tree for the timeline view (DESIGN.md §9): replies under their comment,
// votes and the poll's end under their poll, disagreements under what they dispute, everything
// else in log order. Relay acknowledgements are not rows of their own: each folds into the entry
// it acknowledges, whose check mark then says "verified" (signature, acknowledgement signature,
// sequence and tree head all checked on arrival). Grows with beginInsertRows/endInsertRows per
// arrival and dataChanged with explicit roles; a reset only for the first batch into an empty model.

#include "client/core/meeting_session.h"

#include <QAbstractItemModel>
#include <QHash>

#include <memory>
#include <vector>

namespace cmeet::client {

class DirectoryModel;

class TimelineModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column { WhatColumn, AuthorColumn, TimeColumn, CheckColumn, ColumnCount };
    enum Role {
        EntryIndexRole = Qt::UserRole + 1, // position in the log
        EventIdRole,                       // QByteArray, 32 bytes (empty for an unreadable entry)
        EventTypeRole,                     // the protocol's type name: "comment", "vote"...
        AuthorRole,                        // the author's address, lowercase hex
        TimestampRole,                     // the author's time, Unix ms
        AcknowledgedAtRole,                // the relay's acknowledgement time, Unix ms (null until acknowledged)
        CheckRole,                         // a Check
        ProblemsRole,                      // QStringList: what the checks found
        PatientRole,                       // the patient the entry is about, if any
        TextRole,                          // what was written (comment, reply, reason), plain
    };
    enum class Check { Verified, AwaitingAcknowledgement, Failed };
    Q_ENUM(Check)

    // staff and patients name authors and patients (either may be null).
    explicit TimelineModel(const DirectoryModel *staff = nullptr, const DirectoryModel *patients = nullptr, QObject *parent = nullptr);
    ~TimelineModel() override;

    // Shows session's entries and follows it as entries arrive (null: shows nothing).
    void setSession(MeetingSession *session);
    // Entries in log order, following those already shown.
    void append(const QList<TimelineEntry> &entries);
    void clear();

    // The row of an event (for selecting it), invalid if not shown.
    [[nodiscard]] QModelIndex indexOf(const QByteArray &eventId) const;
    [[nodiscard]] qsizetype entryCount() const { return m_entryCount; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node;

    void add(const TimelineEntry &entry, bool announce);
    // How many entries from `from` on can go in as one insertion of top-level rows (rows: how
    // many); acknowledgedRows: rows already shown that the run's acknowledgements complete.
    [[nodiscard]] qsizetype topLevelRun(const QList<TimelineEntry> &entries, qsizetype from, int &rows, QList<Node *> &acknowledgedRows) const;
    [[nodiscard]] Node *parentFor(const protocol::Event &event) const;
    [[nodiscard]] QModelIndex indexFor(const Node *node, int column) const;
    [[nodiscard]] QString describe(const Node &node) const;
    [[nodiscard]] QString checkText(const Node &node) const;
    [[nodiscard]] Check check(const Node &node) const;
    [[nodiscard]] QStringList problems(const Node &node) const;
    void refreshNames(const Node &parent);

    const DirectoryModel *m_staff;
    const DirectoryModel *m_patients;
    std::unique_ptr<Node> m_root;
    QHash<QByteArray, Node *> m_byId; // events, and acknowledgements mapped to what they acknowledge
    qsizetype m_entryCount = 0;
    QMetaObject::Connection m_sessionConnection;
};

} // namespace cmeet::client
