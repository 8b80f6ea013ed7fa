#pragma once
// A benchmark's command line: --help, and anything it does not know refused before any work
// starts (a full run started by mistake loads the machine for minutes).

#include <QHash>
#include <QStringList>
#include <QTextStream>

#include <cstdlib>

namespace cmeet::bench {

// options: each option the program takes and how many values may follow it (values do not start
// with "--"). Prints usage and exits on --help; exits with 2 on an unknown argument.
inline void checkArguments(const QStringList &arguments, const QString &usage, const QHash<QString, int> &options)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QStringLiteral("--help") || argument == QStringLiteral("-h")) {
            QTextStream(stdout) << usage;
            std::exit(0);
        }
        const auto option = options.constFind(argument);
        if (option == options.cend()) {
            QTextStream(stderr) << arguments.constFirst() << ": unknown argument " << argument << " (--help lists them)\n";
            std::exit(2);
        }
        for (int taken = 0; taken < *option && i + 1 < arguments.size() && !arguments.at(i + 1).startsWith(QStringLiteral("--")); ++taken)
            ++i;
    }
}

} // namespace cmeet::bench
