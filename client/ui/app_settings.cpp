#include "client/ui/app_settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QSettings>
#include <QSslCertificate>

namespace cmeet::client {

namespace {

std::optional<crypto::Address> addressOf(const QString &text)
{
    auto address = crypto::Address::fromHex(text.trimmed());
    return address ? std::optional(*address) : std::nullopt;
}

} // namespace

AppSettings AppSettings::load(const QString &profileDir)
{
    AppSettings out;
    out.profileDir = profileDir;
    const QSettings stored(QDir(profileDir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    out.relayUrl = QUrl(stored.value(QStringLiteral("relay/url"), out.relayUrl.toString()).toString());
    out.standbyRelayUrl = QUrl(stored.value(QStringLiteral("relay/standbyUrl")).toString());
    out.trustedCaFile = stored.value(QStringLiteral("relay/caFile")).toString();
    out.chainRpcUrl = QUrl(stored.value(QStringLiteral("chain/rpcUrl")).toString());
    out.identityRegistry = stored.value(QStringLiteral("chain/identityRegistry")).toString();
    out.anchorRegistry = stored.value(QStringLiteral("chain/anchorRegistry")).toString();
    out.identity = stored.value(QStringLiteral("identity/address")).toString();
    out.resumeMeeting = stored.value(QStringLiteral("session/openMeeting")).toString();
    return out;
}

void AppSettings::save() const
{
    QDir().mkpath(profileDir);
    QSettings stored(QDir(profileDir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    stored.setValue(QStringLiteral("relay/url"), relayUrl.toString());
    stored.setValue(QStringLiteral("relay/standbyUrl"), standbyRelayUrl.toString());
    stored.setValue(QStringLiteral("relay/caFile"), trustedCaFile);
    stored.setValue(QStringLiteral("chain/rpcUrl"), chainRpcUrl.toString());
    stored.setValue(QStringLiteral("chain/identityRegistry"), identityRegistry);
    stored.setValue(QStringLiteral("chain/anchorRegistry"), anchorRegistry);
    stored.setValue(QStringLiteral("identity/address"), identity);
    stored.setValue(QStringLiteral("session/openMeeting"), resumeMeeting);
}

QList<QUrl> AppSettings::relayUrls() const
{
    return standbyRelayUrl.isEmpty() ? QList<QUrl>{relayUrl} : QList<QUrl>{relayUrl, standbyRelayUrl};
}

QString AppSettings::relaysProblem() const
{
    if (QString problem = relayUrlProblem(relayUrl); !problem.isEmpty())
        return problem;
    const QString standby = standbyRelayUrl.isEmpty() ? QString() : relayUrlProblem(standbyRelayUrl);
    return standby.isEmpty() ? QString() : QCoreApplication::translate("AppSettings", "Standby address: %1").arg(standby);
}

QString AppSettings::relayUrlProblem(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QCoreApplication::translate("AppSettings", "Enter the relay's address, such as wss://relay.example.org.");
    if (url.scheme() == QStringLiteral("wss"))
        return {};
    if (url.scheme() != QStringLiteral("ws"))
        return QCoreApplication::translate("AppSettings", "The relay's address starts with wss://.");
    const QHostAddress host(url.host());
    if (url.host() == QStringLiteral("localhost") || host.isLoopback())
        return {};
    return QCoreApplication::translate("AppSettings", "Unencrypted ws:// is only for a relay on this computer; use wss:// for %1.").arg(url.host());
}

QString AppSettings::caFileProblem(const QString &path)
{
    if (path.isEmpty())
        return {};
    if (!QFileInfo(path).isReadable())
        return QCoreApplication::translate("AppSettings", "The CA file %1 cannot be read.").arg(path);
    if (QSslCertificate::fromPath(path, QSsl::Pem).isEmpty())
        return QCoreApplication::translate("AppSettings", "The CA file %1 holds no PEM certificate.").arg(path);
    return {};
}

QString AppSettings::chainUrlProblem(const QUrl &url)
{
    if (url.isEmpty())
        return {};
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https")))
        return QCoreApplication::translate("AppSettings", "The chain node's address is an http:// or https:// URL, such as https://chain.example.org:8545.");
    // What the node answers decides whether a record verifies: only over TLS, unless it runs here.
    if (url.scheme() == QStringLiteral("http") && url.host() != QStringLiteral("localhost") && !QHostAddress(url.host()).isLoopback())
        return QCoreApplication::translate("AppSettings", "Unencrypted http:// is only for a chain node on this computer; use https:// for %1.").arg(url.host());
    return {};
}

QString AppSettings::addressProblem(const QString &address)
{
    if (address.trimmed().isEmpty() || addressOf(address))
        return {};
    return QCoreApplication::translate("AppSettings", "%1 is not an address: 0x and 40 hexadecimal digits (check the mixed-case letters if copied).").arg(address.trimmed());
}

QString AppSettings::problem() const
{
    for (const QString &problem : {relaysProblem(), caFileProblem(trustedCaFile), chainUrlProblem(chainRpcUrl),
                                   addressProblem(anchorRegistry), addressProblem(identityRegistry), addressProblem(identity)})
        if (!problem.isEmpty())
            return problem;
    return {};
}

std::optional<crypto::Address> AppSettings::anchorRegistryAddress() const { return addressOf(anchorRegistry); }

std::optional<crypto::Address> AppSettings::identityRegistryAddress() const { return addressOf(identityRegistry); }

crypto::Address AppSettings::identityFor(const crypto::PrivateKey &key) const { return addressOf(identity).value_or(key.address()); }

QString AppSettings::replicaPath(const QString &meetingId) const
{
    QDir dir(profileDir);
    dir.mkpath(QStringLiteral("meetings"));
    return dir.filePath(QStringLiteral("meetings/%1.cmeet").arg(meetingId));
}

} // namespace cmeet::client
