// TranscriptPrinter against PROTOCOL.md §8, line by line, without sockets.
#include "transcriptprinter.h"

#include <QTest>

using Message = ProxyMessages::Message;
using DataStyle = TranscriptPrinter::DataStyle;

Q_DECLARE_METATYPE(ProxyMessages::Message)
Q_DECLARE_METATYPE(TranscriptPrinter::DataStyle)

namespace {

QString echoData(int n, int total, const QString &message)
{
    return QStringLiteral(
        R"({"type":"echo","originalMessage":"%3","timestamp":"2024-01-01T12:00:00.000Z","response":"Echo %1/%2: %3","sequence":%1})")
        .arg(n)
        .arg(total)
        .arg(message);
}

Message sseEvent(
    const QString &type, const QString &id, const QString &data, const QString &retry = QString())
{
    Message m;
    m.type = Message::Type::SseEvent;
    m.event.type = type;
    m.event.lastEventId = id;
    m.event.data = data;
    m.event.retry = retry;
    m.event.hasRetry = !retry.isEmpty();
    return m;
}

Message textMessage(Message::Type type, const QString &text)
{
    Message m;
    m.type = type;
    m.text = text;
    return m;
}

Message reconnectingMessage(
    int attempt, int delayMs, const QString &lastEventId, const QString &reason)
{
    Message m;
    m.type = Message::Type::Reconnecting;
    m.reconnecting.attempt = attempt;
    m.reconnecting.delayMs = delayMs;
    m.reconnecting.lastEventId = lastEventId;
    m.reconnecting.reason = reason;
    return m;
}

Message connectedMessage(int status)
{
    Message m;
    m.type = Message::Type::Connected;
    m.status = status;
    m.headers.insert(QStringLiteral("content-type"), QStringLiteral("text/event-stream"));
    m.headers.insert(QStringLiteral("x-server-name"), QStringLiteral("Test SSE Server"));
    return m;
}

} // namespace

class TstTranscriptPrinter : public QObject
{
    Q_OBJECT

private slots:
    void fixedLines_data();
    void fixedLines();
    void format_data();
    void format();
    void displayData_data();
    void displayData();
    void connectedWithHeaders();
    void section8Transcript();
    void tagged_data();
    void tagged();
};

void TstTranscriptPrinter::fixedLines_data()
{
    QTest::addColumn<QString>("actual");
    QTest::addColumn<QString>("expected");

    QTest::newRow("connected to proxy") << TranscriptPrinter::connectedToProxy()
                                        << QStringLiteral("✅ Connected to Proxy WebSocket");
    QTest::newRow("sending 3") << TranscriptPrinter::sending(3)
                               << QStringLiteral("📋 Sending 3 messages");
    QTest::newRow("sending 1") << TranscriptPrinter::sending(1)
                               << QStringLiteral("📋 Sending 1 message");
    QTest::newRow("sent #1") << TranscriptPrinter::sent(1, QStringLiteral("Hello Server! #1"))
                             << QStringLiteral("📤 #1: Hello Server! #1");
    QTest::newRow("request line") << TranscriptPrinter::requestLine(
        QStringLiteral("GET"), QStringLiteral("http://h:1/x"))
                                  << QStringLiteral("📤 GET http://h:1/x");
    QTest::newRow("complete 3") << TranscriptPrinter::complete(3)
                                << QStringLiteral("✅ Sent 3 messages. Test complete.");
    QTest::newRow("complete 1") << TranscriptPrinter::complete(1)
                                << QStringLiteral("✅ Sent 1 message. Test complete.");
    QTest::newRow("error line") << TranscriptPrinter::errorLine(QStringLiteral("boom"))
                                << QStringLiteral("❌ Error: boom");
}

void TstTranscriptPrinter::fixedLines()
{
    QFETCH(QString, actual);
    QFETCH(QString, expected);
    QCOMPARE(actual, expected);
}

