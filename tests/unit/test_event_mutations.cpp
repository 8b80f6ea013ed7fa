// Bad input never crashes the protocol library: thousands of mutated events (flipped, inserted,
// deleted bytes, truncations, splices) each come back as an error value or as a consistent event.
// Run under -DCMEET_SANITIZERS=ON, this also shows nothing reads out of bounds.

#include "crypto/keccak.h"
#include "protocol/canonical_json.h"
#include "protocol/event.h"
#include "protocol/schema_validator.h"
#include "support/sample_events.h"

#include <QRandomGenerator>
#include <QTest>

using namespace cmeet;

namespace {

bool sameEvent(const protocol::Event &a, const protocol::Event &b)
{
    return a.type() == b.type() && a.meeting() == b.meeting() && a.by() == b.by() && a.ref() == b.ref() && a.ts() == b.ts()
        && a.content() == b.content() && a.id() == b.id() && a.signature() == b.signature() && a.wireBytes() == b.wireBytes()
        && a.hashedBytes() == b.hashedBytes() && a.toJson() == b.toJson();
}

} // namespace

class TestEventMutations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mutatedEventsAreHandled()
    {
        auto schemas = protocol::SchemaValidator::load();
        QVERIFY(schemas);
        const test::SampleMeeting meeting;
        QList<QByteArray> seeds;
        for (const protocol::EventType type : protocol::allEventTypes)
            seeds.append(test::sampleEvent(type, meeting).wireBytes());

        QRandomGenerator random(20261125); // fixed seed: a failure is reproducible
        static constexpr char interestingBytes[] = "{}[]\",:\\0123456789-.eE tfnu\x7f\xc3\xa9\xff\x00";
        const QByteArray interesting(interestingBytes, sizeof interestingBytes - 1); // keeps the NUL
        int accepted = 0;
        int rejected = 0;
        for (int round = 0; round < 20000; ++round) {
            QByteArray bytes = seeds.at(random.bounded(static_cast<int>(seeds.size())));
            const int edits = 1 + random.bounded(4);
            for (int edit = 0; edit < edits && !bytes.isEmpty(); ++edit) {
                const auto at = static_cast<qsizetype>(random.bounded(static_cast<quint32>(bytes.size())));
                switch (random.bounded(5)) {
                case 0: bytes[at] = static_cast<char>(bytes[at] ^ (1 << random.bounded(8))); break;
                case 1: bytes.insert(at, interesting.at(random.bounded(static_cast<int>(interesting.size())))); break;
                case 2: bytes.remove(at, 1 + random.bounded(8)); break;
                case 3: bytes.truncate(at); break;
                case 4: {
                    const QByteArray &other = seeds.at(random.bounded(static_cast<int>(seeds.size())));
                    const auto from = static_cast<qsizetype>(random.bounded(static_cast<quint32>(other.size())));
                    bytes = bytes.left(at) + other.mid(from);
                    break;
                }
                }
            }
            const QByteArray input = bytes; // exact-size copy so sanitizers see overreads
            auto event = protocol::Event::fromWire(input);
            // Reading the usual layout straight from the bytes gives what building the whole
            // object gives: the same event, or the same error in the same words.
            const auto built = protocol::Event::fromWireByBuilding(input);
            QCOMPARE(event.hasValue(), built.hasValue());
            if (!event) {
                ++rejected;
                QVERIFY(!event.error().detail.isEmpty());
                QCOMPARE(event.error().code, built.error().code);
                QCOMPARE(event.error().detail, built.error().detail);
                continue;
            }
            QVERIFY(sameEvent(*event, *built));
            // Accepted bytes are canonical: the event re-encodes to exactly them, and its id is
            // the hash of its hashed part.
            QCOMPARE(*protocol::json::serialize(event->toJson()), input);
            QCOMPARE(event->id(), crypto::keccak256(event->hashedBytes()));
            (void)(*schemas)->validate(*event);
            (void)event->recoverSigner();
            ++accepted;
        }
        for (const QByteArray &seed : seeds) // the untouched events too, each type read the usual way
            QVERIFY(sameEvent(*protocol::Event::fromWire(seed), *protocol::Event::fromWireByBuilding(seed)));
        qInfo("%d mutated events accepted by the parser, %d rejected", accepted, rejected);
        QVERIFY(rejected > 15000); // nearly every mutation breaks canonical form or the envelope
    }
};

QTEST_GUILESS_MAIN(TestEventMutations)
#include "test_event_mutations.moc"
