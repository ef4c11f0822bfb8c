#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QWebSocket>
#include <QWebSocketServer>

// A stand-in for the proxy's /monitor endpoint: a QWebSocketServer on a loopback port 0 that
// sends `greeting` to every new connection and records what monitors send.
class FakeFeedServer : public QObject
{
    Q_OBJECT

public:
    explicit FakeFeedServer(QObject *parent = nullptr)
        : QObject(parent)
        , m_server(QStringLiteral("fake-monitor-feed"), QWebSocketServer::NonSecureMode)
    {
        connect(&m_server, &QWebSocketServer::newConnection, this,
            &FakeFeedServer::onServerNewConnection);
    }

    bool listen(quint16 port = 0) { return m_server.listen(QHostAddress::LocalHost, port); }
    void close() { m_server.close(); }
    quint16 port() const { return m_server.serverPort(); }
    QUrl url() const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/monitor").arg(m_server.serverPort()));
    }

    void setGreeting(const QStringList &messages) { m_greeting = messages; }
    int connectionCount() const { return m_connections; }
    const QStringList &received() const { return m_received; }
    QString lastRequestPath() const { return m_lastPath; }
    QString lastAuthorization() const { return m_lastAuthorization; }

    // Sends to the most recent live connection.
    void send(const QString &message)
    {
        if (m_current)
            m_current->sendTextMessage(message);
    }
    // Drops the current connection abruptly, as a crashed proxy would.
    void dropCurrent()
    {
        if (m_current)
            m_current->abort();
    }

signals:
    void messageReceived(const QString &message);

private:
    void onServerNewConnection()
    {
        while (QWebSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            m_lastPath = socket->requestUrl().path();
            m_lastAuthorization = QString::fromUtf8(socket->request().rawHeader("Authorization"));
            socket->setParent(this);
            m_current = socket;
            connect(socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
                m_received.append(text);
                emit messageReceived(text);
            });
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            for (const QString &m : std::as_const(m_greeting))
                socket->sendTextMessage(m);
        }
    }

    QWebSocketServer m_server;
    QPointer<QWebSocket> m_current;
    QStringList m_greeting;
    QStringList m_received;
    QString m_lastPath;
    QString m_lastAuthorization;
    int m_connections = 0;
};
