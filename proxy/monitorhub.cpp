#include "monitorhub.h"

#include "monitorfeed.h"
#include "peeraddress.h"
#include "proxyworker.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QWebSocket>

#include <algorithm>

Q_LOGGING_CATEGORY(lcProxyMonitor, "wssp.proxy.monitor", QtInfoMsg)

MonitorOutcome monitorOutcomeOf(RequestOutcome outcome)
{
    switch (outcome) {
    case RequestOutcome::Completed:
        return MonitorOutcome::Completed;
    case RequestOutcome::Rejected:
        return MonitorOutcome::Rejected;
    case RequestOutcome::UpstreamError:
        return MonitorOutcome::UpstreamError;
    case RequestOutcome::Timeout:
        return MonitorOutcome::Timeout;
    case RequestOutcome::Cancelled:
    case RequestOutcome::ClientGone:
        return MonitorOutcome::Cancelled;
    case RequestOutcome::ClientStalled:
        return MonitorOutcome::Stalled;
    case RequestOutcome::ShuttingDown:
        return MonitorOutcome::Shutdown;
    }
    return MonitorOutcome::Completed;
}

MonitorHub::MonitorHub(const ProxyShared *shared, QObject *parent)
    : QObject(parent)
    , m_shared(shared)
    , m_sockets(QStringLiteral("ws-sse-proxy monitor"), QWebSocketServer::NonSecureMode)
    , m_startedAt(QDateTime::currentMSecsSinceEpoch())
{
    m_sockets.setMaxPendingConnections(1 << 10);
    connect(&m_sockets, &QWebSocketServer::newConnection, this, &MonitorHub::onWebSocketConnected);
    connect(&m_totalsTimer, &QTimer::timeout, this,
        [this]() { takeMessage(m_monitors.keys(), MonitorMessages::totals(totals())); });
}

MonitorHub::~MonitorHub() = default; // the sockets are children

void MonitorHub::setFeeds(const QList<MonitorFeed *> &feeds)
{
    m_feeds = feeds;
}

template <typename Call> void MonitorHub::post(int worker, Call call)
{
    MonitorFeed *feed = m_feeds.value(worker);
    if (feed) // queued even on this thread: a feed's answers always come after its earlier ones
        QMetaObject::invokeMethod(
            feed, [feed, call]() { call(feed); }, Qt::QueuedConnection);
}

void MonitorHub::addConnection(QTcpSocket *socket)
{
    // One a worker passed here has no parent (moveToThread() wants none): it is the hub's, as
    // one from the admin listener is its gate's.
    if (!socket->parent())
        socket->setParent(this);
    m_sockets.handleConnection(socket);
}

void MonitorHub::onWebSocketConnected()
{
    while (QWebSocket *socket = m_sockets.nextPendingConnection()) {
        auto monitor = std::make_shared<Monitor>();
        monitor->id = m_nextId++;
        monitor->socket = socket;
        monitor->partsMissing = int(m_feeds.size());
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(64 * 1024);
        m_monitors.insert(monitor->id, monitor);
        Monitor *raw = monitor.get();
        const int id = monitor->id;
        connect(socket, &QWebSocket::textMessageReceived, this, [this, id](const QString &text) {
            if (const std::shared_ptr<Monitor> monitor = m_monitors.value(id))
                onMonitorMessage(monitor.get(), text);
        });
        // Queued: a socket may report disconnected() from inside close() or abort(), while a
        // loop over m_monitors is sending; the monitor must not vanish under it.
        connect(
            socket, &QWebSocket::disconnected, this, [this, id]() { removeMonitor(id); },
            Qt::QueuedConnection);
        qCInfo(lcProxyMonitor) << "monitor connected from"
                               << PeerAddress::text(socket->peerAddress());

        MonitorHello hello;
        hello.proxyVersion = QStringLiteral(WSSP_VERSION);
        hello.startedAt = m_startedAt;
        hello.serverTime = QDateTime::currentMSecsSinceEpoch();
        hello.settings = monitorSettingsSummary(m_shared->settings);
        send(raw, MonitorMessages::hello(hello));
        for (int worker = 0; worker < m_feeds.size(); ++worker)
            post(worker, [id](MonitorFeed *feed) { feed->addWatcher(id); });
        if (!m_totalsTimer.isActive())
            m_totalsTimer.start(totalsIntervalMs);
    }
}

void MonitorHub::takeSnapshotPart(int id, const QList<MonitorSession> &sessions)
{
    const std::shared_ptr<Monitor> monitor = m_monitors.value(id);
    if (!monitor || monitor->partsMissing == 0)
        return;
    monitor->sessions += sessions;
    if (--monitor->partsMissing > 0)
        return;
    std::sort(monitor->sessions.begin(), monitor->sessions.end(),
        [](const MonitorSession &a, const MonitorSession &b) { return a.id < b.id; });
    send(monitor.get(), MonitorMessages::snapshot(monitor->sessions, totals()));
    monitor->sessions.clear();
    const QStringList held = std::exchange(monitor->held, {});
    monitor->heldBytes = 0;
    for (const QString &message : held)
        send(monitor.get(), message);
}

