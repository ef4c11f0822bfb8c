// SseWriter: the exact bytes of encode() and comment(), then a seeded random round trip through
// SseParser under random chunk sizes.

#include "sseparser.h"
#include "ssewriter.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

using SseWriter::LineEnding;

namespace {

SseEvent ev(const QString &data, const QString &type = QString(), const QString &id = QString(),
    const QString &retry = QString())
{
    SseEvent event;
    event.data = data;
    event.type = type;
    event.lastEventId = id;
    event.retry = retry;
    event.hasRetry = !retry.isNull();
    return event;
}

// A random string drawn from ASCII (colons and spaces included), Latin-1, Cyrillic, CJK,
// astral characters, U+FEFF and U+FFFD, and, when `lineBreaks`, LF, CR and CRLF.
QString randomText(QRandomGenerator &random, int maxLength, bool lineBreaks)
{
    QString out;
    const int length = random.bounded(maxLength + 1);
    for (int i = 0; i < length; ++i) {
        char32_t c = 0;
        switch (random.bounded(lineBreaks ? 10 : 8)) {
        case 0:
            c = U':';
            break;
        case 1:
            c = U' ';
            break;
        case 2:
            c = char32_t(random.bounded(0x20, 0x7F));
            break;
        case 3:
            c = char32_t(random.bounded(0xA0, 0x100));
            break;
        case 4:
            c = char32_t(random.bounded(0x400, 0x500));
            break;
        case 5:
            c = char32_t(random.bounded(0x4E00, 0x9FFF));
            break;
        case 6:
            c = char32_t(random.bounded(0x10000, 0x110000));
            break;
        case 7:
            c = random.bounded(2) ? U'\uFEFF' : U'\uFFFD';
            break;
        case 8:
            c = random.bounded(2) ? U'\n' : U'\r';
            break;
        default:
            out += QStringLiteral("\r\n");
            continue;
        }
        if (c >= 0xD800 && c <= 0xDFFF)
            c = U'?'; // (cannot happen with the ranges above; a lone surrogate is not text)
        out += QStringView(QChar::fromUcs4(c));
    }
    return out;
}

QString withoutLineBreaks(QString text)
{
    text.remove(u'\r');
    text.remove(u'\n');
    return text;
}

QString describe(const SseEvent &e)
{
    return QStringLiteral("{type=%1 data=%2 id=%3 retry=%4}")
        .arg(QString::fromLatin1(e.type.toUtf8().toPercentEncoding()),
            QString::fromLatin1(e.data.toUtf8().toPercentEncoding()),
            QString::fromLatin1(e.lastEventId.toUtf8().toPercentEncoding()),
            e.hasRetry ? e.retry : QStringLiteral("none"));
}

} // namespace

class TestSseWriter : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void encode_data();
    void encode();
    void comment_data();
    void comment();
    void lineEndingBytes();
    void randomRoundTrip_data();
    void randomRoundTrip();
};

void TestSseWriter::initTestCase()
{
    qRegisterMetaType<SseEvent>();
}

