// HttpResponseReader: libhttp-parser driven for the proxy's upstream responses.
//
// Every row is replayed under every chunking of its input (whole, one byte at a time, split in
// two at every byte, and for short rows split in three at every pair of positions; long rows get
// random splits instead of the exhaustive ones). All replays must report the same head, the same
// body bytes, the same framing and the same end (state and error text), and consume the same
// bytes; a row that fails while parsing may instead be handed less of its body and stop at a
// different byte (see rows()). The runner also checks the invariants every
// caller relies on: onHead at most once and before any body, body views pointing into the bytes
// being fed, nothing consumed or called back once complete or failed.

#include "httpresponsereader.h"

#include <QRandomGenerator>
#include <QTest>

#include <cstring>
#include <memory>

using Reader = HttpResponseReader;

namespace {

constexpr qsizetype kAll = -1; // the row consumes its whole input
constexpr qsizetype kAny = -2; // the row fails while parsing: where exactly may vary with splits

const QString kComplete = QStringLiteral("complete");
const QString kReadingHead = QStringLiteral("reading head");
const QString kReadingBody = QStringLiteral("reading body");

QString failed(const QString &error)
{
    return QStringLiteral("failed: ") + error;
}

Reader::Limits limits(qsizetype maxHeadBytes, int maxHeaderCount = 100)
{
    Reader::Limits l;
    l.maxHeadBytes = maxHeadBytes;
    l.maxHeaderCount = maxHeaderCount;
    return l;
}

// A head as one line per field, values in brackets so that whitespace shows.
QByteArray head(int status, const QByteArray &reason, const HttpHeaderList &headers = {},
    const QByteArray &version = "1.1")
{
    QByteArray out = "HTTP/" + version + ' ' + QByteArray::number(status) + " [" + reason + ']';
    for (const auto &[name, value] : headers)
        out += '\n' + name + ": [" + value + ']';
    return out;
}

QByteArray describeHead(const Reader::Head &h)
{
    return head(h.status, h.reason, h.headers,
        QByteArray::number(h.httpMajor) + '.' + QByteArray::number(h.httpMinor));
}

QString framingName(Reader::Framing framing)
{
    switch (framing) {
    case Reader::Framing::Chunked:
        return QStringLiteral("chunked");
    case Reader::Framing::ContentLength:
        return QStringLiteral("length");
    case Reader::Framing::CloseDelimited:
        return QStringLiteral("close");
    case Reader::Framing::NoBody:
        return QStringLiteral("none");
    }
    return QStringLiteral("?");
}

QString endOf(const Reader &reader)
{
    switch (reader.state()) {
    case Reader::State::ReadingHead:
        return kReadingHead;
    case Reader::State::ReadingBody:
        return kReadingBody;
    case Reader::State::Complete:
        return kComplete;
    case Reader::State::Failed:
        return failed(reader.error());
    }
    return QStringLiteral("?");
}

// Control characters and non-ASCII made visible in failure messages.
QString escaped(QByteArrayView bytes)
{
    QString out;
    for (char c : bytes) {
        const auto b = static_cast<uchar>(c);
        if (b == '\n')
            out += QStringLiteral("\\n");
        else if (b >= 0x20 && b < 0x7F && b != '\\')
            out += QLatin1Char(c);
        else
            out += QStringLiteral("\\x%1").arg(b, 2, 16, QLatin1Char('0'));
    }
    return out;
}

struct Outcome
{
    QByteArray head; // describeHead() of what onHead got; empty when it never ran
    QByteArray body;
    QString framing; // empty when there was no head
    QString end;
    qsizetype consumed = 0;
    QStringList violations; // invariants broken along the way
};

// withConsumed: the bytes consumed and the body are exact. Without: the row fails while parsing,
// and only the head and the end are compared exactly (see rows()).
QString describe(const Outcome &o, bool exact)
{
    QString out = QStringLiteral("head {%1}\nbody %2 bytes \"%3\"\nframing %4\nend %5")
                      .arg(escaped(o.head))
                      .arg(exact ? o.body.size() : -1)
                      .arg(!exact                   ? QStringLiteral("(see rows())")
                              : o.body.size() > 200 ? QStringLiteral("...")
                                                    : escaped(o.body),
                          o.framing, o.end);
    if (exact)
        out += QStringLiteral("\nconsumed %1").arg(o.consumed);
    if (!o.violations.isEmpty())
        out += QStringLiteral("\nviolations: ") + o.violations.join(QStringLiteral("; "));
    return out;
}

bool hasEnded(const Reader &reader)
{
    return reader.isComplete() || reader.hasFailed();
}

// Feeds `input` cut at `cuts` (each piece copied to its own allocation, so that a body view
// outside the piece being fed is caught), then closes the connection if `close`.
Outcome run(
    const QByteArray &input, const QList<qsizetype> &cuts, Reader::Limits limits, bool close)
{
    Outcome out;
    int headCalls = 0;
    QString framingAtHead;
    const char *fedBegin = nullptr;
    const char *fedEnd = nullptr;
    bool ended = false;
    std::unique_ptr<Reader> reader;

    Reader::Callbacks callbacks;
    callbacks.onHead = [&](const Reader::Head &h) {
        if (ended)
            out.violations << QStringLiteral("onHead after the end");
        if (++headCalls > 1)
            out.violations << QStringLiteral("onHead called again");
        if (reader->state() != Reader::State::ReadingBody)
            out.violations << QStringLiteral("onHead while not reading the body");
        out.head = describeHead(h);
        framingAtHead = framingName(reader->framing());
    };
    callbacks.onBody = [&](QByteArrayView bytes) {
        if (ended)
            out.violations << QStringLiteral("onBody after the end");
        if (headCalls == 0)
            out.violations << QStringLiteral("onBody before onHead");
        if (bytes.isEmpty())
            out.violations << QStringLiteral("empty onBody");
        if (bytes.data() < fedBegin || bytes.data() + bytes.size() > fedEnd)
            out.violations << QStringLiteral("onBody view outside the fed bytes");
        out.body += bytes;
    };
    reader = std::make_unique<Reader>(callbacks, limits);

    QList<qsizetype> bounds { 0 };
    bounds += cuts;
    bounds += input.size();
    for (qsizetype i = 0; i + 1 < bounds.size(); ++i) {
        const qsizetype size = bounds[i + 1] - bounds[i];
        if (size == 0)
            continue;
        auto piece = std::make_unique<char[]>(size_t(size));
        std::memcpy(piece.get(), input.constData() + bounds[i], size_t(size));
        fedBegin = piece.get();
        fedEnd = piece.get() + size;

        const bool endedBefore = hasEnded(*reader);
        const qsizetype consumed = reader->feed(QByteArrayView(piece.get(), size));
        if (consumed < 0 || consumed > size)
            out.violations << QStringLiteral("feed() returned %1 of %2").arg(consumed).arg(size);
        if (endedBefore && consumed != 0)
            out.violations << QStringLiteral("feed() consumed bytes after the end");
        if (consumed < size && !hasEnded(*reader))
            out.violations << QStringLiteral("feed() stopped short without an end");
        out.consumed += consumed;
        ended = hasEnded(*reader);
        if (reader->bodyBytes() != out.body.size())
            out.violations << QStringLiteral("bodyBytes() %1, onBody got %2")
                                  .arg(reader->bodyBytes())
                                  .arg(out.body.size());
    }
    fedBegin = fedEnd = nullptr;

    if (close) {
        const QString endBefore = endOf(*reader);
        reader->finishAtClose();
        if (ended && endOf(*reader) != endBefore)
            out.violations << QStringLiteral("finishAtClose() changed the end");
        if (!hasEnded(*reader))
            out.violations << QStringLiteral("finishAtClose() left the reader open");
        ended = true;
        // Closing twice changes nothing either.
        const QString endAfter = endOf(*reader);
        reader->finishAtClose();
        if (endOf(*reader) != endAfter)
            out.violations << QStringLiteral("a second finishAtClose() changed the end");
    }

    out.end = endOf(*reader);
    if (headCalls > 0) {
        out.framing = framingName(reader->framing());
        if (framingAtHead != out.framing)
            out.violations << QStringLiteral("framing changed after onHead");
    }
    if (reader->isComplete() && !reader->error().isEmpty())
        out.violations << QStringLiteral("complete with an error");
    if (reader->hasFailed() && reader->error().isEmpty())
        out.violations << QStringLiteral("failed without an error");
    if (reader->bodyBytes() != out.body.size())
        out.violations << QStringLiteral("bodyBytes() differs from the body delivered");
    return out;
}

struct Chunking
{
    QString label;
    QList<qsizetype> cuts;
};

QList<Chunking> chunkings(qsizetype size)
{
    QList<Chunking> out;
    out.append({ QStringLiteral("whole"), {} });
    if (size < 2)
        return out;
    Chunking bytewise { QStringLiteral("one byte at a time"), {} };
    for (qsizetype i = 1; i < size; ++i)
        bytewise.cuts.append(i);
    out.append(bytewise);

    if (size <= 4096) {
        for (qsizetype i = 1; i < size; ++i)
            out.append({ QStringLiteral("split at %1").arg(i), { i } });
    }
    if (size <= 96) {
        for (qsizetype i = 1; i < size; ++i) {
            for (qsizetype j = i + 1; j < size; ++j)
                out.append({ QStringLiteral("split at %1 and %2").arg(i).arg(j), { i, j } });
        }
    }
    if (size > 4096) {
        // Long rows: random cuts, the same ones on every run.
        QRandomGenerator rng { quint32(size) };
        for (int n = 0; n < 24; ++n) {
            Chunking c { QStringLiteral("random cuts #%1").arg(n), {} };
            for (qsizetype at = 0;;) {
                at += 1 + qsizetype(rng.bounded(quint32(n % 2 ? 64 : 8192)));
                if (at >= size)
                    break;
                c.cuts.append(at);
            }
            out.append(c);
        }
    }
    return out;
}

// A literal with its NULs.
template <size_t N> QByteArray bytes(const char (&literal)[N])
{
    return QByteArray(literal, qsizetype(N - 1));
}

QByteArray repeated(char c, qsizetype n)
{
    return QByteArray(n, c);
}

// n headers "X-H<i>: v<i>", and what the head reports for them.
QByteArray manyHeaders(int n, HttpHeaderList *reported = nullptr)
{
    QByteArray out;
    for (int i = 0; i < n; ++i) {
        const QByteArray name = "X-H" + QByteArray::number(i);
        const QByteArray value = "v" + QByteArray::number(i);
        out += name + ": " + value + "\r\n";
        if (reported)
            reported->append({ name, value });
    }
    return out;
}

} // namespace

