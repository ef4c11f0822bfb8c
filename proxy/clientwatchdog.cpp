#include "clientwatchdog.h"

#include "incomingbudget.h"

#include <QTcpSocket>
#include <QWebSocket>

ClientWatchdog::ClientWatchdog(QWebSocket *socket, QTcpSocket *transport,
    const ProxySettings &settings, IncomingBudget *budget, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_transport(transport)
    , m_settings { settings.idleTimeout, settings.pingInterval, settings.stallTimeout,
        settings.highWatermarkBytes, settings.lowWatermarkBytes, settings.maxSendQueueBytes }
    , m_budget(budget)
{
    // The TCP socket's readyRead tells us about every frame the client sends (pings too, which
    // Qt answers unasked), and its buffer holds the frame being received.
    if (m_transport) {
        connect(m_transport, &QIODevice::readyRead, this, [this]() {
            accountIncoming();
            checkSendQueue(); // a client that sends but does not read fills its queue with pongs
        });
    }
    connect(socket, &QWebSocket::textFrameReceived, this, &ClientWatchdog::onTextFrame);
    connect(socket, &QWebSocket::binaryFrameReceived, this, &ClientWatchdog::onBinaryFrame);
    connect(socket, &QWebSocket::bytesWritten, this, &ClientWatchdog::checkSendQueue);

    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, [this]() {
        drop(Verdict::Idle,
            QStringLiteral("idle for %1 ms (proxy.idleTimeout)").arg(m_settings.idleTimeout));
    });
    m_stallTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, [this]() {
        drop(Verdict::Stalled,
            QStringLiteral("client not reading: %1 bytes waiting for %2 ms "
                           "(proxy.stallTimeout); closing the connection")
                .arg(m_socket->bytesToWrite())
                .arg(m_settings.stallTimeout));
    });
    connect(&m_pingTimer, &QTimer::timeout, this, &ClientWatchdog::onPingTimer);
    connect(socket, &QWebSocket::pong, this, [this]() { m_sincePong.restart(); });
    if (m_settings.pingInterval > 0) {
        m_sincePong.start();
        m_pingTimer.start(m_settings.pingInterval);
    }
    setBusy(false);
}

ClientWatchdog::~ClientWatchdog()
{
    m_budget->update(&m_heldIncoming, 0);
}

void ClientWatchdog::setBusy(bool busy)
{
    if (busy || m_settings.idleTimeout <= 0 || m_dropped)
        m_idleTimer.stop();
    else
        m_idleTimer.start(m_settings.idleTimeout);
}

void ClientWatchdog::stop()
{
    m_dropped = true;
    m_idleTimer.stop();
    m_pingTimer.stop();
    m_stallTimer.stop();
    m_budget->update(&m_heldIncoming, 0);
}

void ClientWatchdog::checkSendQueue()
{
    if (m_dropped)
        return;
    const qint64 queued = m_socket->bytesToWrite();
    if (queued > m_settings.maxSendQueueBytes) {
        drop(Verdict::SendQueueFull,
            QStringLiteral("client not reading: %1 bytes queued, more than %2 "
                           "(proxy.maxSendQueueBytes)")
                .arg(queued)
                .arg(m_settings.maxSendQueueBytes));
        return;
    }
    if (queued > m_settings.highWatermarkBytes) {
        if (m_settings.stallTimeout > 0 && !m_stallTimer.isActive())
            m_stallTimer.start(m_settings.stallTimeout);
    } else if (queued <= m_settings.lowWatermarkBytes) {
        m_stallTimer.stop();
    }
}

void ClientWatchdog::onPingTimer()
{
    // Two intervals without a pong: the ping before the last one went unanswered.
    if (m_sincePong.elapsed() >= 2 * qint64(m_settings.pingInterval)) {
        drop(Verdict::NoPong,
            QStringLiteral("no pong for %1 ms (proxy.pingInterval %2 ms)")
                .arg(m_sincePong.elapsed())
                .arg(m_settings.pingInterval));
        return;
    }
    m_socket->ping();
    checkSendQueue();
}

void ClientWatchdog::onTextFrame(const QString &frame, bool isLastFrame)
{
    m_partialMessageBytes = isLastFrame ? 0 : m_partialMessageBytes + frame.size() * 2;
    accountIncoming();
}

void ClientWatchdog::onBinaryFrame(const QByteArray &frame, bool isLastFrame)
{
    m_partialMessageBytes = isLastFrame ? 0 : m_partialMessageBytes + frame.size();
    accountIncoming();
}

void ClientWatchdog::accountIncoming()
{
    if (m_dropped)
        return;
    const qint64 now = m_partialMessageBytes + (m_transport ? m_transport->bytesAvailable() : 0);
    if (!m_budget->update(&m_heldIncoming, now)) {
        drop(Verdict::IncomingOverBudget,
            QStringLiteral("unfinished incoming messages of all clients over %1 bytes "
                           "(proxy.maxIncomingBytes); this one held %2")
                .arg(m_budget->limit())
                .arg(now));
    }
}

void ClientWatchdog::drop(Verdict verdict, const QString &message)
{
    if (m_dropped)
        return;
    stop();
    emit mustDrop(verdict, message);
}
