// RFC 6962 Merkle log: the published Certificate Transparency known answers, then properties
// checked against a naive implementation of the RFC's recursive definitions (written here, from
// crypto::sha256 only, so the log's caching cannot hide a mistake in both).

#include "crypto/hash.h"
#include "ledger/merkle_log.h"
#include "test_support.h"

#include <QJsonObject>
#include <QTest>
#include <bit>
#include <limits>

using namespace cmeet;
using ledger::LedgerError;
using ledger::MerkleLog;

namespace {

QByteArray h(const QString &hexDigits)
{
    return test::fromHex(QStringLiteral("0x") + hexDigits);
}

// The reference tree of google/certificate-transparency cpp/merkletree/merkle_tree_test.cc (also
// transparency-dev/merkle proof/verify_test.go): eight leaves of 0 to 16 bytes.
QList<QByteArray> referenceLeaves()
{
    return {h(QString()), h(QStringLiteral("00")), h(QStringLiteral("10")), h(QStringLiteral("2021")),
            h(QStringLiteral("3031")), h(QStringLiteral("40414243")), h(QStringLiteral("5051525354555657")),
            h(QStringLiteral("606162636465666768696a6b6c6d6e6f"))};
}

const QString kEmptyRoot = QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

// Published roots after each of the eight appends (tree sizes 1..8).
QList<QByteArray> referenceRoots()
{
    return {h(QStringLiteral("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")),
            h(QStringLiteral("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
            h(QStringLiteral("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")),
            h(QStringLiteral("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            h(QStringLiteral("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")),
            h(QStringLiteral("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef")),
            h(QStringLiteral("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")),
            h(QStringLiteral("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"))};
}

// --- Naive reference: RFC 6962 section 2.1 definitions, straight from the text ---

QByteArray refLeaf(const QByteArray &leaf)
{
    return crypto::sha256(QByteArray(QByteArray(1, '\x00') + leaf));
}

QByteArray refNode(const QByteArray &left, const QByteArray &right)
{
    return crypto::sha256(QByteArray(QByteArray(1, '\x01') + left + right));
}

qsizetype refSplit(qsizetype n)
{
    qsizetype k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

QByteArray refMth(const QList<QByteArray> &d)
{
    if (d.isEmpty())
        return crypto::sha256(QByteArray());
    if (d.size() == 1)
        return refLeaf(d.first());
    const qsizetype k = refSplit(d.size());
    return refNode(refMth(d.mid(0, k)), refMth(d.mid(k)));
}

QList<QByteArray> refPath(qsizetype m, const QList<QByteArray> &d)
{
    if (d.size() <= 1)
        return {};
    const qsizetype k = refSplit(d.size());
    if (m < k)
        return refPath(m, d.mid(0, k)) << refMth(d.mid(k));
    return refPath(m - k, d.mid(k)) << refMth(d.mid(0, k));
}

QList<QByteArray> refSubproof(qsizetype m, const QList<QByteArray> &d, bool b)
{
    if (m == d.size())
        return b ? QList<QByteArray>() : QList<QByteArray>{refMth(d)};
    const qsizetype k = refSplit(d.size());
    if (m <= k)
        return refSubproof(m, d.mid(0, k), b) << refMth(d.mid(k));
    return refSubproof(m - k, d.mid(k), false) << refMth(d.mid(0, k));
}

// 32-byte leaves, like the relay's event ids.
QList<QByteArray> eventIds(int count)
{
    QList<QByteArray> ids;
    for (int i = 0; i < count; ++i)
        ids.append(crypto::sha256(QByteArray(QByteArray("event ") + QByteArray::number(i))));
    return ids;
}

MerkleLog logOf(const QList<QByteArray> &leaves)
{
    MerkleLog log;
    for (const QByteArray &leaf : leaves)
        (void)log.append(leaf);
    return log;
}

QByteArray flipped(QByteArray bytes, qsizetype at = 0, char mask = 0x08)
{
    bytes[at] = static_cast<char>(bytes[at] ^ mask);
    return bytes;
}

QString describeCase(qint64 a, qint64 b, const char *what)
{
    return QStringLiteral("(%1, %2): %3").arg(a).arg(b).arg(QString::fromLatin1(what));
}

// Every way a verifier must notice an altered inclusion proof. Returns the first that verified.
QString inclusionForgeryThatVerifies(const QByteArray &leaf, qint64 index, qint64 size, const QList<QByteArray> &proof,
                                     const QByteArray &root)
{
    const auto accepts = [&](const QByteArray &l, qint64 i, qint64 n, const QList<QByteArray> &p, const QByteArray &r) {
        return ledger::verifyInclusion(l, i, n, p, r);
    };
    const QByteArray someHash = crypto::sha256("some other hash");
    if (accepts(leaf + QByteArray(1, '\x00'), index, size, proof, root))
        return describeCase(index, size, "longer leaf");
    if (!leaf.isEmpty() && accepts(flipped(leaf), index, size, proof, root))
        return describeCase(index, size, "flipped leaf bit");
    if (accepts(QByteArray("WrongLeaf"), index, size, proof, root))
        return describeCase(index, size, "wrong leaf");
    if (accepts(leaf, index, size, proof, flipped(root, 31, 0x01)))
        return describeCase(index, size, "flipped root bit");
    if (accepts(leaf, index, size, proof, ledger::emptyRoot()))
        return describeCase(index, size, "empty tree root");
    if (accepts(leaf, index, size, proof, someHash))
        return describeCase(index, size, "random root");
    if (accepts(leaf, index, size, proof, root.left(31)))
        return describeCase(index, size, "truncated root");
    // Any other position in this tree (and just outside it): sibling order differs somewhere.
    for (qint64 other = -1; other <= size; ++other) {
        if (other != index && accepts(leaf, other, size, proof, root))
            return describeCase(index, size, "other index") + QString::number(other);
    }
    if (accepts(leaf, index, size * 2, proof, root))
        return describeCase(index, size, "size * 2");
    if (accepts(leaf, index, size / 2, proof, root))
        return describeCase(index, size, "size / 2");
    if (accepts(leaf, index, -size, proof, root))
        return describeCase(index, size, "negative size");
    for (qsizetype i = 0; i < proof.size(); ++i) {
        QList<QByteArray> wrong = proof;
        wrong[i] = flipped(wrong[i]);
        if (accepts(leaf, index, size, wrong, root))
            return describeCase(index, size, "flipped proof element") + QString::number(i);
        wrong[i] = proof[i].left(31);
        if (accepts(leaf, index, size, wrong, root))
            return describeCase(index, size, "short proof element") + QString::number(i);
        if (i + 1 < proof.size() && proof[i] != proof[i + 1]) {
            wrong = proof;
            wrong.swapItemsAt(i, i + 1);
            if (accepts(leaf, index, size, wrong, root))
                return describeCase(index, size, "swapped proof elements") + QString::number(i);
        }
    }
    if (!proof.isEmpty() && accepts(leaf, index, size, proof.mid(0, proof.size() - 1), root))
        return describeCase(index, size, "removed last element");
    if (!proof.isEmpty() && accepts(leaf, index, size, proof.mid(1), root))
        return describeCase(index, size, "removed first element");
    for (const QByteArray &extra : {QByteArray(), root, someHash}) {
        if (accepts(leaf, index, size, QList<QByteArray>(proof) << extra, root))
            return describeCase(index, size, "trailing element");
        if (accepts(leaf, index, size, QList<QByteArray>{extra} + proof, root))
            return describeCase(index, size, "preceding element");
    }
    return {};
}

// Every way a verifier must notice an altered consistency proof (for 0 < m < n).
QString consistencyForgeryThatVerifies(qint64 m, qint64 n, const QByteArray &oldRoot, const QByteArray &newRoot,
                                       const QList<QByteArray> &proof)
{
    const auto accepts = [&](qint64 a, qint64 b, const QByteArray &r1, const QByteArray &r2, const QList<QByteArray> &p) {
        return ledger::verifyConsistency(a, b, r1, r2, p);
    };
    const QByteArray someHash = crypto::sha256("some other hash");
    for (const qint64 other : {m - 1, m + 1, m ^ 2, -m}) {
        if (other != m && accepts(other, n, oldRoot, newRoot, proof))
            return describeCase(m, n, "other old size ") + QString::number(other);
    }
    for (const qint64 other : {n * 2, n / 2, -n}) {
        if (accepts(m, other, oldRoot, newRoot, proof))
            return describeCase(m, n, "other new size ") + QString::number(other);
    }
    if (accepts(m, n, flipped(oldRoot), newRoot, proof))
        return describeCase(m, n, "flipped old root");
    if (accepts(m, n, oldRoot, flipped(newRoot), proof))
        return describeCase(m, n, "flipped new root");
    if (accepts(m, n, newRoot, oldRoot, proof))
        return describeCase(m, n, "swapped roots");
    if (accepts(m, n, QByteArray("WrongRoot"), newRoot, proof))
        return describeCase(m, n, "short old root");
    if (accepts(m, n, oldRoot, newRoot, {}))
        return describeCase(m, n, "empty proof");
    for (qsizetype i = 0; i < proof.size(); ++i) {
        QList<QByteArray> wrong = proof;
        wrong[i] = flipped(wrong[i], 0, 0x10);
        if (accepts(m, n, oldRoot, newRoot, wrong))
            return describeCase(m, n, "flipped proof element") + QString::number(i);
        wrong[i] = proof[i] + QByteArray(1, '\x00');
        if (accepts(m, n, oldRoot, newRoot, wrong))
            return describeCase(m, n, "long proof element") + QString::number(i);
    }
    if (accepts(m, n, oldRoot, newRoot, proof.mid(0, proof.size() - 1)))
        return describeCase(m, n, "truncated proof");
    for (const QByteArray &extra : {QByteArray(), oldRoot, newRoot, proof.first(), someHash}) {
        if (accepts(m, n, oldRoot, newRoot, QList<QByteArray>(proof) << extra))
            return describeCase(m, n, "trailing element");
        if (accepts(m, n, oldRoot, newRoot, QList<QByteArray>{extra} + proof))
            return describeCase(m, n, "preceding element");
    }
    return {};
}

} // namespace

class TestMerkleLog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void emptyLog()
    {
        const MerkleLog log;
        QCOMPARE(log.size(), qint64(0));
        QCOMPARE(log.root(), h(kEmptyRoot));
        QCOMPARE(ledger::emptyRoot(), h(kEmptyRoot));
        QCOMPARE(*log.rootAt(0), h(kEmptyRoot));
        QCOMPARE(log.rootAt(1).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.inclusionProof(0, 0).error(), LedgerError::IndexOutOfRange);
        QVERIFY(log.consistencyProof(0, 0)->isEmpty());
        QCOMPARE(log.head(), (ledger::TreeHead{0, h(kEmptyRoot)}));
    }

    // google/certificate-transparency cpp/merkletree/merkle_tree_test.cc kSHA256Roots.
    void publishedRoots()
    {
        const QList<QByteArray> leaves = referenceLeaves();
        const QList<QByteArray> roots = referenceRoots();
        MerkleLog log;
        for (qsizetype i = 0; i < leaves.size(); ++i) {
            QCOMPARE(log.append(leaves[i]), i);
            QCOMPARE(log.size(), i + 1);
            QCOMPARE(log.root().toHex(), roots[i].toHex());
            QCOMPARE(log.head(), (ledger::TreeHead{i + 1, roots[i]}));
            QCOMPARE(*log.rootAt(0), h(kEmptyRoot));
            for (qsizetype j = 0; j <= i; ++j)
                QCOMPARE(log.rootAt(j + 1)->toHex(), roots[j].toHex());
            QCOMPARE(log.rootAt(i + 2).error(), LedgerError::SizeOutOfRange);
            QCOMPARE(*log.leafHashAt(i), ledger::leafHash(leaves[i]));
        }
        // The one-leaf tree's root is the leaf hash of the empty string.
        QCOMPARE(ledger::leafHash(QByteArrayView()), roots[0]);
        QCOMPARE(ledger::nodeHash(roots[0], ledger::leafHash(leaves[1])), roots[1]);
    }

    // kSHA256Paths of the same file (1-based leaf numbers there, 0-based indexes here).
    void publishedInclusionProofs_data()
    {
        QTest::addColumn<qint64>("index");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<QList<QByteArray>>("proof");
        QTest::newRow("leaf 0 of 1") << qint64(0) << qint64(1) << QList<QByteArray>();
        QTest::newRow("leaf 0 of 8") << qint64(0) << qint64(8)
                                     << QList<QByteArray>{
                                            h(QStringLiteral("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")),
                                            h(QStringLiteral("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e")),
                                            h(QStringLiteral("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"))};
        QTest::newRow("leaf 5 of 8") << qint64(5) << qint64(8)
                                     << QList<QByteArray>{
                                            h(QStringLiteral("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
                                            h(QStringLiteral("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")),
                                            h(QStringLiteral("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"))};
        QTest::newRow("leaf 2 of 3") << qint64(2) << qint64(3)
                                     << QList<QByteArray>{
                                            h(QStringLiteral("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"))};
        QTest::newRow("leaf 1 of 5") << qint64(1) << qint64(5)
                                     << QList<QByteArray>{
                                            h(QStringLiteral("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")),
                                            h(QStringLiteral("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e")),
                                            h(QStringLiteral("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"))};
    }

    void publishedInclusionProofs()
    {
        QFETCH(qint64, index);
        QFETCH(qint64, size);
        QFETCH(QList<QByteArray>, proof);
        const QList<QByteArray> leaves = referenceLeaves();
        const MerkleLog log = logOf(leaves);
        const QByteArray root = referenceRoots()[size - 1];

        auto generated = log.inclusionProof(index, size);
        QVERIFY(generated);
        QCOMPARE(*generated, proof);
        QVERIFY(ledger::verifyInclusion(leaves[index], index, size, proof, root));
        QVERIFY(ledger::verifyInclusionOfHash(ledger::leafHash(leaves[index]), index, size, proof, root));
        const QString forgery = inclusionForgeryThatVerifies(leaves[index], index, size, proof, root);
        QVERIFY2(forgery.isEmpty(), qPrintable(forgery));
    }

    // kSHA256Proofs of the same file, plus (6, 7) from transparency-dev/merkle proof/verify_test.go.
    void publishedConsistencyProofs_data()
    {
        QTest::addColumn<qint64>("oldSize");
        QTest::addColumn<qint64>("newSize");
        QTest::addColumn<QList<QByteArray>>("proof");
        QTest::newRow("1 to 1") << qint64(1) << qint64(1) << QList<QByteArray>();
        QTest::newRow("1 to 8") << qint64(1) << qint64(8)
                                << QList<QByteArray>{
                                       h(QStringLiteral("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")),
                                       h(QStringLiteral("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e")),
                                       h(QStringLiteral("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"))};
        QTest::newRow("6 to 8") << qint64(6) << qint64(8)
                                << QList<QByteArray>{
                                       h(QStringLiteral("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a")),
                                       h(QStringLiteral("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")),
                                       h(QStringLiteral("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"))};
        QTest::newRow("2 to 5") << qint64(2) << qint64(5)
                                << QList<QByteArray>{
                                       h(QStringLiteral("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e")),
                                       h(QStringLiteral("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"))};
        QTest::newRow("6 to 7") << qint64(6) << qint64(7)
                                << QList<QByteArray>{
                                       h(QStringLiteral("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a")),
                                       h(QStringLiteral("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f")),
                                       h(QStringLiteral("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"))};
    }

    void publishedConsistencyProofs()
    {
        QFETCH(qint64, oldSize);
        QFETCH(qint64, newSize);
        QFETCH(QList<QByteArray>, proof);
        const MerkleLog log = logOf(referenceLeaves());
        const QList<QByteArray> roots = referenceRoots();

        auto generated = log.consistencyProof(oldSize, newSize);
        QVERIFY(generated);
        QCOMPARE(*generated, proof);
        QVERIFY(ledger::verifyConsistency(oldSize, newSize, roots[oldSize - 1], roots[newSize - 1], proof));
        if (!proof.isEmpty()) {
            const QString forgery = consistencyForgeryThatVerifies(oldSize, newSize, roots[oldSize - 1], roots[newSize - 1], proof);
            QVERIFY2(forgery.isEmpty(), qPrintable(forgery));
        }
    }

    // Bad arguments give errors, never a crash.
    void logRejectsOutOfRange()
    {
        const MerkleLog log = logOf(eventIds(5));
        const qint64 huge = std::numeric_limits<qint64>::max();
        QCOMPARE(log.rootAt(-1).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.rootAt(6).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.rootAt(huge).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.leafHashAt(-1).error(), LedgerError::IndexOutOfRange);
        QCOMPARE(log.leafHashAt(5).error(), LedgerError::IndexOutOfRange);
        QCOMPARE(log.inclusionProof(-1, 5).error(), LedgerError::IndexOutOfRange);
        QCOMPARE(log.inclusionProof(5, 5).error(), LedgerError::IndexOutOfRange);
        QCOMPARE(log.inclusionProof(3, 3).error(), LedgerError::IndexOutOfRange);
        QCOMPARE(log.inclusionProof(0, 6).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.inclusionProof(0, -1).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.inclusionProof(huge, huge).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.consistencyProof(-1, 3).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.consistencyProof(4, 3).error(), LedgerError::InvalidRange);
        QCOMPARE(log.consistencyProof(0, 6).error(), LedgerError::SizeOutOfRange);
        QCOMPARE(log.consistencyProof(1, huge).error(), LedgerError::SizeOutOfRange);
        QVERIFY(log.consistencyProof(0, 5)->isEmpty());
        QVERIFY(log.consistencyProof(5, 5)->isEmpty());
        for (const LedgerError error : {LedgerError::IndexOutOfRange, LedgerError::SizeOutOfRange,
                                        LedgerError::InvalidRange, LedgerError::MalformedTreeHead})
            QVERIFY(!ledger::describe(error).isEmpty());
    }

    // RFC 9162's guards, and the degenerate sizes (after transparency-dev's TestVerifyInclusion
    // and TestVerifyConsistency tables).
    void verifiersRejectDegenerateInput()
    {
        const QByteArray someHash = crypto::sha256("some hash");
        const QByteArray empty = h(kEmptyRoot);
        const qint64 huge = std::numeric_limits<qint64>::max();
        const qint64 probes[][2] = {{0, 0}, {0, 1}, {1, 0}, {2, 1}, {-1, 1}, {0, -1}, {huge, huge}, {-huge - 1, 5}};
        for (const auto &probe : probes) {
            QVERIFY(!ledger::verifyInclusionOfHash(someHash, probe[0], probe[1], {}, QByteArray()));
            QVERIFY(!ledger::verifyInclusionOfHash(QByteArray(), probe[0], probe[1], {}, empty));
            QVERIFY(!ledger::verifyInclusionOfHash(someHash, probe[0], probe[1], {}, empty));
            QVERIFY(!ledger::verifyInclusion(QByteArray(), probe[0], probe[1], {}, empty));
        }
        // A one-leaf tree: the root is the leaf hash and the proof is empty.
        const QByteArray leafHash = ledger::leafHash("data");
        QVERIFY(ledger::verifyInclusion("data", 0, 1, {}, leafHash));
        QVERIFY(ledger::verifyInclusionOfHash(leafHash, 0, 1, {}, leafHash));
        QVERIFY(!ledger::verifyInclusionOfHash(leafHash, 0, 1, {}, QByteArray()));
        QVERIFY(!ledger::verifyInclusionOfHash(QByteArray(), 0, 1, {}, leafHash));
        QVERIFY(!ledger::verifyInclusionOfHash(leafHash, 0, 1, {someHash}, leafHash));
        // A huge tree size with a short proof fails (the path would be 63 hashes long).
        QVERIFY(!ledger::verifyInclusionOfHash(leafHash, 0, huge, {someHash}, leafHash));

        const QList<QByteArray> one{empty};
        QVERIFY(ledger::verifyConsistency(0, 0, empty, empty, {}));
        QVERIFY(ledger::verifyConsistency(0, 1, empty, someHash, {}));
        QVERIFY(ledger::verifyConsistency(1, 1, someHash, someHash, {}));
        QVERIFY(!ledger::verifyConsistency(0, 0, someHash, empty, {}));        // size 0 has one root
        QVERIFY(!ledger::verifyConsistency(1, 1, empty, someHash, {}));        // roots differ
        QVERIFY(!ledger::verifyConsistency(1, 0, someHash, empty, {}));        // time travel
        QVERIFY(!ledger::verifyConsistency(2, 1, someHash, someHash, {}));
        QVERIFY(!ledger::verifyConsistency(-1, 1, someHash, someHash, {}));
        QVERIFY(!ledger::verifyConsistency(1, 2, someHash, empty, {}));        // proof needed
        QVERIFY(!ledger::verifyConsistency(0, 0, empty, empty, one));          // proof must be empty
        QVERIFY(!ledger::verifyConsistency(0, 1, empty, empty, one));
        QVERIFY(!ledger::verifyConsistency(1, 1, empty, empty, one));
        QVERIFY(!ledger::verifyConsistency(1, 1, QByteArray("short"), QByteArray("short"), {}));
        QVERIFY(!ledger::verifyConsistency(1, huge, someHash, empty, one));
        QVERIFY(!ledger::verifyConsistency(huge - 1, huge, someHash, empty, one));
    }

    // rootAt(m) is the root of a fresh log of the first m leaves, and the naive RFC MTH.
    void rootAtMatchesFreshLogs()
    {
        const QList<QByteArray> ids = eventIds(70);
        const MerkleLog log = logOf(ids);
        for (qsizetype m = 0; m <= ids.size(); ++m) {
            const QByteArray reference = refMth(ids.mid(0, m));
            QCOMPARE(logOf(ids.mid(0, m)).root(), reference);
            QCOMPARE(*log.rootAt(m), reference);
        }
    }

    // Every index of every size 1..70: equals the RFC's PATH, verifies, and no alteration does.
    void inclusionProperty()
    {
        const QList<QByteArray> ids = eventIds(70);
        const MerkleLog log = logOf(ids);
        for (qint64 size = 1; size <= ids.size(); ++size) {
            const QByteArray root = *log.rootAt(size);
            for (qint64 index = 0; index < size; ++index) {
                auto proof = log.inclusionProof(index, size);
                QVERIFY(proof);
                QCOMPARE(*proof, refPath(index, ids.mid(0, size)));
                QVERIFY2(ledger::verifyInclusion(ids[index], index, size, *proof, root),
                         qPrintable(describeCase(index, size, "valid proof rejected")));
                const QString forgery = inclusionForgeryThatVerifies(ids[index], index, size, *proof, root);
                QVERIFY2(forgery.isEmpty(), qPrintable(forgery));
                // Another leaf of the tree at this position.
                QVERIFY(!ledger::verifyInclusion(ids[(index + 1) % ids.size()], index, size, *proof, root));
            }
        }
    }

    // Every 1 <= m <= n <= 40: equals the RFC's PROOF, verifies, and no alteration does.
    void consistencyProperty()
    {
        const QList<QByteArray> ids = eventIds(40);
        const MerkleLog log = logOf(ids);
        for (qint64 n = 1; n <= ids.size(); ++n) {
            const QByteArray newRoot = *log.rootAt(n);
            for (qint64 m = 1; m <= n; ++m) {
                const QByteArray oldRoot = *log.rootAt(m);
                auto proof = log.consistencyProof(m, n);
                QVERIFY(proof);
                QCOMPARE(*proof, m == n ? QList<QByteArray>() : refSubproof(m, ids.mid(0, n), true));
                QVERIFY2(ledger::verifyConsistency(m, n, oldRoot, newRoot, *proof),
                         qPrintable(describeCase(m, n, "valid proof rejected")));
                if (m < n) {
                    const QString forgery = consistencyForgeryThatVerifies(m, n, oldRoot, newRoot, *proof);
                    QVERIFY2(forgery.isEmpty(), qPrintable(forgery));
                    // A log that differs from the old one in any single leaf is not its extension.
                    for (qint64 changed = 0; changed < m; ++changed) {
                        QList<QByteArray> other = ids.mid(0, m);
                        other[changed] = flipped(other[changed]);
                        QVERIFY(!ledger::verifyConsistency(m, n, refMth(other), newRoot, *proof));
                    }
                }
            }
        }
    }

    // The relay appends one leaf and asks for the root each time: check a longer run against the
    // reference at checkpoints, including around powers of two.
    void longIncrementalRun()
    {
        const QList<QByteArray> ids = eventIds(4100);
        MerkleLog log;
        for (qsizetype i = 0; i < ids.size(); ++i) {
            (void)log.append(ids[i]);
            const QByteArray root = log.root();
            const qsizetype size = i + 1;
            if (std::has_single_bit(static_cast<quint64>(size)) || std::has_single_bit(static_cast<quint64>(size - 1))
                || size % 997 == 0)
                QCOMPARE(root, refMth(ids.mid(0, size)));
        }
        QCOMPARE(log.size(), qint64(4100));
        const qint64 index = 4099;
        auto proof = log.inclusionProof(index, log.size());
        QVERIFY(proof);
        QVERIFY(ledger::verifyInclusion(ids[index], index, log.size(), *proof, log.root()));
        auto consistency = log.consistencyProof(1000, 4100);
        QVERIFY(consistency);
        QVERIFY(ledger::verifyConsistency(1000, 4100, *log.rootAt(1000), log.root(), *consistency));
    }

    // The relay's meetings keep only the frontier: every head it gives must be MerkleLog's,
    // at every size (each carry pattern of the binary counter) and on the published roots.
    void frontierGivesTheSameHeads()
    {
        ledger::MerkleFrontier empty;
        QCOMPARE(empty.head(), (ledger::TreeHead{0, h(kEmptyRoot)}));
        const QList<QByteArray> leaves = referenceLeaves();
        const QList<QByteArray> roots = referenceRoots();
        ledger::MerkleFrontier published;
        for (qsizetype i = 0; i < leaves.size(); ++i) {
            published.append(leaves[i]);
            QCOMPARE(published.root().toHex(), roots[i].toHex());
        }
        const QList<QByteArray> ids = eventIds(1100);
        MerkleLog log;
        ledger::MerkleFrontier frontier;
        for (const QByteArray &id : ids) {
            (void)log.append(id);
            frontier.append(id);
            QCOMPARE(frontier.head(), log.head());
        }
    }

    void treeHeadJson()
    {
        const ledger::TreeHead head{8, referenceRoots()[7]};
        const QJsonObject json = head.toJson();
        QCOMPARE(json, (QJsonObject{{QStringLiteral("size"), 8},
                                    {QStringLiteral("root"), QStringLiteral("0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")}}));
        auto parsed = ledger::TreeHead::fromJson(json);
        QVERIFY(parsed);
        QCOMPARE(*parsed, head);
        const ledger::TreeHead empty{0, h(kEmptyRoot)};
        QCOMPARE(*ledger::TreeHead::fromJson(empty.toJson()), empty);
        const ledger::TreeHead largest{9007199254740991, head.root};
        QCOMPARE(*ledger::TreeHead::fromJson(largest.toJson()), largest);
    }

    void treeHeadJsonRejections_data()
    {
        const QString root = QStringLiteral("0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
        const QString size = QStringLiteral("size");
        const QString rootKey = QStringLiteral("root");
        QTest::addColumn<QJsonObject>("json");
        QTest::newRow("empty") << QJsonObject();
        QTest::newRow("no size") << QJsonObject{{rootKey, root}};
        QTest::newRow("no root") << QJsonObject{{size, 8}};
        QTest::newRow("extra member") << QJsonObject{{size, 8}, {rootKey, root}, {QStringLiteral("seq"), 1}};
        QTest::newRow("negative size") << QJsonObject{{size, -1}, {rootKey, root}};
        QTest::newRow("fractional size") << QJsonObject{{size, 1.5}, {rootKey, root}};
        QTest::newRow("size above 2^53-1") << QJsonObject{{size, 9007199254740992.0}, {rootKey, root}};
        QTest::newRow("size as string") << QJsonObject{{size, QStringLiteral("8")}, {rootKey, root}};
        QTest::newRow("root as number") << QJsonObject{{size, 8}, {rootKey, 5}};
        QTest::newRow("root uppercase") << QJsonObject{{size, 8}, {rootKey, root.toUpper().replace(1, 1, u'x')}};
        QTest::newRow("root without 0x") << QJsonObject{{size, 8}, {rootKey, root.mid(2)}};
        QTest::newRow("root 31 bytes") << QJsonObject{{size, 8}, {rootKey, root.left(64)}};
        QTest::newRow("root 33 bytes") << QJsonObject{{size, 8}, {rootKey, QString(root + QStringLiteral("00"))}};
        QTest::newRow("size 0 with another root") << QJsonObject{{size, 0}, {rootKey, root}};
    }

    void treeHeadJsonRejections()
    {
        QFETCH(QJsonObject, json);
        auto parsed = ledger::TreeHead::fromJson(json);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error(), LedgerError::MalformedTreeHead);
    }
};

QTEST_GUILESS_MAIN(TestMerkleLog)
#include "test_merkle_log.moc"
