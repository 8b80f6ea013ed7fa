#include "client/core/relay_link.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcLink, "cmeet.client.link", QtInfoMsg)

namespace cmeet::client {

using protocol::ErrorCode;
using protocol::ProtocolError;

RelayLink::RelayLink(crypto::Address identity, crypto::PrivateKey key, QObject *parent)
    : QObject(parent), m_identity(std::move(identity)), m_key(std::move(key))
{
    m_connection.setKeepReceived(false);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RelayLink::connectNow);
    connect(&m_connection, &RelayConnection::challenged, this, &RelayLink::onChallenge);
    connect(&m_connection, &RelayConnection::responseReceived, this, &RelayLink::onResponse);
    connect(&m_connection, &RelayConnection::eventReceived, this, &RelayLink::eventReceived);
    connect(&m_connection, &RelayConnection::connectionFailed, this, [this](const QString &reason) {
        // Most often the hospital's own CA, not yet trusted: say where that is fixed.
        onLost(m_connection.certificateRejected() ? tr("%1; if your hospital issues its own certificates, choose its CA file in Settings").arg(reason)
                                                  : reason);
    });
    connect(&m_connection, &RelayConnection::disconnected, this, [this] { onLost(tr("the connection closed")); });
    m_stateText = tr("Not connected");
}

RelayLink::~RelayLink()
{
    // Closing the socket below emits its signals; nothing here may hear them half-destroyed.
    m_connection.disconnect(this);
    m_retry.stop();
}

void RelayLink::setBackoff(int firstMs, int maxMs)
{
    m_firstBackoffMs = std::max(1, firstMs);
    m_maxBackoffMs = std::max(m_firstBackoffMs, maxMs);
}

void RelayLink::start(const QList<QUrl> &urls)
{
    m_urls = urls;
    m_urlIndex = 0;
    m_running = true;
    m_failedAttempts = 0;
    connectNow();
}

void RelayLink::stop()
{
    m_running = false;
    m_retry.stop();
    m_connection.close();
    failPending(tr("disconnected from the relay"));
    setState(State::Offline, tr("Not connected"));
}

void RelayLink::retryNow()
{
    if (m_running && m_state == State::Offline)
        connectNow();
}

void RelayLink::connectNow()
{
    m_retry.stop();
    if (!m_running)
        return;
    setState(State::Connecting, tr("Connecting to %1…").arg(url().toDisplayString()));
    m_connection.openAsync(url());
}

void RelayLink::onChallenge()
{
    if (m_state != State::Connecting)
        return;
    if (m_expectedRelay && m_connection.relayAddress() != *m_expectedRelay) {
        m_running = false;
        m_connection.close();
        setState(State::Refused, tr("The relay at %1 is not the one this profile knows (it is %2, expected %3). "
                                    "Check the relay address in Settings, or ask your administrator.")
                                     .arg(url().toDisplayString(), m_connection.relayAddress().toChecksumHex(), m_expectedRelay->toChecksumHex()));
        return;
    }
    auto id = m_connection.sendLogin(m_identity, m_key);
    if (!id) {
        onLost(id.error().detail);
        return;
    }
    m_loginId = *id;
    setState(State::LoggingIn, tr("Logging in…"));
}

