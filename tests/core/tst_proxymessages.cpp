// ProxyMessages against PROTOCOL.md §3: the exact text of every encoder, the same text read back
// by QJsonDocument (so it is valid JSON with the intended values), a round trip through
// Message::parse, JSON escaping of awkward characters, and Message::parse's errors.

#include "proxymessages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QTest>

Q_DECLARE_METATYPE(ProxyMessages::Message::Type)

using ProxyMessages::Message;

namespace {

QString j(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

QJsonObject parseObject(const QString &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QJsonObject { { QStringLiteral("invalid JSON"), text } };
    return doc.object();
}

SseEvent makeEvent(const QString &type, const QString &data, const QString &id = QString(),
    const QString &retry = QString())
{
    SseEvent e;
    e.type = type;
    e.data = data;
    e.lastEventId = id;
    e.retry = retry;
    e.hasRetry = !retry.isNull();
    return e;
}

// Strings that exercise every escaping rule of JSON (RFC 8259 §7) and the characters that are
// valid unescaped but easy to mangle.
struct Awkward
{
    const char *tag;
    QString text;
};

QList<Awkward> awkwardStrings()
{
    return {
        { "empty", QString() },
        { "plain", QStringLiteral("hello") },
        { "quotes", QStringLiteral("say \"hi\"") },
        { "backslashes", QStringLiteral("C:\\path\\") },
        { "newline and CR", QStringLiteral("a\nb\r\nc\r") },
        { "tab backspace formfeed", QStringLiteral("\t\b\f") },
        { "NUL and other C0", QString(QChar(0)) + QChar(1) + QChar(0x1f) + QStringLiteral("x") },
        { "DEL and C1", QString(QChar(0x7f)) + QChar(0x80) + QChar(0x9f) },
        { "slash", QStringLiteral("</script>") },
        { "latin and cyrillic", QStringLiteral("héllo мир") },
        { "line separators", QString(QChar(0x2028)) + QChar(0x2029) },
        { "non-BMP", QStringLiteral("😀 𝄞") },
        { "replacement char", QString(QChar(0xfffd)) },
        { "json-looking", QStringLiteral("{\"type\":\"closed\"}") },
    };
}

} // namespace

class TestProxyMessages : public QObject
{
    Q_OBJECT

private slots:
    void connected_data();
    void connected();
    void sseEvent_data();
    void sseEvent();
    void appendSseEventReusesBuffer();
    void textMessages_data();
    void textMessages();
    void closedReasons_data();
    void closedReasons();
    void messagesWithId();
    void reconnecting();
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
};

// connected: names lower-cased, repeats joined with ", " in arrival order, first-arrival order
// kept.
void TestProxyMessages::connected_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<HttpHeaderList>("headers");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no headers")
        << 200 << HttpHeaderList()
        << j(R"({"type":"connected","payload":{"status":200,"headers":{}}})");
    QTest::newRow("one header lower-cased")
        << 200 << HttpHeaderList { { "Content-Type", "text/event-stream" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"content-type":"text/event-stream"}}})");
    QTest::newRow("order of arrival")
        << 200
        << HttpHeaderList { { "X-Server-Name", "Test SSE Server" },
               { "Cache-Control", "no-cache" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"x-server-name":"Test SSE Server","cache-control":"no-cache"}}})");
    QTest::newRow("repeats joined")
        << 200
        << HttpHeaderList { { "Set-Cookie", "a=1" }, { "X-A", "x" }, { "set-cookie", "b=2" },
               { "SET-COOKIE", "c=3" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"set-cookie":"a=1, b=2, c=3","x-a":"x"}}})");
    QTest::newRow("empty values joined")
        << 204 << HttpHeaderList { { "X-E", "" }, { "x-e", "" } }
        << j(R"({"type":"connected","payload":{"status":204,"headers":{"x-e":", "}}})");
    QTest::newRow("status 404")
        << 404 << HttpHeaderList { { "Content-Type", "text/html" } }
        << j(R"({"type":"connected","payload":{"status":404,"headers":{"content-type":"text/html"}}})");
    QTest::newRow("escaped value")
        << 200 << HttpHeaderList { { "X-Q", "a \"quoted\" \\ value\t" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"x-q":"a \"quoted\" \\ value\t"}}})");
    QTest::newRow("utf-8 value")
        << 200 << HttpHeaderList { { "X-U", "h\xc3\xa9 \xf0\x9f\x98\x80" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"x-u":"hé 😀"}}})");
    QTest::newRow("invalid utf-8 value")
        << 200 << HttpHeaderList { { "X-B", "a\xff" } }
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"x-b":"a�"}}})");
}

