#include "client/ui/app_settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>
#include <QSettings>

namespace cmeet::client {


AppSettings AppSettings::load(const QString &profileDir)
{
    AppSettings out;
    out.profileDir = profileDir;
    const QSettings stored(QDir(profileDir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    out.relayUrl = QUrl(stored.value(QStringLiteral("relay/url"), out.relayUrl.toString()).toString());
    out.trustedCaFile = stored.value(QStringLiteral("relay/caFile")).toString();
    out.chainRpcUrl = QUrl(stored.value(QStringLiteral("chain/rpcUrl")).toString());
    out.identityRegistry = stored.value(QStringLiteral("chain/identityRegistry")).toString();
    out.anchorRegistry = stored.value(QStringLiteral("chain/anchorRegistry")).toString();
    return out;
}

void AppSettings::save() const
{
    QDir().mkpath(profileDir);
    QSettings stored(QDir(profileDir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    stored.setValue(QStringLiteral("relay/url"), relayUrl.toString());
    stored.setValue(QStringLiteral("relay/caFile"), trustedCaFile);
    stored.setValue(QStringLiteral("chain/rpcUrl"), chainRpcUrl.toString());
    stored.setValue(QStringLiteral("chain/identityRegistry"), identityRegistry);
    stored.setValue(QStringLiteral("chain/anchorRegistry"), anchorRegistry);
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

QString AppSettings::replicaPath(const QString &meetingId) const
{
    QDir dir(profileDir);
    dir.mkpath(QStringLiteral("meetings"));
    return dir.filePath(QStringLiteral("meetings/%1.cmeet").arg(meetingId));
}

} // namespace cmeet::client
