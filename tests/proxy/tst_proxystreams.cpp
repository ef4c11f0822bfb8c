// Several streams on one socket and streams that survive a broken upstream, through the whole
// proxy (docs/PROTOCOL.md §4): requests with ids run side by side, each message names its
// stream, cancel by id, duplicate ids and the per-socket limit, id-less requests keep their
// queue, and "reconnect" resumes from the last event ID across breaks without losing or
// repeating an event.

#include "eventdispatchermain.h"
#include "proxytestbase.h"

#include <QSignalSpy>

namespace {

QJsonObject withId(QJsonObject request, const QString &id)
{
    request[QStringLiteral("id")] = id;
    return request;
}

QJsonObject cancel(const QString &id)
{
    QJsonObject message { { QStringLiteral("type"), QStringLiteral("cancel") } };
    if (!id.isEmpty())
        message[QStringLiteral("id")] = id;
    return message;
}

// Head and one event, then silence: the stream stays open until someone ends it.
TestUpstream::Handler holding()
{
    return [](TestUpstream::Exchange *exchange) {
        exchange->writeHead(200, { { "Content-Type", "text/event-stream" } });
        exchange->write("id: " + exchange->request().target + "\ndata: first\n\n");
    };
}

// Events 1..total with their IDs, `batch` per response, each response broken off (a reset
// inside a chunked body) after its batch; a request with Last-Event-ID n resumes at n+1, and
// one past the end gets 204, which ends a reconnecting stream for good.
TestUpstream::Handler resumable(int total, int batch)
{
    return [total, batch](TestUpstream::Exchange *exchange) {
        const int after = exchange->request().header("Last-Event-ID").toInt();
        if (after >= total) {
            exchange->writeHead(204, {}, "No Content");
            exchange->end();
            return;
        }
        exchange->writeChunkedHead(200, { { "Content-Type", "text/event-stream" } });
        QByteArray body = "retry: 0\n";
        for (int n = after + 1; n <= qMin(after + batch, total); ++n)
            body += "id: " + QByteArray::number(n) + "\ndata: " + QByteArray::number(n) + "\n\n";
        exchange->write(body);
        exchange->reset();
    };
}

} // namespace

class TestProxyStreams : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void thirtyTwoStreamsOnOneSocket();
    void cancelByIdEndsOnlyThatStream();
    void duplicateIdIsRefused();
    void streamsPerSocketLimit();
    void rejectionNamesItsStream();
    void idlessRequestsKeepTheirQueue();
    void shutdownClosesEveryStream();
    void thousandEventsAcrossTenBreaks();
    void cancelDuringTheReconnectWait();
    void refusedUpstreamIsNotRetried();
};

// The issue's bar: 32 concurrent streams from one upstream host on one socket, all open at
// once (no per-host limit), each message with its id, every event in order.
void TestProxyStreams::thirtyTwoStreamsOnOneSocket()
{
    constexpr int streams = 32;
    constexpr int events = 50;
    QByteArray body;
    for (int n = 1; n <= events; ++n)
        body += "id: " + QByteArray::number(n) + "\ndata: " + QByteArray::number(n) + "\n\n";
    m_upstream->route("/hold", holding());
    startProxy();
    TestClient *client = connectClient();
    for (int i = 0; i < streams; ++i)
        client->send(withId(
            upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QString::number(i)));
    QTRY_COMPARE(client->count(MessageType::Connected), streams);
    QTRY_COMPARE(m_upstream->openConnections(), streams); // all at once, not six and a queue
    for (int i = 0; i < streams; ++i) {
        QTRY_COMPARE(client->sequenceOf(QString::number(i)), QStringLiteral("connected,sse-event"));
        client->send(cancel(QString::number(i)));
    }
    for (int i = 0; i < streams; ++i)
        QTRY_COMPARE(
            client->sequenceOf(QString::number(i)), QStringLiteral("connected,sse-event,closed"));

    // And 32 whole streams at once, each in order.
    m_upstream->route("/fifty", TestUpstream::sse(body));
    client->clear();
    for (int i = 0; i < streams; ++i)
        client->send(withId(upstreamRequest(m_upstream->port(), QStringLiteral("/fifty")),
            u's' + QString::number(i)));
    QTRY_COMPARE(client->count(MessageType::Closed), streams);
    for (int i = 0; i < streams; ++i) {
        const QString id = u's' + QString::number(i);
        const QList<SseEvent> received = client->eventsOf(id);
        QCOMPARE(received.size(), events);
        for (int n = 0; n < events; ++n)
            QCOMPARE(received.at(n).data, QString::number(n + 1));
        QVERIFY(client->sequenceOf(id).endsWith(QStringLiteral("sse-event,closed")));
    }
    QCOMPARE(client->sequenceOf(QString()), QString()); // nothing without an id
    QCOMPARE(client->decodeErrors(), 0);
}

