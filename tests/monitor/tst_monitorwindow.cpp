#include "eventlogmodel.h"
#include "fakefeedserver.h"
#include "monitorwindow.h"
#include "processpanel.h"
#include "requesttablemodel.h"
#include "sessiondetailpanel.h"
#include "sessiontablemodel.h"

#include <QDateTime>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

// The main window, offscreen, against a fake feed server speaking the monitor protocol: what the
// sessions table and detail pane show, the subscription round trip, and reconnecting after the
// feed drops or was not there at all.
class TestMonitorWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsSnapshotAndLiveUpdates();
    void subscribesToSelectedSession();
    void showsSelectedSessionsRequests();
    void filterNarrowsTable();
    void reconnectsAfterDrop();
    void connectsOnceServerAppears();
    void sendsToken();
    void processPanelReportsMissingProgram();
    void prunedSessionIsNoLongerFollowed();
    void layoutIsRemembered();

private:
    static QStringList greeting(qint64 now);
    static MonitorWindowOptions options(const QUrl &url);
    static QString tableText(const MonitorWindow &window);
};

namespace {

MonitorSession makeSession(qint64 id, MonitorSession::State state, qint64 now)
{
    MonitorSession s;
    s.id = id;
    s.clientAddress = QStringLiteral("127.0.0.1:%1").arg(50000 + id);
    s.state = state;
    s.startedAt = now - 1000 * id;
    if (state != MonitorSession::State::Idle) {
        s.method = QStringLiteral("POST");
        s.url = QStringLiteral("http://localhost:8081/events?n=%1").arg(id);
        s.requestHeaders.insert(QStringLiteral("accept"), QStringLiteral("text/event-stream"));
    }
    if (state == MonitorSession::State::Streaming) {
        s.status = 200;
        s.responseHeaders.insert(
            QStringLiteral("content-type"), QStringLiteral("text/event-stream"));
        s.eventsRelayed = 10 * id;
    }
    return s;
}

MonitorTotals makeTotals(qint64 now, qint64 events, qint64 open)
{
    MonitorTotals t;
    t.time = now;
    t.sessionsOpen = open;
    t.sessionsOpened = open;
    t.eventsRelayed = events;
    return t;
}

} // namespace

QStringList TestMonitorWindow::greeting(qint64 now)
{
    MonitorHello hello;
    hello.proxyVersion = QStringLiteral("9.9.9");
    hello.startedAt = now - 60000;
    hello.serverTime = now;
    return { MonitorMessages::hello(hello),
        MonitorMessages::snapshot({ makeSession(1, MonitorSession::State::Idle, now),
                                      makeSession(2, MonitorSession::State::Streaming, now) },
            makeTotals(now, 20, 2)) };
}

MonitorWindowOptions TestMonitorWindow::options(const QUrl &url)
{
    MonitorWindowOptions o;
    o.url = url;
    o.rememberLayout = false; // never touch the user's settings
    o.reconnectInitialMs = 50;
    o.reconnectMaxMs = 200;
    o.programDir = QStringLiteral("/nonexistent-wssp-dir");
    return o;
}

// The table as shown (after sorting and filtering): "id client state status" per row.
QString TestMonitorWindow::tableText(const MonitorWindow &window)
{
    const QAbstractItemModel *model = window.sessionView()->model();
    QStringList rows;
    for (int r = 0; r < model->rowCount(); ++r) {
        auto cell = [&](int c) { return model->index(r, c).data().toString(); };
        rows.append(
            QStringList { cell(SessionTableModel::IdColumn), cell(SessionTableModel::ClientColumn),
                cell(SessionTableModel::StateColumn), cell(SessionTableModel::StatusColumn) }
                .join(u' ')
                .simplified());
    }
    return rows.join(QStringLiteral(" | "));
}