void TestProxyMessages::connected()
{
    QFETCH(int, status);
    QFETCH(HttpHeaderList, headers);
    QFETCH(QString, expected);

    const QString text = ProxyMessages::connected(status, headers);
    QCOMPARE(text, expected);
    QCOMPARE(parseObject(text), parseObject(expected));

    QString error;
    const std::optional<Message> message = Message::parse(text, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, Message::Type::Connected);
    QCOMPARE(message->status, status);
    const QJsonObject expectedHeaders
        = parseObject(expected)[QStringLiteral("payload")][QStringLiteral("headers")].toObject();
    QCOMPARE(message->headers.size(), expectedHeaders.size());
    for (auto it = expectedHeaders.constBegin(); it != expectedHeaders.constEnd(); ++it)
        QCOMPARE(message->headers.value(it.key()), it.value().toString());
}

// sse-event: `id` only when the last event ID is not empty, `retry` only when set; every field
// escaped.
void TestProxyMessages::sseEvent_data()
{
    QTest::addColumn<SseEvent>("event");
    QTest::addColumn<QString>("expected");

    QTest::newRow("data only") << makeEvent(QStringLiteral("message"),
        QStringLiteral(
            "hello")) << j(R"({"type":"sse-event","payload":{"event":"message","data":"hello"}})");
    QTest::newRow("with id")
        << makeEvent(QStringLiteral("message"), QStringLiteral("x"), QStringLiteral("echo-1-1"))
        << j(R"({"type":"sse-event","payload":{"id":"echo-1-1","event":"message","data":"x"}})");
    QTest::newRow("with retry")
        << makeEvent(QStringLiteral("final-message"), QStringLiteral("x"), QString(),
               QStringLiteral("5000"))
        << j(R"({"type":"sse-event","payload":{"event":"final-message","data":"x","retry":"5000"}})");
    QTest::newRow("all fields")
        << makeEvent(QStringLiteral("user-message"), QStringLiteral("{\"a\":1}"),
               QStringLiteral("7"), QStringLiteral("0"))
        << j(R"({"type":"sse-event","payload":{"id":"7","event":"user-message","data":"{\"a\":1}","retry":"0"}})");
    QTest::newRow("empty data") << makeEvent(QStringLiteral("message"),
        QString()) << j(R"({"type":"sse-event","payload":{"event":"message","data":""}})");
    QTest::newRow("multi-line data")
        << makeEvent(QStringLiteral("message"), QStringLiteral("a\nb\n"))
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"a\nb\n"}})");
    QTest::newRow("control characters")
        << makeEvent(QStringLiteral("message"),
               QString(QChar(0)) + QChar(1) + QChar(0x1f) + QStringLiteral("\b\f\r\t"))
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"\u0000\u0001\u001f\b\f\r\t"}})");
    QTest::newRow("quotes and backslashes everywhere")
        << makeEvent(QStringLiteral("t\"\\"), QStringLiteral("d\"\\"), QStringLiteral("i\"\\"))
        << j(R"({"type":"sse-event","payload":{"id":"i\"\\","event":"t\"\\","data":"d\"\\"}})");
    QTest::newRow("non-BMP and DEL unescaped")
        << makeEvent(QStringLiteral("message"), QStringLiteral("😀\x7f\u2028"))
        << j("{\"type\":\"sse-event\",\"payload\":{\"event\":\"message\",\"data\":\"😀\x7f\u2028\"}"
             "}");

    // Every awkward string in every field: checked through QJsonDocument and the round trip.
    for (const Awkward &a : awkwardStrings()) {
        const SseEvent e = makeEvent(a.text.isEmpty() ? QStringLiteral("message") : a.text, a.text,
            a.text, QStringLiteral("1"));
        QJsonObject payload { { QStringLiteral("event"), e.type },
            { QStringLiteral("data"), e.data }, { QStringLiteral("retry"), QStringLiteral("1") } };
        if (!e.lastEventId.isEmpty())
            payload.insert(QStringLiteral("id"), e.lastEventId);
        const QJsonObject message { { QStringLiteral("type"), QStringLiteral("sse-event") },
            { QStringLiteral("payload"), payload } };
        QTest::newRow(qPrintable(QStringLiteral("awkward: ") + j(a.tag)))
            << e << QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
    }
}

