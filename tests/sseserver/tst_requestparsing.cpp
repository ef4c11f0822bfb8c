// Reading requests without a socket: RequestReader (head, Content-Length body, the limits) and
// QueryParams (form decoding and validation).
#include "queryparams.h"
#include "requestreader.h"

#include <QtTest>

class TestRequestParsing : public QObject
{
    Q_OBJECT

private slots:
    void reader_data();
    void reader();
    void readerByteByByte();
    void readerAsksForContinue();
    void queryParams_data();
    void queryParams();
    void queryInteger_data();
    void queryInteger();
};

using Status = RequestReader::Status;

// Each row is fed whole and then again one byte at a time; both must give the same outcome.
void TestRequestParsing::reader_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Status>("status");
    QTest::addColumn<int>("errorStatus");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("errorContains");

    // Happy day: heads with and without bodies.
    QTest::newRow("GET") << QByteArray("GET /events?message=x HTTP/1.1\r\nHost: a\r\n\r\n")
                         << Status::Complete << 0 << QByteArray() << QString();
    QTest::newRow("POST body") << QByteArray(
        "POST /events HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
                               << Status::Complete << 0 << QByteArray("hello") << QString();
    QTest::newRow("extra after body ignored")
        << QByteArray("POST / HTTP/1.1\r\ncontent-length: 2\r\n\r\nhiGET") << Status::Complete << 0
        << QByteArray("hi") << QString();
    QTest::newRow("same length twice")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
        << Status::Complete << 0 << QByteArray("x") << QString();
    // Not there yet.
    QTest::newRow("head unfinished") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n")
                                     << Status::Incomplete << 0 << QByteArray() << QString();
    QTest::newRow("body unfinished") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc")
                                     << Status::Incomplete << 0 << QByteArray() << QString();
    // Rainy day: each failure names its status and says why.
    QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                             << Status::Failed << 411 << QByteArray()
                             << QStringLiteral("Content-Length");
    QTest::newRow("too large") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n")
                               << Status::Failed << 413 << QByteArray()
                               << QStringLiteral("1048577 bytes");
    QTest::newRow("bad length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                                << Status::Failed << 400 << QByteArray()
                                << QStringLiteral("Content-Length");
    QTest::newRow("conflicting lengths")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy")
        << Status::Failed << 400 << QByteArray() << QStringLiteral("conflicting");
    QTest::newRow("malformed line") << QByteArray("NONSENSE\r\n\r\n") << Status::Failed << 400
                                    << QByteArray() << QStringLiteral("malformed");
    QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\n") << Status::Failed << 400
                                    << QByteArray() << QStringLiteral("version");
    QTest::newRow("head too large")
        << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(RequestReader::maxHeadBytes, 'a'))
        << Status::Failed << 431 << QByteArray() << QStringLiteral("larger than");
}

void TestRequestParsing::reader()
{
    QFETCH(QByteArray, input);
    QFETCH(Status, status);
    QFETCH(int, errorStatus);
    QFETCH(QByteArray, body);
    QFETCH(QString, errorContains);

    RequestReader reader;
    QCOMPARE(reader.feed(input), status);
    QCOMPARE(reader.errorStatus(), errorStatus);
    QVERIFY2(reader.errorMessage().contains(errorContains), qPrintable(reader.errorMessage()));
    QCOMPARE(reader.errorMessage().isEmpty(), errorContains.isEmpty());
    if (status == Status::Complete)
        QCOMPARE(reader.request().body, body);
}

void TestRequestParsing::readerByteByByte()
{
    const QByteArray input
        = "POST /events HTTP/1.1\r\nContent-Length: 17\r\n\r\n{\"message\":\"hi\"}!";
    RequestReader reader;
    for (qsizetype i = 0; i + 1 < input.size(); ++i)
        QCOMPARE(reader.feed(input.sliced(i, 1)), Status::Incomplete);
    QCOMPARE(reader.feed(input.last(1)), Status::Complete);
    QCOMPARE(reader.request().head.method, QByteArray("POST"));
    QCOMPARE(reader.request().head.path(), QByteArray("/events"));
    QCOMPARE(reader.request().body, QByteArray("{\"message\":\"hi\"}!"));
    QCOMPARE(reader.feed("more"), Status::Complete); // later bytes change nothing
}

