#pragma once

#include "httprequesthead.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>

// A well-behaved upstream HTTP server for the proxy's integration tests, listening on port 0 of
// 127.0.0.1: each request path maps to a handler that writes the response through an Exchange
// (SSE bodies, statuses, ticking and flooding streams); every request is recorded exactly as it
// arrived (method, target, headers, body). Exact bytes no real server would send are
// RawUpstream's job.
class TestUpstream : public QObject
{
    Q_OBJECT

public:
    struct Recorded
    {
        QByteArray method;
        QByteArray target;
        HttpHeaderList headers;
        QByteArray body;
        QByteArray header(QByteArrayView name) const;
        bool hasHeader(QByteArrayView name) const;
    };

    // One request/response on one connection.
    class Exchange : public QObject
    {
    public:
        Exchange(QTcpSocket *socket, Recorded request, QObject *parent);
        QTcpSocket *socket() const { return m_socket; }
        const Recorded &request() const { return m_request; }
        bool isOpen() const;

        // `Connection: close` framing: the body ends when the connection does.
        void writeHead(
            int status, const HttpHeaderList &headers = {}, const QByteArray &reason = "OK");
        // Chunked framing: end() sends the final chunk; reset() breaks off mid-body.
        void writeChunkedHead(int status, const HttpHeaderList &headers = {});
        void write(const QByteArray &bytes);
        void end();
        void reset();

    private:
        QPointer<QTcpSocket> m_socket; // deleted when the peer leaves; the exchange may outlive it
        Recorded m_request;
        bool m_chunked = false;
    };

    using Handler = std::function<void(Exchange *)>;

    explicit TestUpstream(QObject *parent = nullptr);
    quint16 port() const { return m_server.serverPort(); }
    void route(const QByteArray &path, Handler handler)
    {
        m_routes.insert(path, std::move(handler));
    }

    const QList<Recorded> &requests() const { return m_requests; }
    int openConnections() const { return m_openConnections; }
    qint64 bytesWritten() const { return m_bytesWritten; }
    void addBytesWritten(qint64 n) { m_bytesWritten += n; }

    // Common handlers.
    static Handler sse(const QByteArray &body, const HttpHeaderList &extraHeaders = {});
    static Handler status(int code, const QByteArray &reason, const QByteArray &contentType,
        const QByteArray &body, const HttpHeaderList &extraHeaders = {});
    // Sends `event` every `intervalMs` until the client leaves.
    static Handler ticking(int intervalMs);
    // Writes events as fast as the socket drains (keeps ~256 KiB queued) until the client leaves.
    Handler flood(int payloadBytes);
    // Sends headers and nothing more: the connection stays open and silent.
    static Handler silent();

signals:
    void requestReceived(const TestUpstream::Recorded &request);
    void connectionClosed();

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QByteArray, Handler> m_routes;
    QList<Recorded> m_requests;
    int m_openConnections = 0;
    qint64 m_bytesWritten = 0;
};
