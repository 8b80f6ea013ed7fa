// Images shown in a meeting, as the relay keeps them (docs/relay-protocol.md §4.1): the host
// uploads a file in chunks, the relay stores it under its SHA-256 once the bytes check, an image
// event may then name it, and roster members download it. Everything refused leaves nothing
// stored. RelayService on a real SQLite file; the bytes are real PNG and JPEG files made with Qt.

#include "base/hex.h"
#include "crypto/hash.h"
#include "ledger/meeting_verifier.h"
#include "support/relay_fixture.h"
#include "test_support.h"

#include <QBuffer>
#include <QImage>
#include <QJsonDocument>
#include <QPainter>
#include <QTest>

using namespace cmeet;
using protocol::EventType;
using test::errorCode;

namespace {

QJsonObject resultOf(const QJsonObject &reply) { return reply.value(QStringLiteral("result")).toObject(); }

// A picture of the given size with some structure, as PNG or JPEG bytes.
QByteArray picture(int width, int height, const char *format)
{
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::black);
    QPainter painter(&image);
    painter.setPen(Qt::white);
    for (int x = 0; x < width; x += 7)
        painter.drawLine(x, 0, width - x, height);
    painter.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, format);
    return bytes;
}

// Bytes no picture compresses much: large files for the limits.
QByteArray noise(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    quint32 state = 2463534242u;
    for (char &byte : bytes) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        byte = static_cast<char>(state);
    }
    return bytes;
}

QString sha256Hex(const QByteArray &bytes) { return hex::encode(crypto::sha256(bytes)); }

} // namespace

class TestRelayImages : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::RelayFixture> f;
    QByteArray m_discussion; // the host's discussion of P-001

    test::Member &m(const QString &name) { return f->member(name); }

    void startedMeeting()
    {
        f = std::make_unique<test::RelayFixture>();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice"), QStringLiteral("bob")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")});
        QVERIFY(f->start(m(QStringLiteral("host"))).contains(QStringLiteral("result")));
        QVERIFY(f->join(m(QStringLiteral("alice"))).contains(QStringLiteral("result")));
        const QJsonObject discussion = f->submit(m(QStringLiteral("host")), EventType::Discussion, {{QStringLiteral("patient"), QStringLiteral("P-001")}});
        QVERIFY(discussion.contains(QStringLiteral("result")));
        m_discussion = protocol::Event::fromWire(resultOf(discussion).value(QStringLiteral("ack")).toString().toUtf8())->ref().value();
    }

    QJsonObject begin(test::Member &who, const QByteArray &bytes, const QString &mediaType, std::optional<QString> sha = std::nullopt)
    {
        return f->request(who, QStringLiteral("image.begin"),
                          {{QStringLiteral("meeting"), f->meeting},
                           {QStringLiteral("sha256"), sha.value_or(sha256Hex(bytes))},
                           {QStringLiteral("size"), bytes.size()},
                           {QStringLiteral("mediaType"), mediaType}});
    }

    QJsonObject chunk(test::Member &who, qint64 upload, qint64 offset, const QByteArray &bytes)
    {
        return f->request(who, QStringLiteral("image.chunk"),
                          {{QStringLiteral("upload"), upload}, {QStringLiteral("offset"), offset}, {QStringLiteral("data"), QString::fromLatin1(bytes.toBase64())}});
    }

    // The whole upload, in chunks of chunkBytes; the finish's reply.
    QJsonObject upload(test::Member &who, const QByteArray &bytes, const QString &mediaType, qsizetype chunkBytes = 64 * 1024,
                       std::optional<QString> sha = std::nullopt)
    {
        const QJsonObject begun = begin(who, bytes, mediaType, sha);
        if (!begun.contains(QStringLiteral("result")) || resultOf(begun).value(QStringLiteral("stored")).toBool())
            return begun;
        const qint64 id = resultOf(begun).value(QStringLiteral("upload")).toInteger();
        for (qsizetype offset = 0; offset < bytes.size(); offset += chunkBytes) {
            const QJsonObject sent = chunk(who, id, offset, bytes.mid(offset, chunkBytes));
            if (!sent.contains(QStringLiteral("result")))
                return sent;
        }
        return f->request(who, QStringLiteral("image.finish"), {{QStringLiteral("upload"), id}});
    }

    QJsonObject showImage(test::Member &who, const QByteArray &bytes, const QString &mediaType, std::optional<QByteArray> ref = std::nullopt,
                          const QString &patient = QStringLiteral("P-001"))
    {
        return f->submit(who, EventType::Image,
                         {{QStringLiteral("patient"), patient},
                          {QStringLiteral("sha256"), sha256Hex(bytes)},
                          {QStringLiteral("size"), bytes.size()},
                          {QStringLiteral("mediaType"), mediaType},
                          {QStringLiteral("caption"), QStringLiteral("CT chest, axial")}},
                         ref.value_or(m_discussion));
    }

    // Everything a client downloads of a stored image, chunk by chunk.
    QByteArray download(test::Member &who, const QByteArray &bytes, qint64 length)
    {
        QByteArray out;
        while (out.size() < bytes.size()) {
            const QJsonObject got = f->request(who, QStringLiteral("image.get"),
                                               {{QStringLiteral("meeting"), f->meeting},
                                                {QStringLiteral("sha256"), sha256Hex(bytes)},
                                                {QStringLiteral("offset"), out.size()},
                                                {QStringLiteral("length"), length}});
            if (!got.contains(QStringLiteral("result")))
                return {};
            out += QByteArray::fromBase64(resultOf(got).value(QStringLiteral("data")).toString().toLatin1());
        }
        return out;
    }

    qint64 rows(const char *table)
    {
        auto query = f->database->run(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table)));
        return query && query->next() ? query->value(0).toLongLong() : -1;
    }

    void expectNothingStored()
    {
        QCOMPARE(rows("image_uploads WHERE stored_at IS NOT NULL"), 0);
    }

