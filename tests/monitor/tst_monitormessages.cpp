#include "monitormessages.h"

#include <QJsonDocument>
#include <QTest>

// The monitor feed codec (docs/MONITOR.md): every message survives encode -> parse unchanged,
// and every malformed message is refused with an error naming the field.
class TestMonitorMessages : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void rejects_data();
    void rejects();
    void defaultsForOptionalFields();
    void headersJoinRepeats();
    void outcomeNames();
    void settingsSummaryHidesToken();
    void settingsSummaryNeverShowsTokens_data();
    void settingsSummaryNeverShowsTokens();

private:
    static MonitorSession sampleSession();
    static MonitorTotals sampleTotals();
};

Q_DECLARE_METATYPE(MonitorMessage::Type)

MonitorSession TestMonitorMessages::sampleSession()
{
    MonitorSession s;
    s.id = 7;
    s.worker = 1;
    s.clientAddress = QStringLiteral("[::1]:54012");
    s.state = MonitorSession::State::Streaming;
    s.method = QStringLiteral("POST");
    s.url = QStringLiteral("http://localhost:8081/events");
    s.requestHeaders.insert(QStringLiteral("accept"), QStringLiteral("text/event-stream"));
    s.status = 200;
    s.responseHeaders.insert(QStringLiteral("content-type"), QStringLiteral("text/event-stream"));
    s.eventsRelayed = 42;
    s.bytesIn = 9120;
    s.bytesOut = 11800;
    s.requestsHandled = 1;
    s.queued = 2;
    s.startedAt = 1763705040123;
    s.finishedAt = 0;
    s.lastError = QStringLiteral("upstream answered 503 \"Service Unavailable\"");
    MonitorRequest idless;
    idless.method = QStringLiteral("POST");
    idless.url = s.url;
    idless.state = MonitorRequest::State::Streaming;
    idless.status = 200;
    idless.eventsRelayed = 40;
    MonitorRequest prices;
    prices.id = QStringLiteral("prices");
    prices.method = QStringLiteral("GET");
    prices.url = QStringLiteral("http://localhost:8081/prices?api_key=[redacted]");
    prices.state = MonitorRequest::State::Reconnecting;
    prices.status = 200;
    prices.eventsRelayed = 2;
    prices.attempts = 3;
    MonitorRequest news;
    news.id = QStringLiteral("news \"eu\"");
    news.method = QStringLiteral("GET");
    news.url = QStringLiteral("http://localhost:8081/news");
    s.requests = { idless, prices, news };
    return s;
}

MonitorTotals TestMonitorMessages::sampleTotals()
{
    MonitorTotals t;
    t.time = 1763705041000;
    t.sessionsOpen = 3;
    t.sessionsOpened = 12;
    t.requestsActive = 2;
    t.eventsRelayed = 5120;
    t.bytesIn = 1048576;
    t.bytesOut = qint64(1) << 40; // beyond 32 bits
    for (int i = 0; i < monitorOutcomeCount; ++i)
        t.requests[size_t(i)] = i * 3;
    return t;
}

