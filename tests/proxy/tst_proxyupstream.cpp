// Upstream failures (PROTOCOL.md §3): each ends the request with `error` (saying which) and
// `closed`, events already complete are relayed first, and the socket serves the next request.

#include "eventdispatchermain.h"
#include "proxytestbase.h"
#include "rawupstream.h"

#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>

class TestProxyUpstream : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void connectionRefused();
    void hostNotFound();
    void tlsHandshakeFailure();
    void nonSuccessStatus_data();
    void nonSuccessStatus();
    void notAnEventStream_data();
    void notAnEventStream();
    void redirectIsReportedNotFollowed();
    void resetMidStreamRelaysCompleteEventsFirst();
    void normalEndDiscardsUnfinishedEvent();
    void closeMidLineIsANormalEnd();
    void silenceTimeout();
    void steadyStreamDoesNotTimeOut();
    void oversizedLineEndsTheRequest();
    void bomOnlyBodyIsAnEmptyStream();
    void brokenBodiesAreErrors_data();
    void brokenBodiesAreErrors();
    void malformedAnswerToPostIsNotSentAgain();
    void endlessHeadDoesNotHoldUpOthers();
    void silentUpstreamHitsResponseHeadTimeout();

private:
    // Sends one request and waits for its `closed`.
    TestClient *runRequest(const QJsonObject &request, Settings settings = Settings());
    void verifyFailure(TestClient *client, const QString &sequence, const QString &errorMentions,
        const QString &reason = QStringLiteral("upstream error"));
};

TestClient *TestProxyUpstream::runRequest(const QJsonObject &request, Settings settings)
{
    startProxy(settings);
    TestClient *client = connectClient();
    client->send(request);
    if (!QTest::qWaitFor([client] { return client->count(MessageType::Closed) == 1; }, 15000))
        qWarning("no closed message; got: %s", qPrintable(client->sequence()));
    return client;
}

void TestProxyUpstream::verifyFailure(TestClient *client, const QString &sequence,
    const QString &errorMentions, const QString &reason)
{
    QCOMPARE(client->sequence(), sequence);
    const auto errors = client->ofType(MessageType::Error);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().text.contains(errorMentions, Qt::CaseInsensitive),
        qPrintable(errors.first().text));
    QCOMPARE(client->messages().last().text, reason);

    // The socket stays usable for the next request.
    m_upstream->route("/after", TestUpstream::sse("data: next\n\n"));
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/after")));
    QTRY_COMPARE(client->count(MessageType::Closed), 2);
    QCOMPARE(client->events().last().data, QStringLiteral("next"));
}

void TestProxyUpstream::connectionRefused()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 closedPort = probe.serverPort();
    probe.close();
    TestClient *client = runRequest(upstreamRequest(closedPort, QStringLiteral("/")));
    verifyFailure(client, QStringLiteral("error,closed"),
        QStringLiteral("connection refused by 127.0.0.1:%1").arg(closedPort));
    QCOMPARE(m_proxy->metrics().requests[size_t(RequestOutcome::UpstreamError)], 1u);
}

void TestProxyUpstream::hostNotFound()
{
    QJsonObject request = upstreamRequest(80, QStringLiteral("/"));
    request[QStringLiteral("address")] = QStringLiteral("no-such-host.invalid");
    TestClient *client = runRequest(request);
    verifyFailure(client, QStringLiteral("error,closed"),
        QStringLiteral("host not found: no-such-host.invalid"));
}

void TestProxyUpstream::tlsHandshakeFailure()
{
    // A TLS upstream whose certificate no trusted CA signed.
    QFile certFile(QStringLiteral(WSSP_TEST_DATA "/selfsigned.crt"));
    QFile keyFile(QStringLiteral(WSSP_TEST_DATA "/selfsigned.key"));
    QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(&certFile, QSsl::Pem));
    tls.setPrivateKey(QSslKey(&keyFile, QSsl::Rsa, QSsl::Pem));
    QSslServer server;
    server.setSslConfiguration(tls);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    QJsonObject request = upstreamRequest(server.serverPort(), QStringLiteral("/"));
    request[QStringLiteral("protocol")] = QStringLiteral("https");
    TestClient *client = runRequest(request);
    verifyFailure(client, QStringLiteral("error,closed"),
        QStringLiteral("TLS handshake with 127.0.0.1:%1 failed").arg(server.serverPort()));
}

