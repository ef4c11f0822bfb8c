// Utf8::decode against the WHATWG Encoding Standard's "UTF-8 decode" (one U+FFFD per maximal
// invalid subpart), and against QString::fromUtf8 wherever the input is valid UTF-8.

#include "utf8cases.h"
#include "utf8decoder.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>

namespace {

QString fffd(int count)
{
    return QString(count, QChar(0xFFFD));
}

QString codePoints(std::initializer_list<char32_t> list)
{
    QString out;
    for (char32_t c : list)
        out += QStringView(QChar::fromUcs4(c));
    return out;
}

QString hexUnits(const QString &text)
{
    QStringList units;
    for (QChar c : text)
        units.append(QString::number(c.unicode(), 16));
    return units.join(u' ');
}

QByteArray encodeCodePoint(char32_t c)
{
    return QStringView(QChar::fromUcs4(c)).toUtf8();
}

} // namespace

class TestUtf8Decoder : public QObject
{
    Q_OBJECT

private slots:
    void decode_data();
    void decode();
    void appendKeepsExisting();
    void everyPositionAroundAsciiRuns();
    void oracleFixture();
    void everyScalarValueMatchesQt();
    void randomValidMatchesQt();
};

void TestUtf8Decoder::decode_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");

    // Valid input, including every boundary of every sequence length.
    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("ascii") << QByteArray("hello: world") << QStringLiteral("hello: world");
    QTest::newRow("nul") << QByteArray("a\0b", 3) << QString::fromUtf16(u"a\0b", 3);
    QTest::newRow("U+007F") << QByteArray("\x7F") << codePoints({ 0x7F });
    QTest::newRow("U+0080") << QByteArray("\xC2\x80") << codePoints({ 0x80 });
    QTest::newRow("U+07FF") << QByteArray("\xDF\xBF") << codePoints({ 0x7FF });
    QTest::newRow("U+0800") << QByteArray("\xE0\xA0\x80") << codePoints({ 0x800 });
    QTest::newRow("U+D7FF") << QByteArray("\xED\x9F\xBF") << codePoints({ 0xD7FF });
    QTest::newRow("U+E000") << QByteArray("\xEE\x80\x80") << codePoints({ 0xE000 });
    QTest::newRow("U+FEFF kept") << QByteArray("\xEF\xBB\xBF") << codePoints({ 0xFEFF });
    QTest::newRow("U+FFFF") << QByteArray("\xEF\xBF\xBF") << codePoints({ 0xFFFF });
    QTest::newRow("U+10000") << QByteArray("\xF0\x90\x80\x80") << codePoints({ 0x10000 });
    QTest::newRow("U+10FFFF") << QByteArray("\xF4\x8F\xBF\xBF") << codePoints({ 0x10FFFF });
    QTest::newRow("mixed scripts")
        << QByteArray("Привет 你好 😀") << QStringLiteral("Привет 你好 😀");

    // Invalid input: the counts of U+FFFD the WHATWG decoder produces.
    QTest::newRow("lone continuation") << QByteArray("\x80") << fffd(1);
    QTest::newRow("continuations") << QByteArray("\x80\xBF\x80") << fffd(3);
    QTest::newRow("truncated 2-byte") << QByteArray("\xC2") << fffd(1);
    QTest::newRow("truncated 3-byte") << QByteArray("\xE2\x82") << fffd(1);
    QTest::newRow("truncated 3-byte then lf") << QByteArray("\xE2\x82\n") << fffd(1) + u'\n';
    QTest::newRow("truncated 4-byte") << QByteArray("\xF0\x9F\x98") << fffd(1);
    QTest::newRow("truncated 4-byte then ascii") << QByteArray("\xF0\x9F\x98"
                                                               "A")
                                                 << fffd(1) + u'A';
    QTest::newRow("interrupted 3-byte") << QByteArray("\xE2"
                                                      "A\x82")
                                        << fffd(1) + u'A' + fffd(1);
    QTest::newRow("overlong 2-byte C0") << QByteArray("\xC0\xAF") << fffd(2);
    QTest::newRow("overlong 2-byte C1") << QByteArray("\xC1\xBF") << fffd(2);
    QTest::newRow("overlong 3-byte") << QByteArray("\xE0\x80\x80") << fffd(3);
    QTest::newRow("overlong 3-byte 9F") << QByteArray("\xE0\x9F\xBF") << fffd(3);
    QTest::newRow("overlong 4-byte") << QByteArray("\xF0\x80\x80") << fffd(3);
    QTest::newRow("overlong 4-byte full") << QByteArray("\xF0\x8F\xBF\xBF") << fffd(4);
    QTest::newRow("surrogate D800") << QByteArray("\xED\xA0\x80") << fffd(3);
    QTest::newRow("surrogate DFFF") << QByteArray("\xED\xBF\xBF") << fffd(3);
    QTest::newRow("surrogate pair as CESU-8") << QByteArray("\xED\xA0\xBD\xED\xB8\x80") << fffd(6);
    QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << fffd(4);
    QTest::newRow("F5 lead") << QByteArray("\xF5\x80\x80\x80") << fffd(4);
    QTest::newRow("five-byte form") << QByteArray("\xF8\x88\x80\x80\x80") << fffd(5);
    QTest::newRow("six-byte form") << QByteArray("\xFC\x84\x80\x80\x80\x80") << fffd(6);
    QTest::newRow("FE FF") << QByteArray("\xFE\xFF") << fffd(2);
    QTest::newRow("valid after invalid") << QByteArray("\xC0\xE2\x82\xAC") << fffd(1) + u'\u20AC';
    QTest::newRow("latin-1 mistaken for utf-8") << QByteArray("caf\xE9 au lait, na\xEFve")
                                                << QStringLiteral("caf\uFFFD au lait, na\uFFFDve");
    QTest::newRow("long line ending in truncated sequence")
        << QByteArray(QByteArray(40, 'a') + "\xF0\x9F\x98") << QString(40, u'a') + fffd(1);
    QTest::newRow("long line starting with U+FEFF")
        << QByteArray("\xEF\xBB\xBF" + QByteArray(40, 'a')) << u'\uFEFF' + QString(40, u'a');
    QTest::newRow("long line of surrogates") << QByteArray("\xED\xA0\x80").repeated(12) << fffd(36);
    QTest::newRow("lead then lead") << QByteArray("\xE2\xE2\x82\xAC") << fffd(1) + u'\u20AC';
    QTest::newRow("4-byte lead then 2-byte")
        << QByteArray("\xF0\x9F\xC3\xA9") << fffd(1) + u'\u00E9';
}

