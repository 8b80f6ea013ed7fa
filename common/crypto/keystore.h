#pragma once
// Private keys at rest: a small JSON key file, the key encrypted with a passphrase
// (scrypt -> AES-256-GCM). The address is stored in clear so a file can be identified
// without the passphrase; it is authenticated as associated data.

#include "base/expected.h"
#include "crypto/error.h"
#include "crypto/keys.h"

#include <QByteArray>
#include <QString>

namespace cmeet::crypto::keystore {

struct ScryptCost {
    quint64 n = 1 << 15; // 32 MiB with r = 8: about 0.1 s on the reference machine
    quint32 r = 8;
    quint32 p = 1;
};

// Rejects an empty passphrase.
[[nodiscard]] Expected<QByteArray, CryptoError> seal(const PrivateKey &key, const SecretBytes &passphrase,
                                                     ScryptCost cost = {});
// DecryptionFailed for a wrong passphrase or a tampered file; InvalidLength for a malformed one.
[[nodiscard]] Expected<PrivateKey, CryptoError> open(QByteArrayView keyFile, const SecretBytes &passphrase);
// The address written in the file, without decrypting.
[[nodiscard]] Expected<Address, CryptoError> addressOf(QByteArrayView keyFile);

} // namespace cmeet::crypto::keystore
