// InlineHttpReply through UpstreamAccessManager (QNAM's API, as the proxy uses it) against raw
// upstreams that send exactly the bytes each row scripts: framing, every way a response can end,
// limits, timeouts, TLS, flow control, and the request as it goes out.

#include "eventdispatchermain.h"
#include "rawupstream.h"
#include "upstreamaccessmanager.h"

#include <QFile>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QTest>

#include <memory>

using Step = RawUpstream::Step;

namespace {

const QByteArray sseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";

// A reply and everything read from it, read as the proxy reads: on readyRead and at the end.
struct Fetch
{
    std::unique_ptr<UpstreamAccessManager> manager;
    QNetworkReply *reply = nullptr;
    QByteArray body;
    int metaDataChanges = 0;
    int finishes = 0;

    Fetch(const QUrl &url, const InlineHttpReply::Options &options = {},
        const QSslConfiguration &tls = QSslConfiguration(), const QByteArray &verb = "GET",
        const QByteArray &requestBody = QByteArray())
        : manager(std::make_unique<UpstreamAccessManager>(options))
    {
        QNetworkRequest request(url);
        if (!tls.isNull())
            request.setSslConfiguration(tls);
        reply = requestBody.isNull() ? manager->sendCustomRequest(request, verb)
                                     : manager->sendCustomRequest(request, verb, requestBody);
        QObject::connect(reply, &QNetworkReply::metaDataChanged, [this]() { ++metaDataChanges; });
        QObject::connect(reply, &QNetworkReply::readyRead, [this]() { body += reply->readAll(); });
        QObject::connect(reply, &QNetworkReply::finished, [this]() {
            body += reply->readAll();
            ++finishes;
        });
    }
    ~Fetch() { delete reply; }
    int status() const
    {
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
};

QUrl localUrl(quint16 port, const QString &path = QStringLiteral("/events"),
    const QString &scheme = QStringLiteral("http"),
    const QString &host = QStringLiteral("127.0.0.1"))
{
    QUrl url;
    url.setScheme(scheme);
    url.setHost(host);
    url.setPort(port);
    url.setPath(path);
    return url;
}

QSslConfiguration serverTls()
{
    QFile certFile(QStringLiteral(WSSP_TEST_DATA "/test-server.crt"));
    QFile keyFile(QStringLiteral(WSSP_TEST_DATA "/test-server.key"));
    certFile.open(QIODevice::ReadOnly);
    keyFile.open(QIODevice::ReadOnly);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(&certFile, QSsl::Pem));
    tls.setPrivateKey(QSslKey(&keyFile, QSsl::Rsa, QSsl::Pem));
    return tls;
}

QSslConfiguration clientTrustingTestCa()
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificates(QStringLiteral(WSSP_TEST_DATA "/test-ca.crt"));
    return tls;
}

} // namespace

class TestInlineHttpReply : public QObject
{
    Q_OBJECT

private slots:
    void responseEnds_data();
    void responseEnds();
    void repeatedHeadersAreJoined();
    void requestGoesOutOnceAsGiven();
    void connectionRefused();
    void hostNotFound();
    void triesEachResolvedAddressInOrder();
    void responseHeadTimeout();
    void connectTimeoutCoversTheTlsHandshake();
    void tlsWithTestCa();
    void tlsRejections_data();
    void tlsRejections();
    void readsOnlyWhatTheConsumerHasRoomFor();
    void slowReaderGetsAllOfAClosedBody();
    void abortEndsOnceWithCancelled();
};

