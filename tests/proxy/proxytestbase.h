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
    // Starts a proxy with `settings` (host and port are forced to 127.0.0.1:0), with the
    // upstream client CTest chose for this run (WSSP_TEST_UPSTREAM_CLIENT) when it chose one.
    ProxyServer *startProxy(Settings settings = Settings());
    // The same with the inline upstream client whatever the run: for what only it guarantees
    // (exact ends, one request written once, head limits; Qt's HTTP fails these rows).
    ProxyServer *startInlineProxy(Settings settings = Settings());
    // The inline client with the upstream policy exactly as `settings` has it (the others
    // allow loopback when the test set no allow list, since the test upstreams live there).
    ProxyServer *startProxyWithPolicy(Settings settings);
    TestClient *connectClient();

    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<ProxyServer> m_proxy;
    std::vector<std::unique_ptr<TestClient>> m_clients;

private:
    ProxyServer *startProxyWithOwnClient(Settings settings, bool allowLoopbackUpstreams = true);

protected slots:
    void init();
    void cleanup();
};