class TestHttpResponseReader : public QObject
{
    Q_OBJECT

private slots:
    void rows_data();
    void rows();
    void headThatNeverEndsTripsTheLimit();
    void nothingHappensAfterTheEnd();
    void reentrantCallsDoNothing();
    void emptyFeedIsNotTheEnd();
    void framingAndLengthsAreReported();

private:
    static void row(const char *name, const QByteArray &input, bool close, const QByteArray &head,
        const QByteArray &body, const QString &framing, const QString &end,
        qsizetype consumed = kAll, Reader::Limits limits = {})
    {
        QTest::newRow(name) << input << close << head << body << framing << end
                            << (consumed == kAll ? input.size() : consumed) << limits.maxHeadBytes
                            << limits.maxHeaderCount;
    }
};

void TestHttpResponseReader::rows_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("close");
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("framing");
    QTest::addColumn<QString>("end");
    QTest::addColumn<qsizetype>("consumed");
    QTest::addColumn<qsizetype>("maxHeadBytes");
    QTest::addColumn<int>("maxHeaderCount");

    const QByteArray ok = head(200, "OK");
    const QString none;
    const QString statusLineError
        = failed(QStringLiteral("invalid status line in the response (expected \"HTTP/1.x\" and a "
                                "status code)"));
    const QString headIncomplete
        = failed(QStringLiteral("connection closed before the response head was complete"));
    const QString chunkedCut
        = failed(QStringLiteral("connection closed inside a chunked body (before its last chunk)"));

    // --- Content-Length -------------------------------------------------------------------
    {
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    "Content-Length: 5\r\n\r\nhello";
        const QByteArray h = head(
            200, "OK", { { "Content-Type", "text/event-stream" }, { "Content-Length", "5" } });
        row("content-length exact", response, false, h, "hello", "length", kComplete);
        row("content-length exact, then close", response, true, h, "hello", "length", kComplete);
        row("content-length, bytes after are left", response + "HTTP/1.1 200 OK\r\n\r\nmore", true,
            h, "hello", "length", kComplete, response.size());
    }
    {
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel";
        const QByteArray h = head(200, "OK", { { "Content-Length", "10" } });
        row("content-length short, closed", response, true, h, "hel", "length",
            failed(QStringLiteral("connection closed after 3 of 10 body bytes (Content-Length)")));
        row("content-length short, open", response, false, h, "hel", "length", kReadingBody);
        row("content-length, closed right after the head",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, h, "", "length",
            failed(QStringLiteral("connection closed after 0 of 10 body bytes (Content-Length)")));
    }
    {
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        row("content-length 0", response + "junk", false,
            head(200, "OK", { { "Content-Length", "0" } }), "", "none", kComplete, response.size());
    }
    row("content-length with whitespace", "HTTP/1.1 200 OK\r\nContent-Length:   2  \r\n\r\nab",
        false, head(200, "OK", { { "Content-Length", "2" } }), "ab", "length", kComplete);
    row("content-length not a number", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", true, "",
        "", none, failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", true, "", "",
        none, failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length two numbers", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", true, "",
        "", none, failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length beyond 64 bits",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length beyond qint64",
        "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid Content-Length header in the response")), kAny);
    row("content-length twice",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", true, "", "", none,
        failed(QStringLiteral("response has more than one Content-Length header")), kAny);
    row("content-length twice, a space before a colon",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length : 2\r\n\r\nab", true, "", "", none,
        failed(QStringLiteral("response has more than one Content-Length header")), kAny);
    row("content-length and chunked",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true,
        "", "", none,
        failed(QStringLiteral("response has both Content-Length and Transfer-Encoding")), kAny);

    // --- chunked ---------------------------------------------------------------------------
    const QByteArray chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const QByteArray ch = head(200, "OK", { { "Transfer-Encoding", "chunked" } });
    row("chunked", chunkedHead + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false, ch, "hello world",
        "chunked", kComplete);
    row("chunked, upper-case hex sizes",
        chunkedHead + "A\r\n0123456789\r\n1F\r\n" + repeated('x', 31) + "\r\n0\r\n\r\n", false, ch,
        "0123456789" + repeated('x', 31), "chunked", kComplete);
    row("chunked, leading zeros and lower-case", chunkedHead + "000b\r\nhello world\r\n00\r\n\r\n",
        false, ch, "hello world", "chunked", kComplete);
    row("chunked, extensions",
        chunkedHead + "5;name=value\r\nhello\r\n3 ; ext=\"q\"\r\nabc\r\n0;last\r\n\r\n", false, ch,
        "helloabc", "chunked", kComplete);
    {
        const QByteArray response
            = chunkedHead + "4\r\ndata\r\n0\r\nX-Checksum: abc\r\nX-Other:  1 \r\n\r\n";
        row("chunked, trailers (not in the head), bytes after are left",
            response + "HTTP/1.1 200 OK\r\n", true, ch, "data", "chunked", kComplete,
            response.size());
    }
    row("chunked, gzip then chunked",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", false,
        head(200, "OK", { { "Transfer-Encoding", "gzip, chunked" } }), "ab", "chunked", kComplete);
    row("transfer-encoding not ending in chunked is read to the close",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n2\r\nab", true,
        head(200, "OK", { { "Transfer-Encoding", "gzip" } }), "2\r\nab", "close", kComplete);
    row("chunked, bad chunk size", chunkedHead + "5\r\nhello\r\nzz\r\n", true, ch, "hello",
        "chunked", failed(QStringLiteral("invalid chunk size in the response body")), kAny);
    row("chunked, empty chunk size", chunkedHead + "\r\n", true, ch, "", "chunked",
        failed(QStringLiteral("invalid chunk size in the response body")), kAny);
    row("chunked, LF-only lines are refused", chunkedHead + "5\nhello\n0\n\n", true, ch, "",
        "chunked", failed(QStringLiteral("invalid chunk size in the response body")), kAny);
    row("chunked, chunk size too large", chunkedHead + "fffffffffffffffffff\r\n", true, ch, "",
        "chunked", failed(QStringLiteral("invalid chunk size in the response body (too large)")),
        kAny);
    // Debian's libhttp-parser is built with HTTP_PARSER_STRICT=0: it takes the two bytes after
    // chunk data for its CRLF, and any byte after a CR for its LF. Longer data then fails at the
    // next chunk size, here "\r\n".
    row("chunked, data longer than its size", chunkedHead + "3\r\nhello\r\n0\r\n\r\n", true, ch,
        "hel", "chunked", failed(QStringLiteral("invalid chunk size in the response body")), kAny);
    row("chunked, CR without LF after the size (the library takes any byte)",
        chunkedHead + "3\rabc", true, ch, "bc", "chunked", chunkedCut);
    row("chunked, trailers are not checked (nor kept)", chunkedHead + "0\r\nBad Trailer: x\r\n\r\n",
        true, ch, "", "chunked", kComplete);
    row("chunked, NUL in a trailer", chunkedHead + bytes("0\r\nX: a\0\r\n\r\n"), true, ch, "",
        "chunked",
        failed(QStringLiteral("invalid character 0x00 in a trailer of the chunked response body")),
        kAny);
    row("chunked, NUL first in a trailer", chunkedHead + bytes("0\r\nX: \0\r\n\r\n"), true, ch, "",
        "chunked",
        failed(QStringLiteral("invalid character 0x00 in a trailer of the chunked response body")),
        kAny);
    row("chunked, cut inside data", chunkedHead + "5\r\nhel", true, ch, "hel", "chunked",
        chunkedCut);
    row("chunked, cut inside a size line", chunkedHead + "5\r\nhello\r\n1", true, ch, "hello",
        "chunked", chunkedCut);
    row("chunked, cut after the head", chunkedHead, true, ch, "", "chunked", chunkedCut);
    row("chunked, cut after the last chunk", chunkedHead + "5\r\nhello\r\n0\r\n", true, ch, "hello",
        "chunked",
        failed(QStringLiteral("connection closed inside a chunked body (after its last chunk, "
                              "before the end of its trailer section)")));
    row("chunked, open", chunkedHead + "5\r\nhello\r\n", false, ch, "hello", "chunked",
        kReadingBody);

    // --- close-delimited -------------------------------------------------------------------
    {
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                                    "data: 1\n\ndata: x";
        const QByteArray h = head(200, "OK", { { "Content-Type", "text/event-stream" } });
        row("close-delimited, ends mid-line", response, true, h, "data: 1\n\ndata: x", "close",
            kComplete);
        row("close-delimited, open", response, false, h, "data: 1\n\ndata: x", "close",
            kReadingBody);
    }
    row("close-delimited, empty", "HTTP/1.1 200 OK\r\n\r\n", true, ok, "", "close", kComplete);
    row("close-delimited, BOM only", "HTTP/1.1 200 OK\r\n\r\n\xEF\xBB\xBF", true, ok,
        "\xEF\xBB\xBF", "close", kComplete);
    row("content-length, BOM only", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\xEF\xBB\xBF",
        false, head(200, "OK", { { "Content-Length", "3" } }), "\xEF\xBB\xBF", "length", kComplete);

    // --- no body ---------------------------------------------------------------------------
    {
        const QByteArray response = "HTTP/1.1 204 No Content\r\n\r\n";
        row("204", response, false, head(204, "No Content"), "", "none", kComplete);
        const QByteArray withLength = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
        row("204 with a Content-Length has no body", withLength + "hello", true,
            head(204, "No Content", { { "Content-Length", "5" } }), "", "none", kComplete,
            withLength.size());
        const QByteArray notModified
            = "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n";
        row("304 with chunked has no body", notModified + "0\r\n\r\n", false,
            head(304, "Not Modified", { { "Transfer-Encoding", "chunked" } }), "", "none",
            kComplete, notModified.size());
    }

    // --- interim responses -------------------------------------------------------------------
    const QByteArray ok2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const QByteArray ok2Head = head(200, "OK", { { "Content-Length", "2" } });
    row("100 Continue, then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok2, false, ok2Head, "ok",
        "length", kComplete);
    row("103 Early Hints, then 200",
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + ok2, false, ok2Head,
        "ok", "length", kComplete);
    row("102, 100 and 103, then chunked 200",
        "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n"
        "HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n"
            + chunkedHead + "2\r\nok\r\n0\r\n\r\n",
        false, ch, "ok", "chunked", kComplete);
    row("HTTP/1.0 100 Continue, then 200", "HTTP/1.0 100 Continue\r\n\r\n" + ok2, false, ok2Head,
        "ok", "length", kComplete);
    row("100 with a Content-Length has no body",
        "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n" + ok2, false, ok2Head, "ok", "length",
        kComplete);
    row("100, then closed", "HTTP/1.1 100 Continue\r\n\r\n", true, "", "", none, headIncomplete);
    row("100, then open", "HTTP/1.1 100 Continue\r\n\r\n", false, "", "", none, kReadingHead);
    row("101 fails",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        true, "", "", none, failed(QStringLiteral("upstream switched protocols (101)")), kAny);
    row("100, then 101 fails",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("upstream switched protocols (101)")), kAny);

    // --- HTTP/1.0 ----------------------------------------------------------------------------
    {
        const QByteArray response = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        row("HTTP/1.0 with Content-Length", response + "junk", false,
            head(200, "OK", { { "Content-Length", "3" } }, "1.0"), "abc", "length", kComplete,
            response.size());
        row("HTTP/1.0 close-delimited", "HTTP/1.0 200 OK\r\n\r\nabc", true,
            head(200, "OK", {}, "1.0"), "abc", "close", kComplete);
        row("HTTP/1.0 close-delimited, open", "HTTP/1.0 200 OK\r\n\r\nabc", false,
            head(200, "OK", {}, "1.0"), "abc", "close", kReadingBody);
    }

    // --- status lines ------------------------------------------------------------------------
    row("status line: no reason phrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false,
        head(200, "", { { "Content-Length", "0" } }), "", "none", kComplete);
    row("status line: LF-only line endings", "HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno",
        false, head(404, "Not Found", { { "Content-Length", "2" } }), "no", "length", kComplete);
    row("status line: empty lines before it", "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", true, ok, "",
        "close", kComplete);
    row("status line: status not a number", "HTTP/1.1 abc\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid status code in the response's status line")), kAny);
    row("status line: status glued to the reason", "HTTP/1.1 200OK\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid status code in the response's status line")), kAny);
    row("status line: not HTTP", "FOO 200 OK\r\n\r\n", true, "", "", none, statusLineError, kAny);
    row("status line: binary", bytes("\x00\x01\x02\xff\xfe"), true, "", "", none, statusLineError,
        kAny);
    row("status line: HTTPS", "HTTPS/1.1 200 OK\r\n\r\n", true, "", "", none, statusLineError,
        kAny);
    row("status line: lower-case http", "http/1.1 200 OK\r\n\r\n", true, "", "", none,
        statusLineError, kAny);
    row("status line: bad version", "HTTP/1.x 200 OK\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid HTTP version in the response's status line")), kAny);
    row("status line: HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("unsupported HTTP version 2.0 in the response's status line")), kAny);
    row("status line: two-digit status", "HTTP/1.1 20 OK\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid status code 20 in the response's status line")), kAny);
    row("status line: status 600", "HTTP/1.1 600 Odd\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid status code 600 in the response's status line")), kAny);
    row("status line: NUL in the reason", bytes("HTTP/1.1 200 O\0K\r\n\r\n"), true, "", "", none,
        failed(QStringLiteral("invalid character 0x00 in the response's status line")), kAny);
    // The library takes any byte after the status line's CR for its LF: here the X.
    row("status line: CR without LF", "HTTP/1.1 200 OK\rX: y\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character ':' in a response header")), kAny);
    row("status line: HTXP", "HTXP/1.1 200 OK\r\n\r\n", true, "", "", none, statusLineError, kAny);
    row("status line: HTTP without a slash", "HTTP 200 OK\r\n\r\n", true, "", "", none,
        statusLineError, kAny);
    row("status line: after a 100, not HTTP",
        "HTTP/1.1 100 Continue\r\n\r\nHTTX/1.1 200 OK\r\n\r\n", true, "", "", none, statusLineError,
        kAny);
    row("status line: closed inside it", "HTTP/1.1 200 O", true, "", "", none, headIncomplete);
    row("nothing at all, closed", "", true, "", "", none, headIncomplete);
    row("head without its empty line, closed", "HTTP/1.1 200 OK\r\nX: y\r\n", true, "", "", none,
        headIncomplete);

    // --- headers -----------------------------------------------------------------------------
    row("headers: values trimmed, empty values, order and case kept",
        "HTTP/1.1 200 OK\r\nX-A:   padded value \t\r\nX-Empty:\r\nX-Spaces:   \r\n"
        "x-lower:no-space\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
        true,
        head(200, "OK",
            { { "X-A", "padded value" }, { "X-Empty", "" }, { "X-Spaces", "" },
                { "x-lower", "no-space" }, { "Set-Cookie", "a=1" }, { "Set-Cookie", "b=2" } }),
        "", "close", kComplete);
    {
        // Every replay splits these names and values somewhere (they reach the reader in pieces).
        const QByteArray name = "X-" + repeated('n', 150);
        const QByteArray value = repeated('v', 300) + " with spaces " + repeated('w', 300);
        row("headers: long names and values",
            "HTTP/1.1 200 OK\r\n" + name + ":  " + value + " \r\nX-Short: s\r\n\r\n", true,
            head(200, "OK", { { name, value }, { "X-Short", "s" } }), "", "close", kComplete);
    }
    row("headers: obs-text in a value", "HTTP/1.1 200 OK\r\nX-Name: caf\xC3\xA9\r\n\r\n", true,
        head(200, "OK", { { "X-Name", "caf\xC3\xA9" } }), "", "close", kComplete);
    // libhttp-parser accepts obs-fold (RFC 9112 §5.2 lets a user agent replace it with spaces):
    // the continuation lines join the value, their leading whitespace kept.
    row("headers: obs-fold joins the value", "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\tc\r\n\r\n",
        true, head(200, "OK", { { "X-Folded", "a b\tc" } }), "", "close", kComplete);
    row("headers: obs-fold on the first header line", "HTTP/1.1 200 OK\r\n X: y\r\n\r\n", true, "",
        "", none, failed(QStringLiteral("invalid character 0x20 in a response header")), kAny);
    row("headers: space in a name", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character 0x20 in a response header")), kAny);
    // RFC 9112 §5.1: a proxy must remove whitespace between a field name and its colon.
    row("headers: space before the colon is removed",
        "HTTP/1.1 200 OK\r\nX-Foo  : bar\r\nContent-Length : 2\r\n\r\nab", true,
        head(200, "OK", { { "X-Foo", "bar" }, { "Content-Length", "2" } }), "ab", "length",
        kComplete);
    row("headers: no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character 0x0D in a response header")), kAny);
    row("headers: '@' in a name", "HTTP/1.1 200 OK\r\nX@Y: z\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character '@' in a response header")), kAny);
    row("headers: control character in a value", "HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n", true, "",
        "", none, failed(QStringLiteral("invalid character 0x01 in a response header")), kAny);
    row("headers: DEL in a value", "HTTP/1.1 200 OK\r\nX: a\x7Fz\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character 0x7F in a response header")), kAny);
    row("headers: NUL in a value", bytes("HTTP/1.1 200 OK\r\nX: a\0z\r\n\r\n"), true, "", "", none,
        failed(QStringLiteral("invalid character 0x00 in a response header")), kAny);
    row("headers: NUL first in a value", bytes("HTTP/1.1 200 OK\r\nX: \0z\r\n\r\n"), true, "", "",
        none, failed(QStringLiteral("invalid character 0x00 in a response header")), kAny);
    row("headers: ESC first in a value", "HTTP/1.1 200 OK\r\nX:\x1B\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid character 0x1B in a response header")), kAny);
    row("headers: NUL in a name", bytes("HTTP/1.1 200 OK\r\nX\0Y: z\r\n\r\n"), true, "", "", none,
        failed(QStringLiteral("invalid character 0x00 in a response header")), kAny);
    row("headers: CR without LF", "HTTP/1.1 200 OK\r\nX: y\rZ: w\r\n\r\n", true, "", "", none,
        failed(QStringLiteral("invalid line ending in the response head (CR not followed by LF)")),
        kAny);

    // --- limits ------------------------------------------------------------------------------
    {
        // "HTTP/1.1 204 No Content\r\n" (25) + "X-Filler: " (10) + filler + "\r\n\r\n" (4).
        const auto filled = [](qsizetype total) -> QByteArray {
            return "HTTP/1.1 204 No Content\r\nX-Filler: " + repeated('a', total - 39) + "\r\n\r\n";
        };
        const auto filledHead = [](qsizetype total) -> QByteArray {
            return head(204, "No Content", { { "X-Filler", repeated('a', total - 39) } });
        };
        row("limit: head of exactly 65536 bytes", filled(65536), true, filledHead(65536), "",
            "none", kComplete);
        row("limit: head of 65537 bytes", filled(65537), true, "", "", none,
            failed(QStringLiteral("response head larger than 65536 bytes")), 65536);
        row("limit: head of exactly 64 bytes, limit 64", filled(64), true, filledHead(64), "",
            "none", kComplete, kAll, limits(64));
        row("limit: head of 65 bytes, limit 64", filled(65), true, "", "", none,
            failed(QStringLiteral("response head larger than 64 bytes")), 64, limits(64));
        row("limit: an open head at the limit", filled(65).left(64), false, "", "", none,
            kReadingHead, kAll, limits(64));
        row("limit: an open head at the limit, closed", filled(65).left(64), true, "", "", none,
            headIncomplete, kAll, limits(64));
        // The 1xx heads count: 25 + 39 bytes fit in 64, not with one more.
        row("limit: 100 Continue counts", "HTTP/1.1 100 Continue\r\n\r\n" + filled(40), true, "",
            "", none, failed(QStringLiteral("response head larger than 64 bytes")), 64, limits(64));
        row("limit: 100 Continue counts, fits", "HTTP/1.1 100 Continue\r\n\r\n" + filled(39), true,
            head(204, "No Content", { { "X-Filler", "" } }), "", "none", kComplete, kAll,
            limits(64));
        row("limit: the body does not count", "HTTP/1.1 200 OK\r\n\r\n" + repeated('b', 1000), true,
            ok, repeated('b', 1000), "close", kComplete, kAll, limits(64));
        // A head of exactly 38 bytes, limit 38: the body bytes fed with it are not head bytes.
        row("limit: bytes after the head are not taken for it",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef", false,
            head(200, "OK", { { "Content-Length", "3" } }), "abc", "length", kComplete, 41,
            limits(38));
    }
    {
        HttpHeaderList three;
        const QByteArray threeHeaders = manyHeaders(3, &three);
        row("limit: 3 headers, limit 3", "HTTP/1.1 200 OK\r\n" + threeHeaders + "\r\n", true,
            head(200, "OK", three), "", "close", kComplete, kAll, limits(65536, 3));
        row("limit: 4 headers, limit 3", "HTTP/1.1 200 OK\r\n" + manyHeaders(4) + "\r\n", true, "",
            "", none, failed(QStringLiteral("more than 3 response headers")), kAny,
            limits(65536, 3));
        HttpHeaderList hundred;
        const QByteArray hundredHeaders = manyHeaders(100, &hundred);
        row("limit: 100 headers", "HTTP/1.1 200 OK\r\n" + hundredHeaders + "\r\n", true,
            head(200, "OK", hundred), "", "close", kComplete);
        row("limit: 101 headers", "HTTP/1.1 200 OK\r\n" + manyHeaders(101) + "\r\n", true, "", "",
            none, failed(QStringLiteral("more than 100 response headers")), kAny);
        row("limit: headers of a 1xx are not counted with the final ones",
            "HTTP/1.1 103 Early Hints\r\n" + manyHeaders(3) + "\r\nHTTP/1.1 200 OK\r\n"
                + threeHeaders + "\r\n",
            true, head(200, "OK", three), "", "close", kComplete, kAll, limits(65536, 3));
    }
}