void TestInlineHttpReply::responseEnds_data()
{
    QTest::addColumn<QList<Step>>("script");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("error"); // QNetworkReply::NetworkError
    QTest::addColumn<QString>("message"); // a part of errorString(), when an error

    const auto w = RawUpstream::write;
    const int ok = QNetworkReply::NoError;
    const int cut = QNetworkReply::RemoteHostClosedError;
    const int bad = QNetworkReply::ProtocolFailure;

    QTest::newRow("content-length exact, connection kept open")
        << QList<Step> { w(sseHead + "Content-Length: 9\r\n\r\ndata: a\n\n"), RawUpstream::hold() }
        << 200 << QByteArray("data: a\n\n") << ok << QString();
    QTest::newRow("content-length short, then close") << QList<Step> {
        w(sseHead + "Content-Length: 20\r\n\r\ndata: a\n\n"), RawUpstream::close()
    } << 200 << QByteArray("data: a\n\n") << cut << QStringLiteral("9 of 20");
    QTest::newRow("content-length long: the rest is not body")
        << QList<Step> { w(sseHead + "Content-Length: 5\r\n\r\ndata: a\n\n"), RawUpstream::hold() }
        << 200 << QByteArray("data:") << ok << QString();
    QTest::newRow("chunk sizes split across reads")
        << QList<Step> { w(sseHead + "Transfer-Encoding: chunked\r\n\r\n1"), w("0\r\n0123456789"),
               w("abcdef\r\n"), w("0\r"), w("\n\r\n"), RawUpstream::hold() }
        << 200 << QByteArray("0123456789abcdef") << ok << QString();
    QTest::newRow("chunk extensions and trailers")
        << QList<Step> { w(sseHead
                             + "Transfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n"
                               "0\r\nX-Trailer: t\r\n\r\n"),
               RawUpstream::hold() }
        << 200 << QByteArray("hello") << ok << QString();
    QTest::newRow("bad chunk size")
        << QList<Step> { w(sseHead
                             + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nxx\r\n"),
               RawUpstream::hold() }
        << 200 << QByteArray("hello") << bad << QStringLiteral("chunk");
    QTest::newRow("chunked body cut by a close") << QList<Step> {
        w(sseHead + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel"), RawUpstream::close()
    } << 200 << QByteArray("hel") << cut << QStringLiteral("chunked");
    QTest::newRow("chunked body cut by a reset") << QList<Step> {
        w(sseHead + "Transfer-Encoding: chunked\r\n\r\n9\r\ndata: a\n\n\r\n"), RawUpstream::reset()
    } << 200 << QByteArray("data: a\n\n") << cut << QStringLiteral("chunked");
    QTest::newRow("close-delimited, ends mid-line: a normal end")
        << QList<Step> { w(sseHead + "\r\ndata: a\n\ndata: b"), RawUpstream::close() } << 200
        << QByteArray("data: a\n\ndata: b") << ok << QString();
    QTest::newRow("close-delimited, only a BOM")
        << QList<Step> { w(sseHead + "\r\n\xEF\xBB\xBF"), RawUpstream::close() } << 200
        << QByteArray("\xEF\xBB\xBF") << ok << QString();
    QTest::newRow("HTTP/1.0, close-delimited")
        << QList<Step> { w("HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n"),
               RawUpstream::close() }
        << 200 << QByteArray("data: x\n\n") << ok << QString();
    QTest::newRow("100 Continue, then the answer")
        << QList<Step> { w("HTTP/1.1 100 Continue\r\n\r\n"),
               w(sseHead + "Content-Length: 2\r\n\r\nok"), RawUpstream::hold() }
        << 200 << QByteArray("ok") << ok << QString();
    QTest::newRow("103 Early Hints in the same read as the answer")
        << QList<Step> { w("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + sseHead
                             + "Content-Length: 2\r\n\r\nok"),
               RawUpstream::hold() }
        << 200 << QByteArray("ok") << ok << QString();
    QTest::newRow("204 has no body")
        << QList<Step> { w("HTTP/1.1 204 No Content\r\n\r\n"), RawUpstream::hold() } << 204
        << QByteArray() << ok << QString();
    QTest::newRow("garbage status line")
        << QList<Step> { w("HTTP/1.1 abc\r\n\r\n"), RawUpstream::hold() } << 0 << QByteArray()
        << bad << QStringLiteral("invalid response");
    QTest::newRow("not HTTP at all")
        << QList<Step> { w("SSH-2.0-OpenSSH_9.2\r\n"), RawUpstream::hold() } << 0 << QByteArray()
        << bad << QStringLiteral("invalid response");
    QTest::newRow("oversized header") << QList<Step> {
        w(sseHead + "X-Big: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n"), RawUpstream::hold()
    } << 0 << QByteArray() << bad << QStringLiteral("proxy.maxResponseHeadBytes");
    QTest::newRow("a head that never ends")
        << QList<Step> { w(sseHead + "X-Endless: "), w(QByteArray(30000, 'a')),
               w(QByteArray(30000, 'a')), w(QByteArray(30000, 'a')), RawUpstream::hold() }
        << 0 << QByteArray() << bad << QStringLiteral("proxy.maxResponseHeadBytes");
    QByteArray manyHeaders = sseHead;
    for (int i = 0; i < 101; ++i)
        manyHeaders += "X-" + QByteArray::number(i) + ": 1\r\n";
    QTest::newRow("too many headers")
        << QList<Step> { w(manyHeaders + "\r\n"), RawUpstream::hold() } << 0 << QByteArray() << bad
        << QStringLiteral("proxy.maxResponseHeaders");
    QTest::newRow("closed before answering")
        << QList<Step> { RawUpstream::close() } << 0 << QByteArray() << cut
        << QStringLiteral("before answering");
    QTest::newRow("closed inside the head")
        << QList<Step> { w("HTTP/1.1 200 OK\r\nContent-Ty"), RawUpstream::close() } << 0
        << QByteArray() << cut << QStringLiteral("before answering");
}

void TestInlineHttpReply::responseEnds()
{
    QFETCH(QList<Step>, script);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(int, error);
    QFETCH(QString, message);

    RawUpstream upstream(script);
    Fetch fetch(localUrl(upstream.port()));
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(int(fetch.reply->error()), error);
    if (!message.isEmpty())
        QVERIFY2(
            fetch.reply->errorString().contains(message), qPrintable(fetch.reply->errorString()));
    QCOMPARE(fetch.status(), status);
    QCOMPARE(fetch.metaDataChanges, status == 0 ? 0 : 1);
    QCOMPARE(fetch.body, body);
    QCOMPARE(upstream.requests().size(), 1);
    QCOMPARE(fetch.finishes, 1);
}

void TestInlineHttpReply::repeatedHeadersAreJoined()
{
    RawUpstream upstream({ RawUpstream::write(sseHead
                               + "Set-Cookie: a=1\r\nX-R: 1\r\nSet-Cookie: b=2\r\nX-R: 2\r\n"
                                 "Content-Length: 0\r\n\r\n"),
        RawUpstream::hold() });
    Fetch fetch(localUrl(upstream.port()));
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->rawHeader("set-cookie"), QByteArray("a=1\nb=2"));
    QCOMPARE(fetch.reply->rawHeader("X-R"), QByteArray("1, 2"));
}

// Attack row: Qt's HTTP sent a POST again (4 times) when the answer was malformed.
void TestInlineHttpReply::requestGoesOutOnceAsGiven()
{
    RawUpstream upstream({ RawUpstream::write("HTTP/1.1 2x0 Nope\r\n\r\n"), RawUpstream::close() });
    QUrl url = localUrl(upstream.port(), QStringLiteral("/p"));
    url.setQuery(QStringLiteral("q=1&r=%20x"));
    UpstreamAccessManager manager(InlineHttpReply::Options {});
    QNetworkRequest request(url);
    request.setRawHeader("X-Custom", "yes");
    request.setRawHeader("Cookie", "mine=1");
    QNetworkReply *reply = manager.sendCustomRequest(request, "POST", QByteArray("hello"));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(reply->error(), QNetworkReply::ProtocolFailure);
    delete reply;

    QCOMPARE(upstream.connectionCount(), 1);
    QCOMPARE(upstream.requests().size(), 1);
    const QByteArray sent = upstream.requests().first();
    const QByteArray firstLines = "POST /p?q=1&r=%20x HTTP/1.1\r\nHost: 127.0.0.1:"
        + QByteArray::number(upstream.port()) + "\r\n";
    QVERIFY2(sent.startsWith(firstLines), sent.constData());
    QVERIFY(sent.contains("\r\nX-Custom: yes\r\n"));
    QVERIFY(sent.contains("\r\nCookie: mine=1\r\n"));
    QVERIFY(sent.contains("\r\nContent-Length: 5\r\n"));
    QVERIFY(sent.endsWith("\r\n\r\nhello"));
    QCOMPARE(sent.count("Cookie"), 1);
}

void TestInlineHttpReply::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer closed;
        closed.listen(QHostAddress::LocalHost, 0);
        port = closed.serverPort();
    }
    Fetch fetch(localUrl(port));
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::ConnectionRefusedError);
    QCOMPARE(
        fetch.reply->errorString(), QStringLiteral("connection refused by 127.0.0.1:%1").arg(port));
}

