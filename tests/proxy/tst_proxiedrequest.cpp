// ProxiedRequest against a fake reply, without sockets: what it relays, how it decides each
// outcome, that finished() comes exactly once however the request ends, what it counts, and
// flow control. Every signal is spied on, and the counts that must stay zero are checked too.

#include "eventdispatchermain.h"
#include "fakereply.h"
#include "proxiedrequest.h"
#include "proxymessages.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

Q_DECLARE_METATYPE(RequestOutcome)

namespace {

const HttpHeaderList eventStream = { { "Content-Type", "text/event-stream" } };

// One request on a fresh fake reply, with a spy on each of its signals.
struct Run
{
    FakeReply *reply = new FakeReply; // owned by the request
    std::unique_ptr<ProxiedRequest> request;
    std::unique_ptr<QSignalSpy> connected, events, bytes, finished;

    explicit Run(const UpstreamStream::Options &options = {})
        : request(std::make_unique<ProxiedRequest>(ProxyRequest(), reply, options))
    {
        connected = std::make_unique<QSignalSpy>(request.get(), &ProxiedRequest::connected);
        events = std::make_unique<QSignalSpy>(request.get(), &ProxiedRequest::eventReceived);
        bytes = std::make_unique<QSignalSpy>(request.get(), &ProxiedRequest::bodyBytesRead);
        finished = std::make_unique<QSignalSpy>(request.get(), &ProxiedRequest::finished);
    }
    QString eventData(int i) const { return events->at(i).at(0).value<SseEvent>().data; }
    RequestOutcome outcome() const { return finished->first().at(0).value<RequestOutcome>(); }
    QString error() const { return finished->first().at(1).toString(); }
    QString reason() const { return finished->first().at(2).toString(); }
    qint64 bytesRead() const
    {
        qint64 total = 0;
        for (const QList<QVariant> &call : *bytes)
            total += call.at(0).toLongLong();
        return total;
    }
};

QString reason(const char16_t *text)
{
    return QString::fromUtf16(text);
}

QByteArray numberedEvents(int count)
{
    QByteArray body;
    for (int i = 1; i <= count; ++i)
        body += "data: " + QByteArray::number(i) + "\n\n";
    return body;
}

} // namespace

class TestProxiedRequest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    // Happy path: events in order, the response head and its latency, bytes counted.
    void relaysEventsInOrderThenCompletes();
    void reportsHeaderLatency();
    void countsBodyBytes_data();
    void countsBodyBytes();

    // Rainy days: responses that are not relayed, and every way a request can end.
    void rejectedResponses_data();
    void rejectedResponses();
    void refusedBeforeAnswering();
    void finishedOnceForEachEnd_data();
    void finishedOnceForEachEnd();

    // Flow control.
    void pauseHoldsEventsAndResumeDrainsThem();
    void pauseFromAnEventStopsFurtherReads();
    void pausedRequestLeavesTheRestInTheReply();
};

void TestProxiedRequest::initTestCase()
{
    qRegisterMetaType<RequestOutcome>();
    qRegisterMetaType<SseEvent>();
    qRegisterMetaType<HttpHeaderList>();
}

void TestProxiedRequest::relaysEventsInOrderThenCompletes()
{
    Run run;
    run.reply->respond(200, "OK", eventStream);
    QCOMPARE(run.connected->size(), 1);
    QCOMPARE(run.connected->first().at(0).toInt(), 200);
    QCOMPARE(run.connected->first().at(1).value<HttpHeaderList>(), eventStream);

    const QByteArray body = "data: a\n\nid: 2\ndata: b\n\ndata: unfinished";
    run.reply->deliver(body.first(12));
    run.reply->deliver(body.sliced(12));
    QCOMPARE(run.events->size(), 2);
    QCOMPARE(run.eventData(0), QStringLiteral("a"));
    QCOMPARE(run.eventData(1), QStringLiteral("b"));
    QCOMPARE(run.events->at(1).at(0).value<SseEvent>().lastEventId, QStringLiteral("2"));
    QCOMPARE(run.request->eventsRelayed(), 2u);
    QCOMPARE(run.finished->size(), 0);

    run.reply->end();
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::Completed);
    QCOMPARE(run.error(), QString());
    QCOMPARE(run.reason(), reason(ProxyMessages::reasonUpstreamEnded));
    QCOMPARE(run.events->size(), 2); // the unfinished event is discarded
    QCOMPARE(run.connected->size(), 1);
    QCOMPARE(run.reply->aborts(), 0); // a reply that ended is not aborted
    QVERIFY(run.request->isFinished());
}