void TestProxyStreams::cancelByIdEndsOnlyThatStream()
{
    m_upstream->route("/hold", holding());
    startProxy();
    TestClient *client = connectClient();
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("a")));
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("b")));
    QTRY_COMPARE(client->count(MessageType::SseEvent), 2);
    client->send(cancel(QStringLiteral("a")));
    QTRY_COMPARE(
        client->sequenceOf(QStringLiteral("a")), QStringLiteral("connected,sse-event,closed"));
    QCOMPARE(
        client->ofType(MessageType::Closed).first().text, QStringLiteral("cancelled by client"));
    QTRY_COMPARE(m_upstream->openConnections(), 1);
    // Cancelling an id that is gone, or never was, or without an id, changes nothing.
    client->send(cancel(QStringLiteral("a")));
    client->send(cancel(QStringLiteral("zzz")));
    client->send(cancel(QString()));
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("c")));
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("c")), QStringLiteral("connected,sse-event"));
    QCOMPARE(client->sequenceOf(QStringLiteral("b")), QStringLiteral("connected,sse-event"));
    QCOMPARE(client->count(MessageType::Closed), 1);
}

void TestProxyStreams::duplicateIdIsRefused()
{
    m_upstream->route("/hold", holding());
    startProxy();
    TestClient *client = connectClient();
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("x")));
    QTRY_COMPARE(client->count(MessageType::SseEvent), 1);
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("x")));
    QTRY_COMPARE(client->count(MessageType::Closed), 1);
    QCOMPARE(client->sequenceOf(QStringLiteral("x")),
        QStringLiteral("connected,sse-event,error,closed"));
    QCOMPARE(client->ofType(MessageType::Error).first().text,
        QStringLiteral("id \"x\" is already in use by a running request on this socket"));
    QCOMPARE(client->ofType(MessageType::Closed).first().text, QStringLiteral("request rejected"));
    QCOMPARE(m_upstream->requests().size(), 1);
    // The first one still runs, and its id is free again once it ends.
    client->send(cancel(QStringLiteral("x")));
    QTRY_COMPARE(client->count(MessageType::Closed), 2);
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("x")));
    QTRY_COMPARE(client->count(MessageType::SseEvent), 2);
}

// Attack row: one socket may not open streams without bound.
void TestProxyStreams::streamsPerSocketLimit()
{
    m_upstream->route("/hold", holding());
    Settings settings;
    settings.proxy.maxStreamsPerSocket = 2;
    startProxy(settings);
    TestClient *client = connectClient();
    for (const char *id : { "1", "2", "3" })
        client->send(withId(
            upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QString::fromLatin1(id)));
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("3")), QStringLiteral("error,closed"));
    QCOMPARE(client->ofType(MessageType::Error).first().text,
        QStringLiteral("too many streams: 2 requests with an id already run on this socket "
                       "(proxy.maxStreamsPerSocket)"));
    QTRY_COMPARE(client->count(MessageType::SseEvent), 2);
    QCOMPARE(m_upstream->requests().size(), 2);
    // Another socket has its own allowance.
    TestClient *other = connectClient();
    other->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("3")));
    QTRY_COMPARE(other->sequenceOf(QStringLiteral("3")), QStringLiteral("connected,sse-event"));
}

