// SseParser against the WHATWG HTML "event stream" interpretation rules (PROTOCOL.md §5).
//
// Every rule row is replayed under every chunking of its input (whole, split in two at every
// byte, one byte at a time, one byte at a time with empty chunks between, and for short rows
// split in three at every pair of positions); all replays must produce identical events, errors
// and last event ID. Both signals are spied on and zero counts are asserted too.

#include "sseparser.h"
#include "utf8cases.h"

#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

using Events = QList<SseEvent>;

namespace {

SseEvent ev(const QString &data, const QString &type = QStringLiteral("message"),
    const QString &id = QString(), const QString &retry = QString())
{
    SseEvent event;
    event.data = data;
    event.type = type;
    event.lastEventId = id;
    event.retry = retry;
    event.hasRetry = !retry.isNull();
    return event;
}

// Makes control characters and non-ASCII visible in failure messages.
QString escaped(const QString &text)
{
    QString out;
    for (QChar c : text) {
        if (c == u'\\')
            out += QStringLiteral("\\\\");
        else if (c.unicode() >= 0x20 && c.unicode() < 0x7F)
            out += c;
        else
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
    }
    return out;
}

QString describe(const SseEvent &e)
{
    return QStringLiteral("{type=\"%1\" data=\"%2\" id=\"%3\" retry=%4}")
        .arg(escaped(e.type), escaped(e.data), escaped(e.lastEventId),
            e.hasRetry ? QStringLiteral("\"%1\"").arg(escaped(e.retry)) : QStringLiteral("none"));
}

struct Outcome
{
    Events events;
    QStringList errors;
    QString lastEventId;
    bool failed = false;
    int dispatchedByFinish = 0;
};

// The whole outcome as one string, so a mismatch shows everything side by side.
QString describe(const Outcome &o, int expectedErrors = -1)
{
    QString out = QStringLiteral("%1 events:").arg(o.events.size());
    for (const SseEvent &e : o.events)
        out += u' ' + describe(e);
    out += QStringLiteral("; %1 errors; failed=%2; lastEventId=\"%3\"; finish dispatched %4")
               .arg(expectedErrors >= 0 ? expectedErrors : o.errors.size())
               .arg(o.failed)
               .arg(escaped(o.lastEventId))
               .arg(o.dispatchedByFinish);
    return out;
}

struct Chunking
{
    QString label;
    QList<qsizetype> cuts; // chunk boundaries, increasing, inside (0, size)
    bool emptyChunksBetween = false;
};

QList<Chunking> everyChunking(qsizetype size)
{
    QList<Chunking> all { { QStringLiteral("whole"), {} } };
    for (qsizetype i = 1; i < size; ++i)
        all.append({ QStringLiteral("split at %1").arg(i), { i } });
    QList<qsizetype> everyByte;
    for (qsizetype i = 1; i < size; ++i)
        everyByte.append(i);
    all.append({ QStringLiteral("one byte at a time"), everyByte });
    all.append({ QStringLiteral("one byte at a time, empty chunks between"), everyByte, true });
    // Three chunks catch state carried over two boundaries (a CR, then an LF one chunk later).
    if (size <= 40) {
        for (qsizetype i = 1; i < size; ++i) {
            for (qsizetype j = i + 1; j < size; ++j)
                all.append({ QStringLiteral("split at %1 and %2").arg(i).arg(j), { i, j } });
        }
    }
    return all;
}

Outcome replay(QByteArrayView input, const Chunking &chunking, SseParser::Limits limits = {})
{
    SseParser parser(limits);
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    qsizetype from = 0;
    for (qsizetype cut : chunking.cuts) {
        parser.feed(input.sliced(from, cut - from));
        if (chunking.emptyChunksBetween)
            parser.feed(QByteArrayView());
        from = cut;
    }
    parser.feed(input.sliced(from));

    Outcome out;
    out.lastEventId = parser.lastEventId();
    out.failed = parser.hasFailed();
    const qsizetype beforeFinish = eventSpy.count();
    parser.finish();
    out.dispatchedByFinish = int(eventSpy.count() - beforeFinish);
    for (const QList<QVariant> &args : std::as_const(eventSpy))
        out.events.append(args.at(0).value<SseEvent>());
    for (const QList<QVariant> &args : std::as_const(errorSpy))
        out.errors.append(args.at(0).toString());
    return out;
}

// Replays `input` under every chunking; each replay must match the expectation exactly.
void verifyEveryChunking(const QByteArray &input, const Events &expected, int expectedErrors,
    const QString &expectedLastId, SseParser::Limits limits = {})
{
    Outcome want;
    want.events = expected;
    want.lastEventId = expectedLastId;
    want.failed = expectedErrors > 0;
    const QString wanted = describe(want, expectedErrors);
    for (const Chunking &chunking : everyChunking(input.size())) {
        const Outcome got = replay(input, chunking, limits);
        QCOMPARE(chunking.label + u": " + describe(got), chunking.label + u": " + wanted);
        // The same facts again as plain counts, zero counts included.
        QCOMPARE(got.events.size(), expected.size());
        QCOMPARE(got.errors.size(), qsizetype(expectedErrors));
        QCOMPARE(got.dispatchedByFinish, 0);
    }
}

QString fffd(int count)
{
    return QString(count, QChar(0xFFFD));
}

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void rules_data();
    void rules();
    void invalidUtf8Oracle();
    void limits_data();
    void limits();

