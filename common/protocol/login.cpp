#include "protocol/login.h"

#include "base/hex.h"
#include "protocol/canonical_json.h"
#include "protocol/signing.h"

#include <QJsonObject>

namespace cmeet::protocol {

QByteArray loginId(const crypto::Address &identity, const crypto::Address &relay, QByteArrayView nonce)
{
    const QJsonObject body{{QStringLiteral("identity"), identity.toLowerHex()},
                           {QStringLiteral("nonce"), hex::encode(nonce)},
                           {QStringLiteral("purpose"), QStringLiteral("cmeet-login")},
                           {QStringLiteral("relay"), relay.toLowerHex()}};
    return objectId(*json::serialize(body)); // only strings: always serialisable
}

Expected<crypto::Signature, ProtocolError> signLogin(const crypto::PrivateKey &identityKey, const crypto::Address &relay,
                                                     QByteArrayView nonce)
{
    return signLogin(identityKey.address(), identityKey, relay, nonce);
}

Expected<crypto::Signature, ProtocolError> signLogin(const crypto::Address &identity, const crypto::PrivateKey &key,
                                                     const crypto::Address &relay, QByteArrayView nonce)
{
    if (nonce.size() != loginNonceSize)
        return unexpected(ProtocolError{ErrorCode::BadRequest, QStringLiteral("a login nonce is 32 bytes")});
    return signId(loginId(identity, relay, nonce), key);
}

Expected<crypto::Address, ProtocolError> loginSigner(const crypto::Address &identity, const crypto::Address &relay, QByteArrayView nonce,
                                                     const crypto::Signature &signature)
{
    if (nonce.size() != loginNonceSize)
        return unexpected(ProtocolError{ErrorCode::BadRequest, QStringLiteral("a login nonce is 32 bytes")});
    return recoverSignerOfId(loginId(identity, relay, nonce), signature);
}

Expected<Ok, ProtocolError> verifyLogin(const crypto::Address &identity, const crypto::Address &relay, QByteArrayView nonce,
                                        const crypto::Signature &signature)
{
    auto signer = loginSigner(identity, relay, nonce, signature);
    if (!signer)
        return unexpected(signer.error());
    if (*signer != identity)
        return unexpected(ProtocolError{ErrorCode::WrongSigner, QStringLiteral("the login is not signed by %1").arg(identity.toChecksumHex())});
    return Ok{};
}

} // namespace cmeet::protocol
