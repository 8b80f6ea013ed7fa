#include "client/core/polls.h"

#include "base/hex.h"
#include "crypto/ecies.h"
#include "protocol/canonical_json.h"

#include <QJsonArray>

namespace cmeet::client {

using protocol::Event;
using protocol::EventType;

Expected<crypto::PublicKey, crypto::CryptoError> pollVotingKey(const Event &poll)
{
    if (poll.type() != EventType::Poll)
        return unexpected(crypto::CryptoError::InvalidPublicKey);
    return crypto::PublicKey::fromBytes(hex::decodeLowercase(poll.content().value(QStringLiteral("votingKey")).toString(), 33).value_or(QByteArray()));
}

QByteArray voteAssociatedData(const QByteArray &pollId, const crypto::Address &voter) { return pollId + voter.bytes(); }

Expected<QByteArray, crypto::CryptoError> encryptBallot(const crypto::PublicKey &votingKey, const QByteArray &pollId,
                                                        const crypto::Address &voter, int option)
{
    const QByteArray ballot = *protocol::json::serialize(QJsonObject{{QStringLiteral("option"), option}});
    return crypto::ecies::encrypt(votingKey, ballot, voteAssociatedData(pollId, voter));
}

std::optional<PollTally> tallyPoll(const QList<Event> &events, const QByteArray &pollId)
{
    const auto poll = std::find_if(events.begin(), events.end(), [&](const Event &e) { return e.id() == pollId && e.type() == EventType::Poll; });
    if (poll == events.end())
        return std::nullopt;
    PollTally tally;
    tally.pollId = pollId;
    tally.question = poll->content().value(QStringLiteral("question")).toString();
    for (const QJsonValue &option : poll->content().value(QStringLiteral("options")).toArray())
        tally.options.append(option.toString());
    tally.counts = QList<int>(tally.options.size(), 0);

    QHash<QByteArray, const Event *> votes;
    std::optional<crypto::PrivateKey> secret;
    QByteArray pollEndId;
    for (const Event &event : events) {
        if (event.type() == EventType::Vote && event.ref() == pollId)
            votes.insert(event.id(), &event);
        if (event.type() == EventType::PollEnd && event.ref() == pollId) {
            pollEndId = event.id();
            const auto bytes = hex::decodeLowercase(event.content().value(QStringLiteral("votingSecret")).toString(), 32);
            if (bytes)
                if (auto key = crypto::PrivateKey::fromBytes(*bytes))
                    secret = *key;
        }
        if (event.type() == EventType::PollEndAck && !pollEndId.isEmpty() && event.ref() == pollEndId) {
            tally.ended = true;
            for (const QJsonValue &id : event.content().value(QStringLiteral("votes")).toArray()) {
                const QByteArray vote = hex::decodeLowercase(id.toString(), 32).value_or(QByteArray());
                if (!tally.counted.contains(vote)) // a vote listed twice counts once
                    tally.counted.append(vote);
            }
        }
    }
    for (const QByteArray &id : tally.counted) {
        const Event *vote = votes.value(id);
        auto ciphertext = vote ? hex::decodeLowercase(vote->content().value(QStringLiteral("ciphertext")).toString()) : std::nullopt;
        auto ballot = ciphertext && secret ? crypto::ecies::decrypt(*secret, *ciphertext, voteAssociatedData(pollId, vote->by()))
                                           : unexpected(crypto::CryptoError::DecryptionFailed);
        auto choice = ballot ? protocol::json::parseCanonical(ballot->view()) : unexpected(protocol::json::JsonError{});
        const qint64 option = choice && choice->isObject() && choice->toObject().size() == 1
            ? choice->toObject().value(QStringLiteral("option")).toInteger(-1)
            : -1;
        if (option >= 0 && option < tally.options.size())
            ++tally.counts[option];
        else
            ++tally.invalid;
    }
    for (auto it = votes.cbegin(); it != votes.cend(); ++it) {
        if (!tally.counted.contains(it.key()))
            tally.uncounted.append(it.key());
    }
    return tally;
}

} // namespace cmeet::client
