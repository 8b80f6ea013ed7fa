#include "protocol/compiled_schema.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <QVarLengthArray>

#include <algorithm>

namespace cmeet::protocol {
namespace {

// A $ref deeper than this is a cycle or a mistake.
constexpr int maxDepth = 32;

int typeBit(QJsonValue::Type type)
{
    return type == QJsonValue::Undefined ? 0 : 1 << static_cast<int>(type);
}

std::optional<int> typeBitNamed(const QString &name)
{
    static const QHash<QString, QJsonValue::Type> types = {
        {QStringLiteral("null"), QJsonValue::Null},     {QStringLiteral("boolean"), QJsonValue::Bool},
        {QStringLiteral("number"), QJsonValue::Double}, {QStringLiteral("string"), QJsonValue::String},
        {QStringLiteral("array"), QJsonValue::Array},   {QStringLiteral("object"), QJsonValue::Object},
    };
    // Not "integer": valijson's Qt adapter checks it in 32 bits (the schemas use "number").
    const auto type = types.constFind(name);
    return type == types.constEnd() ? std::nullopt : std::optional(typeBit(*type));
}

std::optional<qint64> count(const QJsonValue &value)
{
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 0 || number != static_cast<double>(static_cast<qint64>(number)))
        return std::nullopt;
    return static_cast<qint64>(number);
}

} // namespace

class CompiledSchema::Compiler {
public:
    Compiler(const FileReader &read, std::vector<Node> &nodes) : m_read(read), m_nodes(nodes) {}