void MonitorHub::takeMessage(const QList<int> &ids, const QString &message)
{
    for (int id : ids) {
        // Held by value: send() may drop the monitor.
        const std::shared_ptr<Monitor> monitor = m_monitors.value(id);
        if (!monitor)
            continue;
        if (monitor->partsMissing == 0) {
            send(monitor.get(), message);
            continue;
        }
        monitor->held.append(message);
        monitor->heldBytes += message.size() * qint64(sizeof(QChar));
        if (monitor->heldBytes > maxQueuedBytes) { // a worker that never answers: not for ever
            qCWarning(lcProxyMonitor) << "monitor's snapshot incomplete with" << monitor->heldBytes
                                      << "bytes held; dropping it";
            monitor->held.clear();
            monitor->heldBytes = 0;
            monitor->socket->abort();
        }
    }
}

void MonitorHub::onMonitorMessage(Monitor *monitor, const QString &text)
{
    QString error;
    const std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error);
    if (!message) {
        send(monitor, MonitorMessages::error(error));
        return;
    }
    switch (message->type) {
    case MonitorMessage::Type::Subscribe:
        subscribe(monitor, message->sessionId);
        break;
    case MonitorMessage::Type::Unsubscribe:
        if (monitor->followedWorker >= 0)
            post(monitor->followedWorker,
                [id = monitor->id](MonitorFeed *feed) { feed->unfollow(id); });
        monitor->followedWorker = -1;
        break;
    case MonitorMessage::Type::Ping:
        send(monitor, MonitorMessages::pong());
        break;
    default:
        send(monitor,
            MonitorMessages::error(QStringLiteral("type: \"%1\" is not a message a monitor sends")
                                       .arg(MonitorMessage::typeName(message->type))));
    }
}

void MonitorHub::subscribe(Monitor *monitor, qint64 sessionId)
{
    // Worker k of N numbers its sessions k+1, k+1+N, ... (ProxyWorker).
    if (sessionId <= 0 || m_feeds.isEmpty()) {
        send(monitor,
            MonitorMessages::error(QStringLiteral("subscribe: no session %1").arg(sessionId)));
        return;
    }
    const int worker = int((sessionId - 1) % m_feeds.size());
    const int id = monitor->id;
    if (monitor->followedWorker >= 0 && monitor->followedWorker != worker)
        post(monitor->followedWorker, [id](MonitorFeed *feed) { feed->unfollow(id); });
    monitor->followedWorker = worker;
    post(worker, [id, sessionId](MonitorFeed *feed) { feed->follow(id, sessionId); });
}

void MonitorHub::removeMonitor(int id)
{
    const std::shared_ptr<Monitor> monitor = m_monitors.take(id);
    if (!monitor)
        return;
    monitor->socket->deleteLater();
    for (int worker = 0; worker < m_feeds.size(); ++worker)
        post(worker, [id](MonitorFeed *feed) { feed->removeWatcher(id); });
    qCInfo(lcProxyMonitor) << "monitor disconnected;" << m_monitors.size() << "remain";
    if (m_monitors.isEmpty())
        m_totalsTimer.stop();
}

void MonitorHub::closeAll()
{
    for (const auto &monitor : std::as_const(m_monitors)) {
        if (monitor->socket->state() == QAbstractSocket::ConnectedState)
            monitor->socket->close(
                QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("proxy shutting down"));
    }
}

void MonitorHub::send(Monitor *monitor, const QString &message)
{
    QWebSocket *socket = monitor->socket;
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->sendTextMessage(message);
    if (socket->bytesToWrite() <= maxQueuedBytes)
        return;
    // A monitor that does not read must not make the proxy queue without limit.
    qCWarning(lcProxyMonitor) << "monitor not reading;" << socket->bytesToWrite()
                              << "bytes queued; dropping it";
    socket->close(
        QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("monitor not reading"));
    QTimer::singleShot(2000, socket, &QWebSocket::abort);
}

MonitorTotals MonitorHub::totals() const
{
    const ProxyMetrics metrics = m_shared->totalMetrics();
    MonitorTotals t;
    t.time = QDateTime::currentMSecsSinceEpoch();
    t.sessionsOpen = metrics.sessionsOpen;
    t.sessionsOpened = qint64(metrics.sessionsOpened);
    t.requestsActive = metrics.requestsActive;
    t.eventsRelayed = qint64(metrics.eventsRelayed);
    t.bytesIn = qint64(metrics.upstreamBytesReceived);
    t.bytesOut = qint64(metrics.clientBytesSent);
    for (int i = 0; i < requestOutcomeCount; ++i)
        t.requestsWith(monitorOutcomeOf(RequestOutcome(i))) += qint64(metrics.requests[size_t(i)]);
    return t;
}
