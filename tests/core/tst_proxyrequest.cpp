// ProxyRequest::fromJson and ClientMessage::parse against PROTOCOL.md §2: one happy and
// several rainy rows per field, the exact error text for each broken rule, the request's
// upstream headers, its URL, and toJson() -> fromJson() round trips.

#include "proxyrequest.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QTest>

Q_DECLARE_METATYPE(ProxyRequest)
Q_DECLARE_METATYPE(ProxyRequest::BodyKind)
Q_DECLARE_METATYPE(ClientMessage::Kind)

namespace {

QString j(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

QJsonObject object(const QString &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("bad test row JSON: %s", qPrintable(json));
    return doc.object();
}

// "Name: value" lines, so that a mismatch prints readably.
QStringList render(const HttpHeaderList &headers)
{
    QStringList lines;
    for (const HttpHeader &h : headers)
        lines.append(
            QString::fromLatin1(h.first) + QStringLiteral(": ") + QString::fromUtf8(h.second));
    return lines;
}

ProxyRequest request(
    const QString &address, int port = 80, const QString &protocol = QStringLiteral("http"))
{
    ProxyRequest r;
    r.address = address;
    r.port = port;
    r.protocol = protocol;
    return r;
}

ProxyRequest with(ProxyRequest r, const QString &path, const QByteArray &method = "GET")
{
    r.path = path;
    r.method = method;
    return r;
}

ProxyRequest withHeaders(ProxyRequest r, const HttpHeaderList &headers)
{
    r.headers = headers;
    return r;
}

ProxyRequest withBody(ProxyRequest r, ProxyRequest::BodyKind kind, const QByteArray &body)
{
    r.bodyKind = kind;
    r.body = body;
    return r;
}

ProxyRequest withStream(ProxyRequest r, const QString &id, ReconnectOptions reconnect = {})
{
    r.id = id;
    r.reconnect = reconnect;
    return r;
}

void compareRequests(const ProxyRequest &actual, const ProxyRequest &expected)
{
    QCOMPARE(actual.id, expected.id);
    QCOMPARE(actual.reconnect.enabled, expected.reconnect.enabled);
    QCOMPARE(actual.reconnect.maxAttempts, expected.reconnect.maxAttempts);
    QCOMPARE(actual.reconnect.maxDelayMs, expected.reconnect.maxDelayMs);
    QCOMPARE(actual.protocol, expected.protocol);
    QCOMPARE(actual.address, expected.address);
    QCOMPARE(actual.port, expected.port);
    QCOMPARE(actual.path, expected.path);
    QCOMPARE(actual.method, expected.method);
    QCOMPARE(render(actual.headers), render(expected.headers));
    QCOMPARE(actual.bodyKind, expected.bodyKind);
    QCOMPARE(actual.body, expected.body);
}

} // namespace

class TestProxyRequest : public QObject
{
    Q_OBJECT

private slots:
    void fromJson_valid_data();
    void fromJson_valid();
    void fromJson_invalid_data();
    void fromJson_invalid();
    void clientMessage_data();
    void clientMessage();
    void clientMessageIdOnError();
    void setLastEventId();
    void upstreamHeaders_data();
    void upstreamHeaders();
    void isDroppedHeader_data();
    void isDroppedHeader();
    void hasHeader();
    void url_data();
    void url();
    void toJson();
};

// Happy rows: every field at its default, at its boundaries and in each accepted form. Each row
// is also sent through toJson() and back, which must give the same request.
void TestProxyRequest::fromJson_valid_data()
{
    using Kind = ProxyRequest::BodyKind;
    QTest::addColumn<QString>("json");
    QTest::addColumn<ProxyRequest>("expected");

    const ProxyRequest host = request(QStringLiteral("example.com"));

    QTest::newRow("defaults") << j(R"({"address":"example.com"})") << host;
    QTest::newRow("type request") << j(R"({"type":"request","address":"example.com"})") << host;
    // protocol
    QTest::newRow("protocol http") << j(R"({"protocol":"http","address":"example.com"})") << host;
    QTest::newRow("protocol https default port")
        << j(R"({"protocol":"https","address":"example.com"})")
        << request(QStringLiteral("example.com"), 443, QStringLiteral("https"));
    QTest::newRow("https explicit port")
        << j(R"({"protocol":"https","address":"example.com","port":8443})")
        << request(QStringLiteral("example.com"), 8443, QStringLiteral("https"));
    // address
    QTest::newRow("localhost") << j(R"({"address":"localhost"})")
                               << request(QStringLiteral("localhost"));
    QTest::newRow("single label") << j(R"({"address":"a"})") << request(QStringLiteral("a"));
    QTest::newRow("hyphen and underscore") << j(R"({"address":"my-host_1.svc.local"})")
                                           << request(QStringLiteral("my-host_1.svc.local"));
    QTest::newRow("trailing dot") << j(R"({"address":"example.com."})")
                                  << request(QStringLiteral("example.com."));
    QTest::newRow("case kept") << j(R"({"address":"Example.COM"})")
                               << request(QStringLiteral("Example.COM"));
    QTest::newRow("63-char label")
        << QStringLiteral(R"({"address":"%1.com"})").arg(QString(63, u'a'))
        << request(QString(63, u'a') + QStringLiteral(".com"));
    QTest::newRow("ipv4") << j(R"({"address":"127.0.0.1"})")
                          << request(QStringLiteral("127.0.0.1"));
    QTest::newRow("ipv4 edges") << j(R"({"address":"0.255.10.0"})")
                                << request(QStringLiteral("0.255.10.0"));
    QTest::newRow("ipv6 loopback") << j(R"({"address":"::1"})") << request(QStringLiteral("::1"));
    QTest::newRow("ipv6 bracketed")
        << j(R"({"address":"[::1]"})") << request(QStringLiteral("::1"));
    QTest::newRow("ipv6 any") << j(R"({"address":"::"})") << request(QStringLiteral("::"));
    QTest::newRow("ipv6 full") << j(R"({"address":"2001:0db8:0000:0000:0000:ff00:0042:8329"})")
                               << request(
                                      QStringLiteral("2001:0db8:0000:0000:0000:ff00:0042:8329"));
    QTest::newRow("ipv6 compressed bracketed")
        << j(R"({"address":"[2001:DB8::1]"})") << request(QStringLiteral("2001:DB8::1"));
    QTest::newRow("ipv6 trailing gap")
        << j(R"({"address":"fe80::"})") << request(QStringLiteral("fe80::"));
    QTest::newRow("ipv6 mapped ipv4")
        << j(R"({"address":"::ffff:192.0.2.1"})") << request(QStringLiteral("::ffff:192.0.2.1"));
    QTest::newRow("ipv6 seven groups and gap")
        << j(R"({"address":"1:2:3:4:5:6:7::"})") << request(QStringLiteral("1:2:3:4:5:6:7::"));
    // port
    QTest::newRow("port 1") << j(R"({"address":"example.com","port":1})")
                            << request(QStringLiteral("example.com"), 1);
    QTest::newRow("port 65535") << j(R"({"address":"example.com","port":65535})")
                                << request(QStringLiteral("example.com"), 65535);
    QTest::newRow("port integral float") << j(R"({"address":"example.com","port":8080.0})")
                                         << request(QStringLiteral("example.com"), 8080);
    QTest::newRow("port string") << j(R"({"address":"example.com","port":"8081"})")
                                 << request(QStringLiteral("example.com"), 8081);
    QTest::newRow("port string leading zero") << j(R"({"address":"example.com","port":"0080"})")
                                              << request(QStringLiteral("example.com"), 80);
    // path
    QTest::newRow("path root") << j(R"({"address":"example.com","path":"/"})") << host;
    QTest::newRow("path with query")
        << j(R"({"address":"example.com","path":"/events?message=a%20b&x=1"})")
        << with(host, QStringLiteral("/events?message=a%20b&x=1"));
    QTest::newRow("path unicode and tab")
        << j(R"({"address":"example.com","path":"/é\t"})") << with(host, QStringLiteral("/é\t"));
    // method
    QTest::newRow("method GET") << j(R"({"address":"example.com","method":"GET"})") << host;
    QTest::newRow("method post lower") << j(R"({"address":"example.com","method":"post"})")
                                       << with(host, QStringLiteral("/"), "POST");
    QTest::newRow("method Put mixed") << j(R"({"address":"example.com","method":"Put"})")
                                      << with(host, QStringLiteral("/"), "PUT");
    QTest::newRow("method DELETE") << j(R"({"address":"example.com","method":"DELETE"})")
                                   << with(host, QStringLiteral("/"), "DELETE");
    // headers (a JSON object has no order: QJsonObject hands them over sorted by name)
    QTest::newRow("headers empty") << j(R"({"address":"example.com","headers":{}})") << host;
    QTest::newRow("headers two") << j(
        R"({"address":"example.com","headers":{"X-B":"2","Last-Event-ID":"42"}})")
                                 << withHeaders(
                                        host, { { "Last-Event-ID", "42" }, { "X-B", "2" } });
    QTest::newRow("header every tchar")
        << j(R"({"address":"example.com","headers":{"!#$%&'*+-.^_`|~09azAZ":"v"}})")
        << withHeaders(host, { { "!#$%&'*+-.^_`|~09azAZ", "v" } });
    QTest::newRow("header empty value")
        << j(R"({"address":"example.com","headers":{"X-Empty":""}})")
        << withHeaders(host, { { "X-Empty", "" } });
    QTest::newRow("header utf-8 value")
        << j(R"({"address":"example.com","headers":{"X-Name":"héllo 😀"}})")
        << withHeaders(host, { { "X-Name", "h\xc3\xa9llo \xf0\x9f\x98\x80" } });
    QTest::newRow("header tab in value")
        << j(R"({"address":"example.com","headers":{"X-T":"a\tb"}})")
        << withHeaders(host, { { "X-T", "a\tb" } });
    QTest::newRow("hop-by-hop accepted")
        << j(R"({"address":"example.com","headers":{"Connection":"close","Host":"h"}})")
        << withHeaders(host, { { "Connection", "close" }, { "Host", "h" } });
    // body
    QTest::newRow("body null") << j(R"({"address":"example.com","body":null})") << host;
    QTest::newRow("body object compact")
        << j(R"({"address":"example.com","body":{ "message" : "hi",  "n": [1, 2] }})")
        << withBody(host, Kind::Json, R"({"message":"hi","n":[1,2]})");
    QTest::newRow("body empty object")
        << j(R"({"address":"example.com","body":{}})") << withBody(host, Kind::Json, "{}");
    QTest::newRow("body array") << j(R"({"address":"example.com","body":[1, "two", null]})")
                                << withBody(host, Kind::Json, R"([1,"two",null])");
    QTest::newRow("body string") << j(R"({"address":"example.com","body":"plain \"text\" é"})")
                                 << withBody(host, Kind::Text, "plain \"text\" \xc3\xa9");
    QTest::newRow("body empty string")
        << j(R"({"address":"example.com","body":""})") << withBody(host, Kind::Text, "");
    // id and reconnect (PROTOCOL.md §4)
    QTest::newRow("id") << j(R"({"address":"example.com","id":"a"})")
                        << withStream(host, QStringLiteral("a"));
    QTest::newRow("id of 64 printable characters")
        << j(R"({"address":"example.com","id":" ~%1"})").arg(QString(62, u'x'))
        << withStream(host, QStringLiteral(" ~") + QString(62, u'x'));
    QTest::newRow("reconnect true") << j(R"({"address":"example.com","reconnect":true})")
                                    << withStream(host, QString(), { true, 0, 0 });
    QTest::newRow("reconnect false") << j(R"({"address":"example.com","reconnect":false})") << host;
    QTest::newRow("reconnect object") << j(
        R"({"address":"example.com","id":"s1","reconnect":{"maxAttempts":5,"maxDelayMs":250}})")
                                      << withStream(host, QStringLiteral("s1"), { true, 5, 250 });
    QTest::newRow("reconnect empty object") << j(R"({"address":"example.com","reconnect":{}})")
                                            << withStream(host, QString(), { true, 0, 0 });
    QTest::newRow("everything") << j(
        R"({"protocol":"https","address":"[::1]","port":"9443","path":"/e?x=1","method":"put","headers":{"Accept":"text/event-stream"},"body":{"a":true}})")
                                << withBody(withHeaders(with(request(QStringLiteral("::1"), 9443,
                                                                 QStringLiteral("https")),
                                                            QStringLiteral("/e?x=1"), "PUT"),
                                                { { "Accept", "text/event-stream" } }),
                                       Kind::Json, R"({"a":true})");
}

void TestProxyRequest::fromJson_valid()
{
    QFETCH(QString, json);
    QFETCH(ProxyRequest, expected);

    QString error;
    const std::optional<ProxyRequest> parsed = ProxyRequest::fromJson(object(json), &error);
    QVERIFY2(parsed, qPrintable(error));
    QVERIFY(error.isEmpty());
    compareRequests(*parsed, expected);
    if (QTest::currentTestFailed())
        return;

    // Round trip: what toJson() writes, fromJson() reads back unchanged.
    QString roundTripError;
    const std::optional<ProxyRequest> again
        = ProxyRequest::fromJson(parsed->toJson(), &roundTripError);
    QVERIFY2(again, qPrintable(roundTripError));
    compareRequests(*again, expected);

    // The same object as a WebSocket message.
    const std::optional<ClientMessage> message = ClientMessage::parse(json, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->kind, ClientMessage::Kind::Request);
    compareRequests(message->request, expected);
}

// Rainy rows: each broken rule, with the exact message that goes back to the client.
void TestProxyRequest::fromJson_invalid_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("error");