void TestHttpResponseReader::rows()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, close);
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, body);
    QFETCH(QString, framing);
    QFETCH(QString, end);
    QFETCH(qsizetype, consumed);
    QFETCH(qsizetype, maxHeadBytes);
    QFETCH(int, maxHeaderCount);

    Outcome expected;
    expected.head = head;
    expected.body = body;
    expected.framing = framing;
    expected.end = end;
    expected.consumed = consumed;
    // A row that fails while parsing may have been handed less of the body when it is split
    // differently: libhttp-parser hands body bytes over at the end of a chunk or at the end of
    // what it was given, and an error in between drops what it had not handed over yet. So
    // there the body must be a prefix of the expected one, and the bytes consumed are not
    // compared (they end wherever the parser noticed the error).
    const bool exact = consumed != kAny;
    const QString want = describe(expected, exact);

    for (const Chunking &chunking : chunkings(input.size())) {
        const Outcome got = run(input, chunking.cuts, limits(maxHeadBytes, maxHeaderCount), close);
        const QString have = describe(got, exact);
        if (have != want) {
            QFAIL(qPrintable(QStringLiteral("%1:\n--- got\n%2\n--- expected\n%3")
                                 .arg(chunking.label, have, want)));
        }
        if (!exact && !body.startsWith(got.body)) {
            QFAIL(qPrintable(QStringLiteral("%1: body \"%2\" is not a prefix of \"%3\"")
                                 .arg(chunking.label, escaped(got.body), escaped(body))));
        }
    }
}

