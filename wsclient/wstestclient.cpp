#include "wstestclient.h"

#include "tlsfiles.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>

#include <algorithm>
#include <climits>

// Debug lines only on request (QT_LOGGING_RULES="wssp.wsclient.debug=true"): stderr is the user's.
Q_LOGGING_CATEGORY(lcWsClient, "wssp.wsclient", QtInfoMsg)

namespace {

// How long a finished client waits for the proxy to answer its WebSocket close frame.
constexpr int closeGraceMs = 1000;
// How much of an unreadable message a warning quotes.
constexpr qsizetype excerptChars = 200;

} // namespace

WsTestClient::WsTestClient(
    const ClientConfig &config, QIODevice *out, QIODevice *err, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_printer(config.mode == ClientConfig::Mode::EchoTest
              ? TranscriptPrinter::DataStyle::EchoResponse
              : TranscriptPrinter::DataStyle::Raw)
    , m_out(out)
    , m_err(err)
{
    m_printer.setShowHeaders(config.showHeaders);
    for (QTimer *timer : { &m_timeoutTimer, &m_pauseTimer, &m_cancelTimer })
        timer->setSingleShot(true);
    // sendDelay is a promise about the gap: a coarse timer may fire up to 5% early.
    m_pauseTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &WsTestClient::onTimeoutTimerTimeout);
    connect(&m_pauseTimer, &QTimer::timeout, this, &WsTestClient::onPauseTimerTimeout);
    connect(&m_cancelTimer, &QTimer::timeout, this, &WsTestClient::onCancelTimerTimeout);
}

WsTestClient::~WsTestClient()
{
    // Deleting the socket below must not call back into a half-destroyed client.
    if (m_socket)
        m_socket->disconnect(this);
}

void WsTestClient::start()
{
    if (m_state != State::Idle)
        return;
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    if (!m_config.caCertificates.isEmpty())
        m_socket->setSslConfiguration(TlsFiles::clientTrusting(m_config.caCertificates));
    connect(m_socket, &QWebSocket::connected, this, &WsTestClient::onSocketConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &WsTestClient::onSocketDisconnected);
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
        &WsTestClient::onSocketError);
    connect(m_socket, &QWebSocket::textMessageReceived, this,
        &WsTestClient::onSocketTextMessageReceived);
    m_state = State::Connecting;
    qCDebug(lcWsClient) << "connecting to" << m_config.proxyUrl;
    armTimeout();
    m_socket->open(m_config.proxyUrl);
}

void WsTestClient::cancel()
{
    switch (m_state) {
    case State::WaitingForClosed:
        m_timeoutTimer.stop();
        if (m_streams.tagged()) {
            writeErr(QStringLiteral("🛑 Interrupted: cancelling ") + m_streams.describeOpen());
            for (const QString &id : m_streams.openIds()) {
                const QJsonObject cancel { { QStringLiteral("type"), QStringLiteral("cancel") },
                    { QStringLiteral("id"), id } };
                m_socket->sendTextMessage(
                    QString::fromUtf8(QJsonDocument(cancel).toJson(QJsonDocument::Compact)));
            }
        } else {
            writeErr(QStringLiteral("🛑 Interrupted: cancelling request #%1").arg(m_sent));
            m_socket->sendTextMessage(QStringLiteral(R"({"type":"cancel"})"));
        }
        m_state = State::Cancelling;
        m_cancelTimer.start(m_config.cancelGrace);
        break;
    case State::Closing:
    case State::Finished:
        break;
    default: // nothing in flight, or a second Ctrl-C while cancelling: stop now
        finish(ClientExit::interrupted, QStringLiteral("🛑 Interrupted"));
        break;
    }
}

void WsTestClient::onSocketConnected()
{
    if (m_state != State::Connecting)
        return;
    qCDebug(lcWsClient) << "connected to" << m_config.proxyUrl;
    if (!m_config.json)
        writeOut(TranscriptPrinter::connectedToProxy());
    if (m_config.mode == ClientConfig::Mode::EchoTest) {
        if (!m_config.json)
            writeOut(TranscriptPrinter::sending(m_config.count));
        sendNextEchoRequest();
    } else {
        for (const ProxyRequest &request : std::as_const(m_config.requests)) {
            const QString line = TranscriptPrinter::requestLine(
                QString::fromLatin1(request.method), request.url().toString(QUrl::FullyEncoded));
            if (!m_config.json)
                writeOut(request.id.isEmpty()
                        ? line
                        : TranscriptPrinter::tagged({ line }, request.id).constFirst());
        }
        sendRequests(m_config.requests);
    }
}

