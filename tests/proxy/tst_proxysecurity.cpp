// The attacks of docs/SECURITY.md, each refused or bounded, with a normal client served
// afterwards: the upstream policy on every address spelling, admission (tokens, Origin, session
// caps), the admin endpoints locked, and the per-connection limits (idle, pings, send queue,
// unfinished messages, event size, request headers, error excerpts).

#include "eventdispatchermain.h"
#include "proxytestbase.h"
#include "rawwsclient.h"
#include "wsframes.h"

#include <QHostInfo>
#include <QSignalSpy>
#include <QTcpSocket>

class TestProxySecurity : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void defaultPolicyRefuses_data();
    void defaultPolicyRefuses();
    void nameResolvingToLoopbackIsRefused();
    void denyBeatsAllow();
    void allowListLimitsEverything();
    void proxyOwnAdminIsUnreachable();
    void authTokens_data();
    void authTokens();
    void origins_data();
    void origins();
    void maxSessions();
    void maxSessionsPerAddress();
    void adminToken();
    void idleClientIsClosed();
    void clientWithoutPongsIsDropped();
    void nonReadingClientSpammingRejectionsIsDropped();
    void pingFloodWithoutReadingIsDropped();
    void unfinishedMessagesOverBudgetAreDropped();
    void oversizedEventEndsTheRequest();
    void headerLimitsAndControlCharacters_data();
    void headerLimitsAndControlCharacters();
    void errorExcerptsAreCappedOrOff();

private:
    // Runs one request through a fresh client and returns it once `closed` arrived.
    TestClient *request(const QJsonObject &request);
    // A normal client still gets a whole stream from the test upstream.
    void verifyNormalClientServed();
    QJsonObject target(
        const QString &address, int port, const QString &path = QStringLiteral("/ok"));
};

QJsonObject TestProxySecurity::target(const QString &address, int port, const QString &path)
{
    return QJsonObject { { QStringLiteral("address"), address }, { QStringLiteral("port"), port },
        { QStringLiteral("path"), path } };
}

TestClient *TestProxySecurity::request(const QJsonObject &request)
{
    TestClient *client = connectClient();
    client->send(request);
    if (!QTest::qWaitFor([client] { return client->count(MessageType::Closed) >= 1; }, 10000))
        qWarning("no closed: %s", qPrintable(client->sequence()));
    return client;
}

void TestProxySecurity::verifyNormalClientServed()
{
    m_upstream->route("/ok", TestUpstream::sse("data: one\n\ndata: two\n\n"));
    TestClient *client = request(upstreamRequest(m_upstream->port(), QStringLiteral("/ok")));
    QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,sse-event,closed"));
}

void TestProxySecurity::defaultPolicyRefuses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("denied"); // the address the refusal names
    // The test upstream listens on 127.0.0.1: every spelling that reaches it, or another
    // internal address, is refused before anything is sent.
    QTest::newRow("127.0.0.1") << "127.0.0.1"
                               << "127.0.0.1";
    QTest::newRow("127.0.0.2") << "127.0.0.2"
                               << "127.0.0.2";
    QTest::newRow("::1") << "::1"
                         << "::1";
    QTest::newRow("[::1]") << "[::1]"
                           << "::1";
    QTest::newRow("mapped") << "[::ffff:127.0.0.1]"
                            << "::ffff:127.0.0.1";
    QTest::newRow("0.0.0.0") << "0.0.0.0"
                             << "0.0.0.0";
    QTest::newRow("::") << "::"
                        << "::";
    QTest::newRow("hex") << "0x7f000001"
                         << "127.0.0.1";
    QTest::newRow("short hex") << "0x7f.1"
                               << "127.0.0.1";
    QTest::newRow("metadata") << "169.254.169.254"
                              << "169.254.169.254";
    QTest::newRow("private") << "10.0.0.1"
                             << "10.0.0.1";
    QTest::newRow("link-local v6") << "fe80::1"
                                   << "fe80::1";
    QTest::newRow("nat64 of loopback") << "64:ff9b::7f00:1"
                                       << "64:ff9b::7f00:1";
}