void TestInlineHttpReply::hostNotFound()
{
    Fetch fetch(localUrl(
        80, QStringLiteral("/"), QStringLiteral("http"), QStringLiteral("no-such-host.invalid")));
    QTRY_COMPARE_WITH_TIMEOUT(fetch.finishes, 1, 30000);
    QCOMPARE(fetch.reply->error(), QNetworkReply::HostNotFoundError);
    QCOMPARE(fetch.reply->errorString(), QStringLiteral("host not found: no-such-host.invalid"));
}

void TestInlineHttpReply::triesEachResolvedAddressInOrder()
{
    // "localhost" resolves to ::1 and 127.0.0.1; only the IPv4 one listens here, so whichever
    // comes first, the reply ends up connected to 127.0.0.1.
    RawUpstream upstream(
        { RawUpstream::write(sseHead + "Content-Length: 2\r\n\r\nok"), RawUpstream::hold() });
    Fetch fetch(localUrl(
        upstream.port(), QStringLiteral("/"), QStringLiteral("http"), QStringLiteral("localhost")));
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::NoError);
    QCOMPARE(fetch.body, QByteArray("ok"));
    QCOMPARE(static_cast<InlineHttpReply *>(fetch.reply)->peerAddress(),
        QHostAddress(QHostAddress::LocalHost));
    QVERIFY(upstream.requests().first().contains("\r\nHost: localhost:"));
}

