// The monitor feed end to end in one process: a real ProxyServer and a test upstream (both on
// port 0), WebSocket clients driving real sessions, and on the other side either a raw
// WebSocket reading /monitor (the feed's messages and their order) or a MonitorWindow,
// offscreen (what the table, the detail pane and the status bar show). Everything waits on
// signals; the upstream's responses are written by the test, step by step, so no ordering
// depends on timing.

#include "eventlogmodel.h"
#include "feedrecorder.h"
#include "monitorfeed.h"
#include "monitorhub.h"
#include "monitorwindow.h"
#include "proxytestbase.h"
#include "sessiondetailpanel.h"
#include "sessiontablemodel.h"
#include "ssewriter.h"

#include <QColor>
#include <QLabel>
#include <QLocale>
#include <QNetworkRequest>
#include <QPointer>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTcpSocket>
#include <QTest>

namespace {

SseEvent makeEvent(int n)
{
    SseEvent event;
    event.type = n % 2 ? QStringLiteral("user-message") : QStringLiteral("message");
    event.lastEventId = QStringLiteral("ev-%1").arg(n);
    event.data = QStringLiteral("{\"sequence\":%1}").arg(n);
    return event;
}

} // namespace

class TestMonitorLive : public ProxyTestBase
{
    Q_OBJECT

private slots:
    // The feed, read by a raw WebSocket: message order and content for real sessions.
    void feedReportsOneExchangeInOrder();
    void subscribeSendsHistoryThenLiveBatches();
    void lastEventsComeBeforeSessionClosed();
    void longDataIsCutToAnExcerpt();
    void burstOverTheBudgetIsCounted();
    void subscribeToUnknownSessionIsAnError();
    void badMessagesAreAnsweredWithError_data();
    void badMessagesAreAnsweredWithError();
    void pingIsAnsweredWithPong();
    void monitorTokenIsRequired_data();
    void monitorTokenIsRequired();
    void feedHidesCredentials_data();
    void feedHidesCredentials();

    // The window: what it shows of real sessions.
    void tableShowsLiveSessions();
    void selectingSessionShowsItsEvents();
    void statusBarShowsTotals();
    void reconnectRenewsSubscription();

private:
    QUrl monitorUrl() const;
    // Routes `path` to a held response: head sent, body written later by the test.
    void routeHeld(const QByteArray &path, const HttpHeaderList &extraHeaders = {});
    TestUpstream::Exchange *heldExchange(int n) const { return m_held.value(n).data(); }
    static void writeEvents(TestUpstream::Exchange *exchange, int first, int last);
    TestClient *startRequest(const QString &path);
    // A proxy, a held stream on /events as session 1, and `monitor` subscribed to it with its
    // (empty) history batch received. Null when any step failed.
    TestClient *followNewSession(FeedRecorder *monitor);
    static QString localAddress(TestClient *client);
    static QString cell(
        const MonitorWindow &window, qint64 id, int column, int role = Qt::DisplayRole);
    static MonitorWindowOptions windowOptions(const QUrl &url);

    QList<QPointer<TestUpstream::Exchange>> m_held;
};

QUrl TestMonitorLive::monitorUrl() const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/monitor").arg(m_proxy->adminPort()));
}

void TestMonitorLive::routeHeld(const QByteArray &path, const HttpHeaderList &extraHeaders)
{
    m_held.clear();
    m_upstream->route(path, [this, extraHeaders](TestUpstream::Exchange *exchange) {
        exchange->writeChunkedHead(200,
            HttpHeaderList { { "Content-Type", "text/event-stream" }, { "X-Server-Name", "Held" } }
                + extraHeaders);
        m_held.append(exchange);
    });
}

void TestMonitorLive::writeEvents(TestUpstream::Exchange *exchange, int first, int last)
{
    QByteArray body;
    for (int n = first; n <= last; ++n)
        body += SseWriter::encode(makeEvent(n));
    exchange->write(body);
}

TestClient *TestMonitorLive::startRequest(const QString &path)
{
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), path));
    return client;
}

TestClient *TestMonitorLive::followNewSession(FeedRecorder *monitor)
{
    startProxy();
    routeHeld("/events");
    if (!monitor->open(monitorUrl()))
        return nullptr;
    TestClient *client = startRequest(QStringLiteral("/events"));
    if (!QTest::qWaitFor([&] { return monitor->count(FeedType::RequestConnected) == 1; }, 5000))
        return nullptr;
    monitor->send(MonitorMessages::subscribe(1));
    if (!QTest::qWaitFor([&] { return monitor->count(FeedType::SessionEvents) == 1; }, 5000))
        return nullptr;
    return client;
}

QString TestMonitorLive::localAddress(TestClient *client)
{
    return client->socket().localAddress().toString() + u':'
        + QString::number(client->socket().localPort());
}

QString TestMonitorLive::cell(const MonitorWindow &window, qint64 id, int column, int role)
{
    const SessionTableModel *model = window.sessionModel();
    const int row = model->rowOf(id);
    return row < 0 ? QStringLiteral("<no row>") : model->index(row, column).data(role).toString();
}

MonitorWindowOptions TestMonitorLive::windowOptions(const QUrl &url)
{
    MonitorWindowOptions o;
    o.url = url;
    o.rememberLayout = false; // never touch the user's settings
    o.reconnectInitialMs = 50;
    o.reconnectMaxMs = 200;
    o.programDir = QStringLiteral("/nonexistent-wssp-dir");
    o.tickIntervalMs = 100;
    return o;
}

// ---------------------------------------------------------------------------------------------
// The feed. One request from connect to close; its events are written only after the feed has
// shown the session streaming, and the body ends only after a session-updated carried the
// count, so every message below has exactly one place in the order.

