#pragma once
// Session-key delegation (DESIGN.md §3): the identity key signs
// {identity, session key address, meeting, relay, expiry, nonce}, binding the session key to one
// meeting on one relay for a limited time, so it can't be replayed elsewhere.
// Signed like events: sig = EIP-191 signature of keccak256(canonical bytes without "sig"); the
// member "purpose": "cmeet-delegation" keeps its bytes distinct from any event.

#include "base/expected.h"
#include "crypto/keys.h"
#include "protocol/error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace cmeet::protocol {

// Who may sign a delegation: the identity's own key (its address is the identity), or any key,
// in which case the caller must check that the key speaks for the identity (identity registry).
enum class SignerRule { IdentityKey, AnyKey };

class Delegation {
public:
    struct Fields {
        crypto::Address identity;
        crypto::Address session;
        QString meeting;   // lowercase RFC 4122 UUID
        crypto::Address relay;
        qint64 expires = 0; // Unix milliseconds
        QByteArray nonce;   // 16 random bytes
    };

    // Signs with signingKey; with SignerRule::IdentityKey, fails unless it is the identity's own key.
    [[nodiscard]] static Expected<Delegation, ProtocolError> create(const Fields &fields, const crypto::PrivateKey &signingKey,
                                                                    SignerRule rule = SignerRule::IdentityKey);
    // Convenience: a fresh random nonce, signed by the identity's own key...
    [[nodiscard]] static Expected<Delegation, ProtocolError> create(const crypto::PrivateKey &identityKey,
                                                                    const crypto::Address &session, const QString &meeting,
                                                                    const crypto::Address &relay, qint64 expires);
    // ...or by another key of the identity (SignerRule::AnyKey: the relay checks the key).
    [[nodiscard]] static Expected<Delegation, ProtocolError> create(const crypto::Address &identity, const crypto::PrivateKey &signingKey,
                                                                    const crypto::Address &session, const QString &meeting,
                                                                    const crypto::Address &relay, qint64 expires);
    // Parses and recovers the signer. With SignerRule::IdentityKey it checks that the signer is
    // the identity, so the Delegation is authentic; with AnyKey that is left to the caller.
    // Binding and expiry are checked by checkFor.
    [[nodiscard]] static Expected<Delegation, ProtocolError> fromJson(const QJsonObject &object,
                                                                      SignerRule rule = SignerRule::IdentityKey);

    // Is it valid for this meeting on this relay at this time?
    [[nodiscard]] Expected<Ok, ProtocolError> checkFor(QStringView meeting, const crypto::Address &relay,
                                                       qint64 nowMs) const;

    [[nodiscard]] const Fields &fields() const { return m_fields; }
    [[nodiscard]] const QByteArray &id() const { return m_id; }
    [[nodiscard]] const crypto::Signature &signature() const { return *m_signature; }
    [[nodiscard]] const crypto::Address &signer() const { return m_signer; }
    [[nodiscard]] QJsonObject toJson() const;

private:
    Delegation() = default;
    Fields m_fields;
    QJsonObject m_body;
    QByteArray m_id;
    crypto::Address m_signer;
    std::optional<crypto::Signature> m_signature; // always set once constructed
};

} // namespace cmeet::protocol