void TestUtf8Decoder::decode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const QString got = Utf8::decode(bytes);
    QCOMPARE(hexUnits(got), hexUnits(expected));
    QCOMPARE(got, expected);

    // Long input takes a faster path for valid UTF-8: the same bytes inside a long line, at its
    // start and at its end, must decode the same way.
    const QByteArray pad(40, 'x');
    const QString textPad(40, u'x');
    QCOMPARE(hexUnits(Utf8::decode(QByteArray(pad + bytes))), hexUnits(textPad + expected));
    QCOMPARE(hexUnits(Utf8::decode(QByteArray(bytes + pad))), hexUnits(expected + textPad));
    QCOMPARE(hexUnits(Utf8::decode(QByteArray(pad + bytes + pad))),
        hexUnits(textPad + expected + textPad));
}

void TestUtf8Decoder::appendKeepsExisting()
{
    QString out = QStringLiteral("ab");
    Utf8::appendDecoded(out, "\xE2\x82\xAC");
    Utf8::appendDecoded(out, "\xE2\x82");
    Utf8::appendDecoded(out, {});
    Utf8::appendDecoded(out, "\xF0\x9F\x98\x80");
    QCOMPARE(out, QStringLiteral("ab\u20AC\uFFFD\U0001F600"));
}

// The decoder copies ASCII eight bytes at a time: put an invalid byte, a two-byte character and
// a four-byte character at every position of ASCII runs of every length around that stride.
// Each input is a view into a longer buffer, so reading past its end would show.
void TestUtf8Decoder::everyPositionAroundAsciiRuns()
{
    const QByteArray inserts[] = { "\x80", "\xE9", "\xC3\xA9", "\xF0\x9F\x98\x80" };
    const QString decoded[]
        = { fffd(1), fffd(1), QStringLiteral("\u00E9"), QStringLiteral("\U0001F600") };
    for (int length = 0; length <= 40; ++length) {
        for (int at = -1; at < length; ++at) {
            for (int kind = 0; kind < 4; ++kind) {
                QByteArray bytes;
                QString expected;
                for (int i = 0; i < length; ++i) {
                    if (i == at) {
                        bytes += inserts[kind];
                        expected += decoded[kind];
                    } else {
                        bytes += char('a' + i % 26);
                        expected += QChar(u'a' + i % 26);
                    }
                }
                const QByteArray buffer = bytes + "zzzzzzzzzzzzzzzz";
                const QString got = Utf8::decode(QByteArrayView(buffer).first(bytes.size()));
                QVERIFY2(got == expected,
                    qPrintable(QStringLiteral("length %1, insert %2 at %3: got %4")
                                   .arg(length)
                                   .arg(kind)
                                   .arg(at)
                                   .arg(hexUnits(got))));
            }
        }
    }
}