    void largeDataLine();
    void tenThousandEvents();
    void errorMessageSaysWhat();
    void resetRecoversAfterFailure();
    void resetFromSlotStopsChunk_data();
    void resetFromSlotStopsChunk();
    void resetAndFeedFromEventSlot();
    void resetAndFeedFromErrorSlot();
    void resetFromErrorSlot();

private:
    void row(const char *name, QByteArrayView input, const Events &events,
        const QString &lastId = QString())
    {
        QTest::newRow(name) << input.toByteArray() << events << lastId;
    }
};

void TestSseParser::initTestCase()
{
    qRegisterMetaType<SseEvent>();
}

void TestSseParser::rules_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Events>("events");
    QTest::addColumn<QString>("lastEventId"); // the parser's last event ID after the input

    // Line endings: CRLF, LF and a lone CR each end a line; a CRLF (even split over two chunks)
    // ends exactly one line, so no blank line appears between two data lines.
    row("lf", "data: a\n\n", { ev("a") });
    row("crlf", "data: a\r\n\r\n", { ev("a") });
    row("cr", "data: a\r\r", { ev("a") });
    row("crlf is one line ending", "data: a\r\ndata: b\r\n\r\n", { ev("a\nb") });
    row("cr then non-lf", "data: a\rdata: b\r\r", { ev("a\nb") });
    row("mixed endings", "data: a\r\ndata: b\rdata: c\n\r\n", { ev("a\nb\nc") });
    row("lf then cr is blank line", "data: a\n\rdata: b\n\n", { ev("a"), ev("b") });
    row("crlf then lf is blank line", "data: a\r\n\ndata: b\n\n", { ev("a"), ev("b") });
    row("cr then crlf is blank line", "data: a\r\r\ndata: b\n\n", { ev("a"), ev("b") });
    row("cr cr cr", "data: a\r\r\rdata: b\r\r", { ev("a"), ev("b") });
    row("blank lines only", "\n\r\n\r\r\n", {});

    // BOM: one leading UTF-8 BOM is stripped, only at the very start of the stream.
    row("bom",
        "\xEF\xBB\xBF"
        "data: a\n\n",
        { ev("a") });
    row("bom before event field",
        "\xEF\xBB\xBF"
        "event: x\ndata: a\n\n",
        { ev("a", "x") });
    row("bom then blank line", "\xEF\xBB\xBF\ndata: a\n\n", { ev("a") });
    row("second bom kept",
        "\xEF\xBB\xBF\xEF\xBB\xBF"
        "data: a\n\ndata: b\n\n",
        { ev("b") });
    row("bom after first event",
        "data: a\n\n\xEF\xBB\xBF"
        "data: b\n\ndata: c\n\n",
        { ev("a"), ev("c") });
    row("bom after blank first line",
        "\n\xEF\xBB\xBF"
        "data: b\n\ndata: c\n\n",
        { ev("c") });
    row("truncated bom",
        "\xEF\xBB"
        "data: a\n\ndata: b\n\n",
        { ev("b") });
    row("bom inside value", "data: \xEF\xBB\xBFx\n\n", { ev(QStringLiteral("\uFEFFx")) });

    // Comments.
    row("comment", ": hello\ndata: a\n\n", { ev("a") });
    row("empty comment", ":\ndata: a\n\n", { ev("a") });
    row("comment between data lines", "data: a\n: c\ndata: b\n\n", { ev("a\nb") });
    row("comment only", ": hello\n\n: again\n\n", {});
    row("comment with colons", ":a:b: c\ndata: x\n\n", { ev("x") });

    // A line without a colon is a field with an empty value.
    row("data without colon", "data\n\n", { ev("") });
    row("two data without colon", "data\ndata\n\n", { ev("\n") });
    row("event without colon", "event: x\nevent\ndata: a\n\n", { ev("a") });
    row("id without colon resets", "id: 1\ndata: a\n\nid\ndata: b\n\n",
        { ev("a", "message", "1"), ev("b") }, "");
    row("retry without colon", "retry\ndata: a\n\n", { ev("a") });

    // Exactly one space after the colon is stripped; nothing else.
    row("no space", "data:a\n\n", { ev("a") });
    row("one space", "data: a\n\n", { ev("a") });
    row("two spaces keep one", "data:  a\n\n", { ev(" a") });
    row("tab kept", "data:\ta\n\n", { ev("\ta") });
    row("space only", "data: \n\n", { ev("") });
    row("two spaces only", "data:  \n\n", { ev(" ") });
    row("trailing spaces kept", "data: a  \n\n", { ev("a  ") });
    row("event two spaces", "event:  x\ndata: a\n\n", { ev("a", " x") });
    row("id two spaces", "id:  7\ndata: a\n\n", { ev("a", "message", " 7") }, " 7");

    // Data lines are joined with LF; the final LF is removed.
    row("three data lines", "data: a\ndata: b\ndata: c\n\n", { ev("a\nb\nc") });
    row("trailing empty data line", "data: a\ndata:\n\n", { ev("a\n") });
    row("two empty data lines", "data:\ndata:\n\n", { ev("\n") });
    row("nul in data", QByteArrayView("data: a\0b\n\n", 11),
        { ev(QString::fromUtf16(u"a\0b", 3)) });

    // No dispatch for an empty data buffer; the event type resets after every blank line.
    row("event without data", "event: x\n\n", {});
    row("type reset after dispatch", "event: x\ndata: a\n\ndata: b\n\n", { ev("a", "x"), ev("b") });
    row("type reset without dispatch", "event: x\n\ndata: b\n\n", { ev("b") });
    row("last event field wins", "event: a\nevent: b\ndata: x\n\n", { ev("x", "b") });
    row("empty event is message", "event:\ndata: a\n\n", { ev("a") });
    row("event types alternate", "event: a\ndata: x\n\nevent: b\ndata: y\n\nevent: a\ndata: z\n\n",
        { ev("x", "a"), ev("y", "b"), ev("z", "a") });
    row("event after data", "data: a\nevent: late\n\n", { ev("a", "late") });

    // Last event ID: persists across events, set even by a block without data, reset by an
    // empty id, untouched by an id containing NUL.
    row("id", "id: 1\ndata: a\n\n", { ev("a", "message", "1") }, "1");
    row("id persists", "id: 1\ndata: a\n\ndata: b\n\n",
        { ev("a", "message", "1"), ev("b", "message", "1") }, "1");
    row("id set by block without data", "id: 1\n\ndata: b\n\n", { ev("b", "message", "1") }, "1");
    row("id block without data at end", "data: a\n\nid: 9\n\n", { ev("a") }, "9");
    row("empty id resets", "id: 1\ndata: a\n\nid:\ndata: b\n\n",
        { ev("a", "message", "1"), ev("b") }, "");
    row("id with nul ignored", QByteArrayView("id: 1\ndata: a\n\nid: a\0b\ndata: b\n\n", 32),
        { ev("a", "message", "1"), ev("b", "message", "1") }, "1");
    row("id only nul ignored", QByteArrayView("id: \0\ndata: a\n\n", 15), { ev("a") }, "");
    row("last id field wins", "id: 1\nid: 2\ndata: a\n\n", { ev("a", "message", "2") }, "2");
    row("id with colon", "id: a:b\ndata: x\n\n", { ev("x", "message", "a:b") }, "a:b");
    row("id only at blank line", "id: 1\ndata: a\n", {}, "");
    row("id after data in block", "data: a\nid: 5\n\n", { ev("a", "message", "5") }, "5");

    // retry: ASCII digits only (after the one-space strip), reported on its own block's event.
    row("retry", "retry: 1000\ndata: a\n\n", { ev("a", "message", {}, "1000") });
    row("retry zero", "retry: 0\ndata: a\n\n", { ev("a", "message", {}, "0") });
    row("retry leading zeros", "retry: 007\ndata: a\n\n", { ev("a", "message", {}, "007") });
    row("retry huge", "retry: 99999999999999999999\ndata: a\n\n",
        { ev("a", "message", {}, "99999999999999999999") });
    row("retry empty", "retry:\ndata: a\n\n", { ev("a") });
    row("retry space only", "retry: \ndata: a\n\n", { ev("a") });
    row("retry fraction", "retry: 1.5\ndata: a\n\n", { ev("a") });
    row("retry two spaces", "retry:  5\ndata: a\n\n", { ev("a") });
    row("retry negative", "retry: -1\ndata: a\n\n", { ev("a") });
    row("retry plus", "retry: +5\ndata: a\n\n", { ev("a") });
    row("retry suffix", "retry: 5a\ndata: a\n\n", { ev("a") });
    row("retry trailing space", "retry: 5 \ndata: a\n\n", { ev("a") });
    row("retry fullwidth digit", "retry: \xEF\xBC\x95\ndata: a\n\n", { ev("a") });
    row("retry only on its block", "retry: 5\ndata: a\n\ndata: b\n\n",
        { ev("a", "message", {}, "5"), ev("b") });
    row("retry block without data", "retry: 5\n\ndata: b\n\n", { ev("b") });
    row("invalid retry keeps valid", "retry: 5\nretry: x\ndata: a\n\n",
        { ev("a", "message", {}, "5") });
    row("last retry wins", "retry: 5\nretry: 7\ndata: a\n\n", { ev("a", "message", {}, "7") });

    // Field names are case-sensitive and compared whole; unknown fields are ignored.
    row("Data ignored", "Data: a\n\n", {});
    row("DATA ignored", "DATA: a\ndata: b\n\n", { ev("b") });
    row("EVENT ignored", "EVENT: x\ndata: a\n\n", { ev("a") });
    row("Id ignored", "Id: 5\ndata: a\n\n", { ev("a") }, "");
    row("Retry ignored", "Retry: 5\ndata: a\n\n", { ev("a") });
    row("leading space in name", " data: a\n\n", {});
    row("space before colon", "data : a\n\n", {});
    row("unknown field", "foo: bar\ndata: a\n\n", { ev("a") });
    row("unknown field without colon", "foo\ndata: a\nbar\n\n", { ev("a") });
    row("prefix of data", "dat: a\ndatas: b\n\n", {});

    // End of stream: an unfinished event (no blank line yet) is discarded by finish().
    row("unfinished event", "data: a\n", {});
    row("unfinished line", "data: a", {});
    row("unfinished after event", "data: a\n\ndata: b\n", { ev("a") });
    row("unfinished after cr", "data: a\r", {});
    row("finished by lf cr", "data: a\n\r", { ev("a") });

    // A colon inside the value is kept; only the first colon splits.
    row("colon in value", "data: a:b\n\n", { ev("a:b") });
    row("colon only value", "data::\n\n", { ev(":") });
    row("colon after space", "data: :x\n\n", { ev(":x") });
    row("colon in event", "event: a:b\ndata: x\n\n", { ev("x", "a:b") });

    // Multi-byte UTF-8 split at every offset by the chunkings.
    row("cyrillic", "data: Привет\n\n", { ev(QStringLiteral("Привет")) });
    row("cjk", "data: 你好世界\n\n", { ev(QStringLiteral("你好世界")) });
    row("emoji", "data: 😀🎉\n\n", { ev(QStringLiteral("😀🎉")) });
    row("four-byte max", "data: \xF4\x8F\xBF\xBF\n\n", { ev(QStringLiteral("\U0010FFFF")) });
    row("unicode event and id", "event: тип\nid: 标识\ndata: x\n\n",
        { ev("x", QStringLiteral("тип"), QStringLiteral("标识")) }, QStringLiteral("标识"));

    // Invalid UTF-8: one U+FFFD per maximal invalid subpart (WHATWG Encoding, "UTF-8 decode").
    row("truncated 3-byte then lf", "data: \xE2\x82\n\n", { ev(fffd(1)) });
    row("truncated 3-byte then ascii",
        "data: a\xE2\x82"
        "b\n\n",
        { ev("a" + fffd(1) + "b") });
    row("truncated 4-byte", "data: \xF0\x9F\x98\n\n", { ev(fffd(1)) });
    row("overlong 4-byte lead", "data: \xF0\x80\x80\n\n", { ev(fffd(3)) });
    row("overlong 3-byte", "data: \xE0\x80\x80\n\n", { ev(fffd(3)) });
    row("surrogate", "data: \xED\xA0\x80\n\n", { ev(fffd(3)) });
    row("overlong slash", "data: \xC0\xAF\n\n", { ev(fffd(2)) });
    row("lone continuation", "data: \x80\n\n", { ev(fffd(1)) });
    row("two continuations",
        "data: a\x80\xBF"
        "b\n\n",
        { ev("a" + fffd(2) + "b") });
    row("above U+10FFFF", "data: \xF4\x90\x80\x80\n\n", { ev(fffd(4)) });
    row("five-byte form", "data: \xF8\x88\x80\x80\x80\n\n", { ev(fffd(5)) });
    row("ff fe", "data: \xFF\xFE\n\n", { ev(fffd(2)) });
    row("truncated at end of data line", "data: \xC2\ndata: \xE2\x82\xAC\n\n",
        { ev(fffd(1) + QStringLiteral("\n\u20AC")) });
    row("invalid in long data line",
        "data: 0123456789012345678901234567890123456789\xE2\x82\xF0\x80\x80\n\n",
        { ev("0123456789012345678901234567890123456789" + fffd(4)) });
    row("bom at start of long data line",
        "data: \xEF\xBB\xBF"
        "0123456789012345678901234567890123456789\n\n",
        { ev(QStringLiteral("\uFEFF0123456789012345678901234567890123456789")) });
    row("invalid in field name",
        "d\xFF"
        "ata: x\ndata: y\n\n",
        { ev("y") });
    row("invalid in event", "event: \xE2\x82\ndata: x\n\n", { ev("x", fffd(1)) });
    row("invalid in id", "id: \xC0\ndata: x\n\n", { ev("x", "message", fffd(1)) }, fffd(1));
}

