#include "crypto/keccak.h"

#include <QtEndian>

#include <algorithm>
#include <bit>
#include <cstddef>

namespace cmeet::crypto {
namespace {

constexpr std::array<std::uint64_t, 24> roundConstants = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

// Rotation offsets and lane permutation of the rho and pi steps, in the order the pi step visits
// the lanes starting from lane 1.
constexpr int rhoOffsets[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
constexpr int piLanes[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

// Unrolled loops on a local copy of the state keep the lanes in registers: five times faster than
// the plain loops at -O2 (bench_protocol's Keccak rows), and keccak256 runs once or twice per event.
// Plain arrays inside: with UBSan (the fuzz builds) std::array's operator[] stays a call per lane
// access, which made Keccak a tenth of fuzz_meeting_log's time.
void keccakF1600(std::array<std::uint64_t, 25> &state)
{
    std::uint64_t a[25];
    std::copy(state.begin(), state.end(), a);
    for (const std::uint64_t roundConstant : roundConstants) {
        // theta
        std::uint64_t c[5];
#pragma GCC unroll 5
        for (int x = 0; x < 5; ++x)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (int x = 0; x < 5; ++x) {
            const std::uint64_t d = c[(x + 4) % 5] ^ std::rotl(c[(x + 1) % 5], 1);
#pragma GCC unroll 5
            for (int y = 0; y < 25; y += 5)
                a[y + x] ^= d;
        }
        // rho and pi
        std::uint64_t carried = a[1];
#pragma GCC unroll 24
        for (std::size_t i = 0; i < 24; ++i) {
            const int lane = piLanes[i];
            const std::uint64_t next = a[lane];
            a[lane] = std::rotl(carried, rhoOffsets[i]);
            carried = next;
        }
        // chi
#pragma GCC unroll 5
        for (int y = 0; y < 25; y += 5) {
            std::uint64_t row[5];
#pragma GCC unroll 5
            for (int x = 0; x < 5; ++x)
                row[x] = a[y + x];
#pragma GCC unroll 5
            for (int x = 0; x < 5; ++x)
                a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
        // iota
        a[0] ^= roundConstant;
    }
    std::copy(std::begin(a), std::end(a), state.begin());
}

// Lanes are little-endian: byte i of the state is byte (i % 8) of lane i / 8.
void xorByte(std::array<std::uint64_t, 25> &state, int position, std::uint8_t byte)
{
    state[position / 8] ^= std::uint64_t{byte} << (8 * (position % 8));
}

} // namespace

Keccak256::Keccak256() = default;

void Keccak256::update(QByteArrayView data)
{
    // Whole lanes (8 bytes, little-endian) at a time where aligned; single bytes otherwise.
    while (!data.isEmpty()) {
        if (m_offset % 8 == 0 && data.size() >= 8) {
            m_state[static_cast<std::size_t>(m_offset / 8)] ^= qFromLittleEndian<std::uint64_t>(data.data());
            m_offset += 8;
            data = data.sliced(8);
        } else {
            xorByte(m_state, m_offset++, static_cast<std::uint8_t>(data.front()));
            data = data.sliced(1);
        }
        if (m_offset == rate) {
            keccakF1600(m_state);
            m_offset = 0;
        }
    }
}

QByteArray Keccak256::finish()
{
    xorByte(m_state, m_offset, 0x01);
    xorByte(m_state, rate - 1, 0x80);
    keccakF1600(m_state);
    QByteArray digest(digestSize, Qt::Uninitialized);
    for (int i = 0; i < digestSize; ++i)
        digest[i] = static_cast<char>(m_state[i / 8] >> (8 * (i % 8)));
    m_state.fill(0);
    m_offset = 0;
    return digest;
}

QByteArray keccak256(QByteArrayView data)
{
    Keccak256 hasher;
    hasher.update(data);
    return hasher.finish();
}

} // namespace cmeet::crypto
