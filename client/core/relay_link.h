#pragma once
// The desktop app's connection to its relay (DESIGN.md §9): connects, logs in, and after a lost
// connection reconnects with backoff, all without waiting (no nested event loops). Requests get
// their answer through a callback; broadcasts arrive as a signal. One per app, shared by the
// meetings it has open.

#include "client/core/relay_connection.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <optional>

namespace cmeet::client {

class RelayLink : public QObject {
    Q_OBJECT

public:
    enum class State {
        Offline,    // not connected; retrying after the backoff unless stopped
        Connecting, // waiting for the relay's challenge
        LoggingIn,  // the signed challenge is on its way
        Online,     // logged in: requests go out
        Refused,    // the relay said no to this identity (or is not the expected relay): no retries
    };
    Q_ENUM(State)

    using Reply = std::function<void(const Expected<QJsonValue, protocol::ProtocolError> &result)>;

    // key signs for identity (its own key, or a device key added in the identity registry).
    RelayLink(crypto::Address identity, crypto::PrivateKey key, QObject *parent = nullptr);
    ~RelayLink() override;

    void setTrustedCertificates(const QList<QSslCertificate> &certificates) { m_connection.setTrustedCertificates(certificates); }
    // The relay's address as known from before: another relay at the URL is refused.
    void setExpectedRelay(std::optional<crypto::Address> relay) { m_expectedRelay = std::move(relay); }
    // Retries after firstMs, doubling up to maxMs (defaults 500 ms and 30 s).
    void setBackoff(int firstMs, int maxMs);

    // Connects and logs in, and keeps doing so after every loss until stop(). With several URLs
    // (a relay and its standby, which serves when the first cannot) each loss moves on to the next.
    void start(const QUrl &url) { start(QList<QUrl>{url}); }
    void start(const QList<QUrl> &urls);
    void stop();
    // Tries again now rather than after the backoff (the user asked to).
    void retryNow();

    [[nodiscard]] State state() const { return m_state; }
    // What the state means for the user (why offline, who is logged in...).
    [[nodiscard]] QString stateText() const { return m_stateText; }
    [[nodiscard]] const crypto::Address &identity() const { return m_identity; }
    [[nodiscard]] const crypto::PrivateKey &signingKey() const { return m_key; }
    [[nodiscard]] const crypto::Address &relayAddress() const { return m_connection.relayAddress(); }
    // The URL in use, or tried next.
    [[nodiscard]] QUrl url() const { return m_urls.value(m_urlIndex); }
    // The login's answer: identity, name and role.
    [[nodiscard]] const QJsonObject &account() const { return m_account; }
    // Failed attempts since the last login.
    [[nodiscard]] int failedAttempts() const { return m_failedAttempts; }

    // Sends a request; reply is called once, later, with its answer, or with an error when not
    // online or when the connection is lost before the answer. Not called once context is gone.
    void request(const QString &method, const QJsonObject &params, const QObject *context, Reply reply);

Q_SIGNALS:
    void stateChanged(cmeet::client::RelayLink::State state, const QString &text);
    // After each login, the first and every one after a reconnect: time to catch up.
    void online();
    void eventReceived(const cmeet::client::RelayEvent &event);

private:
    struct Pending {
        QPointer<const QObject> context;
        Reply reply;
    };

    void connectNow();
    void onChallenge();
    void onResponse(qint64 id);
    void onLost(const QString &reason);
    void setState(State state, const QString &text);
    void failPending(const QString &reason);

    crypto::Address m_identity;
    crypto::PrivateKey m_key;
    std::optional<crypto::Address> m_expectedRelay;
    RelayConnection m_connection;
    QList<QUrl> m_urls;
    qsizetype m_urlIndex = 0;
    State m_state = State::Offline;
    QString m_stateText;
    QJsonObject m_account;
    bool m_running = false;
    qint64 m_loginId = 0;
    QHash<qint64, Pending> m_pending;
    QTimer m_retry;
    int m_firstBackoffMs = 500;
    int m_maxBackoffMs = 30000;
    int m_failedAttempts = 0;
};

[[nodiscard]] QString describe(RelayLink::State state);

} // namespace cmeet::client