void TestSseParser::rules()
{
    QFETCH(QByteArray, input);
    QFETCH(Events, events);
    QFETCH(QString, lastEventId);
    verifyEveryChunking(input, events, 0, lastEventId);
}

// 1,500 byte strings whose decoding comes from an independent oracle (tests/data), each as a
// `data:` value under every chunking.
void TestSseParser::invalidUtf8Oracle()
{
    QString error;
    const QList<Utf8Case> cases
        = loadUtf8Cases(QStringLiteral(WSSP_TEST_DATA_DIR "/utf8-cases.txt"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const Utf8Case &c : cases) {
        verifyEveryChunking("data: " + c.bytes + "\n\n", { ev(c.expected) }, 0, {});
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("case %1").arg(QString::fromLatin1(c.hex))));
    }
    QCOMPARE(cases.size(), 1500);
}

void TestSseParser::limits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("maxLineBytes");
    QTest::addColumn<int>("maxEventBytes");
    QTest::addColumn<Events>("events");
    QTest::addColumn<int>("errors");

    // A line is measured without its line ending; an event by the bytes of its data lines,
    // one LF each. Events before the violation are dispatched, nothing after it.
    QTest::newRow("line at limit")
        << QByteArray("data: 1234\n\n") << 10 << 100 << Events { ev("1234") } << 0;
    QTest::newRow("line at limit crlf")
        << QByteArray("data: 1234\r\n\r\n") << 10 << 100 << Events { ev("1234") } << 0;
    QTest::newRow("line over limit") << QByteArray("data: a\n\ndata: 12345\n\ndata: b\n\n") << 10
                                     << 100 << Events { ev("a") } << 1;
    QTest::newRow("unterminated line over limit")
        << QByteArray("data: a\n\ndata: 123456789") << 10 << 100 << Events { ev("a") } << 1;
    QTest::newRow("comment over limit") << QByteArray("data: a\n\n: 0123456789\ndata: b\n\n") << 10
                                        << 100 << Events { ev("a") } << 1;
    QTest::newRow("pending event dropped at line limit")
        << QByteArray("data: a\ndata: 0123456789\n\n") << 10 << 100 << Events {} << 1;
    QTest::newRow("event at limit")
        << QByteArray("data: 123\ndata: 456\n\n") << 100 << 8 << Events { ev("123\n456") } << 0;
    QTest::newRow("event over limit")
        << QByteArray("data: a\n\ndata: 1234\ndata: 5678\n\ndata: b\n\n") << 100 << 8
        << Events { ev("a") } << 1;
    QTest::newRow("event limit counts bytes")
        << QByteArray("data: ééé\n\n") << 100 << 6 << Events {} << 1;
    QTest::newRow("event limit per event")
        << QByteArray("data: 12345\n\ndata: 12345\n\ndata: 12345\n\n") << 100 << 6
        << Events { ev("12345"), ev("12345"), ev("12345") } << 0;
    QTest::newRow("both limits, line first") << QByteArray("data: a\n\ndata: 0123456789abcdef\n\n")
                                             << 10 << 8 << Events { ev("a") } << 1;
}

