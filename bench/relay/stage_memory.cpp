// Stages 3 and 4: proxy memory per session, and a client that stops reading.

#include "clients.h"
#include "measure.h"
#include "proxyprocess.h"
#include "stages.h"
#include "upstream.h"
#include "wsframes.h"

#include <QTcpSocket>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace relaybench {

void runMemoryBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options)
{
    std::printf("\n## 3. Proxy memory (VmRSS of the proxy process)\n\n");
    std::printf("| state | sessions | RSS KB | KB per session over idle |\n|---|---:|---:|---:|\n");
    const auto settle = [] { runFor(500); };
    QString streamingNote;
    for (const bool streaming : { false, true }) {
        ProxyProcess proxy;
        if (!proxy.start(QStringLiteral("epoll"))) {
            fail("cannot start ws-sse-proxy beside bench-relay");
            return;
        }
        settle();
        const qint64 idle = proxy.rssKb();
        QObject owner;
        const int count = streaming ? options.streamingSessions : options.idleSessions;
        const QByteArray request = streaming ? requestFor(upstreamPort,
                                       QStringLiteral("/tick?size=%1&rate=%2")
                                           .arg(options.smallSize)
                                           .arg(options.memoryRate))
                                             : QByteArray();
        std::vector<RelayClient *> clients = openClients(&owner, proxy.url(), count, request);
        const auto connected = std::count_if(
            clients.begin(), clients.end(), [](RelayClient *c) { return c->connected; });
        if (connected != count)
            fail("not every memory-test session connected");
        if (streaming) {
            if (!waitUntil(
                    [&] {
                        return std::all_of(clients.begin(), clients.end(),
                            [](RelayClient *c) { return c->events > 0; });
                    },
                    20000))
                fail("not every streaming session received events");
            runFor(options.warmupMs);
            // Same total rate as the ticking relay case, ten times the streams: shows how the
            // cost of one event grows with the number of open sockets.
            qint64 eventsBefore = 0;
            for (RelayClient *c : clients)
                eventsBefore += c->events;
            const qint64 cpuBefore = proxy.cpuMicros();
            runFor(options.windowMs);
            const qint64 cpu = proxy.cpuMicros() - cpuBefore;
            qint64 events = -eventsBefore;
            for (RelayClient *c : clients)
                events += c->events;
            streamingNote = QStringLiteral(
                "While streaming: %1 events/s delivered, proxy %2 us CPU per event.")
                                .arg(double(events) * 1000 / options.windowMs, 0, 'f', 0)
                                .arg(double(cpu) / double(qMax<qint64>(1, events)), 0, 'f', 2);
        }
        settle();
        const qint64 loaded = proxy.rssKb();
        if (!streaming)
            std::printf("| idle proxy | 0 | %lld | - |\n", idle);
        std::printf("| %s | %lld | %lld | %.1f |\n",
            streaming ? qPrintable(QStringLiteral("streaming %1 ev/s each").arg(options.memoryRate))
                      : "connected, no request",
            qint64(connected), loaded, double(loaded - idle) / double(qMax<qint64>(1, connected)));
        qint64 gaps = 0;
        for (RelayClient *c : clients)
            gaps += c->gaps + c->otherMessages;
        if (gaps != 0)
            fail("events lost or reordered in the memory test");
        closeClients(clients);
        proxy.stop();
        waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);
    }
    std::printf("\n%s\n", qPrintable(streamingNote));
    std::fflush(stdout);
}

void runStalledClientBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options)
{
    ProxyProcess proxy;
    if (!proxy.start(QStringLiteral("epoll"))) {
        fail("cannot start ws-sse-proxy beside bench-relay");
        return;
    }
    runFor(300);
    const qint64 rssStart = proxy.rssKb();
    const qint64 writtenStart = upstream->bytesWritten.loadRelaxed();

    // A WebSocket handshake by hand, then Qt buffers at most one byte for us: the kernel's
    // buffers fill, TCP's window closes, and the proxy's writes to this client back up.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, proxy.url().port());
    if (!socket.waitForConnected(5000)) {
        fail("stalled client cannot connect");
        return;
    }
    socket.write(WsFrames::upgradeRequest(proxy.url().path().toUtf8()));
    if (!waitUntil([&] { return socket.peek(4096).contains("\r\n\r\n"); }, 5000)
        || !socket.read(socket.peek(4096).indexOf("\r\n\r\n") + 4).startsWith("HTTP/1.1 101")) {
        fail("stalled client: no WebSocket handshake");
        return;
    }
    socket.setReadBufferSize(1);
    socket.write(
        WsFrames::maskedText(requestFor(upstreamPort, QStringLiteral("/flood?size=1024"))));

    std::printf("\n## 4. A client that stops reading; upstream floods 1 KiB events for %d s\n\n",
        options.stallSeconds);
    std::printf("| t (s) | proxy RSS KB | upstream bytes written (total) |\n|---:|---:|---:|\n");
    std::printf("| 0 | %lld | 0 |\n", rssStart);
    qint64 rssMax = rssStart;
    qint64 writtenAt1 = 0;
    qint64 rssAt1 = 0;
    for (int second = 1; second <= options.stallSeconds; ++second) {
        runFor(1000);
        const qint64 rss = proxy.rssKb();
        const qint64 written = upstream->bytesWritten.loadRelaxed() - writtenStart;
        rssMax = qMax(rssMax, rss);
        if (second == 1) {
            writtenAt1 = written;
            rssAt1 = rss;
        }
        if (second == 1 || second == options.stallSeconds || second % 3 == 0)
            std::printf("| %d | %lld | %lld |\n", second, rss, written);
    }
    const qint64 rssEnd = proxy.rssKb();
    const qint64 writtenEnd = upstream->bytesWritten.loadRelaxed() - writtenStart;
    std::printf("\nRSS start %lld KB, after 1 s %lld KB, end %lld KB (max %lld); upstream wrote "
                "%lld KB in all, %lld KB after the first second.\n",
        rssStart, rssAt1, rssEnd, rssMax, writtenEnd / 1024, (writtenEnd - writtenAt1) / 1024);
    if (writtenEnd > 64 * 1024 * 1024 || rssEnd - rssAt1 > 32 * 1024)
        fail("a client that does not read made the proxy buffer without bound");
    socket.abort();
    proxy.stop();
    std::fflush(stdout);
}

} // namespace relaybench
