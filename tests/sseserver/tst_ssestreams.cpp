// The response sources on their own, without sockets: every byte the echo and workbench
// endpoints send, from a fixed clock.
#include "chunkedbody.h"
#include "echostream.h"
#include "httpresponse.h"
#include "workbenchstreams.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using Then = ResponseSource::Then;

class TestSseStreams : public QObject
{
    Q_OBJECT

private slots:
    void echoEventTypes_data();
    void echoEventTypes();
    void echoBytesExact();
    void echoDataJson_data();
    void echoDataJson();
    void tickData_data();
    void tickData();
    void ticksEndAfterCount();
    void ticksEndless();
    void ticksResumeAfterLastEventId();
    void ticksBreakAfter_data();
    void ticksBreakAfter();
    void halfTick_data();
    void halfTick();
    void resumePoint_data();
    void resumePoint();
    void idleSendsOnlyComments();
    void brokenEndsWithHalfEvent_data();
    void brokenEndsWithHalfEvent();
};

namespace {

const QDateTime fixedTime = QDateTime(QDate(2024, 1, 1), QTime(12, 0), Qt::UTC);

EchoStream::Clock fixedClock()
{
    return [] { return fixedTime; };
}

} // namespace

// Happy day: event names by position, retry only on the last, ids sharing one epoch.
void TestSseStreams::echoEventTypes_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<QStringList>("types");
    QTest::newRow("1: only the final") << 1 << QStringList { "final-message" };
    QTest::newRow("2") << 2 << QStringList { "message", "final-message" };
    QTest::newRow("3") << 3 << QStringList { "message", "user-message", "final-message" };
    QTest::newRow("5") << 5
                       << QStringList { "message", "user-message", "user-message", "user-message",
                              "final-message" };
}

void TestSseStreams::echoEventTypes()
{
    QFETCH(int, count);
    QFETCH(QStringList, types);
    EchoStream stream(QStringLiteral("hi"), count, 250, 42, fixedClock());
    int retries = 0;
    for (int n = 1; n <= count; ++n) {
        const ResponseSource::Step step = stream.next();
        QCOMPARE(step.bytes.startsWith("HTTP/1.1 200 OK\r\n"), n == 1);
        QVERIFY(step.bytes.contains(QByteArray("event: " + types.at(n - 1).toLatin1() + '\n')));
        QVERIFY(step.bytes.contains(QByteArray("id: echo-42-" + QByteArray::number(n) + '\n')));
        retries += step.bytes.count("retry: 5000\n");
        QCOMPARE(step.then, n < count ? Then::Wait : Then::Finish);
        QCOMPARE(step.delayMs, 250);
        QCOMPARE(step.note,
            QStringLiteral("📤 [%1/%2] %3 echo-42-%1").arg(n).arg(count).arg(types.at(n - 1)));
        QCOMPARE(EchoStream::eventType(n, count), types.at(n - 1));
    }
    QCOMPARE(retries, 1);
}

void TestSseStreams::echoBytesExact()
{
    EchoStream stream(QStringLiteral("Hello Server! #1"), 2, 1000, 1704110400000, fixedClock());
    const ResponseSource::Step first = stream.next();
    QCOMPARE(first.bytes,
        QByteArray("HTTP/1.1 200 OK\r\n"
                   "Content-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\n"
                   "X-Server-Name: Test SSE Server\r\n"
                   "Connection: close\r\n\r\n"
                   "event: message\n"
                   "id: echo-1704110400000-1\n"
                   "data: {\"type\":\"echo\",\"originalMessage\":\"Hello Server! #1\","
                   "\"timestamp\":\"2024-01-01T12:00:00.000Z\",\"response\":\"Echo 1/2: "
                   "Hello Server! #1\",\"sequence\":1}\n\n"));
    const ResponseSource::Step second = stream.next();
    QCOMPARE(second.bytes,
        QByteArray("event: final-message\n"
                   "id: echo-1704110400000-2\n"
                   "retry: 5000\n"
                   "data: {\"type\":\"echo\",\"originalMessage\":\"Hello Server! #1\","
                   "\"timestamp\":\"2024-01-01T12:00:00.000Z\",\"response\":\"Echo 2/2: "
                   "Hello Server! #1\",\"sequence\":2}\n\n"));
    QCOMPARE(second.then, Then::Finish);
}

