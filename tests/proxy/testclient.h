#pragma once

#include "proxymessages.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QWebSocket>

#include <optional>

// A WebSocket client for the proxy's tests: records every message it receives, decoded.
class TestClient : public QObject
{
    Q_OBJECT

public:
    explicit TestClient(QObject *parent = nullptr);

    QWebSocket &socket() { return m_socket; }
    void open(const QString &url) { m_socket.open(QUrl(url)); }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QJsonObject &object);
    void sendText(const QString &text) { m_socket.sendTextMessage(text); }

    const QList<ProxyMessages::Message> &messages() const { return m_messages; }
    const QStringList &rawMessages() const { return m_raw; }
    int count(ProxyMessages::Message::Type type) const;
    QList<ProxyMessages::Message> ofType(ProxyMessages::Message::Type type) const;
    QList<SseEvent> events() const;
    // Message types in arrival order, e.g. "connected,sse-event,closed".
    QString sequence() const;
    // The same for the messages of one request id (an empty id: the requests without one).
    QString sequenceOf(const std::optional<QString> &id) const;
    QList<SseEvent> eventsOf(const QString &id) const;
    int decodeErrors() const { return m_decodeErrors; }
    void clear();

signals:
    void messageReceived();

private:
    QWebSocket m_socket;
    QList<ProxyMessages::Message> m_messages;
    QStringList m_raw;
    int m_decodeErrors = 0;
};

// A request object for the test upstream on loopback.
QJsonObject upstreamRequest(
    quint16 port, const QString &path, const QString &method = QStringLiteral("GET"));
