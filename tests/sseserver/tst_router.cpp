// Request -> response without sockets: which status and body each endpoint answers, good and bad
// parameters and bodies, and the log line each request gets.
#include "httpresponse.h"
#include "router.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

class TestRouter : public QObject
{
    Q_OBJECT

private slots:
    void route_data();
    void route();
    void echoLogLine();
    void headersEcho();
    void ticksResumeFromLastEventId_data();
    void ticksResumeFromLastEventId();
    void ticksCompleteAre204();
    void endings_data();
    void endings();
};

namespace {

HttpRequest makeRequest(const QByteArray &method, const QByteArray &target,
    const QByteArray &body = {}, const HttpHeaderList &headers = {})
{
    HttpRequest request;
    request.head.method = method;
    request.head.target = target;
    request.head.version = "HTTP/1.1";
    request.head.headers = headers;
    request.body = body;
    request.peer = QStringLiteral("127.0.0.1");
    return request;
}

// Everything the response sends until it finishes or has waited three times.
QByteArray firstBytes(ResponseSource &source)
{
    QByteArray out;
    for (int i = 0; i < 3; ++i) {
        const ResponseSource::Step step = source.next();
        out += step.bytes;
        if (step.then != ResponseSource::Then::Wait)
            break;
    }
    return out;
}

} // namespace

