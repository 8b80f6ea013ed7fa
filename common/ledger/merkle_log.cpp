#include "ledger/merkle_log.h"

#include "crypto/hash.h"

#include <algorithm>
#include <bit>

namespace cmeet::ledger {
namespace {

// RFC 6962 section 2.1: k, the largest power of two smaller than n (n >= 2).
qint64 splitPoint(qint64 n)
{
    Q_ASSERT(n >= 2);
    return static_cast<qint64>(std::bit_floor(static_cast<quint64>(n - 1)));
}

bool hasHashSize(QByteArrayView bytes)
{
    return bytes.size() == hashSize;
}

bool allHashSize(const QList<QByteArray> &hashes)
{
    for (const QByteArray &hash : hashes) {
        if (!hasHashSize(hash))
            return false;
    }
    return true;
}

MerkleDigest leafDigest(QByteArrayView leaf)
{
    // The 0x00 / 0x01 prefixes keep a leaf from ever being mistaken for an inner node.
    MerkleDigest digest;
    crypto::sha256({QByteArrayView("\x00", 1), leaf}, digest);
    return digest;
}

MerkleDigest nodeDigest(QByteArrayView left, QByteArrayView right)
{
    MerkleDigest digest;
    crypto::sha256({QByteArrayView("\x01", 1), left, right}, digest);
    return digest;
}

QByteArrayView viewOf(const MerkleDigest &digest)
{
    return QByteArrayView(digest.data(), hashSize);
}

QByteArray bytesOf(const MerkleDigest &digest)
{
    return QByteArray(digest.data(), hashSize);
}

} // namespace

QByteArray leafHash(QByteArrayView leaf)
{
    return bytesOf(leafDigest(leaf));
}

QByteArray nodeHash(QByteArrayView left, QByteArrayView right)
{
    return bytesOf(nodeDigest(left, right));
}

QByteArray emptyRoot()
{
    return crypto::sha256(QByteArrayView());
}

qint64 MerkleLog::append(QByteArrayView leaf)
{
    const qint64 index = m_size;
    if (m_levels.empty())
        m_levels.emplace_back();
    m_levels[0].append(viewOf(leafDigest(leaf)));
    ++m_size;
    m_rootCache.clear();

    // A level whose count turns even has just completed a subtree one level up: at most
    // log2(n) hashes, one on average.
    for (std::size_t level = 0; (m_levels[level].size() / hashSize) % 2 == 0; ++level) {
        if (level + 1 == m_levels.size())
            m_levels.emplace_back();
        const QByteArrayView nodes(m_levels[level]);
        const MerkleDigest parent = nodeDigest(nodes.sliced(nodes.size() - 2 * hashSize, hashSize), nodes.sliced(nodes.size() - hashSize, hashSize));
        m_levels[level + 1].append(viewOf(parent));
    }
    return index;
}

void MerkleFrontier::append(QByteArrayView leaf)
{
    // Like a binary counter's carry: each trailing 1 bit of the old size is a perfect subtree
    // the new leaf completes into one twice its size.
    QByteArray carried = leafHash(leaf);
    for (qint64 size = m_size; size & 1; size >>= 1)
        carried = nodeHash(m_peaks.takeLast(), carried);
    m_peaks.append(carried);
    ++m_size;
    m_rootCache.clear();
}

QByteArray MerkleFrontier::root() const
{
    if (m_peaks.isEmpty())
        return emptyRoot();
    if (m_rootCache.isEmpty()) {
        // RFC 6962 splits at the largest power of two: the largest peak is the left child of the
        // root, the rest of the tree (folded the same way) its right.
        QByteArray root = m_peaks.constLast();
        for (qsizetype i = m_peaks.size() - 2; i >= 0; --i)
            root = nodeHash(m_peaks.at(i), root);
        m_rootCache = root;
    }
    return m_rootCache;
}

QByteArray MerkleLog::root() const
{
    if (m_rootCache.isEmpty())
        m_rootCache = bytesOf(subtreeHash(0, m_size));
    return m_rootCache;
}

Expected<QByteArray, LedgerError> MerkleLog::rootAt(qint64 treeSize) const
{
    if (treeSize < 0 || treeSize > m_size)
        return unexpected(LedgerError::SizeOutOfRange);
    if (treeSize == m_size)
        return root();
    return bytesOf(subtreeHash(0, treeSize));
}

Expected<QByteArray, LedgerError> MerkleLog::leafHashAt(qint64 index) const
{
    if (index < 0 || index >= m_size)
        return unexpected(LedgerError::IndexOutOfRange);
    return cachedNode(0, index).toByteArray();
}

Expected<QList<QByteArray>, LedgerError> MerkleLog::inclusionProof(qint64 index, qint64 treeSize) const
{
    if (treeSize < 0 || treeSize > m_size)
        return unexpected(LedgerError::SizeOutOfRange);
    if (index < 0 || index >= treeSize)
        return unexpected(LedgerError::IndexOutOfRange);
    QList<QByteArray> path;
    inclusionPath(index, 0, treeSize, path);
    return path;
}

Expected<QList<QByteArray>, LedgerError> MerkleLog::consistencyProof(qint64 oldSize, qint64 newSize) const
{
    if (oldSize < 0 || newSize < 0 || newSize > m_size)
        return unexpected(LedgerError::SizeOutOfRange);
    if (oldSize > newSize)
        return unexpected(LedgerError::InvalidRange);
    QList<QByteArray> proof;
    // Every tree extends the empty one, and a tree extends itself: nothing to prove.
    if (oldSize == 0 || oldSize == newSize)
        return proof;
    consistencySubproof(oldSize, 0, newSize, true, proof);
    return proof;
}

MerkleDigest MerkleLog::subtreeHash(qint64 begin, qint64 end) const
{
    const qint64 count = end - begin;
    Q_ASSERT(begin >= 0 && count >= 0 && end <= m_size);
    MerkleDigest digest;
    if (count == 0) {
        crypto::sha256({}, digest);
        return digest;
    }
    const auto unsignedCount = static_cast<quint64>(count);
    if (std::has_single_bit(unsignedCount)) {
        const int level = std::countr_zero(unsignedCount);
        Q_ASSERT(begin % count == 0);
        const QByteArrayView node = cachedNode(level, begin >> level);
        std::copy(node.begin(), node.end(), digest.begin());
        return digest;
    }
    const qint64 split = begin + splitPoint(count);
    return nodeDigest(viewOf(subtreeHash(begin, split)), viewOf(subtreeHash(split, end)));
}

QByteArrayView MerkleLog::cachedNode(int level, qint64 position) const
{
    const QByteArray &nodes = m_levels[static_cast<std::size_t>(level)];
    Q_ASSERT((position + 1) * hashSize <= nodes.size());
    return QByteArrayView(nodes).sliced(position * hashSize, hashSize);
}

// RFC 6962 section 2.1.1 PATH(m, D[n]), with absolute leaf positions.
void MerkleLog::inclusionPath(qint64 index, qint64 begin, qint64 end, QList<QByteArray> &path) const
{
    if (end - begin <= 1)
        return;
    const qint64 split = begin + splitPoint(end - begin);
    if (index < split) {
        inclusionPath(index, begin, split, path);
        path.append(bytesOf(subtreeHash(split, end)));
    } else {
        inclusionPath(index, split, end, path);
        path.append(bytesOf(subtreeHash(begin, split)));
    }
}

// RFC 6962 section 2.1.2 SUBPROOF(m, D[n], b): the old tree is D[begin:oldEnd].
void MerkleLog::consistencySubproof(qint64 oldEnd, qint64 begin, qint64 end, bool isOldRoot,
                                    QList<QByteArray> &proof) const
{
    if (oldEnd == end) {
        // The verifier already has the old root; any other complete subtree must be sent.
        if (!isOldRoot)
            proof.append(bytesOf(subtreeHash(begin, end)));
        return;
    }
    const qint64 split = begin + splitPoint(end - begin);
    if (oldEnd <= split) {
        consistencySubproof(oldEnd, begin, split, isOldRoot, proof);
        proof.append(bytesOf(subtreeHash(split, end)));
    } else {
        consistencySubproof(oldEnd, split, end, false, proof);
        proof.append(bytesOf(subtreeHash(begin, split)));
    }
}

bool verifyInclusion(QByteArrayView leaf, qint64 index, qint64 treeSize, const QList<QByteArray> &proof,
                     QByteArrayView root)
{
    return verifyInclusionOfHash(leafHash(leaf), index, treeSize, proof, root);
}

bool verifyInclusionOfHash(QByteArrayView leafHashBytes, qint64 index, qint64 treeSize,
                           const QList<QByteArray> &proof, QByteArrayView root)
{
    if (index < 0 || index >= treeSize)
        return false;
    if (!hasHashSize(leafHashBytes) || !hasHashSize(root) || !allHashSize(proof))
        return false;

    // RFC 9162 section 2.1.3.2. fn walks the leaf's position up the tree, sn the last leaf's;
    // where they meet on the right edge a level may have no sibling, so both skip up.
    auto fn = static_cast<quint64>(index);
    auto sn = static_cast<quint64>(treeSize - 1);
    QByteArray r = leafHashBytes.toByteArray();
    for (const QByteArray &p : proof) {
        if (sn == 0)
            return false; // proof longer than the path
        if ((fn & 1) != 0 || fn == sn) {
            r = nodeHash(p, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            r = nodeHash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && QByteArrayView(r) == root;
}

bool verifyConsistency(qint64 oldSize, qint64 newSize, QByteArrayView oldRoot, QByteArrayView newRoot,
                       const QList<QByteArray> &proof)
{
    if (oldSize < 0 || newSize < oldSize)
        return false;
    if (!hasHashSize(oldRoot) || !hasHashSize(newRoot) || !allHashSize(proof))
        return false;
    if (oldSize == 0)
        return proof.isEmpty() && oldRoot == QByteArrayView(emptyRoot());
    if (oldSize == newSize)
        return proof.isEmpty() && oldRoot == newRoot;
    if (proof.isEmpty())
        return false;

    // RFC 9162 section 2.1.4.2. When the old tree is a complete subtree its root is the proof's
    // implicit first element.
    QList<QByteArrayView> path;
    path.reserve(proof.size() + 1);
    if (std::has_single_bit(static_cast<quint64>(oldSize)))
        path.append(oldRoot);
    for (const QByteArray &p : proof)
        path.append(p);

    auto fn = static_cast<quint64>(oldSize - 1);
    auto sn = static_cast<quint64>(newSize - 1);
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    QByteArray fr = path.first().toByteArray();
    QByteArray sr = fr;
    for (qsizetype i = 1; i < path.size(); ++i) {
        const QByteArrayView c = path[i];
        if (sn == 0)
            return false; // proof longer than needed
        if ((fn & 1) != 0 || fn == sn) {
            fr = nodeHash(c, fr);
            sr = nodeHash(c, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sr = nodeHash(sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && QByteArrayView(fr) == oldRoot && QByteArrayView(sr) == newRoot;
}

} // namespace cmeet::ledger
