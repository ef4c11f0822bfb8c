// The browser client in a real browser: Debian's headless Chromium, driven over the DevTools
// protocol, loads /demo from an in-process proxy (port 0) in front of an in-process test SSE
// server, imports /client.js and opens streams through it. Checked: eight streams at once over
// one WebSocket, every event of each in order; a stream closed from the page ends upstream while
// its neighbour goes on; a 1,000-event stream the upstream breaks 9 times arrives whole (the
// proxy's reconnect); every stream resumes exactly where it was (Last-Event-ID) when the proxy
// restarts or drops the connection; and the demo page itself, with a screenshot.
#include "devtoolsbrowser.h"
#include "eventdispatchermain.h"
#include "proxyserver.h"
#include "testserver.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

constexpr int scriptMs = 30000; // one awaited script: streams of a few seconds, on a busy machine
// The test proxy wants a token (proxy.authTokens), which browsers can only send as ?token=.
constexpr char token[] = "browser-test-token";

// Loaded into the page once per test: records everything a stream dispatches, and lets the test
// await conditions on it. Waits are resolved by the events themselves and bounded in the page.
const char harness[] = R"js(
window.harness = {
  async load() { this.SseProxy = (await import("/client.js")).SseProxy; },
  proxy(options = {}) { return new this.SseProxy("/proxy", { token: "TOKEN", ...options }); },
  record(stream, types) {
    const r = { stream, events: [], opens: 0, reconnects: [], errors: [], closed: null, waiters: [] };
    const note = () => { r.waiters = r.waiters.filter((waiter) => !waiter()); };
    const onEvent = (e) => { r.events.push([e.type, e.data, e.lastEventId]); note(); };
    for (const type of types) stream.addEventListener(type, onEvent);
    stream.onopen = () => { r.opens += 1; note(); };
    stream.onreconnecting = (e) => { r.reconnects.push(e.reason); note(); };
    stream.onerror = (e) => { r.errors.push(e.message); note(); };
    stream.onclose = (e) => { r.closed = e.reason; note(); };
    r.when = (test, ms = 20000) => new Promise((resolve, reject) => {
      if (test()) return resolve();
      const timer = setTimeout(() => reject(new Error(`stream ${stream.id} timed out`)), ms);
      r.waiters.push(() => test() && (clearTimeout(timer), resolve(), true));
    });
    r.summary = () => ({ id: stream.id, events: r.events, opens: r.opens, reconnects: r.reconnects,
                         errors: r.errors, closed: r.closed, state: stream.readyState });
    return r;
  },
};
)js";

QString js(const char *source, const QString &upstream = QString())
{
    return QString::fromUtf8(source)
        .replace(QStringLiteral("UPSTREAM"), upstream)
        .replace(QStringLiteral("TOKEN"), QString::fromLatin1(token));
}

} // namespace

class TestBrowserClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void tokenRequired();
    void eightStreamsOverOneSocket();
    void closeFromThePage();
    void thousandEventsAcrossTenBreaks();
    void resumeAfterTheConnectionIsLost_data();
    void resumeAfterTheConnectionIsLost();
    void demoPage();

private:
    void startProxy(quint16 port);
    // Every stream of `summaries` got ticks 1..count (data "tick n", ID "tick-n") exactly once,
    // in order, and ended normally.
    void verifyTicks(const QJsonArray &summaries, int count);
    QString upstream() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_server->serverPort());
    }

    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<ProxyServer> m_proxy;
    DevToolsBrowser m_browser;
};

void TestBrowserClient::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.info=false"));
    TestServerSettings serverSettings;
    serverSettings.responseDelay = 300; // the demo's echo stream: three events within a second
    m_server = std::make_unique<TestServer>(serverSettings);
    QString error;
    QVERIFY2(m_server->listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
    startProxy(0);
    QElapsedTimer started;
    started.start();
    QVERIFY2(m_browser.start(QSize(1400, 1260), &error), qPrintable(error));
    qInfo("chromium started in %lld ms", started.elapsed());
}

