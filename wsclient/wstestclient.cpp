#include "wstestclient.h"

#include "tlsfiles.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QWebSocket>

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
        writeErr(QStringLiteral("🛑 Interrupted: cancelling request #%1").arg(m_sent));
        m_state = State::Cancelling;
        m_timeoutTimer.stop();
        m_socket->sendTextMessage(QStringLiteral(R"({"type":"cancel"})"));
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
        if (!m_config.json) {
            writeOut(TranscriptPrinter::requestLine(QString::fromLatin1(m_config.request.method),
                m_config.request.url().toString(QUrl::FullyEncoded)));
        }
        sendRequest(m_config.request);
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
    handleMessage(*message);
}

void WsTestClient::handleMessage(const ProxyMessages::Message &message)
{
    using Type = ProxyMessages::Message::Type;
    if (!m_config.json) {
        const QStringList lines = m_printer.format(message);
        for (const QString &line : lines)
            message.type == Type::Error ? writeErr(line) : writeOut(line);
    } else if (message.type == Type::Error) {
        writeErr(TranscriptPrinter::errorLine(message.text));
    }

    if (m_state != State::WaitingForClosed && m_state != State::Cancelling) {
        qCWarning(lcWsClient) << "message with no request in flight ignored, state" << m_state;
        return;
    }
    switch (message.type) {
    case Type::Error:
        m_errorSeen = true;
        break;
    case Type::Closed:
        handleClosed();
        return;
    default:
        break;
    }
    if (m_state == State::WaitingForClosed)
        armTimeout();
}

void WsTestClient::handleClosed()
{
    m_timeoutTimer.stop();
    if (m_state == State::Cancelling) {
        finish(ClientExit::interrupted);
        return;
    }
    const bool echo = m_config.mode == ClientConfig::Mode::EchoTest;
    if (m_errorSeen) {
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
    sendRequest(m_config.echoRequest(index));
}

void WsTestClient::sendRequest(const ProxyRequest &request)
{
    const QString text
        = QString::fromUtf8(QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact));
    ++m_sent;
    m_errorSeen = false;
    m_state = State::WaitingForClosed;
    qCDebug(lcWsClient) << "request" << m_sent << "sent:" << text;
    m_socket->sendTextMessage(text);
    armTimeout();
}

void WsTestClient::armTimeout()
{
    if (m_config.timeout > 0)
        m_timeoutTimer.start(m_config.timeout);
}

QString WsTestClient::waitingFor() const
{
    return m_config.mode == ClientConfig::Mode::EchoTest
        ? QStringLiteral("`closed` of request #%1").arg(m_sent)
        : QStringLiteral("`closed`");
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
                .arg(m_config.timeout)
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
