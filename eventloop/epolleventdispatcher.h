#pragma once

#include "timerqueue.h"

#include <QAbstractEventDispatcher>

#include <atomic>
#include <vector>

class QSocketNotifier;

// An event dispatcher for Linux whose cost per wake-up does not grow with the number of open
// sockets. Qt 6.4's own dispatchers (glib's and Qt's UNIX one) hand every registered descriptor
// to poll() on every iteration and walk them all afterwards; with thousands of quiet streams
// that scan is most of the proxy's CPU (docs/BENCHMARKS.md). Here the kernel keeps the interest
// set (epoll), a wake-up costs O(ready descriptors), and timers live in a TimerQueue (O(log n)).
//
// Semantics follow Qt's UNIX dispatcher: posted events first, then the sockets that are ready,
// then the timers that are due; a notifier is activated by sending it QEvent::SockAct; wakeUp()
// writes an eventfd (once until the loop reads it) and may be called from any thread; nested
// event loops may call processEvents() from inside any handler. docs/EVENT-LOOP.md has the rest.
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(
        int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    // The notifiers on one descriptor (Read, Write, Exception: QSocketNotifier::Type's order)
    // and what the kernel was last told to watch for it.
    struct Watch
    {
        QSocketNotifier *notifiers[3] = {};
        quint64 registrations[3] = {};
        quint32 kernelEvents = 0;
        bool pending = false; // in m_changed, to be applied before the next wait
        bool alwaysReady = false; // epoll refused it (a regular file): poll() calls those ready
    };
    // A notifier found ready: looked up again before it is activated, since an earlier
    // handler in the same round may have disabled or deleted it.
    struct Ready
    {
        int fd;
        int type;
        quint64 registration;
    };

    Watch *watchFor(int fd, bool create);
    void noteChange(int fd, Watch *watch);
    void applyChanges();
    int waitTimeoutMs(bool mayWait, bool includeTimers) const;
    int waitForEvents(int timeoutMs, bool includeNotifiers, std::vector<Ready> *ready);
    void collectReady(int fd, quint32 events, std::vector<Ready> *ready) const;
    int activateNotifiers(const std::vector<Ready> &ready);
    int activateTimers();
    void drainWakeUps();

    int m_epoll = -1;
    int m_wakeUpFd = -1; // an eventfd
    std::atomic<bool> m_wakeUpPending { false };
    std::atomic<bool> m_interrupted { false };
    std::vector<Watch> m_watches; // by descriptor
    std::vector<int> m_changed; // descriptors whose wanted events may differ from the kernel's
    std::vector<int> m_alwaysReady;
    quint64 m_nextRegistration = 1;
    TimerQueue m_timers;
};
