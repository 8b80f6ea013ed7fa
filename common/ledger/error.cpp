#include "ledger/error.h"

namespace cmeet::ledger {

QString describe(LedgerError error)
{
    switch (error) {
    case LedgerError::IndexOutOfRange: return QStringLiteral("leaf index is outside the tree");
    case LedgerError::SizeOutOfRange: return QStringLiteral("tree size is negative or larger than the log");
    case LedgerError::InvalidRange: return QStringLiteral("the old tree size is larger than the new one");
    case LedgerError::MalformedTreeHead:
        return QStringLiteral("tree head must be {\"size\": n, \"root\": \"0x\" + 64 lowercase hex digits}");
    }
    return QStringLiteral("unknown ledger error");
}

} // namespace cmeet::ledger
