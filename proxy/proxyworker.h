#pragma once

#include "admission.h"
#include "browserclientfiles.h"
#include "connectiongate.h"
#include "incomingbudget.h"
#include "proxymetrics.h"
#include "proxytls.h"
#include "settings.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

class ClientSession;
class MonitorFeed;
class MonitorHub;
class QTcpSocket;
class QWebSocketServer;
class UpstreamPool;

// What every worker shares with the others and the main thread, for the life of the proxy:
// read-only, or safe from any thread (docs/ARCHITECTURE.md, "Workers").
struct ProxyShared
{
    enum class Health { Serving, Draining, ShuttingDown };

    explicit ProxyShared(const Settings &settings);

    // GET /healthz and /metrics, on whichever thread the request came in.
    void answerHealth(QTcpSocket *socket) const;
    void answerMetrics(QTcpSocket *socket) const;

    const Settings settings;
    const ProxyTls tls;
    Admission admission; // its counts are a mutex-guarded SessionQuota
    IncomingBudget incomingBudget; // an atomic total
    // /client.js and /demo, read-only once made; null when proxy.browserClient is off.
    const std::unique_ptr<const BrowserClientFiles> browserClient;
    std::atomic<Health> health { Health::Serving };
    // Every worker's counters summed: callable from any thread (they are MetricCounters).
    std::function<ProxyMetrics()> totalMetrics;
};

// One event loop's share of the clients: the connections the acceptor hands it (as descriptors),
// their gate (TLS handshake, request head, admission), the WebSocket upgrades, the sessions, the
// access manager their upstream requests go through, its own counters, and the monitor feed that
// watches its sessions. Nothing on the relay path is shared with another worker: every object
// here lives on the worker's thread, and only this thread touches them. With proxy.workers 1 the
// one worker lives on the main thread, as the proxy always did.
class ProxyWorker : public QObject
{
    Q_OBJECT

public:
    // Worker `index` of `count` numbers its sessions index+1, index+1+count, ...: unique in the
    // proxy, and the monitor finds a session's worker from its id.
    ProxyWorker(int index, int count, ProxyShared *shared, MonitorHub *hub);
    ~ProxyWorker() override;

    // On this worker's thread: a connection accept()ed for it by the acceptor.
    void adopt(qintptr descriptor);
    // On this worker's thread: every session gets "proxy shutting down"; drained() follows once
    // none is left.
    void shutdown();

    int index() const { return m_index; }
    // Open sessions plus connections handed over and not yet adopted: what the acceptor balances.
    // Any thread.
    int load() const { return m_sessionCount.load() + m_handedOver.load(); }
    int sessionCount() const { return m_sessionCount.load(); }
    void noteHandedOver() { ++m_handedOver; } // the acceptor's thread, before adopt() is queued
    const ProxyMetrics &metrics() const { return m_metrics; } // any thread: MetricCounters

    // This worker's thread only.
    const QHash<quint64, ClientSession *> &sessions() const { return m_sessions; }
    const UpstreamPool &upstreamPool() const { return *m_pool; }
    const Settings &settings() const { return m_shared->settings; }
    MonitorFeed *monitorFeed() const { return m_feed; } // null when admin.monitor is off

signals:
    void sessionStarted(ClientSession *session); // for this thread only (the monitor feed)
    void sessionOpened(quint64 id); // for anyone
    void sessionClosed(quint64 id);
    void drained();
    // A /monitor upgrade that came in on the clients' listener (no separate admin listener):
    // the socket has been moved to the main thread, where the monitor hub lives.
    void monitorConnection(QTcpSocket *socket);

private:
    void onProxyConnection(QTcpSocket *socket);
    void onWebSocketConnected();
    void onSessionClosed(quint64 id);
    void passToMainThread(QTcpSocket *socket);

    const int m_index;
    const int m_count;
    ProxyShared *m_shared;
    ProxyMetrics m_metrics;
    UpstreamPool *m_pool;
    ConnectionGate *m_gate;
    QWebSocketServer *m_webSockets;
    MonitorFeed *m_feed = nullptr;
    QHash<quint64, ClientSession *> m_sessions;
    // TCP sockets handed to m_webSockets, by peer, until their WebSocket comes out of it
    // (Qt gives no way from a QWebSocket to the socket under it).
    QHash<std::pair<QHostAddress, quint16>, QPointer<QTcpSocket>> m_upgrading;
    QHash<quint64, QPointer<QTcpSocket>> m_transports; // each session's, for its quota place
    quint64 m_nextSessionId;
    bool m_accepting = true;
    bool m_drained = false;
    std::atomic<int> m_sessionCount { 0 };
    std::atomic<int> m_handedOver { 0 };
};
