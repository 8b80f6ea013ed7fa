#pragma once
// What a profile remembers (settings.ini in the profile's folder): where the relay is, which CA
// to trust for it, the chain node and the registries. One profile per person on a shared machine,
// and one per simulated person in the tests.

#include <QString>
#include <QUrl>

namespace cmeet::client {

struct AppSettings {
    QString profileDir;       // settings, meeting replicas (meetings/<id>.cmeet)
    QUrl relayUrl{QStringLiteral("ws://127.0.0.1:8765")};
    QString trustedCaFile;    // PEM; empty: the system's CAs
    QUrl chainRpcUrl;         // empty: no chain checks
    QString identityRegistry; // contract addresses, 0x-hex (empty: none)
    QString anchorRegistry;

    [[nodiscard]] static AppSettings load(const QString &profileDir);
    void save() const;
    // Why the relay URL cannot be used, or empty: ws:// only on loopback, wss:// anywhere.
    [[nodiscard]] static QString relayUrlProblem(const QUrl &url);
    [[nodiscard]] QString replicaPath(const QString &meetingId) const;
};

} // namespace cmeet::client
