// ProxiedRequest against a fake reply, without sockets: what it relays, how it decides each
// outcome, that finished() comes exactly once however the request ends, and flow control.

#include "fakereply.h"
#include "proxiedrequest.h"
#include "proxymessages.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

Q_DECLARE_METATYPE(RequestOutcome)

namespace {

const HttpHeaderList eventStream = { { "Content-Type", "text/event-stream" } };

struct Run
{
    FakeReply *reply = new FakeReply;
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

} // namespace

class TestProxiedRequest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void relaysEventsInOrderThenCompletes();
    void rejectedResponses_data();
    void rejectedResponses();
    void finishedOnceForEachEnd_data();
    void finishedOnceForEachEnd();
    void pauseHoldsEventsAndResumeDrainsThem();
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
    QVERIFY(run.connected->first().at(2).toDouble() >= 0);

    const QByteArray body = "data: a\n\nid: 2\ndata: b\n\ndata: unfinished";
    run.reply->deliver(body.first(12));
    run.reply->deliver(body.sliced(12));
    QCOMPARE(run.events->size(), 2);
    QCOMPARE(run.eventData(0), QStringLiteral("a"));
    QCOMPARE(run.eventData(1), QStringLiteral("b"));
    QCOMPARE(run.request->eventsRelayed(), 2u);
    QCOMPARE(run.bytesRead(), body.size());
    QCOMPARE(run.finished->size(), 0);

    run.reply->end();
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::Completed);
    QCOMPARE(run.error(), QString());
    QCOMPARE(run.reason(), reason(ProxyMessages::reasonUpstreamEnded));
    QCOMPARE(run.events->size(), 2); // the unfinished event is discarded
    QVERIFY(run.request->isFinished());
}

void TestProxiedRequest::rejectedResponses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("error");
    QTest::newRow("404") << 404 << QByteArray("text/plain") << QStringLiteral("upstream answered HTTP 404 Not Found: no such stream data: x");
    QTest::newRow("html") << 200 << QByteArray("text/html")
                          << QStringLiteral("upstream answered with Content-Type \"text/html\", not text/event-stream: no such stream data: x");
}

void TestProxiedRequest::rejectedResponses()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, error);
    Run run;
    run.reply->respond(status, "Not Found", { { "Content-Type", contentType } });
    run.reply->deliver("no such stream\n\ndata: x\n\n");
    run.reply->end();
    QCOMPARE(run.connected->size(), 1);
    QCOMPARE(run.events->size(), 0);
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::UpstreamError);
    QCOMPARE(run.error(), error);
    QCOMPARE(run.reason(), reason(ProxyMessages::reasonUpstreamError));
}

void TestProxiedRequest::finishedOnceForEachEnd_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<RequestOutcome>("outcome");
    QTest::addColumn<QString>("errorMentions");
    QTest::newRow("completed") << "complete" << RequestOutcome::Completed << QString();
    QTest::newRow("upstream error") << "break" << RequestOutcome::UpstreamError << QStringLiteral("broke off mid-stream");
    QTest::newRow("silence timeout") << "silence" << RequestOutcome::Timeout << QStringLiteral("proxy.sseTimeout");
    QTest::newRow("parser limit") << "long line" << RequestOutcome::UpstreamError << QStringLiteral("event stream rejected");
    QTest::newRow("cancel") << "cancel" << RequestOutcome::Cancelled << QString();
    QTest::newRow("client gone") << "gone" << RequestOutcome::ClientGone << QString();
    QTest::newRow("shutdown") << "shutdown" << RequestOutcome::ShuttingDown << QString();
}

void TestProxiedRequest::finishedOnceForEachEnd()
{
    QFETCH(QString, how);
    QFETCH(RequestOutcome, outcome);
    QFETCH(QString, errorMentions);
    UpstreamStream::Options options;
    options.silenceTimeoutMs = how == u"silence" ? 50 : 0;
    options.limits.maxLineBytes = 64;
    Run run(options);
    run.reply->respond(200, "OK", eventStream);
    run.reply->deliver("data: first\n\n");

    if (how == u"complete")
        run.reply->end();
    else if (how == u"break")
        run.reply->end(QNetworkReply::RemoteHostClosedError, QStringLiteral("Connection reset"));
    else if (how == u"long line")
        run.reply->deliver("data: " + QByteArray(100, 'x') + "\n\n");
    else if (how == u"cancel")
        run.request->end(RequestOutcome::Cancelled, QString(), reason(ProxyMessages::reasonCancelled));
    else if (how == u"gone")
        run.request->end(RequestOutcome::ClientGone, QString(), QStringLiteral("client disconnected"));
    else if (how == u"shutdown")
        run.request->end(RequestOutcome::ShuttingDown, QString(), reason(ProxyMessages::reasonShuttingDown));
    QTRY_COMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), outcome);
    QVERIFY2(run.error().contains(errorMentions), qPrintable(run.error()));
    QCOMPARE(run.events->size(), 1);

    // Nothing afterwards produces a second end or another event.
    run.request->end(RequestOutcome::Cancelled, QString(), reason(ProxyMessages::reasonCancelled));
    if (!run.reply->isFinished())
        run.reply->deliver("data: late\n\n");
    run.reply->abort();
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.events->size(), 1);
    QVERIFY(run.reply->aborts >= 1 || how == u"complete" || how == u"break");
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
    QCOMPARE(run.events->size(), 1); // held: nothing read while paused
    QCOMPARE(run.finished->size(), 0); // and the end waits for what is buffered

    run.request->resume();
    QCOMPARE(run.events->size(), 3);
    QCOMPARE(run.eventData(2), QStringLiteral("3"));
    QCOMPARE(run.finished->size(), 1);
    QCOMPARE(run.outcome(), RequestOutcome::Completed);
}

QTEST_GUILESS_MAIN(TestProxiedRequest)
#include "tst_proxiedrequest.moc"
