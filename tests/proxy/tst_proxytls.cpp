// TLS (docs/TLS.md): with proxy.tls the proxy endpoint is wss:// and the admin endpoints are
// https:// and wss://; a failed handshake costs only its own connection and is logged once;
// https upstreams are trusted through proxy.upstreamCaFile and refused without it; a bad file is
// a start error naming its setting. The CA and certificates are made here with openssl.

#include "eventdispatchermain.h"
#include "proxytestbase.h"
#include "testcertificates.h"
#include "testserver.h"
#include "tlsfiles.h"

#include <QFile>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTcpSocket>

namespace {

// Counts the TLS listener's "TLS handshake with ... failed" lines while it lives (and keeps them
// out of the test's output); every other message goes on to QtTest.
class HandshakeFailureLog
{
public:
    HandshakeFailureLog()
    {
        s_count = 0;
        QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.info=false\nwssp.tls.info=true"));
        s_previous = qInstallMessageHandler(&HandshakeFailureLog::handle);
    }
    ~HandshakeFailureLog()
    {
        qInstallMessageHandler(s_previous);
        QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.info=false"));
    }
    int count() const { return s_count; }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (type == QtInfoMsg && qstrcmp(context.category, "wssp.tls") == 0
            && message.startsWith(u"TLS handshake with ") && message.contains(u" failed: ")) {
            ++s_count;
            return;
        }
        if (s_previous)
            s_previous(type, context, message);
    }

    static inline int s_count = 0;
    static inline QtMessageHandler s_previous = nullptr;
};

} // namespace

class TestProxyTls : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void wssClientGetsEventsFromHttpsUpstream();
    void untrustedUpstreamCertificateIsAnError();
    void adminEndpointsOverTls();
    void failedHandshakesCostOnlyTheirConnection();
    void startErrorsNameTheSetting_data();
    void startErrorsNameTheSetting();
    void upstreamTrustKeepsTheSystemCas();

private:
    Settings tlsSettings() const;
    // A wss:// client of m_proxy that trusts the test CA, connected.
    TestClient *connectTlsClient();
    // The test server over https on 127.0.0.1.
    std::unique_ptr<TestServer> startHttpsUpstream();
    static QJsonObject ticksRequest(quint16 port);
    QString writeFile(const QString &name, const QByteArray &contents);

    TestCertificates m_certificates;
};

void TestProxyTls::initTestCase()
{
    QString error;
    QVERIFY2(m_certificates.create(&error), qPrintable(error));
}

Settings TestProxyTls::tlsSettings() const
{
    Settings settings;
    settings.proxy.tlsCertificate = m_certificates.certificateFile();
    settings.proxy.tlsPrivateKey = m_certificates.keyFile();
    return settings;
}

TestClient *TestProxyTls::connectTlsClient()
{
    auto client = std::make_unique<TestClient>();
    client->socket().setSslConfiguration(TlsFiles::clientTrusting(m_certificates.caCertificates()));
    QSignalSpy connected(&client->socket(), &QWebSocket::connected);
    client->open(m_proxy->proxyUrl());
    if (!connected.wait(5000))
        qWarning("wss client could not connect: %s", qPrintable(client->socket().errorString()));
    m_clients.push_back(std::move(client));
    return m_clients.back().get();
}

std::unique_ptr<TestServer> TestProxyTls::startHttpsUpstream()
{
    TestServerSettings settings;
    auto server = std::make_unique<TestServer>(settings);
    QString error;
    const std::optional<QSslConfiguration> tls
        = TlsFiles::serverConfiguration(m_certificates.certificateFile(),
            QStringLiteral("certificate"), m_certificates.keyFile(), QStringLiteral("key"), &error);
    if (!tls)
        qFatal("%s", qPrintable(error));
    server->setTls(*tls);
    if (!server->listen(QStringLiteral("127.0.0.1"), 0, &error))
        qFatal("https test server cannot listen: %s", qPrintable(error));
    return server;
}

QJsonObject TestProxyTls::ticksRequest(quint16 port)
{
    QJsonObject request = upstreamRequest(port, QStringLiteral("/ticks?interval=5&count=3"));
    request.insert(QStringLiteral("protocol"), QStringLiteral("https"));
    return request;
}