void TestRouter::route_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contains"); // in the response bytes

    // Happy day: each endpoint answers with its status and first bytes.
    QTest::newRow("POST echo") << QByteArray("POST") << QByteArray("/events")
                               << QByteArray("{\"message\":\"hi\"}") << 200
                               << QByteArray("\"originalMessage\":\"hi\"");
    QTest::newRow("PUT echo") << QByteArray("PUT") << QByteArray("/events")
                              << QByteArray("{\"message\":\"\",\"extra\":1}") << 200
                              << QByteArray("\"response\":\"Echo 1/3: \"");
    QTest::newRow("GET echo") << QByteArray("GET") << QByteArray("/events?message=a%22b")
                              << QByteArray() << 200
                              << QByteArray("\"originalMessage\":\"a\\\"b\"");
    QTest::newRow("ticks") << QByteArray("GET") << QByteArray("/ticks?interval=5&count=2&size=10")
                           << QByteArray() << 200 << QByteArray("data: tick 2 xxx\n\n");
    QTest::newRow("ticks by POST") << QByteArray("POST") << QByteArray("/ticks?count=1")
                                   << QByteArray("{}") << 200 << QByteArray("id: tick-1\n");
    QTest::newRow("ticks breakAfter")
        << QByteArray("GET") << QByteArray("/ticks?interval=0&count=5&breakAfter=2") << QByteArray()
        << 200 << QByteArray("\r\nTransfer-Encoding: chunked\r\n");
    QTest::newRow("ticks breakAfter 0: never")
        << QByteArray("GET") << QByteArray("/ticks?count=1&breakAfter=0") << QByteArray() << 200
        << QByteArray("id: tick-1\n");
    QTest::newRow("idle") << QByteArray("GET") << QByteArray("/idle?interval=10") << QByteArray()
                          << 200 << QByteArray(": heartbeat\n");
    QTest::newRow("status 500") << QByteArray("GET") << QByteArray("/status?code=500")
                                << QByteArray() << 500
                                << QByteArray("\r\n\r\n500 Internal Server Error (from /status)\n");
    QTest::newRow("status 302") << QByteArray("GET") << QByteArray("/status?code=302")
                                << QByteArray() << 302 << QByteArray("Location: /events\r\n");
    QTest::newRow("status 307 location")
        << QByteArray("GET") << QByteArray("/status?code=307&location=http%3A%2F%2Fh%2Fx")
        << QByteArray() << 307 << QByteArray("Location: http://h/x\r\n");
    QTest::newRow("status 204") << QByteArray("GET") << QByteArray("/status?code=204")
                                << QByteArray() << 204 << QByteArray("Connection: close\r\n\r\n");
    QTest::newRow("broken") << QByteArray("GET") << QByteArray("/broken?after=1") << QByteArray()
                            << 200 << QByteArray("id: broken-1\n");
    QTest::newRow("endings") << QByteArray("GET") << QByteArray("/endings?style=cr") << QByteArray()
                             << 200 << QByteArray("data: first\r\r");
    QTest::newRow("headers PATCH") << QByteArray("PATCH") << QByteArray("/headers") << QByteArray()
                                   << 200 << QByteArray("event: request\n");
    QTest::newRow("plain") << QByteArray("GET") << QByteArray("/plain") << QByteArray() << 200
                           << QByteArray("Content-Type: text/plain; charset=utf-8\r\n");

    // Rainy day: the status and the plain-text reason.
    QTest::newRow("unknown path") << QByteArray("GET") << QByteArray("/nope") << QByteArray() << 404
                                  << QByteArray("no endpoint /nope; the endpoints are:\n");
    QTest::newRow("trailing slash") << QByteArray("POST") << QByteArray("/events/") << QByteArray()
                                    << 404 << QByteArray("no endpoint /events/");
    QTest::newRow("DELETE echo") << QByteArray("DELETE") << QByteArray("/events") << QByteArray()
                                 << 405 << QByteArray("Allow: GET, POST, PUT\r\n");
    QTest::newRow("PATCH ticks") << QByteArray("PATCH") << QByteArray("/ticks") << QByteArray()
                                 << 405 << QByteArray("method PATCH is not allowed on /ticks");
    QTest::newRow("no body") << QByteArray("POST") << QByteArray("/events") << QByteArray() << 400
                             << QByteArray("body: empty; expected a JSON object");
    QTest::newRow("not JSON") << QByteArray("POST") << QByteArray("/events") << QByteArray("hi")
                              << 400 << QByteArray("body: not valid JSON (");
    QTest::newRow("array") << QByteArray("POST") << QByteArray("/events") << QByteArray("[1]")
                           << 400 << QByteArray("body: expected a JSON object");
    QTest::newRow("no message") << QByteArray("POST") << QByteArray("/events")
                                << QByteArray("{\"msg\":\"x\"}") << 400
                                << QByteArray("body: \"message\" is missing\n");
    QTest::newRow("number message")
        << QByteArray("PUT") << QByteArray("/events") << QByteArray("{\"message\":5}") << 400
        << QByteArray("body: \"message\" must be a string\n");
    QTest::newRow("null message") << QByteArray("POST") << QByteArray("/events")
                                  << QByteArray("{\"message\":null}") << 400
                                  << QByteArray("body: \"message\" must be a string\n");
    QTest::newRow("GET without message")
        << QByteArray("GET") << QByteArray("/events") << QByteArray() << 400
        << QByteArray("query: \"message\" is missing");
    QTest::newRow("GET bad escape") << QByteArray("GET") << QByteArray("/events?message=%G1")
                                    << QByteArray() << 400 << QByteArray("bad percent-escape");
    QTest::newRow("interval text")
        << QByteArray("GET") << QByteArray("/ticks?interval=fast") << QByteArray() << 400
        << QByteArray("interval: expected an integer from 0 to 3600000, got \"fast\"\n");
    QTest::newRow("size too big") << QByteArray("GET") << QByteArray("/ticks?size=33554433")
                                  << QByteArray() << 400 << QByteArray("size: expected an integer");
    QTest::newRow("idle interval 0")
        << QByteArray("GET") << QByteArray("/idle?interval=0") << QByteArray() << 400
        << QByteArray("interval: expected an integer from 1 to");
    QTest::newRow("unknown param")
        << QByteArray("GET") << QByteArray("/ticks?cnt=3") << QByteArray() << 400
        << QByteArray("unknown parameter \"cnt\" (known: interval, count, size, breakAfter)");
    QTest::newRow("breakAfter too big")
        << QByteArray("GET") << QByteArray("/ticks?breakAfter=1000000001") << QByteArray() << 400
        << QByteArray("breakAfter: expected an integer from 0 to 1000000000, got \"1000000001\"\n");
    QTest::newRow("breakAfter negative")
        << QByteArray("GET") << QByteArray("/ticks?breakAfter=-1") << QByteArray() << 400
        << QByteArray("breakAfter: expected an integer");
    QTest::newRow("breakAfter in lower case")
        << QByteArray("GET") << QByteArray("/ticks?breakafter=5") << QByteArray() << 400
        << QByteArray("unknown parameter \"breakafter\"");
    QTest::newRow("plain takes none") << QByteArray("GET") << QByteArray("/plain?x=1")
                                      << QByteArray() << 400 << QByteArray("takes none");
    QTest::newRow("status missing") << QByteArray("GET") << QByteArray("/status") << QByteArray()
                                    << 400 << QByteArray("\"code\" is missing");
    QTest::newRow("status 199") << QByteArray("GET") << QByteArray("/status?code=199")
                                << QByteArray() << 400
                                << QByteArray("code: expected an integer from 200 to 599");
    QTest::newRow("location CRLF")
        << QByteArray("GET") << QByteArray("/status?code=302&location=a%0D%0Ab") << QByteArray()
        << 400 << QByteArray("location: control characters");
    QTest::newRow("broken after") << QByteArray("GET") << QByteArray("/broken?after=100001")
                                  << QByteArray() << 400
                                  << QByteArray("after: expected an integer");
    QTest::newRow("endings style")
        << QByteArray("GET") << QByteArray("/endings?style=LF") << QByteArray() << 400
        << QByteArray("style: expected lf, crlf or cr, got \"LF\"");
}