    // The node for the schema at pointer ("" or "/definitions/name") in file.
    Expected<int, QString> compileRef(const QString &file, const QString &pointer, int depth)
    {
        const QString key = file + u'#' + pointer;
        if (const auto known = m_refs.constFind(key); known != m_refs.constEnd())
            return *known;
        if (depth > maxDepth)
            return unexpected(QStringLiteral("$ref %1 nests too deep").arg(key));
        if (!m_files.contains(file)) {
            auto document = m_read(file);
            if (!document)
                return unexpected(document.error());
            m_files.insert(file, *document);
        }
        QJsonValue schema = m_files.value(file);
        for (const QString &token : pointer.split(u'/', Qt::SkipEmptyParts)) {
            QString name = token;
            schema = schema.toObject().value(name.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"), QStringLiteral("~")));
        }
        if (!schema.isObject())
            return unexpected(QStringLiteral("$ref %1 is not a schema object").arg(key));
        const int index = newNode();
        m_refs.insert(key, index);
        return fill(index, schema.toObject(), file, depth);
    }

private:
    int newNode()
    {
        m_nodes.emplace_back();
        return static_cast<int>(m_nodes.size() - 1);
    }

    Expected<int, QString> subschema(const QJsonValue &schema, const QString &file, int depth)
    {
        if (!schema.isObject())
            return unexpected(QStringLiteral("a subschema that is not an object in %1").arg(file));
        return fill(newNode(), schema.toObject(), file, depth);
    }

    // Compiles schema into m_nodes[index] (children are added first: m_nodes may move meanwhile).
    Expected<int, QString> fill(int index, const QJsonObject &schema, const QString &file, int depth)
    {
        static const QSet<QString> annotations = {QStringLiteral("$schema"), QStringLiteral("$id"),       QStringLiteral("$comment"),
                                                  QStringLiteral("title"),   QStringLiteral("description"), QStringLiteral("definitions"),
                                                  QStringLiteral("examples"), QStringLiteral("default")};
        Node node;
        const auto refuse = [&](const QString &keyword) {
            return unexpected(QStringLiteral("%1 uses \"%2\" as it does not compile").arg(file, keyword));
        };
        if (schema.contains(QStringLiteral("$ref"))) {
            for (auto member = schema.begin(); member != schema.end(); ++member) {
                if (member.key() != QStringLiteral("$ref") && !annotations.contains(member.key()))
                    return refuse(member.key()); // beside a $ref, draft-07 ignores it: surely a mistake
            }
            const QString uri = schema.value(QStringLiteral("$ref")).toString();
            const qsizetype hash = uri.indexOf(u'#');
            const QString target = uri.left(hash < 0 ? uri.size() : hash);
            const QString targetFile = target.isEmpty() ? file : QDir::cleanPath(QDir(QFileInfo(file).path()).filePath(target));
            auto ref = compileRef(targetFile, hash < 0 ? QString() : uri.mid(hash + 1), depth + 1);
            if (!ref)
                return unexpected(ref.error());
            node.ref = *ref;
            m_nodes[static_cast<std::size_t>(index)] = std::move(node);
            return index;
        }
        for (auto member = schema.begin(); member != schema.end(); ++member) {
            const QString keyword = member.key();
            const QJsonValue value = member.value();
            if (annotations.contains(keyword))
                continue;
            if (keyword == QStringLiteral("type")) {
                const QJsonArray names = value.isArray() ? value.toArray() : QJsonArray{value};
                for (const QJsonValue &name : names) {
                    const auto bit = typeBitNamed(name.toString());
                    if (!bit)
                        return refuse(QStringLiteral("type: ") + name.toString());
                    node.types |= *bit;
                }
            } else if (keyword == QStringLiteral("enum") && value.isArray() && !node.allowed) {
                node.allowed = value.toArray();
            } else if (keyword == QStringLiteral("const") && !node.allowed) {
                node.allowed = QJsonArray{value};
            } else if (keyword == QStringLiteral("properties") && value.isObject()) {
                const QJsonObject properties = value.toObject();
                for (auto property = properties.begin(); property != properties.end(); ++property) {
                    auto child = subschema(property.value(), file, depth + 1);
                    if (!child)
                        return unexpected(child.error());
                    node.properties.emplace_back(property.key(), *child);
                }
            } else if (keyword == QStringLiteral("required") && value.isArray()) {
                for (const QJsonValue &name : value.toArray())
                    node.required.append(name.toString());
            } else if (keyword == QStringLiteral("additionalProperties") && value.isBool()) {
                node.onlyListedProperties = !value.toBool();
            } else if (keyword == QStringLiteral("items") && value.isObject()) {
                auto child = subschema(value, file, depth + 1);
                if (!child)
                    return unexpected(child.error());
                node.items = *child;
            } else if (keyword == QStringLiteral("uniqueItems") && value.isBool()) {
                node.uniqueItems = value.toBool();
            } else if (keyword == QStringLiteral("minimum") && value.isDouble()) {
                node.minimum = value.toDouble();
            } else if (keyword == QStringLiteral("maximum") && value.isDouble()) {
                node.maximum = value.toDouble();
            } else if (keyword == QStringLiteral("pattern") && value.isString()) {
                node.pattern = SimplePattern::compile(value.toString().toStdString());
                if (!node.pattern)
                    return refuse(QStringLiteral("pattern: ") + value.toString());
            } else if (const auto limit = count(value); limit && keyword == QStringLiteral("minItems")) {
                node.minItems = *limit;
            } else if (limit && keyword == QStringLiteral("maxItems")) {
                node.maxItems = *limit;
            } else if (limit && keyword == QStringLiteral("minLength")) {
                node.minLength = *limit;
            } else if (limit && keyword == QStringLiteral("maxLength")) {
                node.maxLength = *limit;
            } else {
                return refuse(keyword);
            }
        }
        m_nodes[static_cast<std::size_t>(index)] = std::move(node);
        return index;
    }

    const FileReader &m_read;
    std::vector<Node> &m_nodes;
    QHash<QString, QJsonObject> m_files;
    QHash<QString, int> m_refs; // "file#pointer" -> its node
};

Expected<CompiledSchema, QString> CompiledSchema::compile(const QString &path, const FileReader &read)
{
    CompiledSchema compiled;
    Compiler compiler(read, compiled.m_nodes);
    if (auto root = compiler.compileRef(path, QString(), 0); !root)
        return unexpected(root.error());
    return compiled;
}

bool CompiledSchema::accepts(int index, const QJsonValue &value) const
{
    const Node *node = &m_nodes[static_cast<std::size_t>(index)];
    while (node->ref >= 0)
        node = &m_nodes[static_cast<std::size_t>(node->ref)];
    const QJsonValue::Type type = value.type();
    if (type == QJsonValue::Undefined || (node->types != 0 && (node->types & typeBit(type)) == 0))
        return false;
    if (node->allowed && !node->allowed->contains(value))
        return false;
    switch (type) {
    case QJsonValue::String:
        return (node->minLength == 0 && node->maxLength == unlimited && !node->pattern) || acceptsString(*node, value.toString());
    case QJsonValue::Double: {
        const double number = value.toDouble();
        return !(node->minimum && number < *node->minimum) && !(node->maximum && number > *node->maximum);
    }
    case QJsonValue::Array:
        return acceptsArray(*node, value.toArray());
    case QJsonValue::Object:
        return acceptsObject(*node, value.toObject());
    default:
        return true;
    }
}

bool CompiledSchema::acceptsString(const Node &node, const QString &text) const
{
    // Lengths count code points, as valijson counts the UTF-8 it is given.
    qint64 length = 0;
    bool ascii = true;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isNull())
            return false; // valijson's lengths stop at U+0000: its answer, not ours
        ascii = ascii && c.unicode() < 0x80;
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        ++length;
    }
    if (length < node.minLength || length > node.maxLength)
        return false;
    if (!node.pattern)
        return true;
    if (!ascii) { // the UTF-8 bytes, as valijson matches them
        const QByteArray utf8 = text.toUtf8();
        return node.pattern->matches(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
    }
    QVarLengthArray<char, 256> bytes(text.size());
    std::transform(text.cbegin(), text.cend(), bytes.begin(), [](QChar c) { return static_cast<char>(c.unicode()); });
    return node.pattern->matches(std::string_view(bytes.data(), static_cast<std::size_t>(bytes.size())));
}

