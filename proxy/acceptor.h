#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <functional>

class QTcpServer;

// Accepts a listener's connections itself, so that running out of file descriptors is handled
// one way: Qt's own accept loop reports EMFILE sometimes as an error (and stops accepting for
// good) and sometimes as a temporary condition (and spins at 100 % CPU on the connection left in
// the backlog). Here accept() failing for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM)
// pauses accepting for retryMs, logs at most every 10 s, and resumes; everyone connected is
// served meanwhile.
class Acceptor : public QObject
{
    Q_OBJECT

public:
    static constexpr int retryMs = 500;

    // Takes over from Qt's own accepting: each accepted descriptor (non-blocking, close-on-exec)
    // goes to the listener's incomingConnection(), as Qt's loop would hand it (a TLS listener
    // starts its handshake there), and comes out of its pendingConnectionAvailable().
    explicit Acceptor(QTcpServer *listener, QObject *parent = nullptr);

    // Each accepted descriptor goes to `deliver` instead (the proxy's workers), on this thread.
    using Delivery = std::function<void(qintptr descriptor)>;
    void setDelivery(Delivery deliver) { m_deliver = std::move(deliver); }

    void pause();
    void resume();
    qint64 failures() const { return m_failures; }

private:
    void onReadable();
    void keepOnlyOurNotifier();

    QTcpServer *m_listener;
    Delivery m_deliver;
    QSocketNotifier m_notifier;
    QTimer m_retry;
    QElapsedTimer m_lastWarning;
    qint64 m_failures = 0;
    bool m_paused = false;
};
