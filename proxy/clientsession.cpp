#include "clientsession.h"

#include "proxiedrequest.h"
#include "proxymessages.h"
#include "redactor.h"
#include "upstreampool.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSession, "wssp.proxy.session", QtInfoMsg)

namespace {

// Qt's own hard cap on one incoming message and frame: past it Qt closes the socket (code
// 1009). Our friendlier limit (proxy.maxMessageBytes, an `error` reply) sits below it; what all
// clients hold together is proxy.maxIncomingBytes's (ClientWatchdog).
quint64 hardMessageCap(int friendlyLimit)
{
    return qMax<quint64>(quint64(friendlyLimit) * 2, 64 * 1024);
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

ClientSession::ClientSession(quint64 id, QWebSocket *socket, QTcpSocket *transport, UpstreamPool *pool,
                             const ProxySettings &settings, ProxyMetrics *metrics,
                             IncomingBudget *budget, QObject *parent)
    : QObject(parent),
      m_socket(socket),
      m_pool(pool),
      m_settings(settings),
      m_recorder(id, addressWithPort(socket->peerAddress(), socket->peerPort()), metrics),
      m_queue(&metrics->queuedRequests),
      m_watchdog(socket, transport, settings, budget)
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

    connect(&m_watchdog, &ClientWatchdog::mustDrop, this, &ClientSession::onWatchdogVerdict);

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
    std::optional<ClientMessage> parsed = ClientMessage::parse(
            message, &error, { m_settings.maxRequestHeaders, m_settings.maxRequestHeaderBytes });
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
    m_watchdog.stop();
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
    qCDebug(lcSession).noquote() << logPrefix() << "client caught up; resuming upstream";
    m_active->resume(); // relays what is buffered; may pause again
}

void ClientSession::onWatchdogVerdict(ClientWatchdog::Verdict verdict, const QString &message)
{
    using Verdict = ClientWatchdog::Verdict;
    qCWarning(lcSession).noquote() << logPrefix() << "dropping the client:" << message;
    // No queued request may start on a connection that is being dropped (none was started, so
    // none is counted).
    m_shuttingDown = true;
    m_queue.clear();
    switch (verdict) {
    case Verdict::Idle:
        send(ProxyMessages::closed(message)); // it hears why, as at shutdown
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("idle"));
        break;
    case Verdict::Stalled:
        if (m_active)
            m_active->end(RequestOutcome::ClientStalled, message,
                          QString::fromUtf16(ProxyMessages::reasonClientStalled));
        m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("client not reading"));
        break;
    case Verdict::IncomingOverBudget:
        if (m_active)
            m_active->end(RequestOutcome::ClientGone, QString(), message);
        m_socket->close(QWebSocketProtocol::CloseCodeTooMuchData, QStringLiteral("proxy.maxIncomingBytes"));
        break;
    case Verdict::NoPong:
    case Verdict::SendQueueFull:
        // Nothing more can reach it: let go of the socket and its queue at once.
        m_muted = true;
        if (m_active)
            m_active->end(verdict == Verdict::NoPong ? RequestOutcome::ClientGone
                                                     : RequestOutcome::ClientStalled,
                          message, message);
        m_socket->abort();
        return;
    }
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
    updateBusy();
}

void ClientSession::startNext()
{
    while (!m_active && !m_queue.isEmpty() && !m_shuttingDown)
        run(m_queue.dequeue());
    updateBusy();
}

void ClientSession::updateBusy()
{
    m_watchdog.setBusy(m_active || !m_queue.isEmpty());
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
    // Logs end up in journald for anyone in the adm group: no ?api_key= there either.
    static const Redactor logRedactor;
    qCInfo(lcSession).noquote() << logPrefix() << "request" << request.method
                                << logRedactor.url(request.url().toString());
    UpstreamStream::Options options;
    options.limits.maxLineBytes = m_settings.maxLineBytes;
    options.limits.maxEventBytes = m_settings.maxEventBytes;
    options.silenceTimeoutMs = m_settings.sseTimeout;
    options.errorExcerptBytes = m_settings.errorExcerptBytes;
    m_active = new ProxiedRequest(request, m_pool->start(request, m_settings.readBufferBytes), options, this);
    // The recorder hears each report first, so the monitor, told by our signals, reads Info
    // that already includes it.
    m_recorder.follow(m_active);
    connect(m_active, &ProxiedRequest::connected, this, &ClientSession::onRequestConnected);
    connect(m_active, &ProxiedRequest::eventReceived, this, &ClientSession::onRequestEvent);
    connect(m_active, &ProxiedRequest::finished, this, &ClientSession::onRequestFinished);
    updateBusy();
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
    // Checked before the message is built: escaping can make it six times the event's data.
    const qsizetype worstCase = 64 + 6 * (event.data.size() + event.type.size()
                                          + event.lastEventId.size() + event.retry.size());
    if (worstCase > m_settings.maxEventMessageBytes) {
        const qsizetype size = ProxyMessages::sseEventUtf8Size(event);
        if (size > m_settings.maxEventMessageBytes) {
            m_active->end(RequestOutcome::UpstreamError,
                          QStringLiteral("upstream event of %1 bytes as JSON is larger than %2 "
                                         "(proxy.maxEventMessageBytes)")
                                  .arg(size)
                                  .arg(m_settings.maxEventMessageBytes),
                          QString::fromUtf16(ProxyMessages::reasonUpstreamError));
            return;
        }
    }
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
    answerEnd(outcome, error, reason);
    startNext();
}

void ClientSession::answerEnd(RequestOutcome outcome, const QString &error, const QString &reason)
{
    if (!m_clientGone && !m_muted) { // a client that is gone hears nothing more
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
    if (m_muted)
        return;
    const qint64 sent = m_socket->sendTextMessage(message);
    if (sent > 0)
        m_recorder.countSent(sent);
    m_watchdog.checkSendQueue();
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
}

QString ClientSession::logPrefix() const
{
    return u'[' + QString::number(id()) + u']';
}