void TestRouter::route()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, contains);

    Router::Routed routed
        = Router::route(makeRequest(method, target, body), TestServerSettings(), 7);
    QCOMPARE(routed.status, status);
    QVERIFY(routed.source);
    const QByteArray bytes = firstBytes(*routed.source);
    QVERIFY2(bytes.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status) + ' ')),
        bytes.constData());
    QVERIFY2(bytes.contains(contains), bytes.constData());
    QVERIFY(bytes.contains("\r\nConnection: close\r\n"));
    QVERIFY(routed.note.startsWith(QStringLiteral("📨 ") + QString::fromLatin1(method) + u' '));
    if (status >= 400) {
        QVERIFY(bytes.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        const qsizetype bodyStart = bytes.indexOf("\r\n\r\n") + 4;
        QCOMPARE(bytes.sliced(bodyStart).size(),
            bytes.mid(bytes.indexOf("Content-Length: ") + 16).split('\r').first().toInt());
    }
}

void TestRouter::echoLogLine()
{
    const Router::Routed routed = Router::route(
        makeRequest("POST", "/events", "{\"message\":\"Hello\\nthere\"}"), TestServerSettings(), 1);
    QCOMPARE(routed.note, QStringLiteral("📨 POST /events from 127.0.0.1: Hello\\nthere"));
    const Router::Routed ticks
        = Router::route(makeRequest("GET", "/ticks?count=1"), TestServerSettings(), 1);
    QCOMPARE(ticks.note, QStringLiteral("📨 GET /ticks?count=1 from 127.0.0.1"));
}

// Last-Event-ID through the router, on /ticks?count=3: the ticks after the one it names, all
// of them when it names no tick of this stream (the last tick or past it: ticksCompleteAre204).
void TestRouter::ticksResumeFromLastEventId_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<QList<int>>("ticks");

    const QByteArray name("Last-Event-ID");
    QTest::newRow("mid-stream") << name << QByteArray("tick-1") << QList<int> { 2, 3 };
    QTest::newRow("name in lower case")
        << QByteArray("last-event-id") << QByteArray("tick-2") << QList<int> { 3 };
    QTest::newRow("garbage") << name << QByteArray("x\x01y") << QList<int> { 1, 2, 3 };
    QTest::newRow("another endpoint's id")
        << name << QByteArray("broken-2") << QList<int> { 1, 2, 3 };
    QTest::newRow("empty") << name << QByteArray() << QList<int> { 1, 2, 3 };
}

void TestRouter::ticksResumeFromLastEventId()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, lastEventId);
    QFETCH(QList<int>, ticks);

    const Router::Routed routed = Router::route(
        makeRequest("GET", "/ticks?interval=0&count=3", {}, { { name, lastEventId } }),
        TestServerSettings(), 1);
    QVERIFY(routed.source);
    QByteArray expected = HttpResponse::eventStreamHead();
    for (const int tick : ticks) {
        const QByteArray n = QByteArray::number(tick);
        expected += "event: tick\nid: tick-" + n + "\ndata: tick " + n + "\n\n";
    }
    QCOMPARE(firstBytes(*routed.source), expected);
}

