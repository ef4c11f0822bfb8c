// The proxy under load (bounded in count and time, loopback only): many concurrent streams
// to one host, a client that stops reading, and shutdown with clients connected.

#include "clientsession.h"
#include "eventdispatchermain.h"
#include "proxytestbase.h"
#include "rawwsclient.h"
#include "upstreampool.h"
#include "wsframes.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>

class TestProxyLoad : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void hundredConcurrentStreamsFromOneHost();
    void nonReadingClientCostsBoundedMemory();
    void stalledClientIsDropped();
    void everyStreamOfABackedUpSocketPauses();
    void shutdownTellsEveryClient();

private:
    // A WebSocket client written by hand on a raw socket, so the test can stop reading.
    std::unique_ptr<QTcpSocket> openNonReadingClient(const QJsonObject &request);
};

namespace {

qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return 0;
}

} // namespace

std::unique_ptr<QTcpSocket> TestProxyLoad::openNonReadingClient(const QJsonObject &request)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, m_proxy->port());
    if (!socket->waitForConnected(5000))
        return nullptr;
    socket->write("GET /proxy HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n");
    if (!QTest::qWaitFor([&] { return socket->peek(4096).contains("\r\n\r\n"); }, 5000))
        return nullptr;
    const QByteArray head = socket->read(socket->peek(4096).indexOf("\r\n\r\n") + 4);
    if (!head.startsWith("HTTP/1.1 101"))
        return nullptr;
    // From here on Qt buffers at most one byte for us: the kernel's buffers fill, then TCP's
    // window closes and the proxy's writes to this client back up.
    socket->setReadBufferSize(1);
    socket->write(WsFrames::maskedText(QJsonDocument(request).toJson(QJsonDocument::Compact)));
    return socket;
}

void TestProxyLoad::hundredConcurrentStreamsFromOneHost()
{
    constexpr int clientCount = 100;
    startProxy();
    const auto threadCount = []() {
        return QDir(QStringLiteral("/proc/self/task"))
            .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
            .size();
    };
    const qsizetype threadsBefore = threadCount();
    m_upstream->route("/tick", TestUpstream::ticking(100));
    QList<TestClient *> clients;
    for (int i = 0; i < clientCount; ++i) {
        TestClient *client = connectClient();
        QVERIFY(client->isConnected());
        client->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
        clients.append(client);
    }
    // Every one of them streams at the same time: a single QNAM would hold all but six back.
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(clients.begin(), clients.end(),
                                 [](TestClient *c) { return c->events().size() >= 2; }),
        20000);
    QCOMPARE(m_upstream->openConnections(), clientCount);
    QCOMPARE(m_proxy->activeUpstreamStreams(), clientCount);
    const bool qtClient = m_proxy->settings().proxy.upstreamClient == u"qt";
    int managers = 0;
    for (const ProxyServer::PoolCounts &counts : m_proxy->upstreamPoolCounts()) {
        if (!qtClient) // one manager per worker, no per-host limit, no HTTP thread
            QCOMPARE(counts.managers, counts.activeStreams > 0 ? 1 : 0);
        managers += counts.managers;
    }
    if (qtClient) // six streams per QNAM and host
        QVERIFY(managers >= (clientCount + 5) / 6);
    if (!qtClient) // (Qt: a thread per six)
        QVERIFY2(threadCount() <= threadsBefore,
            qPrintable(
                QStringLiteral("%1 threads, %2 before").arg(threadCount()).arg(threadsBefore)));
    for (TestClient *client : clients) {
        QCOMPARE(client->count(MessageType::Error), 0);
        QCOMPARE(client->events().first().type, QStringLiteral("tick"));
    }

    for (TestClient *client : clients)
        client->socket().abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 5000);
    QTRY_COMPARE(m_proxy->sessionCount(), 0);
    const auto fewIdleManagers = [this]() {
        const QList<ProxyServer::PoolCounts> pools = m_proxy->upstreamPoolCounts();
        return std::all_of(pools.cbegin(), pools.cend(), [](const ProxyServer::PoolCounts &counts) {
            return counts.managers <= UpstreamPool::maxIdleManagers;
        });
    };
    QTRY_VERIFY(fewIdleManagers());
}

void TestProxyLoad::nonReadingClientCostsBoundedMemory()
{
    Settings settings;
    settings.proxy.stallTimeout = 0; // never dropped: this test watches memory stay flat
    startProxy(settings);
    m_upstream->route("/flood", m_upstream->flood(1024));
    m_upstream->route("/tick", TestUpstream::ticking(20));

    const qint64 rssBefore = residentBytes();
    auto stalled
        = openNonReadingClient(upstreamRequest(m_upstream->port(), QStringLiteral("/flood")));
    QVERIFY(stalled);
    QTRY_VERIFY_WITH_TIMEOUT(m_proxy->metrics().backpressurePauses >= 1, 10000);

    // While the flood is held back, another client is served normally.
    TestClient *normal = connectClient();
    normal->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    QTRY_VERIFY_WITH_TIMEOUT(normal->events().size() >= 25, 10000);

    // Measure over a window: the upstream is held back by TCP flow control, not read into memory.
    const qint64 writtenBefore = m_upstream->bytesWritten();
    QTest::qWait(1000);
    const qint64 writtenDuring = m_upstream->bytesWritten() - writtenBefore;
    const qint64 rssGrowth = residentBytes() - rssBefore;
    qInfo("upstream wrote %lld bytes in total, %lld during the 1 s window; RSS grew %lld KiB",
        m_upstream->bytesWritten(), writtenDuring, rssGrowth / 1024);
    QVERIFY2(
        m_upstream->bytesWritten() < 64 * 1024 * 1024, "the proxy kept reading a paused upstream");
    QVERIFY(writtenDuring < 4 * 1024 * 1024);
    QVERIFY2(rssGrowth < 96 * 1024 * 1024, "memory grew with a client that does not read");
    QCOMPARE(m_proxy->sessionCount(), 2);
}