void TestMonitorLive::feedReportsOneExchangeInOrder()
{
    startProxy();
    routeHeld("/events");
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    QTRY_COMPARE(monitor.count(FeedType::Snapshot), 1);
    QCOMPARE(monitor.lifecycle(), QStringLiteral("hello,snapshot"));
    const MonitorMessage hello = monitor.messages().first();
    QCOMPARE(hello.hello.protocolVersion, 1);
    QVERIFY(!hello.hello.proxyVersion.isEmpty());
    QVERIFY(hello.hello.startedAt > 0);
    QVERIFY(hello.hello.serverTime >= hello.hello.startedAt);
    QCOMPARE(hello.hello.settings.value(QStringLiteral("proxy.port")).toInt(), 0);
    QVERIFY(!hello.hello.settings.contains(QStringLiteral("admin.token")));
    const MonitorMessage snapshot = monitor.ofType(FeedType::Snapshot).first();
    QCOMPARE(snapshot.sessions.size(), 0);
    QCOMPARE(snapshot.totals.sessionsOpen, 0);
    QCOMPARE(snapshot.totals.eventsRelayed, 0);

    TestClient *client = startRequest(QStringLiteral("/events"));
    const QString clientAddress = localAddress(client);
    QTRY_COMPARE(monitor.count(FeedType::RequestConnected), 1);
    QCOMPARE(m_held.size(), 1);
    writeEvents(heldExchange(0), 1, 3);
    QTRY_COMPARE(client->events().size(), 3);
    QTRY_VERIFY(monitor.lastUpdate(1) && monitor.lastUpdate(1)->eventsRelayed == 3);
    QCOMPARE(monitor.count(FeedType::RequestFinished), 0);
    const int updateIndex = monitor.messages().size() - 1;

    heldExchange(0)->end();
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 1);
    QTRY_VERIFY(monitor.lastUpdate(1)->requestsHandled == 1);
    client->socket().close();
    QTRY_COMPARE(monitor.count(FeedType::SessionClosed), 1);

    QCOMPARE(monitor.lifecycle(),
        QStringLiteral("hello,snapshot,session-opened,request-started,request-connected,"
                       "request-finished,session-closed"));
    QCOMPARE(monitor.decodeErrors(), QStringList());
    const int connectedIndex = monitor.indexOf(FeedType::RequestConnected);
    const int finishedIndex = monitor.indexOf(FeedType::RequestFinished);
    QVERIFY(connectedIndex < updateIndex && updateIndex < finishedIndex);
    QCOMPARE(monitor.messages().at(updateIndex).type, FeedType::SessionUpdated);

    const MonitorSession opened = monitor.ofType(FeedType::SessionOpened).first().session;
    QCOMPARE(opened.id, 1);
    QCOMPARE(opened.state, MonitorSession::State::Idle);
    QCOMPARE(opened.clientAddress, clientAddress);
    QCOMPARE(opened.method, QString());
    QCOMPARE(opened.eventsRelayed, 0);
    QVERIFY(opened.startedAt > 0);
    QCOMPARE(opened.finishedAt, 0);

    const MonitorRequestStarted started
        = monitor.ofType(FeedType::RequestStarted).first().requestStarted;
    QCOMPARE(started.sessionId, 1);
    QCOMPARE(started.method, QStringLiteral("GET"));
    QCOMPARE(started.url, QStringLiteral("http://127.0.0.1:%1/events").arg(m_upstream->port()));
    QCOMPARE(started.headers.value(QStringLiteral("accept")), QStringLiteral("text/event-stream"));

    const MonitorRequestConnected connected
        = monitor.ofType(FeedType::RequestConnected).first().requestConnected;
    QCOMPARE(connected.sessionId, 1);
    QCOMPARE(connected.status, 200);
    QCOMPARE(connected.headers.value(QStringLiteral("content-type")),
        QStringLiteral("text/event-stream"));
    QCOMPARE(connected.headers.value(QStringLiteral("x-server-name")), QStringLiteral("Held"));

    const MonitorSession streaming = monitor.messages().at(updateIndex).sessions.first();
    QCOMPARE(streaming.state, MonitorSession::State::Streaming);
    QCOMPARE(streaming.status, 200);
    QVERIFY(streaming.bytesIn > 0);
    QVERIFY(streaming.bytesOut > 0);

    const MonitorRequestFinished finished
        = monitor.ofType(FeedType::RequestFinished).first().requestFinished;
    QCOMPARE(finished.sessionId, 1);
    QCOMPARE(finished.outcome, MonitorOutcome::Completed);
    QCOMPARE(finished.reason, QStringLiteral("Server closed connection normally."));
    QCOMPARE(finished.error, QString());
    QCOMPARE(finished.eventsRelayed, 3);
    QVERIFY(finished.time >= connected.time);

    const MonitorSession closed = monitor.ofType(FeedType::SessionClosed).first().session;
    QCOMPARE(closed.id, 1);
    QCOMPARE(closed.state, MonitorSession::State::Closed);
    QCOMPARE(closed.eventsRelayed, 3);
    QCOMPARE(closed.requestsHandled, 1);
    QCOMPARE(closed.status, 200);
    QCOMPARE(closed.clientAddress, clientAddress);
    QVERIFY(closed.finishedAt >= closed.startedAt);
    QCOMPARE(closed.lastError, QString());
    // Nobody subscribed: no event batches, no errors.
    QCOMPARE(monitor.count(FeedType::SessionEvents), 0);
    QCOMPARE(monitor.count(FeedType::Error), 0);

    // Totals catch up within a second: one session opened and closed, three events.
    QTRY_VERIFY_WITH_TIMEOUT(monitor.ofType(FeedType::Totals).size() >= 1
            && monitor.ofType(FeedType::Totals).last().totals.sessionsOpen == 0
            && monitor.ofType(FeedType::Totals).last().totals.eventsRelayed == 3,
        5000);
    const MonitorTotals totals = monitor.ofType(FeedType::Totals).last().totals;
    QCOMPARE(totals.sessionsOpened, 1);
    QCOMPARE(totals.requestsActive, 0);
    QCOMPARE(totals.requestsWith(MonitorOutcome::Completed), 1);
    QCOMPARE(totals.requestsWith(MonitorOutcome::UpstreamError), 0);
}

