#include "clientsession.h"

#include "clientstream.h"
#include "jsonwriter.h"
#include "peeraddress.h"
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

} // namespace

ClientSession::ClientSession(quint64 id, QWebSocket *socket, QTcpSocket *transport,
    UpstreamPool *pool, const ProxySettings &settings, ProxyMetrics *metrics,
    IncomingBudget *budget, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_pool(pool)
    , m_settings(settings)
    , m_recorder(id, PeerAddress::text(socket->peerAddress(), socket->peerPort()), metrics)
    , m_queue(&metrics->queuedRequests)
    , m_watchdog(socket, transport, settings, budget)
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingMessageSize(hardMessageCap(m_settings.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(hardMessageCap(m_settings.maxMessageBytes));

    connect(
        m_socket, &QWebSocket::textMessageReceived, this, &ClientSession::onTextMessageReceived);
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
    const QList<ClientStream *> running = streams();
    for (ClientStream *stream : running)
        stream->end(RequestOutcome::ShuttingDown, QString(), reason);
    if (running.isEmpty())
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
    QString rejectedId;
    std::optional<ClientMessage> parsed = ClientMessage::parse(message, &error,
        { m_settings.maxRequestHeaders, m_settings.maxRequestHeaderBytes }, &rejectedId);
    if (!parsed) {
        if (rejectedId.isEmpty())
            enqueue({ std::nullopt, error });
        else // meant for a stream of its own: answered at once, as that stream
            answerEnd(RequestOutcome::Rejected, error,
                QString::fromUtf16(ProxyMessages::reasonRejected), rejectedId);
        return;
    }
    if (parsed->kind == ClientMessage::Kind::Cancel)
        cancel(parsed->id);
    else if (parsed->id.isEmpty())
        enqueue({ std::move(parsed->request), QString() });
    else
        startWithId(parsed->request);
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
    for (ClientStream *stream : streams())
        stream->end(RequestOutcome::ClientGone, QString(), QStringLiteral("client disconnected"));
    qCInfo(lcSession).noquote() << logPrefix()
                                << "closed; requests handled:" << info().requestsHandled
                                << "events relayed:" << info().eventsRelayed;
    emit closed(id());
}

void ClientSession::onSocketBytesWritten()
{
    if (!m_backedUp || m_socket->bytesToWrite() > m_settings.lowWatermarkBytes)
        return;
    qCDebug(lcSession).noquote() << logPrefix() << "client caught up; resuming upstreams";
    m_backedUp = false;
    // Each relays what it has buffered, which may back the client up again: then the rest
    // stay paused.
    for (ClientStream *stream : streams()) {
        if (m_backedUp)
            break;
        stream->resume();
    }
}

void ClientSession::onWatchdogVerdict(ClientWatchdog::Verdict verdict, const QString &message)
{
    using Verdict = ClientWatchdog::Verdict;
    qCWarning(lcSession).noquote() << logPrefix() << "dropping the client:" << message;
    // No queued request may start on a connection that is being dropped (none was started, so
    // none is counted).
    m_shuttingDown = true;
    m_queue.clear();
    const QList<ClientStream *> running = streams();
    switch (verdict) {
    case Verdict::Idle:
        send(ProxyMessages::closed(message)); // it hears why, as at shutdown
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("idle"));
        break;
    case Verdict::Stalled:
        for (ClientStream *stream : running)
            stream->end(RequestOutcome::ClientStalled, message,
                QString::fromUtf16(ProxyMessages::reasonClientStalled));
        m_socket->close(
            QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("client not reading"));
        break;
    case Verdict::IncomingOverBudget:
        for (ClientStream *stream : running)
            stream->end(RequestOutcome::ClientGone, QString(), message);
        m_socket->close(
            QWebSocketProtocol::CloseCodeTooMuchData, QStringLiteral("proxy.maxIncomingBytes"));
        break;
    case Verdict::NoPong:
    case Verdict::SendQueueFull:
        // Nothing more can reach it: let go of the socket and its queue at once.
        m_muted = true;
        for (ClientStream *stream : running)
            stream->end(verdict == Verdict::NoPong ? RequestOutcome::ClientGone
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
    m_watchdog.setBusy(m_active || !m_queue.isEmpty() || !m_streams.isEmpty());
}

void ClientSession::run(const Pending &pending)
{
    if (pending.request)
        m_active = start(*pending.request);
    else
        answerEnd(RequestOutcome::Rejected, pending.rejection,
            QString::fromUtf16(ProxyMessages::reasonRejected));
}

void ClientSession::startWithId(const ProxyRequest &request)
{
    const auto refuse = [this, &request](const QString &error) {
        answerEnd(RequestOutcome::Rejected, error,
            QString::fromUtf16(ProxyMessages::reasonRejected), request.id);
    };
    if (m_streams.contains(request.id)) {
        refuse(QStringLiteral("id %1 is already in use by a running request on this socket")
                   .arg(JsonWriter::quoted(request.id)));
        return;
    }
    if (m_streams.size() >= m_settings.maxStreamsPerSocket) {
        refuse(QStringLiteral("too many streams: %1 requests with an id already run on this "
                              "socket (proxy.maxStreamsPerSocket)")
                   .arg(m_streams.size()));
        return;
    }
    m_streams.insert(request.id, start(request));
    updateBusy();
}

ClientStream *ClientSession::start(const ProxyRequest &request)
{
    // Logs end up in journald for anyone in the adm group: no ?api_key= there either.
    static const Redactor logRedactor;
    const QString what = request.id.isEmpty()
        ? QStringLiteral("request")
        : QStringLiteral("request %1").arg(JsonWriter::quoted(request.id));
    qCInfo(lcSession).noquote() << logPrefix() << what << request.method
                                << logRedactor.url(request.url().toString());
    ClientStream::Options options;
    options.upstream.limits.maxLineBytes = m_settings.maxLineBytes;
    options.upstream.limits.maxEventBytes = m_settings.maxEventBytes;
    options.upstream.silenceTimeoutMs = m_settings.sseTimeout;
    options.upstream.errorExcerptBytes = m_settings.errorExcerptBytes;
    options.maxReconnectAttempts = m_settings.maxReconnectAttempts;
    options.maxReconnectDelayMs = m_settings.maxReconnectDelayMs;
    options.minReconnectDelayMs = m_settings.minReconnectDelayMs;
    const auto startRequest
        = [pool = m_pool, readBufferBytes = m_settings.readBufferBytes](
              const ProxyRequest &r) { return pool->start(r, readBufferBytes); };
    auto *stream = new ClientStream(request, startRequest, options, this);
    // The recorder hears each report first, so the monitor, told by our signals, reads Info
    // that already includes it.
    m_recorder.follow(stream);
    connect(stream, &ClientStream::connected, this,
        [this, stream](int status, const HttpHeaderList &headers) {
            onStreamConnected(stream, status, headers);
        });
    connect(stream, &ClientStream::eventReceived, this,
        [this, stream](const SseEvent &event) { onStreamEvent(stream, event); });
    connect(stream, &ClientStream::reconnecting, this,
        [this, stream](const ProxyMessages::Reconnecting &what) {
            qCInfo(lcSession).noquote() << logPrefix() << "reconnecting in" << what.delayMs
                                        << "ms, attempt" << what.attempt << "after:" << what.reason;
            send(ProxyMessages::reconnecting(what, stream->id()));
        });
    connect(stream, &ClientStream::finished, this,
        [this, stream](RequestOutcome outcome, const QString &error, const QString &reason) {
            onStreamFinished(stream, outcome, error, reason);
        });
    if (m_backedUp)
        stream->pause(); // the client is behind already: this one waits with the others
    stream->start();
    updateBusy();
    emit requestStarted(id(), stream);
    return stream;
}

void ClientSession::cancel(const QString &id)
{
    ClientStream *stream = id.isEmpty() ? m_active : m_streams.value(id);
    if (!stream) {
        // Ended already, or never was: a cancel may cross the stream's end on the wire.
        qCDebug(lcSession).noquote()
            << logPrefix() << "cancel with no such request in progress" << id;
        return;
    }
    stream->end(
        RequestOutcome::Cancelled, QString(), QString::fromUtf16(ProxyMessages::reasonCancelled));
}

QList<ClientStream *> ClientSession::streams() const
{
    QList<ClientStream *> all;
    all.reserve(m_streams.size() + 1);
    if (m_active)
        all.append(m_active);
    for (ClientStream *stream : m_streams)
        all.append(stream);
    return all;
}

void ClientSession::onStreamConnected(
    const ClientStream *stream, int status, const HttpHeaderList &headers)
{
    qCInfo(lcSession).noquote() << logPrefix() << "upstream answered" << status;
    send(ProxyMessages::connected(status, headers, stream->id()));
    emit requestConnected(id(), stream);
}

void ClientSession::onStreamEvent(ClientStream *stream, const SseEvent &event)
{
    qCDebug(lcSession).noquote() << logPrefix() << "event" << event.type << event.lastEventId
                                 << event.data.size() << "chars";
    // Checked before the message is built: escaping can make it six times the event's data.
    const qsizetype worstCase = 64
        + 6
            * (event.data.size() + event.type.size() + event.lastEventId.size()
                + event.retry.size())
        + 6 * stream->id().size();
    if (worstCase > m_settings.maxEventMessageBytes) {
        const qsizetype size = ProxyMessages::sseEventUtf8Size(event, stream->id());
        if (size > m_settings.maxEventMessageBytes) {
            stream->end(RequestOutcome::UpstreamError,
                QStringLiteral("upstream event of %1 bytes as JSON is larger than %2 "
                               "(proxy.maxEventMessageBytes)")
                    .arg(size)
                    .arg(m_settings.maxEventMessageBytes),
                QString::fromUtf16(ProxyMessages::reasonUpstreamError));
            return;
        }
    }
    m_messageBuffer.resize(0); // keeps its capacity: no allocation per event
    ProxyMessages::appendSseEvent(m_messageBuffer, event, stream->id());
    send(m_messageBuffer);
    if (m_settings.legacyDataMessages)
        send(ProxyMessages::legacyData(event.data, stream->id()));
    emit eventRelayed(id(), stream->id(), event);
    pauseIfBackedUp();
}

// However a request ended (its upstream, a timeout, or end() from here: cancel, client gone,
// stall, shutdown), it says so once, here.
void ClientSession::onStreamFinished(
    ClientStream *stream, RequestOutcome outcome, const QString &error, const QString &reason)
{
    stream->deleteLater(); // we are inside its signal
    const QString streamId = stream->id();
    if (stream == m_active)
        m_active = nullptr;
    else
        m_streams.remove(streamId);
    answerEnd(outcome, error, reason, streamId, stream);
    startNext();
}

void ClientSession::answerEnd(RequestOutcome outcome, const QString &error, const QString &reason,
    const QString &streamId, const ClientStream *stream)
{
    if (!m_clientGone && !m_muted) { // a client that is gone hears nothing more
        if (!error.isEmpty())
            send(ProxyMessages::error(error, streamId));
        send(ProxyMessages::closed(reason, streamId));
    }
    m_recorder.countEnd(outcome, error);
    const QString what = streamId.isEmpty()
        ? QStringLiteral("request finished:")
        : QStringLiteral("request %1 finished:").arg(JsonWriter::quoted(streamId));
    if (error.isEmpty())
        qCInfo(lcSession).noquote() << logPrefix() << what << requestOutcomeName(outcome);
    else
        qCInfo(lcSession).noquote()
            << logPrefix() << what << requestOutcomeName(outcome) << "-" << error;
    emit requestFinished(id(), streamId, stream, outcome, error, reason);
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
    if (m_backedUp || m_socket->bytesToWrite() <= m_settings.highWatermarkBytes)
        return;
    m_backedUp = true;
    for (ClientStream *stream : streams())
        stream->pause();
    m_recorder.countPause();
    qCDebug(lcSession).noquote() << logPrefix() << "client is" << m_socket->bytesToWrite()
                                 << "bytes behind; pausing upstreams";
}

QString ClientSession::logPrefix() const
{
    return u'[' + QString::number(id()) + u']';
}