// 1,500 mostly invalid byte strings decoded by an independent oracle (Python's decoder, which
// follows the same maximal-subpart rule); see tests/data/make-utf8-cases.py.
void TestUtf8Decoder::oracleFixture()
{
    QString error;
    const QList<Utf8Case> cases
        = loadUtf8Cases(QStringLiteral(WSSP_TEST_DATA_DIR "/utf8-cases.txt"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    int withReplacement = 0;
    for (const Utf8Case &c : cases) {
        const QString got = Utf8::decode(c.bytes);
        QVERIFY2(got == c.expected,
            qPrintable(QStringLiteral("bytes %1: got %2, expected %3")
                           .arg(QString::fromLatin1(c.hex), hexUnits(got), hexUnits(c.expected))));
        // The same inside long input (the path for long lines), at its start and at its end.
        const QByteArray pad(40, 'x');
        const QString textPad(40, u'x');
        QVERIFY2(
            Utf8::decode(QByteArray(pad + c.bytes)) == textPad + c.expected, c.hex.constData());
        QVERIFY2(
            Utf8::decode(QByteArray(c.bytes + pad)) == c.expected + textPad, c.hex.constData());
        withReplacement += c.expected.contains(QChar(0xFFFD));
    }
    QCOMPARE(cases.size(), 1500);
    QVERIFY(withReplacement > 1000); // the fixture really exercises the error paths
}

// Every Unicode scalar value, in one buffer: for valid UTF-8 both decoders must agree.
void TestUtf8Decoder::everyScalarValueMatchesQt()
{
    QByteArray all;
    for (char32_t c = 0; c <= 0x10FFFF; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        all += encodeCodePoint(c);
    }
    const QString expected = QString::fromUtf8(all);
    QCOMPARE(expected.size(), qsizetype(0x10000 - 0x800 + 0x100000 * 2));
    QVERIFY(Utf8::decode(all) == expected);
}

void TestUtf8Decoder::randomValidMatchesQt()
{
    const quint32 seed = 20261121;
    QRandomGenerator random(seed);
    for (int round = 0; round < 2000; ++round) {
        QByteArray bytes;
        const int length = random.bounded(1, 40);
        for (int i = 0; i < length; ++i) {
            // Pick the sequence length first so every length is common.
            static const char32_t ranges[][2] = { { 0x0, 0x7F }, { 0x80, 0x7FF }, { 0x800, 0xD7FF },
                { 0xE000, 0xFFFF }, { 0x10000, 0x10FFFF } };
            const auto &range = ranges[random.bounded(5)];
            bytes += encodeCodePoint(
                char32_t(random.bounded(quint32(range[0]), quint32(range[1]) + 1)));
        }
        const QString got = Utf8::decode(bytes);
        const QString expected = QString::fromUtf8(bytes);
        QVERIFY2(got == expected,
            qPrintable(QStringLiteral("seed %1, round %2, bytes %3")
                           .arg(seed)
                           .arg(round)
                           .arg(QString::fromLatin1(bytes.toHex(' ')))));
    }
}

QTEST_GUILESS_MAIN(TestUtf8Decoder)
#include "tst_utf8decoder.moc"
