#include "proxyserver.h"

#include "acceptor.h"
#include "admission.h"
#include "clientsession.h"
#include "incomingbudget.h"
#include "monitorfeed.h"
#include "proxymessages.h"
#include "tlslistener.h"
#include "upstreampool.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcServer, "wssp.proxy.server", QtInfoMsg)

namespace {

// "localhost" means both loopback addresses: clients may resolve it to either.
QList<QHostAddress> listenAddresses(const QString &host)
{
    if (host.isEmpty() || host == u"localhost")
        return { QHostAddress(QHostAddress::LocalHost), QHostAddress(QHostAddress::LocalHostIPv6) };
    if (host == u"*" || host == u"0.0.0.0")
        return { QHostAddress(QHostAddress::AnyIPv4) };
    if (host == u"::")
        return { QHostAddress(QHostAddress::Any) };
    QHostAddress literal;
    if (literal.setAddress(host))
        return { literal };
    const QList<QHostAddress> resolved = QHostInfo::fromName(host).addresses();
    return resolved.isEmpty() ? QList<QHostAddress>() : QList<QHostAddress> { resolved.first() };
}

UpstreamPool::Config upstreamConfig(const ProxySettings &proxy, const ProxyTls &tls)
{
    UpstreamPool::Config config;
    config.extraCaCertificates = tls.upstreamCas;
    config.client = proxy.upstreamClient == u"qt" ? UpstreamPool::Client::Qt : UpstreamPool::Client::Inline;
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

} // namespace

ProxyServer::ProxyServer(const Settings &settings, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_tls(ProxyTls::load(settings.proxy)),
      m_pool(new UpstreamPool(upstreamConfig(settings.proxy, m_tls), this)),
      m_admission(new Admission(admissionRules(settings), this)),
      m_incomingBudget(std::make_unique<IncomingBudget>(settings.proxy.maxIncomingBytes)),
      m_proxySockets(QStringLiteral("ws-sse-proxy"), QWebSocketServer::NonSecureMode),
      m_monitorSockets(QStringLiteral("ws-sse-proxy monitor"), QWebSocketServer::NonSecureMode)
{
    // Connections arrive through handleConnection() from our own gate; these sockets never
    // listen themselves, and every handshaken socket is taken at once.
    m_proxySockets.setMaxPendingConnections(1 << 20);
    connect(&m_proxySockets, &QWebSocketServer::newConnection, this,
            &ProxyServer::onProxyWebSocketConnected);
    if (m_settings.admin.monitor) {
        m_monitorFeed = new MonitorFeed(this);
        m_monitorSockets.setMaxPendingConnections(1 << 10);
        connect(&m_monitorSockets, &QWebSocketServer::newConnection, this, [this]() {
            while (QWebSocket *socket = m_monitorSockets.nextPendingConnection())
                m_monitorFeed->addMonitor(socket);
        });
    }
    m_shutdownTimer.setSingleShot(true);
    connect(&m_shutdownTimer, &QTimer::timeout, this, &ProxyServer::finishShutdown);
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, &ProxyServer::shutdown);
}

ProxyServer::~ProxyServer()
{
    // Sessions first: their upstream replies must go before the pool's managers, and they use
    // the metrics and the incoming budget, members that go before QObject deletes children.
    // Closed sessions still waiting for their deleteLater() are children too.
    m_sessions.clear();
    qDeleteAll(findChildren<ClientSession *>(Qt::FindDirectChildrenOnly));
}

bool ProxyServer::listen(QString *error)
{
    // Settings built in code (tests, embedders) get the same checks as a file.
    if (!m_settings.validate(error))
        return false;
    if (!m_tls.error.isEmpty()) {
        *error = m_tls.error;
        return false;
    }
    const AdminSettings &admin = m_settings.admin;
    const bool separateAdmin = !admin.host.isEmpty();

    ConnectionGate::Routes proxyRoutes;
    proxyRoutes.admission = m_admission;
    proxyRoutes.proxyPath = m_settings.proxy.path.toUtf8();
    // Load balancers probe the clients' listener; the answer tells nothing about anyone.
    proxyRoutes.health = admin.health;
    ConnectionGate::Routes adminRoutes;
    adminRoutes.admission = m_admission;
    adminRoutes.health = admin.health;
    adminRoutes.metrics = admin.metrics;
    adminRoutes.monitor = admin.monitor && m_monitorFeed;
    if (!separateAdmin) {
        proxyRoutes.health = adminRoutes.health;
        proxyRoutes.metrics = adminRoutes.metrics;
        proxyRoutes.monitor = adminRoutes.monitor;
    }

    if (!listenOn(m_settings.proxy.host, m_settings.proxy.port, proxyRoutes, &m_proxyListeners, error))
        return false;
    if (separateAdmin
        && !listenOn(admin.host, admin.port, adminRoutes, &m_adminListeners, error))
        return false;
    m_accepting = true;
    return true;
}

bool ProxyServer::listenOn(const QString &host, int port, const ConnectionGate::Routes &routes,
                           QList<QTcpServer *> *listeners, QString *error)
{
    const QList<QHostAddress> addresses = listenAddresses(host);
    if (addresses.isEmpty()) {
        *error = QStringLiteral("cannot resolve host \"%1\"").arg(host);
        return false;
    }
    quint16 boundPort = quint16(port);
    bool anyBound = false;
    for (const QHostAddress &address : addresses) {
        QTcpServer *listener = TlsListener::create(m_tls.listener, ConnectionGate::headTimeoutMs, this);
        listener->setListenBacklogSize(1024);
        listener->setMaxPendingConnections(1 << 20);
        if (!listener->listen(address, boundPort)) {
            const QString reason = listener->serverError() == QAbstractSocket::AddressInUseError
                    ? QStringLiteral("port %1 on %2 is already in use").arg(boundPort).arg(host)
                    : QStringLiteral("cannot listen on %1:%2: %3")
                              .arg(address.toString())
                              .arg(boundPort)
                              .arg(listener->errorString());
            delete listener;
            // The first address must work; a second loopback (e.g. no IPv6) is optional.
            if (!anyBound) {
                *error = reason;
                return false;
            }
            qCInfo(lcServer).noquote() << "also listening on" << address.toString() << "failed:" << reason;
            continue;
        }
        boundPort = listener->serverPort();
        anyBound = true;
        new Acceptor(listener, listener); // out of descriptors: pause, not spin (acceptor.h)
        auto *gate = new ConnectionGate(listener, routes, listener);
        connect(gate, &ConnectionGate::proxyConnection, this, [this](QTcpSocket *socket) {
            if (m_upgrading.size() >= 64) // failed handshakes leave entries behind
                m_upgrading.removeIf([](const auto &entry) { return entry.value().isNull(); });
            m_upgrading.insert({ socket->peerAddress(), socket->peerPort() }, socket);
            handOver(socket, &m_proxySockets);
        });
        connect(gate, &ConnectionGate::monitorConnection, this,
                [this](QTcpSocket *socket) { handOver(socket, &m_monitorSockets); });
        connect(gate, &ConnectionGate::healthRequested, this, &ProxyServer::answerHealth);
        connect(gate, &ConnectionGate::metricsRequested, this, &ProxyServer::answerMetrics);
        listeners->append(listener);
    }
    return true;
}

void ProxyServer::handOver(QTcpSocket *socket, QWebSocketServer *server)
{
    // The socket is the QWebSocket's from now on (Qt deletes it once it is closed, after
    // cutting every connection to it, so nobody may count on its destroyed()).
    server->handleConnection(socket);
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
    QString host = m_settings.proxy.host;
    if (host == u"*" || host == u"0.0.0.0" || host == u"::" || host.isEmpty())
        host = QStringLiteral("localhost");
    if (host.contains(u':'))
        host = u'[' + host + u']';
    return QStringLiteral("%1://%2:%3%4")
            .arg(m_tls.listener ? QStringLiteral("wss") : QStringLiteral("ws"), host)
            .arg(port())
            .arg(m_settings.proxy.path);
}

void ProxyServer::onProxyWebSocketConnected()
{
    while (QWebSocket *socket = m_proxySockets.nextPendingConnection()) {
        if (!m_accepting) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway,
                          QString::fromUtf16(ProxyMessages::reasonShuttingDown));
            socket->deleteLater();
            continue;
        }
        const quint64 id = m_nextSessionId++;
        QTcpSocket *transport = m_upgrading.take({ socket->peerAddress(), socket->peerPort() });
        auto *session = new ClientSession(id, socket, transport, m_pool, m_settings.proxy, &m_metrics,
                                          m_incomingBudget.get(), this);
        m_sessions.insert(id, session);
        connect(session, &ClientSession::closed, this, &ProxyServer::onSessionClosed);
        emit sessionOpened(session);
    }
}