// The latency is measured from the request object's start to the response head: it lies
// between what the test measured inside and around that span.
void TestProxiedRequest::reportsHeaderLatency()
{
    QElapsedTimer around;
    around.start();
    Run run;
    QElapsedTimer inside;
    inside.start();
    QCoreApplication::processEvents(); // some time passes, as it would on the network
    const qint64 insideNs = inside.nsecsElapsed();
    run.reply->respond(200, "OK", eventStream);
    const qint64 aroundNs = around.nsecsElapsed();

    QCOMPARE(run.connected->size(), 1);
    const double seconds = run.connected->first().at(2).toDouble();
    QVERIFY2(seconds * 1e9 >= double(insideNs) && seconds * 1e9 <= double(aroundNs),
        qPrintable(QStringLiteral("%1 s, not within [%2, %3] ns")
                       .arg(seconds)
                       .arg(insideNs)
                       .arg(aroundNs)));
}

void TestProxiedRequest::countsBodyBytes_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("event stream") << 200 << numberedEvents(50);
    QTest::newRow("error body") << 503 << QByteArray("try again later");
    QTest::newRow("no body") << 200 << QByteArray();
}

void TestProxiedRequest::countsBodyBytes()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    Run run;
    run.reply->respond(status, "", eventStream);
    for (qsizetype at = 0; at < body.size(); at += 7)
        run.reply->deliver(body.sliced(at, qMin<qsizetype>(7, body.size() - at)));
    run.reply->end();
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.bytesRead(), body.size());
    QCOMPARE(run.request->bytesReceived(), body.size());
}

void TestProxiedRequest::rejectedResponses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reasonPhrase");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("error");
    QTest::newRow("404") << 404 << QByteArray("Not Found") << QByteArray("text/plain")
                         << QStringLiteral(
                                "upstream answered HTTP 404 Not Found: no such stream data: x");
    QTest::newRow("302, no reason phrase")
        << 302 << QByteArray() << QByteArray("text/event-stream")
        << QStringLiteral("upstream answered HTTP 302: no such stream data: x");
    QTest::newRow("html") << 200 << QByteArray("OK") << QByteArray("text/html")
                          << QStringLiteral("upstream answered with Content-Type \"text/html\", "
                                            "not text/event-stream: no such stream data: x");
    QTest::newRow("no content type")
        << 200 << QByteArray("OK") << QByteArray()
        << QStringLiteral("upstream answered without a Content-Type, not text/event-stream: no "
                          "such stream data: x");
}

void TestProxiedRequest::rejectedResponses()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reasonPhrase);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, error);
    Run run;
    run.reply->respond(status, reasonPhrase,
        contentType.isEmpty() ? HttpHeaderList()
                              : HttpHeaderList { { "Content-Type", contentType } });
    run.reply->deliver("no such stream\n\ndata: x\n\n");
    run.reply->end();
    QCOMPARE(run.connected->size(), 1); // the client sees the head it was refused with
    QCOMPARE(run.connected->first().at(0).toInt(), status);
    QCOMPARE(run.events->size(), 0);
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::UpstreamError);
    QCOMPARE(run.error(), error);
    QCOMPARE(run.reason(), reason(ProxyMessages::reasonUpstreamError));
}

