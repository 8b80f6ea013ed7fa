#pragma once
// Private keys at rest: a small JSON key file, the key encrypted with a passphrase
// (scrypt -> AES-256-GCM). The address is stored in clear so a file can be identified
// without the passphrase; it is authenticated as associated data.

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QString>

namespace cmeet::crypto::keystore {

using crypto::ScryptCost;

// Key files are small; readers stop here rather than swallow a huge or endless file.
inline constexpr qsizetype maxFileBytes = 64 * 1024;

// Rejects an empty passphrase.
[[nodiscard]] Expected<QByteArray, CryptoError> seal(const PrivateKey &key, const SecretBytes &passphrase,
                                                     ScryptCost cost = {});
// DecryptionFailed for a wrong passphrase or a tampered file; InvalidLength for a malformed one.
[[nodiscard]] Expected<PrivateKey, CryptoError> open(QByteArrayView keyFile, const SecretBytes &passphrase);
// The address written in the file, without decrypting.
[[nodiscard]] Expected<Address, CryptoError> addressOf(QByteArrayView keyFile);

} // namespace cmeet::crypto::keystore
