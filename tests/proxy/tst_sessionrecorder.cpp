// SessionRecorder: the session's Info and the proxy's metrics follow what request streams
// report (here over fake replies, without sockets) and what the session tells it, and nothing
// else; a second request starts its own per-request numbers while the session's keep growing;
// streams side by side each have a row of their own.

#include "clientstream.h"
#include "eventdispatchermain.h"
#include "fakereply.h"
#include "sessionrecorder.h"

#include <QTest>

#include <memory>

namespace {

const HttpHeaderList eventStream = { { "Content-Type", "text/event-stream" } };

ProxyRequest requestTo(const QString &path)
{
    ProxyRequest request;
    request.address = QStringLiteral("upstream.test");
    request.port = 8080;
    request.path = path;
    request.method = "POST";
    return request;
}

// A ClientStream over fake replies: `reply` is the one its latest attempt got.
struct FakeStream
{
    FakeReply *reply = nullptr;
    std::unique_ptr<ClientStream> stream;

    explicit FakeStream(const ProxyRequest &request)
    {
        stream = std::make_unique<ClientStream>(
            request,
            [this](const ProxyRequest &) {
                reply = new FakeReply;
                return reply;
            },
            ClientStream::Options());
    }
};

} // namespace

class TestSessionRecorder : public QObject
{
    Q_OBJECT

private slots:
    void countsTheSessionOpenWhileItLives();
    void followsWhatRequestsReport();
    void countsEndsSentBytesAndPauses();
    void closedStaysClosed();
    void streamsSideBySide();
};

void TestSessionRecorder::countsTheSessionOpenWhileItLives()
{
    ProxyMetrics metrics;
    {
        SessionRecorder recorder(7, QStringLiteral("127.0.0.1:5000"), &metrics);
        QCOMPARE(metrics.sessionsOpened, 1u);
        QCOMPARE(metrics.sessionsOpen, 1);
        QCOMPARE(recorder.info().id, 7u);
        QCOMPARE(recorder.info().clientAddress, QStringLiteral("127.0.0.1:5000"));
        QVERIFY(recorder.info().startedAtMs > 0);
        QCOMPARE(recorder.info().state, SessionInfo::State::Idle);
    }
    QCOMPARE(metrics.sessionsOpened, 1u);
    QCOMPARE(metrics.sessionsOpen, 0);
}

void TestSessionRecorder::followsWhatRequestsReport()
{
    ProxyMetrics metrics;
    SessionRecorder recorder(1, QString(), &metrics);
    const SessionInfo &info = recorder.info();

    auto request = std::make_unique<FakeStream>(requestTo(QStringLiteral("/a")));
    recorder.follow(request->stream.get());
    request->stream->start();
    FakeReply *reply = request->reply;
    QCOMPARE(info.state, SessionInfo::State::Connecting);
    QCOMPARE(info.method, QByteArray("POST"));
    QCOMPARE(info.url, QStringLiteral("http://upstream.test:8080/a"));
    QVERIFY(!info.requestHeaders.isEmpty()); // what goes upstream: Accept and the rest

    reply->respond(200, "OK", eventStream);
    QCOMPARE(info.state, SessionInfo::State::Streaming);
    QCOMPARE(info.status, 200);
    QCOMPARE(info.responseHeaders, eventStream);
    QCOMPARE(metrics.headerLatencyCount, 1u);

    const QByteArray body = "data: 1\n\ndata: 2\n\n";
    reply->deliver(body);
    reply->end();
    QCOMPARE(info.eventsRelayed, 2u);
    QCOMPARE(info.requestEventsRelayed, 2u);
    QCOMPARE(info.bytesIn, quint64(body.size()));
    QCOMPARE(metrics.eventsRelayed, 2u);
    QCOMPARE(metrics.upstreamBytesReceived, quint64(body.size()));
    QCOMPARE(info.state, SessionInfo::State::Idle); // the request is over
    QCOMPARE(info.requestsHandled, 0u); // its end is counted when answered (countEnd)

    // The next request starts its own per-request numbers; the session's keep adding up.
    request = std::make_unique<FakeStream>(requestTo(QStringLiteral("/b")));
    recorder.follow(request->stream.get());
    request->stream->start();
    FakeReply *second = request->reply;
    QCOMPARE(info.status, 0);
    QVERIFY(info.responseHeaders.isEmpty());
    QCOMPARE(info.requestEventsRelayed, 0u);
    second->respond(200, "OK", eventStream);
    second->deliver("data: 3\n\n");
    QCOMPARE(info.requestEventsRelayed, 1u);
    QCOMPARE(info.eventsRelayed, 3u);
    QCOMPARE(metrics.eventsRelayed, 3u);
    QCOMPARE(metrics.headerLatencyCount, 2u);
}

