#include "monitorfeedclient.h"

#include "monitorlogging.h"

#include <QNetworkRequest>
#include <QUrlQuery>

MonitorFeedClient::MonitorFeedClient(QObject *parent)
    : QObject(parent)
{
    m_reconnectTimer.setSingleShot(true);
    m_pingTimer.setInterval(5000);

    connect(&m_socket, &QWebSocket::connected, this, &MonitorFeedClient::onSocketConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &MonitorFeedClient::onSocketDisconnected);
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
        &MonitorFeedClient::onSocketError);
    connect(&m_socket, &QWebSocket::textMessageReceived, this,
        &MonitorFeedClient::onSocketTextMessageReceived);
    connect(&m_socket, &QWebSocket::pong, this, &MonitorFeedClient::onSocketPong);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &MonitorFeedClient::onReconnectTimerTimeout);
    connect(&m_pingTimer, &QTimer::timeout, this, &MonitorFeedClient::onPingTimerTimeout);
}

void MonitorFeedClient::setEndpoint(const QUrl &url, const QString &token)
{
    m_url = url;
    m_token = token;
}

void MonitorFeedClient::setReconnectDelays(int initialMs, int maxMs)
{
    m_initialDelay = qMax(1, initialMs);
    m_maxDelay = qMax(m_initialDelay, maxMs);
    m_nextDelay = m_initialDelay;
}

void MonitorFeedClient::setPingInterval(int intervalMs)
{
    m_pingTimer.setInterval(qMax(10, intervalMs));
}

void MonitorFeedClient::start()
{
    // Not running while aborting: the synchronous disconnected() must not schedule a retry.
    m_running = false;
    if (m_socket.state() != QAbstractSocket::UnconnectedState)
        m_socket.abort();
    m_running = true;
    m_nextDelay = m_initialDelay;
    open();
}

void MonitorFeedClient::stop()
{
    m_running = false;
    m_reconnectTimer.stop();
    m_pingTimer.stop();
    m_socket.abort();
    setState(State::Disconnected);
}

void MonitorFeedClient::reconnectNow()
{
    start();
}

void MonitorFeedClient::open()
{
    m_reconnectTimer.stop();
    m_lastError.clear();
    if (!m_url.isValid() || (m_url.scheme() != u"ws" && m_url.scheme() != u"wss")) {
        m_lastError = tr("not a ws:// or wss:// URL: %1").arg(m_url.toString());
        qCWarning(lcMonitorFeed) << m_lastError;
        setState(State::Disconnected);
        return;
    }
    QUrl url = m_url;
    QNetworkRequest request;
    if (!m_token.isEmpty()) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("token"));
        query.addQueryItem(QStringLiteral("token"), m_token);
        url.setQuery(query);
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    }
    request.setUrl(url);
    qCDebug(lcMonitorFeed) << "connecting to" << m_url.toString();
    setState(State::Connecting);
    m_socket.open(request);
}

void MonitorFeedClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void MonitorFeedClient::scheduleReconnect(const QString &reason)
{
    m_pingTimer.stop();
    setState(State::Disconnected);
    if (!m_running || m_reconnectTimer.isActive())
        return;
    const int delay = m_nextDelay;
    m_nextDelay = qMin(m_maxDelay, m_nextDelay * 2);
    qCInfo(lcMonitorFeed) << "feed" << m_url.toString() << "lost:" << reason << "- retrying in"
                          << delay << "ms";
    m_reconnectTimer.start(delay);
    emit reconnectScheduled(delay, reason);
}

void MonitorFeedClient::send(const QString &text)
{
    if (m_state == State::Connected)
        m_socket.sendTextMessage(text);
}

void MonitorFeedClient::subscribe(qint64 sessionId)
{
    if (sessionId <= 0) {
        unsubscribe();
        return;
    }
    m_subscribed = sessionId;
    send(MonitorMessages::subscribe(sessionId));
}

void MonitorFeedClient::unsubscribe()
{
    if (m_subscribed == 0)
        return;
    m_subscribed = 0;
    send(MonitorMessages::unsubscribe());
}

void MonitorFeedClient::onSocketConnected()
{
    qCInfo(lcMonitorFeed) << "connected to" << m_url.toString();
    m_lastError.clear();
    m_nextDelay = m_initialDelay;
    m_awaitingPong = false;
    m_pingTimer.start();
    setState(State::Connected);
    // The subscription is renewed once the snapshot is in (onSocketTextMessageReceived): by
    // then the window knows whether the session still exists, and a session that ended
    // while we were away is dropped instead of being answered with an error.
    m_renewSubscription = true;
}

void MonitorFeedClient::onSocketDisconnected()
{
    // A refused connection reports its error() only after disconnected(): read it here.
    if (m_lastError.isEmpty() && m_socket.error() != QAbstractSocket::UnknownSocketError)
        m_lastError = m_socket.errorString();
    if (m_lastError.isEmpty()) {
        m_lastError = m_socket.closeReason().isEmpty()
            ? tr("connection closed (code %1)").arg(int(m_socket.closeCode()))
            : tr("connection closed: %1").arg(m_socket.closeReason());
    }
    scheduleReconnect(m_lastError);
}

void MonitorFeedClient::onSocketError(QAbstractSocket::SocketError error)
{
    Q_UNUSED(error);
    m_lastError = m_socket.errorString();
    // A failed attempt may not emit disconnected(); make sure a retry is scheduled either way.
    if (m_socket.state() == QAbstractSocket::UnconnectedState)
        scheduleReconnect(m_lastError);
}

void MonitorFeedClient::onSocketTextMessageReceived(const QString &text)
{
    QString error;
    const std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error);
    if (!message) {
        qCWarning(lcMonitorFeed) << "undecodable message from" << m_url.toString() << ":" << error;
        emit decodeFailed(error);
        return;
    }
    emit messageReceived(*message);
    if (message->type == MonitorMessage::Type::Snapshot && m_renewSubscription) {
        m_renewSubscription = false;
        if (m_subscribed > 0)
            send(MonitorMessages::subscribe(m_subscribed));
    }
}

void MonitorFeedClient::onSocketPong(quint64 elapsedTime, const QByteArray &payload)
{
    Q_UNUSED(elapsedTime);
    Q_UNUSED(payload);
    m_awaitingPong = false;
}

void MonitorFeedClient::onReconnectTimerTimeout()
{
    if (m_running)
        open();
}

void MonitorFeedClient::onPingTimerTimeout()
{
    if (m_awaitingPong) {
        m_lastError = tr("no answer to ping");
        qCWarning(lcMonitorFeed) << "feed" << m_url.toString() << "not answering pings";
        m_socket.abort();
        return;
    }
    m_awaitingPong = true;
    m_socket.ping();
}