void TestSseParser::limits()
{
    QFETCH(QByteArray, input);
    QFETCH(int, maxLineBytes);
    QFETCH(int, maxEventBytes);
    QFETCH(Events, events);
    QFETCH(int, errors);
    SseParser::Limits limits;
    limits.maxLineBytes = maxLineBytes;
    limits.maxEventBytes = maxEventBytes;
    verifyEveryChunking(input, events, errors, QString(), limits);
}

// A 1 MiB data line of mixed 1- to 4-byte characters, fed whole, in odd and round chunk sizes,
// split inside characters, and one byte at a time.
void TestSseParser::largeDataLine()
{
    const QString unit = QStringLiteral("ab: Привет 你好 😀 ");
    QString text;
    QByteArray value;
    while (value.size() < 1024 * 1024) {
        text += unit;
        value += unit.toUtf8();
    }
    const QByteArray input = "id: big\ndata: " + value + "\n\ndata: after\n\n";
    const Events expected { ev(text, "message", "big"), ev("after", "message", "big") };

    QList<Chunking> chunkings { { QStringLiteral("whole"), {} } };
    for (qsizetype size : { 1, 7, 4096, 65536 }) {
        Chunking c { QStringLiteral("chunks of %1").arg(size), {} };
        for (qsizetype cut = size; cut < input.size(); cut += size)
            c.cuts.append(cut);
        chunkings.append(c);
    }
    for (qsizetype cut : { 15, 16, 17, 18, 19, 20, 21, 22, 500001, 1048590 })
        chunkings.append({ QStringLiteral("split at %1").arg(cut), { cut } });

    for (const Chunking &chunking : std::as_const(chunkings)) {
        const Outcome got = replay(input, chunking);
        QVERIFY2(got.events == expected, qPrintable(chunking.label));
        QCOMPARE(got.events.size(), 2);
        QCOMPARE(got.errors.size(), 0);
        QCOMPARE(got.lastEventId, QStringLiteral("big"));
    }
}

