#include "proxyworker.h"

#include "clientsession.h"
#include "monitorfeed.h"
#include "proxymessages.h"
#include "tlslistener.h"
#include "upstreampool.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QWebSocket>
#include <QWebSocketServer>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcWorker, "wssp.proxy.worker", QtInfoMsg)

namespace {

Admission::Rules admissionRules(const Settings &settings)
{
    Admission::Rules rules;
    for (const QString &token : settings.proxy.authTokens)
        rules.clientTokens.append(token.toUtf8());
    rules.adminToken = settings.admin.token.toUtf8();
    for (const QString &origin : settings.proxy.allowedOrigins)
        rules.origins.append(origin.toLower().toUtf8());
    rules.maxSessions = settings.proxy.maxSessions;
    rules.maxSessionsPerAddress = settings.proxy.maxSessionsPerAddress;
    return rules;
}

UpstreamPool::Config upstreamConfig(const ProxySettings &proxy, const ProxyTls &tls)
{
    UpstreamPool::Config config;
    config.extraCaCertificates = tls.upstreamCas;
    config.client
        = proxy.upstreamClient == u"qt" ? UpstreamPool::Client::Qt : UpstreamPool::Client::Inline;
    config.inlineOptions.connectTimeoutMs = proxy.connectTimeout;
    config.inlineOptions.responseHeadTimeoutMs = proxy.responseHeadTimeout;
    config.inlineOptions.headLimits.maxHeadBytes = proxy.maxResponseHeadBytes;
    config.inlineOptions.headLimits.maxHeaderCount = proxy.maxResponseHeaders;
    if (proxy.upstreamPolicy != u"off") {
        // Settings::apply() has checked the lists; a bad list cannot reach this point.
        QString error;
        if (std::optional<UpstreamPolicy> policy
            = UpstreamPolicy::create(proxy.upstreamAllow, proxy.upstreamDeny, &error))
            config.inlineOptions.policy = std::make_shared<const UpstreamPolicy>(*policy);
    }
    return config;
}

} // namespace

ProxyShared::ProxyShared(const Settings &s)
    : settings(s)
    , tls(ProxyTls::load(s.proxy))
    , admission(admissionRules(s))
    , incomingBudget(s.proxy.maxIncomingBytes)
    , browserClient(s.proxy.browserClient
              ? std::make_unique<const BrowserClientFiles>(s.proxy.path.toUtf8())
              : nullptr)
{
}

void ProxyShared::answerHealth(QTcpSocket *socket) const
{
    switch (health.load()) {
    case Health::Serving:
        ConnectionGate::respond(socket, 200, "text/plain; charset=utf-8", "ok\n");
        return;
    case Health::Draining:
        ConnectionGate::respond(socket, 503, "text/plain; charset=utf-8", "draining\n");
        return;
    case Health::ShuttingDown:
        ConnectionGate::respond(socket, 503, "text/plain; charset=utf-8", "shutting down\n");
        return;
    }
}

void ProxyShared::answerMetrics(QTcpSocket *socket) const
{
    ConnectionGate::respond(
        socket, 200, "text/plain; version=0.0.4; charset=utf-8", totalMetrics().toPrometheus());
}

ProxyWorker::ProxyWorker(int index, int count, ProxyShared *shared, MonitorHub *hub)
    : m_index(index)
    , m_count(count)
    , m_shared(shared)
    , m_pool(new UpstreamPool(upstreamConfig(shared->settings.proxy, shared->tls), this))
    , m_webSockets(new QWebSocketServer(
          QStringLiteral("ws-sse-proxy"), QWebSocketServer::NonSecureMode, this))
    , m_nextSessionId(quint64(index) + 1)
{
    // Every handshaken socket is taken at once.
    m_webSockets->setMaxPendingConnections(1 << 20);
    connect(
        m_webSockets, &QWebSocketServer::newConnection, this, &ProxyWorker::onWebSocketConnected);

    const AdminSettings &admin = shared->settings.admin;
    ConnectionGate::Routes routes;
    routes.admission = &shared->admission;
    routes.proxyPath = shared->settings.proxy.path.toUtf8();
    routes.health = admin.health; // load balancers probe the clients' listener
    routes.browserClient = shared->browserClient.get(); // pages load it from where they connect
    if (admin.host.isEmpty()) { // no admin listener of its own: its routes are here too
        routes.metrics = admin.metrics;
        routes.monitor = admin.monitor;
    }
    m_gate = new ConnectionGate(routes, this);
    connect(m_gate, &ConnectionGate::proxyConnection, this, &ProxyWorker::onProxyConnection);
    connect(m_gate, &ConnectionGate::monitorConnection, this, &ProxyWorker::passToMainThread);
    connect(m_gate, &ConnectionGate::healthRequested, this,
        [this](QTcpSocket *socket) { m_shared->answerHealth(socket); });
    connect(m_gate, &ConnectionGate::metricsRequested, this,
        [this](QTcpSocket *socket) { m_shared->answerMetrics(socket); });
    connect(m_gate, &ConnectionGate::browserFileRequested, this,
        [this](QTcpSocket *socket, const QByteArray &path) {
            m_shared->browserClient->answer(socket, path);
        });
    if (admin.monitor)
        m_feed = new MonitorFeed(this, hub);
}

