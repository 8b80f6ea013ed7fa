#pragma once
// Passphrases for key files: from an environment variable (for scripts and services), else asked
// on the terminal without echo. Held in SecretBytes and wiped after use.

#include "crypto/secret.h"

#include <QString>

namespace cmeet::crypto {

// Empty when the variable is unset and there is no terminal, or when a confirmation differs.
[[nodiscard]] SecretBytes readPassphrase(const QString &environmentVariable, const QString &prompt, bool confirm);

} // namespace cmeet::crypto
