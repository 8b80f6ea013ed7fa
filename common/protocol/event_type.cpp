#include "protocol/event_type.h"

namespace cmeet::protocol {

QString typeName(EventType type)
{
    switch (type) {
    case EventType::Start: return QStringLiteral("start");
    case EventType::Join: return QStringLiteral("join");
    case EventType::Leave: return QStringLiteral("leave");
    case EventType::Poll: return QStringLiteral("poll");
    case EventType::PollEnd: return QStringLiteral("pollEnd");
    case EventType::Vote: return QStringLiteral("vote");
    case EventType::Comment: return QStringLiteral("comment");
    case EventType::Reply: return QStringLiteral("reply");
    case EventType::Discussion: return QStringLiteral("discussion");
    case EventType::Disagreement: return QStringLiteral("disagreement");
    case EventType::PatientDataChange: return QStringLiteral("patientDataChange");
    case EventType::End: return QStringLiteral("end");
    case EventType::Ack: return QStringLiteral("ack");
    case EventType::JoinAck: return QStringLiteral("joinAck");
    case EventType::PollEndAck: return QStringLiteral("pollEndAck");
    case EventType::AckError: return QStringLiteral("ackError");
    case EventType::AckEnd: return QStringLiteral("ackEnd");
    case EventType::Image: return QStringLiteral("image");
    }
    return {};
}

std::optional<EventType> typeFromName(QStringView name)
{
    for (const EventType type : allEventTypes) {
        if (typeName(type) == name)
            return type;
    }
    return std::nullopt;
}

bool isRelayAcknowledgement(EventType type)
{
    switch (type) {
    case EventType::Ack:
    case EventType::JoinAck:
    case EventType::PollEndAck:
    case EventType::AckError:
    case EventType::AckEnd:
        return true;
    default:
        return false;
    }
}

bool isHostOnly(EventType type)
{
    switch (type) {
    case EventType::Start:
    case EventType::Poll:
    case EventType::PollEnd:
    case EventType::Discussion:
    case EventType::PatientDataChange:
    case EventType::Image:
    case EventType::End:
        return true;
    default:
        return false;
    }
}

EventType acknowledgementType(EventType type)
{
    switch (type) {
    case EventType::Join:
        return EventType::JoinAck;
    case EventType::PollEnd:
        return EventType::PollEndAck;
    case EventType::End:
        return EventType::AckEnd;
    default:
        return EventType::Ack;
    }
}

} // namespace cmeet::protocol
