// cmeet-relay: the c-meet meeting relay (headless).

#include "crypto/keystore.h"
#include "crypto/passphrase.h"
#include "relay/core/relay_service.h"
#include "relay/server/anchor_worker.h"
#include "relay/server/checkpointer.h"
#include "relay/server/identity_sync.h"
#include "relay/server/relay_server.h"
#include "chain/eth_client.h"
#include "chain/meeting_registry.h"
#include "relay/core/anchor_queue.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSettings>
#include <QSslCertificate>
#include <QSslKey>
#include <QScopeGuard>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

Q_LOGGING_CATEGORY(lcRelay, "cmeet.relay", QtInfoMsg)

using namespace cmeet;

namespace {

const QString passphraseVariable = QStringLiteral("CMEET_RELAY_PASSPHRASE");

void fail(const QString &text) { QTextStream(stderr) << "cmeet-relay: " << text << '\n'; }

const QString adminUsage = QStringLiteral(
    "Usage: cmeet-relay admin ACTION [--data-dir DIR | --config FILE]\n"
    "Manages the staff and patient directory in the relay's database (the relay may be running).\n\n"
    "Actions:\n"
    "  add-staff ADDRESS NAME [staff|admin]      add a member of staff, or change their name or role\n"
    "  add-patient ID NAME [BIRTH_DATE] [HOSPITAL_NUMBER]\n"
    "                                            add a patient, or change their details\n"
    "  import FILE.json                          {\"staff\": [{\"address\", \"name\", \"role\"}],\n"
    "                                             \"patients\": [{\"id\", \"name\", \"birthDate\", \"hospitalNumber\"}]}:\n"
    "                                            every entry, or none if one is wrong\n"
    "  list                                      staff and patients\n\n"
    "--data-dir defaults to ./relay-data.\n");

QString keyPath(const QString &dataDir) { return QDir(dataDir).filePath(QStringLiteral("relay.key")); }
QString databasePath(const QString &dataDir) { return QDir(dataDir).filePath(QStringLiteral("relay.sqlite")); }

Expected<crypto::PrivateKey, QString> loadRelayKey(const QString &dataDir)
{
    QFile file(keyPath(dataDir));
    if (!file.open(QIODevice::ReadOnly))
        return unexpected(QStringLiteral("no relay key in %1: run 'cmeet-relay init' first").arg(dataDir));
    const QByteArray contents = file.read(crypto::keystore::maxFileBytes);
    // Under systemd the passphrase is a credential (LoadCredential=passphrase:FILE), a root-only
    // file the service alone gets to read.
    const QString credentials = qEnvironmentVariable("CREDENTIALS_DIRECTORY");
    const QString credential = credentials.isEmpty() ? QString() : QDir(credentials).filePath(QStringLiteral("passphrase"));
    const bool fromCredential = !qEnvironmentVariableIsSet(passphraseVariable.toLatin1().constData()) && !credential.isEmpty() && QFile::exists(credential);
    const crypto::SecretBytes passphrase = fromCredential ? crypto::readPassphraseFile(credential)
                                                          : crypto::readPassphrase(passphraseVariable, QStringLiteral("Relay key passphrase: "), false);
    if (passphrase.isEmpty())
        return unexpected(fromCredential ? QStringLiteral("the passphrase credential %1 is empty or unreadable").arg(credential)
                                         : QStringLiteral("no passphrase: set %1, run on a terminal, or give it as the systemd credential \"passphrase\"").arg(passphraseVariable));
    auto key = crypto::keystore::open(contents, passphrase);
    if (!key)
        return unexpected(QStringLiteral("cannot open the relay key: wrong passphrase or damaged file"));
    return *key;
}

int init(const QString &dataDir, const QString &databaseLocation)
{
    if (!QDir().mkpath(dataDir)) {
        fail(QStringLiteral("cannot create %1").arg(dataDir));
        return 1;
    }
    QFile::setPermissions(dataDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    if (QFile::exists(keyPath(dataDir))) {
        fail(QStringLiteral("%1 already has a relay key; refusing to replace it").arg(dataDir));
        return 1;
    }
    const crypto::SecretBytes passphrase = crypto::readPassphrase(passphraseVariable, QStringLiteral("New relay key passphrase: "), true);
    if (passphrase.isEmpty()) {
        fail(QStringLiteral("a passphrase is required: set %1 or run on a terminal").arg(passphraseVariable));
        return 1;
    }
    auto key = crypto::PrivateKey::generate();
    auto sealed = key ? crypto::keystore::seal(*key, passphrase) : unexpected(key.error());
    QSaveFile file(keyPath(dataDir));
    file.setDirectWriteFallback(false);
    if (!sealed || !file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(*sealed) != sealed->size() || !file.commit()) {
        fail(QStringLiteral("cannot write the relay key: %1").arg(file.errorString()));
        return 1;
    }
    auto database = relay::RelayDatabase::open(databaseLocation);
    if (!database) {
        fail(database.error().detail);
        return 1;
    }
    QTextStream(stdout) << "relay " << key->address().toChecksumHex() << " initialised in " << dataDir << '\n';
    return 0;
}

// admin: staff and patients, straight into the database (the relay may be stopped or running).
int admin(const QString &databaseLocation, const QStringList &arguments)
{
    auto database = relay::RelayDatabase::open(databaseLocation);
    if (!database) {
        fail(database.error().detail);
        return 1;
    }
    relay::Directory directory(**database);
    const QString action = arguments.value(0);
    if (action == QStringLiteral("add-staff") && (arguments.size() == 3 || arguments.size() == 4)) {
        auto address = crypto::Address::fromHex(arguments.at(1));
        if (!address) {
            fail(QStringLiteral("not an address: %1").arg(arguments.at(1)));
            return 2;
        }
        auto ok = directory.upsertStaff({*address, arguments.at(2), arguments.value(3, QStringLiteral("staff"))});
        if (!ok)
            fail(ok.error().detail);
        return ok ? 0 : 1;
    }
    if (action == QStringLiteral("add-patient") && arguments.size() >= 3) {
        auto ok = directory.upsertPatient({arguments.at(1), arguments.at(2), arguments.value(3), arguments.value(4)});
        if (!ok)
            fail(ok.error().detail);
        return ok ? 0 : 1;
    }
    if (action == QStringLiteral("import") && arguments.size() == 2) {
        QFile file(arguments.at(1));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("cannot read %1").arg(arguments.at(1)));
            return 1;
        }
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            fail(QStringLiteral("%1 is not a JSON object with \"staff\" and \"patients\": %2").arg(arguments.at(1), parseError.errorString()));
            return 1;
        }
        const QJsonObject import = document.object();
        // All entries or none.
        if (!(*database)->begin()) {
            fail(QStringLiteral("cannot begin a transaction"));
            return 1;
        }
        const auto abort = [&](const QString &why) {
            (*database)->rollback();
            fail(why + QStringLiteral(" (nothing imported)"));
            return 1;
        };
        int count = 0;
        for (const QJsonValue &member : import.value(QStringLiteral("staff")).toArray()) {
            auto address = crypto::Address::fromHex(member[QStringLiteral("address")].toString());
            auto ok = address ? directory.upsertStaff({*address, member[QStringLiteral("name")].toString(),
                                                       member[QStringLiteral("role")].toString(QStringLiteral("staff"))})
                              : Expected<Ok, protocol::ProtocolError>(unexpected(protocol::ProtocolError{protocol::ErrorCode::BadRequest, QStringLiteral("bad address")}));
            if (!ok)
                return abort(QStringLiteral("staff entry %1: %2").arg(count + 1).arg(ok.error().detail));
            ++count;
        }
        for (const QJsonValue &patient : import.value(QStringLiteral("patients")).toArray()) {
            auto ok = directory.upsertPatient({patient[QStringLiteral("id")].toString(), patient[QStringLiteral("name")].toString(),
                                               patient[QStringLiteral("birthDate")].toString(),
                                               patient[QStringLiteral("hospitalNumber")].toString()});
            if (!ok)
                return abort(QStringLiteral("patient %1: %2").arg(patient[QStringLiteral("id")].toString(), ok.error().detail));
            ++count;
        }
        if (!(*database)->commit())
            return abort(QStringLiteral("cannot commit"));
        QTextStream(stdout) << "imported " << count << " entries\n";
        return 0;
    }
    if (action == QStringLiteral("list")) {
        QTextStream out(stdout);
        for (const relay::StaffMember &member : directory.staff())
            out << "staff   " << member.address.toChecksumHex() << "  " << member.role << "  " << member.name << '\n';
        for (const relay::Patient &patient : directory.patients())
            out << "patient " << patient.id << "  " << patient.name << '\n';
        return 0;
    }
    fail(action.isEmpty() ? QStringLiteral("admin needs an action") : QStringLiteral("unknown admin action, or wrong arguments: %1").arg(arguments.join(QLatin1Char(' '))));
    QTextStream(stderr) << adminUsage;
    return 2;
}