void TestMonitorLive::subscribeSendsHistoryThenLiveBatches()
{
    startProxy();
    routeHeld("/events");
    FeedRecorder first;
    QVERIFY(first.open(monitorUrl()));
    TestClient *client = startRequest(QStringLiteral("/events"));
    QTRY_COMPARE(first.count(FeedType::RequestConnected), 1);

    // Nothing was relayed yet: the history batch is empty but it comes, and comes first.
    first.send(MonitorMessages::subscribe(1));
    QTRY_COMPARE(first.count(FeedType::SessionEvents), 1);
    MonitorSessionEvents batch = first.ofType(FeedType::SessionEvents).first().sessionEvents;
    QCOMPARE(batch.sessionId, 1);
    QVERIFY(batch.history);
    QCOMPARE(batch.events.size(), 0);

    writeEvents(heldExchange(0), 1, 4);
    QTRY_COMPARE(client->events().size(), 4);
    QTRY_COMPARE(first.events(1).size(), 4);
    const QList<MonitorMessage> batches = first.ofType(FeedType::SessionEvents);
    for (int i = 1; i < batches.size(); ++i) {
        QVERIFY(!batches.at(i).sessionEvents.history);
        QCOMPARE(batches.at(i).sessionEvents.skipped, 0);
    }
    const QList<SseEvent> received = client->events();
    const QList<MonitorEventRecord> records = first.events(1);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(records.at(i).type, received.at(i).type);
        QCOMPARE(records.at(i).id, received.at(i).lastEventId);
        QCOMPARE(records.at(i).data, received.at(i).data);
        QCOMPARE(records.at(i).dataLength, qint64(received.at(i).data.size()));
        QVERIFY(!records.at(i).truncated);
        QVERIFY(records.at(i).time > 0);
    }

    // A second monitor subscribing now gets the recent past as its history batch.
    FeedRecorder second;
    QVERIFY(second.open(monitorUrl()));
    // As the monitor window does: subscribe once the snapshot has shown the session. (Sent at
    // once, the subscribe was lost under ASan in CI, run after run; not understood yet.)
    QTRY_COMPARE(second.count(FeedType::Snapshot), 1);
    second.send(MonitorMessages::subscribe(1));
    QTRY_COMPARE(second.count(FeedType::SessionEvents), 1);
    batch = second.ofType(FeedType::SessionEvents).first().sessionEvents;
    QVERIFY(batch.history);
    QCOMPARE(batch.events, records);

    // Live events reach both; after unsubscribe the first gets no more.
    first.send(MonitorMessages::unsubscribe());
    QTRY_COMPARE(second.events(1).size(), 4); // a round trip so the unsubscribe has landed
    second.send(MonitorMessages::ping());
    QTRY_COMPARE(second.count(FeedType::Pong), 1);
    writeEvents(heldExchange(0), 5, 6);
    QTRY_COMPARE(second.events(1).size(), 6);
    QCOMPARE(second.events(1).last().id, QStringLiteral("ev-6"));
    QCOMPARE(first.events(1).size(), 4);
    QCOMPARE(first.count(FeedType::Error), 0);
    QCOMPARE(second.count(FeedType::Error), 0);
    QCOMPARE(client->events().size(), 6);
}

void TestMonitorLive::lastEventsComeBeforeSessionClosed()
{
    // The client leaves at once after its last event, usually before the next 100 ms batch:
    // the proxy flushes the follower's pending events ahead of session-closed.
    FeedRecorder monitor;
    TestClient *client = followNewSession(&monitor);
    QVERIFY(client);
    connect(client, &TestClient::messageReceived, this, [client]() {
        if (client->events().size() == 5)
            client->socket().close();
    });
    writeEvents(heldExchange(0), 1, 5);
    QTRY_COMPARE(monitor.count(FeedType::SessionClosed), 1);

    QCOMPARE(client->events().size(), 5);
    QCOMPARE(monitor.events(1).size(), 5);
    // No batch after session-closed (the pong comes after anything queued before it).
    monitor.send(MonitorMessages::ping());
    QTRY_COMPARE(monitor.count(FeedType::Pong), 1);
    const int closedIndex = monitor.indexOf(FeedType::SessionClosed);
    QCOMPARE(monitor.indexOf(FeedType::SessionEvents, closedIndex), -1);
    QCOMPARE(monitor.ofType(FeedType::SessionClosed).first().session.eventsRelayed, 5);
    QCOMPARE(monitor.ofType(FeedType::RequestFinished).first().requestFinished.outcome,
        MonitorOutcome::Cancelled);
    QCOMPARE(monitor.count(FeedType::Error), 0);
}

void TestMonitorLive::longDataIsCutToAnExcerpt()
{
    FeedRecorder monitor;
    TestClient *client = followNewSession(&monitor);
    QVERIFY(client);

    SseEvent big;
    big.data = QString(3000, u'd');
    heldExchange(0)->write(SseWriter::encode(big));
    QTRY_COMPARE(client->events().size(), 1);
    QCOMPARE(client->events().first().data.size(), 3000); // the client gets all of it
    QTRY_COMPARE(monitor.events(1).size(), 1);
    const MonitorEventRecord record = monitor.events(1).first();
    QVERIFY(record.truncated);
    QCOMPARE(record.dataLength, 3000);
    QCOMPARE(record.data, QString(MonitorFeed::dataExcerptChars, u'd'));
}

