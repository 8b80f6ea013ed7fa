#include "chain/eip712.h"

#include "chain/abi.h"
#include "crypto/keccak.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>

#include <algorithm>
#include <optional>

namespace cmeet::chain::eip712 {
namespace {

ChainError typedDataError(const QString &what)
{
    return ChainError{ErrorCode::InvalidTypedData, QStringLiteral("EIP-712: ") + what};
}

QString quote(QStringView text)
{
    return QStringLiteral("\"") + text.left(64).toString() + QStringLiteral("\"");
}

bool isIdentifier(QStringView text)
{
    if (text.isEmpty())
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_' || c == u'$';
        if (!letter && !(i > 0 && c >= u'0' && c <= u'9'))
            return false;
    }
    return true;
}

struct Field {
    QString name;
    QString type;
};

struct ArrayType {
    QString element;
    int length = -1; // -1 for T[]
};

// "T[]" or "T[k]" (k >= 1, no leading zero) split at the last bracket; nullopt when not an array.
std::optional<ArrayType> splitArray(QStringView type)
{
    if (!type.endsWith(u']'))
        return std::nullopt;
    const qsizetype open = type.lastIndexOf(u'[');
    if (open <= 0)
        return std::nullopt;
    const QStringView digits = type.sliced(open + 1, type.size() - open - 2);
    ArrayType out{type.first(open).toString(), -1};
    if (digits.isEmpty())
        return out;
    if (digits.size() > 7 || digits[0] == u'0')
        return std::nullopt;
    int length = 0;
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        length = length * 10 + (c.unicode() - u'0');
    }
    out.length = length;
    return out;
}

// An atomic or dynamic (string, bytes) type, spelled canonically: EIP-712 hashes the spelling.
std::optional<abi::Type> atomicType(QStringView name)
{
    auto type = abi::Type::parse(name);
    if (!type || type->kind() == abi::Type::Kind::Array || type->kind() == abi::Type::Kind::FixedArray
        || type->kind() == abi::Type::Kind::Tuple || type->canonicalName() != name)
        return std::nullopt;
    return *type;
}

class Encoder {
public:
    explicit Encoder(QJsonObject types) : m_types(std::move(types)) {}

    Expected<QString, ChainError> encodeType(const QString &typeName) const
    {
        QStringList found;
        if (auto collected = collect(typeName, found, 0); !collected)
            return unexpected(collected.error());
        // The primary type first, then its dependencies sorted by name.
        std::sort(found.begin() + 1, found.end());
        QString out;
        for (const QString &name : std::as_const(found)) {
            const QList<Field> structFields = fields(name).value_or({});
            QStringList members;
            for (const Field &field : structFields)
                members.append(field.type + u' ' + field.name);
            out += name + u'(' + members.join(u',') + u')';
        }
        return out;
    }

    Expected<QByteArray, ChainError> typeHash(const QString &typeName) const
    {
        if (const auto cached = m_typeHashes.constFind(typeName); cached != m_typeHashes.cend())
            return *cached;
        auto encoded = encodeType(typeName);
        if (!encoded)
            return unexpected(encoded.error());
        const QByteArray hash = crypto::keccak256(encoded->toUtf8());
        m_typeHashes.insert(typeName, hash);
        return hash;
    }