void TestBrowserClient::init()
{
    // Each test on a fresh page of the proxy's origin, with the harness loaded.
    QString error;
    const QUrl demo(QStringLiteral("http://127.0.0.1:%1/demo").arg(m_proxy->port()));
    QVERIFY2(m_browser.navigate(demo, &error), qPrintable(error));
    QVERIFY2(m_browser.evaluate(js(harness) + u"harness.load()", scriptMs, &error),
        qPrintable(error + u'\n' + m_browser.pageLog()));
}

void TestBrowserClient::cleanupTestCase()
{
    m_browser.stop();
    m_proxy.reset();
    m_server.reset();
}

void TestBrowserClient::startProxy(quint16 port)
{
    Settings settings;
    settings.proxy.host = QStringLiteral("127.0.0.1");
    settings.proxy.port = port;
    settings.proxy.upstreamAllow
        = QStringList { QStringLiteral("127.0.0.1:%1").arg(m_server->serverPort()) };
    // A list of allowed origins that does not name the page's: the demo is the proxy's own
    // origin, which is always allowed (docs/BROWSER-CLIENT.md).
    settings.proxy.allowedOrigins = QStringList { QStringLiteral("https://app.example") };
    settings.proxy.authTokens = QStringList { QString::fromLatin1(token) };
    settings.admin.host.clear(); // no admin listener on 3002: tests run in parallel
    m_proxy = std::make_unique<ProxyServer>(settings);
    QString error;
    QVERIFY2(m_proxy->listen(&error), qPrintable(error));
}

void TestBrowserClient::verifyTicks(const QJsonArray &summaries, int count)
{
    for (const QJsonValue &value : summaries) {
        const QJsonObject summary = value.toObject();
        const QString id = summary.value(u"id").toString();
        const QJsonArray events = summary.value(u"events").toArray();
        QVERIFY2(summary.value(u"errors").toArray().isEmpty(), qPrintable(id));
        QCOMPARE(events.size(), count);
        for (int n = 1; n <= count; ++n) {
            const QJsonArray event = events[n - 1].toArray();
            const QJsonArray expected { QStringLiteral("tick"), QStringLiteral("tick %1").arg(n),
                QStringLiteral("tick-%1").arg(n) };
            if (event != expected)
                QFAIL(qPrintable(QStringLiteral("stream %1, event %2: %3")
                                     .arg(id)
                                     .arg(n)
                                     .arg(QString::fromUtf8(
                                         QJsonDocument(event).toJson(QJsonDocument::Compact)))));
        }
        QCOMPARE(summary.value(u"closed").toString(),
            QStringLiteral("Server closed connection normally."));
        QCOMPARE(summary.value(u"state").toInt(), 2); // CLOSED
    }
}