// A head that never ends, fed in pieces: the feed that brings its byte 1001 fails, having
// consumed exactly up to the limit.
void TestHttpResponseReader::headThatNeverEndsTripsTheLimit()
{
    Reader reader({}, limits(1000));
    QCOMPARE(reader.feed("HTTP/1.1 200 OK\r\n"), 17);
    const QByteArray line = "X-Filler: 0123\r\n"; // 16 bytes
    qsizetype fed = 17;
    while (fed + line.size() <= 1000) {
        QCOMPARE(reader.feed(line), line.size());
        QCOMPARE(reader.state(), Reader::State::ReadingHead);
        fed += line.size();
    }
    QCOMPARE(fed, 993);
    QCOMPARE(reader.feed(line), 7);
    QVERIFY(reader.hasFailed());
    QCOMPARE(reader.error(), QStringLiteral("response head larger than 1000 bytes"));
    QCOMPARE(reader.feed(line), 0);

    // Exactly at the limit, the next feed fails without consuming anything.
    Reader exact({}, limits(33));
    QCOMPARE(exact.feed("HTTP/1.1 200 OK\r\n"), 17);
    QCOMPARE(exact.feed(line), 16);
    QCOMPARE(exact.state(), Reader::State::ReadingHead);
    QCOMPARE(exact.feed("\r\n"), 0);
    QCOMPARE(exact.error(), QStringLiteral("response head larger than 33 bytes"));
}

