#pragma once

#include "monitormessages.h"

#include <QAbstractSocket>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

// The monitor's connection to the proxy's /monitor feed. Once started it stays connected:
// after a failed attempt or a drop it retries with exponential backoff (reconnectDelays()),
// and it pings the proxy with WebSocket ping frames, treating a missing pong as a drop. A
// subscription survives reconnects. Messages arrive decoded; undecodable ones are reported
// and skipped.
class MonitorFeedClient : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, Connecting, Connected };
    Q_ENUM(State)

    explicit MonitorFeedClient(QObject *parent = nullptr);

    // The token, when set, is sent both as `Authorization: Bearer` and as `?token=`.
    void setEndpoint(const QUrl &url, const QString &token);
    QUrl url() const { return m_url; }
    QString token() const { return m_token; }

    // Backoff: the first retry waits initialMs, each next one twice as long, up to maxMs.
    void setReconnectDelays(int initialMs, int maxMs);
    // A ping every intervalMs; no pong within another intervalMs closes and reconnects.
    void setPingInterval(int intervalMs);

    void start(); // connect now and keep connected
    void stop(); // disconnect and stay disconnected
    void reconnectNow();

    State state() const { return m_state; }
    QString lastError() const { return m_lastError; }
    // The delay before the next retry (for the status bar).
    int currentReconnectDelay() const { return m_nextDelay; }

    void subscribe(qint64 sessionId);
    void unsubscribe();
    qint64 subscribedSession() const { return m_subscribed; }

signals:
    void stateChanged(MonitorFeedClient::State state);
    void messageReceived(const MonitorMessage &message);
    void decodeFailed(const QString &error);
    // A retry is scheduled in delayMs (after an error or a drop).
    void reconnectScheduled(int delayMs, const QString &reason);

private:
    void open();
    void setState(State state);
    void scheduleReconnect(const QString &reason);
    void send(const QString &text);

    void onSocketConnected();
    void onSocketDisconnected();
    void onSocketError(QAbstractSocket::SocketError error);
    void onSocketTextMessageReceived(const QString &text);
    void onSocketPong(quint64 elapsedTime, const QByteArray &payload);
    void onReconnectTimerTimeout();
    void onPingTimerTimeout();

    QWebSocket m_socket;
    QTimer m_reconnectTimer;
    QTimer m_pingTimer;
    QUrl m_url;
    QString m_token;
    State m_state = State::Disconnected;
    QString m_lastError;
    bool m_running = false;
    bool m_awaitingPong = false;
    bool m_renewSubscription = false; // connected, snapshot not yet received
    int m_initialDelay = 500;
    int m_maxDelay = 10000;
    int m_nextDelay = 500;
    qint64 m_subscribed = 0;
};