void TestBrowserClient::tokenRequired()
{
    // Without the token the upgrade is refused (401), which a page only sees as a failed
    // WebSocket: the client keeps trying, its stream waiting.
    const char script[] = R"js((async () => {
      const proxy = new harness.SseProxy("/proxy", { reconnectDelayMs: 50 });
      const stream = proxy.open({ url: "UPSTREAM/ticks?count=1" });
      const lost = await new Promise((resolve) => { proxy.ondisconnect = resolve; });
      const result = { code: lost.code, attempt: lost.attempt, retries: lost.delayMs !== null,
                       stream: stream.readyState };
      proxy.close();
      return result;
    })())js";
    QString error;
    const auto result = m_browser.evaluate(js(script, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonObject outcome = result->toObject();
    QCOMPARE(outcome.value(u"code").toInt(), 1006);
    QCOMPARE(outcome.value(u"attempt").toInt(), 1);
    QVERIFY(outcome.value(u"retries").toBool());
    QCOMPARE(outcome.value(u"stream").toInt(), 0); // CONNECTING
    QCOMPARE(m_proxy->sessionCount(), 0);
}

void TestBrowserClient::eightStreamsOverOneSocket()
{
    // Different paces, so the streams' messages interleave on the socket.
    const char script[] = R"js((async () => {
      const proxy = harness.proxy();
      let sockets = 0;
      proxy.onopen = () => { sockets += 1; };
      const records = [];
      for (let i = 0; i < 8; ++i) {
        const stream = proxy.open({ url: `UPSTREAM/ticks?interval=${20 + 5 * i}&count=60` });
        records.push(harness.record(stream, ["tick", "message"]));
      }
      // All eight run at once: each is open before the first one ends.
      await Promise.all(records.map((r) => r.when(() => r.opens === 1)));
      const allOpenBeforeAnyEnded = records.every((r) => r.closed === null);
      await Promise.all(records.map((r) => r.when(() => r.closed !== null)));
      proxy.close();
      return { sockets, allOpenBeforeAnyEnded, streams: records.map((r) => r.summary()) };
    })())js";
    const quint64 sessionsBefore = m_proxy->metrics().sessionsOpened;
    QString error;
    const auto result = m_browser.evaluate(js(script, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonObject outcome = result->toObject();
    QCOMPARE(outcome.value(u"sockets").toInt(), 1);
    QCOMPARE(m_proxy->metrics().sessionsOpened - sessionsBefore, 1u);
    QVERIFY(outcome.value(u"allOpenBeforeAnyEnded").toBool());
    const QJsonArray streams = outcome.value(u"streams").toArray();
    QCOMPARE(streams.size(), 8);
    verifyTicks(streams, 60);
}

void TestBrowserClient::closeFromThePage()
{
    // Two endless streams on one socket; the page closes one of them.
    const char script[] = R"js((async () => {
      const proxy = harness.proxy();
      const closing = harness.record(proxy.open({ url: "UPSTREAM/ticks?interval=30" }), ["tick"]);
      const staying = harness.record(proxy.open({ url: "UPSTREAM/ticks?interval=30" }), ["tick"]);
      await Promise.all([closing.when(() => closing.events.length >= 3), staying.when(() => staying.events.length >= 3)]);
      closing.stream.close();
      window.closeTest = { proxy, closing, staying, atClose: closing.events.length,
                           stayingAtClose: staying.events.length };
      return closing.stream.readyState;
    })())js";
    QString error;
    auto result = m_browser.evaluate(js(script, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    QCOMPARE(result->toInt(), 2); // CLOSED at once, as EventSource.close()
    // The cancel reached the proxy, which ended that upstream request; the other goes on.
    QTRY_COMPARE_WITH_TIMEOUT(m_server->activeStreamCount(), 1, 10000);

    const char after[] = R"js((async () => {
      const t = window.closeTest;
      await t.staying.when(() => t.staying.events.length >= t.stayingAtClose + 5);
      const result = { added: t.closing.events.length - t.atClose, closed: t.closing.closed,
                       staying: t.staying.stream.readyState };
      t.proxy.close();
      return result;
    })())js";
    result = m_browser.evaluate(js(after), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonObject outcome = result->toObject();
    QCOMPARE(outcome.value(u"added").toInt(), 0); // nothing dispatched after close()
    QCOMPARE(outcome.value(u"closed"), QJsonValue()); // and no close event: the page ended it
    QCOMPARE(outcome.value(u"staying").toInt(), 1); // OPEN
    QTRY_COMPARE_WITH_TIMEOUT(m_server->activeStreamCount(), 0, 10000);
}