void WsTestClient::onSocketDisconnected()
{
    const QString url = m_config.proxyUrl.toString();
    // A failed connect emits disconnected() before error(): take the reason from the socket.
    if (m_socketError.isEmpty() && m_socket->error() != QAbstractSocket::UnknownSocketError)
        m_socketError = m_socket->errorString();
    const QString detail = m_socketError.isEmpty()
        ? QStringLiteral("close code %1%2")
              .arg(int(m_socket->closeCode()))
              .arg(m_socket->closeReason().isEmpty() ? QString() : u", " + m_socket->closeReason())
        : m_socketError;
    switch (m_state) {
    case State::Connecting:
        finish(ClientExit::connection,
            QStringLiteral("cannot connect to proxy at %1: %2").arg(url, detail));
        break;
    case State::WaitingForClosed:
        finish(ClientExit::connection,
            QStringLiteral("connection to proxy at %1 lost while waiting for %2 (%3)")
                .arg(url, waitingFor(), detail));
        break;
    case State::Pausing:
        finish(ClientExit::connection,
            QStringLiteral("connection to proxy at %1 lost after request #%2 of %3 (%4)")
                .arg(url)
                .arg(m_sent)
                .arg(m_config.count)
                .arg(detail));
        break;
    case State::Cancelling:
        finish(ClientExit::interrupted);
        break;
    case State::Closing:
        emitFinished();
        break;
    case State::Idle:
    case State::Finished:
        break;
    }
}

void WsTestClient::onSocketError(QAbstractSocket::SocketError error)
{
    m_socketError = m_socket->errorString();
    qCDebug(lcWsClient) << "socket error" << error << m_socketError;
    // Before the handshake completes a failure may come without `disconnected`; later ones are
    // followed by it and reported there with the request they interrupted.
    if (m_state == State::Connecting) {
        finish(ClientExit::connection,
            QStringLiteral("cannot connect to proxy at %1: %2")
                .arg(m_config.proxyUrl.toString(), m_socketError));
    }
}

void WsTestClient::onSocketTextMessageReceived(const QString &text)
{
    if (m_state == State::Closing || m_state == State::Finished)
        return;
    if (m_config.json)
        writeOut(text);
    QString error;
    const std::optional<ProxyMessages::Message> message
        = ProxyMessages::Message::parse(text, &error);
    if (!message) {
        // A message this client cannot read is reported but does not end the run: the proxy
        // may know message types newer than this client.
        writeErr(QStringLiteral("warning: ignoring a message from the proxy that is not valid "
                                "(%1): %2")
                     .arg(error, text.left(excerptChars)));
        if (m_state == State::WaitingForClosed)
            armTimeout();
        return;
    }
    handleMessage(*message, text);
}

void WsTestClient::handleMessage(const ProxyMessages::Message &message, const QString &text)
{
    using Type = ProxyMessages::Message::Type;
    if (m_state != State::WaitingForClosed && m_state != State::Cancelling) {
        printMessage(message);
        qCWarning(lcWsClient) << "message with no request in flight ignored, state" << m_state;
        return;
    }
    const StreamSet::Outcome outcome = m_streams.record(message);
    if (outcome == StreamSet::Outcome::Unknown) {
        // About none of the requests still open (an id this client never sent, or a message
        // after that request's `closed`): reported, and it changes nothing.
        writeErr(QStringLiteral("warning: ignoring a message about no open request of this "
                                "client (%1): %2")
                     .arg(message.id.isEmpty() ? QStringLiteral("no id")
                                               : QStringLiteral("id \"%1\"").arg(message.id),
                         text.left(excerptChars)));
    } else {
        printMessage(message);
        if (outcome == StreamSet::Outcome::Closed && m_streams.allClosed()) {
            handleAllClosed();
            return;
        }
    }
    if (m_state == State::WaitingForClosed)
        armTimeout(message.type == Type::Reconnecting ? message.reconnecting.delayMs : 0);
}

void WsTestClient::printMessage(const ProxyMessages::Message &message)
{
    using Type = ProxyMessages::Message::Type;
    QStringList lines;
    if (!m_config.json)
        lines = m_printer.format(message);
    else if (message.type == Type::Error)
        lines = QStringList { TranscriptPrinter::errorLine(message.text) };
    if (m_streams.tagged())
        lines = TranscriptPrinter::tagged(lines, message.id);
    for (const QString &line : std::as_const(lines))
        message.type == Type::Error ? writeErr(line) : writeOut(line);
}

