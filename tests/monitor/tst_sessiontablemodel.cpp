#include "sessiontablemodel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

// SessionTableModel fed recorded monitor feeds: sessions open, update, close and are pruned on
// an injected clock; QAbstractItemModelTester checks every model notification on the way.
class TestSessionTableModel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void feeds_data();
    void feeds();
    void recordedFeedFile();
    void pruneAfterDelay();
    void lateUpdateDoesNotReviveClosedSession();
    void snapshotReplacesAfterHello();
    void sortRoleIsNumeric();
    void workerColumn();
    void requestsOfASession();
    void connectedOfAnotherRequestKeepsTheSessionsStatus();
    void durationUsesServerClock();
    void manySessionsThroughSortedProxy();

private:
    void feed(const QStringList &lines);
    QString describe() const;

    SessionTableModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
    qint64 m_now = 0;
};

namespace {

QString session(qint64 id, const char *state, const QString &extra = QString())
{
    return QStringLiteral(
        R"({"id":%1,"clientAddress":"127.0.0.1:%2","state":"%3","startedAt":1000%4})")
        .arg(id)
        .arg(50000 + id)
        .arg(QLatin1String(state), extra);
}

QString message(const char *type, const QString &payload)
{
    return QStringLiteral(R"({"type":"%1","payload":%2})").arg(QLatin1String(type), payload);
}

// `,"requests":[...]` for session(): one request per "id:state" (an empty id: the one without).
QString requests(const QStringList &idStates)
{
    QStringList items;
    for (const QString &idState : idStates) {
        items.append(
            QStringLiteral(
                R"({"id":"%1","method":"GET","url":"http:\/\/h\/%1","state":"%2","status":%3})")
                .arg(idState.section(u':', 0, 0), idState.section(u':', 1),
                    idState.endsWith(QStringLiteral(":connecting")) ? QStringLiteral("0")
                                                                    : QStringLiteral("200")));
    }
    return QStringLiteral(R"(,"requests":[%1])").arg(items.join(u','));
}

QString updated(const QString &sessionJson)
{
    return message("session-updated", QStringLiteral(R"({"sessions":[%1]})").arg(sessionJson));
}

} // namespace

void TestSessionTableModel::init()
{
    m_now = 5000000;
    m_model = new SessionTableModel(this);
    m_model->setClock([this] { return m_now; });
    m_tester = new QAbstractItemModelTester(
        m_model, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
}

void TestSessionTableModel::cleanup()
{
    delete m_tester;
    delete m_model;
    m_tester = nullptr;
    m_model = nullptr;
}

void TestSessionTableModel::feed(const QStringList &lines)
{
    for (const QString &line : lines) {
        QString error;
        const std::optional<MonitorMessage> m = MonitorMessage::parse(line, &error);
        QVERIFY2(m, qPrintable(error + QStringLiteral(" in ") + line));
        m_model->applyMessage(*m);
    }
}

// "id state status events error" per row, in model order, joined by " | ".
QString TestSessionTableModel::describe() const
{
    QStringList rows;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        auto cell = [&](int c) { return m_model->index(r, c).data().toString(); };
        QString row = cell(SessionTableModel::IdColumn) + u' '
            + cell(SessionTableModel::StateColumn) + u' ' + cell(SessionTableModel::StatusColumn)
            + u' ' + cell(SessionTableModel::EventsColumn);
        if (!cell(SessionTableModel::ErrorColumn).isEmpty())
            row += u' ' + cell(SessionTableModel::ErrorColumn);
        rows.append(row.simplified());
    }
    return rows.join(QStringLiteral(" | "));
}