void TestMonitorLive::burstOverTheBudgetIsCounted()
{
    FeedRecorder monitor;
    TestClient *client = followNewSession(&monitor);
    QVERIFY(client);

    // Far more than one batch's budget in one write: they all reach the client, the feed sends
    // at most eventsPerBatch a batch and counts the rest as skipped.
    const int burst = 5 * MonitorFeed::eventsPerBatch;
    writeEvents(heldExchange(0), 1, burst);
    QTRY_COMPARE(client->events().size(), burst);
    qint64 seen = 0;
    QTRY_VERIFY([&] {
        seen = 0;
        for (const MonitorMessage &m : monitor.ofType(FeedType::SessionEvents))
            seen += m.sessionEvents.events.size() + m.sessionEvents.skipped;
        return seen == burst;
    }());
    for (const MonitorMessage &m : monitor.ofType(FeedType::SessionEvents))
        QVERIFY(m.sessionEvents.events.size() <= MonitorFeed::eventsPerBatch);
    QCOMPARE(monitor.events(1).last().id, client->events().last().lastEventId); // newest sent
}

void TestMonitorLive::subscribeToUnknownSessionIsAnError()
{
    startProxy();
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    monitor.send(MonitorMessages::subscribe(99));
    QTRY_COMPARE(monitor.count(FeedType::Error), 1);
    QCOMPARE(monitor.ofType(FeedType::Error).first().message,
        QStringLiteral("subscribe: no session 99"));
    QCOMPARE(monitor.count(FeedType::SessionEvents), 0);
    QVERIFY(monitor.socket().state() == QAbstractSocket::ConnectedState);
}

void TestMonitorLive::badMessagesAreAnsweredWithError_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("not JSON") << QStringLiteral(
        "{") << QStringLiteral("message is not JSON: unterminated object at offset 1");
    QTest::newRow("array") << QStringLiteral("[]")
                           << QStringLiteral("message must be a JSON object, got an array");
    QTest::newRow("no type") << QStringLiteral("{\"payload\":{}}")
                             << QStringLiteral("type: missing");
    QTest::newRow("unknown type") << QStringLiteral("{\"type\":\"hullo\",\"payload\":{}}")
                                  << QStringLiteral("type: unknown message type \"hullo\"");
    QTest::newRow("proxy's message")
        << QStringLiteral("{\"type\":\"pong\",\"payload\":{}}")
        << QStringLiteral("type: \"pong\" is not a message a monitor sends");
    QTest::newRow("subscribe without id")
        << QStringLiteral("{\"type\":\"subscribe\",\"payload\":{}}")
        << QStringLiteral("payload.sessionId: missing");
}

void TestMonitorLive::badMessagesAreAnsweredWithError()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    startProxy();
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    monitor.send(text);
    QTRY_COMPARE(monitor.count(FeedType::Error), 1);
    QCOMPARE(monitor.ofType(FeedType::Error).first().message, error);
    // The monitor is still served.
    monitor.send(MonitorMessages::ping());
    QTRY_COMPARE(monitor.count(FeedType::Pong), 1);
    QCOMPARE(monitor.count(FeedType::Error), 1);
}

void TestMonitorLive::pingIsAnsweredWithPong()
{
    startProxy();
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    monitor.send(MonitorMessages::ping());
    monitor.send(QStringLiteral("{\"type\":\"ping\"}")); // payload may be omitted
    QTRY_COMPARE(monitor.count(FeedType::Pong), 2);
    QCOMPARE(monitor.count(FeedType::Error), 0);
    QCOMPARE(monitor.decodeErrors(), QStringList());
}

void TestMonitorLive::monitorTokenIsRequired_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("no token") << QString() << QByteArray() << false;
    QTest::newRow("query token") << QStringLiteral("token=s3cret") << QByteArray() << true;
    QTest::newRow("bearer token") << QString() << QByteArray("Bearer s3cret") << true;
    QTest::newRow("wrong query token") << QStringLiteral("token=s3cre") << QByteArray() << false;
    QTest::newRow("wrong bearer token") << QString() << QByteArray("Bearer nope") << false;
    QTest::newRow("not bearer") << QString() << QByteArray("Basic s3cret") << false;
}

void TestMonitorLive::monitorTokenIsRequired()
{
    QFETCH(QString, query);
    QFETCH(QByteArray, authorization);
    QFETCH(bool, accepted);
    Settings settings;
    settings.admin.token = QStringLiteral("s3cret");
    startProxy(settings);

    QUrl url = monitorUrl();
    url.setQuery(query);
    QNetworkRequest request(url);
    if (!authorization.isEmpty())
        request.setRawHeader("Authorization", authorization);
    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
    QSignalSpy messages(&socket, &QWebSocket::textMessageReceived);
    socket.open(request);
    if (accepted) {
        QVERIFY(connected.wait(5000));
        QTRY_COMPARE(messages.size(), 2); // hello, snapshot
        QCOMPARE(disconnected.size(), 0);
        QCOMPARE(m_proxy->monitorHub()->monitorCount(), 1);
        QVERIFY(!messages.first().first().toString().contains(QStringLiteral("s3cret")));
        return;
    }
    QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::UnconnectedState
            && socket.error() != QAbstractSocket::UnknownSocketError,
        5000);
    QCOMPARE(connected.size(), 0);
    QCOMPARE(messages.size(), 0);
    QCOMPARE(m_proxy->monitorHub()->monitorCount(), 0);

    // The same request on a plain socket: the answer is 401.
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, m_proxy->adminPort());
    QVERIFY(raw.waitForConnected(5000));
    QByteArray head = "GET /monitor" + (query.isEmpty() ? QByteArray() : "?" + query.toUtf8())
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!authorization.isEmpty())
        head += "Authorization: " + authorization + "\r\n";
    raw.write(head + "\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(
        raw.bytesAvailable() > 0 || raw.state() != QAbstractSocket::ConnectedState, 5000);
    QTRY_VERIFY(raw.canReadLine());
    QCOMPARE(raw.readLine().trimmed(), QByteArray("HTTP/1.1 401 Unauthorized"));
}

