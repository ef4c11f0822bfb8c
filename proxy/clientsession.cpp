#include "clientsession.h"

#include "proxiedrequest.h"
#include "proxymessages.h"
#include "upstreampool.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSession, "wssp.proxy.session", QtInfoMsg)

namespace {

// Qt's own hard cap on one incoming message: past it Qt closes the socket (code 1009). Our
// friendlier limit (proxy.maxMessageBytes, an `error` reply) sits well below it.
quint64 hardMessageCap(int friendlyLimit)
{
    return qMax<quint64>(quint64(friendlyLimit) * 4, 4 * 1024 * 1024);
}

// "127.0.0.1:54012", "[::1]:54012"; an IPv4-mapped IPv6 address is shown as IPv4.
QString addressWithPort(const QHostAddress &address, quint16 port)
{
    bool isMappedIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isMappedIpv4);
    const QString host = isMappedIpv4 ? QHostAddress(ipv4).toString()
            : address.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + address.toString() + u']'
                                                                   : address.toString();
    return host + u':' + QString::number(port);
}

} // namespace

ClientSession::ClientSession(quint64 id, QWebSocket *socket, UpstreamPool *pool,
                             const ProxySettings &settings, ProxyMetrics *metrics,
                             QObject *parent)
    : QObject(parent),
      m_socket(socket),
      m_pool(pool),
      m_settings(settings),
      m_recorder(id, addressWithPort(socket->peerAddress(), socket->peerPort()), metrics),
      m_queue(&metrics->queuedRequests)
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingMessageSize(hardMessageCap(m_settings.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(hardMessageCap(m_settings.maxMessageBytes));

    connect(m_socket, &QWebSocket::textMessageReceived, this,
            &ClientSession::onTextMessageReceived);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this,
            &ClientSession::onBinaryMessageReceived);
    connect(m_socket, &QWebSocket::disconnected, this, &ClientSession::onSocketDisconnected);
    connect(m_socket, &QWebSocket::bytesWritten, this, &ClientSession::onSocketBytesWritten);

    m_stallTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, &ClientSession::onStallTimerTimeout);

    qCInfo(lcSession).noquote() << logPrefix() << "opened from" << info().clientAddress;
}

ClientSession::~ClientSession() = default;

void ClientSession::shutdown()
{
    if (m_clientGone)
        return;
    m_shuttingDown = true;
    const QString reason = QString::fromUtf16(ProxyMessages::reasonShuttingDown);
    if (m_active)
        m_active->end(RequestOutcome::ShuttingDown, QString(), reason);
    else
        send(ProxyMessages::closed(reason)); // idle clients hear why they are disconnected too
    while (!m_queue.isEmpty()) {
        m_queue.dequeue();
        answerEnd(RequestOutcome::ShuttingDown, QString(), reason);
    }
    m_socket->close(QWebSocketProtocol::CloseCodeGoingAway, reason);
}

void ClientSession::onTextMessageReceived(const QString &message)
{
    if (m_shuttingDown)
        return;
    // Cheap bound first: a UTF-8 byte count is at least the UTF-16 length.
    if (message.size() > m_settings.maxMessageBytes
        || (message.size() * 3 > m_settings.maxMessageBytes
            && message.toUtf8().size() > m_settings.maxMessageBytes)) {
        enqueue({ std::nullopt,
                  QStringLiteral("message larger than %1 bytes (proxy.maxMessageBytes)")
                          .arg(m_settings.maxMessageBytes) });
        return;
    }
    QString error;
    std::optional<ClientMessage> parsed = ClientMessage::parse(message, &error);
    if (!parsed) {
        enqueue({ std::nullopt, error });
        return;
    }
    if (parsed->kind == ClientMessage::Kind::Cancel) {
        cancel();
        return;
    }
    enqueue({ std::move(parsed->request), QString() });
}

void ClientSession::onBinaryMessageReceived(const QByteArray &)
{
    if (m_shuttingDown)
        return;
    enqueue({ std::nullopt,
              QStringLiteral("binary messages are not accepted: send the request as a JSON text "
                             "message") });
}

void ClientSession::onSocketDisconnected()
{
    if (m_clientGone)
        return;
    // Nothing keeps reading for a client that is gone, and nothing more is sent to it.
    m_stallTimer.stop();
    m_queue.clear();
    m_clientGone = true;
    m_recorder.markClosed();
    if (m_active)
        m_active->end(RequestOutcome::ClientGone, QString(), QStringLiteral("client disconnected"));
    qCInfo(lcSession).noquote() << logPrefix() << "closed; requests handled:" << info().requestsHandled
                                << "events relayed:" << info().eventsRelayed;
    emit closed(id());
}

void ClientSession::onSocketBytesWritten()
{
    if (!m_active || !m_active->isPaused()
        || m_socket->bytesToWrite() > m_settings.lowWatermarkBytes)
        return;
    m_stallTimer.stop();
    qCDebug(lcSession).noquote() << logPrefix() << "client caught up; resuming upstream";
    m_active->resume(); // relays what is buffered; may pause again
}

void ClientSession::onStallTimerTimeout()
{
    if (!m_active)
        return;
    const qint64 queued = m_socket->bytesToWrite();
    qCWarning(lcSession).noquote() << logPrefix() << "client stopped reading;" << queued
                                   << "bytes queued; dropping it";
    // No queued request may start on a connection that is being dropped.
    m_shuttingDown = true;
    m_queue.clear();
    m_active->end(RequestOutcome::ClientStalled,
                  QStringLiteral("client not reading: %1 bytes waiting for %2 ms "
                                 "(proxy.stallTimeout); closing the connection")
                          .arg(queued)
                          .arg(m_settings.stallTimeout),
                  QString::fromUtf16(ProxyMessages::reasonClientStalled));
    m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("client not reading"));
    // A client that reads nothing never completes the close handshake either.
    QTimer::singleShot(5000, m_socket, &QWebSocket::abort);
}