void TestProxySecurity::defaultPolicyRefuses()
{
    QFETCH(QString, address);
    QFETCH(QString, denied);
    startProxyWithPolicy(Settings());
    TestClient *client = request(target(address, m_upstream->port()));
    QCOMPARE(client->sequence(), QStringLiteral("error,closed"));
    const QString error = client->ofType(MessageType::Error).constFirst().text;
    QVERIFY2(error.startsWith(u"upstream ") && error.contains(denied)
            && error.contains(u" is not allowed (denied by default: "),
        qPrintable(error));
    QCOMPARE(m_upstream->requests().size(), 0);
}

// A name is checked on what it resolves to: localhost reaches loopback, so it is refused.
void TestProxySecurity::nameResolvingToLoopbackIsRefused()
{
    startProxyWithPolicy(Settings());
    TestClient *client = request(target(QStringLiteral("localhost"), m_upstream->port()));
    QCOMPARE(client->sequence(), QStringLiteral("error,closed"));
    const QString error = client->ofType(MessageType::Error).constFirst().text;
    QVERIFY2(error.startsWith(QStringLiteral("upstream localhost:%1 (").arg(m_upstream->port())),
        qPrintable(error));
    QCOMPARE(m_upstream->requests().size(), 0);

    // Allowing one address of a name that has several refuses the name whole: the proxy does
    // not pick among a lookup's answers (as a rebinding attack would want it to).
    Settings settings;
    settings.proxy.upstreamAllow = { QStringLiteral("127.0.0.1") };
    startProxyWithPolicy(settings);
    const QList<QHostAddress> resolved
        = QHostInfo::fromName(QStringLiteral("localhost")).addresses();
    const bool onlyIpv4Loopback
        = std::all_of(resolved.cbegin(), resolved.cend(), [](const QHostAddress &a) {
              return a.protocol() == QAbstractSocket::IPv4Protocol && a.isLoopback();
          });
    m_upstream->route("/ok", TestUpstream::sse("data: x\n\n"));
    TestClient *second = request(target(QStringLiteral("localhost"), m_upstream->port()));
    QCOMPARE(second->sequence(),
        onlyIpv4Loopback ? QStringLiteral("connected,sse-event,closed")
                         : QStringLiteral("error,closed"));
}

void TestProxySecurity::denyBeatsAllow()
{
    Settings settings;
    settings.proxy.upstreamAllow = { QStringLiteral("127.0.0.0/8") };
    settings.proxy.upstreamDeny = { QStringLiteral("127.0.0.1:%1").arg(m_upstream->port()) };
    startProxyWithPolicy(settings);
    TestClient *client = request(target(QStringLiteral("127.0.0.1"), m_upstream->port()));
    QCOMPARE(client->ofType(MessageType::Error).constFirst().text,
        QStringLiteral("upstream 127.0.0.1:%1 is not allowed (proxy.upstream.deny 127.0.0.1:%1)")
            .arg(m_upstream->port()));
    QCOMPARE(m_upstream->requests().size(), 0);
}

void TestProxySecurity::allowListLimitsEverything()
{
    Settings settings;
    settings.proxy.upstreamAllow = { QStringLiteral("127.0.0.1:%1").arg(m_upstream->port()) };
    startProxyWithPolicy(settings);
    TestClient *other = request(target(
        QStringLiteral("127.0.0.1"), m_upstream->port() == 65535 ? 1 : m_upstream->port() + 1));
    QCOMPARE(other->ofType(MessageType::Error).constFirst().text,
        QStringLiteral("upstream 127.0.0.1:%1 is not allowed (not in proxy.upstream.allow)")
            .arg(m_upstream->port() == 65535 ? 1 : m_upstream->port() + 1));
    verifyNormalClientServed();
}

