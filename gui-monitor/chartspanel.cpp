#include "chartspanel.h"

#include "totalshistory.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

ChartsPanel::ChartsPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    m_rate = makePlot(tr("Events per second"), QColor(0x1e, 0x88, 0xe5), this);
    m_sessions = makePlot(tr("Open sessions"), QColor(0x2e, 0xa0, 0x43), this);
    m_rate.view->setObjectName(QStringLiteral("eventRateChart"));
    m_sessions.view->setObjectName(QStringLiteral("openSessionsChart"));
    layout->addWidget(m_rate.view);
    layout->addWidget(m_sessions.view);
    setMinimumHeight(160);
}

ChartsPanel::Plot ChartsPanel::makePlot(const QString &title, const QColor &color, QWidget *parent)
{
    Plot p;
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    // Animations would replay on every update, once a second: off.
    chart->setAnimationOptions(QChart::NoAnimation);

    p.series = new QLineSeries(chart);
    QPen pen(color);
    pen.setWidthF(2);
    p.series->setPen(pen);
    chart->addSeries(p.series);

    p.xAxis = new QDateTimeAxis(chart);
    p.xAxis->setFormat(QStringLiteral("HH:mm:ss"));
    p.xAxis->setTickCount(6);
    chart->addAxis(p.xAxis, Qt::AlignBottom);
    p.series->attachAxis(p.xAxis);

    p.yAxis = new QValueAxis(chart);
    p.yAxis->setLabelFormat(QStringLiteral("%.0f"));
    p.yAxis->setTickType(QValueAxis::TicksDynamic);
    p.yAxis->setTickAnchor(0);
    p.yAxis->setTickInterval(1);
    p.yAxis->setRange(0, 5);
    chart->addAxis(p.yAxis, Qt::AlignLeft);
    p.series->attachAxis(p.yAxis);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    p.xAxis->setRange(
        QDateTime::fromMSecsSinceEpoch(now - 5 * 60 * 1000), QDateTime::fromMSecsSinceEpoch(now));

    p.view = new QChartView(chart, parent);
    p.view->setRenderHint(QPainter::Antialiasing);
    p.view->setMinimumSize(240, 150);
    return p;
}

void ChartsPanel::setPoints(Plot &plot, const QList<QPointF> &points, qint64 windowMs)
{
    plot.series->replace(points);
    if (points.isEmpty())
        return;
    const qint64 end = qint64(points.last().x());
    plot.xAxis->setRange(
        QDateTime::fromMSecsSinceEpoch(end - windowMs), QDateTime::fromMSecsSinceEpoch(end));
    double top = 0;
    for (const QPointF &p : points)
        top = qMax(top, p.y());
    const AxisScale scale = axisScale(top);
    plot.yAxis->setRange(0, scale.top);
    plot.yAxis->setTickInterval(scale.tickInterval);
}

ChartsPanel::AxisScale ChartsPanel::axisScale(double maximum)
{
    // A "nice" top (5, 10, 20, 50, ... at least 5) above the maximum keeps the axis from
    // jittering. Ticks at whole numbers only, since labels show no decimals: a 1 × 10^n top
    // in fifths (0, 2, 4, ... 10), 2 × 10^n in quarters (0, 5, ... 20), 5 × 10^n in fifths.
    double nice = 5;
    while (nice < maximum * 1.1) {
        const double base = std::pow(10.0, std::floor(std::log10(nice)));
        nice = nice < 2 * base ? 2 * base : nice < 5 * base ? 5 * base : 10 * base;
    }
    const double mantissa = nice / std::pow(10.0, std::floor(std::log10(nice)));
    const bool twos = mantissa > 1.5 && mantissa < 2.5;
    return { nice, twos ? nice / 4 : nice / 5 };
}

void ChartsPanel::updateFrom(const TotalsHistory &history)
{
    setPoints(m_rate, history.eventRate(), history.windowMs());
    setPoints(m_sessions, history.openSessions(), history.windowMs());
}
