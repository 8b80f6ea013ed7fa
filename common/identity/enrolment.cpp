#include "identity/enrolment.h"

#include "base/hex.h"
#include "crypto/secret.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace cmeet::identity {
namespace {

constexpr qsizetype sessionIdSize = 32;

Expected<Ok, QString> send(QTcpSocket &socket, const QJsonObject &message, const QDeadlineTimer &deadline)
{
    socket.write(QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n');
    while (socket.bytesToWrite() > 0) {
        if (deadline.hasExpired() || !socket.waitForBytesWritten(static_cast<int>(qMax<qint64>(1, deadline.remainingTime()))))
            return unexpected(QStringLiteral("the other side stopped reading: ") + socket.errorString());
    }
    return Ok{};
}

Expected<QJsonObject, QString> receive(QTcpSocket &socket, const QDeadlineTimer &deadline)
{
    while (!socket.canReadLine()) {
        if (socket.bytesAvailable() > maxLineBytes)
            return unexpected(QStringLiteral("a message over %1 bytes").arg(maxLineBytes));
        if (deadline.hasExpired() || !socket.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime()))))
            return unexpected(deadline.hasExpired() ? QStringLiteral("no answer in time") : QStringLiteral("the connection closed: ") + socket.errorString());
    }
    const QByteArray line = socket.readLine(maxLineBytes + 1);
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return unexpected(QStringLiteral("a message that is not a JSON object"));
    return document.object();
}

// A member holding lowercase hex (of exactly size bytes unless size is -1).
std::optional<QByteArray> hexMember(const QJsonObject &message, const QString &name, qsizetype size = -1)
{
    return hex::decodeLowercase(message.value(name).toString(), size);
}

} // namespace

QByteArray publicKeyFile(const IssuedPublicKey &issued)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("identity"), issued.identity.toLowerHex()}, {QStringLiteral("publicKey"), issued.key.toJson()}}).toJson();
}

Expected<IssuedPublicKey, QString> readPublicKeyFile(const QString &path)
{
    // The largest key allowed: 64 values of 8192 bits, in hex.
    constexpr qint64 maxFileBytes = 2 * 65 * 1024 + 4096;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QJsonObject object = QJsonDocument::fromJson(file.read(maxFileBytes)).object();
    const auto identity = crypto::Address::fromHex(object.value(QStringLiteral("identity")).toString());
    auto publicKey = crypto::FfsPublicKey::fromJson(object.value(QStringLiteral("publicKey")).toObject());
    if (!identity)
        return unexpected(QStringLiteral("%1 names no identity").arg(path));
    if (!publicKey)
        return unexpected(QStringLiteral("%1: %2").arg(path, publicKey.error().detail));
    return IssuedPublicKey{*identity, *publicKey};
}

Expected<Ok, QString> verifyEnrolment(QTcpSocket &socket, const crypto::FfsPublicKey &publicKey, const EnrolmentParties &parties, int rounds,
                                      int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    auto sessionId = crypto::randomBytes(sessionIdSize);
    if (!sessionId)
        return unexpected(QStringLiteral("no random session id"));
    auto verifier = crypto::FfsVerifier::create(publicKey, {QByteArray(*sessionId + parties.firstKey.bytes()), parties.registrar, parties.identity}, rounds);
    if (!verifier)
        return unexpected(verifier.error().detail);
    const auto refuse = [&](const QString &reason) -> Unexpected<QString> {
        (void)send(socket, {{QStringLiteral("result"), QStringLiteral("rejected")}, {QStringLiteral("detail"), reason}}, deadline);
        return unexpected(reason);
    };
    if (auto sent = send(socket, {{QStringLiteral("session"), hex::encode(*sessionId)}, {QStringLiteral("verifier"), parties.registrar.toLowerHex()},
                                  {QStringLiteral("identity"), parties.identity.toLowerHex()}, {QStringLiteral("firstKey"), parties.firstKey.toLowerHex()},
                                  {QStringLiteral("rounds"), rounds}},
                         deadline);
        !sent)
        return sent;
    for (int round = 0; round < rounds; ++round) {
        auto commitment = receive(socket, deadline);
        if (!commitment)
            return unexpected(commitment.error());
        const auto commitmentBytes = hexMember(*commitment, QStringLiteral("commitment"), crypto::ffs::commitmentSize);
        if (!commitmentBytes)
            return refuse(QStringLiteral("round %1: expected a commitment").arg(round + 1));
        auto challenge = verifier->challenge(*commitmentBytes);
        if (!challenge)
            return refuse(challenge.error().detail);
        if (auto sent = send(socket, {{QStringLiteral("challenge"), hex::encode(*challenge)}}, deadline); !sent)
            return sent;
        auto response = receive(socket, deadline);
        if (!response)
            return unexpected(response.error());
        const auto responseBytes = hexMember(*response, QStringLiteral("response"));
        if (!responseBytes)
            return refuse(QStringLiteral("round %1: expected a response").arg(round + 1));
        if (auto checked = verifier->check(*responseBytes); !checked)
            return refuse(QStringLiteral("round %1: %2").arg(round + 1).arg(checked.error().detail));
    }
    if (!verifier->accepted())
        return refuse(QStringLiteral("the identification did not complete"));
    return send(socket, {{QStringLiteral("result"), QStringLiteral("accepted")}}, deadline);
}

