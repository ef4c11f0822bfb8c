// A session's requests in the monitor, end to end in one process: a real ProxyServer and a
// test upstream (both on port 0), a WebSocket client running several requests with ids on one
// socket (docs/PROTOCOL.md §4), and on the other side a raw /monitor WebSocket (what the feed
// says of each request) or a MonitorWindow, offscreen (the request rows of the selected
// session). The upstream answers when the test says, and every wait is on a signal or a
// QTRY_*, so no step depends on timing.

#include "feedrecorder.h"
#include "monitorwindow.h"
#include "proxytestbase.h"
#include "requesttablemodel.h"
#include "sessiondetailpanel.h"
#include "sessiontablemodel.h"

#include <QLabel>
#include <QPointer>
#include <QTableView>
#include <QTest>

namespace {

QJsonObject withId(QJsonObject request, const QString &id)
{
    request[QStringLiteral("id")] = id;
    return request;
}

QJsonObject cancel(const QString &id)
{
    return { { QStringLiteral("type"), QStringLiteral("cancel") }, { QStringLiteral("id"), id } };
}

// "id state status events attempts" per request of the session's latest update.
QString requestsOf(const std::optional<MonitorSession> &session)
{
    if (!session)
        return QStringLiteral("<no update>");
    QStringList rows;
    for (const MonitorRequest &r : session->requests)
        rows.append(QStringLiteral("%1 %2 %3 %4 %5")
                        .arg(r.id, MonitorRequest::stateName(r.state))
                        .arg(r.status)
                        .arg(r.eventsRelayed)
                        .arg(r.attempts));
    return rows.join(QStringLiteral(" | "));
}

} // namespace

class TestMonitorRequestsLive : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void init();
    void feedShowsEachRequest();
    void eventsNameTheirRequest();
    void reconnectShowsInItsRow();
    void requestsHideCredentials();
    void windowShowsRequestRows();

private:
    QUrl monitorUrl() const;
    // Routes `path` to a held stream: head sent at once, events written by the test.
    void hold(const QByteArray &path);
    TestUpstream::Exchange *held(const QByteArray &path) const { return m_held.value(path).data(); }
    static void writeEvents(TestUpstream::Exchange *exchange, int count);
    QJsonObject request(const QString &id, const QString &path) const;
    // A proxy, a monitor on its feed, and a client streaming "prices" and "news" (held) on one
    // socket, both answered.
    void startPricesAndNews(FeedRecorder *monitor, TestClient **client);

    QHash<QByteArray, QPointer<TestUpstream::Exchange>> m_held; // by path, the latest
};

void TestMonitorRequestsLive::init()
{
    ProxyTestBase::init();
    m_held.clear();
}

QUrl TestMonitorRequestsLive::monitorUrl() const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/monitor").arg(m_proxy->adminPort()));
}

void TestMonitorRequestsLive::hold(const QByteArray &path)
{
    m_upstream->route(path, [this, path](TestUpstream::Exchange *exchange) {
        exchange->writeChunkedHead(200, { { "Content-Type", "text/event-stream" } });
        m_held.insert(path, exchange);
    });
}

void TestMonitorRequestsLive::writeEvents(TestUpstream::Exchange *exchange, int count)
{
    QByteArray body;
    for (int n = 1; n <= count; ++n)
        body += "data: " + QByteArray::number(n) + "\n\n";
    exchange->write(body);
}

QJsonObject TestMonitorRequestsLive::request(const QString &id, const QString &path) const
{
    return withId(upstreamRequest(m_upstream->port(), path), id);
}

void TestMonitorRequestsLive::startPricesAndNews(FeedRecorder *monitor, TestClient **client)
{
    startProxy();
    hold("/prices");
    hold("/news");
    QVERIFY(monitor->open(monitorUrl()));
    *client = connectClient();
    (*client)->send(request(QStringLiteral("prices"), QStringLiteral("/prices")));
    (*client)->send(request(QStringLiteral("news"), QStringLiteral("/news")));
    QTRY_COMPARE((*client)->count(MessageType::Connected), 2);
}

