// The server over loopback: an in-process TestServer on port 0 and raw TCP clients. Covers the
// echo byte for byte, its timing, every workbench endpoint, bad requests, hundreds of concurrent
// streams, and that clients who leave stop their timers.
#include "chunkedbody.h"
#include "rawhttpclient.h"
#include "testserver.h"
#include "workbenchstreams.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTcpServer>
#include <QtTest>

#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

class TestTestServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void echoBytesOnTheWire_data();
    void echoBytesOnTheWire();
    void echoTiming();
    void ticks();
    void ticksAsFastAsTheClientReads();
    void idleHeartbeats();
    void status_data();
    void status();
    void brokenResets();
    void ticksBreakAfterResets();
    void breakWaitsForTheClientToHaveEveryByte();
    void breakResetsAClientThatStopsReading();
    void ticksResumeAcrossBreaks_data();
    void ticksResumeAcrossBreaks();
    void endings();
    void headersEcho();
    void plain();
    void badRequests_data();
    void badRequests();
    void expectContinue();
    void slowRequestTimesOut();
    void clientLeavingStopsTimers();
    void hundredsOfConcurrentStreams();
    void closeDropsConnections();
    void portInUse();
    void localhostAnswersOnBothFamilies();

private:
    std::unique_ptr<TestServer> startServer(int count = 3, int delayMs = 0);
    // Sends `request` from a plain non-blocking socket and reads until the end: `endErrno` is 0
    // for a clean close (FIN), else the errno that ended it. Qt reports a reset and a clean
    // close alike, so tests that must see the RST read this way.
    static void readRaw(
        quint16 port, const QByteArray &request, QByteArray *received, int *endErrno);
};

namespace {

const QRegularExpression isoUtcMs(
    QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"));

} // namespace

void TestTestServer::initTestCase()
{
    // Hundreds of streams would flood the test log; the log lines are covered in tst_router.
    QLoggingCategory::setFilterRules(QStringLiteral("wssp.sseserver.info=false"));
}

std::unique_ptr<TestServer> TestTestServer::startServer(int count, int delayMs)
{
    TestServerSettings settings;
    settings.responseCount = count;
    settings.responseDelay = delayMs;
    auto server = std::make_unique<TestServer>(settings);
    QString error;
    if (!server->listen(QStringLiteral("127.0.0.1"), 0, &error))
        qFatal("listen failed: %s", qPrintable(error));
    return server;
}

// The whole echo response, byte for byte; only the epoch and the timestamps vary, and those
// are checked for shape and range, then substituted into the expected text.
void TestTestServer::echoBytesOnTheWire_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("escaped"); // the message as it appears in the data JSON
    QTest::newRow("POST") << RawHttpClient::request("POST", "/events",
        "{\"message\": \"Hi \\\"you\\\" \\u00e9\"}", "Content-Type: application/json\r\n")
                          << QByteArray("Hi \\\"you\\\" é");
    QTest::newRow("PUT") << RawHttpClient::request("PUT", "/events", "{\"message\":\"a\\nb\"}")
                         << QByteArray("a\\nb");
    QTest::newRow("GET") << RawHttpClient::request("GET", "/events?message=Hello+Server%21%20%231")
                         << QByteArray("Hello Server! #1");
}

void TestTestServer::echoBytesOnTheWire()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, escaped);
    const auto server = startServer(3, 0);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    RawHttpClient client;
    client.send(server->serverPort(), request);
    QTRY_VERIFY(client.isFinished());
    const qint64 after = QDateTime::currentMSecsSinceEpoch();

    QCOMPARE(client.head(),
        QByteArray("HTTP/1.1 200 OK\r\n"
                   "Content-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\n"
                   "X-Server-Name: Test SSE Server\r\n"
                   "Connection: close\r\n\r\n"));
    const QByteArray body = client.body();
    const QRegularExpression idPattern(QStringLiteral("id: echo-(\\d+)-\\d\n"));
    const QRegularExpression timestampPattern(QStringLiteral("\"timestamp\":\"([^\"]*)\""));
    const QString text = QString::fromUtf8(body);
    const QRegularExpressionMatch id = idPattern.match(text);
    QVERIFY(id.hasMatch());
    const qint64 epoch = id.captured(1).toLongLong();
    QVERIFY(epoch >= before && epoch <= after);
    QStringList timestamps;
    for (const QRegularExpressionMatch &match : timestampPattern.globalMatch(text)) {
        QVERIFY2(isoUtcMs.match(match.captured(1)).hasMatch(), qPrintable(match.captured(1)));
        const qint64 at
            = QDateTime::fromString(match.captured(1), Qt::ISODateWithMs).toMSecsSinceEpoch();
        QVERIFY(at >= before && at <= after);
        timestamps.append(match.captured(1));
    }
    QCOMPARE(timestamps.size(), 3);

    QByteArray expected;
    const char *types[] = { "message", "user-message", "final-message" };
    for (int n = 1; n <= 3; ++n) {
        expected += QByteArray("event: ") + types[n - 1] + "\nid: echo-" + QByteArray::number(epoch)
            + '-' + QByteArray::number(n) + '\n';
        if (n == 3)
            expected += "retry: 5000\n";
        expected += "data: {\"type\":\"echo\",\"originalMessage\":\"" + escaped
            + "\",\"timestamp\":\"" + timestamps.at(n - 1).toLatin1() + "\",\"response\":\"Echo "
            + QByteArray::number(n) + "/3: " + escaped + "\",\"sequence\":" + QByteArray::number(n)
            + "}\n\n";
    }
    QCOMPARE(body, expected);
    QTRY_COMPARE(server->connectionCount(), 0);
}

