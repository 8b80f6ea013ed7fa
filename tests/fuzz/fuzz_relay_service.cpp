// The relay's message handler (RelayService over a scratch SQLite file, the clock injected), as
// a running meeting sees it. The first byte picks the sender: the host, a joined participant or
// a connection that has not logged in; the rest is the message. An "event.submit" whose event is
// an object rather than wire text is a template ("type", "ref" as hex or "last", "content") that
// the sender signs with its session key, so the fuzzer reaches the meeting rules behind the
// signature check.
// Properties: every message gets exactly one reply, a JSON object with a result or an error; and
// whatever the relay stores checks clean with the auditors' LogVerifier, entry by entry, so no
// input makes it write a log an auditor would reject. A meeting that ends (or fills) is replaced
// by a new one, and the relay by a new one every 64 meetings. Attendance codes are hashed at the
// lowest scrypt cost: the meeting rules are what is fuzzed here, and at the relay's own cost
// scrypt took a third of the time.

#include "base/hex.h"
#include "fuzz_support.h"
#include "ledger/meeting_verifier.h"
#include "support/relay_fixture.h"

#include <QJsonDocument>

using namespace cmeet;

namespace {

struct Harness {
    // A fresh relay every so many meetings: meeting.list reads each meeting of its caller, so a
    // relay that had held thousands of fuzzed meetings answered ever more slowly (92 executions
    // a second after an hour, against 300 at the start).
    static constexpr int meetingsPerRelay = 64;
    std::optional<test::RelayFixture> relay;
    int meetingsOnThisRelay = 0;
    std::shared_ptr<const protocol::SchemaValidator> schemas = *protocol::SchemaValidator::load();
    std::optional<ledger::LogVerifier> verifier;
    qint64 checked = 0; // log entries of the current meeting the verifier has seen
    relay::Session stranger;

    Harness() { newRelay(); }

    void newRelay()
    {
        relay.emplace(relay::AttendanceLimits{.codeCost = {2, 1, 1}});
        (void)relay->addMember(QStringLiteral("Ada"));
        (void)relay->addMember(QStringLiteral("Ben"));
        stranger = {};
        meetingsOnThisRelay = 0;
        newMeeting();
    }

    void newMeeting()
    {
        if (meetingsOnThisRelay == meetingsPerRelay) {
            newRelay();
            return;
        }
        ++meetingsOnThisRelay;
        for (const QString &name : {QStringLiteral("Ada"), QStringLiteral("Ben")})
            relay->login(relay->member(name)); // whatever the fuzzer did to their sessions
        relay->createMeeting(relay->member(QStringLiteral("Ada")), {QStringLiteral("Ada"), QStringLiteral("Ben")});
        relay->prepareParticipants(relay->meeting, {QStringLiteral("Ada"), QStringLiteral("Ben")});
        relay->start(relay->member(QStringLiteral("Ada")));
        relay->join(relay->member(QStringLiteral("Ben")));
        verifier.emplace(relay->service->address());
        checked = 0;
    }

    // The template's event, signed by the sender's session key; nullopt when it can't be made.
    std::optional<QByteArray> signedFromTemplate(test::Member &from, const QJsonObject &event)
    {
        const auto type = protocol::typeFromName(event.value(QStringLiteral("type")).toString());
        if (!type || !from.participant)
            return std::nullopt;
        std::optional<QByteArray> ref;
        const QString refText = event.value(QStringLiteral("ref")).toString();
        if (refText == QStringLiteral("last") && verifier->last())
            ref = verifier->last()->id();
        else if (auto decoded = hex::decode(refText))
            ref = *decoded;
        auto made = from.participant->makeEvent(*type, event.value(QStringLiteral("content")).toObject(), ref, relay->now);
        return made ? std::optional<QByteArray>(made->wireBytes()) : std::nullopt;
    }

    QByteArray message(test::Member &from, const QByteArray &bytes)
    {
        const QJsonObject object = QJsonDocument::fromJson(bytes).object();
        const QJsonObject params = object.value(QStringLiteral("params")).toObject();
        if (object.value(QStringLiteral("method")).toString() != QStringLiteral("event.submit") || !params.value(QStringLiteral("event")).isObject())
            return bytes;
        const auto wire = signedFromTemplate(from, params.value(QStringLiteral("event")).toObject());
        if (!wire)
            return bytes;
        QJsonObject filled = object;
        QJsonObject filledParams = params;
        filledParams.insert(QStringLiteral("event"), QString::fromUtf8(*wire));
        filled.insert(QStringLiteral("params"), filledParams);
        return QJsonDocument(filled).toJson(QJsonDocument::Compact);
    }

    // Feeds the verifier what the relay stored since the last look (read from its database, not
    // through a session the fuzzer may have changed); true when the meeting is over.
    bool verifyNewEntries()
    {
        relay::EventLog log(*relay->database);
        const auto entries = log.entries(relay->meeting, checked);
        fuzz::check(entries.hasValue(), "the stored log reads");
        for (const auto &[position, bytes] : *entries) {
            const QStringList problems = verifier->check(bytes, *schemas);
            if (!problems.isEmpty())
                qCritical("stored entry %lld: %s", static_cast<long long>(position), qPrintable(problems.join(QStringLiteral("; "))));
            fuzz::check(problems.isEmpty(), "every stored entry checks clean with the auditors' verifier");
            ++checked;
        }
        return verifier->ended() || checked > 2 * relay::maxEventsPerMeeting - 64;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz::ensureApplication();
    static Harness harness;
    const QByteArray bytes = fuzz::view(data + 1, size - 1);
    relay::Outcome outcome;
    if (data[0] % 3 == 2) {
        outcome = harness.relay->service->handle(harness.stranger, bytes);
    } else {
        test::Member &from = harness.relay->member(data[0] % 3 == 0 ? QStringLiteral("Ada") : QStringLiteral("Ben"));
        outcome = harness.relay->service->handle(from.session, harness.message(from, bytes));
    }
    const QJsonObject reply = QJsonDocument::fromJson(outcome.reply).object();
    fuzz::check(reply.contains(QStringLiteral("result")) != reply.contains(QStringLiteral("error")), "one reply, with a result or an error");
    if (harness.verifyNewEntries())
        harness.newMeeting();
    return 0;
}