void RelayLink::onResponse(qint64 id)
{
    const std::optional<QJsonObject> response = m_connection.takeResponse(id);
    if (!response)
        return;
    if (id == m_loginId && m_state == State::LoggingIn) {
        const auto result = RelayConnection::responseResult(*response);
        if (result) {
            m_account = result->toObject();
            m_failedAttempts = 0;
            setState(State::Online, tr("Connected as %1").arg(m_account.value(QStringLiteral("name")).toString()));
            Q_EMIT online();
        } else if (result.error().code == ErrorCode::IdentityRegistryStale) {
            onLost(result.error().detail); // the relay's copy of the registry catches up: try again
        } else {
            m_running = false;
            m_connection.close();
            // What to do next: a device key not (or no longer) active is added in the identity
            // registry by its owner; an identity the relay does not know is enrolled by its administrator.
            const bool deviceKey = m_key.address() != m_identity && result.error().code == ErrorCode::KeyNotActive;
            setState(State::Refused, deviceKey ? tr("The relay refused this computer's key (%1): %2. Add key %3 for your identity %4 in the identity "
                                                    "registry (cmeet-cli registrar add-key), or ask your registrar.")
                                                     .arg(protocol::wireCode(result.error().code), result.error().detail, m_key.address().toChecksumHex(),
                                                          m_identity.toChecksumHex())
                                               : tr("The relay refused this identity (%1): %2. Ask the relay's administrator to enrol %3.")
                                                     .arg(protocol::wireCode(result.error().code), result.error().detail, m_identity.toChecksumHex()));
        }
        return;
    }
    const auto pending = m_pending.constFind(id);
    if (pending == m_pending.cend())
        return;
    const Pending waiting = *pending;
    m_pending.erase(pending);
    if (waiting.context)
        waiting.reply(RelayConnection::responseResult(*response));
}

void RelayLink::onLost(const QString &reason)
{
    failPending(tr("the connection to the relay was lost before it answered"));
    if (!m_running || m_retry.isActive())
        return; // a failure reported twice (an error, then the close) retries once
    ++m_failedAttempts;
    const int exponent = std::min(m_failedAttempts - 1, 16);
    const int backoffMs = static_cast<int>(std::min<qint64>(qint64(m_firstBackoffMs) << exponent, m_maxBackoffMs));
    const QUrl lost = url();
    if (!m_urls.isEmpty())
        m_urlIndex = (m_urlIndex + 1) % m_urls.size();
    qCInfo(lcLink) << "relay" << lost.toDisplayString() << "lost:" << reason << "- trying" << url().toDisplayString() << "in" << backoffMs << "ms";
    m_retry.start(backoffMs);
    const QString seconds = QString::number((backoffMs + 999) / 1000);
    setState(State::Offline, m_urls.size() > 1 ? tr("Cannot reach the relay at %1 (%2). Trying %3 in %4 s.").arg(lost.toDisplayString(), reason, url().toDisplayString(), seconds)
                                               : tr("Cannot reach the relay at %1 (%2). Retrying in %3 s.").arg(lost.toDisplayString(), reason, seconds));
}

void RelayLink::request(const QString &method, const QJsonObject &params, const QObject *context, Reply reply)
{
    if (m_state != State::Online) {
        // Answered later, like any other answer: callers never see their reply run inside request().
        QTimer::singleShot(0, context, [reply = std::move(reply), text = m_stateText] {
            reply(unexpected(ProtocolError{ErrorCode::InternalError, tr("not connected to the relay: %1").arg(text)}));
        });
        return;
    }
    m_pending.insert(m_connection.send(method, params), {context, std::move(reply)});
}

void RelayLink::failPending(const QString &reason)
{
    const QHash<qint64, Pending> pending = std::exchange(m_pending, {});
    for (const Pending &waiting : pending) {
        if (waiting.context)
            waiting.reply(unexpected(ProtocolError{ErrorCode::InternalError, reason}));
    }
}

void RelayLink::setState(State state, const QString &text)
{
    if (state == m_state && text == m_stateText)
        return;
    m_state = state;
    m_stateText = text;
    Q_EMIT stateChanged(state, text);
}

QString describe(RelayLink::State state)
{
    switch (state) {
    case RelayLink::State::Offline:
        return RelayLink::tr("offline");
    case RelayLink::State::Connecting:
        return RelayLink::tr("connecting");
    case RelayLink::State::LoggingIn:
        return RelayLink::tr("logging in");
    case RelayLink::State::Online:
        return RelayLink::tr("online");
    case RelayLink::State::Refused:
        return RelayLink::tr("refused");
    }
    return {};
}

} // namespace cmeet::client