void TestSseWriter::encode_data()
{
    QTest::addColumn<SseEvent>("event");
    QTest::addColumn<int>("ending");
    QTest::addColumn<QByteArray>("expected");

    const int lf = int(LineEnding::Lf);
    QTest::newRow("data") << ev("a") << lf << QByteArray("data: a\n\n");
    QTest::newRow("default type is written")
        << ev("a", QStringLiteral("message")) << lf << QByteArray("event: message\ndata: a\n\n");
    QTest::newRow("empty data") << ev("") << lf << QByteArray("data: \n\n");
    QTest::newRow("multi-line") << ev("a\nb\nc") << lf
                                << QByteArray("data: a\ndata: b\ndata: c\n\n");
    QTest::newRow("crlf in data") << ev("a\r\nb") << lf << QByteArray("data: a\ndata: b\n\n");
    QTest::newRow("cr in data") << ev("a\rb") << lf << QByteArray("data: a\ndata: b\n\n");
    QTest::newRow("cr cr lf in data")
        << ev("a\r\r\nb") << lf << QByteArray("data: a\ndata: \ndata: b\n\n");
    QTest::newRow("blank line in data")
        << ev("a\n\nb") << lf << QByteArray("data: a\ndata: \ndata: b\n\n");
    QTest::newRow("trailing lf in data") << ev("a\n") << lf << QByteArray("data: a\ndata: \n\n");
    QTest::newRow("only lf") << ev("\n") << lf << QByteArray("data: \ndata: \n\n");
    QTest::newRow("leading space kept") << ev(" a") << lf << QByteArray("data:  a\n\n");
    QTest::newRow("colon in data") << ev(":a:b") << lf << QByteArray("data: :a:b\n\n");
    QTest::newRow("unicode") << ev(QStringLiteral("Привет 😀")) << lf
                             << QByteArray("data: Привет 😀\n\n");
    QTest::newRow("event") << ev("a", "tick") << lf << QByteArray("event: tick\ndata: a\n\n");
    QTest::newRow("id") << ev("a", {}, "42") << lf << QByteArray("id: 42\ndata: a\n\n");
    QTest::newRow("retry") << ev("a", {}, {}, "5000") << lf
                           << QByteArray("retry: 5000\ndata: a\n\n");
    QTest::newRow("all fields") << ev("x\ny", "t", "7", "10") << lf
                                << QByteArray("event: t\nid: 7\nretry: 10\ndata: x\ndata: y\n\n");
    QTest::newRow("line breaks dropped from type and id")
        << ev("a", "t\r\nu", "1\n2") << lf << QByteArray("event: tu\nid: 12\ndata: a\n\n");
    QTest::newRow("nul dropped from id") << ev("a", {},
        QString::fromUtf16(u"1\0"
                           "2",
            3)) << lf << QByteArray("id: 12\ndata: a\n\n");
    QTest::newRow("crlf ending")
        << ev("a\nb", "t", "1", "2") << int(LineEnding::CrLf)
        << QByteArray("event: t\r\nid: 1\r\nretry: 2\r\ndata: a\r\ndata: b\r\n\r\n");
    QTest::newRow("cr ending") << ev("a\r\nb", "t", "1", "2") << int(LineEnding::Cr)
                               << QByteArray("event: t\rid: 1\rretry: 2\rdata: a\rdata: b\r\r");
    QTest::newRow("cr ending empty data")
        << ev("") << int(LineEnding::Cr) << QByteArray("data: \r\r");
}

void TestSseWriter::encode()
{
    QFETCH(SseEvent, event);
    QFETCH(int, ending);
    QFETCH(QByteArray, expected);
    QCOMPARE(SseWriter::encode(event, LineEnding(ending)), expected);
}

void TestSseWriter::comment_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("ending");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("empty") << QByteArray() << int(LineEnding::Lf) << QByteArray(":\n");
    QTest::newRow("text") << QByteArray("ping") << int(LineEnding::Lf) << QByteArray(": ping\n");
    QTest::newRow("crlf") << QByteArray("ping") << int(LineEnding::CrLf)
                          << QByteArray(": ping\r\n");
    QTest::newRow("cr") << QByteArray() << int(LineEnding::Cr) << QByteArray(":\r");
}

void TestSseWriter::comment()
{
    QFETCH(QByteArray, text);
    QFETCH(int, ending);
    QFETCH(QByteArray, expected);
    QCOMPARE(SseWriter::comment(text, LineEnding(ending)), expected);
}

void TestSseWriter::lineEndingBytes()
{
    QCOMPARE(SseWriter::lineEndingBytes(LineEnding::Lf), QByteArrayView("\n"));
    QCOMPARE(SseWriter::lineEndingBytes(LineEnding::CrLf), QByteArrayView("\r\n"));
    QCOMPARE(SseWriter::lineEndingBytes(LineEnding::Cr), QByteArrayView("\r"));
}