// Each row is a recorded feed and the table it must leave behind.
void TestSessionTableModel::feeds_data()
{
    QTest::addColumn<QStringList>("lines");
    QTest::addColumn<QString>("table");

    QTest::newRow("empty snapshot") << QStringList {
        message("snapshot",
            QStringLiteral(
                R"({"sessions":[],"totals":{"time":1,"sessionsOpen":0,"sessionsOpened":0,"eventsRelayed":0,"bytesIn":0,"bytesOut":0,"requests":{}}})"))
    } << QString();
    QTest::newRow("open two") << QStringList { message("session-opened", session(1, "idle")),
        message("session-opened", session(2, "idle")) }
                              << QStringLiteral("1 idle 0 | 2 idle 0");
    QTest::newRow("request lifecycle") << QStringList {
        message("session-opened", session(4, "idle")),
        message("request-started",
            QStringLiteral(
                R"({"sessionId":4,"time":1,"method":"POST","url":"http:\/\/h/e","headers":{"accept":"text/event-stream"}})")),
        message("request-connected",
            QStringLiteral(R"({"sessionId":4,"time":2,"status":200,"headers":{}})")),
    } << QStringLiteral("4 streaming 200 0");
    QTest::newRow("update counters") << QStringList { message("session-opened", session(1, "idle")),
        message("session-updated",
            QStringLiteral(R"({"sessions":[%1]})")
                .arg(session(
                    1, "streaming", QStringLiteral(R"(,"status":200,"eventsRelayed":1234)")))) }
                                     << QStringLiteral("1 streaming 200 1,234");
    QTest::newRow("request failed keeps error") << QStringList {
        message("session-opened", session(5, "idle")),
        message("request-started",
            QStringLiteral(R"({"sessionId":5,"time":1,"method":"GET","url":"http:\/\/h/x"})")),
        message("request-finished",
            QStringLiteral(
                R"({"sessionId":5,"time":2,"outcome":"timeout","error":"no data for 5000 ms","reason":"timeout"})")),
    } << QStringLiteral("5 idle 0 no data for 5000 ms");
    QTest::newRow("update of unknown session adds it")
        << QStringList { message("session-updated",
               QStringLiteral(R"({"sessions":[%1,%2]})")
                   .arg(session(8, "idle"), session(9, "connecting"))) }
        << QStringLiteral("8 idle 0 | 9 connecting 0");
    QTest::newRow("request for unknown session ignored") << QStringList {
        message("request-connected", QStringLiteral(R"({"sessionId":77,"time":2,"status":200})"))
    } << QString();
    QTest::newRow("closed stays until pruned") << QStringList {
        message("session-opened", session(1, "idle")),
        message("session-closed", session(1, "closed", QStringLiteral(R"(,"finishedAt":2000)")))
    } << QStringLiteral("1 closed 0");
    QTest::newRow("requests side by side shown with state") << QStringList {
        updated(session(3, "streaming", requests({ ":streaming", "a:connecting", "b:streaming" })))
    } << QStringLiteral("3 streaming (3 requests) 0");
    QTest::newRow("requests and queue") << QStringList { updated(session(3, "streaming",
        requests({ ":streaming", "a:connecting" }) + QStringLiteral(R"(,"queued":1)"))) }
                                        << QStringLiteral("3 streaming (2 requests, +1 queued) 0");
    // Of two requests, the one that streams ends: the other still connects.
    QTest::newRow("one of two ends") << QStringList {
        updated(session(3, "streaming", requests({ "a:streaming", "b:connecting" }))),
        message("request-finished",
            QStringLiteral(
                R"({"sessionId":3,"time":2,"outcome":"cancelled","reason":"cancelled by client","requestId":"a"})")),
    } << QStringLiteral("3 connecting 0");
    // A second request with a running id is refused: the running one goes on.
    QTest::newRow("rejection of a running id") << QStringList {
        updated(session(3, "streaming", requests({ "a:streaming" }))),
        message("request-finished",
            QStringLiteral(
                R"({"sessionId":3,"time":2,"outcome":"rejected","reason":"rejected","error":"id \"a\" is already in use","requestId":"a","started":false})")),
    } << QStringLiteral("3 streaming 0 id \"a\" is already in use");
    // A new request beside one that streams leaves the session streaming.
    QTest::newRow("start beside a stream") << QStringList {
        updated(session(3, "streaming", requests({ "a:streaming" }))),
        message("request-started",
            QStringLiteral(
                R"({"sessionId":3,"time":1,"method":"GET","url":"http:\/\/h/b","requestId":"b"})")),
    } << QStringLiteral("3 streaming 0");
    QTest::newRow("queued shown with state") << QStringList {
        message("session-opened", session(3, "streaming", QStringLiteral(R"(,"queued":2)")))
    } << QStringLiteral("3 streaming (+2 queued) 0");
}

void TestSessionTableModel::feeds()
{
    QFETCH(QStringList, lines);
    QFETCH(QString, table);
    feed(lines);
    QCOMPARE(describe(), table);
}