// ---------------------------------------------------------------------------------------------
// Credentials (docs/MONITOR.md §7). One session's request carries them in headers and in the
// query, its upstream sets a cookie, and the same request to another upstream is refused with
// an error body quoting them. Each secret holds "SECRET", so one search of every raw message
// finds any of them, whatever field or escaping it hides in.

void TestMonitorLive::feedHidesCredentials_data()
{
    QTest::addColumn<bool>("redact");
    QTest::newRow("redacted (default)") << true;
    QTest::newRow("admin.redact off") << false;
}

void TestMonitorLive::feedHidesCredentials()
{
    QFETCH(bool, redact);
    Settings settings;
    settings.admin.redact = redact;
    settings.admin.redactHeaders = { QStringLiteral("X-Api-Key") };
    startProxy(settings);
    routeHeld("/events", { { "Set-Cookie", "s=SECRET-5; Path=/" } });
    m_upstream->route("/denied",
        TestUpstream::status(
            403, "Forbidden", "text/plain", "token SECRET-1 is not valid for key SECRET-3\n"));
    const QStringList secrets = { QStringLiteral("Bearer SECRET-1"), QStringLiteral("sid=SECRET-2"),
        QStringLiteral("SECRET-3"), QStringLiteral("api_key=SECRET-4"),
        QStringLiteral("s=SECRET-5") };

    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    TestClient *client = connectClient();
    QJsonObject request
        = upstreamRequest(m_upstream->port(), QStringLiteral("/events?api_key=SECRET-4&x=1"));
    request.insert(QStringLiteral("headers"),
        QJsonObject { { QStringLiteral("Authorization"), QStringLiteral("Bearer SECRET-1") },
            { QStringLiteral("Cookie"), QStringLiteral("sid=SECRET-2") },
            { QStringLiteral("X-Api-Key"), QStringLiteral("SECRET-3") },
            { QStringLiteral("X-Trace"), QStringLiteral("trace-7") } });
    client->send(request);
    QTRY_COMPARE(monitor.count(FeedType::RequestConnected), 1);
    monitor.send(MonitorMessages::subscribe(1));
    QTRY_COMPARE(monitor.count(FeedType::SessionEvents), 1);
    FeedRecorder late; // meets the session in its snapshot
    QVERIFY(late.open(monitorUrl()));
    QTRY_COMPARE(late.count(FeedType::Snapshot), 1);
    writeEvents(heldExchange(0), 1, 3);
    QTRY_COMPARE(monitor.events(1).size(), 3);
    heldExchange(0)->end();
    QTRY_COMPARE(client->count(MessageType::Closed), 1);

    request.insert(QStringLiteral("path"), QStringLiteral("/denied?api_key=SECRET-4&x=1"));
    client->send(request);
    QTRY_COMPARE(client->count(MessageType::Closed), 2);
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 2);
    QTRY_VERIFY(monitor.lastUpdate(1) && monitor.lastUpdate(1)->requestsHandled == 2);
    client->socket().close();
    QTRY_COMPARE(monitor.count(FeedType::SessionClosed), 1);
    QTRY_COMPARE(late.count(FeedType::SessionClosed), 1);
    QCOMPARE(monitor.decodeErrors(), QStringList());

    // Whatever the feed shows, the upstream got the credentials and the client its own error.
    QCOMPARE(m_upstream->requests().size(), 2);
    QCOMPARE(m_upstream->requests().first().header("Authorization"), QByteArray("Bearer SECRET-1"));
    QCOMPARE(m_upstream->requests().first().target, QByteArray("/events?api_key=SECRET-4&x=1"));
    const QString clientError = client->ofType(MessageType::Error).first().text;
    QVERIFY2(clientError.startsWith(QStringLiteral("upstream answered HTTP 403"))
            && clientError.contains(QStringLiteral("token SECRET-1 is not valid for key SECRET-3")),
        qPrintable(clientError));

    // Names, other values and x=1 show either way; the secret values only with redaction off.
    const auto shown
        = [redact](const QString &value) { return redact ? QStringLiteral("[redacted]") : value; };
    const QString url = QStringLiteral("http://127.0.0.1:%1/events?api_key=%2&x=1")
                            .arg(m_upstream->port())
                            .arg(shown(QStringLiteral("SECRET-4")));
    const MonitorRequestStarted started
        = monitor.ofType(FeedType::RequestStarted).first().requestStarted;
    QCOMPARE(started.url, url);
    QCOMPARE(started.headers.value(QStringLiteral("authorization")),
        shown(QStringLiteral("Bearer SECRET-1")));
    QCOMPARE(
        started.headers.value(QStringLiteral("cookie")), shown(QStringLiteral("sid=SECRET-2")));
    QCOMPARE(started.headers.value(QStringLiteral("x-api-key")), shown(QStringLiteral("SECRET-3")));
    QCOMPARE(started.headers.value(QStringLiteral("x-trace")), QStringLiteral("trace-7"));
    const MonitorRequestConnected connected
        = monitor.ofType(FeedType::RequestConnected).first().requestConnected;
    QCOMPARE(connected.headers.value(QStringLiteral("set-cookie")),
        shown(QStringLiteral("s=SECRET-5; Path=/")));
    QCOMPARE(connected.headers.value(QStringLiteral("x-server-name")), QStringLiteral("Held"));

    const QList<MonitorSession> snapshot = late.ofType(FeedType::Snapshot).first().sessions;
    QCOMPARE(snapshot.size(), 1);
    QCOMPARE(snapshot.first().url, url);
    QCOMPARE(snapshot.first().requestHeaders, started.headers);
    QCOMPARE(snapshot.first().responseHeaders, connected.headers);

    QString error = clientError;
    if (redact)
        error.replace(QStringLiteral("SECRET-1"), QStringLiteral("[redacted]"))
            .replace(QStringLiteral("SECRET-3"), QStringLiteral("[redacted]"));
    QCOMPARE(monitor.ofType(FeedType::RequestFinished).last().requestFinished.error, error);
    QCOMPARE(monitor.lastUpdate(1)->lastError, error);
    const MonitorSession closed = monitor.ofType(FeedType::SessionClosed).first().session;
    QCOMPARE(
        closed.url, QString(url).replace(QStringLiteral("/events"), QStringLiteral("/denied")));
    QCOMPARE(closed.requestHeaders, started.headers);
    QCOMPARE(closed.lastError, error);

    const QStringList raw = monitor.rawMessages() + late.rawMessages();
    const QString all = raw.join(u'\n');
    for (const char *name : { "\"authorization\":", "\"cookie\":", "\"x-api-key\":",
             "\"set-cookie\":", "api_key=", "&x=1\"" })
        QVERIFY2(all.contains(QString::fromUtf8(name)), name);
    for (const QString &secret : secrets) {
        if (!redact) {
            QVERIFY2(all.contains(secret), qPrintable(secret));
            continue;
        }
        for (const QString &message : raw)
            QVERIFY2(!message.contains(secret), qPrintable(message));
    }
    if (redact) {
        for (const QString &message : raw)
            QVERIFY2(!message.contains(QStringLiteral("SECRET")), qPrintable(message));
    }
}

