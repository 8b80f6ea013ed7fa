#include "test_pki.h"

#include "program_run.h"

#include <QDir>
#include <QFile>

namespace cmeet::test {

bool makeTestPki(const QString &dir)
{
    const auto openssl = [&](const QStringList &arguments) {
        ProgramOptions options;
        options.workingDirectory = dir;
        return runProgram(QStringLiteral("openssl"), arguments, options).exitCode == 0;
    };
    QFile extensions(QDir(dir).filePath(QStringLiteral("san.ext")));
    if (!extensions.open(QIODevice::WriteOnly) || extensions.write("subjectAltName=IP:127.0.0.1\n") < 0)
        return false;
    extensions.close();
    const QStringList ec{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
    return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec
                   + QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"), QStringLiteral("ca.pem"),
                                 QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=c-meet test CA")})
        && openssl(QStringList{QStringLiteral("req")} + ec
                   + QStringList{QStringLiteral("-keyout"), QStringLiteral("relay.key"), QStringLiteral("-out"), QStringLiteral("relay.csr"),
                                 QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")})
        && openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), QStringLiteral("relay.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                    QStringLiteral("-CAkey"), QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"), QStringLiteral("-out"), QStringLiteral("relay.pem"),
                    QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-extfile"), QStringLiteral("san.ext")});
}

} // namespace cmeet::test