// Whatever the message holds, the data stays one line of valid JSON that gives it back.
void TestSseStreams::echoDataJson_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("escaped");
    QTest::newRow("plain") << QStringLiteral("Hello") << QStringLiteral("\"Hello\"");
    QTest::newRow("empty") << QString() << QStringLiteral("\"\"");
    QTest::newRow("quote and backslash")
        << QStringLiteral("say \"hi\" \\o/") << QStringLiteral("\"say \\\"hi\\\" \\\\o/\"");
    QTest::newRow("line breaks") << QStringLiteral("a\nb\r\nc")
                                 << QStringLiteral("\"a\\nb\\r\\nc\"");
    QTest::newRow("control") << QStringLiteral("t\tx\x01") << QStringLiteral("\"t\\tx\\u0001\"");
    QTest::newRow("non-ASCII") << QStringLiteral("Привет 👋") << QStringLiteral("\"Привет 👋\"");
    QTest::newRow("placeholder") << QStringLiteral("%1 %2") << QStringLiteral("\"%1 %2\"");
}

void TestSseStreams::echoDataJson()
{
    QFETCH(QString, message);
    QFETCH(QString, escaped);
    const QString json = EchoStream::dataJson(message, 2, 3, fixedTime);
    QVERIFY(json.startsWith(QStringLiteral("{\"type\":\"echo\",\"originalMessage\":") + escaped
        + QStringLiteral(",\"timestamp\":\"2024-01-01T12:00:00.000Z\",")));
    QVERIFY(!json.contains(u'\n'));
    QVERIFY(!json.contains(u'\r'));
    QJsonParseError error;
    const QJsonObject object = QJsonDocument::fromJson(json.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(object.keys().size(), 5);
    QCOMPARE(object.value(QStringLiteral("type")).toString(), QStringLiteral("echo"));
    QCOMPARE(object.value(QStringLiteral("originalMessage")).toString(), message);
    QCOMPARE(object.value(QStringLiteral("response")).toString(),
        QStringLiteral("Echo 2/3: ") + message);
    QCOMPARE(object.value(QStringLiteral("sequence")).toInt(), 2);
    QVERIFY(json.endsWith(QStringLiteral(",\"sequence\":2}")));
}

void TestSseStreams::tickData_data()
{
    QTest::addColumn<qint64>("sequence");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("default") << qint64(7) << qint64(0) << QByteArray("tick 7");
    QTest::newRow("padded") << qint64(7) << qint64(12) << QByteArray("tick 7 xxxxx");
    QTest::newRow("cut") << qint64(12) << qint64(3) << QByteArray("tic");
    QTest::newRow("exact prefix") << qint64(1) << qint64(7) << QByteArray("tick 1 ");
    QTest::newRow("one byte") << qint64(1) << qint64(1) << QByteArray("t");
}

void TestSseStreams::tickData()
{
    QFETCH(qint64, sequence);
    QFETCH(qint64, size);
    QFETCH(QByteArray, data);
    QCOMPARE(TickStream::data(sequence, size), data);
    if (size > 0)
        QCOMPARE(TickStream::data(sequence, size).size(), size);
}

void TestSseStreams::ticksEndAfterCount()
{
    TickStream ticks(20, 3, 0);
    const ResponseSource::Step first = ticks.next();
    QVERIFY(first.bytes.startsWith(HttpResponse::eventStreamHead()));
    QVERIFY(first.bytes.endsWith("event: tick\nid: tick-1\ndata: tick 1\n\n"));
    QCOMPARE(first.then, Then::Wait);
    QCOMPARE(first.delayMs, 20);
    QCOMPARE(ticks.next().bytes, QByteArray("event: tick\nid: tick-2\ndata: tick 2\n\n"));
    QCOMPARE(ticks.next().then, Then::Finish);
}

void TestSseStreams::ticksEndless()
{
    TickStream ticks(0, 0, 5);
    for (int i = 0; i < 1000; ++i)
        QCOMPARE(ticks.next().then, Then::Wait);
    QCOMPARE(ticks.next().bytes, QByteArray("event: tick\nid: tick-1001\ndata: tick \n\n"));
}

// Last-Event-ID: tick-3 on a stream of 5: the head, then ticks 4 and 5, nothing twice.
void TestSseStreams::ticksResumeAfterLastEventId()
{
    TickStream ticks(20, 5, 0, 3);
    const ResponseSource::Step first = ticks.next();
    QVERIFY(first.bytes.startsWith(HttpResponse::eventStreamHead()));
    QVERIFY(first.bytes.endsWith("event: tick\nid: tick-4\ndata: tick 4\n\n"));
    QCOMPARE(first.then, Then::Wait);
    const ResponseSource::Step last = ticks.next();
    QCOMPARE(last.bytes, QByteArray("event: tick\nid: tick-5\ndata: tick 5\n\n"));
    QCOMPARE(last.then, Then::Finish);
}

// breakAfter: a chunked body; `breakAfter` ticks in this response, then half of the next and a
// reset, unless the response reaches `count` first: then it ends with the last chunk.
void TestSseStreams::ticksBreakAfter_data()
{
    QTest::addColumn<qint64>("count");
    QTest::addColumn<qint64>("resumeAfter");
    QTest::addColumn<qint64>("breakAfter");
    QTest::addColumn<qint64>("lastTick"); // ticks resumeAfter+1 .. lastTick are sent whole
    QTest::addColumn<bool>("breaks");

    QTest::newRow("endless, breaks after 3")
        << qint64(0) << qint64(0) << qint64(3) << qint64(3) << true;
    QTest::newRow("resumed, breaks after 2 more")
        << qint64(10) << qint64(4) << qint64(2) << qint64(6) << true;
    QTest::newRow("breakAfter 1") << qint64(10) << qint64(9) << qint64(1) << qint64(10) << false;
    QTest::newRow("count reached first")
        << qint64(5) << qint64(3) << qint64(3) << qint64(5) << false;
    QTest::newRow("count exactly at the break")
        << qint64(6) << qint64(3) << qint64(3) << qint64(6) << false;
}

void TestSseStreams::ticksBreakAfter()
{
    QFETCH(qint64, count);
    QFETCH(qint64, resumeAfter);
    QFETCH(qint64, breakAfter);
    QFETCH(qint64, lastTick);
    QFETCH(bool, breaks);

    TickStream ticks(5, count, 0, resumeAfter, breakAfter);
    QByteArray all;
    Then end = Then::Wait;
    int waits = 0;
    while (end == Then::Wait) {
        QVERIFY(waits <= breakAfter);
        const ResponseSource::Step step = ticks.next();
        all += step.bytes;
        end = step.then;
        if (end == Then::Wait) {
            QCOMPARE(step.delayMs, 5);
            ++waits;
        }
    }
    QCOMPARE(end, breaks ? Then::Abort : Then::Finish);
    const QByteArray head = HttpResponse::chunkedEventStreamHead();
    QVERIFY(all.startsWith(head));
    const ChunkedBody body = ChunkedBody::decode(QByteArrayView(all).sliced(head.size()));
    QVERIFY(body.wellFormed);
    QCOMPARE(body.complete, !breaks);
    QByteArray expected;
    for (qint64 n = resumeAfter + 1; n <= lastTick; ++n) {
        const QByteArray number = QByteArray::number(n);
        expected += "event: tick\nid: tick-" + number + "\ndata: tick " + number + "\n\n";
    }
    if (breaks)
        expected += TickStream::halfTick(lastTick + 1, 0);
    QCOMPARE(body.payload, expected);
}

void TestSseStreams::halfTick_data()
{
    QTest::addColumn<qint64>("sequence");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QByteArray>("half");
    QTest::newRow("tick 7") << qint64(7) << qint64(0)
                            << QByteArray("event: tick\nid: tick-7\ndata: tic");
    QTest::newRow("tick 101") << qint64(101) << qint64(0)
                              << QByteArray("event: tick\nid: tick-101\ndata: tick");
    QTest::newRow("padded") << qint64(2) << qint64(20)
                            << QByteArray("event: tick\nid: tick-2\ndata: tick 2 xxx");
    QTest::newRow("one byte of data")
        << qint64(1) << qint64(1) << QByteArray("event: tick\nid: tick-1\ndata: ");
}

void TestSseStreams::halfTick()
{
    QFETCH(qint64, sequence);
    QFETCH(qint64, size);
    QFETCH(QByteArray, half);
    QCOMPARE(TickStream::halfTick(sequence, size), half);
}

void TestSseStreams::resumePoint_data()
{
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<qint64>("after");
    QTest::newRow("tick-3") << QByteArray("tick-3") << qint64(3);
    QTest::newRow("tick-0") << QByteArray("tick-0") << qint64(0);
    QTest::newRow("none") << QByteArray() << qint64(0);
    QTest::newRow("no number") << QByteArray("tick-") << qint64(0);
    QTest::newRow("not a number") << QByteArray("tick-3x") << qint64(0);
    QTest::newRow("negative") << QByteArray("tick--3") << qint64(0);
    QTest::newRow("another stream's id") << QByteArray("broken-3") << qint64(0);
    QTest::newRow("too long") << QByteArray("tick-1234567890123456") << qint64(0);
}

void TestSseStreams::resumePoint()
{
    QFETCH(QByteArray, lastEventId);
    QFETCH(qint64, after);
    QCOMPARE(TickStream::resumePoint(lastEventId), after);
}

void TestSseStreams::idleSendsOnlyComments()
{
    IdleStream idle(30);
    const ResponseSource::Step first = idle.next();
    QCOMPARE(first.bytes, HttpResponse::eventStreamHead());
    QCOMPARE(first.then, Then::Wait);
    QCOMPARE(first.delayMs, 30);
    for (int i = 0; i < 3; ++i) {
        const ResponseSource::Step step = idle.next();
        QCOMPARE(step.bytes, QByteArray(": heartbeat\n"));
        QCOMPARE(step.then, Then::Wait);
    }
    QCOMPARE(idle.progress(), QStringLiteral("3 heartbeats sent"));
}

void TestSseStreams::brokenEndsWithHalfEvent_data()
{
    QTest::addColumn<qint64>("after");
    QTest::newRow("0") << qint64(0);
    QTest::newRow("1") << qint64(1);
    QTest::newRow("3") << qint64(3);
}

void TestSseStreams::brokenEndsWithHalfEvent()
{
    QFETCH(qint64, after);
    BrokenStream broken(after, 5);
    QByteArray all;
    int waits = 0;
    for (;;) {
        const ResponseSource::Step step = broken.next();
        all += step.bytes;
        if (step.then != Then::Wait) {
            QCOMPARE(step.then, Then::Abort);
            break;
        }
        QCOMPARE(step.delayMs, 5);
        ++waits;
    }
    QCOMPARE(waits, after);
    const QByteArray head = HttpResponse::chunkedEventStreamHead();
    QVERIFY(all.startsWith(head));
    QVERIFY(head.contains("\r\nTransfer-Encoding: chunked\r\n"));
    // Every chunk is whole, and the last chunk (size 0) never comes.
    const ChunkedBody chunked = ChunkedBody::decode(QByteArrayView(all).sliced(head.size()));
    QVERIFY(chunked.wellFormed);
    QVERIFY(!chunked.complete);
    const QByteArray body = chunked.payload;
    QCOMPARE(body.count("\n\n"), after); // complete events only
    QVERIFY(body.endsWith(BrokenStream::halfEvent(after + 1)));
    QVERIFY(!body.endsWith('\n'));
}

QTEST_GUILESS_MAIN(TestSseStreams)
#include "tst_ssestreams.moc"
