#pragma once
// Feige-Fiat-Shamir identification at enrolment (DESIGN.md §4, docs/identity.md §2): before the
// registrar enrols an identity on chain, the person proves, over one TCP connection from their
// own machine, that they hold the FFS secrets the registrar issued for that identity.
// One JSON object per line, each at most maxLineBytes:
//   registrar -> person    {"session":"0x<32 random bytes>","verifier":"0x<registrar>","identity":"0x…","firstKey":"0x…","rounds":t}
//   person    -> registrar {"commitment":"0x…"}   (t rounds of these three)
//   registrar -> person    {"challenge":"0x…"}
//   person    -> registrar {"response":"0x…"}
//   registrar -> person    {"result":"accepted"} or {"result":"rejected","detail":"…"}
// The person proves only for the registrar, identity and first key they expect (their own view
// of the session, not the one the connection announces); both sides bind every commitment to
// them (FfsSession: id = the random bytes || the first key), so a transcript relayed into another
// enrolment does not verify, and fresh random challenges make a recorded one useless.

#include "base/expected.h"
#include "crypto/ffs.h"
#include "crypto/keys.h"

#include <QString>

class QTcpSocket;

namespace cmeet::identity {

inline constexpr qsizetype maxLineBytes = 8 * 1024; // a response for an 8192-bit modulus is ~2 KiB of hex

struct EnrolmentParties {
    crypto::Address registrar; // the verifier: the registrar's transaction key
    crypto::Address identity;  // who is being enrolled
    crypto::Address firstKey;  // the key the enrolment adds for them
};

// The public half of an identity's FFS secrets, as 'cmeet-cli registrar ffs-issue' writes it:
// {"identity": "0x…", "publicKey": {"modulus", "values"}}.
struct IssuedPublicKey {
    crypto::Address identity;
    crypto::FfsPublicKey key;
};
[[nodiscard]] QByteArray publicKeyFile(const IssuedPublicKey &issued);
[[nodiscard]] Expected<IssuedPublicKey, QString> readPublicKeyFile(const QString &path);

// The registrar's side, on a connected socket. Ok only when every round passed; the reason
// otherwise (also sent to the person).
[[nodiscard]] Expected<Ok, QString> verifyEnrolment(QTcpSocket &socket, const crypto::FfsPublicKey &publicKey, const EnrolmentParties &parties,
                                                    int rounds = crypto::ffs::defaultRounds, int timeoutMs = 30000);

// The person's side, on a connected socket: refuses a session for another registrar or identity.
[[nodiscard]] Expected<Ok, QString> proveEnrolment(QTcpSocket &socket, const crypto::FfsPublicKey &publicKey, crypto::FfsSecret secret,
                                                   const EnrolmentParties &expected, int timeoutMs = 30000);

} // namespace cmeet::identity