// Happy rows: each message type, encoded by MonitorMessages and decoded back, compares equal
// field by field to what was encoded.
void TestMonitorMessages::roundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<MonitorMessage::Type>("type");

    MonitorHello hello;
    hello.proxyVersion = QStringLiteral("0.1.0");
    hello.startedAt = 1763705000000;
    hello.serverTime = 1763705040000;
    hello.settings.insert(QStringLiteral("proxy.port"), 3001);
    QTest::newRow("hello") << MonitorMessages::hello(hello) << MonitorMessage::Type::Hello;

    MonitorSession closed = sampleSession();
    closed.id = 8;
    closed.state = MonitorSession::State::Closed;
    closed.finishedAt = closed.startedAt + 5000;
    closed.requests.clear();
    QTest::newRow("snapshot") << MonitorMessages::snapshot({ sampleSession(), closed },
        sampleTotals()) << MonitorMessage::Type::Snapshot;
    QTest::newRow("snapshot empty")
        << MonitorMessages::snapshot({}, MonitorTotals()) << MonitorMessage::Type::Snapshot;
    QTest::newRow("session-opened")
        << MonitorMessages::sessionOpened(sampleSession()) << MonitorMessage::Type::SessionOpened;
    QTest::newRow("session-updated") << MonitorMessages::sessionUpdated({ sampleSession(), closed })
                                     << MonitorMessage::Type::SessionUpdated;
    QTest::newRow("session-closed")
        << MonitorMessages::sessionClosed(closed) << MonitorMessage::Type::SessionClosed;

    MonitorRequestStarted started;
    started.sessionId = 7;
    started.time = 1763705043000;
    started.method = QStringLiteral("GET");
    started.url = QStringLiteral("https://[::1]:8443/events?message=h%C3%A9");
    started.headers.insert(QStringLiteral("last-event-id"), QStringLiteral("é-42"));
    QTest::newRow("request-started")
        << MonitorMessages::requestStarted(started) << MonitorMessage::Type::RequestStarted;
    started.requestId = QStringLiteral("prices");
    QTest::newRow("request-started with id")
        << MonitorMessages::requestStarted(started) << MonitorMessage::Type::RequestStarted;

    MonitorRequestConnected connected;
    connected.sessionId = 7;
    connected.time = 1763705043010;
    connected.status = 503;
    QTest::newRow("request-connected")
        << MonitorMessages::requestConnected(connected) << MonitorMessage::Type::RequestConnected;
    connected.requestId = QStringLiteral("prices");
    QTest::newRow("request-connected with id")
        << MonitorMessages::requestConnected(connected) << MonitorMessage::Type::RequestConnected;

    MonitorRequestFinished finished;
    finished.sessionId = 7;
    finished.time = 1763705046020;
    finished.outcome = MonitorOutcome::Stalled;
    finished.error = QStringLiteral("client not reading");
    finished.reason = QStringLiteral("client not reading");
    finished.eventsRelayed = 99;
    QTest::newRow("request-finished")
        << MonitorMessages::requestFinished(finished) << MonitorMessage::Type::RequestFinished;
    finished.requestId = QStringLiteral("prices");
    QTest::newRow("request-finished with id")
        << MonitorMessages::requestFinished(finished) << MonitorMessage::Type::RequestFinished;
    finished.eventsRelayed = 0;
    finished.started = false;
    QTest::newRow("request-finished never started")
        << MonitorMessages::requestFinished(finished) << MonitorMessage::Type::RequestFinished;

    QTest::newRow("totals") << MonitorMessages::totals(sampleTotals())
                            << MonitorMessage::Type::Totals;

    MonitorSessionEvents events;
    events.sessionId = 7;
    events.history = true;
    events.skipped = 17;
    MonitorEventRecord e;
    e.time = 1763705041234;
    e.type = QStringLiteral("message");
    e.id = QStringLiteral("echo-1");
    e.data = QStringLiteral("line 1\nline 2 \"quoted\" \u2603");
    e.dataLength = e.data.size();
    events.events.append(e);
    e.truncated = true;
    e.id.clear();
    e.requestId = QStringLiteral("prices");
    e.dataLength = 100000;
    events.events.append(e);
    QTest::newRow("session-events")
        << MonitorMessages::sessionEvents(events) << MonitorMessage::Type::SessionEvents;

    QTest::newRow("error") << MonitorMessages::error(QStringLiteral("subscribe: no session 9"))
                           << MonitorMessage::Type::Error;
    QTest::newRow("pong") << MonitorMessages::pong() << MonitorMessage::Type::Pong;
    QTest::newRow("subscribe") << MonitorMessages::subscribe(9007199254740991)
                               << MonitorMessage::Type::Subscribe;
    QTest::newRow("unsubscribe") << MonitorMessages::unsubscribe()
                                 << MonitorMessage::Type::Unsubscribe;
    QTest::newRow("ping") << MonitorMessages::ping() << MonitorMessage::Type::Ping;
}