void TstTranscriptPrinter::format_data()
{
    QTest::addColumn<DataStyle>("style");
    QTest::addColumn<Message>("message");
    QTest::addColumn<QStringList>("expected");

    const QString hello1 = QStringLiteral("Hello Server! #1");

    // Happy day: each message kind in the §8 shape.
    QTest::newRow("connected 200") << DataStyle::EchoResponse << connectedMessage(200)
                                   << QStringList { QStringLiteral("✅ Connected to server (200)") };
    QTest::newRow("connected 404") << DataStyle::EchoResponse << connectedMessage(404)
                                   << QStringList { QStringLiteral("✅ Connected to server (404)") };
    QTest::newRow("first echo event")
        << DataStyle::EchoResponse
        << sseEvent(QStringLiteral("message"), QStringLiteral("echo-1704110400000-1"),
               echoData(1, 3, hello1))
        << QStringList { QStringLiteral("📥 SSE Event [message]:"),
               QStringLiteral("   🆔 ID: echo-1704110400000-1"),
               QStringLiteral("   📝 Data: Echo 1/3: Hello Server! #1") };
    QTest::newRow("final echo event: retry before data")
        << DataStyle::EchoResponse
        << sseEvent(QStringLiteral("final-message"), QStringLiteral("echo-1704110400000-3"),
               echoData(3, 3, hello1), QStringLiteral("5000"))
        << QStringList { QStringLiteral("📥 SSE Event [final-message]:"),
               QStringLiteral("   🆔 ID: echo-1704110400000-3"),
               QStringLiteral("   🔄 Retry: 5000ms"),
               QStringLiteral("   📝 Data: Echo 3/3: Hello Server! #1") };
    QTest::newRow("event without id")
        << DataStyle::EchoResponse
        << sseEvent(QStringLiteral("message"), QString(), QStringLiteral("x"))
        << QStringList { QStringLiteral("📥 SSE Event [message]:"), QStringLiteral("   📝 Data: x") };
    QTest::newRow("retry without id")
        << DataStyle::EchoResponse
        << sseEvent(QStringLiteral("tick"), QString(), QStringLiteral("x"), QStringLiteral("0"))
        << QStringList { QStringLiteral("📥 SSE Event [tick]:"), QStringLiteral("   🔄 Retry: 0ms"),
               QStringLiteral("   📝 Data: x") };
    QTest::newRow("raw style keeps echo JSON")
        << DataStyle::Raw
        << sseEvent(QStringLiteral("message"), QStringLiteral("7"), echoData(1, 3, hello1))
        << QStringList { QStringLiteral("📥 SSE Event [message]:"), QStringLiteral("   🆔 ID: 7"),
               QStringLiteral("   📝 Data: ") + echoData(1, 3, hello1) };
    QTest::newRow("multi-line data indented")
        << DataStyle::Raw
        << sseEvent(QStringLiteral("message"), QString(), QStringLiteral("a\nb\nc"))
        << QStringList { QStringLiteral("📥 SSE Event [message]:"),
               QStringLiteral("   📝 Data: a\n           b\n           c") };
    QTest::newRow("empty data") << DataStyle::Raw
                                << sseEvent(QStringLiteral("message"), QString(), QString())
                                << QStringList { QStringLiteral("📥 SSE Event [message]:"),
                                       QStringLiteral("   📝 Data: ") };
    QTest::newRow("legacy data") << DataStyle::EchoResponse
                                 << textMessage(Message::Type::Data, echoData(2, 3, hello1))
                                 << QStringList { QStringLiteral(
                                        "📨 Legacy data: Echo 2/3: Hello Server! #1") };
    QTest::newRow("error") << DataStyle::EchoResponse
                           << textMessage(Message::Type::Error,
                                  QStringLiteral("connection refused: localhost:8081"))
                           << QStringList { QStringLiteral(
                                  "❌ Error: connection refused: localhost:8081") };
    QTest::newRow("closed normally")
        << DataStyle::EchoResponse
        << textMessage(Message::Type::Closed, QStringLiteral("Server closed connection normally."))
        << QStringList { QStringLiteral("🔚 Server closed: Server closed connection normally.") };
    QTest::newRow("closed cancelled")
        << DataStyle::Raw
        << textMessage(Message::Type::Closed, QStringLiteral("cancelled by client"))
        << QStringList { QStringLiteral("🔚 Server closed: cancelled by client") };

    // reconnecting (PROTOCOL.md §4): the wait, the attempt, the ID it resumes from, the reason.
    QTest::newRow("reconnecting")
        << DataStyle::Raw
        << reconnectingMessage(1, 3000, QStringLiteral("tick-100"),
               QStringLiteral("upstream connection to localhost:8081 broke off mid-stream"))
        << QStringList { QStringLiteral("🔁 Reconnecting in 3000 ms (attempt 1, last event ID "
                                        "\"tick-100\"): upstream connection to localhost:8081 "
                                        "broke off mid-stream") };
    QTest::newRow("reconnecting without a last event ID")
        << DataStyle::Raw
        << reconnectingMessage(
               4, 0, QString(), QStringLiteral("connection refused by 127.0.0.1:8081"))
        << QStringList { QStringLiteral("🔁 Reconnecting in 0 ms (attempt 4): connection refused "
                                        "by 127.0.0.1:8081") };
    QTest::newRow("reconnecting without a reason")
        << DataStyle::EchoResponse << reconnectingMessage(2, 250, QStringLiteral("%1"), QString())
        << QStringList { QStringLiteral("🔁 Reconnecting in 250 ms (attempt 2, last event ID "
                                        "\"%1\")") };
}

