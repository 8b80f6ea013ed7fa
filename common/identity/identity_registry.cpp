#include "identity/identity_registry.h"

#include "base/hex.h"
#include "chain/abi.h"
#include "crypto/keccak.h"

namespace cmeet::identity {
namespace {

using chain::ChainError;
using chain::ErrorCode;
using chain::LogEntry;
using chain::abi::Value;
namespace abi = chain::abi;

QByteArray encoded(QStringView signature, const crypto::Address &identity, const crypto::Address &key)
{
    // Fixed-size arguments only: encoding can't fail.
    return abi::encodeCall(signature, {Value::address(identity), Value::address(key)}).value_or(QByteArray());
}

// An indexed address topic: 12 zero bytes, then the address.
std::optional<crypto::Address> topicAddress(const QByteArray &topic)
{
    if (topic.size() != 32 || topic.left(12) != QByteArray(12, '\0'))
        return std::nullopt;
    return crypto::Address::fromBytes(topic.mid(12)).value_or(crypto::Address());
}

Expected<QByteArray, chain::ChainError> view(chain::EthClient &client, const crypto::Address &registry, QStringView signature,
                                      const QList<Value> &arguments, qsizetype resultSize)
{
    auto result = client.call(registry, abi::encodeCall(signature, arguments).value_or(QByteArray()));
    if (!result)
        return unexpected(result.error());
    if (result->size() != resultSize)
        return unexpected(ChainError{ErrorCode::RpcError, QStringLiteral("%1 returned %2 bytes").arg(signature.toString()).arg(result->size())});
    return *result;
}

quint64 wordToTime(QByteArrayView word)
{
    // uint64 in a 32-byte word: the last 8 bytes, big-endian.
    quint64 value = 0;
    for (const char byte : word.last(8))
        value = (value << 8) | static_cast<quint8>(byte);
    return value;
}

} // namespace

QByteArray enrolCall(const crypto::Address &identity, const crypto::Address &firstKey)
{
    return encoded(u"enrol(address,address)", identity, firstKey);
}

QByteArray addKeyCall(const crypto::Address &identity, const crypto::Address &key)
{
    return encoded(u"addKey(address,address)", identity, key);
}

QByteArray revokeKeyCall(const crypto::Address &identity, const crypto::Address &key)
{
    return encoded(u"revokeKey(address,address)", identity, key);
}

QString describeError(const chain::ChainError &error)
{
    static const QList<QPair<QString, QString>> reasons = {
        {QStringLiteral("NotRegistrar()"), QStringLiteral("only the registrar may enrol identities")},
        {QStringLiteral("NotAllowed()"), QStringLiteral("only the identity itself or the registrar may change its keys")},
        {QStringLiteral("AlreadyEnrolled()"), QStringLiteral("this identity is already enrolled")},
        {QStringLiteral("NotEnrolled()"), QStringLiteral("this identity is not enrolled")},
        {QStringLiteral("KeyExists()"), QStringLiteral("this key was already added to the identity (a revoked key stays revoked)")},
        {QStringLiteral("KeyNotActive()"), QStringLiteral("this key is not an active key of the identity")},
    };
    if (error.code == ErrorCode::RpcError) {
        for (const auto &[name, reason] : reasons) {
            if (error.detail.contains(hex::encode(abi::selector(name)).mid(2)))
                return QStringLiteral("refused by the identity registry: ") + reason;
        }
    }
    return error.detail;
}

Expected<bool, chain::ChainError> isEnrolled(chain::EthClient &client, const crypto::Address &registry, const crypto::Address &identity)
{
    auto word = view(client, registry, u"enrolled(address)", {Value::address(identity)}, 32);
    if (!word)
        return unexpected(word.error());
    return word->back() == '\x01';
}

Expected<KeyPeriod, chain::ChainError> keyPeriod(chain::EthClient &client, const crypto::Address &registry, const crypto::Address &identity,
                                          const crypto::Address &key)
{
    auto words = view(client, registry, u"keyPeriod(address,address)", {Value::address(identity), Value::address(key)}, 64);
    if (!words)
        return unexpected(words.error());
    return KeyPeriod{wordToTime(QByteArrayView(*words).first(32)), wordToTime(QByteArrayView(*words).last(32))};
}

Expected<QList<KeyChange>, chain::ChainError> keyChanges(chain::EthClient &client, const crypto::Address &registry, quint64 fromBlock, quint64 toBlock)
{
    static const QByteArray added = crypto::keccak256("KeyAdded(address,address,uint64)");
    static const QByteArray revoked = crypto::keccak256("KeyRevoked(address,address,uint64)");
    auto logs = client.logs(registry, std::nullopt, fromBlock, toBlock);
    if (!logs)
        return unexpected(logs.error());
    QList<KeyChange> changes;
    for (const LogEntry &log : *logs) {
        if (log.topics.isEmpty() || (log.topics.first() != added && log.topics.first() != revoked))
            continue;
        const auto identity = log.topics.size() == 3 ? topicAddress(log.topics.at(1)) : std::nullopt;
        const auto key = log.topics.size() == 3 ? topicAddress(log.topics.at(2)) : std::nullopt;
        if (!identity || !key || log.data.size() != 32)
            return unexpected(ChainError{ErrorCode::InvalidValue, QStringLiteral("malformed key log in block %1").arg(log.blockNumber)});
        changes.append({*identity, *key, log.topics.first() == added, wordToTime(log.data), log.blockNumber});
    }
    return changes;
}

} // namespace cmeet::identity
