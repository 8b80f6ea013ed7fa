#pragma once
// A signed-over summary of the log (DESIGN.md §3): its size and RFC 6962 root. Carried in every
// relay acknowledgement as {"size": n, "root": "0x" + 64 lowercase hex digits}.

#include "base/expected.h"
#include "ledger/error.h"

#include <QByteArray>
#include <QJsonObject>

namespace cmeet::ledger {

struct TreeHead {
    qint64 size = 0;
    QByteArray root; // 32 bytes

    [[nodiscard]] QJsonObject toJson() const;
    // Strict: exactly the two members, size an integer in [0, 2^53-1], root lowercase hex of 32
    // bytes, and the empty tree's root when size is 0.
    [[nodiscard]] static Expected<TreeHead, LedgerError> fromJson(const QJsonObject &object);

    friend bool operator==(const TreeHead &, const TreeHead &) = default;
};

} // namespace cmeet::ledger
