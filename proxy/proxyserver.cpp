#include "proxyserver.h"

#include "clientsession.h"
#include "monitorfeed.h"
#include "proxymessages.h"
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

UpstreamPool::Config upstreamConfig(const ProxySettings &proxy)
{
    UpstreamPool::Config config;
    config.client = proxy.upstreamClient == u"qt" ? UpstreamPool::Client::Qt : UpstreamPool::Client::Inline;
    config.inlineOptions.connectTimeoutMs = proxy.connectTimeout;
    config.inlineOptions.responseHeadTimeoutMs = proxy.responseHeadTimeout;
    config.inlineOptions.headLimits.maxHeadBytes = proxy.maxResponseHeadBytes;
    config.inlineOptions.headLimits.maxHeaderCount = proxy.maxResponseHeaders;
    return config;
}

} // namespace

ProxyServer::ProxyServer(const Settings &settings, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_pool(new UpstreamPool(upstreamConfig(settings.proxy), this)),
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
}

ProxyServer::~ProxyServer()
{
    // Sessions first: their upstream replies must go before the pool's managers.
    qDeleteAll(m_sessions);
    m_sessions.clear();
}

bool ProxyServer::listen(QString *error)
{
    const AdminSettings &admin = m_settings.admin;
    const bool separateAdmin = !admin.host.isEmpty();

    ConnectionGate::Routes proxyRoutes;
    proxyRoutes.proxyPath = m_settings.proxy.path.toUtf8();
    ConnectionGate::Routes adminRoutes;
    adminRoutes.health = admin.health;
    adminRoutes.metrics = admin.metrics;
    adminRoutes.monitor = admin.monitor && m_monitorFeed;
    adminRoutes.monitorToken = admin.monitorToken;
    if (!separateAdmin) {
        proxyRoutes.health = adminRoutes.health;
        proxyRoutes.metrics = adminRoutes.metrics;
        proxyRoutes.monitor = adminRoutes.monitor;
        proxyRoutes.monitorToken = adminRoutes.monitorToken;
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
        auto *listener = new QTcpServer(this);
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
        auto *gate = new ConnectionGate(listener, routes, listener);
        connect(gate, &ConnectionGate::proxyConnection, this,
                [this](QTcpSocket *socket) { m_proxySockets.handleConnection(socket); });
        connect(gate, &ConnectionGate::monitorConnection, this,
                [this](QTcpSocket *socket) { m_monitorSockets.handleConnection(socket); });
        connect(gate, &ConnectionGate::healthRequested, this, &ProxyServer::answerHealth);
        connect(gate, &ConnectionGate::metricsRequested, this, &ProxyServer::answerMetrics);
        listeners->append(listener);
    }
    return true;
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
    return QStringLiteral("ws://%1:%2%3").arg(host).arg(port()).arg(m_settings.proxy.path);
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
        auto *session = new ClientSession(id, socket, m_pool, m_settings.proxy, &m_metrics, this);
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
    if (m_accepting)
        ConnectionGate::respond(socket, 200, "text/plain; charset=utf-8", "ok\n");
    else
        ConnectionGate::respond(socket, 503, "text/plain; charset=utf-8", "shutting down\n");
}

void ProxyServer::answerMetrics(QTcpSocket *socket)
{
    ConnectionGate::respond(socket, 200, "text/plain; version=0.0.4; charset=utf-8",
                            m_metrics.toPrometheus());
}

void ProxyServer::shutdown()
{
    if (!m_accepting)
        return;
    m_accepting = false;
    qCInfo(lcServer) << "shutting down:" << m_sessions.size() << "sessions open";
    for (QTcpServer *listener : std::as_const(m_proxyListeners))
        listener->close();
    for (QTcpServer *listener : std::as_const(m_adminListeners))
        listener->close();
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
