#include "httpconnection.h"

#include "peeraddress.h"

#include "httpresponse.h"
#include "logging.h"
#include "router.h"

#include <QDateTime>
#include <QTcpSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif
#ifdef Q_OS_LINUX
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

HttpConnection::HttpConnection(QTcpSocket *socket, quint64 id, const TestServerSettings &settings,
    int requestTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_id(id)
    , m_settings(settings)
    , m_requestTimeoutMs(requestTimeoutMs)
{
    m_socket->setParent(this);
    // Events are small and timed: Nagle's algorithm would hold them back (~40 ms each with delayed
    // ACKs).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_peer = PeerAddress::text(m_socket->peerAddress());

    m_stepTimer.setSingleShot(true);
    m_stepTimer.setTimerType(Qt::PreciseTimer); // a coarse timer may fire up to 5 % early
    m_requestTimer.setSingleShot(true);
    connect(&m_stepTimer, &QTimer::timeout, this, &HttpConnection::onStepTimerTimeout);
    connect(&m_requestTimer, &QTimer::timeout, this, &HttpConnection::onRequestTimerTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onSocketReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onSocketBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onSocketDisconnected);
    m_requestTimer.start(m_requestTimeoutMs);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::abort()
{
    if (m_state == State::Done)
        return;
    m_state = State::Closing; // not a client leaving: nothing to report
    m_socket->abort();
    finish();
}

void HttpConnection::onSocketReadyRead()
{
    const QByteArray bytes = m_socket->readAll();
    if (m_state != State::ReadingRequest)
        return; // one request per connection; anything after it is ignored

    switch (m_reader.feed(bytes)) {
    case RequestReader::Status::Incomplete:
        if (m_reader.takeContinueRequest())
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        return;
    case RequestReader::Status::Failed:
        log(QStringLiteral("📨 unreadable request from %1").arg(m_peer));
        startResponse(std::make_unique<FixedResponse>(
            HttpResponse::error(m_reader.errorStatus(), m_reader.errorMessage()),
            QStringLiteral("↩️ %1 %2")
                .arg(m_reader.errorStatus())
                .arg(m_reader.errorMessage())));
        return;
    case RequestReader::Status::Complete:
        break;
    }
    HttpRequest request = m_reader.takeRequest();
    request.peer = m_peer;
    Router::Routed routed = Router::route(request, m_settings, QDateTime::currentMSecsSinceEpoch());
    log(routed.note);
    startResponse(std::move(routed.source));
}

void HttpConnection::startResponse(std::unique_ptr<ResponseSource> source)
{
    m_requestTimer.stop();
    m_state = State::Responding;
    m_source = std::move(source);
    pump();
}

void HttpConnection::pump()
{
    if (m_state != State::Responding)
        return;
    ResponseSource::Step step = m_source->next();
    if (!step.note.isEmpty())
        log(step.note);
    m_socket->write(step.bytes);
    switch (step.then) {
    case ResponseSource::Then::Wait:
        m_stepTimer.start(step.delayMs);
        return;
    case ResponseSource::Then::Finish:
        m_state = State::Closing;
        m_socket->disconnectFromHost(); // sends what is queued, then FIN
        return;
    case ResponseSource::Then::Abort:
        m_state = State::Closing;
        m_resetPending = true;
        m_resetWait.start();
        resetOnceDelivered();
        return;
    }
}

void HttpConnection::onStepTimerTimeout()
{
    if (m_resetPending) {
        resetOnceDelivered();
        return;
    }
    if (m_socket->bytesToWrite() > highWatermark) {
        m_waitingForDrain = true;
        return;
    }
    pump();
}

void HttpConnection::onSocketBytesWritten()
{
    if (m_resetPending) {
        resetOnceDelivered();
        return;
    }
    if (m_waitingForDrain && m_socket->bytesToWrite() <= lowWatermark) {
        m_waitingForDrain = false;
        pump();
    }
}

void HttpConnection::resetOnceDelivered()
{
    // A reset throws away what the kernel has not delivered yet, so the events before a break
    // would arrive cut at a random place whenever the client lags (a large /ticks?breakAfter=
    // response): wait until Qt has handed every byte to the kernel and the peer has acknowledged
    // them. bytesWritten() says when Qt is done; the kernel's queue has no signal, so it is
    // polled on the (otherwise idle) step timer. A client that stops reading gets the reset
    // after resetWaitLimitMs all the same.
    if (m_state != State::Closing)
        return;
    const bool delivered = m_socket->bytesToWrite() == 0 && undeliveredBytes() == 0;
    if (!delivered && !m_resetWait.hasExpired(resetWaitLimitMs)) {
        if (!m_stepTimer.isActive())
            m_stepTimer.start(resetPollMs);
        return;
    }
    m_resetPending = false;
    resetConnection();
}

qint64 HttpConnection::undeliveredBytes() const
{
#ifdef Q_OS_LINUX
    // SIOCOUTQ: bytes in the send queue not yet acknowledged by the peer.
    int queued = 0;
    const qintptr fd = m_socket->socketDescriptor();
    if (fd >= 0 && ::ioctl(int(fd), SIOCOUTQ, &queued) == 0)
        return queued;
#endif
    return 0;
}

void HttpConnection::resetConnection()
{
#ifdef Q_OS_UNIX
    // SO_LINGER with a zero timeout makes close() send RST: the client sees a reset, not a
    // clean end of the body.
    const qintptr fd = m_socket->socketDescriptor();
    if (fd >= 0) {
        const linger option = { 1, 0 };
        ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
#endif
    m_socket->abort();
    finish();
}

void HttpConnection::onSocketDisconnected()
{
    if (m_state == State::Responding && m_source) {
        const QString progress = m_source->progress();
        log(QStringLiteral("👋 %1 left%2")
                .arg(
                    m_peer, progress.isEmpty() ? QString() : QStringLiteral(" after ") + progress));
    }
    finish();
}

void HttpConnection::onRequestTimerTimeout()
{
    if (m_state != State::ReadingRequest)
        return;
    log(QStringLiteral("⏱️ no complete request from %1 within %2 ms")
            .arg(m_peer)
            .arg(m_requestTimeoutMs));
    startResponse(std::make_unique<FixedResponse>(HttpResponse::error(
        408, QStringLiteral("no complete request within %1 ms").arg(m_requestTimeoutMs))));
}

void HttpConnection::finish()
{
    if (m_state == State::Done)
        return;
    m_state = State::Done;
    m_stepTimer.stop();
    m_requestTimer.stop();
    m_waitingForDrain = false;
    m_resetPending = false;
    emit finished();
}

void HttpConnection::log(const QString &text) const
{
    qCInfo(lcSseServer).noquote() << QStringLiteral("#%1").arg(m_id) << text;
}
