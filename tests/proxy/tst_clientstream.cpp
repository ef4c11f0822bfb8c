// ClientStream over fake replies, without sockets: one request for its whole life, and with
// "reconnect" the waits, Last-Event-ID and the ends that stop it (docs/PROTOCOL.md §4).

#include "clientstream.h"
#include "eventdispatchermain.h"
#include "fakereply.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

Q_DECLARE_METATYPE(ProxyMessages::Reconnecting)
Q_DECLARE_METATYPE(RequestOutcome)

namespace {

const HttpHeaderList eventStream = { { "Content-Type", "text/event-stream" } };

// A stream whose attempts each get a fresh FakeReply; the requests they sent are kept.
class Harness
{
public:
    explicit Harness(ProxyRequest request, ClientStream::Options options = {})
    {
        if (request.address.isEmpty())
            request.address = QStringLiteral("upstream.test");
        stream = std::make_unique<ClientStream>(
            request,
            [this](const ProxyRequest &sent) {
                requests.append(sent);
                reply = new FakeReply;
                return reply;
            },
            options);
        events = std::make_unique<QSignalSpy>(stream.get(), &ClientStream::eventReceived);
        reconnecting = std::make_unique<QSignalSpy>(stream.get(), &ClientStream::reconnecting);
        finished = std::make_unique<QSignalSpy>(stream.get(), &ClientStream::finished);
        stream->start();
    }

    QByteArray lastEventIdSent() const
    {
        for (const HttpHeader &header : requests.constLast().headers) {
            if (header.first.compare("last-event-id", Qt::CaseInsensitive) == 0)
                return header.second;
        }
        return "(none)";
    }
    ProxyMessages::Reconnecting reconnect(int i) const
    {
        return reconnecting->at(i).at(0).value<ProxyMessages::Reconnecting>();
    }
    RequestOutcome outcome() const { return finished->at(0).at(0).value<RequestOutcome>(); }
    QString error() const { return finished->at(0).at(1).toString(); }

    std::unique_ptr<ClientStream> stream;
    FakeReply *reply = nullptr; // the latest attempt's
    QList<ProxyRequest> requests;
    std::unique_ptr<QSignalSpy> events;
    std::unique_ptr<QSignalSpy> reconnecting;
    std::unique_ptr<QSignalSpy> finished;
};

ProxyRequest reconnecting(int maxAttempts = 0, int maxDelayMs = 0)
{
    ProxyRequest request;
    request.reconnect = { true, maxAttempts, maxDelayMs };
    return request;
}

} // namespace

class TestClientStream : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qRegisterMetaType<ProxyMessages::Reconnecting>();
        qRegisterMetaType<RequestOutcome>();
        qRegisterMetaType<SseEvent>();
        qRegisterMetaType<HttpHeaderList>();
    }
    void withoutReconnectOneAttempt();
    void resumesAfterABreakFromTheLastEventId();
    void cleanEndReconnectsToo();
    void delayFromRetryCapped_data();
    void delayFromRetryCapped();
    void clientLastEventIdUntilAnEventComes();
    void refusalsEndForGood_data();
    void refusalsEndForGood();
    void endDuringTheWait();
    void attemptsRunOut();
    void failuresInARowWaitAtLeastTheFloor();
    void anEventResetsTheAttempts();
    void pauseCarriesOver();
};

void TestClientStream::withoutReconnectOneAttempt()
{
    Harness h(ProxyRequest {});
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("data: 1\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::UpstreamError);
    QCOMPARE(h.reconnecting->size(), 0);
    QCOMPARE(h.requests.size(), 1);
    QCOMPARE(h.events->size(), 1);
}

void TestClientStream::resumesAfterABreakFromTheLastEventId()
{
    Harness h(reconnecting());
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("retry: 1\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(h.finished->size(), 0);
    QCOMPARE(h.reconnecting->size(), 1);
    QCOMPARE(h.reconnect(0).attempt, 1);
    QCOMPARE(h.reconnect(0).delayMs, 1);
    QCOMPARE(h.reconnect(0).lastEventId, QStringLiteral("2"));
    QVERIFY2(h.reconnect(0).reason.contains(QStringLiteral("upstream.test:80")),
        qPrintable(h.reconnect(0).reason));
    QVERIFY(h.stream->isWaiting());

    QTRY_COMPARE(h.requests.size(), 2);
    QCOMPARE(h.lastEventIdSent(), QByteArray("2"));
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("id: 3\ndata: c\n\n");
    QCOMPARE(h.events->size(), 3);
    QCOMPARE(h.stream->lastEventId(), QStringLiteral("3"));
    QCOMPARE(h.finished->size(), 0);
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::Cancelled);
}

// EventSource reconnects after a clean end as well: only the server's 204 stops it.
void TestClientStream::cleanEndReconnectsToo()
{
    Harness h(reconnecting(0, 1));
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("id: x\ndata: a\n\n");
    h.reply->end();
    QCOMPARE(h.reconnecting->size(), 1);
    QCOMPARE(h.reconnect(0).reason, QStringLiteral("Server closed connection normally."));
    QTRY_COMPARE(h.requests.size(), 2);
    QCOMPARE(h.lastEventIdSent(), QByteArray("x"));
    h.reply->respond(204, "No Content", {});
    h.reply->end();
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::UpstreamError);
    QCOMPARE(h.reconnecting->size(), 1);
}