QString TestProxyTls::writeFile(const QString &name, const QByteArray &contents)
{
    const QString path = m_certificates.path(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestProxyTls::wssClientGetsEventsFromHttpsUpstream()
{
    const std::unique_ptr<TestServer> upstream = startHttpsUpstream();
    Settings settings = tlsSettings();
    settings.proxy.upstreamCaFile = m_certificates.caFile();
    startProxy(settings);
    QVERIFY2(m_proxy->proxyUrl().startsWith(u"wss://127.0.0.1:"), qPrintable(m_proxy->proxyUrl()));

    TestClient *client = connectTlsClient();
    QVERIFY(client->isConnected());
    client->send(ticksRequest(upstream->serverPort()));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,sse-event,sse-event,closed"));
}

void TestProxyTls::untrustedUpstreamCertificateIsAnError()
{
    const std::unique_ptr<TestServer> upstream = startHttpsUpstream();
    startProxy(tlsSettings()); // no proxy.upstreamCaFile: the test CA is unknown

    TestClient *client = connectTlsClient();
    client->send(ticksRequest(upstream->serverPort()));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(client->sequence(), QStringLiteral("error,closed"));
    const QString error = client->ofType(MessageType::Error).first().text;
    QVERIFY2(error.contains(u"certificate", Qt::CaseInsensitive), qPrintable(error));
}

void TestProxyTls::adminEndpointsOverTls()
{
    Settings settings = tlsSettings();
    settings.admin.host = QStringLiteral("127.0.0.1");
    settings.admin.port = 0;
    startProxy(settings);
    QVERIFY(m_proxy->adminPort() != m_proxy->port());

    QNetworkAccessManager network;
    const QSslConfiguration trusting = TlsFiles::clientTrusting(m_certificates.caCertificates());
    for (const quint16 port : { m_proxy->adminPort(), m_proxy->port() }) {
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/healthz").arg(port)));
        request.setSslConfiguration(trusting);
        std::unique_ptr<QNetworkReply> reply(network.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(5000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->readAll(), QByteArray("ok\n"));
    }

    QWebSocket monitor;
    monitor.setSslConfiguration(trusting);
    QSignalSpy connected(&monitor, &QWebSocket::connected);
    monitor.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/monitor").arg(m_proxy->adminPort())));
    QVERIFY2(connected.wait(5000), qPrintable(monitor.errorString()));
}

void TestProxyTls::failedHandshakesCostOnlyTheirConnection()
{
    const HandshakeFailureLog log;
    startProxy(tlsSettings());
    TestClient *before = connectTlsClient();
    QVERIFY(before->isConnected());

    // Plain HTTP to the TLS port: no answer at all, just a closed connection.
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, m_proxy->port());
    QVERIFY(plain.waitForConnected(5000));
    plain.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QTRY_COMPARE(plain.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(plain.readAll(), QByteArray());
    QTRY_COMPARE(log.count(), 1);

    // A client that does not trust the certificate: its handshake fails, on both sides.
    QWebSocket distrusting;
    QSignalSpy sslErrors(&distrusting, &QWebSocket::sslErrors);
    distrusting.open(QUrl(m_proxy->proxyUrl()));
    QTRY_COMPARE(sslErrors.size(), 1);
    QTRY_COMPARE(log.count(), 2);

    // The client from before and a new one are served as usual.
    m_upstream->route("/ok", TestUpstream::sse("data: one\n\ndata: two\n\n"));
    TestClient *after = connectTlsClient();
    for (TestClient *client : { before, after }) {
        client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/ok")));
        QTRY_COMPARE(client->count(MessageType::Closed), 1);
        QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,sse-event,closed"));
    }
    QCOMPARE(log.count(), 2); // once per failed connection, none for the good ones
}

void TestProxyTls::startErrorsNameTheSetting_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("caFile");
    QTest::addColumn<QString>("expected");

    const QString certificate = m_certificates.certificateFile();
    const QString key = m_certificates.keyFile();
    const QString missing = m_certificates.path(QStringLiteral("missing.pem"));
    const QString text = writeFile(QStringLiteral("text.pem"), "not PEM at all\n");
    const QString encrypted = writeFile(QStringLiteral("encrypted.key"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");

    QTest::newRow("missing certificate")
        << missing << key << QString()
        << QStringLiteral("proxy.tls.certificate: cannot read %1: No such file or directory")
               .arg(missing);
    QTest::newRow("certificate not PEM")
        << text << key << QString()
        << QStringLiteral("proxy.tls.certificate: %1 is not a PEM certificate").arg(text);
    QTest::newRow("key not PEM")
        << certificate << text << QString()
        << QStringLiteral("proxy.tls.privateKey: %1 is not a PEM private key").arg(text);
    QTest::newRow("key is a certificate")
        << certificate << certificate << QString()
        << QStringLiteral("proxy.tls.privateKey: %1 is not a PEM private key").arg(certificate);
    QTest::newRow("missing key")
        << certificate << missing << QString()
        << QStringLiteral("proxy.tls.privateKey: cannot read %1: No such file or directory")
               .arg(missing);
    QTest::newRow("key with a passphrase")
        << certificate << encrypted << QString()
        << QStringLiteral("proxy.tls.privateKey: %1 is protected by a passphrase; give the key "
                          "without one (openssl pkey -in KEY -out PLAIN)")
               .arg(encrypted);
    QTest::newRow("missing upstream CA file")
        << QString() << QString() << missing
        << QStringLiteral("proxy.upstreamCaFile: cannot read %1: No such file or directory")
               .arg(missing);
    QTest::newRow("upstream CA file not PEM")
        << QString() << QString() << text
        << QStringLiteral("proxy.upstreamCaFile: %1 is not a PEM certificate").arg(text);
}

void TestProxyTls::startErrorsNameTheSetting()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, caFile);
    QFETCH(QString, expected);
    Settings settings;
    settings.proxy.host = QStringLiteral("127.0.0.1");
    settings.proxy.port = 0;
    settings.admin.host.clear();
    settings.proxy.tlsCertificate = certificate;
    settings.proxy.tlsPrivateKey = key;
    settings.proxy.upstreamCaFile = caFile;
    ProxyServer server(settings);
    QString error;
    QVERIFY(!server.listen(&error));
    QCOMPARE(error, expected);
    QCOMPARE(server.port(), quint16(0)); // nothing listens
}

void TestProxyTls::upstreamTrustKeepsTheSystemCas()
{
    // Qt trusts only the added CAs once any are added to its default configuration.
    const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates();
    const QList<QSslCertificate> ours = m_certificates.caCertificates();
    QCOMPARE(ours.size(), 1);
    const QList<QSslCertificate> trusted = TlsFiles::clientTrusting(ours).caCertificates();
    QCOMPARE(trusted.size(), system.size() + 1);
    QVERIFY(trusted.contains(ours.first()));
    if (!system.isEmpty())
        QVERIFY(trusted.contains(system.first()));
}

WSSP_TEST_MAIN(TestProxyTls)
#include "tst_proxytls.moc"
