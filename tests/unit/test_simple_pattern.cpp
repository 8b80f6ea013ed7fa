// SimplePattern against std::regex (what valijson uses): every pattern in our schemas compiles to
// it, and both give the same answer on valid values, their near misses and random strings;
// patterns with more than one way to match, or syntax it doesn't know, are left to std::regex.

#include "protocol/simple_pattern.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <regex>

using namespace cmeet;

namespace {

// Every "pattern" anywhere in the schema files.
void collectPatterns(const QJsonValue &value, QStringList &patterns)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QStringLiteral("pattern") && it.value().isString())
                patterns.append(it.value().toString());
            else
                collectPatterns(it.value(), patterns);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &element : value.toArray())
            collectPatterns(element, patterns);
    }
}

QStringList schemaPatterns()
{
    QStringList patterns;
    QDirIterator files(QStringLiteral(CMEET_SCHEMAS_DIR), {QStringLiteral("*.json")}, QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (file.open(QIODevice::ReadOnly))
            collectPatterns(QJsonDocument::fromJson(file.readAll()).object(), patterns);
    }
    patterns.removeDuplicates();
    return patterns;
}

} // namespace

class TestSimplePattern : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void schemaPatternsAgreeWithStdRegex()
    {
        const QStringList patterns = schemaPatterns();
        QVERIFY(patterns.size() >= 8);
        QRandomGenerator random(2019);
        const std::string alphabet = "0123456789abcdefABCDEFxyzXZ-._/ \n\x7f\xc3\xa9";
        for (const QString &patternText : patterns) {
            const std::string pattern = patternText.toStdString();
            const auto simple = protocol::SimplePattern::compile(pattern);
            QVERIFY2(simple, pattern.c_str()); // else the schemas run std::regex again
            const std::regex regex(pattern);
            // Strings close to the pattern: each of its characters' possible lengths, from
            // an alphabet of hex digits, letters, punctuation and non-ASCII bytes.
            int matched = 0;
            for (int round = 0; round < 3000; ++round) {
                std::string text;
                const bool hexLike = round % 2 == 0;
                if (hexLike && pattern.rfind("^0x", 0) == 0)
                    text = "0x";
                const int length = int(random.bounded(hexLike ? 140 : 70));
                for (int i = 0; i < length; ++i)
                    text += hexLike && random.bounded(50) != 0 ? "0123456789abcdef"[random.bounded(16)]
                                                                : alphabet[random.bounded(int(alphabet.size()))];
                if (round % 3 == 0 && pattern.find('-') != std::string::npos && text.size() >= 36) // uuid-shaped
                    for (const std::size_t dash : {8, 13, 18, 23})
                        text[dash] = '-';
                const bool expected = std::regex_search(text, regex);
                matched += expected ? 1 : 0;
                QVERIFY2(simple->matches(text) == expected, (pattern + " on \"" + text + "\"").c_str());
            }
            QVERIFY2(matched > 0 || pattern.find("0x0[23]") != std::string::npos || pattern.find("{8}-") != std::string::npos,
                     (pattern + ": no random string matched, the comparison says little").c_str());
        }
    }

    void knownAnswers()
    {
        const auto address = protocol::SimplePattern::compile("^0x[0-9a-f]{40}$");
        QVERIFY(address);
        QVERIFY(address->matches("0x" + std::string(40, 'a')));
        QVERIFY(!address->matches("0x" + std::string(39, 'a')));
        QVERIFY(!address->matches("0x" + std::string(41, 'a')));
        QVERIFY(!address->matches("0X" + std::string(40, 'a')));
        QVERIFY(!address->matches("0x" + std::string(39, 'a') + "A"));
        const auto uuid = protocol::SimplePattern::compile("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
        QVERIFY(uuid);
        QVERIFY(uuid->matches("2d289e74-bd4b-439b-bc18-6d643dff3fd8"));
        QVERIFY(!uuid->matches("2d289e74-bd4b-639b-bc18-6d643dff3fd8")); // version 6
        QVERIFY(!uuid->matches("2d289e74-bd4b-439b-cc18-6d643dff3fd8")); // variant
        const auto bytes = protocol::SimplePattern::compile("^0x([0-9a-f]{2}){2,3}$");
        QVERIFY(bytes);
        QVERIFY(!bytes->matches("0x12"));
        QVERIFY(bytes->matches("0x1234"));
        QVERIFY(!bytes->matches("0x12345"));
        QVERIFY(bytes->matches("0x123456"));
        QVERIFY(!bytes->matches("0x12345678"));
        const auto name = protocol::SimplePattern::compile("^[A-Za-z0-9._-]{1,4}$");
        QVERIFY(name);
        QVERIFY(name->matches("a.-_"));
        QVERIFY(!name->matches(""));
        QVERIFY(!name->matches("a b"));
        QVERIFY(protocol::SimplePattern::compile("^$")->matches(""));
    }

    // What it can't match without backtracking or doesn't know goes back to std::regex.
    void refusesOtherPatterns()
    {
        for (const char *pattern : {"0x[0-9a-f]{40}", "^0x[0-9a-f]{40}", "^a+$", "^a*$", "^a?$", "^(a|b)$", "^[^a]$", "^.{3}$",
                                    "^a{2,3}b$", "^(ab){1,2}c$", "^((a))$", "^a{2,}$", "^\\d{3}$", "^a\\$", "^[a-]b]$", "^[]$",
                                    "^a{3,2}$", "^(a{1,2})$", "^é$", "^a{0}$"})
            QVERIFY2(!protocol::SimplePattern::compile(pattern), pattern);
    }
};

QTEST_GUILESS_MAIN(TestSimplePattern)
#include "test_simple_pattern.moc"