void TestMonitorMessages::roundTrip()
{
    QFETCH(QString, text);
    QFETCH(MonitorMessage::Type, type);

    QString error;
    const std::optional<MonitorMessage> m = MonitorMessage::parse(text, &error);
    QVERIFY2(m, qPrintable(error));
    QVERIFY(error.isEmpty());
    QCOMPARE(m->type, type);
    QCOMPARE(MonitorMessage::typeName(type),
        QString::fromUtf8(QTest::currentDataTag()).section(u' ', 0, 0));

    // Re-encoding the decoded message gives the same JSON: nothing was lost or invented.
    QString again;
    switch (type) {
    case MonitorMessage::Type::Hello:
        again = MonitorMessages::hello(m->hello);
        QCOMPARE(m->hello.protocolVersion, MonitorMessages::protocolVersion);
        break;
    case MonitorMessage::Type::Snapshot:
        again = MonitorMessages::snapshot(m->sessions, m->totals);
        break;
    case MonitorMessage::Type::SessionOpened:
        again = MonitorMessages::sessionOpened(m->session);
        QCOMPARE(m->session, sampleSession());
        QCOMPARE(m->session.requests.size(), 3);
        QCOMPARE(m->session.requests.at(1).state, MonitorRequest::State::Reconnecting);
        QCOMPARE(m->session.requests.at(2).id, QStringLiteral("news \"eu\""));
        break;
    case MonitorMessage::Type::SessionUpdated:
        again = MonitorMessages::sessionUpdated(m->sessions);
        QCOMPARE(m->sessions.size(), 2);
        QCOMPARE(m->sessions.at(0), sampleSession());
        QCOMPARE(m->sessions.at(1).state, MonitorSession::State::Closed);
        break;
    case MonitorMessage::Type::SessionClosed:
        again = MonitorMessages::sessionClosed(m->session);
        break;
    case MonitorMessage::Type::RequestStarted:
        again = MonitorMessages::requestStarted(m->requestStarted);
        QCOMPARE(m->requestStarted.requestId.isEmpty(), !text.contains(QStringLiteral("prices")));
        break;
    case MonitorMessage::Type::RequestConnected:
        again = MonitorMessages::requestConnected(m->requestConnected);
        QCOMPARE(m->requestConnected.requestId.isEmpty(), !text.contains(QStringLiteral("prices")));
        break;
    case MonitorMessage::Type::RequestFinished:
        again = MonitorMessages::requestFinished(m->requestFinished);
        QCOMPARE(m->requestFinished.outcome, MonitorOutcome::Stalled);
        QCOMPARE(m->requestFinished.requestId.isEmpty(), !text.contains(QStringLiteral("prices")));
        QCOMPARE(m->requestFinished.started, !text.contains(QStringLiteral("\"started\":false")));
        break;
    case MonitorMessage::Type::Totals:
        again = MonitorMessages::totals(m->totals);
        QCOMPARE(m->totals, sampleTotals());
        QCOMPARE(m->totals.requestsWith(MonitorOutcome::Cancelled), 12);
        break;
    case MonitorMessage::Type::SessionEvents:
        again = MonitorMessages::sessionEvents(m->sessionEvents);
        QCOMPARE(m->sessionEvents.events.size(), 2);
        QCOMPARE(m->sessionEvents.events.at(1).truncated, true);
        QCOMPARE(m->sessionEvents.events.at(0).truncated, false);
        break;
    case MonitorMessage::Type::Error:
        again = MonitorMessages::error(m->message);
        break;
    case MonitorMessage::Type::Pong:
        again = MonitorMessages::pong();
        break;
    case MonitorMessage::Type::Subscribe:
        again = MonitorMessages::subscribe(m->sessionId);
        QCOMPARE(m->sessionId, Q_INT64_C(9007199254740991));
        break;
    case MonitorMessage::Type::Unsubscribe:
        again = MonitorMessages::unsubscribe();
        break;
    case MonitorMessage::Type::Ping:
        again = MonitorMessages::ping();
        break;
    }
    QCOMPARE(again, text);
}