// Two streams with ids on one socket: each is a row of its session, with its own state, status
// and events; a refused duplicate id ends no running one; a cancel ends exactly one.
void TestMonitorRequestsLive::feedShowsEachRequest()
{
    FeedRecorder monitor;
    TestClient *client = nullptr;
    startPricesAndNews(&monitor, &client);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)),
        QStringLiteral("prices streaming 200 0 1 | news streaming 200 0 1"));
    const MonitorSession both = *monitor.lastUpdate(1);
    QCOMPARE(both.state, MonitorSession::State::Streaming);
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_upstream->port());
    QCOMPARE(both.requests.at(0).method, QStringLiteral("GET"));
    QCOMPARE(both.requests.at(0).url, base + QStringLiteral("/prices"));
    QCOMPARE(both.requests.at(1).url, base + QStringLiteral("/news"));
    // The session's own request fields are those of the one started last.
    QCOMPARE(both.url, base + QStringLiteral("/news"));

    // Each request message names its request.
    QStringList started;
    for (const MonitorMessage &m : monitor.ofType(FeedType::RequestStarted))
        started.append(m.requestStarted.requestId + u' ' + m.requestStarted.url);
    QCOMPARE(started,
        QStringList({ QStringLiteral("prices ") + base + QStringLiteral("/prices"),
            QStringLiteral("news ") + base + QStringLiteral("/news") }));
    QStringList connected;
    for (const MonitorMessage &m : monitor.ofType(FeedType::RequestConnected))
        connected.append(
            m.requestConnected.requestId + u' ' + QString::number(m.requestConnected.status));
    connected.sort();
    QCOMPARE(connected, QStringList({ QStringLiteral("news 200"), QStringLiteral("prices 200") }));

    // A monitor that comes now meets both in its snapshot.
    FeedRecorder late;
    QVERIFY(late.open(monitorUrl()));
    QTRY_COMPARE(late.count(FeedType::Snapshot), 1);
    QCOMPARE(late.ofType(FeedType::Snapshot).first().sessions.first().requests, both.requests);

    // Events count in their own request's row.
    writeEvents(held("/news"), 4);
    writeEvents(held("/prices"), 2);
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)),
        QStringLiteral("prices streaming 200 2 1 | news streaming 200 4 1"));
    QCOMPARE(monitor.lastUpdate(1)->eventsRelayed, 6);

    // The same id again is refused; the running "news" goes on.
    client->send(request(QStringLiteral("news"), QStringLiteral("/news")));
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 1);
    const MonitorRequestFinished refused
        = monitor.ofType(FeedType::RequestFinished).first().requestFinished;
    QCOMPARE(refused.requestId, QStringLiteral("news"));
    QCOMPARE(refused.outcome, MonitorOutcome::Rejected);
    QCOMPARE(refused.started, false);
    QCOMPARE(refused.eventsRelayed, 0);
    QVERIFY(refused.error.startsWith(QStringLiteral("id \"news\" is already in use")));
    QTRY_COMPARE(monitor.lastUpdate(1)->requestsHandled, 1);
    QCOMPARE(requestsOf(monitor.lastUpdate(1)),
        QStringLiteral("prices streaming 200 2 1 | news streaming 200 4 1"));

    // Cancel one: one row left. The end counts that request's events, not the session's
    // current request's.
    client->send(cancel(QStringLiteral("prices")));
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 2);
    const MonitorRequestFinished cancelled
        = monitor.ofType(FeedType::RequestFinished).last().requestFinished;
    QCOMPARE(cancelled.requestId, QStringLiteral("prices"));
    QCOMPARE(cancelled.outcome, MonitorOutcome::Cancelled);
    QCOMPARE(cancelled.started, true);
    QCOMPARE(cancelled.eventsRelayed, 2);
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)), QStringLiteral("news streaming 200 4 1"));
    QCOMPARE(monitor.lastUpdate(1)->state, MonitorSession::State::Streaming);

    // The last one ends with its upstream: no rows, the session idle.
    held("/news")->end();
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 3);
    QCOMPARE(monitor.ofType(FeedType::RequestFinished).last().requestFinished.eventsRelayed, 4);
    QTRY_COMPARE(monitor.lastUpdate(1)->requestsHandled, 3);
    QCOMPARE(requestsOf(monitor.lastUpdate(1)), QString());
    QCOMPARE(monitor.lastUpdate(1)->state, MonitorSession::State::Idle);
    QCOMPARE(monitor.decodeErrors(), QStringList());
}

// A subscribed monitor tells a session's streams apart: each event record names the request
// that relayed it.
void TestMonitorRequestsLive::eventsNameTheirRequest()
{
    FeedRecorder monitor;
    TestClient *client = nullptr;
    startPricesAndNews(&monitor, &client);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE(monitor.count(FeedType::Snapshot), 1);
    monitor.send(MonitorMessages::subscribe(1));
    QTRY_COMPARE(monitor.count(FeedType::SessionEvents), 1); // the (empty) history
    writeEvents(held("/news"), 2);
    writeEvents(held("/prices"), 1);
    QTRY_COMPARE(client->count(MessageType::SseEvent), 3);
    QStringList named;
    QTRY_COMPARE_WITH_TIMEOUT(
        [&] {
            named.clear();
            for (const MonitorEventRecord &e : monitor.events(1))
                named.append(e.requestId + u' ' + e.data);
            named.sort();
            return named;
        }(),
        QStringList(
            { QStringLiteral("news 1"), QStringLiteral("news 2"), QStringLiteral("prices 1") }),
        5000);
    QCOMPARE(monitor.decodeErrors(), QStringList());
}