void TestClientStream::delayFromRetryCapped_data()
{
    QTest::addColumn<QByteArray>("retryLine");
    QTest::addColumn<int>("requestCap");
    QTest::addColumn<int>("settingCap");
    QTest::addColumn<int>("delay");

    QTest::newRow("default 3 s") << QByteArray() << 0 << 30000 << 3000;
    QTest::newRow("retry") << QByteArray("retry: 1234\n") << 0 << 30000 << 1234;
    QTest::newRow("retry 0") << QByteArray("retry: 0\n") << 0 << 30000 << 0;
    QTest::newRow("request cap") << QByteArray("retry: 5000\n") << 700 << 30000 << 700;
    QTest::newRow("setting cap") << QByteArray("retry: 5000\n") << 0 << 800 << 800;
    QTest::newRow("setting caps the request's") << QByteArray() << 2000 << 900 << 900;
    QTest::newRow("huge retry") << QByteArray("retry: 99999999999999999999999\n") << 0 << 30000
                                << 30000;
}

void TestClientStream::delayFromRetryCapped()
{
    QFETCH(QByteArray, retryLine);
    QFETCH(int, requestCap);
    QFETCH(int, settingCap);
    QFETCH(int, delay);

    ClientStream::Options options;
    options.maxReconnectDelayMs = settingCap;
    Harness h(reconnecting(0, requestCap), options);
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver(retryLine + "data: a\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(h.reconnecting->size(), 1);
    QCOMPARE(h.reconnect(0).delayMs, delay);
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
}

// A client that resumes by itself sends Last-Event-ID; a reconnect before any event keeps it.
void TestClientStream::clientLastEventIdUntilAnEventComes()
{
    ProxyRequest request = reconnecting(0, 1);
    request.headers = { { "Last-Event-ID", "41" } };
    Harness h(request);
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(h.reconnect(0).lastEventId, QStringLiteral("41"));
    QTRY_COMPARE(h.requests.size(), 2);
    QCOMPARE(h.lastEventIdSent(), QByteArray("41"));
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("id: 42\ndata: a\n\ndata: no id\n\n");
    h.reply->end();
    // The last event relayed had the ID 42 still (IDs persist across events).
    QTRY_COMPARE(h.requests.size(), 3);
    QCOMPARE(h.lastEventIdSent(), QByteArray("42"));
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
}

void TestClientStream::refusalsEndForGood_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<HttpHeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");

    QTest::newRow("204")
        << 204 << eventStream << QByteArray()
        << QStringLiteral(
               "upstream answered HTTP 204 No Content: the stream asks not to be reconnected");
    QTest::newRow("204 without a Content-Type")
        << 204 << HttpHeaderList() << QByteArray()
        << QStringLiteral(
               "upstream answered HTTP 204 No Content: the stream asks not to be reconnected");
    QTest::newRow("404") << 404 << HttpHeaderList { { "Content-Type", "text/plain" } }
                         << QByteArray("gone")
                         << QStringLiteral("upstream answered HTTP 404 Not Found: gone");
    QTest::newRow("500") << 500 << eventStream << QByteArray()
                         << QStringLiteral("upstream answered HTTP 500 Internal Server Error");
    QTest::newRow("wrong content type")
        << 200 << HttpHeaderList { { "Content-Type", "text/html" } } << QByteArray("<p>")
        << QStringLiteral(
               "upstream answered with Content-Type \"text/html\", not text/event-stream: <p>");
    QTest::newRow("parser limit") << 200 << eventStream << QByteArray(2048, 'x')
                                  << QStringLiteral("upstream event stream rejected: ");
}

void TestClientStream::refusalsEndForGood()
{
    QFETCH(int, status);
    QFETCH(HttpHeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);

    ClientStream::Options options;
    options.upstream.limits.maxLineBytes = 1024;
    Harness h(reconnecting(0, 1), options);
    const QByteArray reason = status == 204 ? "No Content"
        : status == 404                     ? "Not Found"
        : status == 500                     ? "Internal Server Error"
                                            : "OK";
    h.reply->respond(status, reason, headers);
    if (!body.isEmpty())
        h.reply->deliver(body);
    h.reply->end();
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::UpstreamError);
    QVERIFY2(h.error().startsWith(error), qPrintable(h.error()));
    QCOMPARE(h.reconnecting->size(), 0);
    QCOMPARE(h.requests.size(), 1);
}

