#pragma once

#include "proxyserver.h"
#include "settings.h"
#include "testclient.h"
#include "testupstream.h"

#include <QObject>
#include <QTest>

#include <memory>

using MessageType = ProxyMessages::Message::Type;

// Shared set-up for the proxy's integration tests: a test upstream, a proxy (both on port 0,
// in this process) and WebSocket clients, all driven by signals.
class ProxyTestBase : public QObject
{
    Q_OBJECT

protected:
    // Starts a proxy with `settings` (host and port are forced to 127.0.0.1:0).
    ProxyServer *startProxy(Settings settings = Settings());
    TestClient *connectClient();

    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<ProxyServer> m_proxy;
    std::vector<std::unique_ptr<TestClient>> m_clients;

protected slots:
    void init();
    void cleanup();
};
