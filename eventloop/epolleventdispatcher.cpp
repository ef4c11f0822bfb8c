#include "epolleventdispatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QtDebug>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcEventLoop, "wssp.eventloop", QtInfoMsg)

namespace {

constexpr int notifierTypes = 3; // QSocketNotifier::Read, Write, Exception

// What each notifier type asks the kernel for, and what activates it once reported (as in
// Qt's UNIX dispatcher: a hang-up or an error wakes every notifier on the descriptor, so the
// socket can read the EOF or the error).
constexpr quint32 wantedEvents[notifierTypes] = { EPOLLIN, EPOLLOUT, EPOLLPRI };
constexpr quint32 activatingEvents[notifierTypes] = { EPOLLIN | EPOLLHUP | EPOLLERR,
    EPOLLOUT | EPOLLHUP | EPOLLERR, EPOLLPRI | EPOLLHUP | EPOLLERR };
constexpr int maxEventsPerWait = 256; // more stay ready and come with the next wait

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wakeUpFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
    if (m_epoll < 0 || m_wakeUpFd < 0)
        qFatal("EpollEventDispatcher: cannot create an epoll instance or an eventfd: %s",
            strerror(errno));
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = m_wakeUpFd;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeUpFd, &event) != 0)
        qFatal("EpollEventDispatcher: cannot watch its eventfd: %s", strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    close(m_wakeUpFd);
    close(m_epoll);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.store(false, std::memory_order_relaxed);
    emit awake();
    // Every postEvent() calls wakeUp(), so an event posted after this makes the wait below
    // return at once: nothing posted can sit unseen while the loop sleeps.
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool mayWait
        = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed);
    if (mayWait)
        emit aboutToBlock();
    if (m_interrupted.load(std::memory_order_relaxed))
        return false;

    applyChanges();
    std::vector<Ready> ready;
    int events = waitForEvents(waitTimeoutMs(mayWait, includeTimers), includeNotifiers, &ready);
    if (includeNotifiers)
        events += activateNotifiers(ready);
    if (includeTimers)
        events += activateTimers();
    return events > 0;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const int type = int(notifier->type());
    if (fd < 0 || type < 0 || type >= notifierTypes) {
        qWarning("EpollEventDispatcher: cannot watch socket %d", fd);
        return;
    }
    Watch *watch = watchFor(fd, true);
    // One notifier per descriptor and type, the latest (as in Qt's UNIX dispatcher). Not a
    // warning: QTcpServer switches its accept notifier on beside one of ours (Acceptor) for a
    // moment with every connection taken from it.
    if (watch->notifiers[type] && watch->notifiers[type] != notifier)
        qCDebug(lcEventLoop, "socket %d: a second notifier of one type replaces the first", fd);
    watch->notifiers[type] = notifier;
    watch->registrations[type] = m_nextRegistration++;
    noteChange(fd, watch);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const int type = int(notifier->type());
    Watch *watch = fd >= 0 && type >= 0 && type < notifierTypes ? watchFor(fd, false) : nullptr;
    if (!watch || watch->notifiers[type] != notifier)
        return;
    watch->notifiers[type] = nullptr;
    watch->registrations[type] = 0;
    const bool unwatched = !watch->notifiers[0] && !watch->notifiers[1] && !watch->notifiers[2];
    if (unwatched && watch->kernelEvents != 0) {
        // At once, not with the next wait: the socket is usually closed right after this, and
        // a new one may get the same number before the loop comes round; the kernel's entry
        // must be gone by then, or the new socket would look registered and never be watched.
        // (Closing a descriptor drops its entry anyway; ENOENT and EBADF are fine.)
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        watch->kernelEvents = 0;
    }
    noteChange(fd, watch);
}