void WsTestClient::handleAllClosed()
{
    m_timeoutTimer.stop();
    if (m_state == State::Cancelling) {
        finish(ClientExit::interrupted);
        return;
    }
    const bool echo = m_config.mode == ClientConfig::Mode::EchoTest;
    if (m_streams.anyError()) {
        finish(ClientExit::requestFailed,
            echo && m_sent < m_config.count
                ? QStringLiteral("stopped after request #%1 of %2 because of the error above")
                      .arg(m_sent)
                      .arg(m_config.count)
                : QString());
        return;
    }
    if (echo && m_sent < m_config.count) {
        m_state = State::Pausing;
        m_pauseTimer.start(m_config.sendDelay);
        return;
    }
    if (echo && !m_config.json)
        writeOut(TranscriptPrinter::complete(m_config.count));
    finish(ClientExit::ok);
}

void WsTestClient::sendNextEchoRequest()
{
    const int index = m_sent + 1;
    if (!m_config.json)
        writeOut(TranscriptPrinter::sent(index, m_config.echoMessage(index)));
    sendRequests({ m_config.echoRequest(index) });
}

void WsTestClient::sendRequests(const QList<ProxyRequest> &requests)
{
    m_streams = StreamSet(requests);
    m_state = State::WaitingForClosed;
    for (const ProxyRequest &request : requests) {
        const QString text
            = QString::fromUtf8(QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact));
        ++m_sent;
        qCDebug(lcWsClient) << "request" << m_sent << "sent:" << text;
        m_socket->sendTextMessage(text);
    }
    armTimeout();
}

void WsTestClient::armTimeout(int quietMs)
{
    if (m_config.timeout <= 0)
        return;
    // The proxy says how long it will wait before asking the upstream again; silence during
    // that wait is announced, not a sign of trouble, so the timeout counts from its end.
    if (quietMs > 0) {
        const QDeadlineTimer quiet(quietMs);
        if (m_quietUntil < quiet)
            m_quietUntil = quiet;
    }
    const qint64 interval = qint64(m_config.timeout) + m_quietUntil.remainingTime();
    m_timeoutTimer.start(int(std::min<qint64>(interval, INT_MAX)));
}

QString WsTestClient::waitingFor() const
{
    if (m_config.mode == ClientConfig::Mode::EchoTest)
        return QStringLiteral("`closed` of request #%1").arg(m_sent);
    if (m_streams.tagged())
        return QStringLiteral("`closed` of ") + m_streams.describeOpen();
    return QStringLiteral("`closed`");
}

void WsTestClient::onTimeoutTimerTimeout()
{
    if (m_state == State::Connecting) {
        finish(ClientExit::timeout,
            QStringLiteral("cannot connect to proxy at %1: no answer within %2 ms")
                .arg(m_config.proxyUrl.toString())
                .arg(m_config.timeout));
    } else if (m_state == State::WaitingForClosed) {
        finish(ClientExit::timeout,
            QStringLiteral("timed out: no message from the proxy for %1 ms while waiting for %2")
                .arg(m_timeoutTimer.interval())
                .arg(waitingFor()));
    }
}

void WsTestClient::onPauseTimerTimeout()
{
    if (m_state == State::Pausing)
        sendNextEchoRequest();
}

void WsTestClient::onCancelTimerTimeout()
{
    if (m_state == State::Cancelling) {
        finish(ClientExit::interrupted,
            QStringLiteral("no `closed` within %1 ms after cancel; giving up")
                .arg(m_config.cancelGrace));
    } else if (m_state == State::Closing) {
        m_socket->abort();
        emitFinished();
    }
}

void WsTestClient::finish(int exitCode, const QString &reason)
{
    if (m_state == State::Closing || m_state == State::Finished)
        return;
    m_timeoutTimer.stop();
    m_pauseTimer.stop();
    m_cancelTimer.stop();
    m_exitCode = exitCode;
    if (!reason.isEmpty())
        writeErr(reason);
    qCDebug(lcWsClient) << "finishing with exit status" << exitCode;
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        // Close politely and let the proxy see it before the process goes away.
        m_state = State::Closing;
        m_cancelTimer.start(closeGraceMs);
        m_socket->close();
        return;
    }
    m_state = State::Closing;
    if (m_socket)
        m_socket->abort();
    emitFinished();
}

void WsTestClient::emitFinished()
{
    if (m_state != State::Closing)
        return;
    m_state = State::Finished;
    m_cancelTimer.stop();
    emit finished(m_exitCode);
}

void WsTestClient::writeOut(const QString &line)
{
    m_out->write(line.toUtf8() + '\n');
}

void WsTestClient::writeErr(const QString &line)
{
    m_err->write(line.toUtf8() + '\n');
}
