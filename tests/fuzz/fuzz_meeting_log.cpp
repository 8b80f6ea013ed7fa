// The auditors' log verifier (DESIGN.md §3) on a meeting log, one entry per line. Nothing
// crashes, and the three ways it runs agree: the whole log on one thread, on three threads in
// small chunks, and entry by entry as a client checks what arrives (LogVerifier).

#include "fuzz_support.h"
#include "ledger/meeting_verifier.h"

using namespace cmeet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ensureApplication();
    static const auto schemas = *protocol::SchemaValidator::load();
    const QList<QByteArray> entries = fuzz::view(data, size).split('\n');
    ledger::ReadOptions one;
    one.threads = 1;
    ledger::ReadOptions three;
    three.threads = 3;
    three.chunk = 2;
    const ledger::VerificationReport report = ledger::verifyMeetingLog(entries, *schemas, std::nullopt, {}, one);
    const ledger::VerificationReport threaded = ledger::verifyMeetingLog(entries, *schemas, std::nullopt, {}, three);
    fuzz::check(report.problems == threaded.problems && report.ids == threaded.ids && report.ended == threaded.ended,
                "the same findings on one thread and on three");
    ledger::LogVerifier verifier;
    QStringList problems;
    for (qsizetype index = 0; index < entries.size(); ++index) {
        for (const QString &problem : verifier.check(entries.at(index), *schemas))
            problems.append(QStringLiteral("entry %1: %2").arg(index).arg(problem));
    }
    problems += verifier.problemsAtEnd();
    fuzz::check(problems.mid(0, ledger::maxReportedProblems) == report.problems && verifier.ended() == report.ended
                    && verifier.entries() == report.entries,
                "the same findings entry by entry");
    return 0;
}