// A stream with "reconnect" whose upstream broke shows as reconnecting, with its attempts, for
// as long as it waits; a cancel during the wait ends it.
void TestMonitorRequestsLive::reconnectShowsInItsRow()
{
    startProxy();
    // One event, a reconnection time longer than any test, then a broken body.
    m_upstream->route("/breaks", [](TestUpstream::Exchange *exchange) {
        exchange->writeChunkedHead(200, { { "Content-Type", "text/event-stream" } });
        exchange->write("retry: 600000\nid: 1\ndata: one\n\n");
        exchange->reset();
    });
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    TestClient *client = connectClient();
    QJsonObject r = request(QStringLiteral("r"), QStringLiteral("/breaks"));
    r[QStringLiteral("reconnect")] = true;
    client->send(r);
    QTRY_COMPARE(client->count(MessageType::Reconnecting), 1);
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)), QStringLiteral("r reconnecting 200 1 2"));
    // Nothing streams while it waits.
    QCOMPARE(monitor.lastUpdate(1)->state, MonitorSession::State::Connecting);
    QCOMPARE(m_upstream->requests().size(), 1);

    client->send(cancel(QStringLiteral("r")));
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 1);
    const MonitorRequestFinished finished
        = monitor.ofType(FeedType::RequestFinished).first().requestFinished;
    QCOMPARE(finished.requestId, QStringLiteral("r"));
    QCOMPARE(finished.outcome, MonitorOutcome::Cancelled);
    QCOMPARE(finished.eventsRelayed, 1);
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)), QString());
    QCOMPARE(monitor.count(FeedType::RequestConnected), 1);
}

// Each request's URL is redacted in its row; an error is scrubbed of the secrets of the request
// it ends, even when another request started after it (docs/MONITOR.md §7).
void TestMonitorRequestsLive::requestsHideCredentials()
{
    startProxy();
    hold("/events");
    QPointer<TestUpstream::Exchange> denied; // answered when the test says
    m_upstream->route(
        "/denied", [&denied](TestUpstream::Exchange *exchange) { denied = exchange; });
    FeedRecorder monitor;
    QVERIFY(monitor.open(monitorUrl()));
    TestClient *client = connectClient();
    client->send(request(QStringLiteral("denied"), QStringLiteral("/denied?api_key=SECRET-9&x=1")));
    QTRY_VERIFY(denied);
    client->send(request(QStringLiteral("later"), QStringLiteral("/events?access_token=SECRET-8")));
    QTRY_COMPARE(client->count(MessageType::Connected), 1);
    QTRY_COMPARE(requestsOf(monitor.lastUpdate(1)),
        QStringLiteral("denied connecting 0 0 1 | later streaming 200 0 1"));
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_upstream->port());
    QCOMPARE(monitor.lastUpdate(1)->requests.at(0).url,
        base + QStringLiteral("/denied?api_key=[redacted]&x=1"));
    QCOMPARE(monitor.lastUpdate(1)->requests.at(1).url,
        base + QStringLiteral("/events?access_token=[redacted]"));

    const QByteArray body = "key SECRET-9 is not valid\n";
    denied->writeHead(403,
        { { "Content-Type", "text/plain" }, { "Content-Length", QByteArray::number(body.size()) } },
        "Forbidden");
    denied->write(body);
    denied->end();
    QTRY_COMPARE(
        client->sequenceOf(QStringLiteral("denied")), QStringLiteral("connected,error,closed"));
    const QString clientError = client->ofType(MessageType::Error).first().text;
    QVERIFY2(clientError.contains(QStringLiteral("SECRET-9")), qPrintable(clientError));
    QTRY_COMPARE(monitor.count(FeedType::RequestFinished), 1);
    const QString shown
        = QString(clientError).replace(QStringLiteral("SECRET-9"), QStringLiteral("[redacted]"));
    QCOMPARE(monitor.ofType(FeedType::RequestFinished).first().requestFinished.error, shown);
    QTRY_COMPARE(monitor.lastUpdate(1)->lastError, shown);
    QCOMPARE(requestsOf(monitor.lastUpdate(1)), QStringLiteral("later streaming 200 0 1"));

    client->socket().close();
    QTRY_COMPARE(monitor.count(FeedType::SessionClosed), 1);
    for (const QString &message : monitor.rawMessages())
        QVERIFY2(!message.contains(QStringLiteral("SECRET")), qPrintable(message));
}

