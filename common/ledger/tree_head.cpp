#include "ledger/tree_head.h"

#include "base/hex.h"
#include "ledger/merkle_log.h"
#include "protocol/canonical_json.h"

namespace cmeet::ledger {
namespace {

const QString kSize = QStringLiteral("size");
const QString kRoot = QStringLiteral("root");

} // namespace

QJsonObject TreeHead::toJson() const
{
    return QJsonObject{{kSize, size}, {kRoot, hex::encode(root)}};
}

Expected<TreeHead, LedgerError> TreeHead::fromJson(const QJsonObject &object)
{
    const auto malformed = unexpected(LedgerError::MalformedTreeHead);
    if (object.size() != 2 || !object.contains(kSize) || !object.contains(kRoot))
        return malformed;

    // QJsonValue keeps numbers as doubles: accept only exact integers in the canonical range.
    const QJsonValue size = object.value(kSize);
    if (!size.isDouble() || static_cast<double>(size.toInteger()) != size.toDouble() || size.toInteger() < 0
        || size.toInteger() > protocol::json::maxSafeInteger)
        return malformed;

    const QJsonValue root = object.value(kRoot);
    if (!root.isString())
        return malformed;
    auto rootBytes = hex::decodeLowercase(root.toString(), hashSize);
    if (!rootBytes)
        return malformed;

    TreeHead head{size.toInteger(), *rootBytes};
    if (head.size == 0 && head.root != emptyRoot())
        return malformed;
    return head;
}

} // namespace cmeet::ledger
