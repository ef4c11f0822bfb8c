#include "proxyserver.h"

#include "acceptor.h"
#include "eventdispatchers.h"
#include "hostport.h"
#include "listenaddresses.h"
#include "monitorhub.h"
#include "proxyworker.h"
#include "tlslistener.h"
#include "upstreampool.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

Q_LOGGING_CATEGORY(lcServer, "wssp.proxy.server", QtInfoMsg)

ProxyServer::ProxyServer(const Settings &settings, QObject *parent)
    : QObject(parent)
    , m_shared(std::make_unique<ProxyShared>(settings))
{
    m_shared->totalMetrics = [this]() { return metrics(); };
    if (settings.admin.monitor)
        m_hub = new MonitorHub(m_shared.get(), this);
    startWorkers();
    m_shutdownTimer.setSingleShot(true);
    connect(&m_shutdownTimer, &QTimer::timeout, this, &ProxyServer::finishShutdown);
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, &ProxyServer::shutdown);
}

ProxyServer::~ProxyServer()
{
    // Each worker goes on its own thread as that thread finishes (sessions before the pool they
    // use); all of them before the shared state they read.
    for (QThread *thread : m_threads) {
        thread->quit();
        thread->wait();
    }
    qDeleteAll(m_threads);
    if (m_threads.empty())
        qDeleteAll(m_workers);
    m_workers.clear();
    delete m_hub; // its sockets before the shared settings it quotes
    m_hub = nullptr;
}

int ProxyServer::workerCountFor(const ProxySettings &settings)
{
    return settings.workers > 0 ? settings.workers : qMax(1, QThread::idealThreadCount());
}

void ProxyServer::startWorkers()
{
    const int count = workerCountFor(m_shared->settings.proxy);
    // Settings::validate() accepted the name (or listen() will refuse to start).
    const EventDispatcherKind kind
        = parseEventDispatcherKind(m_shared->settings.proxy.eventDispatcher)
              .value_or(EventDispatcherKind::Qt);
    QList<MonitorFeed *> feeds;
    for (int i = 0; i < count; ++i) {
        auto *worker = new ProxyWorker(i, count, m_shared.get(), m_hub);
        m_workers.push_back(worker);
        feeds.append(worker->monitorFeed());
        connect(worker, &ProxyWorker::sessionOpened, this, &ProxyServer::sessionOpened);
        connect(worker, &ProxyWorker::sessionClosed, this, &ProxyServer::sessionClosed);
        connect(worker, &ProxyWorker::drained, this, &ProxyServer::onWorkerDrained);
        if (m_hub)
            connect(worker, &ProxyWorker::monitorConnection, m_hub, &MonitorHub::addConnection);
        if (count == 1)
            break; // today's single thread: the worker lives here
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("worker %1").arg(i));
        if (QAbstractEventDispatcher *dispatcher = createEventDispatcher(kind))
            thread->setEventDispatcher(dispatcher);
        worker->moveToThread(thread);
        // On the worker's thread as it finishes: the worker, then what its sessions left to
        // deleteLater() (their sockets), which no event loop would run any more.
        connect(
            thread, &QThread::finished, worker,
            [worker]() {
                delete worker;
                QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
            },
            Qt::DirectConnection);
        m_threads.push_back(thread);
        thread->start();
    }
    if (m_hub)
        m_hub->setFeeds(feeds);
}

bool ProxyServer::listen(QString *error)
{
    // Settings built in code (tests, embedders) get the same checks as a file.
    const Settings &settings = m_shared->settings;
    if (!settings.validate(error))
        return false;
    if (!m_shared->tls.error.isEmpty()) {
        *error = m_shared->tls.error;
        return false;
    }
    const AdminSettings &admin = settings.admin;
    ConnectionGate::Routes adminRoutes;
    adminRoutes.admission = &m_shared->admission;
    adminRoutes.health = admin.health;
    adminRoutes.metrics = admin.metrics;
    adminRoutes.monitor = admin.monitor;

    // Without an admin listener of its own, the workers' gates route the admin paths too.
    if (!listenOn(settings.proxy.host, settings.proxy.port, nullptr, &m_proxyListeners, error))
        return false;
    if (!admin.host.isEmpty()
        && !listenOn(admin.host, admin.port, &adminRoutes, &m_adminListeners, error))
        return false;
    m_accepting = true;
    qCInfo(lcServer).noquote() << QStringLiteral("workers: %1 %2 (proxy.workers %3)")
                                      .arg(m_workers.size())
                                      .arg(m_threads.empty()
                                              ? QStringLiteral("on the main thread")
                                              : QStringLiteral("threads, the main thread accepts"))
                                      .arg(settings.proxy.workers == 0
                                              ? QStringLiteral("0: one per core")
                                              : QString::number(settings.proxy.workers));
    return true;
}

