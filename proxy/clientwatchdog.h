#pragma once

#include "settings.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

class IncomingBudget;
class QTcpSocket;
class QWebSocket;

// Decides when a client's connection must go because of how it behaves on the wire, whatever
// its requests do (docs/SECURITY.md): silent too long with nothing to do (proxy.idleTimeout),
// no pong for two pings (proxy.pingInterval), its unread queue above the high watermark for
// proxy.stallTimeout (replies and pongs count, not only events) or past proxy.maxSendQueueBytes
// at any moment, or its unfinished incoming message taking the total of all clients' past
// proxy.maxIncomingBytes. It only says so (mustDrop); the session answers and closes.
class ClientWatchdog : public QObject
{
    Q_OBJECT

public:
    enum class Verdict { Idle, NoPong, Stalled, SendQueueFull, IncomingOverBudget };
    Q_ENUM(Verdict)

    // `transport` is the TCP socket under `socket` (null when unknown).
    ClientWatchdog(QWebSocket *socket, QTcpSocket *transport, const ProxySettings &settings,
        IncomingBudget *budget, QObject *parent = nullptr);

    // The settings it reads (kept instead of a whole ProxySettings: one per session).
    struct Limits
    {
        int idleTimeout = 0;
        int pingInterval = 0;
        int stallTimeout = 0;
        int highWatermarkBytes = 0;
        int lowWatermarkBytes = 0;
        int maxSendQueueBytes = 0;
    };
    ~ClientWatchdog() override;

    // A request runs or waits: the idle clock stops; when none does, it starts again.
    void setBusy(bool busy);
    // Call after queueing anything to the client.
    void checkSendQueue();
    bool isStalled() const { return m_stallTimer.isActive(); }
    void stop();

signals:
    // `message` names the limit: "no pong for 60000 ms (proxy.pingInterval)".
    void mustDrop(ClientWatchdog::Verdict verdict, const QString &message);

private:
    void onPingTimer();
    void onTextFrame(const QString &frame, bool isLastFrame);
    void onBinaryFrame(const QByteArray &frame, bool isLastFrame);
    void accountIncoming();
    void drop(Verdict verdict, const QString &message);

    QWebSocket *m_socket;
    QPointer<QTcpSocket> m_transport; // the TCP socket under the WebSocket
    Limits m_settings;
    IncomingBudget *m_budget;
    QTimer m_idleTimer;
    QTimer m_pingTimer;
    QTimer m_stallTimer;
    QElapsedTimer m_sincePong;
    qint64 m_partialMessageBytes = 0; // frames of the message not yet complete
    qint64 m_heldIncoming = 0; // our share of the budget
    bool m_dropped = false;
};