void TestProxySecurity::proxyOwnAdminIsUnreachable()
{
    Settings settings;
    settings.proxy.upstreamAllow = { QStringLiteral("127.0.0.1:%1").arg(m_upstream->port()) };
    settings.admin.host.clear(); // /metrics on the proxy's own listener
    startProxyWithPolicy(settings);
    TestClient *client
        = request(target(QStringLiteral("127.0.0.1"), m_proxy->port(), QStringLiteral("/metrics")));
    QCOMPARE(client->sequence(), QStringLiteral("error,closed"));
    QVERIFY(client->ofType(MessageType::Error).constFirst().text.contains(u"is not allowed"));
}

void TestProxySecurity::authTokens_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::newRow("none") << QByteArray("/proxy") << QByteArray() << 401;
    QTest::newRow("wrong bearer") << QByteArray("/proxy")
                                  << QByteArray("Authorization: Bearer nope\r\n") << 401;
    QTest::newRow("prefix of the token")
        << QByteArray("/proxy") << QByteArray("Authorization: Bearer s3cret-tok\r\n") << 401;
    QTest::newRow("basic scheme") << QByteArray("/proxy")
                                  << QByteArray("Authorization: Basic s3cret-token-1\r\n") << 401;
    QTest::newRow("bearer") << QByteArray("/proxy")
                            << QByteArray("Authorization: Bearer s3cret-token-1\r\n") << 101;
    QTest::newRow("second token, lower-case scheme")
        << QByteArray("/proxy") << QByteArray("authorization: bearer other-token\r\n") << 101;
    QTest::newRow("query") << QByteArray("/proxy?token=s3cret-token-1") << QByteArray() << 101;
    QTest::newRow("wrong query") << QByteArray("/proxy?token=x") << QByteArray() << 401;
}

void TestProxySecurity::authTokens()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    Settings settings;
    settings.proxy.authTokens = { QStringLiteral("s3cret-token-1"), QStringLiteral("other-token") };
    startProxy(settings);
    QByteArray head;
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->port(), path, headers, &head), status);
    if (status == 401)
        QVERIFY2(head.contains("WWW-Authenticate: Bearer"), head.constData());
}

void TestProxySecurity::origins_data()
{
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::newRow("no origin: not a browser") << QStringList() << QByteArray() << 101;
    QTest::newRow("foreign page") << QStringList() << QByteArray("https://evil.example") << 403;
    QTest::newRow("same origin") << QStringList() << QByteArray("http://127.0.0.1:PORT") << 101;
    QTest::newRow("same host, other port")
        << QStringList() << QByteArray("http://127.0.0.1:1") << 403;
    QTest::newRow("listed") << QStringList { QStringLiteral("https://app.example") }
                            << QByteArray("https://app.example") << 101;
    QTest::newRow("not listed") << QStringList { QStringLiteral("https://app.example") }
                                << QByteArray("https://app.example.evil") << 403;
    QTest::newRow("any") << QStringList { QStringLiteral("*") }
                         << QByteArray("https://evil.example") << 101;
    QTest::newRow("null origin") << QStringList() << QByteArray("null") << 403;
}

void TestProxySecurity::origins()
{
    QFETCH(QStringList, allowed);
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    Settings settings;
    settings.proxy.allowedOrigins = allowed;
    settings.admin.host.clear();
    startProxy(settings);
    origin.replace("PORT", QByteArray::number(m_proxy->port()));
    const QByteArray headers = origin.isEmpty() ? QByteArray() : "Origin: " + origin + "\r\n";
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->port(), "/proxy", headers), status);
    // The monitor feed follows the same rule.
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->port(), "/monitor", headers), status);
}

