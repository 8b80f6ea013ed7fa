#pragma once
// A local Ethereum dev chain (anvil from npm, pinned in contracts/package.json) on 127.0.0.1 with
// a free port, for tests and the demo. Started, stopped, and restarted on the same port (to
// test a node that goes away and comes back).

#include <QProcess>
#include <QUrl>

namespace cmeet::client {

class LocalChain {
public:
    explicit LocalChain(QString binary);
    ~LocalChain();
    LocalChain(const LocalChain &) = delete;
    LocalChain &operator=(const LocalChain &) = delete;

    // contracts/node_modules/.../anvil under sourceDir or next to the program, else on the PATH.
    [[nodiscard]] static QString findBinary(const QString &sourceDir = {});

    // port 0: a free one. stateFile: the chain is loaded from it if it exists and written to it
    // when stopped, so a restart continues the same chain. False with the output in lastOutput().
    // extraArguments go to anvil as they are (e.g. --timestamp SECONDS: a chain whose clock starts then).
    bool start(quint16 port = 0, const QString &stateFile = {}, const QStringList &extraArguments = {});
    // SIGTERM (anvil writes its state file), SIGKILL if it does not end within 10 s.
    void stop();
    // Freezes and thaws the node (SIGSTOP/SIGCONT): a node that stops answering, state intact.
    void pause();
    void resume();
    [[nodiscard]] QUrl url() const { return m_url; }
    [[nodiscard]] quint16 port() const { return static_cast<quint16>(m_url.port()); }
    [[nodiscard]] QString lastOutput() const { return m_lastOutput; }

private:
    QString m_binary;
    QProcess m_process;
    QUrl m_url;
    QString m_lastOutput;
};

} // namespace cmeet::client
