#include "epolleventdispatcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <fcntl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

// A connected pair of UNIX sockets, closed at the end of the test.
struct SocketPair
{
    int fds[2] = { -1, -1 };
    SocketPair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
    ~SocketPair()
    {
        for (int fd : fds) {
            if (fd >= 0)
                close(fd);
        }
    }
    void send(char c = 'x') const { QCOMPARE(write(fds[1], &c, 1), ssize_t(1)); }
    void drain() const
    {
        char buffer[64];
        while (read(fds[0], buffer, sizeof buffer) > 0) { }
    }
};

// Counts its timer events; optionally kills another timer, or runs a nested loop, inside one.
class TimerTarget : public QObject
{
public:
    QList<int> fired;
    int killOnFire = 0;
    int nestedLoopMs = 0;
    int firedWhileNested = 0;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        if (m_nested)
            ++firedWhileNested;
        fired.append(event->timerId());
        if (killOnFire)
            killTimer(std::exchange(killOnFire, 0));
        if (nestedLoopMs) {
            m_nested = true;
            QEventLoop loop;
            QTimer::singleShot(std::exchange(nestedLoopMs, 0), &loop, &QEventLoop::quit);
            loop.exec();
            m_nested = false;
        }
    }

private:
    bool m_nested = false;
};

// Runs the loop until a timer of `ms` fires: for checking that something did NOT happen.
void runLoopFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