void ProxyServer::onSessionClosed(quint64 id)
{
    ClientSession *session = m_sessions.take(id);
    if (session)
        session->deleteLater();
    emit sessionClosed(id);
    if (!m_accepting && m_sessions.isEmpty())
        finishShutdown();
}

void ProxyServer::answerHealth(QTcpSocket *socket)
{
    if (!m_accepting)
        ConnectionGate::respond(socket, 503, "text/plain; charset=utf-8", "shutting down\n");
    else if (isDraining())
        ConnectionGate::respond(socket, 503, "text/plain; charset=utf-8", "draining\n");
    else
        ConnectionGate::respond(socket, 200, "text/plain; charset=utf-8", "ok\n");
}

void ProxyServer::answerMetrics(QTcpSocket *socket)
{
    ConnectionGate::respond(socket, 200, "text/plain; version=0.0.4; charset=utf-8",
                            m_metrics.toPrometheus());
}

void ProxyServer::drainThenShutdown()
{
    if (!m_accepting)
        return;
    const int seconds = m_settings.proxy.drainSeconds;
    if (seconds == 0 || isDraining()) {
        shutdown();
        return;
    }
    qCInfo(lcServer).noquote()
            << QStringLiteral("draining: /healthz answers 503, %1 sessions go on; shutting down in "
                              "%2 s (proxy.drainSeconds), or at once on another signal")
                       .arg(m_sessions.size())
                       .arg(seconds);
    m_drainTimer.start(seconds * 1000);
}

void ProxyServer::shutdown()
{
    if (!m_accepting)
        return;
    m_drainTimer.stop();
    m_accepting = false;
    qCInfo(lcServer) << "shutting down:" << m_sessions.size() << "sessions open";
    for (QTcpServer *listener : m_proxyListeners + m_adminListeners) {
        delete listener->findChild<Acceptor *>(); // its notifier watches the descriptor closed next
        listener->close();
    }
    const QList<ClientSession *> sessions = m_sessions.values();
    for (ClientSession *session : sessions)
        session->shutdown();
    if (m_monitorFeed)
        m_monitorFeed->closeAll();
    if (m_sessions.isEmpty())
        QTimer::singleShot(0, this, &ProxyServer::finishShutdown);
    else
        m_shutdownTimer.start(shutdownGraceMs);
}

void ProxyServer::finishShutdown()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_shutdownTimer.stop();
    emit stopped();
}