// The scene in the window: a client opens two streams with ids on one socket; selected,
// its session shows two request rows that follow the streams live, then one after a cancel.
void TestMonitorRequestsLive::windowShowsRequestRows()
{
    startProxy();
    hold("/a");
    hold("/b");
    MonitorWindowOptions options;
    options.url = monitorUrl();
    options.rememberLayout = false; // never touch the user's settings
    options.programDir = QStringLiteral("/nonexistent-wssp-dir");
    MonitorWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(window.feed()->state(), MonitorFeedClient::State::Connected);

    TestClient *client = connectClient();
    client->send(request(QStringLiteral("a"), QStringLiteral("/a")));
    client->send(request(QStringLiteral("b"), QStringLiteral("/b")));
    const SessionTableModel *sessions = window.sessionModel();
    QTRY_COMPARE(sessions->rowOf(1), 0);
    QTRY_COMPARE(sessions->index(0, SessionTableModel::StateColumn).data().toString(),
        QStringLiteral("streaming (2 requests)"));
    window.selectSession(1);

    RequestTableModel *requests = window.detailPanel()->requestModel();
    QTableView *view = window.detailPanel()->requestView();
    QCOMPARE(view->model(), requests);
    const auto cell = [requests](const QString &id, int column) {
        const int row = requests->rowOf(id);
        return row < 0 ? QStringLiteral("<no row>")
                       : requests->index(row, column).data().toString();
    };
    QTRY_COMPARE(requests->rowCount(), 2);
    QCOMPARE(requests->sessionId(), 1);
    QCOMPARE(requests->rowOf(QStringLiteral("a")), 0);
    QCOMPARE(requests->rowOf(QStringLiteral("b")), 1);
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_upstream->port());
    for (const QString &id : { QStringLiteral("a"), QStringLiteral("b") }) {
        QCOMPARE(cell(id, RequestTableModel::IdColumn), id);
        QCOMPARE(cell(id, RequestTableModel::MethodColumn), QStringLiteral("GET"));
        QCOMPARE(cell(id, RequestTableModel::UrlColumn), base + u'/' + id);
        QTRY_COMPARE(cell(id, RequestTableModel::StateColumn), QStringLiteral("streaming"));
        QCOMPARE(cell(id, RequestTableModel::StatusColumn), QStringLiteral("200"));
        QCOMPARE(cell(id, RequestTableModel::AttemptsColumn), QStringLiteral("1"));
    }
    QCOMPARE(window.detailPanel()->requestLabel()->text(), QStringLiteral("Requests: 2 running"));

    // Live: b's events reach its row; a row the user selected stays selected.
    view->selectRow(requests->rowOf(QStringLiteral("b")));
    writeEvents(held("/b"), 3);
    QTRY_COMPARE(cell(QStringLiteral("b"), RequestTableModel::EventsColumn), QStringLiteral("3"));
    QCOMPARE(cell(QStringLiteral("a"), RequestTableModel::EventsColumn), QStringLiteral("0"));

    client->send(cancel(QStringLiteral("a")));
    QTRY_COMPARE(requests->rowCount(), 1);
    QCOMPARE(cell(QStringLiteral("b"), RequestTableModel::EventsColumn), QStringLiteral("3"));
    QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(view->selectionModel()
                 ->selectedRows()
                 .first()
                 .data(RequestTableModel::RequestIdRole)
                 .toString(),
        QStringLiteral("b"));
    QCOMPARE(window.detailPanel()->requestLabel()->text(), QStringLiteral("Requests: 1 running"));
    QTRY_COMPARE(sessions->index(0, SessionTableModel::StateColumn).data().toString(),
        QStringLiteral("streaming"));

    // The client leaves: the closed session runs nothing.
    client->socket().close();
    QTRY_COMPARE(sessions->index(0, SessionTableModel::StateColumn).data().toString(),
        QStringLiteral("closed"));
    QCOMPARE(requests->rowCount(), 0);
    QCOMPARE(
        window.detailPanel()->requestLabel()->text(), QStringLiteral("Requests: none running"));
}

QTEST_MAIN(TestMonitorRequestsLive)
#include "tst_monitorrequestslive.moc"