// The issue's bar in a browser: the upstream breaks every 100 events (the test server's
// breakAfter), the proxy resumes it from the last event ID ("reconnect"), and the page gets all
// 1,000 events once each, in order; the server's 204 after the last one ends the stream.
void TestBrowserClient::thousandEventsAcrossTenBreaks()
{
    const char script[] = R"js((async () => {
      const proxy = harness.proxy();
      const r = harness.record(proxy.open({ url: "UPSTREAM/ticks?interval=0&count=1000&breakAfter=100",
                                            reconnect: { maxDelayMs: 20 } }), ["tick"]);
      await r.when(() => r.closed !== null);
      proxy.close();
      return r.summary();
    })())js";
    QString error;
    const auto result = m_browser.evaluate(js(script, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonObject summary = result->toObject();
    const QJsonArray events = summary.value(u"events").toArray();
    QCOMPARE(events.size(), 1000);
    for (int n = 1; n <= 1000; ++n) {
        const QJsonArray expected { QStringLiteral("tick"), QStringLiteral("tick %1").arg(n),
            QStringLiteral("tick-%1").arg(n) };
        QCOMPARE(events[n - 1].toArray(), expected);
    }
    QCOMPARE(summary.value(u"reconnects").toArray().size(), 10); // 9 breaks and the clean end
    QCOMPARE(summary.value(u"opens").toInt(), 11);
    QCOMPARE(summary.value(u"errors").toArray(),
        QJsonArray { QStringLiteral(
            "upstream answered HTTP 204 No Content: the stream asks not to be reconnected") });
    QCOMPARE(summary.value(u"state").toInt(), 2); // CLOSED
}

void TestBrowserClient::resumeAfterTheConnectionIsLost_data()
{
    QTest::addColumn<bool>("graceful");
    // The proxy says "proxy shutting down" for each stream, then closes the WebSocket (1001).
    QTest::newRow("proxy restarts") << true;
    // The proxy's sockets go without a word.
    QTest::newRow("connection dropped") << false;
}

void TestBrowserClient::resumeAfterTheConnectionIsLost()
{
    QFETCH(bool, graceful);
    const char start[] = R"js((async () => {
      const proxy = harness.proxy({ reconnectDelayMs: 100 });
      const records = [];
      for (let i = 0; i < 4; ++i)
        records.push(harness.record(proxy.open({ url: "UPSTREAM/ticks?interval=40&count=50" }), ["tick"]));
      await Promise.all(records.map((r) => r.when(() => r.events.length >= 5)));
      window.resumeTest = { proxy, records };
      return records.map((r) => r.events.length);
    })())js";
    QString error;
    auto result = m_browser.evaluate(js(start, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));

    // Mid-stream (45 ticks, 1.8 s, still to come): the proxy goes away and comes back on the
    // same port.
    const quint16 port = m_proxy->port();
    if (graceful) {
        QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
        m_proxy->shutdown();
        QVERIFY(stopped.wait(5000));
    }
    m_proxy.reset();
    startProxy(port);

    const char finish[] = R"js((async () => {
      const { proxy, records } = window.resumeTest;
      await Promise.all(records.map((r) => r.when(() => r.closed !== null)));
      proxy.close();
      return records.map((r) => r.summary());
    })())js";
    result = m_browser.evaluate(js(finish), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonArray streams = result->toArray();
    QCOMPARE(streams.size(), 4);
    for (const QJsonValue &stream : streams) {
        // Answered twice; told that it was resuming once, or more if the client came back
        // before the new proxy listened (each try that fails is a `reconnecting` too).
        QCOMPARE(stream[u"opens"].toInt(), 2);
        const QJsonArray reconnects = stream[u"reconnects"].toArray();
        QVERIFY(!reconnects.isEmpty());
        for (const QJsonValue &reason : reconnects)
            QVERIFY2(reason.toString().startsWith(u"connection to the proxy lost (10"),
                qPrintable(reason.toString()));
    }
    verifyTicks(streams, 50); // each tick once: resumed after the last one received
    QCOMPARE(m_proxy->metrics().sessionsOpened, 1u);
}