    Expected<QByteArray, ChainError> hashStruct(const QString &typeName, const QJsonObject &data, int depth) const
    {
        if (depth > maxDepth)
            return unexpected(ChainError{ErrorCode::TooDeep, QStringLiteral("EIP-712: message nested too deeply")});
        auto hash = typeHash(typeName); // also checks every type reachable from typeName
        if (!hash)
            return hash;
        auto structFields = fields(typeName);
        if (!structFields)
            return unexpected(structFields.error());
        QByteArray buffer = *hash;
        for (const Field &field : std::as_const(*structFields)) {
            if (!data.contains(field.name))
                return unexpected(typedDataError(typeName + QStringLiteral(" lacks field ") + quote(field.name)));
            auto encoded = encodeField(field.type, data.value(field.name), depth);
            if (!encoded) {
                ChainError error = encoded.error();
                error.detail = typeName + u'.' + field.name + QStringLiteral(": ") + error.detail;
                return unexpected(std::move(error));
            }
            buffer.append(*encoded);
        }
        for (auto it = data.begin(); it != data.end(); ++it) {
            const auto known = std::any_of(structFields->cbegin(), structFields->cend(),
                                           [&](const Field &field) { return field.name == it.key(); });
            if (!known)
                return unexpected(typedDataError(typeName + QStringLiteral(" has no field ") + quote(it.key())));
        }
        return crypto::keccak256(buffer);
    }

private:
    Expected<QList<Field>, ChainError> fields(const QString &typeName) const
    {
        const QJsonValue definition = m_types.value(typeName);
        if (!definition.isArray())
            return unexpected(typedDataError(QStringLiteral("unknown struct type ") + quote(typeName)));
        if (!isIdentifier(typeName) || atomicType(typeName))
            return unexpected(typedDataError(QStringLiteral("invalid struct name ") + quote(typeName)));
        QList<Field> out;
        for (const QJsonValue &entry : definition.toArray()) {
            const QJsonValue name = entry[QStringLiteral("name")];
            const QJsonValue type = entry[QStringLiteral("type")];
            if (!entry.isObject() || entry.toObject().size() != 2 || !name.isString() || !type.isString()
                || !isIdentifier(name.toString()))
                return unexpected(typedDataError(QStringLiteral("malformed field in ") + quote(typeName)));
            const bool duplicate = std::any_of(out.cbegin(), out.cend(),
                                               [&](const Field &field) { return field.name == name.toString(); });
            if (duplicate)
                return unexpected(typedDataError(QStringLiteral("duplicate field ") + quote(name.toString())));
            out.append(Field{name.toString(), type.toString()});
        }
        return out;
    }

    // Adds typeName and every struct it reaches to found (typeName first); checks atomic types.
    Expected<Ok, ChainError> collect(const QString &typeName, QStringList &found, int depth) const
    {
        if (found.contains(typeName))
            return Ok{};
        if (depth > maxDepth)
            return unexpected(ChainError{ErrorCode::TooDeep, QStringLiteral("EIP-712: types nested too deeply")});
        auto structFields = fields(typeName);
        if (!structFields)
            return unexpected(structFields.error());
        found.append(typeName);
        for (const Field &field : std::as_const(*structFields)) {
            QString base = field.type;
            while (const auto array = splitArray(base))
                base = array->element;
            if (base.contains(u'[') || base.contains(u']'))
                return unexpected(typedDataError(QStringLiteral("malformed array type ") + quote(field.type)));
            if (m_types.contains(base)) {
                if (auto collected = collect(base, found, depth + 1); !collected)
                    return collected;
            } else if (!atomicType(base)) {
                return unexpected(typedDataError(QStringLiteral("unknown type ") + quote(field.type)));
            }
        }
        return Ok{};
    }

    Expected<QByteArray, ChainError> encodeField(const QString &type, const QJsonValue &value, int depth) const
    {
        if (const auto array = splitArray(type)) {
            if (!value.isArray())
                return unexpected(typedDataError(QStringLiteral("expected an array for ") + quote(type)));
            const QJsonArray items = value.toArray();
            if (array->length >= 0 && items.size() != array->length)
                return unexpected(typedDataError(QStringLiteral("array of the wrong length for ") + quote(type)));
            if (depth + 1 > maxDepth)
                return unexpected(ChainError{ErrorCode::TooDeep, QStringLiteral("EIP-712: message nested too deeply")});
            QByteArray concatenated;
            for (const QJsonValue &item : items) {
                auto encoded = encodeField(array->element, item, depth + 1);
                if (!encoded)
                    return encoded;
                concatenated.append(*encoded);
            }
            return crypto::keccak256(concatenated);
        }
        if (m_types.contains(type)) {
            if (!value.isObject())
                return unexpected(typedDataError(QStringLiteral("expected an object for ") + quote(type)));
            return hashStruct(type, value.toObject(), depth + 1);
        }
        const auto atomic = atomicType(type);
        if (!atomic)
            return unexpected(typedDataError(QStringLiteral("unknown type ") + quote(type)));
        auto converted = abi::fromJson(*atomic, value);
        if (!converted)
            return unexpected(converted.error());
        // Dynamic values are hashed; atomic ones are their 32-byte ABI word.
        if (atomic->isDynamic())
            return crypto::keccak256(converted->bytesValue());
        return abi::encode({*atomic}, {*converted});
    }

