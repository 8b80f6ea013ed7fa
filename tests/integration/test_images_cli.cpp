// Images shown in a meeting, end to end with a real cmeet-relay and one cmeet-cli process per
// command: the host shows a DICOM file (made by DCMTK's img2dcm, with a patient name written in
// by dcmodify) and a PNG; two participants' replicas receive and check the bytes; the exported
// meeting file audits with its images; a changed or missing image is caught; export-images
// writes them back; the DICOM header's patient name is in no log, event or proof.

#include "base/hex.h"
#include "client/core/local_relay.h"
#include "client/core/relay_connection.h"
#include "crypto/hash.h"
#include "store/meeting_file.h"
#include "support/cli_people.h"
#include "support/key_file.h"

#include <QBuffer>
#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace cmeet;

namespace {

// A patient name written into the DICOM header only: it must never leave the file.
const QString headerPatientName = QStringLiteral("Zebedee^Quartermaine");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Runs statements on a SQLite file (a tampering auditor's copy).
bool rawExec(const QString &path, const QStringList &statements)
{
    const QString name = QStringLiteral("tamper-%1").arg(reinterpret_cast<quintptr>(&path));
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        ok = db.open();
        for (const QString &statement : statements)
            ok = ok && QSqlQuery(db).exec(statement);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace

class TestImagesCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<client::LocalRelay> m_relay;
    QString m_meeting;

    using Run = test::ProgramRun;

    test::CliPeople m_people{QStringLiteral(CMEET_CLI_PATH), m_dir.path(), [this] { return m_relay ? m_relay->url().toString() : QString(); }};

    Run as(const QString &who, const QStringList &arguments) const { return m_people.as(who, arguments); }
    QString ok(const QString &who, const QStringList &arguments) const { return m_people.ok(who, arguments); }

    static Run audit(const QStringList &arguments) { return test::runProgram(QStringLiteral(CMEET_AUDIT_PATH), arguments); }

    QString replicaOf(const QString &who) const
    {
        const QStringList files = QDir(m_dir.filePath(who + QStringLiteral("-state"))).entryList({m_meeting + QStringLiteral(".*.cmeet")});
        return files.isEmpty() ? QString() : QDir(m_dir.filePath(who + QStringLiteral("-state"))).filePath(files.constFirst());
    }

    // The image with these bytes as the replica keeps it (empty if it does not).
    static QByteArray imageIn(const QString &path, const QByteArray &bytes)
    {
        auto file = store::MeetingFile::open(path, true);
        if (!file)
            return {};
        const auto image = (*file)->image(crypto::sha256(bytes));
        return image && *image ? (*image)->bytes : QByteArray();
    }

    // A JPEG drawn with Qt, made a DICOM file by img2dcm, with a patient name put in its header.
    QString makeDicom()
    {
        QImage picture(256, 192, QImage::Format_RGB32);
        picture.fill(Qt::darkGray);
        QPainter painter(&picture);
        painter.setBrush(Qt::white);
        painter.drawEllipse(64, 40, 128, 110);
        painter.end();
        const QString jpeg = m_dir.filePath(QStringLiteral("scan.jpg"));
        const QString dicom = m_dir.filePath(QStringLiteral("scan.dcm"));
        if (!picture.save(jpeg, "JPG"))
            return {};
        const Run made = test::runProgram(QStringLiteral("img2dcm"), {jpeg, dicom});
        const Run named = test::runProgram(QStringLiteral("dcmodify"), {QStringLiteral("-nb"), QStringLiteral("-i"),
                                                                        QStringLiteral("(0010,0010)=") + headerPatientName, dicom});
        if (made.exitCode != 0 || named.exitCode != 0) {
            qWarning("img2dcm/dcmodify: %s %s", qPrintable(made.outAndErr()), qPrintable(named.outAndErr()));
            return {};
        }
        return dicom;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("img2dcm")).isEmpty())
            QFAIL("img2dcm is missing: packaging/install-deps installs dcmtk");
        const QStringList addresses = m_people.createIdentities({QStringLiteral("host"), QStringLiteral("alice"), QStringLiteral("bob")});
        QCOMPARE(addresses.size(), 3);
        m_relay = std::make_unique<client::LocalRelay>(QStringLiteral(CMEET_RELAY_PATH), m_dir.filePath(QStringLiteral("relay")), "relay passphrase");
        QVERIFY(m_relay->init());
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_relay->addStaff(*crypto::Address::fromHex(addresses.at(i)), QStringList{QStringLiteral("Host"), QStringLiteral("Alice"), QStringLiteral("Bob")}.at(i)));
        QVERIFY(m_relay->admin({QStringLiteral("add-patient"), QStringLiteral("P-001"), QStringLiteral("Jane Doe")}));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        m_meeting = ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Imaging review"),
                                                QStringLiteral("--at"), QDateTime::currentDateTimeUtc().addSecs(600).toString(Qt::ISODate),
                                                QStringLiteral("--roster"), addresses.at(1) + QLatin1Char(',') + addresses.at(2),
                                                QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!m_meeting.isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("start"), m_meeting, QStringLiteral("--code"), QStringLiteral("K7Q2P9")}).isEmpty());
        for (const QString &who : {QStringLiteral("alice"), QStringLiteral("bob")})
            QVERIFY(!ok(who, {QStringLiteral("join"), m_meeting, QStringLiteral("--code"), QStringLiteral("K7Q2P9")}).isEmpty());
    }

    void hostShowsParticipantsReceiveAuditChecks()
    {
        const QString dicom = makeDicom();
        QVERIFY(!dicom.isEmpty());
        const QByteArray dicomBytes = readAll(dicom);
        QVERIFY(dicomBytes.contains(headerPatientName.toLatin1()));
        QImage chart(300, 200, QImage::Format_RGB32);
        chart.fill(Qt::white);
        const QString pngPath = m_dir.filePath(QStringLiteral("results.png"));
        QVERIFY(chart.save(pngPath, "PNG"));
        const QByteArray pngBytes = readAll(pngPath);

        // Not before the patient is discussed: the image belongs to a discussion.
        const Run early = as(QStringLiteral("host"), {QStringLiteral("show-image"), m_meeting, QStringLiteral("--patient"), QStringLiteral("P-001"),
                                                      QStringLiteral("--file"), dicom});
        QCOMPARE(early.exitCode, 1);
        QVERIFY2(early.err.contains(QStringLiteral("discuss the patient first")), qPrintable(early.err));
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("discuss"), m_meeting, QStringLiteral("--patient"), QStringLiteral("P-001")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("show-image"), m_meeting, QStringLiteral("--patient"), QStringLiteral("P-001"),
                                             QStringLiteral("--file"), dicom, QStringLiteral("--caption"), QStringLiteral("CT abdomen")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("show-image"), m_meeting, QStringLiteral("--patient"), QStringLiteral("P-001"),
                                             QStringLiteral("--file"), pngPath}).isEmpty());
        // A participant may not show one.
        const Run byAlice = as(QStringLiteral("alice"), {QStringLiteral("show-image"), m_meeting, QStringLiteral("--patient"), QStringLiteral("P-001"),
                                                         QStringLiteral("--file"), pngPath});
        QCOMPARE(byAlice.exitCode, 1);
        QVERIFY2(byAlice.err.contains(QStringLiteral("not_host")), qPrintable(byAlice.err));

        // Both participants' replicas hold the exact bytes once they read the meeting.
        for (const QString &who : {QStringLiteral("alice"), QStringLiteral("bob")}) {
            const QString events = ok(who, {QStringLiteral("events"), m_meeting});
            QCOMPARE(events.count(QStringLiteral(" image by ")), 2);
            QCOMPARE(imageIn(replicaOf(who), dicomBytes), dicomBytes);
            QCOMPARE(imageIn(replicaOf(who), pngBytes), pngBytes);
        }
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("end"), m_meeting}).isEmpty());

        // The exported file audits with its images (no chain here: "not fully checked", nothing failed).
        const QString exported = m_dir.filePath(QStringLiteral("meeting.cmeet"));
        QVERIFY(!ok(QStringLiteral("bob"), {QStringLiteral("export"), m_meeting, QStringLiteral("--out"), exported}).isEmpty());
        const Run verified = audit({QStringLiteral("verify"), exported, QStringLiteral("--json")});
        QCOMPARE(verified.exitCode, 2);
        const QJsonArray findings = QJsonDocument::fromJson(verified.out.toUtf8()).object().value(QStringLiteral("findings")).toArray();
        bool imagesVerified = false;
        for (const QJsonValue &finding : findings) {
            QVERIFY2(finding[QStringLiteral("outcome")].toString() != QStringLiteral("failed"), qPrintable(finding[QStringLiteral("detail")].toString()));
            imagesVerified = imagesVerified || (finding[QStringLiteral("area")] == QStringLiteral("images") && finding[QStringLiteral("outcome")] == QStringLiteral("verified"));
        }
        QVERIFY2(imagesVerified, qPrintable(verified.out));

        // The meeting record lists the patient's images with thumbnails of the bytes kept.
        const QString html = m_dir.filePath(QStringLiteral("record.html"));
        QCOMPARE(audit({QStringLiteral("report"), exported, QStringLiteral("--html"), html}).exitCode, 2);
        const QString record = QString::fromUtf8(readAll(html));
        QVERIFY(record.contains(QStringLiteral("<h3>Images shown</h3>")));
        QCOMPARE(record.count(QStringLiteral("<img src=\"data:image/png;base64,")), 2);
        QVERIFY(record.contains(QStringLiteral("CT abdomen")));
        QVERIFY(!record.contains(headerPatientName));
        // In the PDF the thumbnails are pictures of their own (poppler's pdfimages lists them).
        const QString pdf = m_dir.filePath(QStringLiteral("record.pdf"));
        QCOMPARE(audit({QStringLiteral("report"), exported, QStringLiteral("--pdf"), pdf}).exitCode, 2);
        const Run pictures = test::runProgram(QStringLiteral("pdfimages"), {QStringLiteral("-list"), pdf});
        QCOMPARE(pictures.exitCode, 0);
        QVERIFY2(pictures.out.count(QStringLiteral(" image ")) >= 2, qPrintable(pictures.out));

        // export-images writes both back, named by patient and time.
        const QString out = m_dir.filePath(QStringLiteral("images"));
        const Run written = audit({QStringLiteral("export-images"), exported, out});
        QCOMPARE(written.exitCode, 0);
        const QStringList files = QDir(out).entryList(QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 2);
        static const QRegularExpression named(QStringLiteral("^P-001_\\d{8}T\\d{6}Z_[0-9a-f]{8}\\.(dcm|png)$"));
        for (const QString &file : files) {
            QVERIFY2(named.match(file).hasMatch(), qPrintable(file));
            const QByteArray bytes = readAll(QDir(out).filePath(file));
            QVERIFY(bytes == dicomBytes || bytes == pngBytes);
        }

        // The DICOM header's patient name reached no event, no proof and none of the relay's logs.
        const QString log = ok(QStringLiteral("alice"), {QStringLiteral("events"), m_meeting});
        QVERIFY(!log.isEmpty());
        auto file = store::MeetingFile::open(exported, true);
        QVERIFY(file.hasValue());
        const QList<QByteArray> entries = (*file)->events().value();
        for (const QByteArray &event : entries)
            QVERIFY(!event.contains(headerPatientName.toLatin1()));
        static const QRegularExpression imageLine(QStringLiteral("(0x[0-9a-f]{64}) image by"));
        const QString imageId = imageLine.match(log).captured(1);
        QVERIFY(!imageId.isEmpty());
        const QString proof = m_dir.filePath(QStringLiteral("proof.json"));
        QCOMPARE(audit({QStringLiteral("prove"), exported, imageId, QStringLiteral("--out"), proof}).exitCode, 0);
        QVERIFY(!readAll(proof).isEmpty() && !readAll(proof).contains(headerPatientName.toLatin1()));
        m_relay->stop();
        QVERIFY(!m_relay->lastOutput().contains(headerPatientName));

        // One changed byte in a kept image: the audit fails, naming it; export-images leaves it out.
        const QString changed = m_dir.filePath(QStringLiteral("changed.cmeet"));
        QVERIFY(QFile::copy(exported, changed));
        QVERIFY(rawExec(changed, {QStringLiteral("UPDATE images SET bytes = CAST(substr(bytes, 1, 200) AS BLOB) || x'00' || CAST(substr(bytes, 202) AS BLOB) "
                                                 "WHERE media_type = 'application/dicom'")}));
        const Run caught = audit({QStringLiteral("verify"), changed});
        QCOMPARE(caught.exitCode, 1);
        QVERIFY2(caught.out.contains(QStringLiteral("was changed in the file")), qPrintable(caught.out));
        const Run partly = audit({QStringLiteral("export-images"), changed, m_dir.filePath(QStringLiteral("partly"))});
        QCOMPARE(partly.exitCode, 1);
        QCOMPARE(QDir(m_dir.filePath(QStringLiteral("partly"))).entryList(QDir::Files).size(), 1);

        // A missing image is caught too.
        const QString missing = m_dir.filePath(QStringLiteral("missing.cmeet"));
        QVERIFY(QFile::copy(exported, missing));
        QVERIFY(rawExec(missing, {QStringLiteral("DELETE FROM images WHERE media_type = 'image/png'")}));
        const Run gone = audit({QStringLiteral("verify"), missing});
        QCOMPARE(gone.exitCode, 1);
        QVERIFY2(gone.out.contains(QStringLiteral("is not in the file")), qPrintable(gone.out));
    }

    // The relay killed (SIGKILL) in the middle of an upload, after a chunk was acknowledged: after
    // the restart nothing of the upload is left, its chunks can't be continued, an image event
    // naming those bytes is refused, and the host shows the image by uploading it again.
    void aKilledRelayKeepsNoHalfImage()
    {
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        const QString meeting = ok(QStringLiteral("host"), {QStringLiteral("meeting"), QStringLiteral("create"), QStringLiteral("--title"), QStringLiteral("Second review"),
                                                            QStringLiteral("--at"), QDateTime::currentDateTimeUtc().addSecs(600).toString(Qt::ISODate),
                                                            QStringLiteral("--agenda"), QStringLiteral("P-001")});
        QVERIFY(!meeting.isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("start"), meeting, QStringLiteral("--code"), QStringLiteral("K7Q2P9")}).isEmpty());
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("discuss"), meeting, QStringLiteral("--patient"), QStringLiteral("P-001")}).isEmpty());

        QImage scan(400, 300, QImage::Format_RGB32);
        for (int y = 0; y < scan.height(); ++y)
            for (int x = 0; x < scan.width(); ++x)
                scan.setPixel(x, y, qRgb((x * 7 + y) % 256, (x * y) % 256, (x + y * 3) % 256)); // compresses badly: several chunks
        const QString pngPath = m_dir.filePath(QStringLiteral("scan.png"));
        QVERIFY(scan.save(pngPath, "PNG"));
        const QByteArray png = readAll(pngPath);
        QVERIFY(png.size() > 2 * 4096);
        {
            client::RelayConnection host;
            QVERIFY(host.open(m_relay->url()));
            QVERIFY(host.login(test::openKeyFile(m_people.keyFile(QStringLiteral("host")), "host passphrase")));
            const auto begun = host.call(QStringLiteral("image.begin"), {{QStringLiteral("meeting"), meeting},
                                                                         {QStringLiteral("sha256"), hex::encode(crypto::sha256(png))},
                                                                         {QStringLiteral("size"), png.size()},
                                                                         {QStringLiteral("mediaType"), QStringLiteral("image/png")}});
            QVERIFY(begun);
            const qint64 upload = begun->toObject().value(QStringLiteral("upload")).toInteger();
            QVERIFY(host.call(QStringLiteral("image.chunk"), {{QStringLiteral("upload"), upload},
                                                              {QStringLiteral("offset"), 0},
                                                              {QStringLiteral("data"), QString::fromLatin1(png.first(4096).toBase64())}}));
            m_relay->kill();
            QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
            client::RelayConnection again;
            QVERIFY(again.open(m_relay->url()));
            QVERIFY(again.login(test::openKeyFile(m_people.keyFile(QStringLiteral("host")), "host passphrase")));
            const auto continued = again.call(QStringLiteral("image.chunk"), {{QStringLiteral("upload"), upload},
                                                                             {QStringLiteral("offset"), 4096},
                                                                             {QStringLiteral("data"), QString::fromLatin1(png.mid(4096, 4096).toBase64())}});
            QVERIFY(!continued);
            QCOMPARE(protocol::wireCode(continued.error().code), QStringLiteral("unknown_upload"));
        }
        // What cmeet-cli would name is not there: the event is refused; uploaded again, it is shown.
        m_relay->stop();
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("relay-after-kill"));
            db.setDatabaseName(QDir(m_relay->dataDir()).filePath(QStringLiteral("relay.sqlite")));
            QVERIFY(db.open());
            QSqlQuery rows(QStringLiteral("SELECT (SELECT COUNT(*) FROM image_chunks WHERE upload NOT IN (SELECT id FROM image_uploads WHERE stored_at IS NOT NULL)), "
                                          "(SELECT COUNT(*) FROM image_uploads WHERE meeting = '%1')")
                               .arg(meeting), db);
            QVERIFY(rows.next());
            QCOMPARE(rows.value(0).toInt(), 0);
            QCOMPARE(rows.value(1).toInt(), 0);
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("relay-after-kill"));
        QVERIFY2(m_relay->start(), qPrintable(m_relay->lastOutput()));
        QVERIFY(!ok(QStringLiteral("host"), {QStringLiteral("show-image"), meeting, QStringLiteral("--patient"), QStringLiteral("P-001"),
                                             QStringLiteral("--file"), pngPath}).isEmpty());
        QVERIFY(ok(QStringLiteral("host"), {QStringLiteral("events"), meeting}).contains(QStringLiteral(" image by ")));
    }

    void cleanupTestCase()
    {
        if (m_relay)
            m_relay->stop();
    }
};

QTEST_MAIN(TestImagesCli)
#include "test_images_cli.moc"
