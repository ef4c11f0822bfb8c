// HttpRequestHead::parse against RFC 9112 §2-§5: complete heads with their parts, incomplete
// input, the size limit, and malformed request lines and header fields (including those a
// request smuggler would use: whitespace before the colon, folded lines, bare CR, NUL).

#include "httprequesthead.h"

#include <QTest>

namespace {

QStringList render(const HttpHeaderList &headers)
{
    QStringList lines;
    for (const HttpHeader &h : headers)
        lines.append(QString::fromLatin1(h.first) + u'|' + QString::fromLatin1(h.second));
    return lines;
}

} // namespace

class TestHttpRequestHead : public QObject
{
    Q_OBJECT

private slots:
    void complete_data();
    void complete();
    void incomplete_data();
    void incomplete();
    void bad_data();
    void bad();
    void sizeLimit();
    void headerLookup();
};

// Happy rows: the parts of a complete head; `size` ends at the blank line, whatever follows.
void TestHttpRequestHead::complete_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QStringList>("headers");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("size");

    const QByteArray get = "GET /events?message=hi HTTP/1.1\r\nHost: localhost:8081\r\n\r\n";
    QTest::newRow("get with query")
        << get << QByteArray("GET") << QByteArray("/events?message=hi") << QByteArray("HTTP/1.1")
        << QStringList { QStringLiteral("Host|localhost:8081") } << QByteArray("/events")
        << QByteArray("message=hi") << int(get.size());
    QTest::newRow("body follows") << get + "{\"message\":\"x\"}GET / HTTP/1.1\r\n\r\n"
                                  << QByteArray("GET") << QByteArray("/events?message=hi")
                                  << QByteArray("HTTP/1.1")
                                  << QStringList { QStringLiteral("Host|localhost:8081") }
                                  << QByteArray("/events") << QByteArray("message=hi")
                                  << int(get.size());
    QTest::newRow("no headers http/1.0")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/")
        << QByteArray("HTTP/1.0") << QStringList() << QByteArray("/") << QByteArray() << 18;
    QTest::newRow("headers trimmed and kept in order")
        << QByteArray(
               "POST /events HTTP/1.1\r\nContent-Type:application/json\r\nX-Pad: \t v a \t\r\n"
               "x-empty:\r\nX-Spaces:   \r\nContent-Length: 2\r\n\r\n{}")
        << QByteArray("POST") << QByteArray("/events") << QByteArray("HTTP/1.1")
        << QStringList { QStringLiteral("Content-Type|application/json"),
               QStringLiteral("X-Pad|v a"), QStringLiteral("x-empty|"), QStringLiteral("X-Spaces|"),
               QStringLiteral("Content-Length|2") }
        << QByteArray("/events") << QByteArray() << 115;
    QTest::newRow("colon in value")
        << QByteArray("GET / HTTP/1.1\r\nReferer: http://a:1/b\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray("HTTP/1.1")
        << QStringList { QStringLiteral("Referer|http://a:1/b") } << QByteArray("/") << QByteArray()
        << 41;
    QTest::newRow("repeated header")
        << QByteArray("GET / HTTP/1.1\r\nA: 1\r\na: 2\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray("HTTP/1.1")
        << QStringList { QStringLiteral("A|1"), QStringLiteral("a|2") } << QByteArray("/")
        << QByteArray() << 30;
    QTest::newRow("two question marks")
        << QByteArray("GET /a?b?c HTTP/1.1\r\n\r\n") << QByteArray("GET") << QByteArray("/a?b?c")
        << QByteArray("HTTP/1.1") << QStringList() << QByteArray("/a") << QByteArray("b?c") << 23;
    QTest::newRow("empty query") << QByteArray("GET /a? HTTP/1.1\r\n\r\n") << QByteArray("GET")
                                 << QByteArray("/a?") << QByteArray("HTTP/1.1") << QStringList()
                                 << QByteArray("/a") << QByteArray() << 20;
    QTest::newRow("asterisk form")
        << QByteArray("OPTIONS * HTTP/1.1\r\n\r\n") << QByteArray("OPTIONS") << QByteArray("*")
        << QByteArray("HTTP/1.1") << QStringList() << QByteArray("*") << QByteArray() << 22;
    QTest::newRow("websocket upgrade")
        << QByteArray(
               "GET /proxy HTTP/1.1\r\nHost: localhost:3001\r\nUpgrade: websocket\r\nConnection: "
               "Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        << QByteArray("GET") << QByteArray("/proxy") << QByteArray("HTTP/1.1")
        << QStringList { QStringLiteral("Host|localhost:3001"), QStringLiteral("Upgrade|websocket"),
               QStringLiteral("Connection|Upgrade"),
               QStringLiteral("Sec-WebSocket-Key|dGhlIHNhbXBsZSBub25jZQ=="),
               QStringLiteral("Sec-WebSocket-Version|13") }
        << QByteArray("/proxy") << QByteArray() << 158;
    QTest::newRow("utf-8 in value kept")
        << QByteArray("GET / HTTP/1.1\r\nX-U: h\xc3\xa9\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << QByteArray("HTTP/1.1")
        << QStringList { QString::fromLatin1("X-U|h\xc3\xa9") } << QByteArray("/") << QByteArray()
        << 28;
}

void TestHttpRequestHead::complete()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, version);
    QFETCH(QStringList, headers);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(int, size);

    HttpRequestHead head;
    QString error;
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error), HttpRequestHead::Status::Complete);
    QVERIFY(error.isEmpty());
    QCOMPARE(head.method, method);
    QCOMPARE(head.target, target);
    QCOMPARE(head.version, version);
    QCOMPARE(render(head.headers), headers);
    QCOMPARE(head.path(), path);
    QCOMPARE(head.query(), query);
    QCOMPARE(head.size, qsizetype(size));
    QCOMPARE(bytes.left(size).right(4), QByteArray("\r\n\r\n"));

    // Every strict prefix is incomplete (the head arrives in pieces).
    for (int n = 0; n < size; ++n) {
        HttpRequestHead partial;
        QString partialError;
        QCOMPARE(HttpRequestHead::parse(QByteArrayView(bytes).first(n), &partial, &partialError),
            HttpRequestHead::Status::Incomplete);
        QVERIFY(partialError.isEmpty());
        QVERIFY(partial.method.isEmpty());
    }
    // A limit of exactly the head's size is enough; one less is not.
    QCOMPARE(
        HttpRequestHead::parse(bytes, &head, nullptr, size), HttpRequestHead::Status::Complete);
    QCOMPARE(
        HttpRequestHead::parse(bytes, &head, nullptr, size - 1), HttpRequestHead::Status::TooLarge);
}