void TestBrowserClient::demoPage()
{
    // The page as a person uses it: examples picked, the form submitted, one stream closed with
    // its button; then a picture of it for docs/BROWSER-CLIENT.md.
    const char script[] = R"js((async () => {
      const $ = (id) => document.getElementById(id);
      const openExample = (index, path) => {
        $("url").value = "UPSTREAM/";
        $("presets").querySelectorAll("button")[index].click();
        if (path) $("url").value = "UPSTREAM" + path;
        $("compose").requestSubmit();
      };
      $("token").value = "TOKEN";
      openExample(0, "/ticks?interval=250");
      openExample(1);                                   // fast ticks
      openExample(2);                                   // echo (POST)
      openExample(3);                                   // request echo
      openExample(4);                                   // broken, reconnecting
      openExample(0, "/ticks?interval=100&count=1000");
      const panels = () => [...document.querySelectorAll(".panel")];
      const count = (panel) => Number(panel.querySelector(".count").textContent.replace(/\D/g, ""));
      const byId = (id) => document.querySelector(`.panel[data-stream-id="${id}"]`);
      const until = (test, ms = 20000) => new Promise((resolve, reject) => {
        const started = performance.now();
        const check = () => test() ? resolve()
            : performance.now() - started > ms ? reject(new Error("the demo page did not get there"))
            : requestAnimationFrame(check);
        check();
      });
      await until(() => count(byId("6")) >= 8);
      byId("6").querySelector(".close").click();       // closed from the page
      await until(() => byId("3").dataset.state === "closed" && byId("4").dataset.state === "closed"
                        && byId("5").querySelector('li[data-kind="reconnecting"]') !== null
                        && count(byId("2")) >= 40 && count(byId("1")) >= 6);
      return { connection: $("connection").dataset.state,
               panels: panels().map((p) => ({ id: p.dataset.streamId, state: p.dataset.state, count: count(p) })) };
    })())js";
    QString error;
    const auto result = m_browser.evaluate(js(script, upstream()), scriptMs, &error);
    QVERIFY2(result, qPrintable(error + u'\n' + m_browser.pageLog()));
    const QJsonObject outcome = result->toObject();
    QCOMPARE(outcome.value(u"connection").toString(), QStringLiteral("open"));
    QHash<QString, QJsonObject> panels;
    const QJsonArray list = outcome.value(u"panels").toArray();
    for (const QJsonValue &panel : list)
        panels.insert(panel[u"id"].toString(), panel.toObject());
    QCOMPARE(panels.size(), 6);
    QCOMPARE(panels[QStringLiteral("1")][u"state"].toString(), QStringLiteral("open"));
    QCOMPARE(panels[QStringLiteral("3")][u"count"].toInt(), 3); // the echo's three events
    QCOMPARE(panels[QStringLiteral("4")][u"count"].toInt(), 1); // the request echo's one
    QCOMPARE(panels[QStringLiteral("6")][u"state"].toString(), QStringLiteral("closed"));
    QVERIFY2(m_browser.pageLog().isEmpty(), qPrintable(m_browser.pageLog()));

    const QByteArray png = m_browser.screenshot(&error);
    QVERIFY2(png.startsWith("\x89PNG"), qPrintable(error));
    // Always next to the test; into the documentation when asked (docs/BROWSER-CLIENT.md).
    QFile local(QDir::current().filePath(QStringLiteral("demo.png")));
    QVERIFY(local.open(QIODevice::WriteOnly) && local.write(png) == png.size());
    qInfo("screenshot: %s", qPrintable(local.fileName()));
    if (qEnvironmentVariableIsSet("WSSP_UPDATE_SCREENSHOT")) {
        QFile docs(QStringLiteral(WSSP_SOURCE_DIR "/docs/images/demo.png"));
        QVERIFY(docs.open(QIODevice::WriteOnly) && docs.write(png) == png.size());
        qInfo("screenshot: %s", qPrintable(docs.fileName()));
    }
}

WSSP_TEST_MAIN(TestBrowserClient)
#include "tst_browserclient.moc"