void TestProxiedRequest::refusedBeforeAnswering()
{
    Run run;
    run.reply->end(QNetworkReply::ConnectionRefusedError, QStringLiteral("Connection refused"));
    QCOMPARE(run.connected->size(), 0);
    QCOMPARE(run.events->size(), 0);
    QCOMPARE(run.bytes->size(), 0);
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::UpstreamError);
    QCOMPARE(run.error(), QStringLiteral("connection refused by upstream.test:8080"));
    QCOMPARE(run.reason(), reason(ProxyMessages::reasonUpstreamError));
}

// Each row ends a streaming request one way, then tries every other way: finished() must come
// exactly once, with the first way's outcome, and nothing may be relayed after it. A request
// ended from outside aborts its reply; one whose reply ended leaves it alone.
void TestProxiedRequest::finishedOnceForEachEnd_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<RequestOutcome>("outcome");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("errorMentions");
    QTest::addColumn<bool>("abortsReply");
    const QString upstreamError = reason(ProxyMessages::reasonUpstreamError);
    QTest::newRow("completed") << "complete" << RequestOutcome::Completed
                               << reason(ProxyMessages::reasonUpstreamEnded) << QString() << false;
    QTest::newRow("upstream error") << "break" << RequestOutcome::UpstreamError << upstreamError
                                    << QStringLiteral("broke off mid-stream") << false;
    QTest::newRow("reply aborted by another")
        << "abort reply" << RequestOutcome::UpstreamError << upstreamError
        << QStringLiteral("failed: Operation canceled") << false;
    QTest::newRow("silence timeout")
        << "silence" << RequestOutcome::Timeout << reason(ProxyMessages::reasonTimeout)
        << QStringLiteral("no data from upstream for 50 ms (proxy.sseTimeout)") << true;
    QTest::newRow("line limit") << "long line" << RequestOutcome::UpstreamError << upstreamError
                                << QStringLiteral("event stream rejected") << true;
    QTest::newRow("event limit") << "long event" << RequestOutcome::UpstreamError << upstreamError
                                 << QStringLiteral("event stream rejected") << true;
    QTest::newRow("cancel") << "cancel" << RequestOutcome::Cancelled
                            << reason(ProxyMessages::reasonCancelled) << QString() << true;
    QTest::newRow("client gone") << "gone" << RequestOutcome::ClientGone
                                 << QStringLiteral("client disconnected") << QString() << true;
    QTest::newRow("client stalled")
        << "stalled" << RequestOutcome::ClientStalled << reason(ProxyMessages::reasonClientStalled)
        << QStringLiteral("not reading") << true;
    QTest::newRow("shutdown") << "shutdown" << RequestOutcome::ShuttingDown
                              << reason(ProxyMessages::reasonShuttingDown) << QString() << true;
}

void TestProxiedRequest::finishedOnceForEachEnd()
{
    QFETCH(QString, how);
    QFETCH(RequestOutcome, outcome);
    QFETCH(QString, reason);
    QFETCH(QString, errorMentions);
    QFETCH(bool, abortsReply);
    UpstreamStream::Options options;
    options.silenceTimeoutMs = how == u"silence" ? 50 : 0;
    options.limits.maxLineBytes = 64;
    options.limits.maxEventBytes = 100;
    Run run(options);
    run.reply->respond(200, "OK", eventStream);
    run.reply->deliver("data: first\n\n");

    if (how == u"complete")
        run.reply->end();
    else if (how == u"break")
        run.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("Connection reset"));
    else if (how == u"abort reply")
        run.reply->abort();
    else if (how == u"long line")
        run.reply->deliver("data: " + QByteArray(100, 'x') + "\n\n");
    else if (how == u"long event")
        run.reply->deliver(
            QByteArray("data: 0123456789012345678901234567890123456789\n").repeated(3) + "\n");
    else if (how == u"stalled")
        run.request->end(
            RequestOutcome::ClientStalled, QStringLiteral("client not reading"), reason);
    else if (how != u"silence")
        run.request->end(outcome, QString(), reason);
    QTRY_COMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), outcome);
    QCOMPARE(run.reason(), reason);
    QCOMPARE(run.error().isEmpty(), errorMentions.isEmpty());
    QVERIFY2(run.error().contains(errorMentions), qPrintable(run.error()));
    QCOMPARE(run.events->size(), 1);
    QVERIFY(run.request->isFinished());
    QCOMPARE(run.reply->aborts(), how == u"abort reply" || abortsReply ? 1 : 0);

    // Nothing afterwards produces a second end or another event.
    run.request->end(RequestOutcome::Cancelled, QString(), QStringLiteral("again"));
    run.reply->deliver("data: late\n\n");
    run.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("late"));
    run.request->resume();
    QCoreApplication::processEvents();
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.events->size(), 1);
}

