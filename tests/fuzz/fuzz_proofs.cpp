// Merkle proofs as auditors and clients check them (RFC 9162 §2.1.3.2, §2.1.4.2), over a real
// log of up to 512 leaves. The input picks a tree size, an index or an old size and the kind of
// proof; the rest is a proof (32-byte elements, a short last one kept). A proof verifies exactly
// when it is the log's own: anything else would be a second preimage of SHA-256, so a verifier
// that accepts it is broken.

#include "fuzz_support.h"
#include "ledger/merkle_log.h"

namespace {

constexpr qint64 leaves = 512;

QByteArray leaf(qint64 index)
{
    return QByteArray::number(index);
}

const cmeet::ledger::MerkleLog &log()
{
    static const cmeet::ledger::MerkleLog built = [] {
        cmeet::ledger::MerkleLog log;
        for (qint64 i = 0; i < leaves; ++i)
            (void)log.append(leaf(i));
        return log;
    }();
    return built;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    const qint64 treeSize = 1 + (data[0] | (data[1] << 8)) % leaves;
    const qint64 chosen = data[2] | (data[3] << 8);
    const bool inclusion = (data[4] & 1) == 0;
    QList<QByteArray> proof;
    for (size_t at = 5; at < size; at += 32)
        proof.append(QByteArray(reinterpret_cast<const char *>(data + at), static_cast<qsizetype>(std::min<size_t>(32, size - at))));
    const QByteArray root = *log().rootAt(treeSize);
    if (inclusion) {
        const qint64 index = chosen % treeSize;
        const auto real = log().inclusionProof(index, treeSize);
        cmeet::fuzz::check(real.hasValue() && cmeet::ledger::verifyInclusion(leaf(index), index, treeSize, *real, root),
                           "the log's own inclusion proof verifies");
        cmeet::fuzz::check(cmeet::ledger::verifyInclusion(leaf(index), index, treeSize, proof, root) == (proof == *real),
                           "an inclusion proof verifies exactly when it is the log's own");
        // The same proof for the index as given (possibly outside the tree) never crashes.
        (void)cmeet::ledger::verifyInclusion(leaf(index), chosen, treeSize, proof, root);
    } else {
        const qint64 oldSize = chosen % (treeSize + 1);
        const QByteArray oldRoot = *log().rootAt(oldSize);
        const auto real = log().consistencyProof(oldSize, treeSize);
        cmeet::fuzz::check(real.hasValue() && cmeet::ledger::verifyConsistency(oldSize, treeSize, oldRoot, root, *real),
                           "the log's own consistency proof verifies");
        cmeet::fuzz::check(cmeet::ledger::verifyConsistency(oldSize, treeSize, oldRoot, root, proof) == (proof == *real),
                           "a consistency proof verifies exactly when it is the log's own");
        (void)cmeet::ledger::verifyConsistency(chosen, treeSize, oldRoot, root, proof);
    }
    return 0;
}
