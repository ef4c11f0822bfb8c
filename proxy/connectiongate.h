#pragma once

#include "httprequesthead.h"

#include <QByteArray>
#include <QObject>
#include <QString>

class Admission;
class BrowserClientFiles;
class QTcpServer;
class QTcpSocket;

// Routes each connection a listener accepts by its HTTP request head, before any WebSocket
// upgrade: QWebSocketServer alone would only learn the path after answering 101.
// The head is peeked, not read, so the WebSocket handshake still sees all of it.
// Accepted sockets get TCP_NODELAY (without it, Nagle and delayed ACKs stall small messages).
class ConnectionGate : public QObject
{
    Q_OBJECT

public:
    struct Routes
    {
        QByteArray proxyPath; // empty: no proxy endpoint on this listener
        bool health = false; // GET /healthz
        bool metrics = false; // GET /metrics
        bool monitor = false; // WebSocket /monitor
        // GET /client.js, /demo and the demo's files; null: not served (proxy.browserClient)
        const BrowserClientFiles *browserClient = nullptr;
        Admission *admission = nullptr; // decides who may pass (must outlive the gate)
    };

    static constexpr int headTimeoutMs = 10000;

    ConnectionGate(const Routes &routes, QObject *parent = nullptr);

    // Every connection `listener` makes ready (a TLS one after its handshake) goes to take().
    void watch(QTcpServer *listener);
    // A connection to inspect; the gate owns it until it is routed or refused.
    void take(QTcpSocket *socket);

    // Writes a complete HTTP/1.1 response and closes the connection once it is sent.
    static void respond(QTcpSocket *socket, int status, const QByteArray &contentType,
        const QByteArray &body, const QByteArray &extraHeaders = QByteArray());

signals:
    // The socket is still unread: hand it to QWebSocketServer::handleConnection().
    void proxyConnection(QTcpSocket *socket);
    void monitorConnection(QTcpSocket *socket);
    // GET /healthz or /metrics: the receiver answers with respond().
    void healthRequested(QTcpSocket *socket);
    void metricsRequested(QTcpSocket *socket);
    // GET of a path Routes::browserClient serves: the receiver answers with its answer().
    void browserFileRequested(QTcpSocket *socket, const QByteArray &path);

private:
    void inspect(QTcpSocket *socket);
    void route(QTcpSocket *socket, const HttpRequestHead &head);
    // Answers a refusal (true) or lets the connection through (false).
    bool refused(QTcpSocket *socket, const HttpRequestHead &head, int status,
        const QByteArray &message, const QByteArray &extraHeaders);

    Routes m_routes;
};
