// SessionRecorder: the session's Info and the proxy's metrics follow what request objects
// report (here over fake replies, without sockets) and what the session tells it, and nothing
// else; a second request starts its own per-request numbers while the session's keep growing.

#include "eventdispatchermain.h"
#include "fakereply.h"
#include "proxiedrequest.h"
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

} // namespace

class TestSessionRecorder : public QObject
{
    Q_OBJECT

private slots:
    void countsTheSessionOpenWhileItLives();
    void followsWhatRequestsReport();
    void countsEndsSentBytesAndPauses();
    void closedStaysClosed();
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

    auto *reply = new FakeReply;
    auto request = std::make_unique<ProxiedRequest>(requestTo(QStringLiteral("/a")), reply,
                                                    UpstreamStream::Options());
    recorder.follow(request.get());
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
    auto *second = new FakeReply;
    request = std::make_unique<ProxiedRequest>(requestTo(QStringLiteral("/b")), second,
                                               UpstreamStream::Options());
    recorder.follow(request.get());
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
    auto *reply = new FakeReply;
    ProxiedRequest request(requestTo(QStringLiteral("/a")), reply, UpstreamStream::Options());
    recorder.follow(&request);
    reply->respond(200, "OK", eventStream);

    recorder.markClosed();
    QCOMPARE(recorder.info().state, SessionInfo::State::Closed);
    QVERIFY(recorder.info().finishedAtMs >= recorder.info().startedAtMs);
    request.end(RequestOutcome::ClientGone, QString(), QStringLiteral("client disconnected"));
    QCOMPARE(recorder.info().state, SessionInfo::State::Closed);
}

WSSP_TEST_MAIN(TestSessionRecorder)
#include "tst_sessionrecorder.moc"