void TstTranscriptPrinter::format()
{
    QFETCH(DataStyle, style);
    QFETCH(Message, message);
    QFETCH(QStringList, expected);
    QCOMPARE(TranscriptPrinter(style).format(message), expected);
}

void TstTranscriptPrinter::displayData_data()
{
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("expected");

    // Only echo JSON is reduced to its response; everything else shows as it came.
    QTest::newRow("echo") << echoData(2, 3, QStringLiteral("Hi")) << QStringLiteral("Echo 2/3: Hi");
    QTest::newRow("echo with empty response")
        << QStringLiteral(R"({"type":"echo","response":""})") << QString();
    QTest::newRow("plain text") << QStringLiteral("hello") << QStringLiteral("hello");
    QTest::newRow("JSON without type")
        << QStringLiteral(R"({"response":"x"})") << QStringLiteral(R"({"response":"x"})");
    QTest::newRow("other type") << QStringLiteral(R"({"type":"tick","response":"x"})")
                                << QStringLiteral(R"({"type":"tick","response":"x"})");
    QTest::newRow("response not a string") << QStringLiteral(R"({"type":"echo","response":5})")
                                           << QStringLiteral(R"({"type":"echo","response":5})");
    QTest::newRow("array") << QStringLiteral("[1,2]") << QStringLiteral("[1,2]");
    QTest::newRow("broken JSON") << QStringLiteral(R"({"type":"echo",)")
                                 << QStringLiteral(R"({"type":"echo",)");
    QTest::newRow("empty") << QString() << QString();
}

void TstTranscriptPrinter::displayData()
{
    QFETCH(QString, data);
    QFETCH(QString, expected);
    QCOMPARE(TranscriptPrinter(DataStyle::EchoResponse).displayData(data), expected);
    QCOMPARE(TranscriptPrinter(DataStyle::Raw).displayData(data), data);
}

void TstTranscriptPrinter::connectedWithHeaders()
{
    TranscriptPrinter printer(DataStyle::Raw);
    printer.setShowHeaders(true);
    QCOMPARE(printer.format(connectedMessage(200)),
        (QStringList { QStringLiteral("✅ Connected to server (200)"),
            QStringLiteral("   content-type: text/event-stream"),
            QStringLiteral("   x-server-name: Test SSE Server") }));
}

