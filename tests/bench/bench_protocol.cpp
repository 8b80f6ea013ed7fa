// Protocol core speed: the ceiling that relay and audit speed is later measured against.
//   bench_protocol            full run, Markdown table on stdout
//   bench_protocol --smoke    each case a few times (ctest)

#include "bench_arguments.h"
#include "bench_harness.h"

#include "crypto/ecies.h"
#include "crypto/keccak.h"
#include "crypto/keystore.h"
#include "protocol/canonical_json.h"
#include "protocol/delegation.h"
#include "protocol/schema_validator.h"
#include "support/sample_events.h"

#include <QCoreApplication>

using namespace cmeet;
using protocol::EventType;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    bench::checkArguments(app.arguments(),
                          QStringLiteral("Usage: bench_protocol [--smoke]\n"
                                         "Encoding, hashing, signing and checking events, per operation; Markdown rows on stdout.\n"
                                         "  --smoke   a few iterations of each, results checked (ctest)\n"),
                          {{QStringLiteral("--smoke"), 0}});
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    bench::Harness harness(smoke);

    const test::SampleMeeting meeting;
    auto schemas = protocol::SchemaValidator::load();
    if (!schemas) {
        QTextStream(stderr) << schemas.error() << '\n';
        return 1;
    }
    const QByteArray megabyte(1 << 20, '\x5a');
    const QByteArray megabyteDigest = crypto::keccak256(megabyte);
    const QByteArray digest = crypto::keccak256("bench");
    const crypto::PrivateKey &key = meeting.session;
    const crypto::Signature signature = *key.sign(digest);
    const protocol::Event comment = test::sampleEvent(EventType::Comment, meeting);
    const protocol::Event start = test::sampleEvent(EventType::Start, meeting);
    const crypto::Address sessionAddress = key.address();
    const crypto::Address hostAddress = meeting.host.address();

    bool ok = true;
    ok &= harness.run(QStringLiteral("Keccak-256, 1 MiB"), [&] { return crypto::keccak256(megabyte) == megabyteDigest; },
                      megabyte.size());
    ok &= harness.run(QStringLiteral("Keccak-256, 32 bytes (an id)"), [&] { return crypto::keccak256(digest).size() == 32; });
    ok &= harness.run(QStringLiteral("secp256k1 sign (recoverable, low-s)"), [&] { return key.sign(digest)->bytes() == signature.bytes(); });
    ok &= harness.run(QStringLiteral("secp256k1 recover signer"), [&] { return *crypto::recoverAddress(digest, signature) == sessionAddress; });
    ok &= harness.run(QStringLiteral("canonical parse + re-serialise, comment event"), [&] {
        auto value = protocol::json::parseCanonical(comment.wireBytes());
        return value && *protocol::json::serialize(*value) == comment.wireBytes();
    });
    ok &= harness.run(QStringLiteral("schema validation, comment event"), [&] { return bool((*schemas)->validate(comment)); });
    ok &= harness.run(QStringLiteral("full event check, comment (%1 B): canonical + schema + id + recover").arg(comment.wireBytes().size()), [&] {
        auto event = protocol::Event::fromWire(comment.wireBytes());
        return event && (*schemas)->validate(*event) && event->verifySignedBy(sessionAddress) && event->id() == comment.id();
    });
    ok &= harness.run(QStringLiteral("full event check, start (%1 B)").arg(start.wireBytes().size()), [&] {
        auto event = protocol::Event::fromWire(start.wireBytes());
        return event && (*schemas)->validate(*event) && event->verifySignedBy(hostAddress);
    });
    const QJsonObject delegation = start.content().value(QStringLiteral("delegation")).toObject();
    ok &= harness.run(QStringLiteral("delegation parse + verify identity signature"), [&] {
        auto parsed = protocol::Delegation::fromJson(delegation);
        return parsed && parsed->fields().session == sessionAddress;
    });
    ok &= harness.run(QStringLiteral("build + sign event, comment"), [&] {
        protocol::Event::Fields fields{EventType::Comment, meeting.meeting, hostAddress, comment.ref(), comment.ts(), comment.content()};
        auto event = protocol::Event::create(fields);
        return event && event->sign(key) && event->wireBytes() == comment.wireBytes();
    });
    const QByteArray ballot = "{\"option\":2}";
    ok &= harness.run(QStringLiteral("ECIES encrypt + decrypt a vote"), [&] {
        auto ciphertext = crypto::ecies::encrypt(meeting.voting.publicKey(), ballot, "context");
        auto plaintext = ciphertext ? crypto::ecies::decrypt(meeting.voting, *ciphertext, "context") : unexpected(crypto::CryptoError::InternalError);
        return plaintext && plaintext->view() == QByteArrayView(ballot);
    });
    const crypto::SecretBytes passphrase(QByteArrayView("benchmark passphrase"));
    const QByteArray keyFile = *crypto::keystore::seal(key, passphrase, smoke ? crypto::keystore::ScryptCost{1 << 10, 8, 1} : crypto::keystore::ScryptCost{});
    ok &= harness.run(QStringLiteral("open key file (scrypt %1)").arg(smoke ? QStringLiteral("N=2^10, smoke") : QStringLiteral("N=2^15 r=8 p=1")),
                      [&] { auto opened = crypto::keystore::open(keyFile, passphrase); return opened && *opened == key; });

    QTextStream out(stdout);
    harness.printMarkdown(out);
    const auto rate = [&](int index) { return harness.results().at(index).perSecond; };
    if (harness.results().size() >= 7)
        out << "\nFull event check reaches " << QString::number(100.0 * rate(6) / rate(3), 'f', 0)
            << "% of the raw recover rate.\n";
    return ok ? 0 : 1;
}