void TestInlineHttpReply::responseHeadTimeout()
{
    RawUpstream upstream({ RawUpstream::hold() });
    InlineHttpReply::Options options;
    options.responseHeadTimeoutMs = 200;
    Fetch fetch(localUrl(upstream.port()), options);
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::TimeoutError);
    QCOMPARE(fetch.reply->errorString(),
        QStringLiteral("upstream 127.0.0.1:%1 sent no response head within 200 ms "
                       "(proxy.responseHeadTimeout)")
            .arg(upstream.port()));
}

void TestInlineHttpReply::connectTimeoutCoversTheTlsHandshake()
{
    // Accepts TCP, never answers the TLS ClientHello.
    RawUpstream upstream({ RawUpstream::hold() });
    InlineHttpReply::Options options;
    options.connectTimeoutMs = 200;
    Fetch fetch(localUrl(upstream.port(), QStringLiteral("/"), QStringLiteral("https")), options);
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::TimeoutError);
    QCOMPARE(fetch.reply->errorString(),
        QStringLiteral("connection to 127.0.0.1:%1 timed out after 200 ms (proxy.connectTimeout)")
            .arg(upstream.port()));
}

void TestInlineHttpReply::tlsWithTestCa()
{
    RawUpstream upstream({ RawUpstream::write(sseHead + "Content-Length: 9\r\n\r\ndata: s\n\n"),
                             RawUpstream::hold() },
        QHostAddress::LocalHost, serverTls());
    Fetch fetch(localUrl(upstream.port(), QStringLiteral("/"), QStringLiteral("https"),
                    QStringLiteral("localhost")),
        InlineHttpReply::Options {}, clientTrustingTestCa());
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::NoError);
    QCOMPARE(fetch.body, QByteArray("data: s\n\n"));
    QVERIFY(upstream.requests().first().contains("\r\nHost: localhost:"));
}

void TestInlineHttpReply::tlsRejections_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("trustTestCa");
    // The certificate names localhost and 127.0.0.1; 127.0.0.2 is loopback too.
    QTest::newRow("wrong host name") << QStringLiteral("127.0.0.2") << true;
    QTest::newRow("untrusted issuer") << QStringLiteral("127.0.0.1") << false;
}

void TestInlineHttpReply::tlsRejections()
{
    QFETCH(QString, host);
    QFETCH(bool, trustTestCa);
    RawUpstream upstream(
        { RawUpstream::write(sseHead + "Content-Length: 2\r\n\r\nok"), RawUpstream::hold() },
        QHostAddress(host), serverTls());
    Fetch fetch(localUrl(upstream.port(), QStringLiteral("/"), QStringLiteral("https"), host),
        InlineHttpReply::Options {},
        trustTestCa ? clientTrustingTestCa() : QSslConfiguration::defaultConfiguration());
    QTRY_COMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::SslHandshakeFailedError);
    QVERIFY2(
        fetch.reply->errorString().startsWith(
            QStringLiteral("TLS handshake with %1:%2 failed: ").arg(host).arg(upstream.port())),
        qPrintable(fetch.reply->errorString()));
    QCOMPARE(upstream.requests().size(), 0); // nothing was sent to it
    QVERIFY(fetch.body.isEmpty());
}

