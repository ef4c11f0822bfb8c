#pragma once

#include <QAbstractEventDispatcher>

#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

// The timers of one event dispatcher, ordered by deadline: adding, removing and finding the
// next one cost O(log n), so thousands of sessions' timers do not slow every loop iteration.
// Pure bookkeeping (no clock reads, no events): the dispatcher passes "now" in and sends the
// QTimerEvents itself, which keeps this testable with made-up times.
//
// Qt's timer types, as Qt's own dispatchers treat them:
// - Precise: fires at the millisecond it is due.
// - Coarse: may be late by up to 5 % of its interval, so that timers due at about the same
//   time fire in one wake-up: the deadline is rounded up to a granularity of at most 5 % of the
//   interval (1, 2, 5, 10, 20, 25, 50, ... ms). Intervals up to 20 ms are precise (5 % of them
//   is below a millisecond); intervals of 20 s and more are very coarse.
// - VeryCoarse: whole seconds: the interval is rounded to the nearest second and the deadline
//   to a whole second of the clock.
// Periods are kept from the unrounded deadline, so rounding never makes a timer drift.
class TimerQueue
{
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    // A due timer: its id and the registration it belongs to (Qt reuses ids, so a timer killed
    // and a new one given the same id during one round must not fire in its place).
    struct Due
    {
        int id;
        quint64 registration;
    };

    void add(int id, qint64 intervalMs, Qt::TimerType type, QObject *object, TimePoint now);
    bool remove(int id);
    bool removeAll(QObject *object);
    QList<QAbstractEventDispatcher::TimerInfo> timersOf(QObject *object) const;
    // Milliseconds until the timer is due (0 when overdue), -1 for an unknown id.
    int remainingMs(int id, TimePoint now) const;
    bool isEmpty() const { return m_timers.empty(); }

    // The earliest deadline of a timer that may fire now (not one in its own timer event),
    // nullopt when there is none.
    std::optional<TimePoint> nextDeadline() const;
    // Every timer due at `now`, earliest first. Timers added while these fire are not included:
    // a zero-interval timer fires once per round, never in a loop of its own.
    std::vector<Due> takeDue(TimePoint now) const;
    // Starts one due timer's event: returns the object to send QTimerEvent(id) to, or null when
    // the timer has gone since takeDue() or is still in its previous event (a nested event loop
    // must not fire a timer inside its own handler). The next deadline is set now, so
    // remainingMs() answers during the event.
    QObject *beginFiring(const Due &due, TimePoint now);
    // The event is over: the timer, unless killed meanwhile, waits for its next deadline.
    void endFiring(const Due &due);

private:
    using DeadlineIndex = std::multimap<TimePoint, int>;
    struct Timer
    {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::PreciseTimer;
        QObject *object = nullptr;
        quint64 registration = 0;
        TimePoint expected; // the deadline before rounding: periods count from it
        TimePoint deadline; // when it fires
        bool firing = false; // in its timer event, and out of m_byDeadline meanwhile
        DeadlineIndex::iterator position;
    };

    void schedule(Timer *timer, TimePoint expected);
    void index(int id, Timer *timer);
    void forget(const Timer &timer); // out of the deadline index

    std::unordered_map<int, Timer> m_timers;
    DeadlineIndex m_byDeadline; // equal deadlines keep insertion order
    std::unordered_map<QObject *, std::vector<int>> m_byObject;
    quint64 m_nextRegistration = 1;
};