// cancel (or the client leaving, or shutdown) during the wait: finished at once, no attempt.
void TestClientStream::endDuringTheWait()
{
    Harness h(reconnecting(0, 50));
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QVERIFY(h.stream->isWaiting());
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::Cancelled);
    QVERIFY(!h.stream->isWaiting());
    // Well past the 50 ms: no second request was made.
    QSignalSpy later(h.stream.get(), &QObject::objectNameChanged);
    QTimer::singleShot(
        150, h.stream.get(), [&h] { h.stream->setObjectName(QStringLiteral("later")); });
    QVERIFY(later.wait(2000));
    QCOMPARE(h.requests.size(), 1);
    QCOMPARE(h.finished->size(), 1);
}

void TestClientStream::attemptsRunOut()
{
    ClientStream::Options options;
    options.maxReconnectAttempts = 5;
    options.minReconnectDelayMs = 0;
    Harness h(reconnecting(3, 1), options); // the request's 3 is below the proxy's 5
    for (int attempt = 1; attempt <= 3; ++attempt) {
        h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
        QCOMPARE(h.reconnecting->size(), attempt);
        QCOMPARE(h.reconnect(attempt - 1).attempt, attempt);
        QTRY_COMPARE(h.requests.size(), attempt + 1);
    }
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(h.finished->size(), 1);
    QCOMPARE(h.outcome(), RequestOutcome::UpstreamError);
    QVERIFY2(h.error().startsWith(
                 QStringLiteral("stopped reconnecting after 3 attempts in a row "
                                "without an event (reconnect.maxAttempts); the last ended: ")),
        qPrintable(h.error()));

    // Asking for more than the proxy allows gets the proxy's limit, named as such.
    Harness capped(reconnecting(100, 1), options);
    for (int attempt = 1; attempt <= 5; ++attempt) {
        capped.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
        QTRY_COMPARE(capped.requests.size(), attempt + 1);
    }
    capped.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(capped.finished->size(), 1);
    QVERIFY2(capped.error().contains(QStringLiteral(
                 "after 5 attempts in a row without an event (proxy.maxReconnectAttempts)")),
        qPrintable(capped.error()));
}

// Attack row: a client's maxDelayMs of 1 against a dead upstream must not make the proxy ask
// it a thousand times a second; the first reconnect keeps the stream's own delay.
void TestClientStream::failuresInARowWaitAtLeastTheFloor()
{
    ClientStream::Options options;
    options.minReconnectDelayMs = 40;
    Harness h(reconnecting(0, 1), options);
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("retry: 0\ndata: a\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(h.reconnect(0).delayMs, 0); // after events: as the upstream asked
    QTRY_COMPARE(h.requests.size(), 2);
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(h.reconnect(1).attempt, 2);
    QCOMPARE(h.reconnect(1).delayMs, 40); // failing in a row: the floor
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));

    options.maxReconnectDelayMs = 25; // the floor never exceeds the ceiling
    Harness capped(reconnecting(0, 0), options);
    capped.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(capped.reconnect(0).delayMs, 25);
    QTRY_COMPARE(capped.requests.size(), 2);
    capped.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(capped.reconnect(1).delayMs, 25);
    capped.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
}

void TestClientStream::anEventResetsTheAttempts()
{
    ClientStream::Options options;
    options.minReconnectDelayMs = 0;
    Harness h(reconnecting(2, 1), options);
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QTRY_COMPARE(h.requests.size(), 2);
    h.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("refused"));
    QCOMPARE(h.reconnect(1).attempt, 2);
    QTRY_COMPARE(h.requests.size(), 3);
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("data: a\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(h.reconnect(2).attempt, 1); // counting starts again
    QCOMPARE(h.finished->size(), 0);
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
}

// Backpressure holds across a reconnect: an attempt made while paused reads nothing.
void TestClientStream::pauseCarriesOver()
{
    Harness h(reconnecting(0, 20));
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("data: a\n\n");
    h.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QVERIFY(h.stream->isWaiting());
    h.stream->pause(); // the client fell behind during the wait
    QTRY_COMPARE(h.requests.size(), 2);
    h.reply->respond(200, "OK", eventStream);
    h.reply->deliver("data: b\n\n");
    QCOMPARE(h.events->size(), 1);
    h.stream->resume();
    QCOMPARE(h.events->size(), 2);
    h.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
}

WSSP_TEST_MAIN(TestClientStream)
#include "tst_clientstream.moc"