// Rainy rows: malformed JSON, wrong shapes and wrong field types; the error says what and where.
void TestMonitorMessages::rejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");

    const QString session
        = QString::fromUtf8(QJsonDocument(sampleSession().toJson()).toJson(QJsonDocument::Compact));
    auto withSession = [&session](const QString &from, const QString &to) {
        QString s = session;
        s.replace(from, to);
        return s;
    };

    QTest::newRow("not json") << QStringLiteral(
        "{") << QStringLiteral("message is not JSON: unterminated object at offset 1");
    QTest::newRow("array") << QStringLiteral("[]")
                           << QStringLiteral("message must be a JSON object, got an array");
    QTest::newRow("scalar") << QStringLiteral("42")
                            << QStringLiteral("message must be a JSON object, got a scalar");
    QTest::newRow("no type") << QStringLiteral(R"({"payload":{}})")
                             << QStringLiteral("type: missing");
    QTest::newRow("type number") << QStringLiteral(R"({"type":3})")
                                 << QStringLiteral("type: must be a string");
    QTest::newRow("unknown type") << QStringLiteral(R"({"type":"hullo","payload":{}})")
                                  << QStringLiteral("type: unknown message type \"hullo\"");
    QTest::newRow("payload array") << QStringLiteral(R"({"type":"totals","payload":[]})")
                                   << QStringLiteral("payload: must be an object");
    QTest::newRow("payload missing")
        << QStringLiteral(R"({"type":"totals"})") << QStringLiteral("payload: missing");
    QTest::newRow("hello version 0") << QStringLiteral(
        R"({"type":"hello","payload":{"protocolVersion":0,"proxyVersion":"1","startedAt":1,"serverTime":1}})")
                                     << QStringLiteral("payload.protocolVersion: must be an "
                                                       "integer from 1 to 1073741824");
    QTest::newRow("hello settings string") << QStringLiteral(
        R"({"type":"hello","payload":{"protocolVersion":1,"proxyVersion":"1","startedAt":1,"serverTime":1,"settings":"x"}})")
                                           << QStringLiteral("payload.settings: must be an object");
    QTest::newRow("session bad state")
        << QStringLiteral(R"({"type":"session-updated","payload":{"sessions":[%1]}})")
               .arg(withSession(QStringLiteral("\"streaming\""), QStringLiteral("\"open\"")))
        << QStringLiteral("payload.sessions[0].state: unknown state \"open\"");
    QTest::newRow("second session not object")
        << QStringLiteral(R"({"type":"session-updated","payload":{"sessions":[%1,7]}})")
               .arg(session)
        << QStringLiteral("payload.sessions[1]: must be an object");
    QTest::newRow("sessions not array")
        << QStringLiteral(R"({"type":"session-updated","payload":{"sessions":{}}})")
        << QStringLiteral("payload.sessions: must be an array");
    QTest::newRow("session negative bytes")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(
                   QStringLiteral("\"bytesIn\":9120"), QStringLiteral("\"bytesIn\":-1")))
        << QStringLiteral("payload.bytesIn: must be a non-negative integer");
    QTest::newRow("session fractional events")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(
                   QStringLiteral("\"eventsRelayed\":42"), QStringLiteral("\"eventsRelayed\":4.5")))
        << QStringLiteral("payload.eventsRelayed: must be a non-negative integer");
    QTest::newRow("session id string")
        << QStringLiteral(R"({"type":"session-closed","payload":%1})")
               .arg(withSession(QStringLiteral("\"id\":7"), QStringLiteral("\"id\":\"7\"")))
        << QStringLiteral("payload.id: must be an integer of at least 1");
    QTest::newRow("session header number")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(QStringLiteral("\"text/event-stream\"}"), QStringLiteral("5}")))
        << QStringLiteral("payload.requestHeaders.accept: must be a string");
    QTest::newRow("request bad state")
        << QStringLiteral(R"({"type":"session-updated","payload":{"sessions":[%1]}})")
               .arg(withSession(QStringLiteral("\"reconnecting\""), QStringLiteral("\"waiting\"")))
        << QStringLiteral("payload.sessions[0].requests[1].state: unknown state \"waiting\"");
    QTest::newRow("request closed state")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(QStringLiteral("\"reconnecting\""), QStringLiteral("\"closed\"")))
        << QStringLiteral("payload.requests[1].state: unknown state \"closed\"");
    QTest::newRow("request no state") << QStringLiteral(
        R"({"type":"session-opened","payload":{"id":1,"state":"streaming","startedAt":1,"requests":[{"id":"a"}]}})")
                                      << QStringLiteral("payload.requests[0].state: missing");
    QTest::newRow("request zero attempts")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(QStringLiteral("\"attempts\":3"), QStringLiteral("\"attempts\":0")))
        << QStringLiteral("payload.requests[1].attempts: must be an integer from 1 to 1073741824");
    QTest::newRow("request negative events")
        << QStringLiteral(R"({"type":"session-closed","payload":%1})")
               .arg(withSession(
                   QStringLiteral("\"eventsRelayed\":40"), QStringLiteral("\"eventsRelayed\":-40")))
        << QStringLiteral("payload.requests[0].eventsRelayed: must be a non-negative integer");
    QTest::newRow("request id number")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(QStringLiteral("\"id\":\"prices\""), QStringLiteral("\"id\":7")))
        << QStringLiteral("payload.requests[1].id: must be a string");
    QTest::newRow("request status too big")
        << QStringLiteral(R"({"type":"session-opened","payload":%1})")
               .arg(withSession(
                   QStringLiteral("\"status\":0,\"url\":\"http://localhost:8081/news\""),
                   QStringLiteral("\"status\":1000,\"url\":\"http://localhost:8081/news\"")))
        << QStringLiteral("payload.requests[2].status: must be an integer from 0 to 999");
    QTest::newRow("requests not array") << QStringLiteral(
        R"({"type":"session-opened","payload":{"id":1,"state":"idle","startedAt":1,"requests":{}}})")
                                        << QStringLiteral("payload.requests: must be an array");
    QTest::newRow("request not object") << QStringLiteral(
        R"({"type":"session-opened","payload":{"id":1,"state":"idle","startedAt":1,"requests":["a"]}})")
                                        << QStringLiteral("payload.requests[0]: must be an object");
    QTest::newRow("session no startedAt")
        << QStringLiteral(R"({"type":"session-opened","payload":{"id":1,"state":"idle"}})")
        << QStringLiteral("payload.startedAt: missing");
    QTest::newRow("snapshot no totals")
        << QStringLiteral(R"({"type":"snapshot","payload":{"sessions":[]}})")
        << QStringLiteral("payload.totals: missing");
    QTest::newRow("snapshot totals bad") << QStringLiteral(
        R"({"type":"snapshot","payload":{"sessions":[],"totals":{"time":1,"sessionsOpen":true}}})")
                                         << QStringLiteral("payload.totals.sessionsOpen: must be a "
                                                           "non-negative integer");
    QTest::newRow("totals bad outcome count") << QStringLiteral(
        R"({"type":"totals","payload":{"time":1,"sessionsOpen":0,"sessionsOpened":0,"eventsRelayed":0,"bytesIn":0,"bytesOut":0,"requests":{"timeout":"2"}}})")
                                              << QStringLiteral("payload.requests.timeout: must be "
                                                                "a non-negative integer");
    QTest::newRow("request-finished bad outcome") << QStringLiteral(
        R"({"type":"request-finished","payload":{"sessionId":1,"time":1,"outcome":"done","reason":"x"}})")
                                                  << QStringLiteral("payload.outcome: unknown "
                                                                    "outcome \"done\"");
    QTest::newRow("request-finished no reason") << QStringLiteral(
        R"({"type":"request-finished","payload":{"sessionId":1,"time":1,"outcome":"completed"}})")
                                                << QStringLiteral("payload.reason: missing");
    QTest::newRow("request-connected status")
        << QStringLiteral(
               R"({"type":"request-connected","payload":{"sessionId":1,"time":1,"status":42}})")
        << QStringLiteral("payload.status: must be an integer from 100 to 999");
    QTest::newRow("request-started id number") << QStringLiteral(
        R"({"type":"request-started","payload":{"sessionId":1,"time":1,"method":"GET","url":"u","requestId":1}})")
                                               << QStringLiteral(
                                                      "payload.requestId: must be a string");
    QTest::newRow("request-connected id array") << QStringLiteral(
        R"({"type":"request-connected","payload":{"sessionId":1,"time":1,"status":200,"requestId":[]}})")
                                                << QStringLiteral(
                                                       "payload.requestId: must be a string");
    QTest::newRow("request-finished started string") << QStringLiteral(
        R"({"type":"request-finished","payload":{"sessionId":1,"time":1,"outcome":"rejected","reason":"x","started":"no"}})")
                                                     << QStringLiteral("payload.started: must be "
                                                                       "true or false");
    QTest::newRow("request-started no url") << QStringLiteral(
        R"({"type":"request-started","payload":{"sessionId":1,"time":1,"method":"GET"}})")
                                            << QStringLiteral("payload.url: missing");
    QTest::newRow("event data number") << QStringLiteral(
        R"({"type":"session-events","payload":{"sessionId":1,"events":[{"time":1,"type":"m","data":"a"},{"time":1,"type":"m","data":5}]}})")
                                       << QStringLiteral(
                                              "payload.events[1].data: must be a string");
    QTest::newRow("event truncated string") << QStringLiteral(
        R"({"type":"session-events","payload":{"sessionId":1,"events":[{"time":1,"type":"m","data":"a","truncated":"yes"}]}})")
                                            << QStringLiteral("payload.events[0].truncated: must "
                                                              "be true or false");
    QTest::newRow("event dataLength short") << QStringLiteral(
        R"({"type":"session-events","payload":{"sessionId":1,"events":[{"time":1,"type":"m","data":"abc","dataLength":2}]}})")
                                            << QStringLiteral(
                                                   "payload.events[0].dataLength: must not be less "
                                                   "than the length of data");
    QTest::newRow("subscribe zero")
        << QStringLiteral(R"({"type":"subscribe","payload":{"sessionId":0}})")
        << QStringLiteral("payload.sessionId: must be an integer of at least 1");
    QTest::newRow("subscribe too big")
        << QStringLiteral(R"({"type":"subscribe","payload":{"sessionId":1e300}})")
        << QStringLiteral("payload.sessionId: must be an integer of at least 1");
    QTest::newRow("error no message") << QStringLiteral(R"({"type":"error","payload":{}})")
                                      << QStringLiteral("payload.message: missing");
}