void TestRequestParsing::readerAsksForContinue()
{
    RequestReader reader;
    QCOMPARE(reader.feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"),
        Status::Incomplete);
    QVERIFY(reader.takeContinueRequest());
    QVERIFY(!reader.takeContinueRequest()); // once only
    QCOMPARE(reader.feed("abc"), Status::Complete);

    RequestReader withBody; // the body came along: no need to ask for it
    QCOMPARE(withBody.feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"),
        Status::Complete);
    QVERIFY(!withBody.takeContinueRequest());
}

void TestRequestParsing::queryParams_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("message"); // the decoded "message", or null when refused
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("empty") << QByteArray() << QString() << QString();
    QTest::newRow("plain") << QByteArray("message=Hello") << QStringLiteral("Hello") << QString();
    QTest::newRow("plus is space")
        << QByteArray("message=a+b") << QStringLiteral("a b") << QString();
    QTest::newRow("percent") << QByteArray("message=a%20b%2Bc%26d") << QStringLiteral("a b+c&d")
                             << QString();
    QTest::newRow("utf-8") << QByteArray("message=%D0%9F%F0%9F%91%8B") << QStringLiteral("П👋")
                           << QString();
    QTest::newRow("no value") << QByteArray("message") << QStringLiteral("") << QString();
    QTest::newRow("stray ampersands")
        << QByteArray("&message=x&") << QStringLiteral("x") << QString();
    QTest::newRow("unknown name") << QByteArray(
        "mesage=x") << QString() << QStringLiteral("unknown parameter \"mesage\" (known: message)");
    QTest::newRow("repeated") << QByteArray("message=a&message=b") << QString()
                              << QStringLiteral("\"message\" given more than once");
    QTest::newRow("bad escape") << QByteArray("message=%zz") << QString()
                                << QStringLiteral("bad percent-escape");
    QTest::newRow("cut escape") << QByteArray("message=%4") << QString()
                                << QStringLiteral("bad percent-escape");
    QTest::newRow("not utf-8") << QByteArray("message=%FF") << QString()
                               << QStringLiteral("not UTF-8");
}

void TestRequestParsing::queryParams()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, message);
    QFETCH(QString, errorContains);
    QString error;
    const std::optional<QueryParams> params
        = QueryParams::parse(query, { QStringLiteral("message") }, &error);
    QCOMPARE(params.has_value(), errorContains.isEmpty());
    QVERIFY2(error.contains(errorContains), qPrintable(error));
    QCOMPARE(error.isEmpty(), errorContains.isEmpty());
    if (params) {
        QCOMPARE(params->contains(QStringLiteral("message")), !message.isNull());
        QCOMPARE(params->value(QStringLiteral("message")), message);
    }
}

void TestRequestParsing::queryInteger_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<qint64>("value"); // -1: refused
    QTest::newRow("absent: default") << QByteArray() << qint64(1000);
    QTest::newRow("zero") << QByteArray("interval=0") << qint64(0);
    QTest::newRow("max") << QByteArray("interval=3600000") << qint64(3600000);
    QTest::newRow("above max") << QByteArray("interval=3600001") << qint64(-1);
    QTest::newRow("negative") << QByteArray("interval=-5") << qint64(-1);
    QTest::newRow("plus sign") << QByteArray("interval=%2B5") << qint64(-1);
    QTest::newRow("empty") << QByteArray("interval=") << qint64(-1);
    QTest::newRow("text") << QByteArray("interval=abc") << qint64(-1);
    QTest::newRow("huge") << QByteArray("interval=99999999999999999999999") << qint64(-1);
}

void TestRequestParsing::queryInteger()
{
    QFETCH(QByteArray, query);
    QFETCH(qint64, value);
    QString error;
    const std::optional<QueryParams> params
        = QueryParams::parse(query, { QStringLiteral("interval") }, &error);
    QVERIFY(params);
    qint64 out = -1;
    QCOMPARE(
        params->integer(QStringLiteral("interval"), 0, 3600000, 1000, &out, &error), value >= 0);
    QCOMPARE(out, value);
    if (value < 0)
        QVERIFY2(error.startsWith(
                     QStringLiteral("interval: expected an integer from 0 to 3600000, got \"")),
            qPrintable(error));
}

QTEST_GUILESS_MAIN(TestRequestParsing)
#include "tst_requestparsing.moc"
