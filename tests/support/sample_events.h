#pragma once
// Valid sample events of every type, for tests, vectors and benchmarks.

#include "crypto/keys.h"
#include "protocol/event.h"

#include <QJsonObject>

namespace cmeet::test {

struct SampleMeeting {
    crypto::PrivateKey host = fixedKey(1);
    crypto::PrivateKey session = fixedKey(2);
    crypto::PrivateKey relay = fixedKey(3);
    crypto::PrivateKey voting = fixedKey(4);
    QString meeting = QStringLiteral("6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d");
    qint64 ts = 1764072000000; // 2025-11-25T12:00:00Z

    static crypto::PrivateKey fixedKey(int n);
};

// Content that satisfies the type's schema.
[[nodiscard]] QJsonObject sampleContent(protocol::EventType type, const SampleMeeting &meeting);

// The key that signs this type in a meeting: identity key for start/join, relay key for
// acknowledgements, the session key otherwise.
[[nodiscard]] const crypto::PrivateKey &signerFor(protocol::EventType type, const SampleMeeting &meeting);

// A signed event of the type with sample content; ref is a fixed id (absent for start).
[[nodiscard]] protocol::Event sampleEvent(protocol::EventType type, const SampleMeeting &meeting);

} // namespace cmeet::test
