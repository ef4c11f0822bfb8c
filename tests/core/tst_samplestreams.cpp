// The sample streams in resources/streams: every NAME.sse must dispatch exactly the events in
// NAME.events.json, fed whole, split in two at every byte, and one byte at a time.

#include "sseparser.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

class TestSampleStreams : public QObject
{
    Q_OBJECT

private slots:
    void replay_data();
    void replay();
};

namespace {

QList<SseEvent> parse(const QByteArray &body, const QList<qsizetype> &cuts, int *errors)
{
    SseParser parser;
    QList<SseEvent> events;
    QObject::connect(
        &parser, &SseParser::eventDispatched, [&](const SseEvent &e) { events.append(e); });
    QObject::connect(&parser, &SseParser::errorOccurred, [&](const QString &) { ++*errors; });
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        parser.feed(QByteArrayView(body).sliced(from, cut - from));
        from = cut;
    }
    parser.feed(QByteArrayView(body).sliced(from));
    parser.finish();
    return events;
}

SseEvent fromJson(const QJsonObject &object)
{
    SseEvent event;
    event.type = object.value(QLatin1String("event")).toString();
    event.data = object.value(QLatin1String("data")).toString();
    event.lastEventId = object.value(QLatin1String("id")).toString();
    event.hasRetry = object.contains(QLatin1String("retry"));
    event.retry = object.value(QLatin1String("retry")).toString();
    return event;
}

} // namespace

void TestSampleStreams::replay_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<SseEvent>>("expected");

    const QDir dir(QStringLiteral(WSSP_RESOURCES "/streams"));
    const QStringList streams = dir.entryList({ QStringLiteral("*.sse") }, QDir::Files, QDir::Name);
    QVERIFY2(streams.size() >= 5, qPrintable(dir.path()));
    for (const QString &name : streams) {
        QFile body(dir.filePath(name));
        QFile expectation(dir.filePath(name.chopped(4) + QStringLiteral(".events.json")));
        QVERIFY2(body.open(QIODevice::ReadOnly), qPrintable(body.fileName()));
        QVERIFY2(expectation.open(QIODevice::ReadOnly), qPrintable(expectation.fileName()));
        QList<SseEvent> expected;
        for (const QJsonValue &value : QJsonDocument::fromJson(expectation.readAll()).array())
            expected.append(fromJson(value.toObject()));
        QVERIFY2(!expected.isEmpty(), qPrintable(expectation.fileName()));
        QTest::newRow(qPrintable(name)) << body.readAll() << expected;
    }
}

void TestSampleStreams::replay()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<SseEvent>, expected);

    int errors = 0;
    QCOMPARE(parse(body, {}, &errors), expected);
    for (qsizetype cut = 1; cut < body.size(); ++cut)
        QCOMPARE(parse(body, { cut }, &errors), expected);
    QList<qsizetype> everyByte;
    for (qsizetype cut = 1; cut < body.size(); ++cut)
        everyByte.append(cut);
    QCOMPARE(parse(body, everyByte, &errors), expected);
    QCOMPARE(errors, 0);
}

QTEST_GUILESS_MAIN(TestSampleStreams)
#include "tst_samplestreams.moc"