// Resumed after the last tick, or past it: nothing is left, and 204 says so (EventSource and
// the proxy's reconnect stop there instead of asking again).
void TestRouter::ticksCompleteAre204()
{
    for (const QByteArray &lastEventId : { QByteArray("tick-3"), QByteArray("tick-9") }) {
        const Router::Routed routed = Router::route(makeRequest("GET", "/ticks?interval=0&count=3",
                                                        {}, { { "Last-Event-ID", lastEventId } }),
            TestServerSettings(), 1);
        QVERIFY(routed.source);
        QCOMPARE(firstBytes(*routed.source), HttpResponse::head(204, {}));
    }
    // An endless stream is never complete.
    const Router::Routed endless = Router::route(
        makeRequest("GET", "/ticks?interval=0", {}, { { "Last-Event-ID", "tick-9" } }),
        TestServerSettings(), 1);
    const QByteArray bytes = firstBytes(*endless.source);
    QVERIFY(bytes.contains("\nid: tick-10\n") && !bytes.contains("\nid: tick-9\n"));
}

void TestRouter::headersEcho()
{
    const HttpRequest request = makeRequest("POST", "/headers?a=1", "body \xF0\x9F\x91\x8B",
        { { "Host", "h" }, { "X-Twice", "1" }, { "x-twice", "2" },
            { "Authorization", "Bearer t" } });
    Router::Routed routed = Router::route(request, TestServerSettings(), 1);
    const QByteArray bytes = firstBytes(*routed.source);
    const QByteArray prefix = HttpResponse::eventStreamHead() + "event: request\ndata: ";
    QVERIFY(bytes.startsWith(prefix));
    QVERIFY(bytes.endsWith("}\n\n"));
    const QByteArray json = bytes.sliced(prefix.size()).chopped(2);
    QVERIFY(!json.contains('\n'));
    QCOMPARE(json, Router::requestJson(request));
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    QCOMPARE(object.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(object.value(QStringLiteral("target")).toString(), QStringLiteral("/headers?a=1"));
    QCOMPARE(object.value(QStringLiteral("path")).toString(), QStringLiteral("/headers"));
    QCOMPARE(object.value(QStringLiteral("query")).toString(), QStringLiteral("a=1"));
    QCOMPARE(object.value(QStringLiteral("version")).toString(), QStringLiteral("HTTP/1.1"));
    QCOMPARE(object.value(QStringLiteral("body")).toString(), QStringLiteral("body 👋"));
    QCOMPARE(object.value(QStringLiteral("bodyBytes")).toInt(), 9);
    const QJsonObject headers = object.value(QStringLiteral("headers")).toObject();
    QCOMPARE(headers.size(), 3);
    QCOMPARE(headers.value(QStringLiteral("x-twice")).toString(), QStringLiteral("1, 2"));
    QCOMPARE(headers.value(QStringLiteral("authorization")).toString(), QStringLiteral("Bearer t"));
    const QJsonArray raw = object.value(QStringLiteral("rawHeaders")).toArray();
    QCOMPARE(raw.size(), 4);
    QCOMPARE(raw.at(2).toArray(), (QJsonArray { QStringLiteral("x-twice"), QStringLiteral("2") }));
}

void TestRouter::endings_data()
{
    QTest::addColumn<QString>("style");
    QTest::addColumn<QByteArray>("eol");
    QTest::newRow("lf") << QStringLiteral("lf") << QByteArray("\n");
    QTest::newRow("crlf") << QStringLiteral("crlf") << QByteArray("\r\n");
    QTest::newRow("cr") << QStringLiteral("cr") << QByteArray("\r");
}

void TestRouter::endings()
{
    QFETCH(QString, style);
    QFETCH(QByteArray, eol);
    const QByteArray body = Router::endingsBody(style);
    QByteArray expected = ": line endings: " + style.toLatin1()
        + "\n"
          "event: message\ndata: first\n\n"
          "event: multi-line\nid: endings-2\n"
          "data: line one\ndata: line two\ndata: line three\n\n"
          "event: final\nid: endings-3\nretry: 5000\ndata: last\n\n";
    expected.replace("\n", eol);
    QCOMPARE(body, expected);
}

QTEST_GUILESS_MAIN(TestRouter)
#include "tst_router.moc"