void TestHttpResponseReader::nothingHappensAfterTheEnd()
{
    int heads = 0;
    int bodies = 0;
    Reader::Callbacks callbacks;
    callbacks.onHead = [&](const Reader::Head &) { ++heads; };
    callbacks.onBody = [&](QByteArrayView) { ++bodies; };

    Reader complete(callbacks, {});
    const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    const QByteArray twoResponses = response + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny";
    QCOMPARE(complete.feed(twoResponses), response.size());
    QVERIFY(complete.isComplete());
    QCOMPARE(heads, 1);
    QCOMPARE(bodies, 1);
    QCOMPARE(complete.feed(response), 0);
    complete.finishAtClose();
    QVERIFY(complete.isComplete());
    QVERIFY(complete.error().isEmpty());
    QCOMPARE(heads, 1);
    QCOMPARE(bodies, 1);

    Reader broken(callbacks, {});
    QCOMPARE(broken.feed("HTTP/1.1 abc\r\n"), 9);
    QVERIFY(broken.hasFailed());
    const QString error = broken.error();
    QCOMPARE(broken.feed(response), 0);
    broken.finishAtClose();
    QCOMPARE(broken.error(), error);
    QCOMPARE(heads, 1);
}

// The callbacks may not call the reader; if they do anyway, the calls do nothing.
void TestHttpResponseReader::reentrantCallsDoNothing()
{
    std::unique_ptr<Reader> reader;
    QList<qsizetype> nested;
    QByteArray body;
    Reader::Callbacks callbacks;
    callbacks.onHead = [&](const Reader::Head &) {
        nested << reader->feed("HTTP/1.1 500 Nope\r\n\r\n");
        reader->finishAtClose();
    };
    callbacks.onBody = [&](QByteArrayView bytes) {
        body += bytes;
        nested << reader->feed("more");
        reader->finishAtClose();
    };
    reader = std::make_unique<Reader>(callbacks, Reader::Limits {});
    const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
    QCOMPARE(reader->feed(response), response.size());
    QVERIFY(reader->isComplete());
    QCOMPARE(body, QByteArray("body"));
    QCOMPARE(nested, (QList<qsizetype> { 0, 0 }));
}