void TstTranscriptPrinter::section8Transcript()
{
    // The whole first request of §8 assembled from the printer's pieces.
    const TranscriptPrinter printer;
    const QString hello1 = QStringLiteral("Hello Server! #1");
    QStringList lines { TranscriptPrinter::connectedToProxy(), TranscriptPrinter::sending(3),
        TranscriptPrinter::sent(1, hello1) };
    lines << printer.format(connectedMessage(200));
    lines << printer.format(sseEvent(
        QStringLiteral("message"), QStringLiteral("echo-1704110400000-1"), echoData(1, 3, hello1)));
    lines << printer.format(sseEvent(QStringLiteral("user-message"),
        QStringLiteral("echo-1704110400000-2"), echoData(2, 3, hello1)));
    lines << printer.format(sseEvent(QStringLiteral("final-message"),
        QStringLiteral("echo-1704110400000-3"), echoData(3, 3, hello1), QStringLiteral("5000")));
    lines << printer.format(
        textMessage(Message::Type::Closed, QStringLiteral("Server closed connection normally.")));
    lines << TranscriptPrinter::complete(3);

    const QString expected = QStringLiteral("✅ Connected to Proxy WebSocket\n"
                                            "📋 Sending 3 messages\n"
                                            "📤 #1: Hello Server! #1\n"
                                            "✅ Connected to server (200)\n"
                                            "📥 SSE Event [message]:\n"
                                            "   🆔 ID: echo-1704110400000-1\n"
                                            "   📝 Data: Echo 1/3: Hello Server! #1\n"
                                            "📥 SSE Event [user-message]:\n"
                                            "   🆔 ID: echo-1704110400000-2\n"
                                            "   📝 Data: Echo 2/3: Hello Server! #1\n"
                                            "📥 SSE Event [final-message]:\n"
                                            "   🆔 ID: echo-1704110400000-3\n"
                                            "   🔄 Retry: 5000ms\n"
                                            "   📝 Data: Echo 3/3: Hello Server! #1\n"
                                            "🔚 Server closed: Server closed connection normally.\n"
                                            "✅ Sent 3 messages. Test complete.");
    QCOMPARE(lines.join(u'\n'), expected);
}

// With several streams each line, continuation lines of a multi-line data too, starts with
// "[id] ", so that grep '^\[news\] ' gives one stream's whole transcript.
void TstTranscriptPrinter::tagged_data()
{
    QTest::addColumn<QStringList>("lines");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("one line") << QStringList { QStringLiteral("✅ Connected to server (200)") }
                              << QStringLiteral("1")
                              << QStringList { QStringLiteral("[1] ✅ Connected to server (200)") };
    const Message event
        = sseEvent(QStringLiteral("tick"), QStringLiteral("tick-1"), QStringLiteral("a\nb"));
    QTest::newRow("event with multi-line data")
        << TranscriptPrinter(DataStyle::Raw).format(event) << QStringLiteral("news")
        << QStringList { QStringLiteral("[news] 📥 SSE Event [tick]:"),
               QStringLiteral("[news]    🆔 ID: tick-1"),
               QStringLiteral("[news]    📝 Data: a\n[news]            b") };
    QTest::newRow("id with spaces")
        << QStringList { QStringLiteral("x") } << QStringLiteral("my feed")
        << QStringList { QStringLiteral("[my feed] x") };
    QTest::newRow("no lines") << QStringList() << QStringLiteral("1") << QStringList();
}

void TstTranscriptPrinter::tagged()
{
    QFETCH(QStringList, lines);
    QFETCH(QString, id);
    QFETCH(QStringList, expected);
    QCOMPARE(TranscriptPrinter::tagged(lines, id), expected);
}

QTEST_GUILESS_MAIN(TstTranscriptPrinter)
#include "tst_transcriptprinter.moc"
