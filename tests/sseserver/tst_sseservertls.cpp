// sse-test-server --tls CERT KEY (docs/TLS.md): the real executable serves https with a
// certificate from a test CA made here with openssl, and refuses a --tls without its key.
#include "testcertificates.h"
#include "testprocess.h"
#include "tlsfiles.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
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
    QVERIFY2(!TestProcess::binDir().isEmpty(), "WSSP_BIN_DIR is not set (run through ctest)");
    m_program = TestProcess::program(QStringLiteral("sse-test-server"));
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
    QString error;
    QVERIFY2(m_certificates.create(&error), qPrintable(error));
}

void TestSseServerTls::helpDocumentsTls()
{
    TestProcess process;
    process.start(m_program, { QStringLiteral("--help") });
    QVERIFY(process.waitForFinished(10000));
    QVERIFY(process.standardOutput().contains("--tls CERT KEY"));
}

void TestSseServerTls::servesHttps()
{
    TestProcess server;
    server.start(m_program,
        { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
            QStringLiteral("0"), QStringLiteral("--quiet"), QStringLiteral("--tls"),
            m_certificates.certificateFile(), m_certificates.keyFile() });
    const quint16 port = server.waitForPort(
        QRegularExpression(QStringLiteral("listening on https://127\\.0\\.0\\.1:(\\d+) ")), 10000);
    QVERIFY2(port != 0, server.describeOutput().constData());

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

    QVERIFY(server.terminate(10000));
}

void TestSseServerTls::tlsNeedsCertificateAndKey()
{
    TestProcess server;
    server.start(m_program,
        { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls"),
            m_certificates.certificateFile() });
    QVERIFY(server.waitForFinished(10000));
    QCOMPARE(server.exitCode(), 2);
    QVERIFY(server.standardError().contains("--tls needs two files: --tls CERT KEY"));
}

QTEST_MAIN(TestSseServerTls)
#include "tst_sseservertls.moc"
