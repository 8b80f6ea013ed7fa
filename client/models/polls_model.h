#pragma once
// The meeting's polls (thesis F3): open or ended, how many votes were cast, and once the relay's
// pollEndAck is in, the tally the client computes itself (client/core/polls) and whether this
// user's vote was counted. The relay's word is shown even where a check failed on it (with what
// failed): "your vote was not counted" must be seen, not hidden with the evidence.

#include "client/core/meeting_session.h"
#include "client/core/polls.h"

#include <QAbstractTableModel>

namespace cmeet::client {

class DirectoryModel;

class PollsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { QuestionColumn, StatusColumn, VotesColumn, ResultColumn, ColumnCount };
    enum class MyVote { NotVoted, Cast, Counted, NotCounted };
    Q_ENUM(MyVote)
    enum Role {
        PollIdRole = Qt::UserRole + 1,
        OptionsRole, // QStringList
        CountsRole,  // QVariantList of int, per option (empty until ended)
        InvalidRole, // counted votes that do not decrypt to an option
        EndedRole,   // bool: the relay acknowledged the end and the tally is in
        VotesRole,   // votes cast so far (in the log)
        MyVoteRole,  // a MyVote
        PatientRole, // the patient the poll is about, if any
        ProblemsRole, // QStringList: what the checks found in the poll, its votes, end or acknowledgement
    };

    explicit PollsModel(const DirectoryModel *patients = nullptr, QObject *parent = nullptr);

    // voter: whose vote "my vote" means (the signed-in identity).
    void setSession(MeetingSession *session, const QString &voter);
    void append(const QList<TimelineEntry> &entries);

    [[nodiscard]] int rowOf(const QByteArray &pollId) const;
    [[nodiscard]] const PollTally *tally(int row) const;
    // An open poll (the latest), if any: the host cannot end the meeting while one is open.
    [[nodiscard]] std::optional<QByteArray> openPoll() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Poll {
        explicit Poll(protocol::Event poll) : event(std::move(poll)) {}
        protocol::Event event;
        int votes = 0;
        std::optional<QByteArray> myVote;
        std::optional<QByteArray> endId;
        std::optional<PollTally> tally;
        QStringList problems;
    };

    [[nodiscard]] MyVote myVote(const Poll &poll) const;
    [[nodiscard]] QString resultText(const Poll &poll) const;

    const DirectoryModel *m_patients;
    QString m_voter;
    QList<Poll> m_polls;
    QList<protocol::Event> m_events; // every readable event so far: what a tally reads
    QMetaObject::Connection m_sessionConnection;
};

} // namespace cmeet::client
