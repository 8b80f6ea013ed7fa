#pragma once
// Keccak-256 as used by Ethereum (original Keccak padding 0x01, not SHA3-256's 0x06).
// OpenSSL 3.0 has no Keccak-256, so we keep this small implementation, tested against vectors.

#include <QByteArray>
#include <QByteArrayView>
#include <array>
#include <cstdint>

namespace cmeet::crypto {

class Keccak256 {
public:
    static constexpr qsizetype digestSize = 32;

    Keccak256();
    void update(QByteArrayView data);
    // Finishes the hash; the object must not be updated afterwards.
    [[nodiscard]] QByteArray finish();

private:
    static constexpr int rate = 136; // bytes: 1600-bit state minus 2 x 256-bit capacity
    std::array<std::uint64_t, 25> m_state{};
    int m_offset = 0; // bytes absorbed into the current block
};

[[nodiscard]] QByteArray keccak256(QByteArrayView data);

} // namespace cmeet::crypto
