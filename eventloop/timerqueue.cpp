#include "timerqueue.h"

#include <algorithm>
#include <limits>

namespace {

using std::chrono::milliseconds;

// Intervals at or below this are kept precise (5 % of them is under a millisecond); at or above
// veryCoarseFromMs, coarse timers become very coarse (5 % is a second or more). Qt's own limits.
constexpr qint64 preciseUpToMs = 20;
constexpr qint64 veryCoarseFromMs = 20000;

// The largest "round" step within 5 % of the interval: timers of similar intervals share
// deadlines, so one wake-up serves them all.
qint64 coarseGranularityMs(qint64 intervalMs)
{
    static constexpr qint64 steps[] = { 1000, 500, 250, 200, 100, 50, 25, 20, 10, 5, 2, 1 };
    const qint64 allowed = intervalMs / 20;
    for (qint64 step : steps) {
        if (step <= allowed)
            return step;
    }
    return 1;
}

// Rounds up to a multiple of `step` on the clock's own scale (so all timers agree on the grid).
TimerQueue::TimePoint roundUp(TimerQueue::TimePoint t, milliseconds step)
{
    const auto sinceEpoch = t.time_since_epoch();
    const auto steps = (sinceEpoch + step - std::chrono::nanoseconds(1)) / step;
    return TimerQueue::TimePoint(
        std::chrono::duration_cast<TimerQueue::Clock::duration>(steps * step));
}

TimerQueue::TimePoint roundToNearest(TimerQueue::TimePoint t, milliseconds step)
{
    const auto sinceEpoch = t.time_since_epoch();
    const auto steps = (sinceEpoch + step / 2) / step;
    return TimerQueue::TimePoint(
        std::chrono::duration_cast<TimerQueue::Clock::duration>(steps * step));
}

} // namespace

void TimerQueue::add(int id, qint64 intervalMs, Qt::TimerType type, QObject *object, TimePoint now)
{
    remove(id); // Qt never reuses a live id; be safe if it did
    intervalMs = std::max<qint64>(intervalMs, 0);
    if (type == Qt::CoarseTimer && intervalMs <= preciseUpToMs)
        type = Qt::PreciseTimer;
    else if (type == Qt::CoarseTimer && intervalMs >= veryCoarseFromMs)
        type = Qt::VeryCoarseTimer;
    if (type == Qt::VeryCoarseTimer) {
        const qint64 seconds = (intervalMs + 500) / 1000;
        if (seconds == 0)
            type = Qt::PreciseTimer; // under half a second: nothing whole-second about it
        else
            intervalMs = seconds * 1000;
    }

    Timer &timer = m_timers[id];
    timer.intervalMs = intervalMs;
    timer.type = type;
    timer.object = object;
    timer.registration = m_nextRegistration++;
    schedule(&timer, now + milliseconds(intervalMs));
    index(id, &timer);
    m_byObject[object].push_back(id);
}

bool TimerQueue::remove(int id)
{
    const auto it = m_timers.find(id);
    if (it == m_timers.end())
        return false;
    forget(it->second);
    std::vector<int> &ids = m_byObject[it->second.object];
    ids.erase(std::find(ids.begin(), ids.end(), id));
    if (ids.empty())
        m_byObject.erase(it->second.object);
    m_timers.erase(it);
    return true;
}

bool TimerQueue::removeAll(QObject *object)
{
    const auto it = m_byObject.find(object);
    if (it == m_byObject.end())
        return false;
    for (int id : it->second) {
        const auto timer = m_timers.find(id);
        forget(timer->second);
        m_timers.erase(timer);
    }
    m_byObject.erase(it);
    return true;
}

QList<QAbstractEventDispatcher::TimerInfo> TimerQueue::timersOf(QObject *object) const
{
    QList<QAbstractEventDispatcher::TimerInfo> infos;
    const auto it = m_byObject.find(object);
    if (it == m_byObject.end())
        return infos;
    for (int id : it->second) {
        const Timer &timer = m_timers.at(id);
        infos.append({ id, int(timer.intervalMs), timer.type });
    }
    return infos;
}

int TimerQueue::remainingMs(int id, TimePoint now) const
{
    const auto it = m_timers.find(id);
    if (it == m_timers.end())
        return -1;
    if (it->second.deadline <= now)
        return 0;
    const auto left = std::chrono::ceil<milliseconds>(it->second.deadline - now);
    return int(std::min<qint64>(left.count(), std::numeric_limits<int>::max()));
}

std::optional<TimerQueue::TimePoint> TimerQueue::nextDeadline() const
{
    if (m_byDeadline.empty())
        return std::nullopt;
    return m_byDeadline.begin()->first;
}

std::vector<TimerQueue::Due> TimerQueue::takeDue(TimePoint now) const
{
    std::vector<Due> due;
    for (auto it = m_byDeadline.begin(); it != m_byDeadline.end() && it->first <= now; ++it)
        due.push_back({ it->second, m_timers.at(it->second).registration });
    return due;
}

QObject *TimerQueue::beginFiring(const Due &due, TimePoint now)
{
    const auto it = m_timers.find(due.id);
    if (it == m_timers.end() || it->second.registration != due.registration || it->second.firing)
        return nullptr;
    Timer &timer = it->second;
    m_byDeadline.erase(timer.position);
    timer.firing = true;
    // The next period counts from when this one was due; after a long stall, from now (no
    // burst of catch-up events).
    TimePoint next = timer.expected + milliseconds(timer.intervalMs);
    if (next < now)
        next = now + milliseconds(timer.intervalMs);
    schedule(&timer, next);
    return timer.object;
}

void TimerQueue::endFiring(const Due &due)
{
    const auto it = m_timers.find(due.id);
    if (it == m_timers.end() || it->second.registration != due.registration || !it->second.firing)
        return;
    it->second.firing = false;
    index(due.id, &it->second);
}

void TimerQueue::schedule(Timer *timer, TimePoint expected)
{
    timer->expected = expected;
    switch (timer->type) {
    case Qt::PreciseTimer:
        timer->deadline = expected;
        break;
    case Qt::CoarseTimer:
        timer->deadline = roundUp(expected, milliseconds(coarseGranularityMs(timer->intervalMs)));
        break;
    case Qt::VeryCoarseTimer:
        timer->deadline = std::max(
            roundToNearest(expected, std::chrono::seconds(1)), expected - milliseconds(500));
        break;
    }
}

void TimerQueue::index(int id, Timer *timer)
{
    timer->position = m_byDeadline.emplace(timer->deadline, id);
}

void TimerQueue::forget(const Timer &timer)
{
    if (!timer.firing)
        m_byDeadline.erase(timer.position);
}