void TestSseWriter::randomRoundTrip_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("count");
    QTest::newRow("seed 1") << quint32(1) << 2500;
    QTest::newRow("seed 20261121") << quint32(20261121) << 2500;
    QTest::newRow("seed 777") << quint32(777) << 2500;
}

// Random events, each written with a random line ending and a random comment now and then, are
// concatenated and parsed in random chunks of 1..4096 bytes: every event must come back as the
// reader sees it. The expectation models what the format cannot carry: CR, LF (and NUL in an
// id) are dropped from type and id, line breaks in data come back as LF, an empty type reads as
// "message", and an event without an id keeps the last one the stream set.
void TestSseWriter::randomRoundTrip()
{
    QFETCH(quint32, seed);
    QFETCH(int, count);
    QRandomGenerator random(seed);

    QByteArray stream;
    QList<SseEvent> expected;
    QString lastId;
    for (int i = 0; i < count; ++i) {
        SseEvent event;
        event.type
            = random.bounded(3) == 0 ? QString() : randomText(random, 12, random.bounded(8) == 0);
        event.data = randomText(random, random.bounded(8) == 0 ? 400 : 40, true);
        event.lastEventId
            = random.bounded(2) ? QString() : randomText(random, 10, random.bounded(8) == 0);
        if (random.bounded(10) == 0)
            event.lastEventId += QChar(0); // an id with NUL: the writer drops the NUL
        event.hasRetry = random.bounded(4) == 0;
        if (event.hasRetry)
            event.retry = QString::number(random.bounded(100000))
                              .rightJustified(random.bounded(1, 8), u'0');

        const auto ending = LineEnding(random.bounded(3));
        if (random.bounded(5) == 0)
            stream += SseWriter::comment(randomText(random, 20, false).toUtf8(), ending);
        stream += SseWriter::encode(event, ending);

        SseEvent want;
        const QString type = withoutLineBreaks(event.type);
        want.type = type.isEmpty() ? QStringLiteral("message") : type;
        want.data = QString(event.data)
                        .replace(QStringLiteral("\r\n"), QStringLiteral("\n"))
                        .replace(u'\r', u'\n');
        if (!event.lastEventId.isEmpty())
            lastId = withoutLineBreaks(event.lastEventId).remove(QChar(0));
        want.lastEventId = lastId;
        want.hasRetry = event.hasRetry;
        want.retry = event.retry;
        expected.append(want);
    }

    SseParser parser;
    QSignalSpy eventSpy(&parser, &SseParser::eventDispatched);
    QSignalSpy errorSpy(&parser, &SseParser::errorOccurred);
    int chunks = 0;
    for (qsizetype at = 0; at < stream.size(); ++chunks) {
        // Log-uniform sizes, so single bytes are as common as whole pages.
        const int maxSize = 1 << random.bounded(13);
        const qsizetype size
            = std::min<qsizetype>(random.bounded(1, maxSize + 1), stream.size() - at);
        parser.feed(QByteArrayView(stream).sliced(at, size));
        at += size;
    }
    parser.finish();

    const QString where
        = QStringLiteral("seed %1, %2 bytes in %3 chunks").arg(seed).arg(stream.size()).arg(chunks);
    QVERIFY2(errorSpy.count() == 0, qPrintable(where));
    QVERIFY2(eventSpy.count() == expected.size(),
        qPrintable(where + QStringLiteral(": %1 events").arg(eventSpy.count())));
    for (int i = 0; i < expected.size(); ++i) {
        const auto got = eventSpy.at(i).at(0).value<SseEvent>();
        QVERIFY2(got == expected.at(i),
            qPrintable(where
                + QStringLiteral(": event %1 is %2, expected %3")
                      .arg(i)
                      .arg(describe(got), describe(expected.at(i)))));
    }
    QCOMPARE(parser.lastEventId(), lastId);
}

QTEST_GUILESS_MAIN(TestSseWriter)
#include "tst_ssewriter.moc"