void TestMonitorMessages::rejects()
{
    QFETCH(QString, text);
    QFETCH(QString, error);

    QString actual;
    const std::optional<MonitorMessage> m = MonitorMessage::parse(text, &actual);
    QVERIFY(!m);
    QCOMPARE(actual, error);
    // Without an error pointer the decoder still refuses, and does not crash.
    QVERIFY(!MonitorMessage::parse(text, nullptr));
}

void TestMonitorMessages::defaultsForOptionalFields()
{
    QString error;
    std::optional<MonitorMessage> m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"session-opened","payload":{"id":3,"state":"idle","startedAt":5,"future":[1]}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->session.id, 3);
    QCOMPARE(m->session.status, 0);
    QCOMPARE(m->session.eventsRelayed, 0);
    QCOMPARE(m->session.requestHeaders.size(), 0);
    QCOMPARE(m->session.finishedAt, 0);
    QCOMPARE(m->session.requests.size(), 0); // an older proxy sends none

    // A request needs only its state: no id (the one without), one attempt.
    m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"session-updated","payload":{"sessions":[{"id":3,"state":"connecting","startedAt":5,"requests":[{"state":"connecting","future":1}]}]}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->sessions.at(0).requests.size(), 1);
    const MonitorRequest request = m->sessions.at(0).requests.at(0);
    QCOMPARE(request.id, QString());
    QCOMPARE(request.method, QString());
    QCOMPARE(request.url, QString());
    QCOMPARE(request.status, 0);
    QCOMPARE(request.eventsRelayed, 0);
    QCOMPARE(request.attempts, 1);

    // Request messages of an older proxy: no requestId (the one without), and every end
    // taken as one of a request that ran.
    m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"request-finished","payload":{"sessionId":1,"time":1,"outcome":"rejected","reason":"x"}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->requestFinished.requestId, QString());
    QCOMPARE(m->requestFinished.started, true);
    m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"request-connected","payload":{"sessionId":1,"time":1,"status":200,"requestId":null}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->requestConnected.requestId, QString());

    // Unknown outcomes in totals are ignored; missing ones count zero.
    m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"totals","payload":{"time":1,"sessionsOpen":0,"sessionsOpened":0,"eventsRelayed":0,"bytesIn":0,"bytesOut":0,"requests":{"completed":4,"exploded":9}}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->totals.requestsWith(MonitorOutcome::Completed), 4);
    QCOMPARE(m->totals.requestsWith(MonitorOutcome::Timeout), 0);

    // An event without dataLength takes the length of its data.
    m = MonitorMessage::parse(
        QStringLiteral(
            R"({"type":"session-events","payload":{"sessionId":1,"events":[{"time":1,"type":"m","data":"abc"}]}})"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->sessionEvents.events.at(0).dataLength, 3);
    QCOMPARE(m->sessionEvents.events.at(0).requestId, QString()); // an older proxy's
    QCOMPARE(m->sessionEvents.skipped, 0);
    QCOMPARE(m->sessionEvents.history, false);

    // ping, pong and unsubscribe may omit their payload.
    QVERIFY(MonitorMessage::parse(QStringLiteral(R"({"type":"ping"})"), &error));
    QVERIFY(
        MonitorMessage::parse(QStringLiteral(R"({"type":"unsubscribe","payload":null})"), &error));
}

