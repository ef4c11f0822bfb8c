#pragma once

#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;
class TotalsHistory;

// Two small charts over the history window: events relayed per second and open sessions.
// Each update replaces a series' points in one call (no per-point relayout).
class ChartsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ChartsPanel(QWidget *parent = nullptr);

    void updateFrom(const TotalsHistory &history);

    // The value axis for a series whose largest value is `maximum`: range 0..top, ticks
    // every tickInterval, both whole numbers.
    struct AxisScale
    {
        double top = 5;
        double tickInterval = 1;
    };
    static AxisScale axisScale(double maximum);

private:
    struct Plot
    {
        QChartView *view = nullptr;
        QLineSeries *series = nullptr;
        QDateTimeAxis *xAxis = nullptr;
        QValueAxis *yAxis = nullptr;
    };

    static Plot makePlot(const QString &title, const QColor &color, QWidget *parent);
    static void setPoints(Plot &plot, const QList<QPointF> &points, qint64 windowMs);

    Plot m_rate;
    Plot m_sessions;
};