// backup DIR: a copy of the data directory while the relay runs. SQLite's VACUUM INTO copies one
// snapshot (never half a batch) and the sealed relay key is copied beside it, so DIR is a data
// directory a relay can be started on: restoring is starting one there. The copy is checked
// (integrity_check) before the backup is called done.
int backup(const QString &dataDir, const QString &databaseLocation, const QString &target)
{
    if (relay::RelayDatabase::isServerUrl(databaseLocation)) {
        fail(QStringLiteral("the database is PostgreSQL: back it up with pg_dump, and keep a copy of %1 (docs/operations.md, Backups)").arg(keyPath(dataDir)));
        return 1;
    }
    if (target.isEmpty()) {
        fail(QStringLiteral("backup needs the directory to write: cmeet-relay backup DIR [--data-dir DIR]"));
        return 2;
    }
    if (!QFile::exists(keyPath(dataDir)) || !QFile::exists(databasePath(dataDir))) {
        fail(QStringLiteral("no relay in %1 (run \"cmeet-relay init\" first, or give --data-dir)").arg(dataDir));
        return 1;
    }
    if (QDir(target).exists() && !QDir(target).isEmpty()) {
        fail(QStringLiteral("%1 is not empty: a backup goes to a new directory").arg(target));
        return 1;
    }
    const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    if (!QDir().mkpath(target) || !QFile::setPermissions(target, ownerOnly | QFileDevice::ExeOwner)
        || !QFile::copy(keyPath(dataDir), keyPath(target)) || !QFile::setPermissions(keyPath(target), ownerOnly)) {
        fail(QStringLiteral("cannot write the relay key to %1").arg(target));
        return 1;
    }
    auto database = relay::RelayDatabase::open(databasePath(dataDir));
    if (!database) {
        fail(database.error().detail);
        return 1;
    }
    if (auto copied = (*database)->run(QStringLiteral("VACUUM INTO ?"), {databasePath(target)}); !copied) {
        fail(QStringLiteral("cannot copy the database: %1").arg(copied.error().detail));
        return 1;
    }
    QFile::setPermissions(databasePath(target), ownerOnly);
    auto copy = relay::RelayDatabase::open(databasePath(target));
    if (!copy) {
        fail(QStringLiteral("cannot open the copy in %1: %2").arg(target, copy.error().detail));
        return 1;
    }
    auto integrity = (*copy)->run(QStringLiteral("PRAGMA integrity_check"));
    if (!integrity || !integrity->next() || integrity->value(0).toString() != QStringLiteral("ok")) {
        fail(QStringLiteral("the copy in %1 does not pass SQLite's integrity check: do not rely on it").arg(target));
        return 1;
    }
    auto counts = (*copy)->run(QStringLiteral("SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM event_log)"));
    const bool counted = counts && counts->next();
    QTextStream(stdout) << "backed up to " << target << ": " << (counted ? counts->value(0).toLongLong() : 0) << " meetings, "
                        << (counted ? counts->value(1).toLongLong() : 0) << " log entries, "
                        << QString::number(static_cast<double>(QFileInfo(databasePath(target)).size()) / 1e6, 'f', 1)
                        << " MB; start a relay with --data-dir " << target << " to restore\n";
    return 0;
}

