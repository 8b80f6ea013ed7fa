#pragma once
// RFC 6962 Merkle tree (Certificate Transparency; RFC 9162 section 2.1) over the ids of a
// meeting's events, in the relay's order (DESIGN.md §3):
//   leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right),
//   empty tree = SHA-256(""), and a tree of n > 1 leaves splits at the largest power of two < n.
// MerkleLog is what the relay keeps; the free verify functions are for auditors and clients,
// who hold only a leaf or two tree heads and a proof.

#include "base/expected.h"
#include "ledger/error.h"
#include "ledger/tree_head.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <array>
#include <vector>

namespace cmeet::ledger {

inline constexpr qsizetype hashSize = 32;
using MerkleDigest = std::array<char, hashSize>; // a node's hash where no QByteArray is needed

[[nodiscard]] QByteArray leafHash(QByteArrayView leaf);
[[nodiscard]] QByteArray nodeHash(QByteArrayView left, QByteArrayView right);
[[nodiscard]] QByteArray emptyRoot(); // SHA-256 of the empty string

// Append-only. append is O(1) amortised (O(log n) worst case) hashes; root() is O(log n) hashes
// once per append and then cached; proofs take O(log^2 n) hashes at most. Not thread-safe (root()
// fills a cache), like any Qt value class without synchronisation.
class MerkleLog {
public:
    MerkleLog() = default;

    // Returns the new leaf's index (0-based). Any bytes; the relay appends 32-byte event ids.
    qint64 append(QByteArrayView leaf);

    [[nodiscard]] qint64 size() const { return m_size; }
    // The current tree head's root (emptyRoot() for an empty log).
    [[nodiscard]] QByteArray root() const;
    [[nodiscard]] TreeHead head() const { return TreeHead{m_size, root()}; }
    // The root the log had when it held treeSize leaves, 0 <= treeSize <= size().
    [[nodiscard]] Expected<QByteArray, LedgerError> rootAt(qint64 treeSize) const;
    // Hash of leaf index (0 <= index < size()).
    [[nodiscard]] Expected<QByteArray, LedgerError> leafHashAt(qint64 index) const;

    // RFC 9162 section 2.1.3.1: the sibling hashes from leaf index up to the root of the tree of
    // the first treeSize leaves, leaf side first. 0 <= index < treeSize <= size().
    [[nodiscard]] Expected<QList<QByteArray>, LedgerError> inclusionProof(qint64 index, qint64 treeSize) const;
    // RFC 9162 section 2.1.4.1: proves the tree of oldSize leaves is a prefix of the tree of
    // newSize leaves. 0 <= oldSize <= newSize <= size(); empty when oldSize is 0 or equals newSize.
    [[nodiscard]] Expected<QList<QByteArray>, LedgerError> consistencyProof(qint64 oldSize, qint64 newSize) const;

private:
    // MTH(D[begin:end]) for a range the RFC recursion produces: begin is a multiple of the
    // largest power of two <= end - begin, so every perfect piece is in m_levels.
    [[nodiscard]] MerkleDigest subtreeHash(qint64 begin, qint64 end) const;
    [[nodiscard]] QByteArrayView cachedNode(int level, qint64 position) const;
    void inclusionPath(qint64 index, qint64 begin, qint64 end, QList<QByteArray> &path) const;
    void consistencySubproof(qint64 oldEnd, qint64 begin, qint64 end, bool isOldRoot, QList<QByteArray> &proof) const;

    // m_levels[k] holds, back to back, the 32-byte hashes of every complete subtree of 2^k leaves
    // (aligned at multiples of 2^k): level 0 is the leaf hashes. About 2n hashes in all.
    std::vector<QByteArray> m_levels;
    qint64 m_size = 0;
    mutable QByteArray m_rootCache; // empty until root() is asked after an append
};

// Only the tree's right edge: the root of each perfect subtree the leaves split into, largest
// first (one per set bit of size()). Gives the same heads as MerkleLog in O(log n) memory, for
// whoever needs the current head but never a proof: the relay's running meetings.
class MerkleFrontier {
public:
    void append(QByteArrayView leaf);
    [[nodiscard]] qint64 size() const { return m_size; }
    [[nodiscard]] QByteArray root() const;
    [[nodiscard]] TreeHead head() const { return TreeHead{m_size, root()}; }

private:
    QList<QByteArray> m_peaks;
    qint64 m_size = 0;
    mutable QByteArray m_rootCache;
};

// RFC 9162 section 2.1.3.2. False (never a crash) for an index outside [0, treeSize), a proof of
// the wrong length, elements or a root that are not 32 bytes, or any mismatch.
[[nodiscard]] bool verifyInclusion(QByteArrayView leaf, qint64 index, qint64 treeSize, const QList<QByteArray> &proof,
                                   QByteArrayView root);
// Same with the leaf's hash instead of the leaf (e.g. when only the hash was published).
[[nodiscard]] bool verifyInclusionOfHash(QByteArrayView leafHashBytes, qint64 index, qint64 treeSize,
                                         const QList<QByteArray> &proof, QByteArrayView root);

// RFC 9162 section 2.1.4.2, plus the trivial cases: equal sizes need equal roots and an empty
// proof; an old size of 0 needs oldRoot == emptyRoot() and an empty proof. False for sizes out of
// order or negative, wrong proof lengths or element sizes, or any mismatch.
[[nodiscard]] bool verifyConsistency(qint64 oldSize, qint64 newSize, QByteArrayView oldRoot, QByteArrayView newRoot,
                                     const QList<QByteArray> &proof);

} // namespace cmeet::ledger
