#pragma once

#include <QString>

namespace cmeet::ledger {

enum class LedgerError {
    IndexOutOfRange,   // leaf index negative or not below the tree size
    SizeOutOfRange,    // tree size negative or larger than the log
    InvalidRange,      // consistency asked from a larger size to a smaller one
    MalformedTreeHead, // tree head JSON without exactly {size, root} of the right form
};

[[nodiscard]] QString describe(LedgerError error);

} // namespace cmeet::ledger