// 10,000 events of varied shapes, fed whole, one byte at a time and in seeded random chunks.
void TestSseParser::tenThousandEvents()
{
    QByteArray input;
    Events expected;
    const QByteArray endings[] = { "\n", "\r\n", "\r" };
    for (int i = 0; i < 10000; ++i) {
        const QByteArray &eol = endings[i % 3];
        const QString id = QString::number(i / 7);
        const QString type = i % 5 == 0 ? QStringLiteral("tick") : QStringLiteral("message");
        if (i % 7 == 0)
            input += "id: " + id.toUtf8() + eol;
        if (i % 5 == 0)
            input += "event: tick" + eol;
        if (i % 11 == 0)
            input += ": keep-alive" + eol;
        const QString data = QStringLiteral("event %1 ✓").arg(i)
            + (i % 3 == 0 ? QStringLiteral("\nsecond line") : QString());
        for (const QString &line : data.split(u'\n'))
            input += "data: " + line.toUtf8() + eol;
        input += eol;
        expected.append(ev(data, type, id));
    }

    const quint32 seed = 4242;
    QRandomGenerator random(seed);
    Chunking randomChunks { QStringLiteral("random chunks, seed %1").arg(seed), {} };
    for (qsizetype cut = 1 + random.bounded(300); cut < input.size();
         cut += 1 + random.bounded(300))
        randomChunks.cuts.append(cut);
    Chunking oneByte { QStringLiteral("one byte at a time"), {} };
    for (qsizetype cut = 1; cut < input.size(); ++cut)
        oneByte.cuts.append(cut);

    for (const Chunking &chunking :
        { Chunking { QStringLiteral("whole"), {} }, randomChunks, oneByte }) {
        const Outcome got = replay(input, chunking);
        QCOMPARE(got.events.size(), 10000);
        QCOMPARE(got.errors.size(), 0);
        for (int i = 0; i < got.events.size(); ++i) {
            if (got.events.at(i) != expected.at(i)) {
                QFAIL(qPrintable(QStringLiteral("%1: event %2 is %3, expected %4")
                                     .arg(chunking.label)
                                     .arg(i)
                                     .arg(describe(got.events.at(i)), describe(expected.at(i)))));
            }
        }
        QCOMPARE(got.lastEventId, QString::number(9999 / 7));
    }
}

