#pragma once

#include "monitormessages.h"

#include <QList>
#include <QPointF>

#include <optional>

// The series behind the charts: events relayed per second and open sessions, one point per
// `totals` message, kept for a sliding window (5 minutes by default). x is the proxy's time in
// ms since the epoch. Pure data, no widgets.
class TotalsHistory
{
public:
    explicit TotalsHistory(qint64 windowMs = 5 * 60 * 1000);

    qint64 windowMs() const { return m_windowMs; }
    // Adds a sample. A counter that went backwards means the proxy restarted: the history is
    // cleared. A sample not newer than the last one is ignored.
    void add(const MonitorTotals &totals);
    void clear();

    const QList<QPointF> &eventRate() const { return m_eventRate; } // events/s
    const QList<QPointF> &openSessions() const { return m_openSessions; }
    std::optional<MonitorTotals> latest() const { return m_last; }
    double latestEventRate() const { return m_eventRate.isEmpty() ? 0 : m_eventRate.last().y(); }

private:
    void trim(qint64 now);

    qint64 m_windowMs;
    std::optional<MonitorTotals> m_last;
    QList<QPointF> m_eventRate;
    QList<QPointF> m_openSessions;
};