void TestProxyMessages::sseEvent()
{
    QFETCH(SseEvent, event);
    QFETCH(QString, expected);

    const QString text = ProxyMessages::sseEvent(event);
    // Exact text where the row spells it out; QJsonDocument orders keys its own way otherwise.
    if (!QByteArray(QTest::currentDataTag()).startsWith("awkward"))
        QCOMPARE(text, expected);
    QCOMPARE(parseObject(text), parseObject(expected));

    QString error;
    const std::optional<Message> message = Message::parse(text, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, Message::Type::SseEvent);
    QCOMPARE(message->event, event);
}

void TestProxyMessages::appendSseEventReusesBuffer()
{
    const SseEvent first
        = makeEvent(QStringLiteral("message"), QStringLiteral("one"), QStringLiteral("1"));
    const SseEvent second = makeEvent(
        QStringLiteral("other"), QStringLiteral("two"), QString(), QStringLiteral("10"));

    QString buffer = QStringLiteral("prefix:");
    ProxyMessages::appendSseEvent(buffer, first);
    QCOMPARE(buffer, QStringLiteral("prefix:") + ProxyMessages::sseEvent(first));

    // Cleared and reused: the capacity survives, the text is the new event only.
    buffer.clear();
    ProxyMessages::appendSseEvent(buffer, second);
    const qsizetype capacity = buffer.capacity();
    QCOMPARE(buffer, ProxyMessages::sseEvent(second));
    buffer.resize(0);
    ProxyMessages::appendSseEvent(buffer, second);
    QCOMPARE(buffer, ProxyMessages::sseEvent(second));
    QCOMPARE(buffer.capacity(), capacity);
}

// data (legacy), error and closed carry one string each.
void TestProxyMessages::textMessages_data()
{
    QTest::addColumn<Message::Type>("type");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("data") << Message::Type::Data << QStringLiteral("{\"type\":\"echo\"}")
                          << j(R"({"type":"data","payload":"{\"type\":\"echo\"}"})");
    QTest::newRow("error")
        << Message::Type::Error << QStringLiteral("port: must be an integer from 1 to 65535")
        << j(R"({"type":"error","payload":{"message":"port: must be an integer from 1 to 65535"}})");
    QTest::newRow("closed") << Message::Type::Closed << QStringLiteral("timeout")
                            << j(R"({"type":"closed","payload":{"reason":"timeout"}})");
    QTest::newRow("error escaped")
        << Message::Type::Error << QStringLiteral("bad \"x\"\n\\")
        << j(R"({"type":"error","payload":{"message":"bad \"x\"\n\\"}})");

    const auto encode = [](Message::Type type, const QString &text) {
        QJsonObject message;
        switch (type) {
        case Message::Type::Data:
            message = { { QStringLiteral("type"), QStringLiteral("data") },
                { QStringLiteral("payload"), text } };
            break;
        case Message::Type::Error:
            message = { { QStringLiteral("type"), QStringLiteral("error") },
                { QStringLiteral("payload"),
                    QJsonObject { { QStringLiteral("message"), text } } } };
            break;
        default:
            message = { { QStringLiteral("type"), QStringLiteral("closed") },
                { QStringLiteral("payload"), QJsonObject { { QStringLiteral("reason"), text } } } };
            break;
        }
        return QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
    };
    for (const Awkward &a : awkwardStrings()) {
        for (Message::Type type :
            { Message::Type::Data, Message::Type::Error, Message::Type::Closed }) {
            QTest::newRow(qPrintable(QStringLiteral("awkward %1 %2").arg(int(type)).arg(j(a.tag))))
                << type << a.text << encode(type, a.text);
        }
    }
}

