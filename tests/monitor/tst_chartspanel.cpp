// The charts' value axis: a steady "nice" top above the data and whole-number ticks (the
// labels print no decimals, so a tick at 2.5 would read "3").

#include "chartspanel.h"

#include <QTest>

#include <cmath>

class TestChartsPanel : public QObject
{
    Q_OBJECT

private slots:
    void axisScale_data();
    void axisScale();
};

void TestChartsPanel::axisScale_data()
{
    QTest::addColumn<double>("maximum");
    QTest::addColumn<double>("top");
    QTest::addColumn<double>("tickInterval");
    QTest::newRow("empty") << 0.0 << 5.0 << 1.0;
    QTest::newRow("4") << 4.0 << 5.0 << 1.0;
    QTest::newRow("5 needs headroom") << 5.0 << 10.0 << 2.0;
    QTest::newRow("9") << 9.0 << 10.0 << 2.0;
    QTest::newRow("12") << 12.0 << 20.0 << 5.0;
    QTest::newRow("30") << 30.0 << 50.0 << 10.0;
    QTest::newRow("80") << 80.0 << 100.0 << 20.0;
    QTest::newRow("150") << 150.0 << 200.0 << 50.0;
    QTest::newRow("4000") << 4000.0 << 5000.0 << 1000.0;
    QTest::newRow("9500") << 9500.0 << 20000.0 << 5000.0;
}

void TestChartsPanel::axisScale()
{
    QFETCH(double, maximum);
    QFETCH(double, top);
    QFETCH(double, tickInterval);
    const ChartsPanel::AxisScale scale = ChartsPanel::axisScale(maximum);
    QCOMPARE(scale.top, top);
    QCOMPARE(scale.tickInterval, tickInterval);
    QVERIFY(scale.top >= maximum);
    // Every tick lands on a whole number.
    for (double tick = 0; tick <= scale.top; tick += scale.tickInterval)
        QCOMPARE(tick, std::round(tick));
}

QTEST_MAIN(TestChartsPanel)
#include "tst_chartspanel.moc"
