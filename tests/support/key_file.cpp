#include "key_file.h"

#include "crypto/keystore.h"

#include <QFile>

namespace cmeet::test {

crypto::PrivateKey openKeyFile(const QString &path, const QByteArray &passphrase)
{
    QFile file(path);
    auto key = file.open(QIODevice::ReadOnly) ? crypto::keystore::open(file.readAll(), crypto::SecretBytes(passphrase))
                                              : unexpected(crypto::CryptoError::DecryptionFailed);
    if (!key)
        qFatal("cannot open the key file %s", qPrintable(path));
    return *key;
}

} // namespace cmeet::test
