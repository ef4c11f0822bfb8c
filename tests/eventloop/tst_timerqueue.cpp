#include "timerqueue.h"

#include <QTest>

using namespace std::chrono;
using namespace std::chrono_literals;

// TimerQueue with made-up times: deadlines, the timer types' rounding, order, and what happens
// when timers are killed or re-registered while due.
class TestTimerQueue : public QObject
{
    Q_OBJECT

private:
    // A "now" that is not on any rounding grid (…013.3 ms after a whole second).
    static TimerQueue::TimePoint start() { return TimerQueue::TimePoint(1000013300us); }
    static qint64 msSince(TimerQueue::TimePoint from, TimerQueue::TimePoint to)
    {
        return duration_cast<microseconds>(to - from).count() / 1000;
    }
    QObject m_object;

private slots:
    void preciseTimerIsDueAtItsInterval()
    {
        TimerQueue queue;
        queue.add(1, 250, Qt::PreciseTimer, &m_object, start());
        QCOMPARE(*queue.nextDeadline(), start() + 250ms);
        QCOMPARE(queue.remainingMs(1, start()), 250);
        QVERIFY(queue.takeDue(start() + 249ms).empty());
        QCOMPARE(queue.takeDue(start() + 250ms).size(), size_t(1));
    }

    void coarseTimerIsLateByAtMostFivePercentOnAGrid_data()
    {
        QTest::addColumn<qint64>("intervalMs");
        QTest::addColumn<qint64>("gridMs");
        QTest::newRow("21 ms: 1 ms grid") << qint64(21) << qint64(1);
        QTest::newRow("100 ms: 5 ms grid") << qint64(100) << qint64(5);
        QTest::newRow("1 s: 50 ms grid") << qint64(1000) << qint64(50);
        QTest::newRow("15 s: 500 ms grid") << qint64(15000) << qint64(500);
    }
    void coarseTimerIsLateByAtMostFivePercentOnAGrid()
    {
        QFETCH(qint64, intervalMs);
        QFETCH(qint64, gridMs);
        TimerQueue queue;
        queue.add(1, intervalMs, Qt::CoarseTimer, &m_object, start());
        const TimerQueue::TimePoint deadline = *queue.nextDeadline();
        QVERIFY(deadline >= start() + milliseconds(intervalMs)); // never early
        QVERIFY(deadline <= start() + milliseconds(intervalMs) + milliseconds(intervalMs) / 20);
        QCOMPARE(
            deadline.time_since_epoch() % milliseconds(gridMs), TimerQueue::Clock::duration(0));
    }

    void coarseTimerPeriodsDoNotDrift()
    {
        // 1,030 ms on a 50 ms grid: rounded deadlines, but ten periods still end 10.3 s later.
        TimerQueue queue;
        queue.add(1, 1030, Qt::CoarseTimer, &m_object, start());
        TimerQueue::TimePoint now = start();
        for (int i = 0; i < 10; ++i) {
            now = *queue.nextDeadline();
            const std::vector<TimerQueue::Due> due = queue.takeDue(now);
            QCOMPARE(due.size(), size_t(1));
            QCOMPARE(queue.beginFiring(due.front(), now), &m_object);
            queue.endFiring(due.front());
        }
        const qint64 tenth = msSince(start(), *queue.nextDeadline());
        QVERIFY2(tenth >= 11 * 1030 && tenth <= 11 * 1030 + 50, qPrintable(QString::number(tenth)));
    }

    void veryCoarseTimerFiresOnWholeSeconds()
    {
        TimerQueue queue;
        queue.add(1, 2400, Qt::VeryCoarseTimer, &m_object, start());
        const TimerQueue::TimePoint deadline = *queue.nextDeadline();
        QCOMPARE(deadline.time_since_epoch() % 1s, TimerQueue::Clock::duration(0));
        QCOMPARE(deadline, TimerQueue::TimePoint(1000000000us + 2s)); // 2 s, rounded to the second
        QCOMPARE(queue.timersOf(&m_object).constFirst().interval, 2000);
    }

    void longCoarseTimersBecomeVeryCoarse()
    {
        TimerQueue queue;
        queue.add(1, 30000, Qt::CoarseTimer, &m_object, start());
        QCOMPARE(queue.timersOf(&m_object).constFirst().timerType, Qt::VeryCoarseTimer);
        QCOMPARE(queue.nextDeadline()->time_since_epoch() % 1s, TimerQueue::Clock::duration(0));
    }