    QJsonObject m_types;
    mutable QHash<QString, QByteArray> m_typeHashes;
};

QJsonObject field(const QString &name, const QString &type)
{
    return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("type"), type}};
}

} // namespace

Expected<QString, ChainError> encodeType(const QJsonObject &types, const QString &typeName)
{
    return Encoder(types).encodeType(typeName);
}

Expected<QByteArray, ChainError> typeHash(const QJsonObject &types, const QString &typeName)
{
    return Encoder(types).typeHash(typeName);
}

Expected<QByteArray, ChainError> hashStruct(const QJsonObject &types, const QString &typeName, const QJsonObject &data)
{
    return Encoder(types).hashStruct(typeName, data, 0);
}

Expected<QByteArray, ChainError> domainSeparator(const QJsonObject &domain, const QJsonObject &types)
{
    const QString domainType = QStringLiteral("EIP712Domain");
    QJsonObject allTypes = types;
    if (!allTypes.contains(domainType)) {
        const QList<QJsonObject> known = {field(QStringLiteral("name"), QStringLiteral("string")),
                                          field(QStringLiteral("version"), QStringLiteral("string")),
                                          field(QStringLiteral("chainId"), QStringLiteral("uint256")),
                                          field(QStringLiteral("verifyingContract"), QStringLiteral("address")),
                                          field(QStringLiteral("salt"), QStringLiteral("bytes32"))};
        QJsonArray fields;
        for (const QJsonObject &candidate : known) {
            if (domain.contains(candidate[QStringLiteral("name")].toString()))
                fields.append(candidate);
        }
        // Members outside the list are caught by hashStruct as fields the type does not have.
        allTypes.insert(domainType, fields);
    }
    return Encoder(allTypes).hashStruct(domainType, domain, 0);
}

QByteArray digest(QByteArrayView domainSeparatorHash, QByteArrayView structHash)
{
    QByteArray buffer("\x19\x01", 2);
    buffer.append(domainSeparatorHash);
    buffer.append(structHash);
    return crypto::keccak256(buffer);
}

Expected<QByteArray, ChainError> hashTypedData(const QJsonObject &typedData)
{
    const QJsonValue types = typedData.value(QStringLiteral("types"));
    const QJsonValue primaryType = typedData.value(QStringLiteral("primaryType"));
    const QJsonValue domain = typedData.value(QStringLiteral("domain"));
    const QJsonValue message = typedData.value(QStringLiteral("message"));
    if (!types.isObject() || !primaryType.isString() || !domain.isObject() || !message.isObject())
        return unexpected(typedDataError(QStringLiteral("typed data needs types, primaryType, domain and message")));
    auto separator = domainSeparator(domain.toObject(), types.toObject());
    if (!separator)
        return separator;
    auto structHash = hashStruct(types.toObject(), primaryType.toString(), message.toObject());
    if (!structHash)
        return structHash;
    return digest(*separator, *structHash);
}

Expected<crypto::Signature, ChainError> sign(const QJsonObject &typedData, const crypto::PrivateKey &key)
{
    auto hash = hashTypedData(typedData);
    if (!hash)
        return unexpected(hash.error());
    auto signature = key.sign(*hash);
    if (!signature)
        return unexpected(ChainError{ErrorCode::SigningFailed, crypto::describe(signature.error())});
    return *signature;
}

Expected<crypto::Address, ChainError> recoverSigner(const QJsonObject &typedData, const crypto::Signature &signature)
{
    auto hash = hashTypedData(typedData);
    if (!hash)
        return unexpected(hash.error());
    auto address = crypto::recoverAddress(*hash, signature);
    if (!address)
        return unexpected(ChainError{ErrorCode::InvalidSignature, crypto::describe(address.error())});
    return *address;
}

} // namespace cmeet::chain::eip712