void TestProxyMessages::textMessages()
{
    QFETCH(Message::Type, type);
    QFETCH(QString, text);
    QFETCH(QString, expected);

    QString actual;
    switch (type) {
    case Message::Type::Data:
        actual = ProxyMessages::legacyData(text);
        break;
    case Message::Type::Error:
        actual = ProxyMessages::error(text);
        break;
    case Message::Type::Closed:
        actual = ProxyMessages::closed(text);
        break;
    default:
        QFAIL("unexpected row type");
    }
    if (!QByteArray(QTest::currentDataTag()).startsWith("awkward"))
        QCOMPARE(actual, expected);
    QCOMPARE(parseObject(actual), parseObject(expected));

    QString error;
    const std::optional<Message> message = Message::parse(actual, &error);
    QVERIFY2(message, qPrintable(error));
    QVERIFY(error.isEmpty());
    QCOMPARE(message->type, type);
    QCOMPARE(message->text, text);
}

void TestProxyMessages::closedReasons_data()
{
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("expected");

    using namespace ProxyMessages;
    QTest::newRow("upstream ended")
        << QString::fromUtf16(reasonUpstreamEnded) << j("Server closed connection normally.");
    QTest::newRow("cancelled") << QString::fromUtf16(reasonCancelled) << j("cancelled by client");
    QTest::newRow("rejected") << QString::fromUtf16(reasonRejected) << j("request rejected");
    QTest::newRow("upstream error")
        << QString::fromUtf16(reasonUpstreamError) << j("upstream error");
    QTest::newRow("timeout") << QString::fromUtf16(reasonTimeout) << j("timeout");
    QTest::newRow("shutting down")
        << QString::fromUtf16(reasonShuttingDown) << j("proxy shutting down");
    QTest::newRow("stalled") << QString::fromUtf16(reasonClientStalled) << j("client not reading");
}

// The reasons PROTOCOL.md §3 lists, spelled exactly.
void TestProxyMessages::closedReasons()
{
    QFETCH(QString, reason);
    QFETCH(QString, expected);
    QCOMPARE(reason, expected);
    QCOMPARE(ProxyMessages::closed(reason),
        QStringLiteral(R"({"type":"closed","payload":{"reason":"%1"}})").arg(expected));
}

// Every message about a request with an id carries it, right after "type" (PROTOCOL.md §4).
void TestProxyMessages::messagesWithId()
{
    const QString id = QStringLiteral("a\"b");
    SseEvent event;
    event.type = QStringLiteral("tick");
    event.data = QStringLiteral("d");
    event.lastEventId = QStringLiteral("7");
    const QString sse = ProxyMessages::sseEvent(event, id);
    QCOMPARE(sse,
        j(R"({"type":"sse-event","id":"a\"b","payload":{"id":"7","event":"tick","data":"d"}})"));
    QCOMPARE(ProxyMessages::connected(204, {}, id),
        j(R"({"type":"connected","id":"a\"b","payload":{"status":204,"headers":{}}})"));
    QCOMPARE(ProxyMessages::legacyData(QStringLiteral("d"), id),
        j(R"({"type":"data","id":"a\"b","payload":"d"})"));
    QCOMPARE(ProxyMessages::error(QStringLiteral("m"), id),
        j(R"({"type":"error","id":"a\"b","payload":{"message":"m"}})"));
    QCOMPARE(ProxyMessages::closed(QStringLiteral("r"), id),
        j(R"({"type":"closed","id":"a\"b","payload":{"reason":"r"}})"));

    // Decoded back, each names its stream; without an id, none.
    for (const QString &text : { sse, ProxyMessages::connected(200, {}, id),
             ProxyMessages::legacyData(QStringLiteral("d"), id),
             ProxyMessages::error(QStringLiteral("m"), id),
             ProxyMessages::closed(QStringLiteral("r"), id) }) {
        QString error;
        const std::optional<Message> message = Message::parse(text, &error);
        QVERIFY2(message, qPrintable(error));
        QCOMPARE(message->id, id);
    }
    QString error;
    QCOMPARE(Message::parse(ProxyMessages::sseEvent(event), &error)->id, QString());
    QVERIFY(!Message::parse(j(R"({"type":"closed","id":"","payload":{"reason":"r"}})"), &error));
    QCOMPARE(error, j("id: must be a string of 1 to 64 printable ASCII characters"));
    QVERIFY(!Message::parse(j(R"({"type":"closed","id":7,"payload":{"reason":"r"}})"), &error));
}

