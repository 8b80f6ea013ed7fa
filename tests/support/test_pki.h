#pragma once
// A throwaway certificate authority and a relay certificate it issued for 127.0.0.1 (openssl,
// valid one day), for tests of wss:// and of trusting a CA file.

#include <QString>

namespace cmeet::test {

// Writes ca.pem, relay.pem and relay.key in dir; false if openssl failed.
[[nodiscard]] bool makeTestPki(const QString &dir);

} // namespace cmeet::test
