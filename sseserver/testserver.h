#pragma once

#include "settings.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>

#include <optional>

class HttpConnection;
class QTcpServer;

// The test SSE server: listens, gives each accepted socket an HttpConnection, and keeps count
// of them so tests (and the shutdown path) can see that clients who left cost nothing.
// All connections share the one event loop of the thread the server lives in.
class TestServer : public QObject
{
    Q_OBJECT

public:
    explicit TestServer(const TestServerSettings &settings, QObject *parent = nullptr);
    ~TestServer() override;

    // Listens on `host` (what it means: ListenAddresses, one rule for the suite) and `port`
    // (0 = a free port, the same on every address). False with `error` set, e.g.
    // "port 8081 on localhost is already in use".
    bool listen(const QString &host, quint16 port, QString *error);
    bool isListening() const { return !m_listeners.isEmpty(); }
    quint16 serverPort() const { return m_port; }

    // How long a new connection may take to send its whole request before it gets 408
    // (default HttpConnection::defaultRequestTimeoutMs); applies to later connections.
    void setRequestTimeout(int ms) { m_requestTimeoutMs = ms; }

    // Serve https with this configuration (TlsFiles::serverConfiguration()); applies from the
    // next listen(). A client's TLS handshake counts against its request timeout.
    void setTls(const QSslConfiguration &configuration) { m_tls = configuration; }
    bool isTls() const { return m_tls.has_value(); }

    // Stops listening and drops every connection.
    void close();

    int connectionCount() const { return int(m_connections.size()); }
    // Connections whose response is still being sent (streams in progress).
    int activeStreamCount() const;
    // Running timers across all connections: pacing timers of streams, request timeouts.
    int activeTimerCount() const;

signals:
    void connectionCountChanged(int count);

private:
    void onListenerNewConnection(QTcpServer *listener);
    void onConnectionFinished(HttpConnection *connection);

    TestServerSettings m_settings;
    QList<QTcpServer *> m_listeners;
    QList<HttpConnection *> m_connections;
    quint16 m_port = 0;
    quint64 m_nextId = 1;
    int m_requestTimeoutMs;
    std::optional<QSslConfiguration> m_tls;
};
