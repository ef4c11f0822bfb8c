// The proxy's operator endpoints: GET /healthz, GET /metrics (Prometheus text), and where they
// answer (the proxy's own port, or a separate admin listener), with each one switchable.

#include "adminhttp.h"
#include "eventdispatchermain.h"
#include "proxytestbase.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>

class TestProxyAdmin : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void healthz();
    void drainAnswersHealth503ThenShutsDown();
    void secondSignalEndsTheDrain();
    void metricsFormat();
    void metricsCountEventsExactly();
    void metricsCountOutcomes();
    void separateAdminListener();
    void disabledEndpointsAre404_data();
    void disabledEndpointsAre404();
};

void TestProxyAdmin::healthz()
{
    startProxy();
    const AdminResponse response = adminGet(m_proxy->port(), "/healthz");
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("ok\n"));
    QVERIFY(response.headers.contains("Content-Type: text/plain"));
}

// proxy.drainSeconds: after the signal /healthz says 503 at once, but the streams go on and new
// clients are still served, until the time is up; then everyone gets "proxy shutting down".
void TestProxyAdmin::drainAnswersHealth503ThenShutsDown()
{
    Settings settings;
    settings.proxy.drainSeconds = 1;
    startProxy(settings);
    m_upstream->route("/tick", TestUpstream::ticking(20));
    TestClient *streaming = connectClient();
    streaming->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    QTRY_VERIFY(streaming->events().size() >= 1);
    QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
    QElapsedTimer clock;
    clock.start();

    m_proxy->drainThenShutdown();
    QVERIFY(m_proxy->isDraining());
    const AdminResponse health = adminGet(m_proxy->port(), "/healthz");
    QCOMPARE(health.status, 503);
    QCOMPARE(health.body, QByteArray("draining\n"));
    const qsizetype eventsAtDrain = streaming->events().size();
    TestClient *late = connectClient(); // a balancer may still send one before it notices
    late->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    QTRY_VERIFY(late->events().size() >= 1);
    QVERIFY(streaming->events().size() > eventsAtDrain);
    QCOMPARE(stopped.size(), 0);

    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 1000 + ProxyServer::shutdownGraceMs + 2000);
    // A coarse timer may fire up to 5 % early.
    QVERIFY2(clock.elapsed() >= 900, qPrintable(QString::number(clock.elapsed())));
    for (TestClient *client : { streaming, late }) {
        QTRY_COMPARE(client->count(MessageType::Closed), 1);
        QCOMPARE(client->messages().last().text, QStringLiteral("proxy shutting down"));
        QCOMPARE(client->count(MessageType::Error), 0);
    }
}

void TestProxyAdmin::secondSignalEndsTheDrain()
{
    Settings settings;
    settings.proxy.drainSeconds = 3600;
    startProxy(settings);
    TestClient *idle = connectClient();
    QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
    m_proxy->drainThenShutdown();
    QVERIFY(m_proxy->isDraining());
    QCOMPARE(adminGet(m_proxy->port(), "/healthz").status, 503);
    m_proxy->drainThenShutdown(); // the second SIGTERM
    QVERIFY(!m_proxy->isAccepting());
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, ProxyServer::shutdownGraceMs + 2000);
    QTRY_COMPARE(idle->count(MessageType::Closed), 1);
}

void TestProxyAdmin::metricsFormat()
{
    startProxy();
    const AdminResponse response = adminGet(m_proxy->port(), "/metrics");
    QCOMPARE(response.status, 200);
    QVERIFY(response.headers.contains("text/plain; version=0.0.4"));

    // Every sample belongs to a family announced with # HELP and # TYPE; counters end in _total.
    QHash<QByteArray, QByteArray> types;
    const QRegularExpression typeLine(QStringLiteral("^# TYPE (\\w+) (counter|gauge|histogram)$"));
    const QRegularExpression sampleLine(
        QStringLiteral("^(\\w+)(\\{[a-z]+=\"[^\"]*\"\\})? [0-9.e+-]+$"));
    for (const QByteArray &line : response.body.split('\n')) {
        if (line.isEmpty() || line.startsWith("# HELP "))
            continue;
        const QString text = QString::fromUtf8(line);
        if (const auto match = typeLine.match(text); match.hasMatch()) {
            types.insert(match.captured(1).toUtf8(), match.captured(2).toUtf8());
            if (match.captured(2) == u"counter")
                QVERIFY2(match.captured(1).endsWith(u"_total"), qPrintable(text));
            continue;
        }
        const auto sample = sampleLine.match(text);
        QVERIFY2(sample.hasMatch(), qPrintable(text));
        QByteArray family = sample.captured(1).toUtf8();
        for (const char *suffix : { "_bucket", "_sum", "_count" }) {
            if (family.endsWith(suffix)
                && types.value(family.chopped(qstrlen(suffix))) == "histogram")
                family.chop(qstrlen(suffix));
        }
        QVERIFY2(types.contains(family), qPrintable(text));
    }
    for (const char *family :
        { "wssp_sessions_open", "wssp_sessions_opened_total", "wssp_requests_total",
            "wssp_events_relayed_total", "wssp_upstream_received_bytes_total",
            "wssp_client_sent_bytes_total", "wssp_queued_requests",
            "wssp_backpressure_pauses_total", "wssp_upstream_response_seconds" })
        QVERIFY2(types.contains(family), family);
}