void TestProxySecurity::maxSessions()
{
    Settings settings;
    settings.proxy.maxSessions = 2;
    startProxy(settings);
    auto first = RawWsClient::upgrade(m_proxy->port());
    auto second = RawWsClient::upgrade(m_proxy->port());
    QVERIFY(first && second);
    QByteArray head;
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->port(), "/proxy", {}, &head), 503);
    QVERIFY2(head.contains("Retry-After:"), head.constData());
    // A place comes back when its client leaves.
    QSignalSpy closed(m_proxy.get(), &ProxyServer::sessionClosed);
    first->abort();
    QVERIFY(closed.wait(5000));
    // Each try is a connection, and one that gets 101 holds a place: once admitted, stop trying
    // (QTRY_* evaluates its expression once more after success).
    bool admitted = false;
    QTRY_VERIFY(
        admitted || (admitted = RawWsClient::upgradeStatus(m_proxy->port(), "/proxy", {}) == 101));
}

void TestProxySecurity::maxSessionsPerAddress()
{
    Settings settings;
    settings.proxy.maxSessionsPerAddress = 1;
    startProxy(settings);
    auto first = RawWsClient::upgrade(m_proxy->port());
    QVERIFY(first);
    QByteArray head;
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->port(), "/proxy", {}, &head), 429);
    QVERIFY2(head.contains("Too Many Requests"), head.constData());
    first->abort();
    bool admitted = false; // as in maxSessions()
    QTRY_VERIFY_WITH_TIMEOUT(
        admitted || (admitted = RawWsClient::upgradeStatus(m_proxy->port(), "/proxy", {}) == 101),
        5000);
}

void TestProxySecurity::adminToken()
{
    Settings settings;
    settings.admin.host = QStringLiteral("127.0.0.1");
    settings.admin.port = 0;
    settings.admin.token = QStringLiteral("admin-s3cret");
    startProxy(settings);
    QCOMPARE(RawWsClient::upgradeStatus(m_proxy->adminPort(), "/monitor", {}), 401);
    QCOMPARE(
        RawWsClient::upgradeStatus(m_proxy->adminPort(), "/monitor?token=admin-s3cret", {}), 101);
    QByteArray head;
    RawWsClient::upgradeStatus(m_proxy->adminPort(), "/metrics", {}, &head);
    QVERIFY2(head.startsWith("HTTP/1.1 401"), head.constData());
    RawWsClient::upgradeStatus(
        m_proxy->adminPort(), "/metrics", "Authorization: Bearer admin-s3cret\r\n", &head);
    QVERIFY2(head.startsWith("HTTP/1.1 200"), head.constData());
    // Not on the clients' listener at all.
    RawWsClient::upgradeStatus(
        m_proxy->port(), "/metrics", "Authorization: Bearer admin-s3cret\r\n", &head);
    QVERIFY2(head.startsWith("HTTP/1.1 404"), head.constData());
}

void TestProxySecurity::idleClientIsClosed()
{
    Settings settings;
    settings.proxy.idleTimeout = 200;
    startProxy(settings);
    TestClient *client = connectClient();
    QSignalSpy disconnected(&client->socket(), &QWebSocket::disconnected);
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(client->sequence(), QStringLiteral("closed"));
    QCOMPARE(client->ofType(MessageType::Closed).constFirst().text,
        QStringLiteral("idle for 200 ms (proxy.idleTimeout)"));
    verifyNormalClientServed(); // a client with a request is not idle
}

void TestProxySecurity::clientWithoutPongsIsDropped()
{
    Settings settings;
    settings.proxy.pingInterval = 100;
    startProxy(settings);
    m_upstream->route("/tick", TestUpstream::ticking(20));
    auto silent = RawWsClient::upgrade(m_proxy->port());
    QVERIFY(silent);
    silent->write(WsFrames::maskedText(
        QJsonDocument(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")))
            .toJson(QJsonDocument::Compact)));
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 1, 5000);
    // It reads (so TCP flows) but never answers a ping.
    QSignalSpy closed(m_proxy.get(), &ProxyServer::sessionClosed);
    QVERIFY(closed.wait(5000));
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 5000); // its upstream went too
    // A real WebSocket client answers pings and stays.
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    // 40 events at 20 ms are eight ping intervals: it is still there after them.
    QTRY_VERIFY_WITH_TIMEOUT(client->count(MessageType::SseEvent) >= 40, 10000);
    QVERIFY(client->isConnected());
}

