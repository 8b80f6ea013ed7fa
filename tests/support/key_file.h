#pragma once
// A passphrase-encrypted key file (crypto::keystore) as tests open them: one that cannot be
// opened ends the test run, since everything after it would fail for that reason alone.

#include "crypto/keys.h"

#include <QByteArray>
#include <QString>

namespace cmeet::test {

[[nodiscard]] crypto::PrivateKey openKeyFile(const QString &path, const QByteArray &passphrase);

} // namespace cmeet::test
