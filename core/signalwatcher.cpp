#include "signalwatcher.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// [0] is written by the handler, [1] read by the notifier. -1 when no watcher exists.
int g_fds[2] = { -1, -1 };

extern "C" void onPosixSignal(int signalNumber)
{
    const int savedErrno = errno; // write() may change errno under the interrupted code
    const unsigned char byte = static_cast<unsigned char>(signalNumber);
    if (g_fds[0] >= 0) {
        // A full pipe only means a wake-up is already pending; nothing to do about it.
        [[maybe_unused]] const ssize_t written = ::write(g_fds[0], &byte, 1);
    }
    errno = savedErrno;
}

} // namespace

struct SignalWatcher::Installed
{
    int signalNumber = 0;
    struct sigaction previous = {};
};

SignalWatcher::SignalWatcher(const QList<int> &signalNumbers, QObject *parent)
    : QObject(parent)
{
    if (g_fds[0] >= 0) {
        m_errorString = QStringLiteral("another SignalWatcher is active");
        return;
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_fds) != 0) {
        m_errorString
            = QStringLiteral("socketpair: ") + QString::fromLocal8Bit(std::strerror(errno));
        g_fds[0] = g_fds[1] = -1;
        return;
    }
    m_ownsFds = true;
    // Neither end may block: the handler must never stall, and the reader drains until empty.
    for (const int fd : g_fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    m_notifier = new QSocketNotifier(g_fds[1], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::onReadActivated);

    for (const int signalNumber : signalNumbers) {
        auto *installed = new Installed;
        installed->signalNumber = signalNumber;
        struct sigaction action = {};
        action.sa_handler = onPosixSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART; // keep the event loop's own system calls going
        if (::sigaction(signalNumber, &action, &installed->previous) != 0) {
            m_errorString = QStringLiteral("sigaction(%1): %2")
                                .arg(signalNumber)
                                .arg(QString::fromLocal8Bit(std::strerror(errno)));
            delete installed;
            return;
        }
        m_installed.append(installed);
    }
    m_valid = true;
}

SignalWatcher::~SignalWatcher()
{
    for (Installed *installed : std::as_const(m_installed)) {
        ::sigaction(installed->signalNumber, &installed->previous, nullptr);
        delete installed;
    }
    if (!m_ownsFds)
        return;
    delete m_notifier;
    // The handlers are gone, so nothing writes to the pair any more.
    ::close(g_fds[0]);
    ::close(g_fds[1]);
    g_fds[0] = g_fds[1] = -1;
}

void SignalWatcher::onReadActivated()
{
    unsigned char bytes[16];
    for (;;) {
        const ssize_t count = ::read(g_fds[1], bytes, sizeof bytes);
        if (count <= 0)
            break;
        for (ssize_t i = 0; i < count; ++i)
            emit signalled(bytes[i]);
    }
}
