#pragma once
// A JSON Schema (draft-07) compiled once and checked on many values fast: the event content
// schemas are checked on every event an audit reads. valijson walks a schema through std::string
// copies of every key and value (five allocations a member, a twentieth of an audit's time);
// this walks QJsonValue and copies only a string value. It knows the keywords the schemas use:
// type (no "integer"), properties, required, additionalProperties: false, items (one schema),
// minItems, maxItems, uniqueItems, minLength, maxLength, pattern (a SimplePattern), enum, const,
// minimum, maximum and $ref (to a JSON pointer in the same or another file). compile() refuses
// anything else, and valijson stays the reference: what accepts() does not accept, valijson
// checks again and words (test_schema_validator and fuzz_event hold the two to one verdict).

#include "base/expected.h"
#include "protocol/simple_pattern.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace cmeet::protocol {

class CompiledSchema {
public:
    // The JSON object in a schema file, by its path relative to the schemas' directory.
    using FileReader = std::function<Expected<QJsonObject, QString>(const QString &path)>;

    // The schema in file path (relative to the schemas' directory); the error names the keyword
    // or $ref it cannot compile.
    [[nodiscard]] static Expected<CompiledSchema, QString> compile(const QString &path, const FileReader &read);

    // True: value is valid. False: invalid, or a case left to valijson (a string holding U+0000,
    // which valijson's lengths stop at; unique strings holding surrogates, compared as UTF-8).
    [[nodiscard]] bool accepts(const QJsonValue &value) const { return accepts(0, value); }

private:
    static constexpr qint64 unlimited = std::numeric_limits<qint64>::max();
    struct Node {
        int ref = -1; // a $ref: the node it stands for (draft-07 ignores the keywords beside it)
        int types = 0; // bits of QJsonValue::Type; 0: any
        std::optional<QJsonArray> allowed; // enum, or const as a list of one
        std::vector<std::pair<QString, int>> properties; // name, node
        QStringList required;
        bool onlyListedProperties = false;
        int items = -1;
        qint64 minItems = 0;
        qint64 maxItems = unlimited;
        bool uniqueItems = false;
        qint64 minLength = 0;
        qint64 maxLength = unlimited;
        std::optional<SimplePattern> pattern;
        std::optional<double> minimum;
        std::optional<double> maximum;
    };
    class Compiler;

    [[nodiscard]] bool accepts(int node, const QJsonValue &value) const;
    [[nodiscard]] bool acceptsString(const Node &node, const QString &text) const;
    [[nodiscard]] bool acceptsArray(const Node &node, const QJsonArray &array) const;
    [[nodiscard]] bool acceptsObject(const Node &node, const QJsonObject &object) const;

    std::vector<Node> m_nodes; // m_nodes[0] is the file's root
};

} // namespace cmeet::protocol