// ---------------------------------------------------------------------------------------------
// The window against the real feed.

void TestMonitorLive::tableShowsLiveSessions()
{
    startProxy();
    routeHeld("/held");
    m_upstream->route(
        "/done", TestUpstream::sse("data: one\n\nevent: two\ndata: 2\n\nid: 3\ndata: three\n\n"));
    MonitorWindow window(windowOptions(monitorUrl()));
    window.show();
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);
    QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("Connected, proxy")));

    // Session 1 streams and stays open; session 2 completes a request; session 3 leaves.
    TestClient *streaming = startRequest(QStringLiteral("/held"));
    QTRY_COMPARE(m_held.size(), 1);
    writeEvents(heldExchange(0), 1, 5);
    QTRY_COMPARE(streaming->events().size(), 5);
    TestClient *completed = startRequest(QStringLiteral("/done"));
    QTRY_COMPARE(completed->count(MessageType::Closed), 1);
    TestClient *leaving = connectClient();
    const QString leavingAddress = localAddress(leaving);
    leaving->socket().close();

    const QLocale locale;
    QTRY_COMPARE(cell(window, 1, SessionTableModel::EventsColumn), locale.toString(5));
    QTRY_COMPARE(cell(window, 2, SessionTableModel::EventsColumn), locale.toString(3));
    QTRY_COMPARE(cell(window, 3, SessionTableModel::StateColumn), QStringLiteral("closed"));
    QTRY_COMPARE(cell(window, 2, SessionTableModel::StateColumn), QStringLiteral("idle"));
    QCOMPARE(window.sessionModel()->rowCount(), 3);

    QCOMPARE(cell(window, 1, SessionTableModel::ClientColumn), localAddress(streaming));
    QCOMPARE(cell(window, 1, SessionTableModel::UpstreamColumn),
        QStringLiteral("GET http://127.0.0.1:%1/held").arg(m_upstream->port()));
    QCOMPARE(cell(window, 1, SessionTableModel::StateColumn), QStringLiteral("streaming"));
    QCOMPARE(cell(window, 1, SessionTableModel::StatusColumn), QStringLiteral("200"));
    QCOMPARE(cell(window, 1, SessionTableModel::ErrorColumn), QString());

    QCOMPARE(cell(window, 2, SessionTableModel::ClientColumn), localAddress(completed));
    QCOMPARE(cell(window, 2, SessionTableModel::UpstreamColumn),
        QStringLiteral("GET http://127.0.0.1:%1/done").arg(m_upstream->port()));
    QCOMPARE(cell(window, 2, SessionTableModel::StatusColumn), QStringLiteral("200"));
    QTRY_COMPARE(window.sessionModel()->session(2)->requestsHandled, 1); // may come an update later

    QCOMPARE(cell(window, 3, SessionTableModel::ClientColumn), leavingAddress);
    QCOMPARE(cell(window, 3, SessionTableModel::UpstreamColumn), QString());
    QCOMPARE(cell(window, 3, SessionTableModel::EventsColumn), locale.toString(0));
    QCOMPARE(cell(window, 3, SessionTableModel::StatusColumn), QString());

    // Only the closed session is greyed.
    const SessionTableModel *model = window.sessionModel();
    QVERIFY(model->index(model->rowOf(3), 0).data(SessionTableModel::ClosedRole).toBool());
    QCOMPARE(model->index(model->rowOf(3), SessionTableModel::ClientColumn)
                 .data(Qt::ForegroundRole)
                 .value<QColor>(),
        QColor(Qt::gray));
    for (qint64 id : { 1, 2 }) {
        QVERIFY(!model->index(model->rowOf(id), 0).data(SessionTableModel::ClosedRole).toBool());
        QVERIFY(!model->index(model->rowOf(id), SessionTableModel::ClientColumn)
                     .data(Qt::ForegroundRole)
                     .isValid());
    }
    QCOMPARE(model->openCount(), 2);

    // The view shows them newest first.
    const QAbstractItemModel *shown = window.sessionView()->model();
    QCOMPARE(shown->rowCount(), 3);
    for (int row = 0; row < 3; ++row)
        QCOMPARE(shown->index(row, SessionTableModel::IdColumn).data().toLongLong(), 3 - row);

    // More events and the end of the stream reach the row as well.
    writeEvents(heldExchange(0), 6, 8);
    heldExchange(0)->end();
    QTRY_COMPARE(streaming->count(MessageType::Closed), 1);
    QCOMPARE(streaming->events().size(), 8);
    QTRY_COMPARE(cell(window, 1, SessionTableModel::EventsColumn), locale.toString(8));
    QTRY_COMPARE(cell(window, 1, SessionTableModel::StateColumn), QStringLiteral("idle"));
    QTRY_COMPARE(window.sessionModel()->session(1)->requestsHandled, 1);
}