    const QString portError = QStringLiteral("port: must be an integer from 1 to 65535");
    const QString scheme
        = QStringLiteral("address: must not include a scheme (use the \"protocol\" field)");
    const QString hasPort
        = QStringLiteral("address: must not include a port (use the \"port\" field)");
    const QString hasPath
        = QStringLiteral("address: must not include a path (use the \"path\" field)");
    const QString space
        = QStringLiteral("address: must not contain whitespace or control characters");
    const QString badIpv4 = QStringLiteral("address: not a valid IPv4 address");
    const QString badIpv6 = QStringLiteral("address: not a valid IPv6 address");
    const QString emptyLabel = QStringLiteral("address: empty label in host name");
    const QString crlfPath = QStringLiteral("path: must not contain CR, LF or NUL");
    const QString slash = QStringLiteral("path: must start with '/'");
    const QString bodyError
        = QStringLiteral("body: must be an object, an array, a string or null, got %1");

    // unknown fields
    QTest::newRow("typo adress")
        << j(R"({"adress":"example.com"})")
        << j(R"("adress": unknown field (known: protocol, address, port, path, method, headers, body, id, reconnect))");
    QTest::newRow("unknown with valid")
        << j(R"({"address":"example.com","timeout":5})")
        << j(R"("timeout": unknown field (known: protocol, address, port, path, method, headers, body, id, reconnect))");
    QTest::newRow("type cancel in request") << j(R"({"type":"cancel","address":"example.com"})")
                                            << j(R"(type: must be "request" in a request)");
    // protocol
    QTest::newRow("protocol ftp")
        << j(R"({"protocol":"ftp","address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got "ftp")");
    QTest::newRow("protocol upper-case")
        << j(R"({"protocol":"HTTP","address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got "HTTP")");
    QTest::newRow("protocol empty")
        << j(R"({"protocol":"","address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got "")");
    QTest::newRow("protocol ws")
        << j(R"({"protocol":"ws","address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got "ws")");
    QTest::newRow("protocol number")
        << j(R"({"protocol":1,"address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got a number)");
    QTest::newRow("protocol null")
        << j(R"({"protocol":null,"address":"example.com"})")
        << j(R"(protocol: must be "http" or "https" (lower-case), got null)");
    // address
    QTest::newRow("address missing") << j(R"({"port":80})") << j("address: required");
    QTest::newRow("address null") << j(R"({"address":null})")
                                  << j("address: must be a string, got null");
    QTest::newRow("address number")
        << j(R"({"address":127})") << j("address: must be a string, got a number");
    QTest::newRow("address object")
        << j(R"({"address":{}})") << j("address: must be a string, got an object");
    QTest::newRow("address empty") << j(R"({"address":""})") << j("address: must not be empty");
    QTest::newRow("address http scheme") << j(R"({"address":"http://example.com"})") << scheme;
    QTest::newRow("address https scheme and path")
        << j(R"({"address":"https://example.com/x"})") << scheme;
    QTest::newRow("address path") << j(R"({"address":"example.com/events"})") << hasPath;
    QTest::newRow("address query") << j(R"({"address":"example.com?x=1"})") << hasPath;
    QTest::newRow("address fragment") << j(R"({"address":"example.com#x"})") << hasPath;
    QTest::newRow("address userinfo")
        << j(R"({"address":"user:pw@example.com"})") << j("address: must not include user info");
    QTest::newRow("address host port") << j(R"({"address":"example.com:8080"})") << hasPort;
    QTest::newRow("address ipv4 port") << j(R"({"address":"127.0.0.1:80"})") << hasPort;
    QTest::newRow("address ipv6 port") << j(R"({"address":"[::1]:8080"})") << hasPort;
    QTest::newRow("address leading space") << j(R"({"address":" example.com"})") << space;
    QTest::newRow("address inner space") << j(R"({"address":"exa mple.com"})") << space;
    QTest::newRow("address trailing tab") << j(R"({"address":"example.com\t"})") << space;
    QTest::newRow("address newline") << j(R"({"address":"example.com\r\nHost: x"})") << space;
    QTest::newRow("address nul") << j(R"({"address":"example.com\u0000"})") << space;
    QTest::newRow("address nbsp") << j(R"({"address":"example.com\u00a0"})") << space;
    QTest::newRow("address bad char")
        << j(R"({"address":"exa$mple.com"})") << j("address: invalid character '$' in host name");
    QTest::newRow("address idn")
        << j(R"({"address":"bücher.de"})")
        << j("address: must be an ASCII host name, IPv4 or IPv6 address (write an "
             "internationalised name in its punycode form)");
    QTest::newRow("address double dot") << j(R"({"address":"a..b"})") << emptyLabel;
    QTest::newRow("address leading dot") << j(R"({"address":".example.com"})") << emptyLabel;
    QTest::newRow("address only dot") << j(R"({"address":"."})") << badIpv4;
    QTest::newRow("address label hyphen")
        << j(R"({"address":"-a.com"})") << j("address: host name label starts or ends with '-'");
    QTest::newRow("address label 64")
        << QStringLiteral(R"({"address":"%1.com"})").arg(QString(64, u'a'))
        << j("address: host name label longer than 63 characters");
    QTest::newRow("address name 254")
        << QStringLiteral(R"({"address":"%1"})")
               .arg(QString(QString(49, u'a') + u'.').repeated(5) + QStringLiteral("abcd"))
        << j("address: host name longer than 253 characters");
    QTest::newRow("address ipv4 octet") << j(R"({"address":"256.1.1.1"})") << badIpv4;
    QTest::newRow("address ipv4 three parts") << j(R"({"address":"10.1.1"})") << badIpv4;
    QTest::newRow("address ipv4 five parts") << j(R"({"address":"1.2.3.4.5"})") << badIpv4;
    QTest::newRow("address ipv4 leading zero") << j(R"({"address":"010.0.0.1"})") << badIpv4;
    QTest::newRow("address number string") << j(R"({"address":"12345"})") << badIpv4;
    QTest::newRow("address ipv6 bad hex") << j(R"({"address":"::g"})") << badIpv6;
    QTest::newRow("address ipv6 two gaps") << j(R"({"address":"1::2::3"})") << badIpv6;
    QTest::newRow("address ipv6 nine groups") << j(R"({"address":"1:2:3:4:5:6:7:8:9"})") << badIpv6;
    QTest::newRow("address ipv6 seven groups") << j(R"({"address":"1:2:3:4:5:6:7"})") << badIpv6;
    QTest::newRow("address ipv6 gap plus eight")
        << j(R"({"address":"1:2:3:4::5:6:7:8"})") << badIpv6;
    QTest::newRow("address ipv6 long group") << j(R"({"address":"12345::1"})") << badIpv6;
    QTest::newRow("address ipv6 zone") << j(R"({"address":"fe80::1%eth0"})") << badIpv6;
    QTest::newRow("address ipv6 bad ipv4 tail")
        << j(R"({"address":"::ffff:1.2.3.256"})") << badIpv6;
    QTest::newRow("address brackets host") << j(R"({"address":"[example.com]"})") << badIpv6;
    QTest::newRow("address brackets empty") << j(R"({"address":"[]"})") << badIpv6;
    QTest::newRow("address unterminated")
        << j(R"({"address":"[::1"})") << j("address: unterminated '[' in IPv6 address");
    QTest::newRow("address after bracket")
        << j(R"({"address":"[::1]x"})") << j("address: unexpected text after ']' in IPv6 address");
    // port
    QTest::newRow("port 0") << j(R"({"address":"example.com","port":0})") << portError;
    QTest::newRow("port 65536") << j(R"({"address":"example.com","port":65536})") << portError;
    QTest::newRow("port negative") << j(R"({"address":"example.com","port":-1})") << portError;
    QTest::newRow("port fraction") << j(R"({"address":"example.com","port":80.5})") << portError;
    QTest::newRow("port huge") << j(R"({"address":"example.com","port":1e300})") << portError;
    QTest::newRow("port string suffix")
        << j(R"({"address":"example.com","port":"80a"})") << portError;
    QTest::newRow("port string space")
        << j(R"({"address":"example.com","port":" 80"})") << portError;
    QTest::newRow("port string plus")
        << j(R"({"address":"example.com","port":"+80"})") << portError;
    QTest::newRow("port string fraction")
        << j(R"({"address":"example.com","port":"80.0"})") << portError;
    QTest::newRow("port string empty") << j(R"({"address":"example.com","port":""})") << portError;
    QTest::newRow("port string 0") << j(R"({"address":"example.com","port":"0"})") << portError;
    QTest::newRow("port string 65536")
        << j(R"({"address":"example.com","port":"65536"})") << portError;
    QTest::newRow("port string long")
        << j(R"({"address":"example.com","port":"000080"})") << portError;
    QTest::newRow("port bool") << j(R"({"address":"example.com","port":true})") << portError;
    QTest::newRow("port null") << j(R"({"address":"example.com","port":null})") << portError;
    QTest::newRow("port array") << j(R"({"address":"example.com","port":[80]})") << portError;
    // path
    QTest::newRow("path no slash") << j(R"({"address":"example.com","path":"events"})") << slash;
    QTest::newRow("path empty") << j(R"({"address":"example.com","path":""})") << slash;
    QTest::newRow("path absolute url")
        << j(R"({"address":"example.com","path":"http://x/"})") << slash;
    QTest::newRow("path CRLF") << j(R"({"address":"example.com","path":"/a\r\nHost: evil"})")
                               << crlfPath;
    QTest::newRow("path CR") << j(R"({"address":"example.com","path":"/a\rb"})") << crlfPath;
    QTest::newRow("path LF") << j(R"({"address":"example.com","path":"/a\nb"})") << crlfPath;
    QTest::newRow("path NUL") << j(R"({"address":"example.com","path":"/a\u0000b"})") << crlfPath;
    QTest::newRow("path number") << j(R"({"address":"example.com","path":1})")
                                 << j("path: must be a string, got a number");
    QTest::newRow("path null") << j(R"({"address":"example.com","path":null})")
                               << j("path: must be a string, got null");
    // method
    QTest::newRow("method PATCH") << j(R"({"address":"example.com","method":"PATCH"})")
                                  << j(R"(method: must be GET, POST, PUT or DELETE, got "PATCH")");
    QTest::newRow("method HEAD") << j(R"({"address":"example.com","method":"HEAD"})")
                                 << j(R"(method: must be GET, POST, PUT or DELETE, got "HEAD")");
    QTest::newRow("method padded") << j(R"({"address":"example.com","method":"GET "})")
                                   << j(R"(method: must be GET, POST, PUT or DELETE, got "GET ")");
    QTest::newRow("method empty") << j(R"({"address":"example.com","method":""})")
                                  << j(R"(method: must be GET, POST, PUT or DELETE, got "")");
    QTest::newRow("method unicode folding")
        << j(R"({"address":"example.com","method":"poſt"})")
        << j(R"(method: must be GET, POST, PUT or DELETE, got "poſt")");
    QTest::newRow("method number")
        << j(R"({"address":"example.com","method":1})")
        << j(R"(method: must be GET, POST, PUT or DELETE, got a number)");
    // headers
    QTest::newRow("headers array") << j(R"({"address":"example.com","headers":[]})")
                                   << j("headers: must be an object, got an array");
    QTest::newRow("headers string") << j(R"({"address":"example.com","headers":"Accept: x"})")
                                    << j("headers: must be an object, got a string");
    QTest::newRow("headers null") << j(R"({"address":"example.com","headers":null})")
                                  << j("headers: must be an object, got null");
    QTest::newRow("header name space")
        << j(R"({"address":"example.com","headers":{"Bad Name":"v"}})")
        << j(R"(headers: "Bad Name" is not a valid header name (RFC 9110 token))");
    QTest::newRow("header name empty")
        << j(R"({"address":"example.com","headers":{"":"v"}})")
        << j(R"(headers: "" is not a valid header name (RFC 9110 token))");
    QTest::newRow("header name colon")
        << j(R"({"address":"example.com","headers":{"X:Y":"v"}})")
        << j(R"(headers: "X:Y" is not a valid header name (RFC 9110 token))");
    QTest::newRow("header name paren")
        << j(R"~({"address":"example.com","headers":{"(x)":"v"}})~")
        << j(R"~(headers: "(x)" is not a valid header name (RFC 9110 token))~");
    QTest::newRow("header name non-ascii")
        << j(R"({"address":"example.com","headers":{"Ünï":"v"}})")
        << j(R"(headers: "Ünï" is not a valid header name (RFC 9110 token))");
    QTest::newRow("header name CRLF")
        << j(R"({"address":"example.com","headers":{"X\r\nY":"v"}})")
        << j(R"(headers: "X\r\nY" is not a valid header name (RFC 9110 token))");
    QTest::newRow("header value number") << j(R"({"address":"example.com","headers":{"X-N":5}})")
                                         << j("headers.X-N: must be a string, got a number");
    QTest::newRow("header value null") << j(R"({"address":"example.com","headers":{"X-N":null}})")
                                       << j("headers.X-N: must be a string, got null");
    QTest::newRow("header value object")
        << j(R"({"address":"example.com","headers":{"X-N":{"a":1}}})")
        << j("headers.X-N: must be a string, got an object");
    QTest::newRow("header value bool") << j(R"({"address":"example.com","headers":{"X-N":false}})")
                                       << j("headers.X-N: must be a string, got a boolean");
    const QString ctl
        = j("headers.X-A: must not contain control characters (CR, LF, NUL or any other but tab)");
    QTest::newRow("header value CRLF injection")
        << j(R"({"address":"example.com","headers":{"X-A":"a\r\nX-Injected: 1"}})") << ctl;
    QTest::newRow("header value LF")
        << j(R"({"address":"example.com","headers":{"X-A":"a\nb"}})") << ctl;
    QTest::newRow("header value NUL")
        << j(R"({"address":"example.com","headers":{"X-A":"a\u0000"}})") << ctl;
    QTest::newRow("header value ESC")
        << j(R"({"address":"example.com","headers":{"X-A":"a\u001b[31m"}})") << ctl;
    QTest::newRow("header value BEL")
        << j(R"({"address":"example.com","headers":{"X-A":"\u0007"}})") << ctl;
    QTest::newRow("header value DEL")
        << j(R"({"address":"example.com","headers":{"X-A":"a\u007f"}})") << ctl;
    QTest::newRow("header value VT")
        << j(R"({"address":"example.com","headers":{"X-A":"a\u000bb"}})") << ctl;
    {
        // One message of 40,000 headers once froze the proxy for 19 s inside Qt.
        QString many = j(R"({"address":"example.com","headers":{)");
        for (int i = 0; i < 40000; ++i)
            many += QStringLiteral("\"X-%1\":\"v\",").arg(i);
        many.chop(1);
        many += j("}}");
        QTest::newRow("40000 headers")
            << many
            << j("headers: 40000 headers, more than the 100 allowed (proxy.maxRequestHeaders)");
        QTest::newRow("101 headers")
            << many.first(many.indexOf(j("\"X-101\""))).chopped(1) + j("}}")
            << j("headers: 101 headers, more than the 100 allowed (proxy.maxRequestHeaders)");
        QTest::newRow("header bytes")
            << j(R"({"address":"example.com","headers":{"X-A":"%1"}})").arg(QString(70000, u'v'))
            << j("headers: more than 65536 bytes of names and values "
                 "(proxy.maxRequestHeaderBytes)");
    }
    // id and reconnect
    const QString idError
        = QStringLiteral("id: must be a string of 1 to 64 printable ASCII characters, got ");
    QTest::newRow("id empty") << j(R"({"address":"example.com","id":""})") << idError + j(R"("")");
    QTest::newRow("id 65 characters")
        << j(R"({"address":"example.com","id":"%1"})").arg(QString(65, u'x'))
        << idError + u'"' + QString(64, u'x') + QStringLiteral("...\"");
    QTest::newRow("id tab") << j(R"({"address":"example.com","id":"a\tb"})")
                            << idError + j(R"("a\tb")");
    QTest::newRow("id non-ASCII") << j(R"({"address":"example.com","id":"é"})")
                                  << idError + j(R"("é")");
    QTest::newRow("id number") << j(R"({"address":"example.com","id":1})")
                               << idError + j("a number");
    QTest::newRow("id null") << j(R"({"address":"example.com","id":null})") << idError + j("null");
    QTest::newRow("reconnect number")
        << j(R"({"address":"example.com","reconnect":1})")
        << j("reconnect: must be true, false or an object, got a number");
    QTest::newRow("reconnect unknown key")
        << j(R"({"address":"example.com","reconnect":{"attempts":3}})")
        << j(R"(reconnect: "attempts" is not known (known: maxAttempts, maxDelayMs))");
    QTest::newRow("reconnect negative attempts")
        << j(R"({"address":"example.com","reconnect":{"maxAttempts":-1}})")
        << j("reconnect: maxAttempts: must be an integer from 0 to 1000000000");
    QTest::newRow("reconnect delay over a day")
        << j(R"({"address":"example.com","reconnect":{"maxDelayMs":86400001}})")
        << j("reconnect: maxDelayMs: must be an integer from 0 to 86400000");
    // body
    QTest::newRow("body number") << j(R"({"address":"example.com","body":42})")
                                 << bodyError.arg(j("a number"));
    QTest::newRow("body true") << j(R"({"address":"example.com","body":true})")
                               << bodyError.arg(j("a boolean"));
    QTest::newRow("body false") << j(R"({"address":"example.com","body":false})")
                                << bodyError.arg(j("a boolean"));
    // a long client value is shortened in the message
    QTest::newRow("long value shortened")
        << QStringLiteral(R"({"address":"example.com","method":"%1"})").arg(QString(100, u'X'))
        << QStringLiteral(R"(method: must be GET, POST, PUT or DELETE, got "%1...")")
               .arg(QString(64, u'X'));
}

void TestProxyRequest::fromJson_invalid()
{
    QFETCH(QString, json);
    QFETCH(QString, error);

    QString actual;
    QVERIFY(!ProxyRequest::fromJson(object(json), &actual));
    QCOMPARE(actual, error);
    // A null error pointer is allowed.
    QVERIFY(!ProxyRequest::fromJson(object(json), nullptr));

    // Through the message parser the same error reaches the client (a "type" field belongs to
    // the envelope, tested in clientMessage()).
    if (!json.contains(QStringLiteral("\"type\""))) {
        QString messageError;
        QVERIFY(!ClientMessage::parse(json, &messageError));
        QCOMPARE(messageError, error);
    }
}

// The message envelope: cancel, request, unknown types, and text that is not a JSON object.
void TestProxyRequest::clientMessage_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<ClientMessage::Kind>("kind");
    QTest::addColumn<QString>("error");

    const auto parseError = [](const QString &text) {
        QJsonParseError e;
        QJsonDocument::fromJson(text.toUtf8(), &e);
        return QStringLiteral("message is not JSON: %1 at offset %2")
            .arg(e.errorString())
            .arg(e.offset);
    };
    using Kind = ClientMessage::Kind;

    QTest::newRow("cancel") << j(R"({"type":"cancel"})") << true << Kind::Cancel << QString();
    QTest::newRow("cancel ignores other fields")
        << j(R"({"type":"cancel","address":5,"x":[]})") << true << Kind::Cancel << QString();
    QTest::newRow("cancel by id") << j(R"({"type":"cancel","id":"a"})") << true << Kind::Cancel
                                  << QString();
    QTest::newRow("cancel bad id")
        << j(R"({"type":"cancel","id":""})") << false << Kind::Request
        << j(R"(id: must be a string of 1 to 64 printable ASCII characters, got "")");
    QTest::newRow("request typed")
        << j(R"({"type":"request","address":"h"})") << true << Kind::Request << QString();
    QTest::newRow("request untyped")
        << j(R"({"address":"h"})") << true << Kind::Request << QString();
    QTest::newRow("request whitespace")
        << j(" \n{ \"address\" : \"h\" }\n ") << true << Kind::Request << QString();

    QTest::newRow("unknown type")
        << j(R"({"type":"subscribe","address":"h"})") << false << Kind::Request
        << j(R"(type: unknown message type "subscribe" (expected "request" or "cancel"))");
    QTest::newRow("type Cancel case")
        << j(R"({"type":"Cancel"})") << false << Kind::Request
        << j(R"(type: unknown message type "Cancel" (expected "request" or "cancel"))");
    QTest::newRow("type empty")
        << j(R"({"type":""})") << false << Kind::Request
        << j(R"(type: unknown message type "" (expected "request" or "cancel"))");
    QTest::newRow("type number") << j(R"({"type":1})") << false << Kind::Request
                                 << j("type: must be a string, got a number");
    QTest::newRow("type null") << j(R"({"type":null})") << false << Kind::Request
                               << j("type: must be a string, got null");
    QTest::newRow("typed request error")
        << j(R"({"type":"request","port":80})") << false << Kind::Request << j("address: required");
    QTest::newRow("array") << j(R"([{"address":"h"}])") << false << Kind::Request
                           << j("message must be a JSON object, got an array");
    // "1,2" and "{},{}" would parse wrapped in [], but as two elements: still not JSON text.
    for (const char *text : { "not json", "", "  ", "{", R"({"address":"h",})",
             "{\"address\":\"h\"} x", "1,2", "{},{}" }) {
        QTest::newRow(qPrintable(QStringLiteral("not JSON: ") + j(text)))
            << j(text) << false << Kind::Request << parseError(j(text));
    }
    // Valid JSON, but not an object (Qt 6.4 itself rejects scalars at the top level).
    for (const char *text : { "42", "\"text\"", "null", " true " }) {
        QTest::newRow(qPrintable(QStringLiteral("scalar: ") + j(text))) << j(
            text) << false << Kind::Request << j("message must be a JSON object, got a scalar");
    }
}

// A rejected message still names the stream it was meant for, when its id is valid.
void TestProxyRequest::clientMessageIdOnError()
{
    QString error;
    QString id = QStringLiteral("stale");
    QVERIFY(!ClientMessage::parse(j(R"({"id":"s1","address":"h","port":0})"), &error, {}, &id));
    QCOMPARE(id, QStringLiteral("s1"));
    QCOMPARE(error, j("port: must be an integer from 1 to 65535"));
    QVERIFY(!ClientMessage::parse(j(R"({"id":"","address":"h"})"), &error, {}, &id));
    QCOMPARE(id, QString());
    QVERIFY(!ClientMessage::parse(j(R"({"address":5})"), &error, {}, &id));
    QCOMPARE(id, QString());
    const std::optional<ClientMessage> cancel
        = ClientMessage::parse(j(R"({"type":"cancel","id":"s2"})"), &error, {}, &id);
    QVERIFY(cancel);
    QCOMPARE(cancel->id, QStringLiteral("s2"));
    const std::optional<ClientMessage> request
        = ClientMessage::parse(j(R"({"id":"s3","address":"h"})"), &error, {}, &id);
    QVERIFY(request);
    QCOMPARE(request->id, QStringLiteral("s3"));
    QCOMPARE(request->request.id, QStringLiteral("s3"));
    QCOMPARE(id, QString()); // accepted: nothing to name
}

// A resumed request asks from the last event ID: the client's own Last-Event-ID is replaced.
void TestProxyRequest::setLastEventId()
{
    ProxyRequest r
        = withHeaders(request(QStringLiteral("h")), { { "last-event-id", "1" }, { "X-A", "b" } });
    r.setLastEventId(QStringLiteral("tick-7"));
    QCOMPARE(render(r.headers), render({ { "X-A", "b" }, { "Last-Event-ID", "tick-7" } }));
    r.setLastEventId(QString());
    QCOMPARE(render(r.headers), render({ { "X-A", "b" } }));
}

void TestProxyRequest::clientMessage()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(ClientMessage::Kind, kind);
    QFETCH(QString, error);

    QString actual;
    const std::optional<ClientMessage> message = ClientMessage::parse(text, &actual);
    QCOMPARE(message.has_value(), ok);
    QCOMPARE(actual, error);
    if (ok) {
        QCOMPARE(message->kind, kind);
        if (kind == ClientMessage::Kind::Request)
            QCOMPARE(message->request.address, QStringLiteral("h"));
    }
}

// What goes upstream: dropped headers removed, defaults added only where the client set none.
void TestProxyRequest::upstreamHeaders_data()
{
    using Kind = ProxyRequest::BodyKind;
    QTest::addColumn<HttpHeaderList>("headers");
    QTest::addColumn<ProxyRequest::BodyKind>("bodyKind");
    QTest::addColumn<QStringList>("expected");

    const QStringList defaults = { QStringLiteral("Accept: text/event-stream"),
        QStringLiteral("Cache-Control: no-cache"), QStringLiteral("Accept-Encoding: identity") };

    QTest::newRow("none") << HttpHeaderList() << Kind::None << defaults;
    QTest::newRow("client headers first")
        << HttpHeaderList { { "X-B", "2" }, { "Last-Event-ID", "7" } } << Kind::None
        << QStringList { QStringLiteral("X-B: 2"), QStringLiteral("Last-Event-ID: 7") } + defaults;
    QTest::newRow("client accept kept")
        << HttpHeaderList { { "accept", "text/plain" } } << Kind::None
        << QStringList { QStringLiteral("accept: text/plain"),
               QStringLiteral("Cache-Control: no-cache"),
               QStringLiteral("Accept-Encoding: identity") };
    QTest::newRow("client cache-control and encoding kept")
        << HttpHeaderList { { "CACHE-CONTROL", "max-age=0" }, { "Accept-Encoding", "gzip" } }
        << Kind::None
        << QStringList { QStringLiteral("CACHE-CONTROL: max-age=0"),
               QStringLiteral("Accept-Encoding: gzip"),
               QStringLiteral("Accept: text/event-stream") };
    QTest::newRow("json body") << HttpHeaderList() << Kind::Json
                               << defaults
            + QStringList { QStringLiteral("Content-Type: application/json") };
    QTest::newRow("text body") << HttpHeaderList() << Kind::Text
                               << defaults
            + QStringList { QStringLiteral("Content-Type: text/plain; charset=utf-8") };
    QTest::newRow("client content-type kept")
        << HttpHeaderList { { "content-type", "application/x-ndjson" } } << Kind::Json
        << QStringList { QStringLiteral("content-type: application/x-ndjson") } + defaults;
    QTest::newRow("no content-type without body")
        << HttpHeaderList { { "Content-Type", "application/json" } } << Kind::None
        << QStringList { QStringLiteral("Content-Type: application/json") } + defaults;
    QTest::newRow("dropped") << HttpHeaderList { { "Connection", "keep-alive" },
        { "Keep-Alive", "timeout=5" }, { "TE", "trailers" }, { "Trailer", "X" },
        { "Transfer-Encoding", "chunked" }, { "Upgrade", "websocket" },
        { "Proxy-Authorization", "Basic x" }, { "proxy-connection", "close" }, { "Host", "evil" },
        { "content-length", "5" }, { "X-Kept", "1" } }
                             << Kind::Text
                             << QStringList { QStringLiteral("X-Kept: 1") } + defaults
            + QStringList { QStringLiteral("Content-Type: text/plain; charset=utf-8") };
    QTest::newRow("named by Connection") << HttpHeaderList {
        { "Connection", "close, X-Secret" }, { "x-secret", "s" }, { "X-Other", "o" }
    } << Kind::None << QStringList { QStringLiteral("X-Other: o") } + defaults;
}

void TestProxyRequest::upstreamHeaders()
{
    QFETCH(HttpHeaderList, headers);
    QFETCH(ProxyRequest::BodyKind, bodyKind);
    QFETCH(QStringList, expected);

    ProxyRequest r = request(QStringLiteral("example.com"));
    r.headers = headers;
    r.bodyKind = bodyKind;
    QCOMPARE(render(r.upstreamHeaders()), expected);
    // The request's own headers are untouched.
    QCOMPARE(render(r.headers), render(headers));
}

void TestProxyRequest::isDroppedHeader_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("dropped");

    for (const char *name : { "Connection", "connection", "Keep-Alive", "TE", "te", "Trailer",
             "Transfer-Encoding", "UPGRADE", "Proxy-Authorization", "Proxy-Connection",
             "proxy-authenticate", "Proxy-", "Host", "host", "Content-Length", "CONTENT-LENGTH" }) {
        QTest::newRow(name) << QByteArray(name) << true;
    }
    for (const char *name : { "Content-Type", "Accept", "Hosts", "Tee", "X-Proxy-Id", "Proxy",
             "Connections", "Last-Event-ID", "Authorization", "" }) {
        QTest::newRow(*name ? name : "empty") << QByteArray(name) << false;
    }
}

void TestProxyRequest::isDroppedHeader()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, dropped);
    QCOMPARE(ProxyRequest::isDroppedHeader(name), dropped);
}

void TestProxyRequest::hasHeader()
{
    ProxyRequest r
        = withHeaders(request(QStringLiteral("h")), { { "Last-Event-ID", "1" }, { "x-a", "" } });
    QVERIFY(r.hasHeader("Last-Event-ID"));
    QVERIFY(r.hasHeader("last-event-id"));
    QVERIFY(r.hasHeader("X-A"));
    QVERIFY(!r.hasHeader("Last-Event"));
    QVERIFY(!r.hasHeader("x-a2"));
    QVERIFY(!request(QStringLiteral("h")).hasHeader("Accept"));
}

void TestProxyRequest::url_data()
{
    QTest::addColumn<ProxyRequest>("request");
    QTest::addColumn<QString>("url");

    QTest::newRow("root") << request(QStringLiteral("example.com")) << j("http://example.com:80/");
    QTest::newRow("https") << with(
        request(QStringLiteral("example.com"), 443, QStringLiteral("https")),
        QStringLiteral("/events"))
                           << j("https://example.com:443/events");
    QTest::newRow("ipv6 bracketed") << with(request(QStringLiteral("::1"), 8080),
        QStringLiteral("/e")) << j("http://[::1]:8080/e");
    QTest::newRow("ipv4") << request(QStringLiteral("127.0.0.1"), 3000)
                          << j("http://127.0.0.1:3000/");
    QTest::newRow("query kept encoded")
        << with(request(QStringLiteral("h"), 1), QStringLiteral("/e?message=a%20b&x=%2F"))
        << j("http://h:1/e?message=a%20b&x=%2F");
    QTest::newRow("path encoded kept")
        << with(request(QStringLiteral("h"), 1), QStringLiteral("/a%2Fb")) << j("http://h:1/a%2Fb");
    QTest::newRow("space encoded")
        << with(request(QStringLiteral("h"), 1), QStringLiteral("/a b?q=c d"))
        << j("http://h:1/a%20b?q=c%20d");
    QTest::newRow("unicode encoded")
        << with(request(QStringLiteral("h"), 1), QStringLiteral("/é")) << j("http://h:1/%C3%A9");
    QTest::newRow("empty query") << with(request(QStringLiteral("h"), 1), QStringLiteral("/e?"))
                                 << j("http://h:1/e?");
}

void TestProxyRequest::url()
{
    QFETCH(ProxyRequest, request);
    QFETCH(QString, url);
    const QUrl actual = request.url();
    QVERIFY2(actual.isValid(), qPrintable(actual.errorString()));
    QCOMPARE(actual.toString(QUrl::FullyEncoded), url);
}

void TestProxyRequest::toJson()
{
    ProxyRequest r
        = withBody(withHeaders(with(request(QStringLiteral("::1"), 8443, QStringLiteral("https")),
                                   QStringLiteral("/e?x=1"), "POST"),
                       { { "X-A", "\xc3\xa9" } }),
            ProxyRequest::BodyKind::Json, R"([1,{"a":null}])");
    const QJsonObject expected = object(j(
        R"({"protocol":"https","address":"::1","port":8443,"path":"/e?x=1","method":"POST","headers":{"X-A":"é"},"body":[1,{"a":null}]})"));
    QCOMPARE(r.toJson(), expected);

    r.bodyKind = ProxyRequest::BodyKind::Text;
    r.body = "not json";
    QCOMPARE(r.toJson().value(QStringLiteral("body")), QJsonValue(QStringLiteral("not json")));

    r.bodyKind = ProxyRequest::BodyKind::None;
    r.body.clear();
    QVERIFY(!r.toJson().contains(QStringLiteral("body")));
}

QTEST_GUILESS_MAIN(TestProxyRequest)
#include "tst_proxyrequest.moc"