void TestProxyUpstream::nonSuccessStatus_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("404") << 404 << QByteArray("Not Found") << QByteArray("no such stream")
                         << "upstream answered HTTP 404 Not Found: no such stream";
    QTest::newRow("500") << 500 << QByteArray("Internal Server Error") << QByteArray("boom\n")
                         << "HTTP 500 Internal Server Error: boom";
    QTest::newRow("401 empty body")
        << 401 << QByteArray("Unauthorized") << QByteArray() << "HTTP 401 Unauthorized";
    QTest::newRow("long body excerpt")
        << 503 << QByteArray("Service Unavailable") << QByteArray(5000, 'z') << QString(200, u'z');
}

void TestProxyUpstream::nonSuccessStatus()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, body);
    QFETCH(QString, errorMentions);
    m_upstream->route("/s", TestUpstream::status(status, reason, "text/plain", body));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/s")));
    QCOMPARE(client->messages().first().status, status);
    QCOMPARE(client->messages().first().headers.value(QStringLiteral("content-type")),
        QStringLiteral("text/plain"));
    const QString error = client->ofType(MessageType::Error).value(0).text;
    QVERIFY2(error.size() < 400, qPrintable(error)); // an excerpt, not the whole body
    verifyFailure(client, QStringLiteral("connected,error,closed"), errorMentions);
}

void TestProxyUpstream::notAnEventStream_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("errorMentions");
    QTest::newRow("html") << QByteArray("text/html; charset=utf-8")
                          << "Content-Type \"text/html; charset=utf-8\", not text/event-stream";
    QTest::newRow("json") << QByteArray("application/json") << "application/json";
}

void TestProxyUpstream::notAnEventStream()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QString, errorMentions);
    m_upstream->route("/s", TestUpstream::status(200, "OK", contentType, "<html>hi</html>"));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/s")));
    QCOMPARE(client->messages().first().status, 200);
    verifyFailure(client, QStringLiteral("connected,error,closed"), errorMentions);
    QVERIFY(client->ofType(MessageType::Error)
                .first()
                .text.contains(QStringLiteral("<html>hi</html>")));
}

void TestProxyUpstream::redirectIsReportedNotFollowed()
{
    m_upstream->route("/old",
        TestUpstream::status(302, "Found", "text/plain", "moved", { { "Location", "/new" } }));
    m_upstream->route("/new", TestUpstream::sse("data: should not be reached\n\n"));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/old")));
    QCOMPARE(client->messages().first().status, 302);
    QCOMPARE(client->messages().first().headers.value(QStringLiteral("location")),
        QStringLiteral("/new"));
    QCOMPARE(m_upstream->requests().size(), 1);
    verifyFailure(client, QStringLiteral("connected,error,closed"), QStringLiteral("HTTP 302"));
}

void TestProxyUpstream::resetMidStreamRelaysCompleteEventsFirst()
{
    m_upstream->route("/broken", [](TestUpstream::Exchange *exchange) {
        exchange->writeChunkedHead(200, { { "Content-Type", "text/event-stream" } });
        exchange->write("id: 1\ndata: one\n\nid: 2\ndata: two\n\nid: 3\ndata: hal");
        exchange->reset();
    });
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/broken")));
    QCOMPARE(client->events().size(), 2);
    QCOMPARE(client->events()[1].lastEventId, QStringLiteral("2"));
    verifyFailure(client, QStringLiteral("connected,sse-event,sse-event,error,closed"),
        QStringLiteral("mid-stream"));
}