// responseDelay from the settings: event n arrives no sooner than (n-1) delays after the request.
void TestTestServer::echoTiming()
{
    constexpr int delayMs = 50;
    const auto server = startServer(4, delayMs);
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/events?message=t"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.eventCount(), 4);
    const QList<qint64> arrivals = client.eventArrivalsMs();
    for (int i = 0; i < arrivals.size(); ++i)
        QVERIFY2(arrivals.at(i) >= i * delayMs,
            qPrintable(QStringLiteral("event %1 after %2 ms").arg(i + 1).arg(arrivals.at(i))));
}

void TestTestServer::ticks()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(
        server->serverPort(), RawHttpClient::request("GET", "/ticks?interval=10&count=3&size=100"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.header("Content-Type"), QByteArray("text/event-stream"));
    const QList<QByteArray> blocks = client.body().split('\n');
    QCOMPARE(client.eventCount(), 3);
    QCOMPARE(client.body().count("event: tick\n"), 3);
    for (int n = 1; n <= 3; ++n) {
        const QByteArray data
            = "data: tick " + QByteArray::number(n) + ' ' + QByteArray(100 - 7, 'x') + '\n';
        QVERIFY(client.body().contains(data));
        QVERIFY(client.body().contains(QByteArray("id: tick-" + QByteArray::number(n) + '\n')));
    }
    QVERIFY(client.body().endsWith("\n\n"));
    QTRY_COMPARE(server->connectionCount(), 0);
}

// interval=0 writes as fast as flow control allows (8 MB here, past the 1 MiB watermark when the
// reader lags); every event still arrives whole and in order.
void TestTestServer::ticksAsFastAsTheClientReads()
{
    constexpr int count = 2000;
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(),
        RawHttpClient::request("GET", "/ticks?interval=0&count=2000&size=4000"));
    QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 30000);
    QCOMPARE(client.eventCount(), count);
    const QByteArray body = client.body();
    QCOMPARE(body.count("event: tick\n"), count);
    const QByteArray last = "id: tick-2000\ndata: tick 2000 " + QByteArray(4000 - 10, 'x') + "\n\n";
    QVERIFY(body.endsWith(last));
    QVERIFY(body.endsWith("\n\n"));
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestTestServer::idleHeartbeats()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/idle?interval=20"));
    QTRY_VERIFY(client.body().count(": heartbeat\n") >= 3);
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.eventCount(), 0);
    QByteArray onlyComments = client.body();
    onlyComments.replace(": heartbeat\n", "");
    QCOMPARE(onlyComments, QByteArray());
    QCOMPARE(server->activeStreamCount(), 1);
    client.abort();
    QTRY_COMPARE(server->connectionCount(), 0);
    QCOMPARE(server->activeTimerCount(), 0);
}

void TestTestServer::status_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("500") << 500 << QByteArray()
                         << QByteArray("500 Internal Server Error (from /status)\n");
    QTest::newRow("404") << 404 << QByteArray() << QByteArray("404 Not Found (from /status)\n");
    QTest::newRow("302") << 302 << QByteArray("/events")
                         << QByteArray("302 Found (from /status)\n");
    QTest::newRow("204") << 204 << QByteArray() << QByteArray();
}

