#include "protocol/schema_validator.h"

#include "protocol/compiled_schema.h"
#include "protocol/simple_pattern.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include <valijson/adapters/qtjson_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

Q_LOGGING_CATEGORY(lcSchema, "cmeet.protocol.schema", QtInfoMsg)

// valijson 1.0 checks "pattern" with std::regex, slow to run even once built (a tenth of an
// audit's time). This specialisation of its visitor, declared before anything here instantiates
// it, checks the schemas' simple patterns with SimplePattern instead and keeps std::regex for the
// rest, with valijson's own words on a mismatch (test_simple_pattern holds the two to the same
// answers).
template <>
bool valijson::ValidationVisitor<valijson::adapters::QtJsonAdapter>::visit(const valijson::constraints::PatternConstraint &constraint)
{
    if ((m_strictTypes && !m_target.isString()) || !m_target.maybeString())
        return true;
    thread_local std::string pattern;
    thread_local std::unordered_map<std::string, std::optional<cmeet::protocol::SimplePattern>> simplePatterns;
    constraint.getPattern(pattern);
    auto simple = simplePatterns.find(pattern);
    if (simple == simplePatterns.end())
        simple = simplePatterns.emplace(pattern, cmeet::protocol::SimplePattern::compile(pattern)).first;
    const std::string text = m_target.asString();
    bool matched = false;
    if (simple->second) {
        matched = simple->second->matches(text);
    } else {
        auto regex = m_regexesCache.find(pattern);
        if (regex == m_regexesCache.end())
            regex = m_regexesCache.emplace(pattern, std::regex(pattern)).first;
        matched = std::regex_search(text, regex->second);
    }
    if (!matched && m_results)
        m_results->pushError(m_context, "Failed to match regex specified by 'pattern' constraint.");
    return matched;
}

namespace cmeet::protocol {

struct SchemaValidator::Schemas {
    valijson::Schema envelope;
    std::map<EventType, valijson::Schema> content;
    std::map<EventType, CompiledSchema> compiledContent; // absent for a schema valijson alone checks
};

namespace {

Expected<QJsonValue, QString> readJsonFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(QStringLiteral("cannot open %1: %2").arg(path, file.errorString()));
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return unexpected(QStringLiteral("%1 is not a JSON object: %2").arg(path, error.errorString()));
    return QJsonValue(document.object());
}

// Parses one schema file; "$ref"s to other files are resolved relative to the schemas directory.
Expected<Ok, QString> parseSchema(const QDir &root, const QString &relativePath, valijson::Schema &schema)
{
    auto document = readJsonFile(root.filePath(relativePath));
    if (!document)
        return unexpected(document.error());
    // valijson hands us the reference as written, relative to the referring file's $id.
    const QString baseDirectory = QFileInfo(relativePath).path();
    QString lastFetchError;
    const auto fetch = [&](const std::string &uri) -> const QJsonValue * {
        const QString path = QDir::cleanPath(QDir(baseDirectory).filePath(QString::fromStdString(uri)));
        auto fetched = readJsonFile(root.filePath(path));
        if (!fetched) {
            lastFetchError = fetched.error();
            return nullptr;
        }
        return new QJsonValue(*fetched);
    };
    const auto release = [](const QJsonValue *value) { delete value; };
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::QtJsonAdapter adapter(*document);
        parser.populateSchema(adapter, schema, fetch, release);
    } catch (const std::exception &exception) {
        return unexpected(QStringLiteral("invalid schema %1: %2 %3")
                              .arg(relativePath, QString::fromStdString(exception.what()), lastFetchError));
    }
    return Ok{};
}

