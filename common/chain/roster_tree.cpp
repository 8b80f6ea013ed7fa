#include "chain/roster_tree.h"

#include "crypto/keccak.h"

#include <algorithm>

namespace cmeet::chain {
namespace {

QByteArray hashPair(const QByteArray &a, const QByteArray &b)
{
    return crypto::keccak256(a < b ? QByteArray(a + b) : QByteArray(b + a));
}

QList<QByteArray> sortedLeaves(const QList<crypto::Address> &roster)
{
    QList<QByteArray> leaves;
    for (const crypto::Address &member : roster)
        leaves.append(crypto::keccak256(member.bytes()));
    std::sort(leaves.begin(), leaves.end());
    leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
    return leaves;
}

// One level up; an odd last node moves up unchanged.
QList<QByteArray> parents(const QList<QByteArray> &level)
{
    QList<QByteArray> up;
    for (qsizetype i = 0; i < level.size(); i += 2)
        up.append(i + 1 < level.size() ? hashPair(level.at(i), level.at(i + 1)) : level.at(i));
    return up;
}

} // namespace

QByteArray rosterRoot(const QList<crypto::Address> &roster)
{
    QList<QByteArray> level = sortedLeaves(roster);
    if (level.isEmpty())
        return QByteArray(32, '\0');
    while (level.size() > 1)
        level = parents(level);
    return level.constFirst();
}

std::optional<QList<QByteArray>> rosterProof(const QList<crypto::Address> &roster, const crypto::Address &member)
{
    QList<QByteArray> level = sortedLeaves(roster);
    qsizetype index = level.indexOf(crypto::keccak256(member.bytes()));
    if (index < 0)
        return std::nullopt;
    QList<QByteArray> proof;
    while (level.size() > 1) {
        const qsizetype sibling = index ^ 1;
        if (sibling < level.size())
            proof.append(level.at(sibling));
        level = parents(level);
        index /= 2;
    }
    return proof;
}

bool verifyRosterProof(const QByteArray &root, const crypto::Address &member, const QList<QByteArray> &proof)
{
    QByteArray node = crypto::keccak256(member.bytes());
    for (const QByteArray &sibling : proof)
        node = hashPair(node, sibling);
    return node == root;
}

} // namespace cmeet::chain