Expected<Ok, QString> proveEnrolment(QTcpSocket &socket, const crypto::FfsPublicKey &publicKey, crypto::FfsSecret secret,
                                     const EnrolmentParties &expected, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    auto session = receive(socket, deadline);
    if (!session)
        return unexpected(session.error());
    const auto sessionId = hexMember(*session, QStringLiteral("session"), sessionIdSize);
    const auto verifier = crypto::Address::fromHex(session->value(QStringLiteral("verifier")).toString());
    const auto identity = crypto::Address::fromHex(session->value(QStringLiteral("identity")).toString());
    const auto firstKey = crypto::Address::fromHex(session->value(QStringLiteral("firstKey")).toString());
    const int rounds = session->value(QStringLiteral("rounds")).toInt();
    if (!sessionId || !verifier || !identity || !firstKey || rounds < 1 || rounds > crypto::ffs::maxRounds)
        return unexpected(QStringLiteral("the registrar's session message is malformed"));
    // Our own view of the session: a registrar or identity we did not expect is refused here,
    // before anything is proven to it.
    if (*verifier != expected.registrar)
        return unexpected(QStringLiteral("this session is run by %1, not the registrar %2").arg(verifier->toChecksumHex(), expected.registrar.toChecksumHex()));
    if (*identity != expected.identity)
        return unexpected(QStringLiteral("this session enrols %1, not %2").arg(identity->toChecksumHex(), expected.identity.toChecksumHex()));
    if (*firstKey != expected.firstKey)
        return unexpected(QStringLiteral("this session would enrol the key %1, not %2").arg(firstKey->toChecksumHex(), expected.firstKey.toChecksumHex()));
    auto prover = crypto::FfsProver::create(publicKey, std::move(secret), {QByteArray(*sessionId + expected.firstKey.bytes()), expected.registrar, expected.identity});
    if (!prover)
        return unexpected(prover.error().detail);
    for (int round = 0; round < rounds; ++round) {
        auto commitment = prover->commit();
        if (!commitment)
            return unexpected(commitment.error().detail);
        if (auto sent = send(socket, {{QStringLiteral("commitment"), hex::encode(*commitment)}}, deadline); !sent)
            return sent;
        auto challenge = receive(socket, deadline);
        if (!challenge)
            return unexpected(challenge.error());
        if (challenge->contains(QStringLiteral("result")))
            return unexpected(QStringLiteral("the registrar refused: ") + challenge->value(QStringLiteral("detail")).toString());
        const auto challengeBytes = hexMember(*challenge, QStringLiteral("challenge"));
        if (!challengeBytes)
            return unexpected(QStringLiteral("round %1: expected a challenge").arg(round + 1));
        auto response = prover->respond(*challengeBytes);
        if (!response)
            return unexpected(response.error().detail);
        if (auto sent = send(socket, {{QStringLiteral("response"), hex::encode(*response)}}, deadline); !sent)
            return sent;
    }
    auto result = receive(socket, deadline);
    if (!result)
        return unexpected(result.error());
    if (result->value(QStringLiteral("result")).toString() != QStringLiteral("accepted"))
        return unexpected(QStringLiteral("the registrar refused: ") + result->value(QStringLiteral("detail")).toString());
    return Ok{};
}

} // namespace cmeet::identity