void TestMonitorMessages::headersJoinRepeats()
{
    const HttpHeaderList raw = { { "Set-Cookie", "a=1" }, { "Content-Type", "text/event-stream" },
        { "set-cookie", "b=2" } };
    const MonitorHeaders h = monitorHeaders(raw);
    QCOMPARE(h.size(), 2);
    QCOMPARE(h.value(QStringLiteral("set-cookie")), QStringLiteral("a=1, b=2"));
    QCOMPARE(h.value(QStringLiteral("content-type")), QStringLiteral("text/event-stream"));
    QCOMPARE(monitorHeaders({}).size(), 0);
}

void TestMonitorMessages::outcomeNames()
{
    QStringList names;
    for (int i = 0; i < monitorOutcomeCount; ++i) {
        const QString name = monitorOutcomeName(MonitorOutcome(i));
        QCOMPARE(monitorOutcomeFromName(name), std::optional<MonitorOutcome>(MonitorOutcome(i)));
        names.append(name);
    }
    QCOMPARE(names.join(u','),
        QStringLiteral("completed,rejected,upstream-error,timeout,cancelled,shutdown,stalled"));
    QVERIFY(!monitorOutcomeFromName(u"Completed"));
    QVERIFY(!monitorOutcomeFromName(u""));
    QCOMPARE(MonitorSession::stateFromName(u"streaming"),
        std::optional<MonitorSession::State>(MonitorSession::State::Streaming));
    QVERIFY(!MonitorSession::stateFromName(u"open"));
    QStringList requestStates;
    for (auto state : { MonitorRequest::State::Connecting, MonitorRequest::State::Streaming,
             MonitorRequest::State::Reconnecting }) {
        QCOMPARE(MonitorRequest::stateFromName(MonitorRequest::stateName(state)),
            std::optional<MonitorRequest::State>(state));
        requestStates.append(MonitorRequest::stateName(state));
    }
    QCOMPARE(requestStates.join(u','), QStringLiteral("connecting,streaming,reconnecting"));
    QVERIFY(!MonitorRequest::stateFromName(u"idle"));
    QVERIFY(!MonitorRequest::stateFromName(u"closed"));
}