// Validates and turns the first error into "what path: description".
Expected<Ok, ProtocolError> runValidation(const valijson::Schema &schema, const QJsonValue &value, const QString &what)
{
    // The validator caches compiled patterns (std::regex is slow to build): one per thread.
    thread_local valijson::Validator validator;
    valijson::ValidationResults results;
    const valijson::adapters::QtJsonAdapter adapter(value);
    bool valid = false;
    try {
        valid = validator.validate(schema, adapter, &results);
    } catch (const std::exception &exception) {
        return unexpected(ProtocolError{ErrorCode::SchemaViolation,
                                        what + QStringLiteral(": ") + QString::fromStdString(exception.what())});
    }
    if (valid)
        return Ok{};
    // valijson reports outer failures (allOf, properties) before the innermost cause: the last
    // error is the most specific one.
    valijson::ValidationResults::Error error;
    QString detail = what;
    std::string deepest;
    std::string description;
    while (results.popError(error)) {
        std::string path;
        for (const std::string &part : error.context)
            path += part;
        if (path.size() >= deepest.size()) {
            deepest = path;
            description = error.description;
        }
    }
    detail += QStringLiteral(" %1: %2").arg(QString::fromStdString(deepest), QString::fromStdString(description));
    return unexpected(ProtocolError{ErrorCode::SchemaViolation, detail});
}

} // namespace

SchemaValidator::SchemaValidator(std::unique_ptr<Schemas> schemas) : m_schemas(std::move(schemas)) {}
SchemaValidator::~SchemaValidator() = default;

Expected<std::shared_ptr<const SchemaValidator>, QString> SchemaValidator::load(const QString &directory)
{
    // The compiled-in schemas never change: read and compiled once a process (the desktop app's
    // audit workspace and bench_audit audit file after file), and shared like any loaded set.
    static const QString builtIn = QStringLiteral(":/schemas");
    if (directory == builtIn) {
        static const auto loaded = loadFrom(builtIn);
        return loaded;
    }
    return loadFrom(directory);
}

Expected<std::shared_ptr<const SchemaValidator>, QString> SchemaValidator::loadFrom(const QString &directory)
{
    const QDir root(directory);
    auto schemas = std::make_unique<Schemas>();
    if (auto ok = parseSchema(root, QStringLiteral("envelope.json"), schemas->envelope); !ok)
        return unexpected(ok.error());
    const auto read = [&root](const QString &file) -> Expected<QJsonObject, QString> {
        auto document = readJsonFile(root.filePath(file));
        return document ? Expected<QJsonObject, QString>(document->toObject()) : unexpected(document.error());
    };
    for (const EventType type : allEventTypes) {
        const QString path = QStringLiteral("content/%1.json").arg(typeName(type));
        if (auto ok = parseSchema(root, path, schemas->content[type]); !ok)
            return unexpected(ok.error());
        if (auto compiled = CompiledSchema::compile(path, read))
            schemas->compiledContent.emplace(type, std::move(*compiled));
        else
            qCDebug(lcSchema) << "valijson alone checks" << path << "-" << compiled.error();
    }
    qCDebug(lcSchema) << "loaded event schemas from" << directory;
    return std::shared_ptr<const SchemaValidator>(new SchemaValidator(std::move(schemas)));
}

Expected<Ok, ProtocolError> SchemaValidator::validateEnvelope(const QJsonValue &event) const
{
    return runValidation(m_schemas->envelope, event, QStringLiteral("envelope"));
}

Expected<Ok, ProtocolError> SchemaValidator::validateContent(EventType type, const QJsonValue &content) const
{
    if (compiledAccepts(type, content).value_or(false))
        return Ok{};
    return validateContentByReference(type, content);
}

std::optional<bool> SchemaValidator::compiledAccepts(EventType type, const QJsonValue &content) const
{
    const auto compiled = m_schemas->compiledContent.find(type);
    if (compiled == m_schemas->compiledContent.end())
        return std::nullopt;
    return compiled->second.accepts(content);
}

Expected<Ok, ProtocolError> SchemaValidator::validateContentByReference(EventType type, const QJsonValue &content) const
{
    return runValidation(m_schemas->content.at(type), content, QStringLiteral("%1 content").arg(typeName(type)));
}

Expected<Ok, ProtocolError> SchemaValidator::validate(const Event &event) const
{
    // An Event exists only once Event::fromObject has checked every envelope member as
    // envelope.json states it (test_schema_validator holds the two to that): what is left of the
    // envelope is the signature. valijson's pass over the envelope (std::regex on every id and
    // signature) was a sixth of an audit's time.
    if (!event.isSigned())
        return unexpected(ProtocolError{ErrorCode::SchemaViolation, QStringLiteral("envelope: \"sig\" is required")});
    return validateContent(event.type(), event.content());
}

} // namespace cmeet::protocol