void TestProxyLoad::stalledClientIsDropped()
{
    Settings settings;
    settings.proxy.stallTimeout = 300;
    startProxy(settings);
    m_upstream->route("/flood", m_upstream->flood(1024));
    QSignalSpy closedSpy(m_proxy.get(), &ProxyServer::sessionClosed);
    auto stalled
        = openNonReadingClient(upstreamRequest(m_upstream->port(), QStringLiteral("/flood")));
    QVERIFY(stalled);
    QTRY_VERIFY_WITH_TIMEOUT(m_proxy->metrics().backpressurePauses >= 1, 10000);
    // A request queued behind the stalled one must not start when the client is dropped.
    stalled->write(WsFrames::maskedText(
        QJsonDocument(upstreamRequest(m_upstream->port(), QStringLiteral("/flood")))
            .toJson(QJsonDocument::Compact)));
    QTRY_COMPARE_WITH_TIMEOUT(m_proxy->metrics().queuedRequests, 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_proxy->metrics().requests[size_t(RequestOutcome::ClientStalled)], 1u, 5000);
    QCOMPARE(m_proxy->metrics().queuedRequests, 0);
    QCOMPARE(m_upstream->requests().size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 2000);
    QTRY_COMPARE_WITH_TIMEOUT(closedSpy.size(), 1, 10000); // the socket is closed (or aborted)
    QCOMPARE(m_proxy->sessionCount(), 0);
    QCOMPARE(m_proxy->metrics().requests[size_t(RequestOutcome::ClientGone)], 0u); // none started
}

// Several streams with ids on one socket whose client stops reading: all of them pause (not only
// the one whose event crossed the high watermark), so none is read into memory; when the client
// stays behind for proxy.stallTimeout, every one of them ends as stalled.
void TestProxyLoad::everyStreamOfABackedUpSocketPauses()
{
    Settings settings;
    settings.proxy.stallTimeout = 1500;
    startProxy(settings);
    m_upstream->route("/flood", m_upstream->flood(1024));
    const auto flood = [this](const char *id) {
        QJsonObject request = upstreamRequest(m_upstream->port(), QStringLiteral("/flood"));
        request[QStringLiteral("id")] = QString::fromLatin1(id);
        return request;
    };
    auto stalled = openNonReadingClient(flood("a"));
    QVERIFY(stalled);
    for (const char *id : { "b", "c" })
        stalled->write(
            WsFrames::maskedText(QJsonDocument(flood(id)).toJson(QJsonDocument::Compact)));
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 3, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_proxy->metrics().backpressurePauses >= 1, 10000);

    // Measure over a window, before the stall drop: three floods held back by TCP flow control.
    const qint64 writtenBefore = m_upstream->bytesWritten();
    QTest::qWait(600);
    const qint64 writtenDuring = m_upstream->bytesWritten() - writtenBefore;
    qInfo("upstreams wrote %lld bytes in total, %lld during the window", m_upstream->bytesWritten(),
        writtenDuring);
    QVERIFY2(
        m_upstream->bytesWritten() < 64 * 1024 * 1024, "the proxy kept reading a paused upstream");
    QVERIFY(writtenDuring < 8 * 1024 * 1024);

    QTRY_COMPARE_WITH_TIMEOUT(
        m_proxy->metrics().requests[size_t(RequestOutcome::ClientStalled)], 3u, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_proxy->sessionCount(), 0, 10000);
}

void TestProxyLoad::shutdownTellsEveryClient()
{
    startProxy();
    m_upstream->route("/tick", TestUpstream::ticking(20));
    TestClient *streaming = connectClient();
    TestClient *idle = connectClient();
    streaming->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick")));
    streaming->send(upstreamRequest(m_upstream->port(), QStringLiteral("/tick"))); // queued
    QTRY_VERIFY(streaming->events().size() >= 1);
    QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
    QSignalSpy streamingGone(&streaming->socket(), &QWebSocket::disconnected);
    QSignalSpy idleGone(&idle->socket(), &QWebSocket::disconnected);

    m_proxy->shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, ProxyServer::shutdownGraceMs + 1000);
    QTRY_COMPARE(streamingGone.size(), 1);
    QTRY_COMPARE(idleGone.size(), 1);
    QCOMPARE(streaming->count(MessageType::Closed), 2); // the active request and the queued one
    QCOMPARE(streaming->messages().last().text, QStringLiteral("proxy shutting down"));
    QCOMPARE(streaming->count(MessageType::Error), 0);
    QCOMPARE(idle->sequence(), QStringLiteral("closed"));
    QCOMPARE(idle->messages().last().text, QStringLiteral("proxy shutting down"));
    QCOMPARE(streaming->socket().closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->openConnections(), 0, 2000);

    // No new connections once stopped.
    TestClient late;
    late.open(m_proxy->proxyUrl());
    QSignalSpy lateDisconnected(&late.socket(), &QWebSocket::disconnected);
    QTRY_VERIFY(
        lateDisconnected.size() >= 1 || late.socket().state() == QAbstractSocket::UnconnectedState);
    QVERIFY(!late.isConnected());
}

WSSP_TEST_MAIN(TestProxyLoad)
#include "tst_proxyload.moc"
