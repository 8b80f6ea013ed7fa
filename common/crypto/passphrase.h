#pragma once
// Passphrases for key files: from an environment variable (for scripts and services), else asked
// on the terminal without echo. Held in SecretBytes and wiped after use.

#include "crypto/secret.h"

#include <QString>

namespace cmeet::crypto {

// Empty when the variable is unset and there is no terminal, or when a confirmation differs.
[[nodiscard]] SecretBytes readPassphrase(const QString &environmentVariable, const QString &prompt, bool confirm);

// The first line of a file that holds only a passphrase (a service's credential). Empty when the
// file cannot be read or is empty; at most 1 KiB is read.
[[nodiscard]] SecretBytes readPassphraseFile(const QString &path);

} // namespace cmeet::crypto