void TestMonitorMessages::settingsSummaryHidesToken()
{
    Settings settings;
    settings.proxy.port = 4000;
    settings.admin.token = QStringLiteral("s3cret-token");
    const QJsonObject summary = monitorSettingsSummary(settings);
    QCOMPARE(summary.value(u"proxy.port").toInt(), 4000);
    QCOMPARE(summary.value(u"proxy.path").toString(), QStringLiteral("/proxy"));
    QCOMPARE(summary.value(u"admin.tokenSet").toBool(), true);
    const QByteArray text = QJsonDocument(summary).toJson();
    QVERIFY(!text.contains("s3cret-token"));
    for (auto it = summary.begin(); it != summary.end(); ++it)
        QVERIFY2(!it.value().isObject() && !it.value().isArray(), qPrintable(it.key()));
    QCOMPARE(monitorSettingsSummary(Settings()).value(u"admin.tokenSet").toBool(), false);
}

void TestMonitorMessages::settingsSummaryNeverShowsTokens_data()
{
    QTest::addColumn<QString>("adminToken");
    QTest::addColumn<QStringList>("authTokens");
    QTest::addColumn<bool>("redact");
    const QString admin = QStringLiteral("admin-s3cret");
    const QStringList auth
        = { QStringLiteral("client-s3cret-1"), QStringLiteral("client-s3cret-2") };
    QTest::newRow("none") << QString() << QStringList() << true;
    QTest::newRow("admin.token") << admin << QStringList() << true;
    QTest::newRow("proxy.authTokens") << QString() << auth << true;
    QTest::newRow("both") << admin << auth << true;
    // admin.redact is about other clients' requests; the proxy's own tokens never show.
    QTest::newRow("both, redact off") << admin << auth << false;
}

void TestMonitorMessages::settingsSummaryNeverShowsTokens()
{
    QFETCH(QString, adminToken);
    QFETCH(QStringList, authTokens);
    QFETCH(bool, redact);
    Settings settings;
    settings.admin.token = adminToken;
    settings.proxy.authTokens = authTokens;
    settings.admin.redact = redact;
    const QJsonObject summary = monitorSettingsSummary(settings);
    QCOMPARE(summary.value(u"admin.tokenSet").toBool(), !adminToken.isEmpty());
    QCOMPARE(summary.value(u"proxy.authTokensSet").toBool(), !authTokens.isEmpty());
    QCOMPARE(summary.value(u"admin.redact").toBool(), redact);
    QVERIFY(!summary.contains(u"admin.token"));
    QVERIFY(!summary.contains(u"proxy.authTokens"));
    const QString text = MonitorMessages::hello({ 1, QStringLiteral("0.1.0"), 1, 2, summary });
    QVERIFY(!text.contains(QStringLiteral("s3cret")));
}

QTEST_GUILESS_MAIN(TestMonitorMessages)
#include "tst_monitormessages.moc"