// Deploys this relay's MeetingRegistry and remembers chain and address in the database.
int deployRegistry(const QString &dataDir, const QString &databaseLocation, const QString &endpoint)
{
    if (endpoint.isEmpty()) {
        fail(QStringLiteral("deploy-registry needs --chain URL (the JSON-RPC endpoint)"));
        return 2;
    }
    auto key = loadRelayKey(dataDir);
    auto database = key ? relay::RelayDatabase::open(databaseLocation) : unexpected(relay::DatabaseError{key.error()});
    if (!database) {
        fail(database.error().detail);
        return 1;
    }
    chain::EthClient client{QUrl(endpoint)};
    auto chainId = client.chainId();
    auto code = chain::registry::bytecode(QStringLiteral("MeetingRegistry"));
    if (!chainId || !code) {
        fail(QStringLiteral("cannot deploy: ") + (chainId ? code.error().detail : chainId.error().detail));
        return 1;
    }
    chain::TransactionSender sender(client, *key, *chainId);
    // Constructor argument: the relay's own address, the only one allowed to open and close.
    auto receipt = sender.deploy(*code + QByteArray(12, '\0') + key->address().bytes());
    if (!receipt || !receipt->success || !receipt->contractAddress) {
        fail(QStringLiteral("deployment failed: ") + (receipt ? QStringLiteral("reverted") : receipt.error().detail));
        return 1;
    }
    relay::RelayDatabase &settings = **database;
    if (!settings.setSetting(QStringLiteral("chain"), endpoint) || !settings.setSetting(QStringLiteral("registry"), receipt->contractAddress->toLowerHex())
        || !settings.setSetting(QStringLiteral("chainId"), QString::number(*chainId))) {
        fail(QStringLiteral("deployed at %1 but could not store it").arg(receipt->contractAddress->toChecksumHex()));
        return 1;
    }
    QTextStream(stdout) << "MeetingRegistry " << receipt->contractAddress->toChecksumHex() << " deployed (gas " << receipt->gasUsed << ")\n";
    return 0;
}