void TestHttpResponseReader::emptyFeedIsNotTheEnd()
{
    Reader reader({}, {});
    QCOMPARE(reader.feed(QByteArrayView()), 0);
    QCOMPARE(reader.state(), Reader::State::ReadingHead);
    QCOMPARE(reader.feed("HTTP/1.1 200 OK\r\n\r\nab"), 21);
    QCOMPARE(reader.feed(""), 0);
    QCOMPARE(reader.state(), Reader::State::ReadingBody);
    reader.finishAtClose();
    QVERIFY(reader.isComplete());
    QCOMPARE(reader.bodyBytes(), 2);
}

void TestHttpResponseReader::framingAndLengthsAreReported()
{
    Reader::Head seen;
    Reader::Framing framingAtHead = Reader::Framing::NoBody;
    std::unique_ptr<Reader> reader;
    Reader::Callbacks callbacks;
    callbacks.onHead = [&](const Reader::Head &h) {
        seen = h;
        framingAtHead = reader->framing();
    };
    reader = std::make_unique<Reader>(callbacks, Reader::Limits {});
    QCOMPARE(reader->feed("HTTP/1.1 206 Partial\r\nContent-Length: 3\r\n\r\nab"), 45);
    QCOMPARE(seen.status, 206);
    QCOMPARE(seen.reason, QByteArray("Partial"));
    QCOMPARE(seen.httpMajor, 1);
    QCOMPARE(seen.httpMinor, 1);
    QCOMPARE(framingAtHead, Reader::Framing::ContentLength);
    QCOMPARE(reader->bodyBytes(), 2);
    QCOMPARE(reader->state(), Reader::State::ReadingBody);
    QCOMPARE(reader->feed("c"), 1);
    QVERIFY(reader->isComplete());
    QCOMPARE(reader->bodyBytes(), 3);
}

QTEST_GUILESS_MAIN(TestHttpResponseReader)
#include "tst_httpresponsereader.moc"