// The dispatcher under the application and on a worker thread: timers (order, types,
// zero-interval, killed while due, not re-entered), socket notifiers (enable, disable,
// hang-up, a reused descriptor number, a regular file), posted events and deferred deletes,
// wake-ups from other threads, nested event loops.
class TestEpollEventDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void isTheApplicationsDispatcher()
    {
        QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void timersFireInDeadlineOrder()
    {
        QList<int> order;
        for (int ms : { 50, 10, 30, 0, 20 })
            QTimer::singleShot(ms, Qt::PreciseTimer, this, [&order, ms] { order.append(ms); });
        QTRY_COMPARE(order.size(), 5);
        QCOMPARE(order, (QList<int> { 0, 10, 20, 30, 50 }));
    }

    void timersAreNeverEarly_data()
    {
        QTest::addColumn<Qt::TimerType>("type");
        QTest::addColumn<int>("intervalMs");
        QTest::addColumn<int>("earliestMs"); // what the type allows
        QTest::newRow("precise") << Qt::PreciseTimer << 120 << 120;
        QTest::newRow("coarse") << Qt::CoarseTimer << 120 << 114;
        QTest::newRow("very coarse") << Qt::VeryCoarseTimer << 1000 << 500;
    }
    void timersAreNeverEarly()
    {
        QFETCH(Qt::TimerType, type);
        QFETCH(int, intervalMs);
        QFETCH(int, earliestMs);
        QElapsedTimer clock;
        qint64 elapsed = -1;
        clock.start();
        QTimer::singleShot(intervalMs, type, this, [&] { elapsed = clock.elapsed(); });
        QTRY_VERIFY_WITH_TIMEOUT(elapsed >= 0, 5000);
        QVERIFY2(elapsed >= earliestMs, qPrintable(QString::number(elapsed)));
    }

    void repeatingTimerKeepsItsPeriod()
    {
        QTimer timer;
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(20);
        QSignalSpy spy(&timer, &QTimer::timeout);
        QElapsedTimer clock;
        clock.start();
        timer.start();
        QTRY_VERIFY(spy.size() >= 10);
        QVERIFY(clock.elapsed() >= 200);
        QVERIFY(timer.remainingTime() >= 0 && timer.remainingTime() <= 20);
    }

    void zeroIntervalTimerFiresOncePerProcessEvents()
    {
        TimerTarget target;
        const int id = target.startTimer(0);
        QCoreApplication::processEvents();
        QCOMPARE(target.fired, QList<int> { id });
        QCoreApplication::processEvents();
        QCOMPARE(target.fired.size(), 2);
    }

    void zeroIntervalTimerDoesNotStarveOthers()
    {
        TimerTarget busy;
        busy.startTimer(0);
        SocketPair pair;
        QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        bool timerFired = false;
        QTimer::singleShot(30, this, [&] { timerFired = true; });
        pair.send();
        QTRY_VERIFY(timerFired);
        QVERIFY(!activated.isEmpty());
        QVERIFY(busy.fired.size() > 1);
    }

    void timerKilledByAnEarlierOneInTheSameRoundDoesNotFire()
    {
        TimerTarget target;
        const int first = target.startTimer(0);
        const int second = target.startTimer(0);
        target.killOnFire = second;
        QCoreApplication::processEvents();
        QCOMPARE(target.fired, QList<int> { first });
    }

    void timerIsNotFiredInsideItsOwnEvent()
    {
        TimerTarget target;
        target.nestedLoopMs = 100; // the first event runs a nested loop for 100 ms
        target.startTimer(5, Qt::PreciseTimer);
        QTRY_VERIFY(target.fired.size() >= 3);
        QCOMPARE(target.firedWhileNested, 0);
    }

    void nestedLoopServesSocketsAndTimers()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
        int reads = 0;
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            ++reads;
            pair.drain();
        });
        bool innerTimer = false;
        QTimer::singleShot(0, this, [&] {
            QEventLoop nested;
            QTimer::singleShot(10, &nested, [&] {
                innerTimer = true;
                pair.send();
            });
            connect(&notifier, &QSocketNotifier::activated, &nested, &QEventLoop::quit);
            nested.exec();
        });
        QTRY_COMPARE(reads, 1);
        QVERIFY(innerTimer);
    }

    void readNotifierFollowsEnabled()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        pair.send();
        QTRY_COMPARE(activated.size() > 0, true);
        notifier.setEnabled(false);
        activated.clear();
        runLoopFor(50);
        QCOMPARE(activated.size(), 0); // data waiting, but disabled
        notifier.setEnabled(true);
        QTRY_VERIFY(!activated.isEmpty()); // level-triggered: the waiting byte wakes it again
        pair.drain();
        activated.clear();
        runLoopFor(50);
        QCOMPARE(activated.size(), 0);
    }

    void writeNotifierFiresWhileWritable()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.fds[1], QSocketNotifier::Write);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        QTRY_VERIFY(!activated.isEmpty());
        notifier.setEnabled(false);
        activated.clear();
        runLoopFor(30);
        QCOMPARE(activated.size(), 0);
    }

    void readAndWriteNotifiersShareADescriptor()
    {
        SocketPair pair;
        QSocketNotifier reader(pair.fds[0], QSocketNotifier::Read);
        QSocketNotifier writer(pair.fds[0], QSocketNotifier::Write);
        QSignalSpy reads(&reader, &QSocketNotifier::activated);
        QSignalSpy writes(&writer, &QSocketNotifier::activated);
        QTRY_VERIFY(!writes.isEmpty());
        QCOMPARE(reads.size(), 0);
        writer.setEnabled(false);
        pair.send();
        QTRY_VERIFY(!reads.isEmpty());
    }

    void hangUpWakesTheReadNotifier()
    {
        SocketPair pair;
        QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        close(std::exchange(pair.fds[1], -1));
        QTRY_VERIFY(!activated.isEmpty());
    }

    void reusedDescriptorNumberIsWatched()
    {
        // A socket's notifier goes, the socket is closed, and a new socket gets its number
        // before the loop comes round: the new one must be watched, not taken for the old.
        SocketPair first;
        const int number = first.fds[0];
        auto notifier = std::make_unique<QSocketNotifier>(number, QSocketNotifier::Read);
        QCoreApplication::processEvents(); // the kernel now watches `number`
        notifier.reset();
        SocketPair second;
        QCOMPARE(dup2(second.fds[0], number), number); // closes the old socket, reuses the number
        close(std::exchange(second.fds[0], number));
        first.fds[0] = -1;
        QSocketNotifier reused(number, QSocketNotifier::Read);
        QSignalSpy activated(&reused, &QSocketNotifier::activated);
        second.send();
        QTRY_VERIFY(!activated.isEmpty());
    }

    void notifierDeletedByAnEarlierHandlerIsNotActivated()
    {
        SocketPair a;
        SocketPair b;
        auto first = std::make_unique<QSocketNotifier>(a.fds[0], QSocketNotifier::Read);
        QPointer<QSocketNotifier> second = new QSocketNotifier(b.fds[0], QSocketNotifier::Read);
        int secondActivations = 0;
        connect(second, &QSocketNotifier::activated, this, [&] {
            ++secondActivations;
            b.drain();
        });
        int firstActivations = 0;
        connect(first.get(), &QSocketNotifier::activated, this, [&] {
            ++firstActivations;
            a.drain();
            delete second.data();
        });
        connect(second, &QSocketNotifier::activated, this, [&] { delete first.release(); });
        a.send();
        b.send();
        QTRY_VERIFY(firstActivations + secondActivations > 0);
        runLoopFor(20);
        QCOMPARE(firstActivations + secondActivations, 1); // whichever came first, only it
        delete second.data(); // when it came first, it is still there
    }

    void regularFileIsAlwaysReadable()
    {
        // epoll refuses regular files; poll() calls them always ready, and so must we.
        QTemporaryFile file;
        QVERIFY(file.open());
        QSocketNotifier notifier(file.handle(), QSocketNotifier::Read);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        QTRY_VERIFY(!activated.isEmpty());
        notifier.setEnabled(false);
        activated.clear();
        runLoopFor(20);
        QCOMPARE(activated.size(), 0);
    }

    void postedEventsAndDeferredDeletes()
    {
        bool called = false;
        QMetaObject::invokeMethod(
            this, [&] { called = true; }, Qt::QueuedConnection);
        QPointer<QObject> doomed = new QObject;
        doomed->deleteLater();
        QTRY_VERIFY(called);
        QTRY_VERIFY(doomed.isNull());
    }

    void wakeUpFromAnotherThread()
    {
        // Nothing else is going on: only the other thread's post can end the wait.
        QEventLoop loop;
        bool called = false;
        std::thread poster([&] {
            QMetaObject::invokeMethod(
                &loop,
                [&] {
                    called = true;
                    loop.quit();
                },
                Qt::QueuedConnection);
        });
        QElapsedTimer clock;
        clock.start();
        QTimer::singleShot(10000, &loop, &QEventLoop::quit); // bound only
        loop.exec();
        poster.join();
        QVERIFY(called);
        QVERIFY(clock.elapsed() < 10000);
    }

    void workerThreadRunsOnIt()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        QObject context;
        context.moveToThread(&thread);
        QThread *ranOn = nullptr;
        QAbstractEventDispatcher *dispatcher = nullptr;
        int timerFired = 0;
        QMetaObject::invokeMethod(
            &context,
            [&] {
                ranOn = QThread::currentThread();
                dispatcher = QAbstractEventDispatcher::instance();
                QTimer::singleShot(20, &context, [&] { timerFired = 1; });
            },
            Qt::QueuedConnection);
        QTRY_COMPARE(timerFired, 1);
        QCOMPARE(ranOn, &thread);
        QVERIFY(qobject_cast<EpollEventDispatcher *>(dispatcher));
        thread.quit(); // interrupt() from this thread ends its wait
        QVERIFY(thread.wait(5000));
    }

    void registeredTimersAndRemainingTime()
    {
        TimerTarget target;
        const int precise = target.startTimer(500, Qt::PreciseTimer);
        const int coarse = target.startTimer(1000, Qt::CoarseTimer);
        const QList<QAbstractEventDispatcher::TimerInfo> timers
            = QAbstractEventDispatcher::instance()->registeredTimers(&target);
        QCOMPARE(timers.size(), 2);
        QCOMPARE(timers[0].timerId, precise);
        QCOMPARE(timers[1].timerType, Qt::CoarseTimer);
        const int left = QAbstractEventDispatcher::instance()->remainingTime(precise);
        QVERIFY2(left > 0 && left <= 500, qPrintable(QString::number(left)));
        target.killTimer(precise);
        QCOMPARE(QAbstractEventDispatcher::instance()->remainingTime(precise), -1);
        QCOMPARE(QAbstractEventDispatcher::instance()->registeredTimers(&target).size(), 1);
        Q_UNUSED(coarse);
    }
};

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