void TestProxyUpstream::normalEndDiscardsUnfinishedEvent()
{
    m_upstream->route("/s", TestUpstream::sse("data: complete\n\ndata: unfinished\n"));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/s")));
    QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,closed"));
    QCOMPARE(client->messages().last().text, QStringLiteral("Server closed connection normally."));
}

void TestProxyUpstream::closeMidLineIsANormalEnd()
{
    // A close-delimited body ends when the connection does, in the middle of a line too: the
    // unfinished event is discarded and the stream simply ends (WHATWG). A socket cannot tell a
    // reset from a close here (docs/PROTOCOL.md, "How a stream ends").
    m_upstream->route("/cut", TestUpstream::sse("id: 1\ndata: one\n\nid: 2\ndata: tw"));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/cut")));
    QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,closed"));
    QCOMPARE(client->events().first().data, QStringLiteral("one"));
    QCOMPARE(client->messages().last().text, QStringLiteral("Server closed connection normally."));
}

void TestProxyUpstream::silenceTimeout()
{
    Settings settings;
    settings.proxy.sseTimeout = 200;
    m_upstream->route("/silent", [](TestUpstream::Exchange *exchange) {
        exchange->writeHead(200, { { "Content-Type", "text/event-stream" } });
        exchange->write("data: only one\n\n");
    });
    TestClient *client
        = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/silent")), settings);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 2000);
    QCOMPARE(m_proxy->metrics().requests[size_t(RequestOutcome::Timeout)], 1u);
    verifyFailure(client, QStringLiteral("connected,sse-event,error,closed"),
        QStringLiteral("no data from upstream for 200 ms"), QStringLiteral("timeout"));
}

void TestProxyUpstream::steadyStreamDoesNotTimeOut()
{
    Settings settings;
    settings.proxy.sseTimeout = 1000;
    startProxy(settings);
    m_upstream->route("/tick", TestUpstream::ticking(20));
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    // Well past the timeout in total (at least 1.5 s of ticks), but never silent for that long.
    QTRY_VERIFY_WITH_TIMEOUT(client->events().size() >= 75, 15000);
    QCOMPARE(client->count(MessageType::Error), 0);
    QCOMPARE(client->count(MessageType::Closed), 0);
}

void TestProxyUpstream::oversizedLineEndsTheRequest()
{
    Settings settings;
    settings.proxy.maxLineBytes = 1024;
    m_upstream->route("/big",
        TestUpstream::sse("data: small\n\ndata: " + QByteArray(4096, 'b') + "\n\ndata: after\n\n"));
    TestClient *client
        = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/big")), settings);
    QCOMPARE(client->events().size(), 1);
    verifyFailure(client, QStringLiteral("connected,sse-event,error,closed"),
        QStringLiteral("limit of 1024 bytes"));
}

void TestProxyUpstream::bomOnlyBodyIsAnEmptyStream()
{
    m_upstream->route("/bom", TestUpstream::sse("\xEF\xBB\xBF"));
    TestClient *client = runRequest(upstreamRequest(m_upstream->port(), QStringLiteral("/bom")));
    QCOMPARE(client->sequence(), QStringLiteral("connected,closed"));
    QCOMPARE(client->messages().last().text, QStringLiteral("Server closed connection normally."));
}

// The rows below need the inline upstream client: Qt's HTTP reports them wrongly (a bad chunk
// size as a normal end, a malformed answer to a POST by sending the POST again).
void TestProxyUpstream::brokenBodiesAreErrors_data()
{
    QTest::addColumn<QList<RawUpstream::Step>>("script");
    QTest::addColumn<QString>("errorMentions");
    const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    const auto w = RawUpstream::write;
    QTest::newRow("bad chunk size") << QList<RawUpstream::Step> {
        w(head + "Transfer-Encoding: chunked\r\n\r\nb\r\ndata: one\n\n\r\nzz\r\n"),
        RawUpstream::hold()
    } << QStringLiteral("invalid chunk size");
    QTest::newRow("chunked, cut by a close") << QList<RawUpstream::Step> {
        w(head + "Transfer-Encoding: chunked\r\n\r\nb\r\ndata: one\n\n\r\n"), RawUpstream::close()
    } << QStringLiteral("broke off mid-stream (connection closed inside a chunked body");
    QTest::newRow("Content-Length, cut by a reset") << QList<RawUpstream::Step> {
        w(head + "Content-Length: 100\r\n\r\ndata: one\n\n"), RawUpstream::reset()
    } << QStringLiteral("after 11 of 100 body bytes");
}