void TestProxySecurity::nonReadingClientSpammingRejectionsIsDropped()
{
    Settings settings;
    settings.proxy.highWatermarkBytes = 8 * 1024;
    settings.proxy.lowWatermarkBytes = 0;
    settings.proxy.maxSendQueueBytes = 64 * 1024;
    settings.proxy.stallTimeout = 0; // only the hard cap can stop it
    startProxy(settings);
    auto spammer = RawWsClient::upgrade(m_proxy->port());
    QVERIFY(spammer);
    spammer->setReadBufferSize(1);
    QSignalSpy closed(m_proxy.get(), &ProxyServer::sessionClosed);
    // Each 1-byte message is answered with `error` and `closed`, twenty times its size.
    const QByteArray junk = WsFrames::maskedText("x");
    QByteArray burst;
    for (int i = 0; i < 2000; ++i)
        burst += junk;
    for (int round = 0; round < 200 && closed.isEmpty(); ++round) {
        spammer->write(burst);
        closed.wait(10); // lets the proxy read; stops as soon as it drops the client
    }
    QVERIFY(closed.size() == 1 || closed.wait(5000));
    verifyNormalClientServed();
}

void TestProxySecurity::pingFloodWithoutReadingIsDropped()
{
    Settings settings;
    settings.proxy.highWatermarkBytes = 8 * 1024;
    settings.proxy.lowWatermarkBytes = 0;
    settings.proxy.maxSendQueueBytes = 64 * 1024;
    settings.proxy.stallTimeout = 0;
    startProxy(settings);
    auto flooder = RawWsClient::upgrade(m_proxy->port());
    QVERIFY(flooder);
    flooder->setReadBufferSize(1);
    QSignalSpy closed(m_proxy.get(), &ProxyServer::sessionClosed);
    const QByteArray ping = WsFrames::masked(WsFrames::Ping, QByteArray(120, 'p'));
    QByteArray burst;
    for (int i = 0; i < 500; ++i)
        burst += ping;
    for (int round = 0; round < 400 && closed.isEmpty(); ++round) {
        flooder->write(burst);
        closed.wait(10); // lets the proxy read; stops as soon as it drops the client
    }
    QVERIFY(closed.size() == 1 || closed.wait(5000));
    verifyNormalClientServed();
}

void TestProxySecurity::unfinishedMessagesOverBudgetAreDropped()
{
    Settings settings;
    settings.proxy.maxIncomingBytes = 256 * 1024;
    startProxy(settings);
    QSignalSpy closed(m_proxy.get(), &ProxyServer::sessionClosed);
    // Each holds an unfinished message of 3 × 40 KiB frames (each frame within every per-socket
    // cap); together they pass the budget, and the one that does is dropped.
    std::vector<std::unique_ptr<QTcpSocket>> holders;
    for (int i = 0; i < 4; ++i) {
        auto holder = RawWsClient::upgrade(m_proxy->port());
        QVERIFY(holder);
        holder->write(WsFrames::masked(WsFrames::Text, QByteArray(40 * 1024, 'a'), false));
        holder->write(WsFrames::masked(WsFrames::Continuation, QByteArray(40 * 1024, 'b'), false));
        holder->write(WsFrames::masked(WsFrames::Continuation, QByteArray(40 * 1024, 'c'), false));
        holders.push_back(std::move(holder));
    }
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, 5000);
    QVERIFY(closed.size() < 4); // only those past the budget
    verifyNormalClientServed();
}