void TestSseParser::errorMessageSaysWhat()
{
    SseParser parser(SseParser::Limits { 10, 20 });
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    parser.feed("data: 0123456789\n");
    QCOMPARE(errorSpy.count(), 1);
    const QString lineMessage = errorSpy.at(0).at(0).toString();
    QVERIFY2(lineMessage.contains(u"line") && lineMessage.contains(u"10"), qPrintable(lineMessage));

    SseParser eventParser(SseParser::Limits { 100, 20 });
    QSignalSpy eventErrorSpy(&eventParser, &SseParser::errorOccurred);
    eventParser.feed("data: 12345678\ndata: 12345678\ndata: 123\n");
    QCOMPARE(eventErrorSpy.count(), 1);
    const QString eventMessage = eventErrorSpy.at(0).at(0).toString();
    QVERIFY2(
        eventMessage.contains(u"event") && eventMessage.contains(u"20"), qPrintable(eventMessage));
}

void TestSseParser::resetRecoversAfterFailure()
{
    SseParser parser(SseParser::Limits { 10, 100 });
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);

    parser.feed("id: 1\ndata: a\n\ndata: 0123");
    parser.feed("456789\n\ndata: b\n\n");
    QCOMPARE(eventSpy.count(), 1);
    QCOMPARE(errorSpy.count(), 1);
    QVERIFY(parser.hasFailed());
    QCOMPARE(parser.lastEventId(), QStringLiteral("1"));

    // A failed parser ignores input, without another error.
    parser.feed("data: c\n\n");
    QCOMPARE(eventSpy.count(), 1);
    QCOMPARE(errorSpy.count(), 1);

    // reset() starts a new stream: no failure, no last event ID, a BOM is stripped again.
    parser.reset();
    QVERIFY(!parser.hasFailed());
    QCOMPARE(parser.lastEventId(), QString());
    parser.feed("\xEF\xBB\xBF"
                "data: d\n\n");
    QCOMPARE(eventSpy.count(), 2);
    QCOMPARE(errorSpy.count(), 1);
    QCOMPARE(eventSpy.at(1).at(0).value<SseEvent>(), ev("d"));
}

