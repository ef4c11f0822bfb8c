#pragma once

#include "connectiongate.h"
#include "proxymetrics.h"
#include "proxytls.h"
#include "settings.h"

#include <QHash>
#include <QList>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWebSocketServer>

#include <memory>

class Admission;
class IncomingBudget;
class ClientSession;
class MonitorFeed;
class QTcpServer;
class QTcpSocket;
class UpstreamPool;

// The proxy: listens, routes connections (proxy endpoint, monitor feed, /healthz, /metrics),
// owns one ClientSession per WebSocket client and the pool through which all of them reach
// upstreams. Single-threaded: everything runs on the thread that owns the server.
class ProxyServer : public QObject
{
    Q_OBJECT

public:
    explicit ProxyServer(const Settings &settings, QObject *parent = nullptr);
    ~ProxyServer() override;

    // Starts listening on proxy.host:proxy.port (and admin.host:admin.port when set).
    bool listen(QString *error);
    quint16 port() const;
    quint16 adminPort() const;   // the port /healthz, /metrics and /monitor answer on
    QString proxyUrl() const;    // ws://host:port/path as bound (wss:// with proxy.tls)

    // Stops accepting, tells every client "proxy shutting down", closes the sockets, and emits
    // stopped() once they are gone (or after shutdownGraceMs).
    void shutdown();
    // What SIGTERM does: with proxy.drainSeconds, /healthz answers 503 at once while everything
    // else goes on as before (new clients too), so a load balancer stops sending clients here;
    // shutdown() follows when the time is up. Without it, or when already draining, shutdown()
    // at once (a second signal is the operator's "now").
    void drainThenShutdown();
    bool isAccepting() const { return m_accepting; }
    bool isDraining() const { return m_drainTimer.isActive(); }

    int sessionCount() const { return int(m_sessions.size()); }
    const QHash<quint64, ClientSession *> &sessions() const { return m_sessions; }
    const ProxyMetrics &metrics() const { return m_metrics; }
    const UpstreamPool &upstreamPool() const { return *m_pool; }
    const Settings &settings() const { return m_settings; }
    const MonitorFeed *monitorFeed() const { return m_monitorFeed; }

    static constexpr int shutdownGraceMs = 1500;

signals:
    void sessionOpened(ClientSession *session);
    void sessionClosed(quint64 id);
    void stopped();

private:
    bool listenOn(const QString &host, int port, const ConnectionGate::Routes &routes,
                  QList<QTcpServer *> *listeners, QString *error);
    void handOver(QTcpSocket *socket, QWebSocketServer *server);
    void onProxyWebSocketConnected();
    void onSessionClosed(quint64 id);
    void answerHealth(QTcpSocket *socket);
    void answerMetrics(QTcpSocket *socket);
    void finishShutdown();

    Settings m_settings;
    ProxyMetrics m_metrics;
    ProxyTls m_tls; // read before m_pool, which takes the upstream CAs from it
    UpstreamPool *m_pool;
    Admission *m_admission;
    std::unique_ptr<IncomingBudget> m_incomingBudget;
    QWebSocketServer m_proxySockets;
    QWebSocketServer m_monitorSockets;
    MonitorFeed *m_monitorFeed = nullptr; // null when admin.monitor is off
    QList<QTcpServer *> m_proxyListeners;
    QList<QTcpServer *> m_adminListeners;
    QHash<quint64, ClientSession *> m_sessions;
    // TCP sockets handed to m_proxySockets, by peer, until their WebSocket comes out of it
    // (Qt gives no way from a QWebSocket to the socket under it).
    QHash<std::pair<QHostAddress, quint16>, QPointer<QTcpSocket>> m_upgrading;
    quint64 m_nextSessionId = 1;
    bool m_accepting = false;
    bool m_stopped = false;
    QTimer m_shutdownTimer;
    QTimer m_drainTimer;
};
