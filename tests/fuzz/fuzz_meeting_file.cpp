// A downloaded .cmeet file as cmeet-audit opens it (a SQLite file of a schema it knows, checked
// before use), then its log verified: any bytes get an error or a report, never a crash, and
// a file that opens hands back as many events as it says it holds.

#include "fuzz_support.h"
#include "ledger/meeting_verifier.h"
#include "store/meeting_file.h"

#include <QFile>
#include <QTemporaryDir>

using namespace cmeet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ensureApplication();
    static const auto schemas = *protocol::SchemaValidator::load();
    static QTemporaryDir directory;
    const QString path = directory.filePath(QStringLiteral("meeting.cmeet"));
    {
        QFile file(path);
        fuzz::check(file.open(QIODevice::WriteOnly | QIODevice::Truncate), "the scratch file opens");
        file.write(reinterpret_cast<const char *>(data), static_cast<qint64>(size));
    }
    auto opened = store::MeetingFile::open(path, true);
    if (!opened)
        return 0;
    const std::unique_ptr<store::MeetingFile> meeting = std::move(*opened);
    (void)meeting->anchors();
    (void)meeting->approvals();
    (void)meeting->imageHashes();
    const auto events = meeting->events();
    if (!events)
        return 0;
    fuzz::check(events->size() == meeting->size(), "as many events as the file says");
    ledger::ReadOptions one;
    one.threads = 1;
    (void)ledger::verifyMeetingLog(*events, *schemas, std::nullopt, {}, one);
    return 0;
}
