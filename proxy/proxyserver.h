#pragma once

#include "connectiongate.h"
#include "proxymetrics.h"
#include "settings.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

class MonitorHub;
class ProxyWorker;
struct ProxyShared;
class QTcpServer;
class QTcpSocket;
class QThread;

// The proxy: listens, accepts on the main thread and hands each client connection to the
// worker with the fewest sessions (proxy.workers event loops, each on a thread of its own, or
// one on the main thread), serves the admin endpoints (/healthz, /metrics, /monitor) and the
// monitor hub, and stops everything on a signal. What a worker does: proxyworker.h.
class ProxyServer : public QObject
{
    Q_OBJECT

public:
    explicit ProxyServer(const Settings &settings, QObject *parent = nullptr);
    ~ProxyServer() override;

    // Starts listening on proxy.host:proxy.port (and admin.host:admin.port when set).
    bool listen(QString *error);
    quint16 port() const;
    quint16 adminPort() const; // the port /healthz, /metrics and /monitor answer on
    QString proxyUrl() const; // ws://host:port/path as bound (wss:// with proxy.tls)

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

    // Any of these from the main thread, whatever thread the workers run on.
    int sessionCount() const;
    // Connections holding a place under proxy.maxSessions: sessions, and upgrades in flight.
    int admittedConnections() const;
    ProxyMetrics metrics() const; // every worker's counters summed
    int workerCount() const { return int(m_workers.size()); }
    const ProxyWorker &worker(int index) const { return *m_workers[size_t(index)]; }
    const Settings &settings() const;
    const MonitorHub *monitorHub() const { return m_hub; }

    // Each worker's upstream pool, read on the worker's own thread (the caller waits a moment
    // for each): for tests and diagnostics, never on the relay path.
    struct PoolCounts
    {
        int activeStreams = 0;
        int managers = 0;
    };
    QList<PoolCounts> upstreamPoolCounts() const;
    int activeUpstreamStreams() const; // summed

    static constexpr int shutdownGraceMs = 1500;
    // proxy.workers 0: one per core.
    static int workerCountFor(const ProxySettings &settings);

signals:
    void sessionOpened(quint64 id);
    void sessionClosed(quint64 id);
    void stopped();

private:
    void startWorkers();
    bool listenOn(const QString &host, int port, const ConnectionGate::Routes *adminRoutes,
        QList<QTcpServer *> *listeners, QString *error);
    void handOver(qintptr descriptor);
    void onWorkerDrained();
    void finishShutdown();

    std::unique_ptr<ProxyShared> m_shared; // outlives every worker
    MonitorHub *m_hub = nullptr; // null when admin.monitor is off
    std::vector<ProxyWorker *> m_workers;
    std::vector<QThread *> m_threads; // empty with one worker: it runs on this thread
    QList<QTcpServer *> m_proxyListeners;
    QList<QTcpServer *> m_adminListeners;
    int m_drainedWorkers = 0;
    bool m_accepting = false;
    bool m_stopped = false;
    QTimer m_shutdownTimer;
    QTimer m_drainTimer;
};