void TestSessionTableModel::recordedFeedFile()
{
    QFile file(QStringLiteral(WSSP_MONITOR_FEEDS "/three-sessions.jsonl"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.errorString()));
    QStringList lines;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty())
            lines.append(line);
    }
    QCOMPARE(lines.size(), 11);
    QSignalSpy changed(m_model, &SessionTableModel::sessionChanged);
    feed(lines);
    QCOMPARE(
        describe(), QStringLiteral("1 closed 0 | 2 streaming 200 3 | 3 idle 0 connection refused"));
    QCOMPARE(m_model->openCount(), 2);
    QVERIFY(changed.count() >= 6);

    const MonitorSession *two = m_model->session(2);
    QVERIFY(two);
    QCOMPARE(two->clientAddress, QStringLiteral("[::1]:50002"));
    QCOMPARE(m_model->index(m_model->rowOf(2), SessionTableModel::UpstreamColumn).data().toString(),
        QStringLiteral("POST http://localhost:8081/events"));
    QCOMPARE(
        m_model->index(m_model->rowOf(1), 0).data(SessionTableModel::ClosedRole).toBool(), true);
    QCOMPARE(
        m_model->index(m_model->rowOf(2), 0).data(SessionTableModel::ClosedRole).toBool(), false);
    QVERIFY(m_model->index(m_model->rowOf(1), 0).data(Qt::ForegroundRole).isValid());
    QVERIFY(m_model->index(m_model->rowOf(2), SessionTableModel::StateColumn)
                .data(Qt::DecorationRole)
                .isValid());
}