void TestProxyMessages::reconnecting()
{
    const ProxyMessages::Reconnecting what { 2, 3000, QStringLiteral("tick-5"),
        QStringLiteral("upstream ended") };
    const QString text = ProxyMessages::reconnecting(what, u"s");
    QCOMPARE(text,
        j(R"({"type":"reconnecting","id":"s","payload":{"attempt":2,"delayMs":3000,"lastEventId":"tick-5","reason":"upstream ended"}})"));
    QString error;
    const std::optional<Message> message = Message::parse(text, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, Message::Type::Reconnecting);
    QCOMPARE(message->id, QStringLiteral("s"));
    QCOMPARE(message->reconnecting.attempt, 2);
    QCOMPARE(message->reconnecting.delayMs, 3000);
    QCOMPARE(message->reconnecting.lastEventId, QStringLiteral("tick-5"));
    QCOMPARE(message->reconnecting.reason, QStringLiteral("upstream ended"));
    QCOMPARE(ProxyMessages::reconnecting(what),
        j(R"({"type":"reconnecting","payload":{"attempt":2,"delayMs":3000,"lastEventId":"tick-5","reason":"upstream ended"}})"));

    QVERIFY(!Message::parse(
        j(R"({"type":"reconnecting","payload":{"attempt":0,"delayMs":1,"lastEventId":"","reason":""}})"),
        &error));
    QCOMPARE(error, j("reconnecting: payload.attempt: must be an integer from 1 to 2147483647"));
    QVERIFY(!Message::parse(
        j(R"({"type":"reconnecting","payload":{"attempt":1,"delayMs":1,"reason":""}})"), &error));
    QCOMPARE(error, j("reconnecting: payload.lastEventId: missing"));
}

// Message::parse accepts what other proxies may add: unknown fields are ignored.
void TestProxyMessages::parseValid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Message::Type>("type");
    QTest::addColumn<QString>("field"); // text, or event data, or a header value

    QTest::newRow("connected extra field")
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"a":"b"},"extra":1},"v":2})")
        << Message::Type::Connected << j("b");
    QTest::newRow("sse-event minimal")
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"d"}})")
        << Message::Type::SseEvent << j("d");
    QTest::newRow("data") << j(R"({"type":"data","payload":""})") << Message::Type::Data
                          << QString();
    QTest::newRow("error") << j(R"({"type":"error","payload":{"message":"m","code":5}})")
                           << Message::Type::Error << j("m");
    QTest::newRow("closed whitespace")
        << j(" {\n\"payload\" : {\"reason\":\"r\"}, \"type\":\"closed\"}\n")
        << Message::Type::Closed << j("r");
}

void TestProxyMessages::parseValid()
{
    QFETCH(QString, text);
    QFETCH(Message::Type, type);
    QFETCH(QString, field);

    QString error;
    const std::optional<Message> message = Message::parse(text, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->type, type);
    switch (type) {
    case Message::Type::Connected:
        QCOMPARE(message->status, 200);
        QCOMPARE(message->headers.value(QStringLiteral("a")), field);
        break;
    case Message::Type::SseEvent:
        QCOMPARE(message->event.data, field);
        QCOMPARE(message->event.type, QStringLiteral("message"));
        QVERIFY(message->event.lastEventId.isEmpty());
        QVERIFY(!message->event.hasRetry);
        break;
    default:
        QCOMPARE(message->text, field);
    }
}

