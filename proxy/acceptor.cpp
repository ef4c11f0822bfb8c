#include "acceptor.h"

#include <QLoggingCategory>
#include <QTcpServer>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

Q_LOGGING_CATEGORY(lcAcceptor, "wssp.proxy.accept", QtInfoMsg)

namespace {

// Enough per wake-up to drain a burst, few enough that one listener cannot starve the rest.
constexpr int acceptsPerWakeUp = 64;

// One descriptor held back for the moment the others run out: closed while the proxy logs that it
// cannot accept (writing the log, or a sanitizer checking it, may need one), then taken again.
class ReserveDescriptor
{
public:
    ReserveDescriptor()
        : m_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC))
    {
    }
    ~ReserveDescriptor() { release(); }
    void release()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    void retake()
    {
        if (m_fd < 0)
            m_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }

private:
    int m_fd;
};

ReserveDescriptor &reserve()
{
    thread_local ReserveDescriptor descriptor;
    return descriptor;
}

// QTcpServer::incomingConnection() is protected. A pointer to it may be formed through a
// derived class, and calling through it dispatches virtually: TlsListener's override runs for a
// TLS listener, QTcpServer's own for a plain one.
struct IncomingConnection : QTcpServer
{
    static void deliver(QTcpServer *listener, qintptr descriptor)
    {
        (listener->*(&IncomingConnection::incomingConnection))(descriptor);
    }
};

} // namespace

Acceptor::Acceptor(QTcpServer *listener, QObject *parent)
    : QObject(parent)
    , m_listener(listener)
    , m_notifier(QSocketNotifier::Read)
{
    // Qt's notifier off before ours is on: a dispatcher keeps one notifier per descriptor and
    // type, and switching Qt's off afterwards could take ours with it.
    m_listener->pauseAccepting();
    m_notifier.setSocket(listener->socketDescriptor());
    m_notifier.setEnabled(true);
    reserve(); // taken now, while descriptors are plentiful
    connect(&m_notifier, &QSocketNotifier::activated, this, &Acceptor::onReadable);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this]() {
        if (!m_paused)
            m_notifier.setEnabled(true);
    });
}

void Acceptor::pause()
{
    m_paused = true;
    m_notifier.setEnabled(false);
}

void Acceptor::resume()
{
    m_paused = false;
    if (!m_retry.isActive())
        m_notifier.setEnabled(true);
}

void Acceptor::onReadable()
{
    const int listening = int(m_notifier.socket());
    int delivered = 0;
    for (int i = 0; i < acceptsPerWakeUp; ++i) {
        const int descriptor = ::accept4(listening, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (descriptor >= 0) {
            if (m_deliver)
                m_deliver(descriptor);
            else
                IncomingConnection::deliver(m_listener, descriptor);
            ++delivered;
            continue;
        }
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED || error == EPROTO)
            continue; // that one connection is gone; the next may be fine
        if (delivered > 0)
            keepOnlyOurNotifier();
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        // Out of descriptors or memory: the connection stays in the backlog, and trying again
        // at once would spin. Wait, then try again.
        ++m_failures;
        m_notifier.setEnabled(false);
        m_retry.start(retryMs);
        if (!m_lastWarning.isValid() || m_lastWarning.elapsed() >= 10000) {
            reserve().release();
            qCWarning(lcAcceptor).noquote()
                << QStringLiteral("cannot accept connections on port %1: %2; pausing accepts for "
                                  "%3 ms at a time (%4 failures so far)")
                       .arg(m_listener->serverPort())
                       .arg(QString::fromLocal8Bit(std::strerror(error)))
                       .arg(retryMs)
                       .arg(m_failures);
            m_lastWarning.start();
            reserve().retake();
        }
        return;
    }
    if (delivered > 0)
        keepOnlyOurNotifier();
}

void Acceptor::keepOnlyOurNotifier()
{
    // Taking a connection from the listener (QTcpServer::nextPendingConnection()) switches Qt's
    // own accept notifier back on; it must stay off, or Qt would accept past our error handling.
    // An event dispatcher keeps one notifier per descriptor and type (ours and Qt's UNIX one):
    // switching Qt's off may have taken ours with it, so ours is switched on again.
    m_listener->pauseAccepting();
    if (m_notifier.isEnabled()) {
        m_notifier.setEnabled(false);
        m_notifier.setEnabled(true);
    }
}