void TestSseParser::resetFromSlotStopsChunk_data()
{
    QTest::addColumn<QByteArrayList>("chunks"); // the first event's dispatch resets the parser
    QTest::addColumn<QByteArray>("after"); // fed after the reset, as a new stream
    QTest::addColumn<Events>("events");

    const QByteArray after = "\xEF\xBB\xBF"
                             "data: c\n\n";
    QTest::newRow("rest of chunk dropped") << QByteArrayList { "id: 1\ndata: a\n\ndata: b\n\n" }
                                           << after << Events { ev("a", "message", "1"), ev("c") };
    QTest::newRow("line carried from earlier chunk") << QByteArrayList { "id: 1\nda", "ta: a\n",
        "\ndata: b\n\n" } << after << Events { ev("a", "message", "1"), ev("c") };
    // The LF that completes a CRLF after the reset is a blank line of the new stream: harmless.
    QTest::newRow("cr at chunk end") << QByteArrayList { "data: a\r\r" }
                                     << QByteArray("\ndata: c\n\n") << Events { ev("a"), ev("c") };
    QTest::newRow("crlf at chunk end")
        << QByteArrayList { "data: a\r\n\r" } << QByteArray("\ndata: c\n\n")
        << Events { ev("a"), ev("c") };
}

void TestSseParser::resetFromSlotStopsChunk()
{
    QFETCH(QByteArrayList, chunks);
    QFETCH(QByteArray, after);
    QFETCH(Events, events);

    SseParser parser;
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    int resets = 0;
    connect(&parser, &SseParser::eventDispatched, this, [&] {
        if (resets++ == 0)
            parser.reset();
    });
    for (const QByteArray &chunk : std::as_const(chunks))
        parser.feed(chunk);
    QCOMPARE(eventSpy.count(), 1);
    QCOMPARE(parser.lastEventId(), QString());
    parser.feed(after);
    parser.finish();

    QCOMPARE(eventSpy.count(), events.size());
    QCOMPARE(errorSpy.count(), 0);
    for (int i = 0; i < events.size(); ++i)
        QCOMPARE(describe(eventSpy.at(i).at(0).value<SseEvent>()), describe(events.at(i)));
}