bool CompiledSchema::acceptsArray(const Node &node, const QJsonArray &array) const
{
    if (array.size() < node.minItems || array.size() > node.maxItems)
        return false;
    if (node.items >= 0 && !std::all_of(array.begin(), array.end(), [&](const QJsonValue &item) { return accepts(node.items, item); }))
        return false;
    if (!node.uniqueItems)
        return true;
    // A roster holds up to a thousand addresses: sorted strings, not every pair compared.
    if (std::all_of(array.begin(), array.end(), [](const QJsonValue &item) { return item.isString(); })) {
        QStringList strings;
        strings.reserve(array.size());
        for (const QJsonValue &item : array)
            strings.append(item.toString());
        // valijson compares UTF-8, in which two different lone surrogates may become the same
        // replacement: any surrogate is its call.
        const auto hasSurrogate = [](const QString &text) { return std::any_of(text.cbegin(), text.cend(), [](QChar c) { return c.isSurrogate(); }); };
        if (std::any_of(strings.cbegin(), strings.cend(), hasSurrogate))
            return false;
        std::sort(strings.begin(), strings.end());
        return std::adjacent_find(strings.cbegin(), strings.cend()) == strings.cend();
    }
    for (qsizetype i = 0; i < array.size(); ++i) {
        for (qsizetype j = i + 1; j < array.size(); ++j) {
            if (array.at(i) == array.at(j))
                return false;
        }
    }
    return true;
}

bool CompiledSchema::acceptsObject(const Node &node, const QJsonObject &object) const
{
    for (const QString &name : node.required) {
        if (!object.contains(name))
            return false;
    }
    qsizetype listed = 0;
    for (const auto &[name, child] : node.properties) {
        const auto member = object.constFind(name);
        if (member == object.constEnd())
            continue;
        ++listed;
        if (!accepts(child, *member))
            return false;
    }
    // Keys are unique: every member is listed when as many listed ones are present.
    return !node.onlyListedProperties || listed == object.size();
}

} // namespace cmeet::protocol