// A bad request that names a valid id is answered at once, as that stream; one without an id
// waits its turn behind the running id-less request, as before.
void TestProxyStreams::rejectionNamesItsStream()
{
    m_upstream->route("/hold", holding());
    startProxy();
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")));
    QTRY_COMPARE(client->count(MessageType::SseEvent), 1);
    QJsonObject bad = withId(
        upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("bad"));
    bad[QStringLiteral("port")] = 0;
    client->send(bad);
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("bad")), QStringLiteral("error,closed"));
    QCOMPARE(client->ofType(MessageType::Error).first().text,
        QStringLiteral("port: must be an integer from 1 to 65535"));
    client->sendText(QStringLiteral(R"({"id":"","address":"h"})")); // no valid id: the id-less lane
    client->send(cancel(QString()));
    QTRY_COMPARE(
        client->sequenceOf(QString()), QStringLiteral("connected,sse-event,closed,error,closed"));
    QCOMPARE(client->ofType(MessageType::Error).last().text,
        QStringLiteral("id: must be a string of 1 to 64 printable ASCII characters, got \"\""));
}

// Requests without an id behave exactly as before: one at a time, in order; streams with ids
// run beside them and do not take their turn.
void TestProxyStreams::idlessRequestsKeepTheirQueue()
{
    m_upstream->route("/hold", holding());
    m_upstream->route("/once", TestUpstream::sse("data: once\n\n"));
    startProxy();
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")));
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/once")));
    client->send(withId(
        upstreamRequest(m_upstream->port(), QStringLiteral("/once")), QStringLiteral("side")));
    QTRY_COMPARE(
        client->sequenceOf(QStringLiteral("side")), QStringLiteral("connected,sse-event,closed"));
    QCOMPARE(
        client->sequenceOf(QString()), QStringLiteral("connected,sse-event")); // /once still waits
    client->send(cancel(QString()));
    QTRY_COMPARE(client->sequenceOf(QString()),
        QStringLiteral("connected,sse-event,closed,connected,sse-event,closed"));
    QCOMPARE(client->ofType(MessageType::SseEvent).last().event.data, QStringLiteral("once"));
}

void TestProxyStreams::shutdownClosesEveryStream()
{
    m_upstream->route("/hold", holding());
    startProxy();
    TestClient *client = connectClient();
    client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")));
    client->send(
        withId(upstreamRequest(m_upstream->port(), QStringLiteral("/hold")), QStringLiteral("a")));
    QJsonObject waiting = withId(upstreamRequest(1, QStringLiteral("/")), QStringLiteral("w"));
    waiting[QStringLiteral("reconnect")] = QJsonObject { { QStringLiteral("maxDelayMs"), 60000 } };
    client->send(waiting); // nothing listens on port 1: it waits to reconnect
    QTRY_COMPARE(client->count(MessageType::SseEvent), 2);
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("w")), QStringLiteral("reconnecting"));
    QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
    m_proxy->shutdown();
    QTRY_COMPARE(client->count(MessageType::Closed), 3);
    for (const QString &id : { QString(), QStringLiteral("a"), QStringLiteral("w") })
        QVERIFY2(client->sequenceOf(id).endsWith(QStringLiteral(",closed")), qPrintable(id));
    for (const ProxyMessages::Message &closed : client->ofType(MessageType::Closed))
        QCOMPARE(closed.text, QStringLiteral("proxy shutting down"));
    QTRY_VERIFY(stopped.size() == 1);
}