void TestProxyMessages::parseInvalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");

    const auto parseError = [](const char *text) {
        QJsonParseError e;
        QJsonDocument::fromJson(text, &e);
        return QStringLiteral("message is not JSON: %1 at offset %2")
            .arg(e.errorString())
            .arg(e.offset);
    };
    for (const char *text :
        { "", " ", "nope", "{\"type\":", "{\"type\":\"closed\"} trailing", "7,8" })
        QTest::newRow(qPrintable(QStringLiteral("not JSON: ") + j(text)))
            << j(text) << parseError(text);
    QTest::newRow("array") << j(R"([{"type":"closed"}])")
                           << j("message must be a JSON object, got an array");
    // Valid JSON, but not an object (Qt 6.4 itself rejects scalars at the top level).
    for (const char *text : { "7", "\"closed\"", "null" })
        QTest::newRow(qPrintable(QStringLiteral("scalar: ") + j(text)))
            << j(text) << j("message must be a JSON object, got a scalar");
    QTest::newRow("no type") << j(R"({"payload":{}})") << j("type: must be a string");
    QTest::newRow("type number") << j(R"({"type":3,"payload":{}})") << j("type: must be a string");
    QTest::newRow("unknown type") << j(R"({"type":"open","payload":{}})")
                                  << j(R"(type: unknown message type "open")");
    QTest::newRow("data payload object")
        << j(R"({"type":"data","payload":{}})") << j("data: payload must be a string");
    QTest::newRow("data payload missing")
        << j(R"({"type":"data"})") << j("data: payload must be a string");
    QTest::newRow("connected payload string")
        << j(R"({"type":"connected","payload":"x"})") << j("connected: payload must be an object");
    QTest::newRow("connected payload missing")
        << j(R"({"type":"connected"})") << j("connected: payload must be an object");
    const QString status = j("connected: payload.status: must be an integer from 0 to 999");
    QTest::newRow("status missing") << j(R"({"type":"connected","payload":{"headers":{}}})")
                                    << j("connected: payload.status: missing");
    QTest::newRow("status string")
        << j(R"({"type":"connected","payload":{"status":"200","headers":{}}})") << status;
    QTest::newRow("status fraction")
        << j(R"({"type":"connected","payload":{"status":200.5,"headers":{}}})") << status;
    QTest::newRow("status negative")
        << j(R"({"type":"connected","payload":{"status":-1,"headers":{}}})") << status;
    QTest::newRow("status 1000") << j(
        R"({"type":"connected","payload":{"status":1000,"headers":{}}})")
                                 << status;
    QTest::newRow("headers missing") << j(R"({"type":"connected","payload":{"status":200}})")
                                     << j("connected: payload.headers: missing");
    QTest::newRow("headers array")
        << j(R"({"type":"connected","payload":{"status":200,"headers":[]}})")
        << j("connected: payload.headers: must be an object");
    QTest::newRow("header value number")
        << j(R"({"type":"connected","payload":{"status":200,"headers":{"x":1}}})")
        << j("connected: payload.headers.x: must be a string");
    QTest::newRow("sse-event payload array")
        << j(R"({"type":"sse-event","payload":[]})") << j("sse-event: payload must be an object");
    QTest::newRow("sse-event no event") << j(R"({"type":"sse-event","payload":{"data":"d"}})")
                                        << j("sse-event: payload.event: missing");
    QTest::newRow("sse-event no data") << j(R"({"type":"sse-event","payload":{"event":"message"}})")
                                       << j("sse-event: payload.data: missing");
    QTest::newRow("sse-event data null")
        << j(R"({"type":"sse-event","payload":{"event":"message","data":null}})")
        << j("sse-event: payload.data: missing");
    QTest::newRow("sse-event id number")
        << j(R"({"type":"sse-event","payload":{"id":1,"event":"message","data":""}})")
        << j("sse-event: payload.id: must be a string");
    QTest::newRow("sse-event retry number")
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"","retry":5000}})")
        << j("sse-event: payload.retry: must be a string");
    QTest::newRow("sse-event retry letters")
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"","retry":"5s"}})")
        << j("sse-event: payload.retry: must be a string of digits");
    QTest::newRow("sse-event retry empty")
        << j(R"({"type":"sse-event","payload":{"event":"message","data":"","retry":""}})")
        << j("sse-event: payload.retry: must be a string of digits");
    QTest::newRow("error no message")
        << j(R"({"type":"error","payload":{}})") << j("error: payload.message: missing");
    QTest::newRow("error payload string")
        << j(R"({"type":"error","payload":"boom"})") << j("error: payload must be an object");
    QTest::newRow("closed reason number") << j(R"({"type":"closed","payload":{"reason":1}})")
                                          << j("closed: payload.reason: must be a string");
    QTest::newRow("closed payload null")
        << j(R"({"type":"closed","payload":null})") << j("closed: payload must be an object");
}

void TestProxyMessages::parseInvalid()
{
    QFETCH(QString, text);
    QFETCH(QString, error);

    QString actual;
    QVERIFY(!Message::parse(text, &actual));
    QCOMPARE(actual, error);
    QVERIFY(!Message::parse(text, nullptr));
}

QTEST_GUILESS_MAIN(TestProxyMessages)
#include "tst_proxymessages.moc"