void ClientSession::enqueue(Pending pending)
{
    if (!m_active && m_queue.isEmpty()) {
        run(pending);
        return;
    }
    if (m_queue.size() >= m_settings.maxQueuedRequests) {
        // The only answer that overtakes the active request's messages (docs/PROTOCOL.md).
        answerEnd(RequestOutcome::Rejected,
                  QStringLiteral("too many queued requests: %1 already wait behind the active "
                                 "one (proxy.maxQueuedRequests)")
                          .arg(m_queue.size()),
                  QString::fromUtf16(ProxyMessages::reasonRejected));
        return;
    }
    m_queue.enqueue(std::move(pending));
}

void ClientSession::startNext()
{
    while (!m_active && !m_queue.isEmpty() && !m_shuttingDown)
        run(m_queue.dequeue());
}

void ClientSession::run(const Pending &pending)
{
    if (pending.request)
        start(*pending.request);
    else
        answerEnd(RequestOutcome::Rejected, pending.rejection,
                  QString::fromUtf16(ProxyMessages::reasonRejected));
}

void ClientSession::start(const ProxyRequest &request)
{
    qCInfo(lcSession).noquote() << logPrefix() << "request" << request.method << request.url().toString();
    UpstreamStream::Options options;
    options.limits.maxLineBytes = m_settings.maxLineBytes;
    options.limits.maxEventBytes = m_settings.maxEventBytes;
    options.silenceTimeoutMs = m_settings.sseTimeout;
    m_active = new ProxiedRequest(request, m_pool->start(request, m_settings.readBufferBytes), options, this);
    // The recorder hears each report first, so the monitor, told by our signals, reads Info
    // that already includes it.
    m_recorder.follow(m_active);
    connect(m_active, &ProxiedRequest::connected, this, &ClientSession::onRequestConnected);
    connect(m_active, &ProxiedRequest::eventReceived, this, &ClientSession::onRequestEvent);
    connect(m_active, &ProxiedRequest::finished, this, &ClientSession::onRequestFinished);
    emit requestStarted(id());
}

void ClientSession::cancel()
{
    if (!m_active) {
        qCDebug(lcSession).noquote() << logPrefix() << "cancel with no request in progress";
        return;
    }
    m_active->end(RequestOutcome::Cancelled, QString(), QString::fromUtf16(ProxyMessages::reasonCancelled));
}

void ClientSession::onRequestConnected(int status, const HttpHeaderList &headers)
{
    qCInfo(lcSession).noquote() << logPrefix() << "upstream answered" << status;
    send(ProxyMessages::connected(status, headers));
    emit requestConnected(id());
}

void ClientSession::onRequestEvent(const SseEvent &event)
{
    qCDebug(lcSession).noquote() << logPrefix() << "event" << event.type << event.lastEventId
                                 << event.data.size() << "chars";
    m_messageBuffer.resize(0); // keeps its capacity: no allocation per event
    ProxyMessages::appendSseEvent(m_messageBuffer, event);
    send(m_messageBuffer);
    if (m_settings.legacyDataMessages)
        send(ProxyMessages::legacyData(event.data));
    emit eventRelayed(id(), event);
    pauseIfBackedUp();
}

// However the active request ended (its upstream, a timeout, or end() from here: cancel, client
// gone, stall, shutdown), it says so once, here.
void ClientSession::onRequestFinished(RequestOutcome outcome, const QString &error, const QString &reason)
{
    m_active->deleteLater(); // we are inside its signal
    m_active = nullptr;
    m_stallTimer.stop();
    answerEnd(outcome, error, reason);
    startNext();
}

void ClientSession::answerEnd(RequestOutcome outcome, const QString &error, const QString &reason)
{
    if (!m_clientGone) { // a client that is gone hears nothing more
        if (!error.isEmpty())
            send(ProxyMessages::error(error));
        send(ProxyMessages::closed(reason));
    }
    m_recorder.countEnd(outcome, error);
    if (error.isEmpty())
        qCInfo(lcSession).noquote() << logPrefix() << "request finished:" << requestOutcomeName(outcome);
    else
        qCInfo(lcSession).noquote() << logPrefix() << "request finished:" << requestOutcomeName(outcome)
                                    << "-" << error;
    emit requestFinished(id(), outcome, error, reason);
}

void ClientSession::send(const QString &message)
{
    const qint64 sent = m_socket->sendTextMessage(message);
    if (sent > 0)
        m_recorder.countSent(sent);
}

void ClientSession::pauseIfBackedUp()
{
    if (!m_active || m_active->isPaused()
        || m_socket->bytesToWrite() <= m_settings.highWatermarkBytes)
        return;
    m_active->pause();
    m_recorder.countPause();
    qCDebug(lcSession).noquote() << logPrefix() << "client is" << m_socket->bytesToWrite()
                                 << "bytes behind; pausing upstream";
    if (m_settings.stallTimeout > 0)
        m_stallTimer.start(m_settings.stallTimeout);
}

QString ClientSession::logPrefix() const
{
    return u'[' + QString::number(id()) + u']';
}