void TestProxiedRequest::pauseHoldsEventsAndResumeDrainsThem()
{
    Run run;
    run.reply->respond(200, "OK", eventStream);
    run.reply->deliver("data: 1\n\n");
    QCOMPARE(run.events->size(), 1);

    run.request->pause();
    QVERIFY(run.request->isPaused());
    run.reply->deliver("data: 2\n\ndata: 3\n\n");
    run.reply->end();
    QCoreApplication::processEvents();
    QCOMPARE(run.events->size(), 1); // held: nothing read while paused
    QCOMPARE(run.bytesRead(), 9);
    QCOMPARE(run.finished->size(), 0); // and the end waits for what is buffered

    run.request->resume();
    QVERIFY(!run.request->isPaused());
    QCOMPARE(run.events->size(), 3);
    QCOMPARE(run.eventData(1), QStringLiteral("2"));
    QCOMPARE(run.eventData(2), QStringLiteral("3"));
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::Completed);
}

// The session pauses from inside an event (its client fell behind): the chunk being parsed is
// finished, but nothing more is read until resume().
void TestProxiedRequest::pauseFromAnEventStopsFurtherReads()
{
    Run run;
    QObject::connect(run.request.get(), &ProxiedRequest::eventReceived, run.request.get(),
        [&run]() { run.request->pause(); });
    run.reply->respond(200, "OK", eventStream);
    run.reply->deliver("data: 1\n\n");
    QVERIFY(run.request->isPaused());
    run.reply->deliver("data: 2\n\n");
    QCOMPARE(run.events->size(), 1);
    QCOMPARE(run.reply->bytesAvailable(), 9); // left in the reply

    run.request->resume(); // relays "2", which pauses again
    QCOMPARE(run.events->size(), 2);
    QVERIFY(run.request->isPaused());
}

// With the reply's read buffer capped (as UpstreamPool caps it), a paused request leaves the
// reply full and the rest where it came from; resumed, it reads everything, cap by cap.
void TestProxiedRequest::pausedRequestLeavesTheRestInTheReply()
{
    Run run;
    run.reply->setReadBufferSize(16);
    run.reply->respond(200, "OK", eventStream);
    run.request->pause();
    const QByteArray body = numberedEvents(40);
    run.reply->deliver(body);
    run.reply->end();
    for (int i = 0; i < 3; ++i)
        QCoreApplication::processEvents();
    QCOMPARE(run.events->size(), 0);
    QCOMPARE(run.reply->bytesAvailable(), 16);
    QCOMPARE(run.reply->bytesWaiting(), body.size() - 16);
    QCOMPARE(run.finished->size(), 0);

    run.request->resume();
    QTRY_COMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::Completed);
    QCOMPARE(run.events->size(), 40);
    QCOMPARE(run.eventData(39), QStringLiteral("40"));
    QCOMPARE(run.bytesRead(), body.size());
}

WSSP_TEST_MAIN(TestProxiedRequest)
#include "tst_proxiedrequest.moc"