void TestProxyAdmin::metricsCountEventsExactly()
{
    constexpr int eventCount = 37;
    QByteArray body;
    for (int i = 0; i < eventCount; ++i)
        body += "id: " + QByteArray::number(i) + "\ndata: event " + QByteArray::number(i) + "\n\n";
    body += ": a comment\n\nid: no data, no event\n\n";
    m_upstream->route("/n", TestUpstream::sse(body));
    startProxy();

    const auto before = prometheusSamples(adminGet(m_proxy->port(), "/metrics").body);
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/n")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(client->events().size(), eventCount);
    const auto after = prometheusSamples(adminGet(m_proxy->port(), "/metrics").body);

    QCOMPARE(after.value("wssp_events_relayed_total") - before.value("wssp_events_relayed_total"),
        double(eventCount));
    QCOMPARE(after.value("wssp_requests_total{outcome=\"completed\"}")
            - before.value("wssp_requests_total{outcome=\"completed\"}"),
        1.0);
    QCOMPARE(after.value("wssp_upstream_received_bytes_total")
            - before.value("wssp_upstream_received_bytes_total"),
        double(body.size()));
    qint64 sentToClient = 0;
    for (const QString &message : client->rawMessages())
        sentToClient += message.toUtf8().size();
    QCOMPARE(
        after.value("wssp_client_sent_bytes_total") - before.value("wssp_client_sent_bytes_total"),
        double(sentToClient));
    QCOMPARE(after.value("wssp_sessions_opened_total") - before.value("wssp_sessions_opened_total"),
        1.0);
    QCOMPARE(after.value("wssp_sessions_open"), 1.0);
    QCOMPARE(after.value("wssp_upstream_response_seconds_count")
            - before.value("wssp_upstream_response_seconds_count"),
        1.0);
    QCOMPARE(after.value("wssp_upstream_response_seconds_bucket{le=\"+Inf\"}"), 1.0);
}

void TestProxyAdmin::metricsCountOutcomes()
{
    m_upstream->route("/ok", TestUpstream::sse("data: x\n\n"));
    m_upstream->route("/missing", TestUpstream::status(404, "Not Found", "text/plain", "no"));
    startProxy();
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/ok")));
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/missing")));
    client->sendText(QStringLiteral("not json"));
    QTRY_COMPARE(client->count(MessageType::Closed), 3);
    const auto samples = prometheusSamples(adminGet(m_proxy->port(), "/metrics").body);
    QCOMPARE(samples.value("wssp_requests_total{outcome=\"completed\"}"), 1.0);
    QCOMPARE(samples.value("wssp_requests_total{outcome=\"upstream_error\"}"), 1.0);
    QCOMPARE(samples.value("wssp_requests_total{outcome=\"rejected\"}"), 1.0);
    QCOMPARE(samples.value("wssp_requests_total{outcome=\"timeout\"}"), 0.0);
    QCOMPARE(samples.value("wssp_queued_requests"), 0.0);
}

void TestProxyAdmin::separateAdminListener()
{
    Settings settings;
    settings.admin.host = QStringLiteral("127.0.0.1");
    settings.admin.port = 0;
    startProxy(settings);
    QVERIFY(m_proxy->adminPort() != m_proxy->port());
    QCOMPARE(adminGet(m_proxy->adminPort(), "/healthz").status, 200);
    QCOMPARE(adminGet(m_proxy->adminPort(), "/metrics").status, 200);
    QCOMPARE(adminGet(m_proxy->port(), "/healthz").status, 200); // load balancers probe it there
    QCOMPARE(adminGet(m_proxy->port(), "/metrics").status, 404);
    QCOMPARE(adminGet(m_proxy->adminPort(), "/proxy").status, 404);

    // The proxy endpoint itself still works on its own port.
    m_upstream->route("/ok", TestUpstream::sse("data: x\n\n"));
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/ok")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
}

void TestProxyAdmin::disabledEndpointsAre404_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("health");
    QTest::addColumn<bool>("metrics");
    QTest::newRow("health off") << QByteArray("/healthz") << false << true;
    QTest::newRow("metrics off") << QByteArray("/metrics") << true << false;
}

void TestProxyAdmin::disabledEndpointsAre404()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, health);
    QFETCH(bool, metrics);
    Settings settings;
    settings.admin.health = health;
    settings.admin.metrics = metrics;
    startProxy(settings);
    QCOMPARE(adminGet(m_proxy->port(), path).status, 404);
    QCOMPARE(adminGet(m_proxy->port(), health ? "/healthz" : "/metrics").status, 200);
}

WSSP_TEST_MAIN(TestProxyAdmin)
#include "tst_proxyadmin.moc"