// `adminRoutes` null: the clients' listener, whose connections go to the workers.
bool ProxyServer::listenOn(const QString &host, int port, const ConnectionGate::Routes *adminRoutes,
    QList<QTcpServer *> *listeners, QString *error)
{
    const std::optional<ListenAddresses::Plan> plan = ListenAddresses::resolve(host, error);
    if (!plan)
        return false;
    const QList<QTcpServer *> bound = ListenAddresses::listen(
        *plan, quint16(port),
        [this] {
            QTcpServer *listener
                = TlsListener::create(m_shared->tls.listener, ConnectionGate::headTimeoutMs, this);
            listener->setListenBacklogSize(1024);
            listener->setMaxPendingConnections(1 << 20);
            return listener;
        },
        error);
    if (bound.isEmpty())
        return false;
    for (QTcpServer *listener : bound) {
        auto *acceptor = new Acceptor(listener, listener); // out of descriptors: pause, not spin
        if (adminRoutes) {
            auto *gate = new ConnectionGate(*adminRoutes, listener);
            gate->watch(listener);
            if (m_hub)
                connect(
                    gate, &ConnectionGate::monitorConnection, m_hub, &MonitorHub::addConnection);
            connect(gate, &ConnectionGate::healthRequested, this,
                [this](QTcpSocket *socket) { m_shared->answerHealth(socket); });
            connect(gate, &ConnectionGate::metricsRequested, this,
                [this](QTcpSocket *socket) { m_shared->answerMetrics(socket); });
        } else {
            acceptor->setDelivery([this](qintptr descriptor) { handOver(descriptor); });
        }
        listeners->append(listener);
    }
    return true;
}

void ProxyServer::handOver(qintptr descriptor)
{
    // The fewest sessions, counting connections handed over and not yet taken: a burst of
    // connects spreads at once, before any of them is a session.
    ProxyWorker *worker = m_workers.front();
    for (ProxyWorker *candidate : m_workers) {
        if (candidate->load() < worker->load())
            worker = candidate;
    }
    worker->noteHandedOver();
    QMetaObject::invokeMethod(
        worker, [worker, descriptor]() { worker->adopt(descriptor); }, Qt::QueuedConnection);
}

quint16 ProxyServer::port() const
{
    return m_proxyListeners.isEmpty() ? 0 : m_proxyListeners.first()->serverPort();
}

quint16 ProxyServer::adminPort() const
{
    return m_adminListeners.isEmpty() ? port() : m_adminListeners.first()->serverPort();
}

QString ProxyServer::proxyUrl() const
{
    const Settings &settings = m_shared->settings;
    return QStringLiteral("%1://%2:%3%4")
        .arg(m_shared->tls.listener ? QStringLiteral("wss") : QStringLiteral("ws"),
            HostPort::urlHost(HostPort::reachableHost(settings.proxy.host)))
        .arg(port())
        .arg(settings.proxy.path);
}

const Settings &ProxyServer::settings() const
{
    return m_shared->settings;
}

int ProxyServer::sessionCount() const
{
    int count = 0;
    for (const ProxyWorker *worker : m_workers)
        count += worker->sessionCount();
    return count;
}

int ProxyServer::admittedConnections() const
{
    return m_shared->admission.sessions();
}

ProxyMetrics ProxyServer::metrics() const
{
    ProxyMetrics sum;
    for (const ProxyWorker *worker : m_workers)
        sum += worker->metrics();
    return sum;
}

QList<ProxyServer::PoolCounts> ProxyServer::upstreamPoolCounts() const
{
    QList<PoolCounts> result;
    for (ProxyWorker *worker : m_workers) {
        PoolCounts counts;
        const auto read = [worker, &counts]() {
            counts
                = { worker->upstreamPool().activeStreams(), worker->upstreamPool().managerCount() };
        };
        if (worker->thread() == QThread::currentThread())
            read();
        else
            QMetaObject::invokeMethod(worker, read, Qt::BlockingQueuedConnection);
        result.append(counts);
    }
    return result;
}

int ProxyServer::activeUpstreamStreams() const
{
    int sum = 0;
    for (const PoolCounts &counts : upstreamPoolCounts())
        sum += counts.activeStreams;
    return sum;
}

void ProxyServer::drainThenShutdown()
{
    if (!m_accepting)
        return;
    const int seconds = m_shared->settings.proxy.drainSeconds;
    if (seconds == 0 || isDraining()) {
        shutdown();
        return;
    }
    m_shared->health = ProxyShared::Health::Draining;
    qCInfo(lcServer).noquote() << QStringLiteral(
        "draining: /healthz answers 503, %1 sessions go on; shutting down in "
        "%2 s (proxy.drainSeconds), or at once on another signal")
                                      .arg(sessionCount())
                                      .arg(seconds);
    m_drainTimer.start(seconds * 1000);
}

void ProxyServer::shutdown()
{
    if (!m_accepting)
        return;
    m_drainTimer.stop();
    m_accepting = false;
    m_shared->health = ProxyShared::Health::ShuttingDown;
    qCInfo(lcServer) << "shutting down:" << sessionCount() << "sessions open";
    for (QTcpServer *listener : m_proxyListeners + m_adminListeners) {
        delete listener->findChild<Acceptor *>(); // its notifier watches the descriptor closed next
        listener->close();
    }
    // Queued even for a worker on this thread: drained() comes after shutdown() returns.
    for (ProxyWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &ProxyWorker::shutdown, Qt::QueuedConnection);
    if (m_hub)
        m_hub->closeAll();
    m_shutdownTimer.start(shutdownGraceMs);
}

void ProxyServer::onWorkerDrained()
{
    if (++m_drainedWorkers == int(m_workers.size()))
        finishShutdown();
}

void ProxyServer::finishShutdown()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_shutdownTimer.stop();
    emit stopped();
}