void TestProxyUpstream::brokenBodiesAreErrors()
{
    QFETCH(QList<RawUpstream::Step>, script);
    QFETCH(QString, errorMentions);
    RawUpstream upstream(script);
    startInlineProxy();
    TestClient *client = connectClient();
    client->send(upstreamRequest(upstream.port(), QStringLiteral("/")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(client->events().size(), 1); // the complete event first
    QCOMPARE(client->events().first().data, QStringLiteral("one"));
    verifyFailure(client, QStringLiteral("connected,sse-event,error,closed"), errorMentions);
}

void TestProxyUpstream::malformedAnswerToPostIsNotSentAgain()
{
    RawUpstream upstream(
        { RawUpstream::write("HTTP/1.1 2x0 Garbage\r\n\r\n"), RawUpstream::close() });
    startInlineProxy();
    TestClient *client = connectClient();
    client->send(
        upstreamRequest(upstream.port(), QStringLiteral("/order"), QStringLiteral("POST")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(upstream.requests().size(), 1);
    QCOMPARE(upstream.connectionCount(), 1);
    verifyFailure(
        client, QStringLiteral("error,closed"), QStringLiteral("sent an invalid response"));
    QCOMPARE(upstream.requests().size(), 1);
}

// Attack row: an upstream that sends headers without end used to keep a shared HTTP thread busy
// while healthy clients of another upstream starved.
void TestProxyUpstream::endlessHeadDoesNotHoldUpOthers()
{
    QList<RawUpstream::Step> endless { RawUpstream::write("HTTP/1.1 200 OK\r\nX-Endless: ") };
    for (int i = 0; i < 100; ++i)
        endless.append(RawUpstream::write(QByteArray(16 * 1024, 'a')));
    RawUpstream attacker(endless);
    m_upstream->route("/tick", TestUpstream::ticking(20));
    startInlineProxy();
    TestClient *victim = connectClient();
    victim->send(upstreamRequest(attacker.port(), QStringLiteral("/")));
    QList<TestClient *> healthy;
    for (int i = 0; i < 3; ++i) {
        healthy.append(connectClient());
        healthy.last()->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    }
    QTRY_COMPARE(victim->count(MessageType::Closed), 1);
    QVERIFY2(victim->ofType(MessageType::Error)
                 .value(0)
                 .text.contains(QStringLiteral("proxy.maxResponseHeadBytes")),
        qPrintable(victim->ofType(MessageType::Error).value(0).text));
    for (TestClient *client : healthy) {
        QTRY_VERIFY(client->events().size() >= 5);
        QCOMPARE(client->count(MessageType::Error), 0);
    }
}

void TestProxyUpstream::silentUpstreamHitsResponseHeadTimeout()
{
    RawUpstream upstream({ RawUpstream::hold() });
    Settings settings;
    settings.proxy.responseHeadTimeout = 300;
    startInlineProxy(settings);
    TestClient *client = connectClient();
    client->send(upstreamRequest(upstream.port(), QStringLiteral("/")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(upstream.requests().size(), 1);
    verifyFailure(client, QStringLiteral("error,closed"),
        QStringLiteral(
            "upstream 127.0.0.1:%1 sent no response head within 300 ms (proxy.responseHeadTimeout)")
            .arg(upstream.port()));
}

WSSP_TEST_MAIN(TestProxyUpstream)
#include "tst_proxyupstream.moc"