void TestHttpRequestHead::incomplete_data()
{
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("method only") << QByteArray("GET");
    QTest::newRow("request line") << QByteArray("GET / HTTP/1.1\r\n");
    QTest::newRow("missing final LF") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r");
    QTest::newRow("garbage without blank line") << QByteArray("\x16\x03\x01\x02\x00");
}

void TestHttpRequestHead::incomplete()
{
    QFETCH(QByteArray, bytes);
    HttpRequestHead head;
    head.method = "UNTOUCHED";
    QString error;
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error), HttpRequestHead::Status::Incomplete);
    QVERIFY(error.isEmpty());
    QCOMPARE(head.method, QByteArray("UNTOUCHED"));
}

// Rainy rows: each malformed part with its message; the output head is left untouched.
void TestHttpRequestHead::bad_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");

    const QString requestLine = QStringLiteral("malformed request line");
    const QString version = QStringLiteral("unsupported HTTP version");
    const QString target = QStringLiteral("malformed request target");
    const QString headerLine = QStringLiteral("malformed header line");
    const QString headerName = QStringLiteral("invalid header name");
    const QString headerValue = QStringLiteral("invalid character in header value");

    QTest::newRow("no spaces") << QByteArray("GET\r\n\r\n") << requestLine;
    QTest::newRow("one space") << QByteArray("GET /\r\n\r\n") << requestLine;
    QTest::newRow("empty target") << QByteArray("GET  HTTP/1.1\r\n\r\n") << requestLine;
    QTest::newRow("leading space") << QByteArray(" GET / HTTP/1.1\r\n\r\n") << requestLine;
    QTest::newRow("empty request line") << QByteArray("\r\n\r\n") << requestLine;
    QTest::newRow("method not a token")
        << QByteArray("G(T / HTTP/1.1\r\n\r\n") << QStringLiteral("invalid method");
    QTest::newRow("method with NUL")
        << QByteArray("GE\0T / HTTP/1.1\r\n\r\n", 19) << QStringLiteral("invalid method");
    QTest::newRow("http/2") << QByteArray("GET / HTTP/2.0\r\n\r\n") << version;
    QTest::newRow("not http") << QByteArray("GET / FOO/1.1\r\n\r\n") << version;
    QTest::newRow("lower-case http") << QByteArray("GET / http/1.1\r\n\r\n") << version;
    QTest::newRow("version suffix") << QByteArray("GET / HTTP/1.1x\r\n\r\n") << version;
    QTest::newRow("version truncated") << QByteArray("GET / HTTP/1.\r\n\r\n") << version;
    QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << target;
    QTest::newRow("control in target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << target;
    QTest::newRow("CR in target") << QByteArray("GET /a\rb HTTP/1.1\r\n\r\n") << target;
    QTest::newRow("tab in target") << QByteArray("GET /a\tb HTTP/1.1\r\n\r\n") << target;
    QTest::newRow("header without colon")
        << QByteArray("GET / HTTP/1.1\r\nHost\r\n\r\n") << headerLine;
    QTest::newRow("header empty name") << QByteArray("GET / HTTP/1.1\r\n: v\r\n\r\n") << headerLine;
    // RFC 9112 §5.1: whitespace between name and colon MUST be rejected (request smuggling).
    QTest::newRow("space before colon")
        << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << headerName;
    QTest::newRow("tab before colon")
        << QByteArray("GET / HTTP/1.1\r\nContent-Length\t: 5\r\n\r\n") << headerName;
    // RFC 9112 §5.2: obsolete line folding MUST be rejected outside message/http.
    QTest::newRow("folded line") << QByteArray("GET / HTTP/1.1\r\nX-A: 1\r\n  X-B: 2\r\n\r\n")
                                 << headerName;
    QTest::newRow("folded tab") << QByteArray("GET / HTTP/1.1\r\nX-A: 1\r\n\tmore: x\r\n\r\n")
                                << headerName;
    QTest::newRow("name not a token")
        << QByteArray("GET / HTTP/1.1\r\nX(y): 1\r\n\r\n") << headerName;
    QTest::newRow("name non-ascii")
        << QByteArray("GET / HTTP/1.1\r\nX\xc3\xa9: 1\r\n\r\n") << headerName;
    // RFC 9112 §2.2: a bare CR MUST be rejected; NUL and other controls too (RFC 9110 §5.5).
    QTest::newRow("bare CR in value")
        << QByteArray("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n") << headerValue;
    QTest::newRow("bare LF in value")
        << QByteArray("GET / HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n") << headerValue;
    QTest::newRow("NUL in value") << QByteArray("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 28)
                                  << headerValue;
    QTest::newRow("DEL in value") << QByteArray("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n")
                                  << headerValue;
}

void TestHttpRequestHead::bad()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);

    HttpRequestHead head;
    head.method = "UNTOUCHED";
    QString actual;
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &actual), HttpRequestHead::Status::Bad);
    QCOMPARE(actual, error);
    QCOMPARE(head.method, QByteArray("UNTOUCHED"));
    QCOMPARE(head.headers.size(), 0);
    // A null error pointer is allowed.
    QCOMPARE(HttpRequestHead::parse(bytes, &head, nullptr), HttpRequestHead::Status::Bad);
}