ProxyWorker::~ProxyWorker()
{
    // Sessions first: their upstream replies must go before the pool's managers, and they use
    // the metrics, a member that goes before QObject deletes children. Closed sessions still
    // waiting for their deleteLater() are children too.
    m_sessions.clear();
    qDeleteAll(findChildren<ClientSession *>(Qt::FindDirectChildrenOnly));
}

void ProxyWorker::adopt(qintptr descriptor)
{
    --m_handedOver;
    if (m_shared->tls.listener) {
        TlsListener::adopt(descriptor, *m_shared->tls.listener, ConnectionGate::headTimeoutMs, this,
            [this](QSslSocket *socket) { m_gate->take(socket); });
        return;
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcWorker) << "cannot take an accepted connection:" << socket->errorString();
        ::close(int(descriptor));
        delete socket;
        return;
    }
    m_gate->take(socket);
}

void ProxyWorker::onProxyConnection(QTcpSocket *socket)
{
    if (m_upgrading.size() >= 64) // failed handshakes leave entries behind
        m_upgrading.removeIf([](const auto &entry) { return entry.value().isNull(); });
    m_upgrading.insert({ socket->peerAddress(), socket->peerPort() }, socket);
    // The socket is the QWebSocket's from now on (Qt deletes it once it is closed, after
    // cutting every connection to it, so nobody may count on its destroyed()).
    m_webSockets->handleConnection(socket);
}

void ProxyWorker::passToMainThread(QTcpSocket *socket)
{
    QThread *main = QCoreApplication::instance()->thread();
    if (socket->thread() != main) {
        socket->setParent(nullptr);
        socket->moveToThread(main);
    }
    emit monitorConnection(socket);
}

void ProxyWorker::onWebSocketConnected()
{
    while (QWebSocket *socket = m_webSockets->nextPendingConnection()) {
        if (!m_accepting) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway,
                QString::fromUtf16(ProxyMessages::reasonShuttingDown));
            socket->deleteLater();
            continue;
        }
        const quint64 id = m_nextSessionId;
        m_nextSessionId += quint64(m_count);
        QTcpSocket *transport = m_upgrading.take({ socket->peerAddress(), socket->peerPort() });
        auto *session = new ClientSession(id, socket, transport, m_pool, m_shared->settings.proxy,
            &m_metrics, &m_shared->incomingBudget, this);
        m_sessions.insert(id, session);
        m_transports.insert(id, transport);
        ++m_sessionCount;
        connect(session, &ClientSession::closed, this, &ProxyWorker::onSessionClosed);
        emit sessionStarted(session);
        emit sessionOpened(id);
    }
}

void ProxyWorker::onSessionClosed(quint64 id)
{
    if (ClientSession *session = m_sessions.take(id)) {
        --m_sessionCount;
        session->deleteLater();
    }
    // Its place under proxy.maxSessions goes now: the socket itself may outlive the session.
    SessionQuota::giveBack(m_transports.take(id));
    emit sessionClosed(id);
    if (!m_accepting && m_sessions.isEmpty() && !m_drained) {
        m_drained = true;
        emit drained();
    }
}

void ProxyWorker::shutdown()
{
    if (!m_accepting)
        return;
    m_accepting = false;
    const QList<ClientSession *> sessions = m_sessions.values();
    for (ClientSession *session : sessions)
        session->shutdown();
    if (m_sessions.isEmpty() && !m_drained) {
        m_drained = true;
        emit drained();
    }
}
