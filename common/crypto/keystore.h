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

// Other secrets at rest (an identity's Feige-Fiat-Shamir secrets), the same way: kind and owner
// are stored in clear and authenticated, so a file can't be passed off as another's.
struct SealedSecret {
    QString kind;  // e.g. "ffs"
    QString owner; // e.g. the identity address, lowercase
    SecretBytes secret;
};
[[nodiscard]] Expected<QByteArray, CryptoError> sealSecret(const SealedSecret &sealed, const SecretBytes &passphrase, ScryptCost cost = {});
[[nodiscard]] Expected<SealedSecret, CryptoError> openSecret(QByteArrayView file, const SecretBytes &passphrase);

} // namespace cmeet::crypto::keystore
