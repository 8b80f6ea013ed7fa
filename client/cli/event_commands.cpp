#include "commands.h"
#include "terminal.h"

#include "base/hex.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace cmeet::cli {
namespace {

int signEvent(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Builds an event, signs it with the key in a key file and prints its canonical wire bytes."));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("Key file of the signer."), QStringLiteral("file"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("Event type (start, join, comment, ...)."),
                                  QStringLiteral("type"));
    const QCommandLineOption meeting(QStringLiteral("meeting"), QStringLiteral("Meeting UUID (lowercase)."),
                                     QStringLiteral("uuid"));
    const QCommandLineOption ref(QStringLiteral("ref"), QStringLiteral("Id of the earlier event this one refers to."),
                                 QStringLiteral("id"));
    const QCommandLineOption by(QStringLiteral("by"),
                                QStringLiteral("Author identity address (default: the signing key's address)."),
                                QStringLiteral("address"));
    const QCommandLineOption ts(QStringLiteral("ts"), QStringLiteral("Unix time in ms (default: now)."), QStringLiteral("ms"));
    const QCommandLineOption content(QStringLiteral("content"), QStringLiteral("Content as a JSON object (default {})."),
                                     QStringLiteral("json"), QStringLiteral("{}"));
    parser.addOptions({key, type, meeting, ref, by, ts, content});
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    for (const auto &required : {key, type, meeting}) {
        if (!parser.isSet(required)) {
            printError(QStringLiteral("event sign needs --%1").arg(required.names().constFirst()));
            return 2;
        }
    }

    protocol::Event::Fields fields;
    const auto eventType = protocol::typeFromName(parser.value(type));
    if (!eventType) {
        printError(QStringLiteral("unknown event type \"%1\"").arg(parser.value(type)));
        return 2;
    }
    fields.type = *eventType;
    fields.meeting = parser.value(meeting);
    if (parser.isSet(ref)) {
        fields.ref = hex::decodeLowercase(parser.value(ref), 32);
        if (!fields.ref) {
            printError(QStringLiteral("--ref must be an event id: 0x + 64 lowercase hex digits"));
            return 2;
        }
    }
    bool tsOk = true;
    fields.ts = parser.isSet(ts) ? parser.value(ts).toLongLong(&tsOk) : QDateTime::currentMSecsSinceEpoch();
    if (!tsOk) {
        printError(QStringLiteral("--ts must be an integer (Unix milliseconds)"));
        return 2;
    }
    QJsonParseError parseError{};
    const QJsonDocument contentDocument = QJsonDocument::fromJson(parser.value(content).toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !contentDocument.isObject()) {
        printError(QStringLiteral("--content must be a JSON object: %1").arg(parseError.errorString()));
        return 2;
    }
    fields.content = contentDocument.object();

    auto signer = loadKeyFile(parser.value(key));
    if (!signer) {
        printError(signer.error());
        return 1;
    }
    fields.by = signer->address();
    if (parser.isSet(by)) {
        auto author = crypto::Address::fromHex(parser.value(by));
        if (!author) {
            printError(QStringLiteral("--by: ") + crypto::describe(author.error()));
            return 2;
        }
        fields.by = *author;
    }
    auto event = protocol::Event::create(fields);
    if (!event) {
        printError(protocol::wireCode(event.error().code) + QStringLiteral(": ") + event.error().detail);
        return 1;
    }
    if (auto schemas = protocol::SchemaValidator::load(); !schemas) {
        printError(schemas.error());
        return 1;
    } else if (auto valid = (*schemas)->validateContent(fields.type, fields.content); !valid) {
        printError(QStringLiteral("schema_violation: ") + valid.error().detail);
        return 1;
    }
    if (auto signedOk = event->sign(*signer); !signedOk) {
        printError(signedOk.error().detail);
        return 1;
    }
    QTextStream(stdout) << QString::fromUtf8(event->wireBytes()) << Qt::endl;
    return 0;
}

int verifyEvents(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Checks events, one per line in their exact wire bytes: canonical encoding, envelope and\n"
        "content schemas, signature. Prints one line per event; exit code 1 if any is rejected."));
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Files to read (default: standard input)."),
                                 QStringLiteral("[file|-]..."));
    const QCommandLineOption signer(QStringLiteral("signer"), QStringLiteral("Require this signer address."),
                                    QStringLiteral("address"));
    parser.addOption(signer);
    int exitCode = 0;
    if (!parseOrExplain(parser, arguments, exitCode))
        return exitCode;
    std::optional<crypto::Address> expected;
    if (parser.isSet(signer)) {
        auto address = crypto::Address::fromHex(parser.value(signer));
        if (!address) {
            printError(QStringLiteral("--signer: ") + crypto::describe(address.error()));
            return 2;
        }
        expected = *address;
    }
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        printError(schemas.error());
        return 1;
    }
    QStringList files = parser.positionalArguments();
    if (files.isEmpty())
        files.append(QStringLiteral("-"));

    int accepted = 0;
    int rejected = 0;
    for (const QString &name : files) {
        QFile file;
        const bool opened = name == QStringLiteral("-") ? file.open(stdin, QIODevice::ReadOnly)
                                                        : (file.setFileName(name), file.open(QIODevice::ReadOnly));
        if (!opened) {
            printError(QStringLiteral("cannot read %1: %2").arg(name, file.errorString()));
            return 1;
        }
        int lineNumber = 0;
        while (!file.atEnd()) {
            QByteArray line = file.readLine(protocol::maxEventBytes + 2);
            ++lineNumber;
            if (line.endsWith('\n'))
                line.chop(1);
            if (line.isEmpty())
                continue;
            const QString where = QStringLiteral("%1:%2").arg(name).arg(lineNumber);
            auto event = protocol::Event::fromWire(line);
            Expected<Ok, protocol::ProtocolError> verdict = Ok{};
            if (!event)
                verdict = unexpected(event.error());
            else if (auto valid = (*schemas)->validate(*event); !valid)
                verdict = valid;
            else if (expected)
                verdict = event->verifySignedBy(*expected);
            auto recovered = verdict ? event->recoverSigner() : Expected<crypto::Address, protocol::ProtocolError>(crypto::Address());
            if (verdict && !recovered)
                verdict = unexpected(recovered.error());
            if (!verdict) {
                ++rejected;
                printLine(QStringLiteral("REJECTED %1 %2: %3")
                              .arg(where, protocol::wireCode(verdict.error().code), verdict.error().detail));
                continue;
            }
            ++accepted;
            printLine(QStringLiteral("ok %1 %2 id %3 signed by %4")
                          .arg(where, protocol::typeName(event->type()), event->idHex(),
                               recovered->toChecksumHex()));
        }
    }
    printLine(QStringLiteral("%1 accepted, %2 rejected").arg(accepted).arg(rejected));
    return rejected == 0 ? 0 : 1;
}

} // namespace

int eventCommand(const QStringList &arguments)
{
    return dispatchAction(QStringLiteral("event"), arguments,
                          {{QStringLiteral("sign"), QStringLiteral("build and sign an event, print its wire bytes"), signEvent},
                           {QStringLiteral("verify"), QStringLiteral("check events (one per line): encoding, schema, signature"),
                            verifyEvents}});
}

} // namespace cmeet::cli