std::optional<QSslConfiguration> tlsConfiguration(const QString &certificatePath, const QString &keyPath, QString &error)
{
    if (certificatePath.isEmpty() && keyPath.isEmpty())
        return std::nullopt;
    QFile certificateFile(certificatePath);
    QFile keyFile(keyPath);
    if (!certificateFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("cannot read the TLS certificate and key (both are needed)");
        return std::nullopt;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certificateFile.readAll(), QSsl::Pem);
    const QByteArray keyBytes = keyFile.readAll();
    const QSslKey key(keyBytes, QSsl::Ec, QSsl::Pem);
    const QSslKey rsaKey = key.isNull() ? QSslKey(keyBytes, QSsl::Rsa, QSsl::Pem) : key;
    if (chain.isEmpty() || (key.isNull() && rsaKey.isNull())) {
        error = QStringLiteral("the TLS certificate or key is not valid PEM");
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key.isNull() ? rsaKey : key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cmeet-relay"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CMEET_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The c-meet relay: checks, orders, acknowledges, stores and broadcasts meeting events.\n\n"
        "Commands:\n"
        "  serve (default)   run the relay\n"
        "  init              create the data directory, relay key and database\n"
        "  admin ...         manage staff and patients (admin --help)\n"
        "  backup DIR        copy the data directory into the new directory DIR while the relay runs\n"
        "                    (SQLite; a PostgreSQL database is backed up with pg_dump)\n"
        "  deploy-registry   deploy this relay's MeetingRegistry on --chain and remember it\n"
        "  address           print the relay's address (to fund it on the chain)\n\n"
        "The relay key passphrase comes from CMEET_RELAY_PASSPHRASE, the systemd credential \"passphrase\",\nor is asked on the terminal.\n"
        "Logs: QT_LOGGING_RULES=\"cmeet.*.debug=true\" for more detail."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("serve, init, admin, backup DIR, address or deploy-registry"), QStringLiteral("[command]"));
    const QCommandLineOption configOption(QStringLiteral("config"), QStringLiteral("INI file with [relay] settings (same names as the options)."), QStringLiteral("file"));
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"), QStringLiteral("Directory for the relay key and database (default: ./relay-data)."), QStringLiteral("dir"));
    const QCommandLineOption databaseOption(QStringLiteral("database"),
                                            QStringLiteral("postgresql://USER@HOST[:PORT][,HOST[:PORT]...]/DATABASE[?OPTION=VALUE&...] to store in PostgreSQL "
                                                           "(servers tried in turn; password from PGPASSWORD or ~/.pgpass; default: relay.sqlite in "
                                                           "the data directory)."),
                                            QStringLiteral("url"));
    const QCommandLineOption listenOption(QStringLiteral("listen"), QStringLiteral("Address to listen on (default: 127.0.0.1)."), QStringLiteral("address"));
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port (default: 8765; 0 picks a free one)."), QStringLiteral("port"));
    const QCommandLineOption certOption(QStringLiteral("tls-cert"), QStringLiteral("PEM certificate chain: serve wss://."), QStringLiteral("file"));
    const QCommandLineOption keyOption(QStringLiteral("tls-key"), QStringLiteral("PEM private key of the certificate."), QStringLiteral("file"));
    const QCommandLineOption insecureOption(QStringLiteral("allow-insecure-remote"), QStringLiteral("Allow plain ws:// on a non-loopback address."));
    const QCommandLineOption unansweredOption(QStringLiteral("max-unanswered"),
                                              QStringLiteral("Requests a connection may send without waiting for answers before it is closed "
                                                             "(default: 4096, at most 64 MiB of them)."),
                                              QStringLiteral("count"));
    const QCommandLineOption chainOption(QStringLiteral("chain"), QStringLiteral("Ethereum JSON-RPC URL for anchoring (default: the one deploy-registry stored)."), QStringLiteral("url"));
    const QCommandLineOption registryOption(QStringLiteral("registry"), QStringLiteral("MeetingRegistry address (default: the one deploy-registry stored)."), QStringLiteral("address"));
    const QCommandLineOption identityOption(QStringLiteral("identity-registry"),
                                            QStringLiteral("DeeID IdentityRegistry address on --chain: logins and joins must be signed by a key active there "
                                                           "(default: none; only an identity's own key)."),
                                            QStringLiteral("address"));
    const QCommandLineOption identityStaleOption(QStringLiteral("identity-max-stale"),
                                                 QStringLiteral("Refuse new logins and joins when the identity registry could not be read for this long (default: 300)."),
                                                 QStringLiteral("seconds"));
    const QCommandLineOption identityConfirmationsOption(QStringLiteral("identity-confirmations"),
                                                         QStringLiteral("Blocks a key change must be under before the relay reads it (default: 0; "
                                                                        "use more on a chain that can reorganise)."),
                                                         QStringLiteral("blocks"));
    const QCommandLineOption identityFromOption(QStringLiteral("identity-from-block"),
                                                QStringLiteral("The identity registry's deployment block: its logs are read from there (default: 0)."),
                                                QStringLiteral("block"));
    const QCommandLineOption imageFileOption(QStringLiteral("max-image-mib"),
                                             QStringLiteral("Largest image file a host may show, in MiB (default: 64)."), QStringLiteral("MiB"));
    const QCommandLineOption imageMeetingOption(QStringLiteral("max-meeting-images-mib"),
                                                QStringLiteral("Most image bytes one meeting keeps, in MiB (default: 1024)."), QStringLiteral("MiB"));
    const QCommandLineOption monitorOption(QStringLiteral("monitor-port"),
                                           QStringLiteral("Serve GET /healthz and /metrics on 127.0.0.1 at this port (default: none; 0 picks a free one)."),
                                           QStringLiteral("port"));
    parser.addOptions({configOption, dataDirOption, databaseOption, listenOption, portOption, certOption, keyOption, insecureOption, unansweredOption, chainOption, registryOption,
                       identityOption, identityStaleOption, identityFromOption, identityConfirmationsOption, imageFileOption, imageMeetingOption, monitorOption});
    parser.parse(app.arguments());
    if (parser.isSet(QStringLiteral("help"))) {
        if (parser.positionalArguments().value(0) == QStringLiteral("admin")) {
            QTextStream(stdout) << adminUsage;
            return 0;
        }
        parser.showHelp(0);
    }
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.unknownOptionNames().isEmpty() && parser.positionalArguments().value(0) != QStringLiteral("admin")) {
        fail(parser.errorText());
        return 2;
    }

    // Command-line options override the config file, which overrides the defaults.
    QSettings settings(parser.value(configOption), QSettings::IniFormat);
    const auto setting = [&](const QCommandLineOption &option, const QString &fallback) {
        const QString name = option.names().constFirst();
        if (parser.isSet(option))
            return parser.value(option);
        return settings.value(QStringLiteral("relay/") + name, fallback).toString();
    };
    if (parser.isSet(configOption) && settings.status() != QSettings::NoError) {
        fail(QStringLiteral("cannot read config %1").arg(parser.value(configOption)));
        return 2;
    }
    const QString dataDir = setting(dataDirOption, QStringLiteral("relay-data"));
    const QString databaseLocation = setting(databaseOption, databasePath(dataDir));
    const QStringList positional = parser.positionalArguments();
    const QString command = positional.value(0, QStringLiteral("serve"));
    if (command == QStringLiteral("init"))
        return init(dataDir, databaseLocation);
    if (command == QStringLiteral("admin"))
        return admin(databaseLocation, positional.mid(1));
    if (command == QStringLiteral("backup"))
        return backup(dataDir, databaseLocation, positional.value(1));
    if (command == QStringLiteral("deploy-registry"))
        return deployRegistry(dataDir, databaseLocation, setting(chainOption, {}));
    if (command == QStringLiteral("address")) {
        QFile file(keyPath(dataDir));
        auto address = file.open(QIODevice::ReadOnly) ? crypto::keystore::addressOf(file.read(crypto::keystore::maxFileBytes))
                                                      : unexpected(crypto::CryptoError::InvalidAddress);
        if (!address) {
            fail(QStringLiteral("no relay key in %1").arg(dataDir));
            return 1;
        }
        QTextStream(stdout) << address->toChecksumHex() << '\n';
        return 0;
    }
    if (command != QStringLiteral("serve")) {
        fail(QStringLiteral("unknown command \"%1\" (see --help)").arg(command));
        return 2;
    }

    auto key = loadRelayKey(dataDir);
    if (!key) {
        fail(key.error());
        return 1;
    }
    auto database = relay::RelayDatabase::open(databaseLocation);
    if (!database) {
        fail(database.error().detail);
        return 1;
    }
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        fail(schemas.error());
        return 1;
    }
    qCInfo(lcRelay).noquote() << "storing in" << relay::RelayDatabase::describe(databaseLocation);
    // Relays sharing a PostgreSQL database: one serves, the others stand by until its lock is
    // free (it stopped, was killed, or lost its connection), then load the meetings and serve.
    auto serving = (*database)->takeServingLock();
    if (serving && !*serving) {
        QTextStream(stdout) << "cmeet-relay standing by: another relay serves " << relay::RelayDatabase::describe(databaseLocation) << Qt::endl;
        qCInfo(lcRelay) << "standing by until the relay serving this database stops";
        while (serving && !*serving) {
            QThread::msleep(250);
            serving = (*database)->takeServingLock();
        }
    }
    if (!serving) {
        fail(QStringLiteral("cannot take the serving lock: ") + serving.error().detail);
        return 1;
    }
    relay::ServerOptions options;
    options.address = QHostAddress(setting(listenOption, QStringLiteral("127.0.0.1")));
    bool portOk = false;
    options.port = static_cast<quint16>(setting(portOption, QStringLiteral("8765")).toUInt(&portOk));
    if (options.address.isNull() || !portOk) {
        fail(QStringLiteral("--listen needs an IP address and --port a number"));
        return 2;
    }
    options.allowInsecureRemote = parser.isSet(insecureOption) || settings.value(QStringLiteral("relay/allow-insecure-remote")).toBool();
    bool unansweredOk = false;
    options.maxUnanswered = setting(unansweredOption, QStringLiteral("4096")).toLongLong(&unansweredOk);
    if (!unansweredOk || options.maxUnanswered < 1 || options.maxUnanswered > 1000000) {
        fail(QStringLiteral("--max-unanswered needs a number from 1 to 1000000"));
        return 2;
    }
    bool imageFileOk = false;
    bool imageMeetingOk = false;
    const qint64 imageFileMib = setting(imageFileOption, QStringLiteral("64")).toLongLong(&imageFileOk);
    const qint64 imageMeetingMib = setting(imageMeetingOption, QStringLiteral("1024")).toLongLong(&imageMeetingOk);
    if (!imageFileOk || !imageMeetingOk || imageFileMib < 1 || imageMeetingMib < imageFileMib || imageMeetingMib > 1024 * 1024) {
        fail(QStringLiteral("--max-image-mib needs at least 1 and --max-meeting-images-mib at least as much (at most 1048576)"));
        return 2;
    }
    const relay::ImageLimits imageLimits{imageFileMib * 1024 * 1024, imageMeetingMib * 1024 * 1024};
    const QString monitorText = setting(monitorOption, {});
    bool monitorOk = true;
    const quint16 monitorPort = monitorText.isEmpty() ? 0 : static_cast<quint16>(monitorText.toUInt(&monitorOk));
    if (!monitorOk) {
        fail(QStringLiteral("--monitor-port needs a port number"));
        return 2;
    }
    QString tlsError;
    options.tls = tlsConfiguration(setting(certOption, {}), setting(keyOption, {}), tlsError);
    if (!tlsError.isEmpty()) {
        fail(tlsError);
        return 2;
    }
    // Anchoring: the chain and registry from the command line or config, else as deployed.
    relay::RelayDatabase &stored = **database;
    const QUrl chainUrl(setting(chainOption, stored.setting(QStringLiteral("chain")).value_or(QString())));
    const QString registryText = setting(registryOption, stored.setting(QStringLiteral("registry")).value_or(QString()));
    const QString identityText = setting(identityOption, {});
    const auto registry = crypto::Address::fromHex(registryText);
    const auto identityRegistry = crypto::Address::fromHex(identityText);
    if ((!registryText.isEmpty() && !registry) || (!identityText.isEmpty() && !identityRegistry)) {
        fail(QStringLiteral("--registry and --identity-registry must be addresses"));
        return 2;
    }
    if (identityRegistry && chainUrl.isEmpty()) {
        fail(QStringLiteral("--identity-registry needs --chain"));
        return 2;
    }
    relay::IdentitySyncSettings identitySettings{chainUrl, identityRegistry.value_or(crypto::Address())};
    relay::IdentityPolicy identity{identityRegistry.hasValue()};
    bool numbersOk = true;
    bool fromBlockOk = true;
    // At least two sync periods, at most a day (and no overflow in milliseconds).
    const qint64 staleSeconds = setting(identityStaleOption, QStringLiteral("300")).toLongLong(&numbersOk);
    bool confirmationsOk = true;
    identitySettings.fromBlock = setting(identityFromOption, QStringLiteral("0")).toULongLong(&fromBlockOk);
    identitySettings.confirmations = setting(identityConfirmationsOption, QStringLiteral("0")).toULongLong(&confirmationsOk);
    if (!numbersOk || !fromBlockOk || !confirmationsOk || staleSeconds * 1000 < 2 * identitySettings.periodMs || staleSeconds > 24 * 3600
        || identitySettings.confirmations > 1000) {
        fail(QStringLiteral("--identity-max-stale needs 4 to 86400 seconds, --identity-from-block a block number and --identity-confirmations 0 to 1000"));
        return 2;
    }
    identity.maxStaleMs = staleSeconds * 1000;
    // Published with each meeting's anchoring state, so clients check device keys against it.
    if (!stored.setSetting(QStringLiteral("identityRegistry"), identityRegistry ? identityRegistry->toLowerHex() : QString())) {
        fail(QStringLiteral("cannot store the identity registry's address"));
        return 1;
    }
    auto service = relay::RelayService::open(**database, *key, *schemas, [] { return QDateTime::currentMSecsSinceEpoch(); }, {}, identity, imageLimits);
    if (!service) {
        fail(service.error());
        return 1;
    }
    // SQLite: the write-ahead log goes into the file from a thread of its own; if that thread
    // cannot open the database, the relay's own connection does it again.
    QThread checkpointThread;
    std::unique_ptr<relay::Checkpointer> checkpointer;
    if (stored.engine() == relay::RelayDatabase::Engine::Sqlite) {
        checkpointer = std::make_unique<relay::Checkpointer>(databaseLocation);
        checkpointer->moveToThread(&checkpointThread);
        QObject::connect(&checkpointThread, &QThread::started, checkpointer.get(), &relay::Checkpointer::start);
        QObject::connect(checkpointer.get(), &relay::Checkpointer::unavailable, &app, [&stored] { (void)stored.setAutomaticCheckpoints(true); });
        if (auto leftToOthers = stored.setAutomaticCheckpoints(false); !leftToOthers) {
            fail(leftToOthers.error().detail);
            return 1;
        }
        checkpointThread.start();
    }
    const auto stopCheckpoints = qScopeGuard([&] {
        checkpointThread.quit();
        checkpointThread.wait();
    });
    QThread anchorThread;
    std::unique_ptr<relay::AnchorWorker> anchorWorker;
    if (!chainUrl.isEmpty() && registry) {
        anchorWorker = std::make_unique<relay::AnchorWorker>(databaseLocation, *key, relay::ChainSettings{chainUrl, *registry});
        anchorWorker->moveToThread(&anchorThread);
        QObject::connect(&anchorThread, &QThread::started, anchorWorker.get(), &relay::AnchorWorker::start);
        anchorThread.start();
    } else {
        qCInfo(lcRelay) << "no chain configured: meetings are queued for anchoring but not anchored";
    }
    QThread identityThread;
    std::unique_ptr<relay::IdentitySync> identitySync;
    if (identityRegistry) {
        identitySync = std::make_unique<relay::IdentitySync>(databaseLocation, identitySettings);
        identitySync->moveToThread(&identityThread);
        QObject::connect(&identityThread, &QThread::started, identitySync.get(), &relay::IdentitySync::start);
        // After each sync the relay's thread reads the new copy into memory.
        relay::RelayService *relayService = service->get();
        QObject::connect(identitySync.get(), &relay::IdentitySync::synced, &app, [relayService](bool keysChanged) {
            if (auto reloaded = relayService->reloadIdentityKeys(keysChanged); !reloaded)
                qCWarning(lcRelay) << "cannot read the identity keys:" << reloaded.error().detail;
        });
        // Listen once the registry has been read, or after 10 s (new logins are then refused as
        // stale until the node answers).
        QEventLoop firstSync;
        QObject::connect(identitySync.get(), &relay::IdentitySync::synced, &firstSync, &QEventLoop::quit);
        QTimer::singleShot(10000, &firstSync, &QEventLoop::quit);
        identityThread.start();
        firstSync.exec();
    }
    const auto stopIdentitySync = qScopeGuard([&] {
        identityThread.quit();
        identityThread.wait();
    });
    const auto stopAnchoring = qScopeGuard([&] {
        anchorThread.quit();
        anchorThread.wait();
    });

    relay::RelayServer server(**service);
    if (auto ok = server.listen(options); !ok) {
        fail(ok.error());
        return 1;
    }
    // Scripts and tests read this line to learn the port.
    QTextStream(stdout) << "cmeet-relay " << key->address().toChecksumHex() << " listening on " << server.url() << Qt::endl;
    std::optional<relay::MonitoringServer> monitoring;
    if (!monitorText.isEmpty()) {
        relay::RelayService *relayService = service->get();
        monitoring.emplace(relay::MonitoringServer::Sources{[relayService] { return relayService->figures(); },
                                                            [&server] { return server.connectionCount(); },
                                                            [&server] { return server.acks(); },
                                                            [] { return QDateTime::currentMSecsSinceEpoch(); },
                                                            identityRegistry ? identity.maxStaleMs : 0});
        const auto port = monitoring->listen(monitorPort);
        if (!port) {
            fail(port.error());
            return 1;
        }
        QTextStream(stdout) << "cmeet-relay monitoring on http://127.0.0.1:" << *port << "/healthz and /metrics" << Qt::endl;
    }
    qCInfo(lcRelay) << (*service)->openMeetings() << "open meetings resumed";
    // The serving lock lasts as long as the database connection: once that is lost another
    // relay may take over, so this one stops (its service manager starts it again, standing by).
    QTimer connectionWatch;
    if (stored.engine() == relay::RelayDatabase::Engine::Postgres) {
        QObject::connect(&connectionWatch, &QTimer::timeout, &app, [&stored] {
            if (!stored.run(QStringLiteral("SELECT 1"))) {
                qCCritical(lcRelay) << "lost the database connection, and with it the serving lock: stopping";
                QCoreApplication::exit(3);
            }
        });
        connectionWatch.start(1000);
    }
    // No shutdown handler: every acknowledged event is committed before it is sent, so
    // SIGTERM/SIGKILL at any instant lose nothing.
    return QCoreApplication::exec();
}
