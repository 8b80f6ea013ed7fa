#pragma once

#include <QString>
#include <QStringView>
#include <optional>

namespace cmeet::protocol {

inline constexpr int protocolVersion = 1;

// The thesis' twelve event types, the image shown (DESIGN.md §10, added in version 1 without
// changing the others) and the relay's five acknowledgements (DESIGN.md §3).
enum class EventType {
    Start, Join, Leave, Poll, PollEnd, Vote, Comment, Reply, Discussion, Disagreement, PatientDataChange, End,
    Ack, JoinAck, PollEndAck, AckError, AckEnd, Image,
};

inline constexpr EventType allEventTypes[] = {
    EventType::Start, EventType::Join, EventType::Leave, EventType::Poll, EventType::PollEnd, EventType::Vote,
    EventType::Comment, EventType::Reply, EventType::Discussion, EventType::Disagreement,
    EventType::PatientDataChange, EventType::End, EventType::Ack, EventType::JoinAck, EventType::PollEndAck,
    EventType::AckError, EventType::AckEnd, EventType::Image,
};

[[nodiscard]] QString typeName(EventType type);
[[nodiscard]] std::optional<EventType> typeFromName(QStringView name);

// Acknowledgements are authored and signed by the relay.
[[nodiscard]] bool isRelayAcknowledgement(EventType type);

// Only the meeting's host sends these (start, poll, pollEnd, discussion, patientDataChange, image, end).
[[nodiscard]] bool isHostOnly(EventType type);

// How the relay acknowledges an accepted event of this type: joinAck, pollEndAck, ackEnd or ack.
[[nodiscard]] EventType acknowledgementType(EventType type);

} // namespace cmeet::protocol
