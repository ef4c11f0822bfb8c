#include "proxytestbase.h"

#include <QLoggingCategory>
#include <QSignalSpy>

ProxyServer *ProxyTestBase::startProxy(Settings settings)
{
    // CTest runs every proxy test once per upstream client (wssp_add_test BOTH_UPSTREAM_CLIENTS).
    const QString client = qEnvironmentVariable("WSSP_TEST_UPSTREAM_CLIENT");
    if (!client.isEmpty())
        settings.proxy.upstreamClient = client;
    // Qt's client cannot be held to an address policy (docs/SECURITY.md).
    if (settings.proxy.upstreamClient == u"qt")
        settings.proxy.upstreamPolicy = QStringLiteral("off");
    return startProxyWithOwnClient(settings);
}

ProxyServer *ProxyTestBase::startInlineProxy(Settings settings)
{
    settings.proxy.upstreamClient = QStringLiteral("inline");
    return startProxyWithOwnClient(settings);
}

ProxyServer *ProxyTestBase::startProxyWithPolicy(Settings settings)
{
    settings.proxy.upstreamClient = QStringLiteral("inline");
    return startProxyWithOwnClient(settings, false);
}

ProxyServer *ProxyTestBase::startProxyWithOwnClient(Settings settings, bool allowLoopbackUpstreams)
{
    settings.proxy.host = QStringLiteral("127.0.0.1");
    settings.proxy.port = 0;
    // The test upstreams listen on loopback, which the default policy denies.
    if (allowLoopbackUpstreams && settings.proxy.upstreamAllow.isEmpty())
        settings.proxy.upstreamAllow = QStringList { QStringLiteral("127.0.0.0/8"),
            QStringLiteral("[::1]"), QStringLiteral("localhost") };
    // The admin endpoints on the proxy's own (loopback) listener unless a test says otherwise,
    // so that parallel tests do not all reach for admin.port 3002.
    if (settings.admin.host == u"localhost" && settings.admin.port == 3002)
        settings.admin.host.clear();
    // CTest's -oneworker and -qtloop variants (wssp_add_test): every worker's loop too.
    if (settings.proxy.workers == 0 && qEnvironmentVariableIsSet("WSSP_TEST_WORKERS"))
        settings.proxy.workers = qEnvironmentVariableIntValue("WSSP_TEST_WORKERS");
    if (qEnvironmentVariableIsSet("WSSP_TEST_EVENT_DISPATCHER"))
        settings.proxy.eventDispatcher = qEnvironmentVariable("WSSP_TEST_EVENT_DISPATCHER");
    m_clients.clear();
    m_proxy = std::make_unique<ProxyServer>(settings);
    QString error;
    if (!m_proxy->listen(&error))
        qFatal("proxy cannot listen: %s", qPrintable(error));
    return m_proxy.get();
}

TestClient *ProxyTestBase::connectClient()
{
    if (!m_proxy)
        startProxy();
    auto client = std::make_unique<TestClient>();
    QSignalSpy connected(&client->socket(), &QWebSocket::connected);
    client->open(m_proxy->proxyUrl());
    if (!connected.wait(5000))
        qWarning("client could not connect: %s", qPrintable(client->socket().errorString()));
    m_clients.push_back(std::move(client));
    return m_clients.back().get();
}

void ProxyTestBase::init()
{
    // Session lifecycle lines would bury QtTest's own output; warnings still show.
    QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.info=false"));
    m_upstream = std::make_unique<TestUpstream>();
}

void ProxyTestBase::cleanup()
{
    m_clients.clear();
    m_proxy.reset();
    m_upstream.reset();
}