void TestMonitorWindow::showsSnapshotAndLiveUpdates()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(now));
    MonitorWindow window(options(server.url()));
    window.show();

    // Newest first: the table is sorted by id, descending.
    QTRY_COMPARE(tableText(window),
        QStringLiteral("2 127.0.0.1:50002 streaming 200 | 1 127.0.0.1:50001 idle"));
    QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("Connected")));
    QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("9.9.9")));
    QVERIFY(window.windowTitle().contains(QStringLiteral("9.9.9")));
    QCOMPARE(server.lastRequestPath(), QStringLiteral("/monitor"));

    server.send(MonitorMessages::sessionOpened(makeSession(3, MonitorSession::State::Idle, now)));
    MonitorSession closed = makeSession(1, MonitorSession::State::Closed, now);
    closed.finishedAt = now;
    server.send(MonitorMessages::sessionClosed(closed));
    MonitorTotals totals = makeTotals(now + 1000, 520, 2);
    totals.requestsWith(MonitorOutcome::Completed) = 4;
    server.send(MonitorMessages::totals(totals));

    QTRY_COMPARE(tableText(window),
        QStringLiteral(
            "3 127.0.0.1:50003 idle | 2 127.0.0.1:50002 streaming 200 | 1 127.0.0.1:50001 closed"));
    // The closed session is greyed.
    const QModelIndex closedIndex = window.sessionView()->model()->index(2, 0);
    QCOMPARE(closedIndex.data(SessionTableModel::ClosedRole).toBool(), true);
    QCOMPARE(closedIndex.data(Qt::ForegroundRole).value<QColor>(), QColor(Qt::gray));
    QTRY_VERIFY(window.totalsLabel()->text().contains(QStringLiteral("500/s")));
    QVERIFY2(window.totalsLabel()->text().contains(QStringLiteral("4 completed")),
        qPrintable(window.totalsLabel()->text()));
    QCOMPARE(window.history().eventRate().size(), 1);
    QCOMPARE(window.history().openSessions().size(), 2);
}

void TestMonitorWindow::subscribesToSelectedSession()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(now));
    MonitorWindow window(options(server.url()));
    window.show();
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);

    QSignalSpy received(&server, &FakeFeedServer::messageReceived);
    window.selectSession(2);
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.at(0).at(0).toString(), MonitorMessages::subscribe(2));
    QCOMPARE(window.detailPanel()->sessionId(), 2);
    QTRY_VERIFY(window.detailPanel()->headerTree()->topLevelItemCount() > 0);
    QCOMPARE(window.detailPanel()->headerTree()->topLevelItem(0)->text(1),
        QStringLiteral("POST http://localhost:8081/events?n=2"));

    MonitorSessionEvents events;
    events.sessionId = 2;
    events.history = true;
    for (int i = 0; i < 3; ++i) {
        MonitorEventRecord e;
        e.time = now + i;
        e.type = QStringLiteral("message");
        e.id = QStringLiteral("echo-%1").arg(i);
        e.data = QStringLiteral("payload %1").arg(i);
        e.dataLength = e.data.size();
        events.events.append(e);
    }
    server.send(MonitorMessages::sessionEvents(events));
    // Events of another session are not shown.
    MonitorSessionEvents other = events;
    other.sessionId = 1;
    server.send(MonitorMessages::sessionEvents(other));
    EventLogModel *log = window.detailPanel()->eventLog();
    QTRY_COMPARE(log->rowCount(), 3);
    QCOMPARE(log->index(2, EventLogModel::IdColumn).data().toString(), QStringLiteral("echo-2"));
    QCOMPARE(
        log->index(2, EventLogModel::DataColumn).data().toString(), QStringLiteral("payload 2"));

    // A live batch appends; a second history batch (after a resubscribe) replaces.
    events.history = false;
    events.events.resize(1);
    server.send(MonitorMessages::sessionEvents(events));
    QTRY_COMPARE(log->rowCount(), 4);

    // Selecting nothing unsubscribes.
    window.selectSession(0);
    QTRY_COMPARE(received.count(), 2);
    QCOMPARE(received.at(1).at(0).toString(), MonitorMessages::unsubscribe());
    QCOMPARE(window.detailPanel()->sessionId(), 0);
    QCOMPARE(log->rowCount(), 0);
}