// A slot may reset the parser and start the new stream at once: the bytes it feeds must not be
// lost when the interrupted feed() unwinds.
void TestSseParser::resetAndFeedFromEventSlot()
{
    SseParser parser;
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    bool first = true;
    connect(&parser, &SseParser::eventDispatched, this, [&] {
        if (!first)
            return;
        first = false;
        parser.reset();
        parser.feed("data: x");
    });
    parser.feed("data: a\n");
    parser.feed("\ndata: dropped\n\n");
    parser.feed("\n\n");
    parser.finish();

    QCOMPARE(eventSpy.count(), 2);
    QCOMPARE(errorSpy.count(), 0);
    QCOMPARE(eventSpy.at(0).at(0).value<SseEvent>(), ev("a"));
    QCOMPARE(eventSpy.at(1).at(0).value<SseEvent>(), ev("x"));
}

// The same from errorOccurred, raised while the offending line was carried over from an earlier
// chunk (so the parser is still holding it when the slot runs).
void TestSseParser::resetAndFeedFromErrorSlot()
{
    SseParser parser(SseParser::Limits { 100, 8 });
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    connect(&parser, &SseParser::errorOccurred, this, [&] {
        parser.reset();
        parser.feed("data: x");
    });
    parser.feed("data: a\n\ndata: 12");
    parser.feed("34567890\ndata: dropped\n\n");
    QCOMPARE(errorSpy.count(), 1);
    parser.feed("\n\n");
    parser.finish();

    QCOMPARE(eventSpy.count(), 2);
    QCOMPARE(errorSpy.count(), 1);
    QCOMPARE(eventSpy.at(0).at(0).value<SseEvent>(), ev("a"));
    QCOMPARE(eventSpy.at(1).at(0).value<SseEvent>(), ev("x"));
}

void TestSseParser::resetFromErrorSlot()
{
    SseParser parser(SseParser::Limits { 10, 100 });
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    connect(&parser, &SseParser::errorOccurred, this, [&] { parser.reset(); });

    parser.feed("data: a\n\ndata: 0123456789\ndata: b\n\n");
    QCOMPARE(eventSpy.count(), 1);
    QCOMPARE(errorSpy.count(), 1);
    QVERIFY(!parser.hasFailed());
    parser.feed("data: c\n\n");
    QCOMPARE(eventSpy.count(), 2);
    QCOMPARE(errorSpy.count(), 1);
    QCOMPARE(eventSpy.at(1).at(0).value<SseEvent>(), ev("c"));
}

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
