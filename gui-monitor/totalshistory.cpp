#include "totalshistory.h"

TotalsHistory::TotalsHistory(qint64 windowMs)
    : m_windowMs(qMax<qint64>(1000, windowMs))
{
}

void TotalsHistory::add(const MonitorTotals &totals)
{
    if (m_last) {
        if (totals.eventsRelayed < m_last->eventsRelayed
            || totals.sessionsOpened < m_last->sessionsOpened) {
            clear();
        } else if (totals.time <= m_last->time) {
            return;
        }
    }
    if (m_last) {
        const double seconds = double(totals.time - m_last->time) / 1000.0;
        const double rate = double(totals.eventsRelayed - m_last->eventsRelayed) / seconds;
        m_eventRate.append(QPointF(double(totals.time), rate));
    }
    m_openSessions.append(QPointF(double(totals.time), double(totals.sessionsOpen)));
    m_last = totals;
    trim(totals.time);
}

void TotalsHistory::clear()
{
    m_last.reset();
    m_eventRate.clear();
    m_openSessions.clear();
}

void TotalsHistory::trim(qint64 now)
{
    const double oldest = double(now - m_windowMs);
    auto dropOld = [oldest](QList<QPointF> &points) {
        qsizetype n = 0;
        while (n < points.size() && points.at(n).x() < oldest)
            ++n;
        points.remove(0, n);
    };
    dropOld(m_eventRate);
    dropOld(m_openSessions);
}