void TestTestServer::status()
{
    QFETCH(int, code);
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, body);
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(),
        RawHttpClient::request("GET", "/status?code=" + QByteArray::number(code)));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), code);
    QCOMPARE(client.header("Location"), location);
    QCOMPARE(client.body(), body);
}

// /broken: two whole events, half of a third, then a reset rather than a clean end.
void TestTestServer::brokenResets()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/broken?after=2&interval=5"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.header("Transfer-Encoding"), QByteArray("chunked"));
    // Whole chunks, and no last chunk: the break shows in the framing too.
    QCOMPARE(client.body(),
        QByteArray("32\r\nevent: message\nid: broken-1\ndata: {\"sequence\":1}\n\n\r\n"
                   "32\r\nevent: message\nid: broken-2\ndata: {\"sequence\":2}\n\n\r\n"
                   "36\r\nevent: message\nid: broken-3\ndata: {\"sequence\":3,\"trunc\r\n"));
    QCOMPARE(client.eventCount(), 2);

    // The end must be ECONNRESET, not a zero-byte read (FIN).
    QByteArray received;
    int endErrno = -1;
    readRaw(server->serverPort(), RawHttpClient::request("GET", "/broken?after=1"), &received,
        &endErrno);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(endErrno, ECONNRESET);
    QVERIFY(received.endsWith("data: {\"sequence\":1}\n\n\r\n36\r\nevent: message\nid: broken-2\n"
                              "data: {\"sequence\":2,\"trunc\r\n"));
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestTestServer::readRaw(
    quint16 port, const QByteArray &request, QByteArray *received, int *endErrno)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address), 0);
    QCOMPARE(::send(fd, request.constData(), size_t(request.size()), 0), ssize_t(request.size()));
    *endErrno = -1;
    const auto ended = [&] { // QTRY_VERIFY evaluates it once more after it turned true
        if (*endErrno >= 0)
            return true;
        char buffer[4096];
        ssize_t count;
        while ((count = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
            received->append(buffer, count);
        if (count == 0)
            *endErrno = 0;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            *endErrno = errno;
        return *endErrno >= 0;
    };
    QTRY_VERIFY(ended());
    ::close(fd);
}

// /ticks?breakAfter=3: a chunked body with three ticks and half of the fourth, then a reset.
void TestTestServer::ticksBreakAfterResets()
{
    const auto server = startServer();
    QByteArray received;
    int endErrno = -1;
    readRaw(server->serverPort(),
        RawHttpClient::request("GET", "/ticks?interval=0&count=10&breakAfter=3"), &received,
        &endErrno);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(endErrno, ECONNRESET);
    const qsizetype headEnd = received.indexOf("\r\n\r\n");
    QVERIFY(headEnd > 0);
    QVERIFY(received.first(headEnd).contains("\r\nTransfer-Encoding: chunked"));
    const ChunkedBody body = ChunkedBody::decode(QByteArrayView(received).sliced(headEnd + 4));
    QVERIFY(body.wellFormed);
    QVERIFY(!body.complete);
    QCOMPARE(body.payload,
        QByteArray("event: tick\nid: tick-1\ndata: tick 1\n\n"
                   "event: tick\nid: tick-2\ndata: tick 2\n\n"
                   "event: tick\nid: tick-3\ndata: tick 3\n\n"
                   "event: tick\nid: tick-4\ndata: tic"));
    QTRY_COMPARE(server->connectionCount(), 0);
}

// A reset discards what the kernel has not delivered yet. With megabytes before the break and a
// client that reads in bursts, the reset must wait until the client has them all: three whole
// 2 MB ticks and half of the fourth, every chunk whole.
void TestTestServer::breakWaitsForTheClientToHaveEveryByte()
{
    constexpr qint64 size = 2000000;
    const auto server = startServer();
    QByteArray received;
    int endErrno = -1;
    readRaw(server->serverPort(),
        RawHttpClient::request("GET", "/ticks?interval=0&count=10&breakAfter=3&size=2000000"),
        &received, &endErrno);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(endErrno, ECONNRESET);
    const qsizetype headEnd = received.indexOf("\r\n\r\n");
    QVERIFY(headEnd > 0);
    const ChunkedBody body = ChunkedBody::decode(QByteArrayView(received).sliced(headEnd + 4));
    QVERIFY(body.wellFormed);
    QVERIFY(!body.complete);
    QCOMPARE(body.payload.count("\n\n"), 3);
    QVERIFY(body.payload.endsWith(TickStream::halfTick(4, size)));
    QTRY_COMPARE(server->connectionCount(), 0);
}

// The wait for delivery is bounded: a client that never reads is reset all the same
// (HttpConnection::resetWaitLimitMs), and the server forgets the connection.
void TestTestServer::breakResetsAClientThatStopsReading()
{
    const auto server = startServer();
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    const int small = 4096; // a receive window that fills at once
    QCOMPARE(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(server->serverPort());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address), 0);
    const QByteArray request
        = RawHttpClient::request("GET", "/ticks?interval=0&count=10&breakAfter=1&size=500000");
    QCOMPARE(::send(fd, request.constData(), size_t(request.size()), 0), ssize_t(request.size()));
    QTRY_COMPARE(server->connectionCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(server->connectionCount(), 0, 10000);
    QCOMPARE(server->activeTimerCount(), 0);
    ::close(fd);
}

// What a resuming client (EventSource, or the proxy with reconnect) does over the breaks: ask
// again with Last-Event-ID set to the last whole tick. It must get every tick exactly once, in
// order, `breakAfter` per response, and the response that reaches `count` must end cleanly.
void TestTestServer::ticksResumeAcrossBreaks_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("breakAfter");
    QTest::addColumn<int>("size");
    QTest::newRow("1000 by 100") << 1000 << 100 << 0;
    QTest::newRow("10 by 3: the last response is short") << 10 << 3 << 0;
    QTest::newRow("breakAfter 1") << 5 << 1 << 0;
    QTest::newRow("50 by 7, 70 KB ticks") << 50 << 7 << 70000;
}