// Flow control: with nobody reading, the reply holds at most its read buffer and the upstream
// is held back by TCP (its own send queue stays full).
void TestInlineHttpReply::readsOnlyWhatTheConsumerHasRoomFor()
{
    const qint64 total = 32 * 1024 * 1024;
    RawUpstream upstream({ RawUpstream::write(sseHead + "Content-Length: "
                               + QByteArray::number(total) + "\r\n\r\n" + QByteArray(total, 'x')),
        RawUpstream::hold() });
    UpstreamAccessManager manager(InlineHttpReply::Options {});
    std::unique_ptr<QNetworkReply> reply(
        manager.sendCustomRequest(QNetworkRequest(localUrl(upstream.port())), "GET"));
    reply->setReadBufferSize(4096);
    QTRY_COMPARE(reply->bytesAvailable(), 4096);
    QVERIFY(upstream.lastConnection());
    QVERIFY2(upstream.lastConnection()->bytesToWrite() > total / 2,
        qPrintable(QString::number(upstream.lastConnection()->bytesToWrite())));
    QCOMPARE(reply->bytesAvailable(), 4096);

    qint64 read = 0;
    QObject::connect(
        reply.get(), &QNetworkReply::readyRead, [&]() { read += reply->readAll().size(); });
    read += reply->readAll().size();
    QTRY_COMPARE_WITH_TIMEOUT(read, total, 60000);
    QTRY_VERIFY(reply->isFinished());
    QCOMPARE(reply->error(), QNetworkReply::NoError);
}

// A close-delimited body whose server has already closed: everything still in the socket is
// delivered before the reply finishes, however slowly the consumer reads.
void TestInlineHttpReply::slowReaderGetsAllOfAClosedBody()
{
    QByteArray body;
    for (int i = 0; body.size() < 4 * 1024 * 1024; ++i)
        body += "data: " + QByteArray::number(i) + "\n\n";
    RawUpstream upstream({ RawUpstream::write(sseHead + "\r\n" + body), RawUpstream::close() });
    UpstreamAccessManager manager(InlineHttpReply::Options {});
    std::unique_ptr<QNetworkReply> reply(
        manager.sendCustomRequest(QNetworkRequest(localUrl(upstream.port())), "GET"));
    reply->setReadBufferSize(4096);
    QTRY_COMPARE(reply->bytesAvailable(), 4096);
    QVERIFY(!reply->isFinished());

    QByteArray received;
    bool finishedWithAllRead = false;
    QObject::connect(
        reply.get(), &QNetworkReply::readyRead, [&]() { received += reply->read(1000); });
    QObject::connect(reply.get(), &QNetworkReply::finished, [&]() {
        received += reply->readAll();
        finishedWithAllRead = received.size() == body.size();
    });
    received += reply->read(1000);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 60000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QVERIFY(finishedWithAllRead);
    QCOMPARE(received, body);
}

void TestInlineHttpReply::abortEndsOnceWithCancelled()
{
    RawUpstream upstream({ RawUpstream::write(sseHead + "\r\ndata: a\n\n"), RawUpstream::hold() });
    Fetch fetch(localUrl(upstream.port()));
    QTRY_COMPARE(fetch.body, QByteArray("data: a\n\n"));
    fetch.reply->abort();
    QCOMPARE(fetch.finishes, 1);
    QCOMPARE(fetch.reply->error(), QNetworkReply::OperationCanceledError);
    fetch.reply->abort();
    QCOMPARE(fetch.finishes, 1);
    QTRY_COMPARE(upstream.lastConnection() ? upstream.lastConnection()->state()
                                           : QAbstractSocket::UnconnectedState,
        QAbstractSocket::UnconnectedState);
}

WSSP_TEST_MAIN(TestInlineHttpReply)
#include "tst_inlinehttpreply.moc"
