#include "identity/identity_registry.h"

#include "base/hex.h"
#include "chain/abi.h"

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

// Static types (one word each) decoded by the ABI decoder, which checks their padding and range;
// the data must be exactly their words.
Expected<QList<Value>, ChainError> decodeWords(QStringView types, QByteArrayView data, const QString &what)
{
    const auto parsed = abi::parseTypes(types);
    if (!parsed || data.size() != 32 * parsed->size())
        return unexpected(ChainError{ErrorCode::RpcError, QStringLiteral("%1: %2 bytes where %3 words were due").arg(what).arg(data.size()).arg(parsed ? parsed->size() : 0)});
    return abi::decode(*parsed, data);
}

Expected<QList<Value>, ChainError> view(chain::EthClient &client, const crypto::Address &registry, QStringView signature,
                                        const QList<Value> &arguments, QStringView resultTypes)
{
    auto result = client.call(registry, abi::encodeCall(signature, arguments).value_or(QByteArray()));
    if (!result)
        return unexpected(result.error());
    return decodeWords(resultTypes, *result, signature.toString());
}

quint64 toU64(const Value &value) { return value.integerValue().toU64().value_or(0); } // uint64 by type: always fits

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
    auto values = view(client, registry, u"enrolled(address)", {Value::address(identity)}, u"bool");
    if (!values)
        return unexpected(values.error());
    return values->constFirst().boolValue();
}

Expected<KeyPeriod, chain::ChainError> keyPeriod(chain::EthClient &client, const crypto::Address &registry, const crypto::Address &identity,
                                          const crypto::Address &key)
{
    auto values = view(client, registry, u"keyPeriod(address,address)", {Value::address(identity), Value::address(key)}, u"uint64,uint64");
    if (!values)
        return unexpected(values.error());
    return KeyPeriod{toU64(values->at(0)), toU64(values->at(1))};
}

Expected<QList<KeyChange>, chain::ChainError> keyChanges(chain::EthClient &client, const crypto::Address &registry, quint64 fromBlock, quint64 toBlock)
{
    static const QByteArray added = abi::eventTopic(u"KeyAdded(address,address,uint64)");
    static const QByteArray revoked = abi::eventTopic(u"KeyRevoked(address,address,uint64)");
    auto logs = client.logs(registry, std::nullopt, fromBlock, toBlock);
    if (!logs)
        return unexpected(logs.error());
    QList<KeyChange> changes;
    for (const LogEntry &log : *logs) {
        if (log.topics.isEmpty() || (log.topics.first() != added && log.topics.first() != revoked))
            continue;
        // Indexed identity and key in the topics, the time in the data.
        const QString what = QStringLiteral("key log in block %1").arg(log.blockNumber);
        auto indexed = log.topics.size() == 3 ? decodeWords(u"address,address", QByteArray(log.topics.at(1) + log.topics.at(2)), what)
                                              : unexpected(ChainError{ErrorCode::InvalidValue, what + QStringLiteral(": not 3 topics")});
        auto time = decodeWords(u"uint64", log.data, what);
        if (!indexed || !time)
            return unexpected(ChainError{ErrorCode::InvalidValue, QStringLiteral("malformed ") + (indexed ? time.error().detail : indexed.error().detail)});
        changes.append({indexed->at(0).addressValue(), indexed->at(1).addressValue(), log.topics.first() == added, toU64(time->constFirst()), log.blockNumber});
    }
    return changes;
}

} // namespace cmeet::identity