void EpollEventDispatcher::registerTimer(
    int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    m_timers.add(timerId, interval, timerType, object, TimerQueue::Clock::now());
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    return m_timers.remove(timerId);
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    return m_timers.removeAll(object);
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(
    QObject *object) const
{
    return m_timers.timersOf(object);
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    return m_timers.remainingMs(timerId, TimerQueue::Clock::now());
}

void EpollEventDispatcher::wakeUp()
{
    // Any thread. One write until the loop has read it: a burst of postEvent()s costs one
    // system call, not one each.
    if (m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        return;
    const std::uint64_t one = 1;
    while (write(m_wakeUpFd, &one, sizeof one) < 0 && errno == EINTR) { }
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}

EpollEventDispatcher::Watch *EpollEventDispatcher::watchFor(int fd, bool create)
{
    if (size_t(fd) >= m_watches.size()) {
        if (!create)
            return nullptr;
        m_watches.resize(std::max(size_t(fd) + 1, m_watches.size() * 2));
    }
    return &m_watches[size_t(fd)];
}

void EpollEventDispatcher::noteChange(int fd, Watch *watch)
{
    if (watch->pending)
        return;
    watch->pending = true;
    m_changed.push_back(fd);
}

void EpollEventDispatcher::applyChanges()
{
    // Batched: a notifier switched off and on again within one round (a socket's write
    // notifier, typically) costs no system call.
    for (int fd : m_changed) {
        Watch &watch = m_watches[size_t(fd)];
        watch.pending = false;
        quint32 wanted = 0;
        for (int type = 0; type < notifierTypes; ++type) {
            if (watch.notifiers[type])
                wanted |= wantedEvents[type];
        }
        if (watch.alwaysReady) {
            if (wanted == 0) {
                watch.alwaysReady = false;
                m_alwaysReady.erase(std::find(m_alwaysReady.begin(), m_alwaysReady.end(), fd));
            }
            continue;
        }
        if (wanted == watch.kernelEvents)
            continue;
        epoll_event event {};
        event.events = wanted;
        event.data.fd = fd;
        int op = wanted == 0          ? EPOLL_CTL_DEL
            : watch.kernelEvents == 0 ? EPOLL_CTL_ADD
                                      : EPOLL_CTL_MOD;
        int rc = epoll_ctl(m_epoll, op, fd, &event);
        if (rc != 0 && op != EPOLL_CTL_DEL && (errno == ENOENT || errno == EEXIST)) {
            // The kernel forgot a closed descriptor, or still knows a reused one.
            op = errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
            rc = epoll_ctl(m_epoll, op, fd, &event);
        }
        if (rc != 0 && op != EPOLL_CTL_DEL) {
            if (errno == EPERM) {
                // A regular file or the like: poll() reports those always ready; so do we.
                watch.alwaysReady = true;
                m_alwaysReady.push_back(fd);
            } else {
                qWarning("EpollEventDispatcher: cannot watch socket %d: %s", fd, strerror(errno));
            }
            watch.kernelEvents = 0;
            continue;
        }
        watch.kernelEvents = wanted;
    }
    m_changed.clear();
}

int EpollEventDispatcher::waitTimeoutMs(bool mayWait, bool includeTimers) const
{
    if (!mayWait || !m_alwaysReady.empty())
        return 0;
    if (!includeTimers)
        return -1;
    const std::optional<TimerQueue::TimePoint> deadline = m_timers.nextDeadline();
    if (!deadline)
        return -1;
    const auto now = TimerQueue::Clock::now();
    if (*deadline <= now)
        return 0;
    // Rounded up: waking a fraction of a millisecond early would only spin once more.
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
    return int(std::min<qint64>(wait, INT_MAX));
}

int EpollEventDispatcher::waitForEvents(
    int timeoutMs, bool includeNotifiers, std::vector<Ready> *ready)
{
    int wakeUps = 0;
    if (!includeNotifiers) {
        // The sockets must not wake us (they would, level-triggered, for ever): wait on the
        // eventfd alone.
        pollfd wakeUp { m_wakeUpFd, POLLIN, 0 };
        if (poll(&wakeUp, 1, timeoutMs) > 0) {
            drainWakeUps();
            ++wakeUps;
        }
        return wakeUps;
    }
    epoll_event events[maxEventsPerWait];
    const int count = epoll_wait(m_epoll, events, maxEventsPerWait, timeoutMs);
    if (count < 0 && errno != EINTR)
        qWarning("EpollEventDispatcher: epoll_wait: %s", strerror(errno));
    for (int i = 0; i < count; ++i) {
        if (events[i].data.fd == m_wakeUpFd) {
            drainWakeUps();
            ++wakeUps;
        } else {
            collectReady(events[i].data.fd, events[i].events, ready);
        }
    }
    for (int fd : m_alwaysReady)
        collectReady(fd, EPOLLIN | EPOLLOUT, ready);
    return wakeUps;
}

void EpollEventDispatcher::collectReady(int fd, quint32 events, std::vector<Ready> *ready) const
{
    if (fd < 0 || size_t(fd) >= m_watches.size())
        return;
    const Watch &watch = m_watches[size_t(fd)];
    for (int type = 0; type < notifierTypes; ++type) {
        if (watch.notifiers[type] && (events & activatingEvents[type]))
            ready->push_back({ fd, type, watch.registrations[type] });
    }
}

int EpollEventDispatcher::activateNotifiers(const std::vector<Ready> &ready)
{
    int activated = 0;
    for (const Ready &entry : ready) {
        // Looked up afresh: an earlier handler may have disabled, deleted or replaced it, and
        // m_watches may have grown (moved) since.
        const Watch &watch = m_watches[size_t(entry.fd)];
        QSocketNotifier *notifier = watch.notifiers[entry.type];
        if (!notifier || watch.registrations[entry.type] != entry.registration)
            continue;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++activated;
    }
    return activated;
}

int EpollEventDispatcher::activateTimers()
{
    int fired = 0;
    for (const TimerQueue::Due &due : m_timers.takeDue(TimerQueue::Clock::now())) {
        QObject *object = m_timers.beginFiring(due, TimerQueue::Clock::now());
        if (!object)
            continue;
        QTimerEvent event(due.id);
        QCoreApplication::sendEvent(object, &event);
        m_timers.endFiring(due);
        ++fired;
    }
    return fired;
}

void EpollEventDispatcher::drainWakeUps()
{
    std::uint64_t count = 0;
    while (read(m_wakeUpFd, &count, sizeof count) < 0 && errno == EINTR) { }
    // After the read: a wakeUp() between the two finds the flag still set and writes nothing,
    // but its event is already posted, and processEvents() sends posted events before it
    // waits again.
    m_wakeUpPending.store(false, std::memory_order_release);
}