void TestProxySecurity::oversizedEventEndsTheRequest()
{
    Settings settings;
    settings.proxy.maxEventMessageBytes = 64 * 1024;
    startProxy(settings);
    // 20,000 control bytes: 120,000 bytes once JSON-escaped.
    const QByteArray controls(20000, '\x01');
    m_upstream->route(
        "/big", TestUpstream::sse("data: before\n\ndata: " + controls + "\n\ndata: after\n\n"));
    TestClient *client = request(upstreamRequest(m_upstream->port(), QStringLiteral("/big")));
    QCOMPARE(client->sequence(), QStringLiteral("connected,sse-event,error,closed"));
    QCOMPARE(
        client->events().constFirst().data, QStringLiteral("before")); // nothing before is lost
    QVERIFY2(
        client->ofType(MessageType::Error).constFirst().text.startsWith(u"upstream event of 12"),
        qPrintable(client->ofType(MessageType::Error).constFirst().text));
    QVERIFY(client->ofType(MessageType::Error)
                .constFirst()
                .text.endsWith(u" as JSON is larger than 65536 (proxy.maxEventMessageBytes)"));
    verifyNormalClientServed();
}

void TestProxySecurity::headerLimitsAndControlCharacters_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("error");
    QTest::newRow("101 headers")
        << 101 << "v"
        << "headers: 101 headers, more than the 100 allowed (proxy.maxRequestHeaders)";
    QTest::newRow("40000 headers")
        << 40000 << "v"
        << "headers: 40000 headers, more than the 100 allowed (proxy.maxRequestHeaders)";
    QTest::newRow("escape sequence")
        << 1 << "\x1b[2J"
        << "headers.X-0: must not contain control characters (CR, LF, NUL or any other but tab)";
}

void TestProxySecurity::headerLimitsAndControlCharacters()
{
    QFETCH(int, count);
    QFETCH(QString, value);
    QFETCH(QString, error);
    Settings settings;
    settings.proxy.maxMessageBytes = 4 * 1024 * 1024;
    startProxy(settings);
    QJsonObject request = upstreamRequest(m_upstream->port(), QStringLiteral("/ok"));
    QJsonObject headers;
    for (int i = 0; i < count; ++i)
        headers.insert(QStringLiteral("X-%1").arg(i), value);
    request.insert(QStringLiteral("headers"), headers);
    TestClient *client = this->request(request);
    QCOMPARE(client->sequence(), QStringLiteral("error,closed"));
    QVERIFY2(client->ofType(MessageType::Error).constFirst().text.endsWith(error),
        qPrintable(client->ofType(MessageType::Error).constFirst().text));
    QCOMPARE(m_upstream->requests().size(), 0);
    verifyNormalClientServed();
}

void TestProxySecurity::errorExcerptsAreCappedOrOff()
{
    const QByteArray secret = "metadata-token-" + QByteArray(300, 'S');
    m_upstream->route("/meta", TestUpstream::status(200, "OK", "application/json", secret));
    m_upstream->route(
        "/reason", TestUpstream::status(500, QByteArray(100000, 'R'), "text/plain", "x"));
    startProxy();
    TestClient *capped = request(upstreamRequest(m_upstream->port(), QStringLiteral("/meta")));
    const QString cappedError = capped->ofType(MessageType::Error).constFirst().text;
    QVERIFY2(cappedError.size() < 500, qPrintable(cappedError));
    TestClient *reason = request(upstreamRequest(m_upstream->port(), QStringLiteral("/reason")));
    QVERIFY2(reason->ofType(MessageType::Error).constFirst().text.size() < 500,
        qPrintable(reason->ofType(MessageType::Error).constFirst().text.left(600)));

    Settings settings;
    settings.proxy.errorExcerptBytes = 0;
    startProxy(settings);
    TestClient *off = request(upstreamRequest(m_upstream->port(), QStringLiteral("/meta")));
    QCOMPARE(off->ofType(MessageType::Error).constFirst().text,
        QStringLiteral(
            "upstream answered with Content-Type \"application/json\", not text/event-stream"));
}

WSSP_TEST_MAIN(TestProxySecurity)
#include "tst_proxysecurity.moc"