// The issue's bar: a 1,000-event stream broken 10 times arrives complete, in order, once each.
void TestProxyStreams::thousandEventsAcrossTenBreaks()
{
    m_upstream->route("/resumable", resumable(1000, 100));
    startProxy();
    TestClient *client = connectClient();
    QJsonObject request = withId(
        upstreamRequest(m_upstream->port(), QStringLiteral("/resumable")), QStringLiteral("r"));
    request[QStringLiteral("reconnect")] = true;
    client->send(request);
    QTRY_COMPARE_WITH_TIMEOUT(client->count(MessageType::Closed), 1, 20000);

    const QList<SseEvent> received = client->eventsOf(QStringLiteral("r"));
    QCOMPARE(received.size(), 1000);
    for (int n = 0; n < 1000; ++n) {
        QCOMPARE(received.at(n).data, QString::number(n + 1));
        QCOMPARE(received.at(n).lastEventId, QString::number(n + 1));
    }
    const QList<ProxyMessages::Message> reconnects = client->ofType(MessageType::Reconnecting);
    QCOMPARE(reconnects.size(), 10);
    for (int i = 0; i < 10; ++i) {
        QCOMPARE(reconnects.at(i).id, QStringLiteral("r"));
        QCOMPARE(reconnects.at(i).reconnecting.attempt, 1);
        QCOMPARE(reconnects.at(i).reconnecting.delayMs, 0); // the stream's retry: 0
        QCOMPARE(reconnects.at(i).reconnecting.lastEventId, QString::number((i + 1) * 100));
    }
    // Each attempt asked from where the last ended; the last got 204 and stopped it.
    QCOMPARE(m_upstream->requests().size(), 11);
    QVERIFY(!m_upstream->requests().first().hasHeader("Last-Event-ID"));
    for (int i = 1; i < 11; ++i)
        QCOMPARE(m_upstream->requests().at(i).header("Last-Event-ID"), QByteArray::number(i * 100));
    QCOMPARE(client->ofType(MessageType::Error).first().text,
        QStringLiteral(
            "upstream answered HTTP 204 No Content: the stream asks not to be reconnected"));
    QString expected;
    for (int i = 0; i < 10; ++i)
        expected += QStringLiteral("connected,")
            + QStringList(100, QStringLiteral("sse-event")).join(u',')
            + QStringLiteral(",reconnecting,");
    QCOMPARE(client->sequenceOf(QStringLiteral("r")),
        expected + QStringLiteral("connected,error,closed"));
}

void TestProxyStreams::cancelDuringTheReconnectWait()
{
    startProxy();
    TestClient *client = connectClient();
    QJsonObject request = withId(upstreamRequest(1, QStringLiteral("/")), QStringLiteral("w"));
    request[QStringLiteral("reconnect")] = QJsonObject { { QStringLiteral("maxDelayMs"), 60000 } };
    client->send(request);
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("w")), QStringLiteral("reconnecting"));
    const ProxyMessages::Message reconnecting = client->ofType(MessageType::Reconnecting).first();
    QCOMPARE(reconnecting.reconnecting.delayMs, 3000); // EventSource's default: no retry seen
    QVERIFY2(reconnecting.reconnecting.reason.startsWith(
                 QStringLiteral("connection refused by 127.0.0.1:1")),
        qPrintable(reconnecting.reconnecting.reason));
    client->send(cancel(QStringLiteral("w")));
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("w")), QStringLiteral("reconnecting,closed"));
    QCOMPARE(
        client->ofType(MessageType::Closed).first().text, QStringLiteral("cancelled by client"));
}

void TestProxyStreams::refusedUpstreamIsNotRetried()
{
    m_upstream->route(
        "/missing", TestUpstream::status(404, "Not Found", "text/plain", "no such stream"));
    startProxy();
    TestClient *client = connectClient();
    QJsonObject request = withId(
        upstreamRequest(m_upstream->port(), QStringLiteral("/missing")), QStringLiteral("m"));
    request[QStringLiteral("reconnect")] = true;
    client->send(request);
    QTRY_COMPARE(client->sequenceOf(QStringLiteral("m")), QStringLiteral("connected,error,closed"));
    QCOMPARE(client->ofType(MessageType::Error).first().text,
        QStringLiteral("upstream answered HTTP 404 Not Found: no such stream"));
    QCOMPARE(m_upstream->requests().size(), 1);
}

WSSP_TEST_MAIN(TestProxyStreams)
#include "tst_proxystreams.moc"