void TestHttpRequestHead::sizeLimit()
{
    const QByteArray line = "X-Pad: " + QByteArray(90, 'p') + "\r\n"; // 99 bytes
    QByteArray bytes = "GET / HTTP/1.1\r\n";
    while (bytes.size() <= 1000)
        bytes += line;

    // No blank line yet: incomplete while within the limit, bad once past it.
    HttpRequestHead head;
    QString error;
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error, bytes.size()),
        HttpRequestHead::Status::Incomplete);
    QVERIFY(error.isEmpty());
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error, bytes.size() - 1),
        HttpRequestHead::Status::TooLarge);
    QCOMPARE(error, QStringLiteral("request head larger than %1 bytes").arg(bytes.size() - 1));

    // Complete but larger than the limit.
    bytes += "\r\n";
    error.clear();
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error, 1000), HttpRequestHead::Status::TooLarge);
    QCOMPARE(error, QStringLiteral("request head larger than 1000 bytes"));
    QCOMPARE(HttpRequestHead::parse(bytes, &head, &error), HttpRequestHead::Status::Complete);
    QCOMPARE(head.headers.size(), 10);

    // The default limit is 16 KiB.
    QByteArray big = "GET / HTTP/1.1\r\n";
    while (big.size() <= 16 * 1024)
        big += line;
    QCOMPARE(HttpRequestHead::parse(big, &head, &error), HttpRequestHead::Status::TooLarge);
    QCOMPARE(error, QStringLiteral("request head larger than 16384 bytes"));
}

void TestHttpRequestHead::headerLookup()
{
    HttpRequestHead head;
    QCOMPARE(HttpRequestHead::parse(
                 "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nhost: b\r\n\r\n", &head, nullptr),
        HttpRequestHead::Status::Complete);
    QCOMPARE(head.header("Host"), QByteArray("a"));
    QCOMPARE(head.header("HOST"), QByteArray("a")); // the first of a repeated header
    QCOMPARE(head.header("x-empty"), QByteArray(""));
    QVERIFY(!head.header("x-empty").isNull());
    QVERIFY(head.header("X-Missing").isNull());
    QVERIFY(head.header("Hos").isNull());
    QVERIFY(head.header("").isNull());
}

QTEST_GUILESS_MAIN(TestHttpRequestHead)
#include "tst_httprequesthead.moc"