void TestSessionTableModel::pruneAfterDelay()
{
    m_model->setPruneDelay(60000);
    feed({ message("session-opened", session(1, "idle")),
        message("session-opened", session(2, "idle")),
        message("session-opened", session(3, "idle")),
        message("session-opened", session(4, "idle")) });
    // Close 1 and 2 now, 4 a little later; 3 stays open.
    feed({ message("session-closed", session(1, "closed", QStringLiteral(R"(,"finishedAt":2000)"))),
        message("session-closed", session(2, "closed", QStringLiteral(R"(,"finishedAt":2000)"))) });
    m_now += 10000;
    feed({ message(
        "session-closed", session(4, "closed", QStringLiteral(R"(,"finishedAt":3000)"))) });

    QSignalSpy removed(m_model, &QAbstractItemModel::rowsRemoved);
    m_now += 49999;
    QCOMPARE(m_model->prune(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(m_model->rowCount(), 4);

    m_now += 1; // 60 s after 1 and 2 closed
    QCOMPARE(m_model->prune(), 2);
    QCOMPARE(removed.count(), 1); // one contiguous run, one notification
    QCOMPARE(describe(), QStringLiteral("3 idle 0 | 4 closed 0"));
    QCOMPARE(m_model->rowOf(3), 0);
    QCOMPARE(m_model->rowOf(1), -1);

    m_now += 10000;
    QCOMPARE(m_model->prune(), 1);
    QCOMPARE(describe(), QStringLiteral("3 idle 0"));
    QCOMPARE(m_model->prune(), 0);
    // The index still finds the survivor after rows before it went.
    feed({ message(
        "session-updated", QStringLiteral(R"({"sessions":[%1]})").arg(session(3, "connecting"))) });
    QCOMPARE(describe(), QStringLiteral("3 connecting 0"));
}

void TestSessionTableModel::lateUpdateDoesNotReviveClosedSession()
{
    feed({ message("session-opened", session(1, "idle")),
        message("session-closed", session(1, "closed", QStringLiteral(R"(,"finishedAt":2000)"))),
        message(
            "session-updated", QStringLiteral(R"({"sessions":[%1]})").arg(session(1, "streaming"))),
        message("request-started",
            QStringLiteral(R"({"sessionId":1,"time":1,"method":"GET","url":"http:\/\/h/"})")) });
    QCOMPARE(describe(), QStringLiteral("1 closed 0"));
}

void TestSessionTableModel::snapshotReplacesAfterHello()
{
    feed({ message("session-opened", session(1, "idle")),
        message("session-opened", session(2, "idle")) });
    QSignalSpy reset(m_model, &QAbstractItemModel::modelReset);
    // hello leaves the table alone (the selection survives a reconnect); the snapshot replaces it.
    feed({ QStringLiteral(
        R"({"type":"hello","payload":{"protocolVersion":1,"proxyVersion":"x","startedAt":1,"serverTime":5000000}})") });
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(reset.count(), 0);
    feed({ message("snapshot",
        QStringLiteral(
            R"({"sessions":[%1,%2],"totals":{"time":1,"sessionsOpen":2,"sessionsOpened":2,"eventsRelayed":0,"bytesIn":0,"bytesOut":0,"requests":{}}})")
            .arg(session(7, "streaming"), session(7, "idle"))) });
    QCOMPARE(reset.count(), 1);
    QCOMPARE(describe(), QStringLiteral("7 idle 0")); // a repeated id keeps the later entry
}

void TestSessionTableModel::workerColumn()
{
    // Which worker (event loop thread) serves a session; 0 when a proxy does not say (older
    // proxies, or proxy.workers 1).
    feed({ message("session-opened", session(1, "idle", QStringLiteral(R"(,"worker":0)"))),
        message("session-opened", session(2, "idle", QStringLiteral(R"(,"worker":1)"))),
        message("session-opened", session(3, "idle")) });
    QCOMPARE(m_model->headerData(SessionTableModel::WorkerColumn, Qt::Horizontal).toString(),
        QStringLiteral("Worker"));
    QCOMPARE(m_model->index(0, SessionTableModel::WorkerColumn).data().toInt(), 0);
    QCOMPARE(m_model->index(1, SessionTableModel::WorkerColumn).data().toInt(), 1);
    QCOMPARE(m_model->index(2, SessionTableModel::WorkerColumn).data().toInt(), 0);
    QCOMPARE(m_model->index(1, SessionTableModel::WorkerColumn)
                 .data(SessionTableModel::SortRole)
                 .toInt(),
        1);
}

// The rows of the request table: they come with the session's full state; the request-*
// messages change and end them at once, but add none (a proxy that sends no `requests` must
// not show rows that vanish at its next update).
void TestSessionTableModel::requestsOfASession()
{
    QSignalSpy changed(m_model, &SessionTableModel::sessionChanged);
    feed({ message("snapshot",
        QStringLiteral(
            R"({"sessions":[%1],"totals":{"time":1,"sessionsOpen":1,"sessionsOpened":1,"eventsRelayed":0,"bytesIn":0,"bytesOut":0,"requests":{}}})")
            .arg(session(4, "connecting", requests({ "a:connecting" })))) });
    const auto ids = [this] {
        QStringList result;
        for (const MonitorRequest &r : m_model->session(4)->requests)
            result.append(r.id + u':' + MonitorRequest::stateName(r.state) + u':'
                + QString::number(r.status));
        return result.join(u' ');
    };
    QCOMPARE(ids(), QStringLiteral("a:connecting:0"));

    feed({ message("request-started",
        QStringLiteral(
            R"({"sessionId":4,"time":1,"method":"GET","url":"http:\/\/h/b","requestId":"b"})")) });
    QCOMPARE(ids(), QStringLiteral("a:connecting:0")); // b comes with the next update
    feed({ message("request-connected",
        QStringLiteral(R"({"sessionId":4,"time":2,"status":200,"requestId":"a"})")) });
    QCOMPARE(ids(), QStringLiteral("a:streaming:200"));
    QCOMPARE(m_model->session(4)->state, MonitorSession::State::Streaming);
    feed({ updated(session(4, "streaming", requests({ "a:streaming", "b:connecting" }))) });
    QCOMPARE(ids(), QStringLiteral("a:streaming:200 b:connecting:0"));

    // A rejection with b's id ends nothing; b's own end does.
    feed({ message("request-finished",
        QStringLiteral(
            R"({"sessionId":4,"time":3,"outcome":"rejected","reason":"r","requestId":"b","started":false})")) });
    QCOMPARE(ids(), QStringLiteral("a:streaming:200 b:connecting:0"));
    feed({ message("request-finished",
        QStringLiteral(
            R"({"sessionId":4,"time":3,"outcome":"upstream-error","reason":"r","requestId":"b"})")) });
    QCOMPARE(ids(), QStringLiteral("a:streaming:200"));
    QCOMPARE(m_model->session(4)->state, MonitorSession::State::Streaming);
    feed({ message("request-finished",
        QStringLiteral(
            R"({"sessionId":4,"time":4,"outcome":"completed","reason":"r","requestId":"a"})")) });
    QCOMPARE(ids(), QString());
    QCOMPARE(m_model->session(4)->state, MonitorSession::State::Idle);

    // A message about a request the table does not know changes no row.
    feed({ message("request-connected",
        QStringLiteral(R"({"sessionId":4,"time":5,"status":200,"requestId":"zz"})")) });
    QCOMPARE(ids(), QString());
    QCOMPARE(changed.count(), 8); // the snapshot and every message after it
}

// The session's own status and response headers are those of the request started last.
void TestSessionTableModel::connectedOfAnotherRequestKeepsTheSessionsStatus()
{
    feed({ updated(session(4, "streaming", requests({ "a:connecting" }))),
        message("request-started",
            QStringLiteral(
                R"({"sessionId":4,"time":1,"method":"GET","url":"http:\/\/h/b","requestId":"b"})")),
        message("request-connected",
            QStringLiteral(
                R"({"sessionId":4,"time":2,"status":503,"headers":{"x":"a"},"requestId":"a"})")) });
    QCOMPARE(m_model->session(4)->status, 0);
    QCOMPARE(m_model->session(4)->responseHeaders.size(), 0);
    QCOMPARE(m_model->session(4)->requests.at(0).status, 503);
    feed({ message("request-connected",
        QStringLiteral(
            R"({"sessionId":4,"time":3,"status":200,"headers":{"x":"b"},"requestId":"b"})")) });
    QCOMPARE(m_model->session(4)->status, 200);
    QCOMPARE(m_model->session(4)->responseHeaders.value(QStringLiteral("x")), QStringLiteral("b"));
}

void TestSessionTableModel::sortRoleIsNumeric()
{
    feed({ message("session-opened", session(1, "idle", QStringLiteral(R"(,"eventsRelayed":900)"))),
        message(
            "session-opened", session(2, "idle", QStringLiteral(R"(,"eventsRelayed":10000)"))) });
    const QVariant a
        = m_model->index(0, SessionTableModel::EventsColumn).data(SessionTableModel::SortRole);
    const QVariant b
        = m_model->index(1, SessionTableModel::EventsColumn).data(SessionTableModel::SortRole);
    QVERIFY(a.toLongLong() < b.toLongLong());
    QCOMPARE(a.typeId(), QMetaType::LongLong);
    QCOMPARE(m_model->index(1, SessionTableModel::EventsColumn).data().toString(),
        QStringLiteral("10,000"));
}

void TestSessionTableModel::durationUsesServerClock()
{
    // The proxy's clock runs 100 s ahead of ours; a session it started 3 s ago is 3 s old.
    feed(
        { QStringLiteral(
              R"({"type":"hello","payload":{"protocolVersion":1,"proxyVersion":"x","startedAt":1,"serverTime":%1}})")
                .arg(m_now + 100000),
            message("session-opened",
                QStringLiteral(R"({"id":1,"state":"idle","startedAt":%1})").arg(m_now + 97000)) });
    QCOMPARE(m_model->index(0, SessionTableModel::DurationColumn).data().toString(),
        QStringLiteral("3.0 s"));
    QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
    m_now += 62000;
    m_model->refreshDurations();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_model->index(0, SessionTableModel::DurationColumn).data().toString(),
        QStringLiteral("1:05"));
    QCOMPARE(SessionTableModel::formatDuration(3723000), QStringLiteral("1:02:03"));
}

// 5,000 sessions, all updated ten times (ten session-updated batches of 5,000) behind a proxy
// model sorted by event count, as the window uses it: bounded in time.
void TestSessionTableModel::manySessionsThroughSortedProxy()
{
    delete m_tester; // the tester's per-change checks would dominate the measurement
    m_tester = nullptr;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(m_model);
    proxy.setSortRole(SessionTableModel::SortRole);
    proxy.setDynamicSortFilter(true);
    proxy.sort(SessionTableModel::EventsColumn, Qt::DescendingOrder);

    QList<MonitorSession> sessions;
    for (int i = 1; i <= 5000; ++i) {
        MonitorSession s;
        s.id = i;
        s.state = MonitorSession::State::Streaming;
        s.startedAt = 1000;
        sessions.append(s);
    }
    MonitorMessage snapshot;
    snapshot.type = MonitorMessage::Type::Snapshot;
    snapshot.sessions = sessions;
    m_model->applyMessage(snapshot);

    QElapsedTimer timer;
    timer.start();
    for (int round = 1; round <= 10; ++round) {
        MonitorMessage update;
        update.type = MonitorMessage::Type::SessionUpdated;
        for (MonitorSession &s : sessions)
            s.eventsRelayed += (s.id * 7919 + round * 104729) % 1000;
        update.sessions = sessions;
        m_model->applyMessage(update);
    }
    const qint64 elapsed = timer.elapsed();
    qInfo("10 updates of 5,000 sessions through a sorted proxy: %lld ms", elapsed);
    QCOMPARE(proxy.rowCount(), 5000);
    const qint64 top = proxy.index(0, 0).data(SessionTableModel::SessionIdRole).toLongLong();
    for (const MonitorSession &s : std::as_const(sessions))
        QVERIFY(m_model->session(top)->eventsRelayed >= s.eventsRelayed);
    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed)));
}

QTEST_GUILESS_MAIN(TestSessionTableModel)
#include "tst_sessiontablemodel.moc"
