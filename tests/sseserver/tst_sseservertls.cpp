// sse-test-server --tls CERT KEY (docs/TLS.md): the real executable serves https with a
// certificate from a test CA made here with openssl, and refuses a --tls without its key.
#include "testcertificates.h"
#include "tlsfiles.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QtTest>

class TestSseServerTls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void helpDocumentsTls();
    void servesHttps();
    void tlsNeedsCertificateAndKey();

private:
    QString m_program;
    TestCertificates m_certificates;
};

void TestSseServerTls::initTestCase()
{
    QString binDir = qEnvironmentVariable("WSSP_BIN_DIR");
    if (binDir.isEmpty())
        binDir = QCoreApplication::applicationDirPath() + QStringLiteral("/../bin");
    m_program = QFileInfo(binDir + QStringLiteral("/sse-test-server")).absoluteFilePath();
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
    QString error;
    QVERIFY2(m_certificates.create(&error), qPrintable(error));
}

void TestSseServerTls::helpDocumentsTls()
{
    QProcess process;
    process.start(m_program, { QStringLiteral("--help") });
    QVERIFY(process.waitForFinished(10000));
    QVERIFY(process.readAllStandardOutput().contains("--tls CERT KEY"));
}

void TestSseServerTls::servesHttps()
{
    QProcess server;
    server.start(m_program,
        { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
            QStringLiteral("0"), QStringLiteral("--quiet"), QStringLiteral("--tls"),
            m_certificates.certificateFile(), m_certificates.keyFile() });
    const QRegularExpression listening(
        QStringLiteral("listening on https://127\\.0\\.0\\.1:(\\d+) "));
    QByteArray out;
    quint16 port = 0;
    const QDeadlineTimer deadline(10000);
    while (port == 0 && !deadline.hasExpired() && server.state() != QProcess::NotRunning) {
        server.waitForReadyRead(100); // another process: blocking here is fine
        out += server.readAllStandardOutput();
        const QRegularExpressionMatch match = listening.match(QString::fromUtf8(out));
        if (match.hasMatch())
            port = quint16(match.captured(1).toUInt());
    }
    QVERIFY2(port != 0, out.constData());

    QNetworkAccessManager network;
    QNetworkRequest request(
        QUrl(QStringLiteral("https://127.0.0.1:%1/ticks?interval=0&count=2").arg(port)));
    request.setSslConfiguration(TlsFiles::clientTrusting(m_certificates.caCertificates()));
    std::unique_ptr<QNetworkReply> reply(network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->readAll().contains("data: tick 2"));

    server.terminate();
    QVERIFY(server.waitForFinished(10000));
}

void TestSseServerTls::tlsNeedsCertificateAndKey()
{
    QProcess server;
    server.start(m_program,
        { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls"),
            m_certificates.certificateFile() });
    QVERIFY(server.waitForFinished(10000));
    QCOMPARE(server.exitCode(), 2);
    QVERIFY(server.readAllStandardError().contains("--tls needs two files: --tls CERT KEY"));
}

QTEST_MAIN(TestSseServerTls)
#include "tst_sseservertls.moc"