private Q_SLOTS:
    // The host shares a PNG: uploaded in chunks, stored, shown; alice downloads the same bytes in
    // chunks of another size; the log with the image verifies.
    void uploadShowAndDownload()
    {
        startedMeeting();
        const QByteArray png = picture(640, 480, "PNG") + noise(3 * 4096); // bytes after the picture: several chunks
        QVERIFY(png.size() > 3 * 4096);
        const QJsonObject finished = upload(m(QStringLiteral("host")), png, QStringLiteral("image/png"), 4096);
        QVERIFY2(resultOf(finished).value(QStringLiteral("stored")).toBool(), QJsonDocument(finished).toJson().constData());
        const QJsonObject shown = showImage(m(QStringLiteral("host")), png, QStringLiteral("image/png"));
        QVERIFY2(shown.contains(QStringLiteral("result")), QJsonDocument(shown).toJson().constData());
        QCOMPARE(download(m(QStringLiteral("alice")), png, 3000), png);
        QCOMPARE(download(m(QStringLiteral("bob")), png, 1024 * 1024), png); // on the roster, not joined: may still read

        // The same bytes again: stored already, nothing to upload.
        QVERIFY(resultOf(begin(m(QStringLiteral("host")), png, QStringLiteral("image/png"))).value(QStringLiteral("stored")).toBool());
        const ledger::VerificationReport report = ledger::verifyMeetingLog(f->log(m(QStringLiteral("host"))), *protocol::SchemaValidator::load().value(),
                                                                           f->service->address());
        QVERIFY2(report.problems.isEmpty(), qPrintable(report.problems.join(QLatin1Char('\n'))));
    }

    // Someone not on the roster reads nothing; a non-host uploads and shows nothing.
    void onlyTheRosterReadsAndOnlyTheHostShows()
    {
        startedMeeting();
        const QByteArray jpeg = picture(320, 200, "JPG");
        QVERIFY(resultOf(upload(m(QStringLiteral("host")), jpeg, QStringLiteral("image/jpeg"))).value(QStringLiteral("stored")).toBool());
        QCOMPARE(errorCode(f->request(m(QStringLiteral("carol")), QStringLiteral("image.get"),
                                      {{QStringLiteral("meeting"), f->meeting}, {QStringLiteral("sha256"), sha256Hex(jpeg)}})),
                 QStringLiteral("not_on_roster"));
        QCOMPARE(errorCode(begin(m(QStringLiteral("alice")), jpeg, QStringLiteral("image/jpeg"))), QStringLiteral("not_host"));
        QCOMPARE(errorCode(showImage(m(QStringLiteral("alice")), jpeg, QStringLiteral("image/jpeg"))), QStringLiteral("not_host"));
        // Another's upload id is no use to alice either.
        const qint64 id = resultOf(begin(m(QStringLiteral("host")), picture(64, 64, "PNG"), QStringLiteral("image/png"))).value(QStringLiteral("upload")).toInteger();
        QVERIFY(id > 0);
        QCOMPARE(errorCode(chunk(m(QStringLiteral("alice")), id, 0, picture(64, 64, "PNG"))), QStringLiteral("unknown_upload"));
    }

    // Each refusal has its own code, and leaves no stored image behind.
    void refusalsStoreNothing()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        const QByteArray png = picture(200, 100, "PNG");
        // Never uploaded: the event is refused.
        QCOMPARE(errorCode(showImage(host, png, QStringLiteral("image/png"))), QStringLiteral("image_not_stored"));
        // Not one of the three types; or bytes that are not what they claim.
        QCOMPARE(errorCode(begin(host, png, QStringLiteral("image/gif"))), QStringLiteral("unsupported_media_type"));
        QCOMPARE(errorCode(upload(host, png, QStringLiteral("image/jpeg"))), QStringLiteral("unsupported_media_type"));
        QCOMPARE(errorCode(upload(host, png, QStringLiteral("application/dicom"))), QStringLiteral("unsupported_media_type"));
        // Bytes that hash to something else than declared.
        const QString otherHash = sha256Hex(QByteArrayLiteral("something else"));
        QCOMPARE(errorCode(upload(host, png, QStringLiteral("image/png"), 64 * 1024, otherHash)), QStringLiteral("image_hash_mismatch"));
        expectNothingStored();
        QCOMPARE(rows("image_chunks"), 0); // the mismatched upload is gone with its bytes
        QCOMPARE(errorCode(showImage(host, png, QStringLiteral("image/png"))), QStringLiteral("image_not_stored"));

        // Stored, then named with the wrong size or type.
        QVERIFY(resultOf(upload(host, png, QStringLiteral("image/png"))).value(QStringLiteral("stored")).toBool());
        QCOMPARE(errorCode(f->submit(host, EventType::Image,
                                     {{QStringLiteral("patient"), QStringLiteral("P-001")},
                                      {QStringLiteral("sha256"), sha256Hex(png)},
                                      {QStringLiteral("size"), png.size() + 1},
                                      {QStringLiteral("mediaType"), QStringLiteral("image/png")}},
                                     m_discussion)),
                 QStringLiteral("image_mismatch"));
        // Not under the discussion of its own patient.
        QCOMPARE(errorCode(showImage(host, png, QStringLiteral("image/png"), f->lastId(host))), QStringLiteral("wrong_ref_type"));
        QCOMPARE(errorCode(showImage(host, png, QStringLiteral("image/png"), m_discussion, QStringLiteral("P-002"))), QStringLiteral("wrong_ref_type"));
        // Chunks out of order or past the declared size.
        const QByteArray jpeg = picture(300, 300, "JPG");
        const qint64 id = resultOf(begin(host, jpeg, QStringLiteral("image/jpeg"))).value(QStringLiteral("upload")).toInteger();
        QCOMPARE(errorCode(chunk(host, id, 10, jpeg.mid(10, 10))), QStringLiteral("bad_request"));
        QVERIFY(chunk(host, id, 0, jpeg.first(100)).contains(QStringLiteral("result")));
        QCOMPARE(errorCode(chunk(host, id, 100, jpeg.mid(100) + "x")), QStringLiteral("bad_request"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("image.finish"), {{QStringLiteral("upload"), id}})), QStringLiteral("bad_request"));
        QCOMPARE(rows("image_uploads WHERE stored_at IS NOT NULL"), 1); // only the PNG
    }

    // The relay's limits, per file and per meeting.
    void limitsPerFileAndPerMeeting()
    {
        f = std::make_unique<test::RelayFixture>();
        f->imageLimits = relay::ImageLimits{300 * 1024, 500 * 1024};
        f->restart();
        for (const QString &name : {QStringLiteral("host"), QStringLiteral("alice")})
            f->login(f->addMember(name));
        f->createMeeting(m(QStringLiteral("host")), {QStringLiteral("alice")});
        f->prepareParticipants(f->meeting, {QStringLiteral("host"), QStringLiteral("alice")});
        QVERIFY(f->start(m(QStringLiteral("host"))).contains(QStringLiteral("result")));
        const QByteArray png = picture(16, 16, "PNG");
        const auto sized = [&](qsizetype size, char salt) -> QByteArray { return png + noise(size - png.size() - 1) + QByteArray(1, salt); };
        QCOMPARE(errorCode(begin(m(QStringLiteral("host")), sized(301 * 1024, 'a'), QStringLiteral("image/png"))), QStringLiteral("image_too_large"));
        QVERIFY(resultOf(upload(m(QStringLiteral("host")), sized(290 * 1024, 'b'), QStringLiteral("image/png"))).value(QStringLiteral("stored")).toBool());
        // 290 KiB stored and 200 KiB being uploaded: another 100 KiB does not fit.
        QVERIFY(begin(m(QStringLiteral("host")), sized(200 * 1024, 'c'), QStringLiteral("image/png")).contains(QStringLiteral("result")));
        const QJsonObject over = begin(m(QStringLiteral("host")), sized(100 * 1024, 'd'), QStringLiteral("image/png"));
        QCOMPARE(errorCode(over), QStringLiteral("image_quota_exceeded"));
        QVERIFY(over.value(QStringLiteral("error")).toObject().value(QStringLiteral("detail")).toString().contains(QStringLiteral("per meeting")));
    }

    // The relay stops mid-upload (a kill: every chunk was committed as it came). After the
    // restart the upload is gone with its bytes, the event that would name them is refused, and
    // the host uploads again from the start.
    void anInterruptedUploadLeavesNothing()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        const QByteArray png = picture(800, 600, "PNG");
        const qint64 id = resultOf(begin(host, png, QStringLiteral("image/png"))).value(QStringLiteral("upload")).toInteger();
        QVERIFY(chunk(host, id, 0, png.first(4096)).contains(QStringLiteral("result")));
        QCOMPARE(rows("image_chunks"), 1);
        f->restart();
        f->login(host);
        QCOMPARE(rows("image_uploads"), 0);
        QCOMPARE(rows("image_chunks"), 0);
        QCOMPARE(errorCode(chunk(host, id, 4096, png.mid(4096, 4096))), QStringLiteral("unknown_upload"));
        QCOMPARE(errorCode(showImage(host, png, QStringLiteral("image/png"))), QStringLiteral("image_not_stored"));
        QVERIFY(resultOf(upload(host, png, QStringLiteral("image/png"))).value(QStringLiteral("stored")).toBool());
        QVERIFY(showImage(host, png, QStringLiteral("image/png")).contains(QStringLiteral("result")));
    }

    // Nothing but started meetings take uploads; image requests are checked like any other.
    void badRequests()
    {
        startedMeeting();
        test::Member &host = m(QStringLiteral("host"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("image.begin"), {{QStringLiteral("meeting"), f->meeting}, {QStringLiteral("sha256"), QStringLiteral("0x12")}})),
                 QStringLiteral("bad_request"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("image.chunk"), {{QStringLiteral("upload"), 1}, {QStringLiteral("offset"), 0}, {QStringLiteral("data"), QStringLiteral("!!")}})),
                 QStringLiteral("bad_request"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("image.get"), {{QStringLiteral("meeting"), f->meeting}, {QStringLiteral("sha256"), sha256Hex("x")}})),
                 QStringLiteral("image_not_stored"));
        QCOMPARE(errorCode(f->request(host, QStringLiteral("image.nothing"), {})), QStringLiteral("unknown_method"));
        QVERIFY(f->submit(host, EventType::End, {}).contains(QStringLiteral("result")));
        QCOMPARE(errorCode(begin(host, picture(10, 10, "PNG"), QStringLiteral("image/png"))), QStringLiteral("meeting_ended"));
    }
};

QTEST_GUILESS_MAIN(TestRelayImages)
#include "test_relay_images.moc"