// The detail pane's request rows follow the selected session: its full state (snapshot,
// session-updated) and the request-* messages in between.
void TestMonitorWindow::showsSelectedSessionsRequests()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    MonitorSession two = makeSession(2, MonitorSession::State::Streaming, now);
    MonitorRequest idless;
    idless.method = QStringLiteral("POST");
    idless.url = two.url;
    idless.state = MonitorRequest::State::Streaming;
    idless.status = 200;
    idless.eventsRelayed = 20;
    MonitorRequest prices = idless;
    prices.id = QStringLiteral("prices");
    prices.method = QStringLiteral("GET");
    prices.url = QStringLiteral("http://localhost:8081/prices?api_key=[redacted]");
    prices.state = MonitorRequest::State::Reconnecting;
    prices.attempts = 2;
    two.requests = { idless, prices };
    FakeFeedServer server;
    QVERIFY(server.listen());
    QStringList greet = greeting(now);
    greet[1] = MonitorMessages::snapshot(
        { makeSession(1, MonitorSession::State::Idle, now), two }, makeTotals(now, 20, 2));
    server.setGreeting(greet);
    MonitorWindow window(options(server.url()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(tableText(window),
        QStringLiteral("2 127.0.0.1:50002 streaming (2 requests) 200 | 1 127.0.0.1:50001 idle"));

    RequestTableModel *requests = window.detailPanel()->requestModel();
    QLabel *label = window.detailPanel()->requestLabel();
    QCOMPARE(requests->rowCount(), 0);
    QCOMPARE(label->text(), QStringLiteral("Requests: none running"));
    window.selectSession(2);
    QCOMPARE(requests->sessionId(), 2);
    QCOMPARE(requests->requests(), two.requests);
    QCOMPARE(label->text(), QStringLiteral("Requests: 2 running"));
    const QAbstractItemModel *shown = window.detailPanel()->requestView()->model();
    QCOMPARE(
        shown->index(0, RequestTableModel::IdColumn).data().toString(), QStringLiteral("(none)"));
    QCOMPARE(
        shown->index(1, RequestTableModel::IdColumn).data().toString(), QStringLiteral("prices"));
    QCOMPARE(shown->index(1, RequestTableModel::StateColumn).data().toString(),
        QStringLiteral("reconnecting"));
    QCOMPARE(
        shown->index(1, RequestTableModel::AttemptsColumn).data().toString(), QStringLiteral("2"));

    // prices is back and a third stream starts: the next update shows both changes.
    prices.state = MonitorRequest::State::Streaming;
    MonitorRequest news = prices;
    news.id = QStringLiteral("news");
    news.attempts = 1;
    news.state = MonitorRequest::State::Connecting;
    news.status = 0;
    two.requests = { idless, prices, news };
    server.send(MonitorMessages::sessionUpdated({ two }));
    QTRY_COMPARE(requests->rowCount(), 3);
    QCOMPARE(shown->index(1, RequestTableModel::StateColumn).data().toString(),
        QStringLiteral("streaming"));
    QCOMPARE(label->text(), QStringLiteral("Requests: 3 running"));

    // Between updates the request messages change the rows at once.
    MonitorRequestConnected connected { 2, now, 200, {}, QStringLiteral("news") };
    server.send(MonitorMessages::requestConnected(connected));
    QTRY_COMPARE(
        shown->index(2, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("200"));
    MonitorRequestFinished finished { 2, now, MonitorOutcome::Cancelled, {},
        QStringLiteral("cancelled by client"), 20, QString(), true };
    server.send(MonitorMessages::requestFinished(finished));
    QTRY_COMPARE(requests->rowCount(), 2);
    QCOMPARE(
        shown->index(0, RequestTableModel::IdColumn).data().toString(), QStringLiteral("prices"));

    // Another session: its own (none).
    window.selectSession(1);
    QCOMPARE(requests->sessionId(), 1);
    QCOMPARE(requests->rowCount(), 0);
    QCOMPARE(label->text(), QStringLiteral("Requests: none running"));
}

void TestMonitorWindow::filterNarrowsTable()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(now));
    MonitorWindow window(options(server.url()));
    window.show();
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);

    QTest::keyClicks(window.filterEdit(), QStringLiteral("STREAM"));
    QCOMPARE(tableText(window), QStringLiteral("2 127.0.0.1:50002 streaming 200"));
    window.filterEdit()->setText(QStringLiteral("n=2"));
    QCOMPARE(tableText(window), QStringLiteral("2 127.0.0.1:50002 streaming 200"));
    window.filterEdit()->setText(QStringLiteral("no such thing"));
    QCOMPARE(window.sessionView()->model()->rowCount(), 0);
    window.filterEdit()->clear();
    QCOMPARE(window.sessionView()->model()->rowCount(), 2);
}

void TestMonitorWindow::reconnectsAfterDrop()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(now));
    MonitorWindow window(options(server.url()));
    window.show();
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);
    window.selectSession(2);
    QTRY_COMPARE(server.received().size(), 1);

    QSignalSpy states(window.feed(), &MonitorFeedClient::stateChanged);
    server.dropCurrent();
    QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("Disconnected")));
    QVERIFY(window.connectionLabel()->styleSheet().contains(QStringLiteral("#c62828")));

    // The proxy restarted with one session: the table follows, and the subscription is renewed.
    MonitorHello hello;
    hello.proxyVersion = QStringLiteral("9.9.10");
    hello.serverTime = now;
    server.setGreeting({ MonitorMessages::hello(hello),
        MonitorMessages::snapshot(
            { makeSession(2, MonitorSession::State::Streaming, now) }, makeTotals(now, 0, 1)) });
    QTRY_COMPARE(server.connectionCount(), 2);
    QTRY_COMPARE(tableText(window), QStringLiteral("2 127.0.0.1:50002 streaming 200"));
    QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("9.9.10")));
    QVERIFY(window.connectionLabel()->styleSheet().contains(QStringLiteral("#2e7d32")));
    QTRY_COMPARE(server.received().size(), 2);
    QCOMPARE(server.received().at(1), MonitorMessages::subscribe(2));
    QCOMPARE(window.detailPanel()->sessionId(), 2);
    QVERIFY(states.count() >= 3); // Disconnected, Connecting, Connected
}