void TestTestServer::ticksResumeAcrossBreaks()
{
    QFETCH(int, count);
    QFETCH(int, breakAfter);
    QFETCH(int, size);
    const auto server = startServer();
    const QByteArray target = "/ticks?interval=0&count=" + QByteArray::number(count)
        + "&breakAfter=" + QByteArray::number(breakAfter) + "&size=" + QByteArray::number(size);
    const int responses = (count + breakAfter - 1) / breakAfter;

    QList<qint64> ticks;
    QByteArray lastEventId;
    for (int response = 1; response <= responses; ++response) {
        RawHttpClient client;
        client.send(server->serverPort(),
            RawHttpClient::request("GET", target, {},
                lastEventId.isEmpty() ? QByteArray() : "Last-Event-ID: " + lastEventId + "\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(client.isFinished(), 30000);
        QCOMPARE(client.status(), 200);
        const ChunkedBody body = ChunkedBody::decode(client.body());
        QVERIFY(body.wellFormed);
        const bool last = response == responses;
        QCOMPARE(body.complete, last); // every other response breaks off
        // The whole events; a break leaves half of one after the last blank line.
        QByteArrayList events;
        qsizetype from = 0;
        for (qsizetype blank = body.payload.indexOf("\n\n"); blank >= 0;
             blank = body.payload.indexOf("\n\n", from)) {
            events.append(body.payload.sliced(from, blank - from));
            from = blank + 2;
        }
        QCOMPARE(body.payload.sliced(from).isEmpty(), last);
        QCOMPARE(events.size(), last ? count - (responses - 1) * breakAfter : breakAfter);
        for (const QByteArray &event : std::as_const(events)) {
            const QList<QByteArray> lines = event.split('\n');
            QCOMPARE(lines.size(), 3);
            QCOMPARE(lines.at(0), QByteArray("event: tick"));
            QVERIFY(lines.at(1).startsWith("id: tick-"));
            lastEventId = lines.at(1).sliced(4);
            const qint64 n = lastEventId.sliced(5).toLongLong();
            const QByteArray data = "tick " + QByteArray::number(n);
            QVERIFY(lines.at(2).startsWith(QByteArray("data: " + data)));
            if (size > 0)
                QCOMPARE(lines.at(2).size(), 6 + size);
            ticks.append(n);
        }
    }
    QList<qint64> expected;
    for (qint64 n = 1; n <= count; ++n)
        expected.append(n);
    QCOMPARE(ticks, expected);

    // Once the stream is complete, resuming from its last tick gets 204: done, do not reconnect.
    RawHttpClient after;
    after.send(server->serverPort(),
        RawHttpClient::request("GET", target, {}, "Last-Event-ID: " + lastEventId + "\r\n"));
    QTRY_VERIFY(after.isFinished());
    QCOMPARE(after.status(), 204);
    QCOMPARE(after.body(), QByteArray());
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestTestServer::endings()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/endings?style=crlf"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.body(),
        QByteArray(": line endings: crlf\r\n"
                   "event: message\r\ndata: first\r\n\r\n"
                   "event: multi-line\r\nid: endings-2\r\ndata: line one\r\n"
                   "data: line two\r\ndata: line three\r\n\r\n"
                   "event: final\r\nid: endings-3\r\nretry: 5000\r\ndata: last\r\n\r\n"));
}

void TestTestServer::headersEcho()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(),
        RawHttpClient::request("DELETE", "/headers?q=1", "payload",
            "Authorization: Bearer abc\r\nX-Forwarded-For: 10.0.0.1\r\n"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QVERIFY(client.body().startsWith("event: request\ndata: {"));
    QCOMPARE(client.eventCount(), 1);
    const QByteArray json = client.body().sliced(21).chopped(2);
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    QCOMPARE(object.value(QStringLiteral("method")).toString(), QStringLiteral("DELETE"));
    QCOMPARE(object.value(QStringLiteral("target")).toString(), QStringLiteral("/headers?q=1"));
    QCOMPARE(object.value(QStringLiteral("body")).toString(), QStringLiteral("payload"));
    const QJsonObject headers = object.value(QStringLiteral("headers")).toObject();
    QCOMPARE(
        headers.value(QStringLiteral("authorization")).toString(), QStringLiteral("Bearer abc"));
    QCOMPARE(
        headers.value(QStringLiteral("x-forwarded-for")).toString(), QStringLiteral("10.0.0.1"));
    QCOMPARE(headers.value(QStringLiteral("content-length")).toString(), QStringLiteral("7"));
}

void TestTestServer::plain()
{
    const auto server = startServer();
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/plain"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(client.body(), QByteArray("This is plain text, not an event stream.\n"));
}

// Rainy day over the wire: the status and the whole plain-text body; the server keeps serving.
void TestTestServer::badRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("unknown path") << RawHttpClient::request("GET", "/nowhere") << 404
                                  << QByteArray("no endpoint /nowhere; the endpoints are:\n");
    QTest::newRow("wrong method")
        << RawHttpClient::request("DELETE", "/events") << 405
        << QByteArray("method DELETE is not allowed on /events (allowed: GET, POST, PUT)\n");
    QTest::newRow("not JSON") << RawHttpClient::request("POST", "/events", "{oops") << 400
                              << QByteArray("body: not valid JSON (");
    QTest::newRow("number message") << RawHttpClient::request("POST", "/events", "{\"message\":1}")
                                    << 400 << QByteArray("body: \"message\" must be a string\n");
    QTest::newRow("bad count")
        << RawHttpClient::request("GET", "/ticks?count=x") << 400
        << QByteArray("count: expected an integer from 0 to 1000000000, got \"x\"\n");
    QTest::newRow("chunked")
        << QByteArray("POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        << 411
        << QByteArray("Transfer-Encoding request bodies are not supported; send the body with a "
                      "Content-Length\n");
    QTest::newRow("too large")
        << QByteArray("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n") << 413
        << QByteArray("request body of 2000000 bytes is larger than the limit of 1048576 bytes\n");
    QTest::newRow("garbage") << QByteArray("hello\r\n\r\n") << 400
                             << QByteArray("malformed request: malformed request line\n");
}

void TestTestServer::badRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    const auto server = startServer(1, 0);
    RawHttpClient bad;
    bad.send(server->serverPort(), request);
    QTRY_VERIFY(bad.isFinished());
    QCOMPARE(bad.status(), status);
    QCOMPARE(bad.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
    QVERIFY2(bad.body().startsWith(body), bad.body().constData());

    RawHttpClient good; // the server goes on serving others
    good.send(server->serverPort(), RawHttpClient::request("GET", "/events?message=ok"));
    QTRY_VERIFY(good.isFinished());
    QCOMPARE(good.status(), 200);
    QCOMPARE(good.eventCount(), 1);
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestTestServer::expectContinue()
{
    const auto server = startServer(1, 0);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray body = "{\"message\":\"late body\"}";
    socket.write("POST /events HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n");
    QByteArray received;
    QTRY_VERIFY((received += socket.readAll()).contains("\r\n\r\n"));
    QCOMPARE(received, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    socket.write(body);
    QTRY_VERIFY((received += socket.readAll()).contains("\n\n"));
    QVERIFY(received.contains("HTTP/1.1 200 OK\r\n"));
    QVERIFY(received.contains("\"originalMessage\":\"late body\""));
}

void TestTestServer::slowRequestTimesOut()
{
    const auto server = startServer();
    server->setRequestTimeout(100);
    RawHttpClient client;
    client.send(server->serverPort(), "GET /events?message=x HTTP/1.1\r\nHost: x\r\n");
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 408);
    QCOMPARE(client.body(), QByteArray("no complete request within 100 ms\n"));
    QTRY_COMPARE(server->connectionCount(), 0);
    QCOMPARE(server->activeTimerCount(), 0);
}

void TestTestServer::clientLeavingStopsTimers()
{
    const auto server = startServer(5, 60000);
    RawHttpClient client;
    client.send(server->serverPort(), RawHttpClient::request("GET", "/events?message=bye"));
    QTRY_COMPARE(client.eventCount(), 1);
    QCOMPARE(server->connectionCount(), 1);
    QCOMPARE(server->activeStreamCount(), 1);
    QCOMPARE(server->activeTimerCount(), 1);
    client.abort();
    QTRY_COMPARE(server->connectionCount(), 0);
    QCOMPARE(server->activeStreamCount(), 0);
    QCOMPARE(server->activeTimerCount(), 0);
}

// 200 endless /ticks streams from one event loop, then every client leaves: no stream, no timer
// may stay behind.
void TestTestServer::hundredsOfConcurrentStreams()
{
    constexpr int clients = 200;
    const auto server = startServer();
    std::vector<std::unique_ptr<RawHttpClient>> streams;
    for (int i = 0; i < clients; ++i) {
        streams.push_back(std::make_unique<RawHttpClient>());
        streams.back()->send(
            server->serverPort(), RawHttpClient::request("GET", "/ticks?interval=20"));
    }
    const auto allTicked = [&streams] {
        for (const auto &stream : streams) {
            if (stream->eventCount() < 3)
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(allTicked(), 30000);
    QCOMPARE(server->connectionCount(), clients);
    QCOMPARE(server->activeStreamCount(), clients);
    QCOMPARE(server->activeTimerCount(), clients);
    for (const auto &stream : streams) {
        QCOMPARE(stream->status(), 200);
        QVERIFY(stream->body().startsWith("event: tick\nid: tick-1\ndata: tick 1\n\n"));
        stream->abort();
    }
    QTRY_COMPARE(server->connectionCount(), 0);
    QCOMPARE(server->activeStreamCount(), 0);
    QCOMPARE(server->activeTimerCount(), 0);
}

void TestTestServer::closeDropsConnections()
{
    const auto server = startServer();
    RawHttpClient idle;
    RawHttpClient silent; // connected, never sends a request: its request timer runs
    idle.send(server->serverPort(), RawHttpClient::request("GET", "/idle?interval=1000"));
    silent.send(server->serverPort(), QByteArray());
    QTRY_COMPARE(server->connectionCount(), 2);
    QTRY_COMPARE(idle.status(), 200);
    QCOMPARE(server->activeTimerCount(), 2);
    server->close();
    QCOMPARE(server->connectionCount(), 0);
    QCOMPARE(server->activeTimerCount(), 0);
    QVERIFY(!server->isListening());
    QTRY_VERIFY(idle.isFinished());
    QTRY_VERIFY(silent.isFinished());
}

void TestTestServer::portInUse()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    TestServer server { TestServerSettings() };
    QString error;
    QVERIFY(!server.listen(QStringLiteral("127.0.0.1"), holder.serverPort(), &error));
    QCOMPARE(
        error, QStringLiteral("port %1 on 127.0.0.1 is already in use").arg(holder.serverPort()));
    QVERIFY(!server.isListening());
    QCOMPARE(server.serverPort(), quint16(0));
}

void TestTestServer::localhostAnswersOnBothFamilies()
{
    TestServer server { TestServerSettings() };
    QString error;
    QVERIFY2(server.listen(QStringLiteral("localhost"), 0, &error), qPrintable(error));
    QVERIFY(server.serverPort() != 0);
    QTcpSocket v4;
    v4.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(v4.waitForConnected(5000));
    QTcpServer probe; // IPv6 may be missing on a build machine; then only 127.0.0.1 is required
    if (probe.listen(QHostAddress::LocalHostIPv6, 0)) {
        QTcpSocket v6;
        v6.connectToHost(QHostAddress::LocalHostIPv6, server.serverPort());
        QVERIFY(v6.waitForConnected(5000));
    }
}

QTEST_GUILESS_MAIN(TestTestServer)
#include "tst_testserver.moc"