void TestMonitorLive::selectingSessionShowsItsEvents()
{
    startProxy();
    routeHeld("/held");
    MonitorWindow window(windowOptions(monitorUrl()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);
    TestClient *other = connectClient();
    TestClient *client = startRequest(QStringLiteral("/held"));
    QTRY_COMPARE(cell(window, 2, SessionTableModel::StateColumn), QStringLiteral("streaming"));
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);

    int historyBatches = 0;
    connect(window.feed(), &MonitorFeedClient::messageReceived, this, [&](const MonitorMessage &m) {
        historyBatches += m.type == FeedType::SessionEvents && m.sessionEvents.history ? 1 : 0;
    });

    // Click session 2's row (sorted newest first: row 0).
    QTableView *view = window.sessionView();
    const QModelIndex index = view->model()->index(0, SessionTableModel::ClientColumn);
    QCOMPARE(index.data(SessionTableModel::SessionIdRole).toLongLong(), 2);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    QTRY_COMPARE(window.feed()->subscribedSession(), 2);
    SessionDetailPanel *detail = window.detailPanel();
    QCOMPARE(detail->sessionId(), 2);
    // The proxy records a session's events from the moment it is followed: wait for that.
    QTRY_COMPARE(historyBatches, 1);

    writeEvents(heldExchange(0), 1, 7);
    QTRY_COMPARE(client->events().size(), 7);
    EventLogModel *log = detail->eventLog();
    QTRY_COMPARE(log->rowCount(), 7);
    const QList<SseEvent> received = client->events();
    const QAbstractItemModel *logView = detail->eventView()->model();
    for (int row = 0; row < 7; ++row) {
        QCOMPARE(log->eventAt(row).type, received.at(row).type);
        QCOMPARE(log->eventAt(row).id, received.at(row).lastEventId);
        QCOMPARE(log->eventAt(row).data, received.at(row).data);
        QCOMPARE(logView->index(row, EventLogModel::TypeColumn).data().toString(),
            received.at(row).type);
        QCOMPARE(logView->index(row, EventLogModel::IdColumn).data().toString(),
            received.at(row).lastEventId);
        QCOMPARE(logView->index(row, EventLogModel::DataColumn).data().toString(),
            received.at(row).data);
    }
    QCOMPARE(log->evictedCount(), 0);
    QTRY_VERIFY(
        detail->findChild<QLabel *>(QStringLiteral("sessionTitle"))
            ->text()
            .startsWith(
                QStringLiteral("Session 2 · %1 · streaming · 7 events").arg(localAddress(client))));

    // The other session relays nothing into this log; the followed one ends and closes.
    QCOMPARE(other->events().size(), 0);
    heldExchange(0)->end();
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    client->socket().close();
    QTRY_COMPARE(cell(window, 2, SessionTableModel::StateColumn), QStringLiteral("closed"));
    QTRY_VERIFY(detail->findChild<QLabel *>(QStringLiteral("sessionTitle"))
                    ->text()
                    .contains(QStringLiteral("closed after")));
    QCOMPARE(log->rowCount(), 7);
    QCOMPARE(detail->sessionId(), 2);
    // The proxy has forgotten the closed session: the monitor stops asking about it.
    QCOMPARE(window.feed()->subscribedSession(), 0);

    // Clicking the other row follows it instead; its log starts empty.
    const QModelIndex otherIndex = view->model()->index(1, SessionTableModel::ClientColumn);
    QCOMPARE(otherIndex.data(SessionTableModel::SessionIdRole).toLongLong(), 1);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(otherIndex).center());
    QTRY_COMPARE(window.feed()->subscribedSession(), 1);
    QCOMPARE(detail->sessionId(), 1);
    QTRY_COMPARE(historyBatches, 2);
    QCOMPARE(log->rowCount(), 0);

    // Clicking the closed row shows it without subscribing; back on session 1, the proxy's
    // answer (in order after anything it would have said) proves no error came.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    QCOMPARE(detail->sessionId(), 2);
    QCOMPARE(window.feed()->subscribedSession(), 0);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(otherIndex).center());
    QTRY_COMPARE(historyBatches, 3);
    QCOMPARE(window.statusBar()->currentMessage(), QString());
}

