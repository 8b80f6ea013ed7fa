#pragma once
// What a profile remembers (settings.ini in the profile's folder): where the relay is, which CA
// to trust for it, the chain node and the registries. One profile per person on a shared machine,
// and one per simulated person in the tests.

#include "crypto/keys.h"

#include <QString>
#include <QUrl>

#include <optional>

namespace cmeet::client {

struct AppSettings {
    QString profileDir;       // settings, meeting replicas (meetings/<id>.cmeet)
    QUrl relayUrl{QStringLiteral("ws://127.0.0.1:8765")};
    QUrl standbyRelayUrl;     // empty: none. The relay that serves when the first cannot (the same database)
    QString trustedCaFile;    // PEM; empty: the system's CAs
    QUrl chainRpcUrl;         // empty: no chain checks
    QString identityRegistry; // contract addresses, 0x-hex (empty: none)
    QString anchorRegistry;
    QString resumeMeeting;    // the meeting open when the app last quit: reopened while it is running
    QString identity;         // the identity this profile's key signs for when it is a device key (empty: the key's own)

    [[nodiscard]] static AppSettings load(const QString &profileDir);
    // The relay, then its standby if one is set: the addresses to try in turn.
    [[nodiscard]] QList<QUrl> relayUrls() const;
    void save() const;
    // Why a value cannot be used, or empty. Relay: ws:// only on loopback, wss:// anywhere.
    [[nodiscard]] static QString relayUrlProblem(const QUrl &url);
    // The relay's address, then the standby's (if set).
    [[nodiscard]] QString relaysProblem() const;
    // A CA file: empty, or a readable PEM file with at least one certificate.
    [[nodiscard]] static QString caFileProblem(const QString &path);
    // The chain node: empty (no chain checks), or an https:// JSON-RPC endpoint (http:// on loopback).
    [[nodiscard]] static QString chainUrlProblem(const QUrl &url);
    // A registry or identity: empty (a registry as the meeting names it), or an address (EIP-55 if mixed case).
    [[nodiscard]] static QString addressProblem(const QString &address);
    // The first problem of all the fields, or empty.
    [[nodiscard]] QString problem() const;

    // The registries an auditor trusts, overriding what a meeting file names (nullopt: none set).
    [[nodiscard]] std::optional<crypto::Address> anchorRegistryAddress() const;
    [[nodiscard]] std::optional<crypto::Address> identityRegistryAddress() const;
    // Whom key signs for: the identity set above, or the key's own address.
    [[nodiscard]] crypto::Address identityFor(const crypto::PrivateKey &key) const;
    [[nodiscard]] QString replicaPath(const QString &meetingId) const;
};

} // namespace cmeet::client