void TestSessionRecorder::countsEndsSentBytesAndPauses()
{
    ProxyMetrics metrics;
    SessionRecorder recorder(1, QString(), &metrics);
    recorder.countEnd(RequestOutcome::Rejected, QStringLiteral("bad request"));
    recorder.countEnd(RequestOutcome::Completed, QString());
    recorder.countSent(10);
    recorder.countSent(5);
    recorder.countPause();
    QCOMPARE(recorder.info().requestsHandled, 2u);
    QCOMPARE(recorder.info().lastError, QStringLiteral("bad request")); // kept until the next error
    QCOMPARE(recorder.info().bytesOut, 15u);
    QCOMPARE(metrics.requests[size_t(RequestOutcome::Rejected)], 1u);
    QCOMPARE(metrics.requests[size_t(RequestOutcome::Completed)], 1u);
    QCOMPARE(metrics.clientBytesSent, 15u);
    QCOMPARE(metrics.backpressurePauses, 1u);
    QCOMPARE(recorder.info().state, SessionInfo::State::Idle); // counting an end is not a state
}

void TestSessionRecorder::closedStaysClosed()
{
    ProxyMetrics metrics;
    SessionRecorder recorder(1, QString(), &metrics);
    FakeStream request(requestTo(QStringLiteral("/a")));
    recorder.follow(request.stream.get());
    request.stream->start();
    request.reply->respond(200, "OK", eventStream);

    recorder.markClosed();
    QCOMPARE(recorder.info().state, SessionInfo::State::Closed);
    QVERIFY(recorder.info().finishedAtMs >= recorder.info().startedAtMs);
    request.stream->end(
        RequestOutcome::ClientGone, QString(), QStringLiteral("client disconnected"));
    QCOMPARE(recorder.info().state, SessionInfo::State::Closed);
    QCOMPARE(metrics.requestsActive, 0);
}

// Requests with ids run at once: each has its row (id, state, counts) while it runs, the
// session streams while one does, and wssp_requests_active counts requests, not sessions.
void TestSessionRecorder::streamsSideBySide()
{
    ProxyMetrics metrics;
    SessionRecorder recorder(1, QString(), &metrics);
    const SessionInfo &info = recorder.info();
    ProxyRequest a = requestTo(QStringLiteral("/a"));
    a.id = QStringLiteral("a");
    a.reconnect.enabled = true;
    ProxyRequest b = requestTo(QStringLiteral("/b"));
    b.id = QStringLiteral("b");
    FakeStream first(a);
    FakeStream second(b);
    recorder.follow(first.stream.get());
    first.stream->start();
    recorder.follow(second.stream.get());
    second.stream->start();
    QCOMPARE(metrics.requestsActive, 2);
    QCOMPARE(info.requests.size(), 2);
    QCOMPARE(info.requests.at(0).id, QStringLiteral("a"));
    QCOMPARE(info.requests.at(1).id, QStringLiteral("b"));
    QCOMPARE(info.requests.at(1).url, QStringLiteral("http://upstream.test:8080/b"));
    QCOMPARE(info.state, SessionInfo::State::Connecting);

    first.reply->respond(200, "OK", eventStream);
    first.reply->deliver("retry: 5\ndata: 1\n\ndata: 2\n\n");
    QCOMPARE(info.state, SessionInfo::State::Streaming);
    QCOMPARE(info.requests.at(0).state, RequestInfo::State::Streaming);
    QCOMPARE(info.requests.at(0).status, 200);
    QCOMPARE(info.requests.at(0).eventsRelayed, 2u);
    QCOMPARE(info.requests.at(1).state, RequestInfo::State::Connecting);
    QCOMPARE(info.requestEventsRelayed, 0u); // Info's current request is the last started: b

    first.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("reset"));
    QCOMPARE(info.requests.at(0).state, RequestInfo::State::Reconnecting);
    QCOMPARE(info.requests.at(0).attempts, 2);
    QCOMPARE(metrics.reconnects, 1u);
    QCOMPARE(info.state, SessionInfo::State::Connecting);

    second.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
    QCOMPARE(info.requests.size(), 1);
    QCOMPARE(metrics.requestsActive, 1);
    first.stream->end(RequestOutcome::Cancelled, QString(), QStringLiteral("cancelled by client"));
    QVERIFY(info.requests.isEmpty());
    QCOMPARE(metrics.requestsActive, 0);
    QCOMPARE(info.state, SessionInfo::State::Idle);
}

WSSP_TEST_MAIN(TestSessionRecorder)
#include "tst_sessionrecorder.moc"