void TestMonitorWindow::connectsOnceServerAppears()
{
    // Find a free port, then leave it closed while the monitor starts.
    quint16 port = 0;
    {
        FakeFeedServer probe;
        QVERIFY(probe.listen());
        port = probe.port();
    }
    MonitorWindow window(options(QUrl(QStringLiteral("ws://127.0.0.1:%1/monitor").arg(port))));
    window.show();
    QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("Disconnected")));
    QCOMPARE(window.sessionView()->model()->rowCount(), 0);

    FakeFeedServer server;
    if (!server.listen(port))
        QFAIL("the probed port was taken meanwhile");
    server.setGreeting(greeting(QDateTime::currentMSecsSinceEpoch()));
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);
    QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("Connected")));
}

void TestMonitorWindow::sendsToken()
{
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(QDateTime::currentMSecsSinceEpoch()));
    MonitorWindowOptions o = options(server.url());
    o.token = QStringLiteral("s3cret");
    MonitorWindow window(o);
    QTRY_COMPARE(server.connectionCount(), 1);
    QCOMPARE(server.lastAuthorization(), QStringLiteral("Bearer s3cret"));
    QVERIFY(!window.windowTitle().contains(QStringLiteral("s3cret")));
}

void TestMonitorWindow::processPanelReportsMissingProgram()
{
    FakeFeedServer server;
    QVERIFY(server.listen());
    MonitorWindow window(options(server.url()));
    window.processPanel()->startServer();
    QVERIFY(!window.processPanel()->isServerRunning());
    QVERIFY(window.processPanel()->output()->toPlainText().contains(QStringLiteral("not found")));
}

void TestMonitorWindow::prunedSessionIsNoLongerFollowed()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FakeFeedServer server;
    QVERIFY(server.listen());
    server.setGreeting(greeting(now));
    MonitorWindowOptions o = options(server.url());
    o.pruneDelayMs = 100;
    o.tickIntervalMs = 50;
    MonitorWindow window(o);
    window.show();
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 2);
    window.selectSession(2);
    QTRY_COMPARE(server.received().size(), 1);

    MonitorSession closed = makeSession(2, MonitorSession::State::Closed, now);
    closed.finishedAt = now;
    server.send(MonitorMessages::sessionClosed(closed));
    QTRY_COMPARE(window.sessionView()->model()->rowCount(), 1);
    QTRY_COMPARE(server.received().size(), 2);
    QCOMPARE(server.received().at(1), MonitorMessages::unsubscribe());
    QCOMPARE(window.detailPanel()->sessionId(), 0);
    QCOMPARE(window.feed()->subscribedSession(), 0);
    // The remaining session was not picked up in its place.
    QTest::qWait(200); // bounded: proves a negative (no further subscribe is sent)
    QCOMPARE(server.received().size(), 2);
}

void TestMonitorWindow::layoutIsRemembered()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("wssp-test"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_monitorwindow"));

    FakeFeedServer server;
    QVERIFY(server.listen());
    MonitorWindowOptions o = options(server.url());
    o.rememberLayout = true;
    {
        MonitorWindow first(o);
        first.show();
        QVERIFY(QTest::qWaitForWindowExposed(&first));
        first.resize(900, 640);
        first.findChild<QDockWidget *>(QStringLiteral("chartsDock"))->hide();
        first.close();
    }
    QSettings settings;
    QVERIFY(settings.contains(QStringLiteral("window/geometry")));
    QVERIFY(settings.contains(QStringLiteral("window/state")));

    MonitorWindow second(o);
    second.show();
    QVERIFY(QTest::qWaitForWindowExposed(&second));
    QCOMPARE(second.size(), QSize(900, 640));
    QVERIFY(second.findChild<QDockWidget *>(QStringLiteral("chartsDock"))->isHidden());
    QVERIFY(!second.findChild<QDockWidget *>(QStringLiteral("processesDock"))->isHidden());
    second.close();
}

QTEST_MAIN(TestMonitorWindow)
#include "tst_monitorwindow.moc"
