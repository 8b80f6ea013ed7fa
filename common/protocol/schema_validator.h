#pragma once
// Validates events against the JSON Schemas (draft-07) in schemas/, loaded at run time: by
// default from the copy compiled into the binary as Qt resources (:/schemas), or from a directory.

#include "base/expected.h"
#include "protocol/error.h"
#include "protocol/event.h"

#include <QJsonValue>
#include <QString>
#include <memory>
#include <optional>

namespace cmeet::protocol {

class SchemaValidator {
public:
    // Loads envelope.json and content/<type>.json for every type (the compiled-in set once a
    // process). Error: which file and why.
    [[nodiscard]] static Expected<std::shared_ptr<const SchemaValidator>, QString>
    load(const QString &directory = QStringLiteral(":/schemas"));

    ~SchemaValidator();

    // The envelope (an Event has passed its rules; here: it is signed) and the content of the event's type.
    [[nodiscard]] Expected<Ok, ProtocolError> validate(const Event &event) const;
    // The content by its compiled schema (CompiledSchema), and by valijson where that does not
    // accept it: valijson's verdict and words.
    [[nodiscard]] Expected<Ok, ProtocolError> validateContent(EventType type, const QJsonValue &content) const;
    // Each checker alone, for the tests that hold them to one verdict: the compiled schema
    // (nullopt when the type's schema did not compile), and valijson, the reference.
    [[nodiscard]] std::optional<bool> compiledAccepts(EventType type, const QJsonValue &content) const;
    [[nodiscard]] Expected<Ok, ProtocolError> validateContentByReference(EventType type, const QJsonValue &content) const;
    [[nodiscard]] Expected<Ok, ProtocolError> validateEnvelope(const QJsonValue &event) const;

private:
    struct Schemas;
    [[nodiscard]] static Expected<std::shared_ptr<const SchemaValidator>, QString> loadFrom(const QString &directory);
    explicit SchemaValidator(std::unique_ptr<Schemas> schemas);
    std::unique_ptr<Schemas> m_schemas;
};

} // namespace cmeet::protocol
