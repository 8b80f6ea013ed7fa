#include "crypto/passphrase.h"

#include <QFile>
#include <QTextStream>

#include <cstdio>
#include <cstring>
#include <termios.h>
#include <unistd.h>

namespace cmeet::crypto {

SecretBytes readPassphrase(const QString &environmentVariable, const QString &prompt, bool confirm)
{
    QByteArray fromEnvironment = qgetenv(environmentVariable.toLatin1().constData());
    if (!fromEnvironment.isEmpty()) {
        SecretBytes passphrase(fromEnvironment);
        secureWipe(fromEnvironment.data(), fromEnvironment.size()); // sole owner: no detach, the real buffer
        // Child processes (chain nodes, helpers) must not inherit it.
        qunsetenv(environmentVariable.toLatin1().constData());
        return passphrase;
    }
    if (isatty(STDIN_FILENO) == 0)
        return {};

    const auto ask = [](const QString &text) {
        QTextStream(stderr) << text << Qt::flush;
        termios saved{};
        tcgetattr(STDIN_FILENO, &saved);
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &silent);
        char buffer[1024];
        const bool read = std::fgets(buffer, sizeof buffer, stdin) != nullptr;
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        QTextStream err(stderr);
        err << Qt::endl;
        qsizetype length = read ? static_cast<qsizetype>(strnlen(buffer, sizeof buffer)) : 0;
        while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r'))
            --length;
        SecretBytes passphrase(QByteArrayView(buffer, length));
        secureWipe(buffer, sizeof buffer);
        return passphrase;
    };
    SecretBytes first = ask(prompt);
    if (confirm && !first.isEmpty() && !(ask(QStringLiteral("Repeat the passphrase: ")) == first)) {
        QTextStream err(stderr);
        err << "the passphrases differ" << Qt::endl;
        return {};
    }
    return first;
}

SecretBytes readPassphraseFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    char buffer[1024];
    const qint64 read = file.read(buffer, sizeof buffer);
    qsizetype length = 0;
    while (length < read && buffer[length] != '\n' && buffer[length] != '\r')
        ++length;
    SecretBytes passphrase(QByteArrayView(buffer, length));
    secureWipe(buffer, sizeof buffer);
    return passphrase;
}

} // namespace cmeet::crypto