void TestMonitorLive::statusBarShowsTotals()
{
    startProxy();
    m_upstream->route("/done", TestUpstream::sse("data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\n"));
    MonitorWindow window(windowOptions(monitorUrl()));
    window.show();
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);
    QTRY_VERIFY(window.totalsLabel()->text().startsWith(
        QStringLiteral("Sessions 0 open / 0 · Events 0 (")));

    m_upstream->route(
        "/fail", TestUpstream::status(503, "Service Unavailable", "text/plain", "busy\n"));
    TestClient *a = startRequest(QStringLiteral("/done"));
    TestClient *b = startRequest(QStringLiteral("/done"));
    QTRY_COMPARE(a->count(MessageType::Closed), 1);
    a->send(upstreamRequest(m_upstream->port(), QStringLiteral("/fail")));
    QTRY_COMPARE(a->count(MessageType::Closed), 2);
    QCOMPARE(a->count(MessageType::Error), 1);
    QTRY_COMPARE(b->count(MessageType::Closed), 1);
    b->send(upstreamRequest(m_upstream->port(), QStringLiteral("/done")));
    QTRY_COMPARE(b->count(MessageType::Closed), 2);
    const int received = int(a->events().size() + b->events().size());
    QCOMPARE(received, 12);

    // Totals come once a second.
    QTRY_VERIFY_WITH_TIMEOUT(
        window.history().latest() && window.history().latest()->eventsRelayed == received, 5000);
    const MonitorTotals totals = *window.history().latest();
    QCOMPARE(totals.sessionsOpen, 2);
    QCOMPARE(totals.sessionsOpened, 2);
    QTRY_COMPARE(window.history().latest()->requestsWith(MonitorOutcome::UpstreamError), 1);
    QCOMPARE(totals.requestsWith(MonitorOutcome::Completed), 3);
    QCOMPARE(totals.requestsWith(MonitorOutcome::Rejected), 0);
    QCOMPARE(totals.requestsActive, 0);
    QVERIFY(totals.bytesIn > 0 && totals.bytesOut > 0);
    const QString text = window.totalsLabel()->text();
    QVERIFY2(
        text.startsWith(QStringLiteral("Sessions 2 open / 2 · Events 12 (")), qPrintable(text));
    QVERIFY2(text.endsWith(QStringLiteral(" · Requests: 3 completed, 1 upstream-error")),
        qPrintable(text));

    // The failed request shows in its session's row: status and last error, in red.
    const QString error = a->ofType(MessageType::Error).first().text;
    QVERIFY(error.contains(QStringLiteral("503")));
    QTRY_COMPARE(cell(window, 1, SessionTableModel::ErrorColumn), error);
    QCOMPARE(cell(window, 1, SessionTableModel::StatusColumn), QStringLiteral("503"));
    QCOMPARE(cell(window, 1, SessionTableModel::StateColumn), QStringLiteral("idle"));
    QCOMPARE(cell(window, 1, SessionTableModel::EventsColumn), QLocale().toString(4));
    const SessionTableModel *model = window.sessionModel();
    QCOMPARE(model->index(model->rowOf(1), SessionTableModel::ErrorColumn)
                 .data(Qt::ForegroundRole)
                 .value<QColor>(),
        QColor(0xc6, 0x28, 0x28));
    QCOMPARE(cell(window, 2, SessionTableModel::ErrorColumn), QString());
}

void TestMonitorLive::reconnectRenewsSubscription()
{
    startProxy();
    routeHeld("/held");
    MonitorWindow window(windowOptions(monitorUrl()));
    window.show();
    int historyBatches = 0;
    connect(window.feed(), &MonitorFeedClient::messageReceived, this, [&](const MonitorMessage &m) {
        historyBatches += m.type == FeedType::SessionEvents && m.sessionEvents.history ? 1 : 0;
    });
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);
    TestClient *client = startRequest(QStringLiteral("/held"));
    QTRY_COMPARE(cell(window, 1, SessionTableModel::StateColumn), QStringLiteral("streaming"));
    window.selectSession(1);
    QTRY_COMPARE(historyBatches, 1);
    writeEvents(heldExchange(0), 1, 2);
    QTRY_COMPARE(window.detailPanel()->eventLog()->rowCount(), 2);

    // A new connection: the proxy forgot the subscription; the monitor renews it. Its log
    // keeps what it had (whatever history the proxy still kept) and goes on without
    // repeating an event.
    window.feed()->reconnectNow();
    QTRY_COMPARE(historyBatches, 2);
    QCOMPARE(window.feed()->subscribedSession(), 1);
    QCOMPARE(window.detailPanel()->sessionId(), 1);
    EventLogModel *log = window.detailPanel()->eventLog();
    QCOMPARE(log->rowCount(), 2);
    writeEvents(heldExchange(0), 3, 4);
    QTRY_COMPARE(log->rowCount(), 4);
    for (int row = 0; row < 4; ++row)
        QCOMPARE(log->eventAt(row).id, QStringLiteral("ev-%1").arg(row + 1));

    // The session ends while the monitor is away: after the snapshot it is no longer
    // followed, and the proxy is not asked for it.
    window.feed()->stop();
    client->socket().close();
    QTRY_COMPARE(m_proxy->sessionCount(), 0);
    window.feed()->start();
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);
    QTRY_COMPARE(window.sessionModel()->rowCount(), 0);
    QCOMPARE(window.feed()->subscribedSession(), 0);
    QCOMPARE(window.detailPanel()->sessionId(), 0);
    // Its id says nothing of how many came before: each worker numbers its own sessions.
    QSignalSpy opened(m_proxy.get(), &ProxyServer::sessionOpened);
    startRequest(QStringLiteral("/held"));
    QTRY_COMPARE(opened.count(), 1);
    const qint64 second = qint64(opened.first().first().toULongLong());
    QVERIFY(second > 1);
    QTRY_COMPARE(cell(window, second, SessionTableModel::StateColumn), QStringLiteral("streaming"));
    window.selectSession(second);
    QTRY_COMPARE(historyBatches, 3); // answered after anything the proxy had to say before
    QCOMPARE(window.statusBar()->currentMessage(), QString());
}

QTEST_MAIN(TestMonitorLive)
#include "tst_monitorlive.moc"