    void dueTimersComeEarliestFirstAndEqualOnesInOrder()
    {
        TimerQueue queue;
        queue.add(1, 30, Qt::PreciseTimer, &m_object, start());
        queue.add(2, 10, Qt::PreciseTimer, &m_object, start());
        queue.add(3, 20, Qt::PreciseTimer, &m_object, start());
        queue.add(4, 10, Qt::PreciseTimer, &m_object, start());
        std::vector<int> ids;
        for (const TimerQueue::Due &due : queue.takeDue(start() + 1s))
            ids.push_back(due.id);
        QCOMPARE(ids, (std::vector<int> { 2, 4, 3, 1 }));
    }

    void zeroIntervalTimerIsDueOncePerRound()
    {
        TimerQueue queue;
        queue.add(1, 0, Qt::CoarseTimer, &m_object, start());
        const std::vector<TimerQueue::Due> due = queue.takeDue(start());
        QCOMPARE(due.size(), size_t(1));
        QVERIFY(queue.beginFiring(due.front(), start()));
        // In its event, the timer is not due (a nested loop must not fire it again)...
        QVERIFY(queue.takeDue(start()).empty());
        QVERIFY(!queue.nextDeadline());
        queue.endFiring(due.front());
        // ...and after it, it is due in the next round.
        QCOMPARE(queue.takeDue(start()).size(), size_t(1));
    }

    void timerInItsEventIsNotFiredAgain()
    {
        TimerQueue queue;
        queue.add(1, 5, Qt::PreciseTimer, &m_object, start());
        const TimerQueue::Due due = queue.takeDue(start() + 5ms).front();
        QVERIFY(queue.beginFiring(due, start() + 5ms));
        QVERIFY(!queue.beginFiring(due, start() + 50ms));
        QCOMPARE(queue.remainingMs(1, start() + 5ms), 5);
    }

    void killedTimerDoesNotFire()
    {
        TimerQueue queue;
        queue.add(1, 0, Qt::PreciseTimer, &m_object, start());
        queue.add(2, 0, Qt::PreciseTimer, &m_object, start());
        const std::vector<TimerQueue::Due> due = queue.takeDue(start());
        QVERIFY(queue.remove(2)); // by timer 1's handler
        QVERIFY(!queue.beginFiring(due[1], start()));
        QVERIFY(!queue.remove(2));
    }

    void reusedIdIsNotFiredForTheOldTimer()
    {
        TimerQueue queue;
        queue.add(7, 0, Qt::PreciseTimer, &m_object, start());
        const std::vector<TimerQueue::Due> due = queue.takeDue(start());
        queue.remove(7);
        queue.add(7, 0, Qt::PreciseTimer, &m_object, start()); // Qt hands the id out again
        QVERIFY(!queue.beginFiring(due.front(), start()));
        QCOMPARE(queue.takeDue(start()).size(), size_t(1)); // the new one, next round
    }

    void killedInItsOwnEvent()
    {
        TimerQueue queue;
        queue.add(1, 10, Qt::PreciseTimer, &m_object, start());
        const TimerQueue::Due due = queue.takeDue(start() + 10ms).front();
        QVERIFY(queue.beginFiring(due, start() + 10ms));
        QVERIFY(queue.remove(1));
        queue.endFiring(due);
        QVERIFY(queue.isEmpty());
        QVERIFY(!queue.nextDeadline());
    }

    void stalledTimerDoesNotBurst()
    {
        TimerQueue queue;
        queue.add(1, 10, Qt::PreciseTimer, &m_object, start());
        const TimerQueue::TimePoint late = start() + 1s;
        const TimerQueue::Due due = queue.takeDue(late).front();
        queue.beginFiring(due, late);
        queue.endFiring(due);
        QCOMPARE(*queue.nextDeadline(), late + 10ms);
    }

    void removeAllForgetsOneObjectsTimers()
    {
        TimerQueue queue;
        QObject other;
        queue.add(1, 10, Qt::PreciseTimer, &m_object, start());
        queue.add(2, 20, Qt::CoarseTimer, &other, start());
        queue.add(3, 30, Qt::PreciseTimer, &m_object, start());
        QCOMPARE(queue.timersOf(&m_object).size(), 2);
        QVERIFY(queue.removeAll(&m_object));
        QVERIFY(!queue.removeAll(&m_object));
        QVERIFY(queue.timersOf(&m_object).isEmpty());
        QCOMPARE(queue.remainingMs(1, start()), -1);
        QCOMPARE(queue.takeDue(start() + 1s).size(), size_t(1));
    }
};

QTEST_APPLESS_MAIN(TestTimerQueue)
#include "tst_timerqueue.moc"
