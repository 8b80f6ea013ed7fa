#include "support/sample_events.h"

#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "protocol/delegation.h"

#include <QJsonArray>

namespace cmeet::test {

using protocol::EventType;

crypto::PrivateKey SampleMeeting::fixedKey(int n)
{
    QByteArray bytes(32, '\0');
    bytes[31] = static_cast<char>(n);
    bytes[0] = 0x42; // not a trivially small scalar
    return *crypto::PrivateKey::fromBytes(bytes);
}

namespace {

QString fakeId(char fill) { return hex::encode(crypto::sha256(QByteArray(1, fill))); }

QJsonObject treeHead(qint64 size)
{
    return QJsonObject{{QStringLiteral("size"), size}, {QStringLiteral("root"), fakeId('r')}};
}

QJsonObject delegationOf(const SampleMeeting &m)
{
    const protocol::Delegation::Fields fields{m.host.address(), m.session.address(), m.meeting, m.relay.address(),
                                              m.ts + 12 * 3600 * 1000, QByteArray(16, '\x5a')};
    return protocol::Delegation::create(fields, m.host)->toJson();
}

} // namespace

QJsonObject sampleContent(EventType type, const SampleMeeting &m)
{
    switch (type) {
    case EventType::Start:
        return {{QStringLiteral("title"), QStringLiteral("Colorectal MDT")},
                {QStringLiteral("agenda"), QJsonArray{QStringLiteral("P-001"), QStringLiteral("P-002")}},
                {QStringLiteral("roster"), QJsonArray{m.host.address().toLowerHex(), SampleMeeting::fixedKey(9).address().toLowerHex()}},
                {QStringLiteral("delegation"), delegationOf(m)},
                {QStringLiteral("attendanceCommitment"), fakeId('c')}};
    case EventType::Join:
        return {{QStringLiteral("delegation"), delegationOf(m)}};
    case EventType::Leave:
    case EventType::End:
        return {};
    case EventType::Poll:
        return {{QStringLiteral("question"), QStringLiteral("Which treatment do you recommend?")},
                {QStringLiteral("options"), QJsonArray{QStringLiteral("Surgery"), QStringLiteral("Chemotherapy"), QStringLiteral("Watch and wait")}},
                {QStringLiteral("patient"), QStringLiteral("P-001")},
                {QStringLiteral("votingKey"), hex::encode(m.voting.publicKey().compressed())}};
    case EventType::PollEnd:
        return {{QStringLiteral("votingSecret"), hex::encode(m.voting.secret().view())}};
    case EventType::Vote:
        return {{QStringLiteral("ciphertext"),
                 hex::encode(*crypto::ecies::encrypt(m.voting.publicKey(), "{\"option\":1}", QByteArray("sample")))}};
    case EventType::Comment:
        return {{QStringLiteral("text"), QStringLiteral("CT shows no metastases; résumé attached \"as is\".")},
                {QStringLiteral("patient"), QStringLiteral("P-001")}};
    case EventType::Reply:
        return {{QStringLiteral("text"), QStringLiteral("Agreed \u2014 MRI first.")}};
    case EventType::Discussion:
        return {{QStringLiteral("patient"), QStringLiteral("P-002")}};
    case EventType::Disagreement:
        return {{QStringLiteral("reason"), QStringLiteral("The staging is outdated.")}};
    case EventType::PatientDataChange:
        return {{QStringLiteral("patient"), QStringLiteral("P-001")}, {QStringLiteral("field"), QStringLiteral("mdtOutcome")},
                {QStringLiteral("from"), QString()}, {QStringLiteral("to"), QStringLiteral("Refer for surgery")}};
    case EventType::Image:
        return {{QStringLiteral("patient"), QStringLiteral("P-002")}, {QStringLiteral("sha256"), fakeId('i')}, {QStringLiteral("size"), 524288},
                {QStringLiteral("mediaType"), QStringLiteral("application/dicom")}, {QStringLiteral("caption"), QStringLiteral("CT chest, axial")}};
    case EventType::Ack:
        return {{QStringLiteral("seq"), 7}, {QStringLiteral("tree"), treeHead(13)}};
    case EventType::JoinAck:
        return {{QStringLiteral("seq"), 2}, {QStringLiteral("tree"), treeHead(3)},
                {QStringLiteral("start"), fakeId('s')}, {QStringLiteral("joins"), QJsonArray{fakeId('j')}}};
    case EventType::PollEndAck:
        return {{QStringLiteral("seq"), 9}, {QStringLiteral("tree"), treeHead(17)},
                {QStringLiteral("votes"), QJsonArray{fakeId('v'), fakeId('w')}}};
    case EventType::AckError:
        return {{QStringLiteral("code"), QStringLiteral("bad_signature")},
                {QStringLiteral("detail"), QStringLiteral("signature does not recover")},
                {QStringLiteral("event"), fakeId('e')}};
    case EventType::AckEnd:
        return {{QStringLiteral("seq"), 30}, {QStringLiteral("tree"), treeHead(59)},
                {QStringLiteral("leaves"), QJsonArray{fakeId('l')}}};
    }
    return {};
}

const crypto::PrivateKey &signerFor(EventType type, const SampleMeeting &m)
{
    if (type == EventType::Start || type == EventType::Join)
        return m.host;
    if (protocol::isRelayAcknowledgement(type))
        return m.relay;
    return m.session;
}

protocol::Event sampleEvent(EventType type, const SampleMeeting &m)
{
    protocol::Event::Fields fields;
    fields.type = type;
    fields.meeting = m.meeting;
    // "by" is the author's identity (the relay's for acknowledgements), even when a session key signs.
    if (protocol::isRelayAcknowledgement(type))
        fields.by = m.relay.address();
    else
        fields.by = m.host.address();
    if (type != EventType::Start)
        fields.ref = crypto::sha256("previous event");
    fields.ts = m.ts;
    fields.content = sampleContent(type, m);
    auto event = protocol::Event::create(fields);
    if (!event)
        qFatal("sample event invalid: %s", qPrintable(event.error().detail));
    if (!event->sign(signerFor(type, m)))
        qFatal("cannot sign sample event");
    return *event;
}

} // namespace cmeet::test
