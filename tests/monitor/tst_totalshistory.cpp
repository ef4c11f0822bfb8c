#include "totalshistory.h"

#include <QTest>

// TotalsHistory turns cumulative totals into the chart series: events/s from counter deltas,
// open sessions as they are, within a sliding window; a proxy restart starts over.
class TestTotalsHistory : public QObject
{
    Q_OBJECT

private slots:
    void rates_data();
    void rates();
    void windowDropsOldPoints();
    void restartClears();
};

namespace {

MonitorTotals totals(qint64 time, qint64 events, qint64 open, qint64 opened = 100)
{
    MonitorTotals t;
    t.time = time;
    t.eventsRelayed = events;
    t.sessionsOpen = open;
    t.sessionsOpened = opened;
    return t;
}

} // namespace

void TestTotalsHistory::rates_data()
{
    QTest::addColumn<QList<qint64>>("times");
    QTest::addColumn<QList<qint64>>("events");
    QTest::addColumn<QList<double>>("rates");

    QTest::newRow("one sample, no rate")
        << QList<qint64> { 1000 } << QList<qint64> { 50 } << QList<double> {};
    QTest::newRow("steady") << QList<qint64> { 1000, 2000, 3000 } << QList<qint64> { 0, 100, 200 }
                            << QList<double> { 100, 100 };
    QTest::newRow("uneven spacing") << QList<qint64> { 1000, 1500, 3500 }
                                    << QList<qint64> { 0, 100, 100 } << QList<double> { 200, 0 };
    QTest::newRow("repeated time ignored") << QList<qint64> { 1000, 1000, 2000 }
                                           << QList<qint64> { 0, 50, 10 } << QList<double> { 10 };
}

void TestTotalsHistory::rates()
{
    QFETCH(QList<qint64>, times);
    QFETCH(QList<qint64>, events);
    QFETCH(QList<double>, rates);

    TotalsHistory h;
    for (qsizetype i = 0; i < times.size(); ++i)
        h.add(totals(times.at(i), events.at(i), 1));
    QCOMPARE(h.eventRate().size(), rates.size());
    for (qsizetype i = 0; i < rates.size(); ++i)
        QCOMPARE(h.eventRate().at(i).y(), rates.at(i));
    QCOMPARE(h.latestEventRate(), rates.isEmpty() ? 0.0 : rates.last());
}

void TestTotalsHistory::windowDropsOldPoints()
{
    TotalsHistory h(10000);
    for (int s = 0; s <= 30; ++s)
        h.add(totals(1000000 + s * 1000, s * 10, s));
    // Points from t-10 s to t: 11 open-session points, 11 rate points.
    QCOMPARE(h.openSessions().size(), 11);
    QCOMPARE(h.eventRate().size(), 11);
    QCOMPARE(h.openSessions().first().y(), 20.0);
    QCOMPARE(h.openSessions().last().x(), 1030000.0);
}

void TestTotalsHistory::restartClears()
{
    TotalsHistory h;
    h.add(totals(1000, 500, 3));
    h.add(totals(2000, 600, 3));
    QCOMPARE(h.eventRate().size(), 1);
    h.add(totals(3000, 5, 1, 1)); // counters went back: a new proxy
    QCOMPARE(h.eventRate().size(), 0);
    QCOMPARE(h.openSessions().size(), 1);
    QCOMPARE(h.latest()->eventsRelayed, 5);
    h.clear();
    QVERIFY(!h.latest());
    QCOMPARE(h.openSessions().size(), 0);
}

QTEST_GUILESS_MAIN(TestTotalsHistory)
#include "tst_totalshistory.moc"
