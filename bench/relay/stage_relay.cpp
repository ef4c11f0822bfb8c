// Stage 2: relay cost through the proxy against direct readers of the same upstream.

#include "clients.h"
#include "epolleventdispatcher.h"
#include "measure.h"
#include "proxyprocess.h"
#include "stages.h"
#include "upstream.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace relaybench {

namespace {

    // p50, p99 and the maximum of delivery times (us), into `result` in ms.
    void setLatencies(RelayResult *result, std::vector<qint64> latencies)
    {
        if (latencies.empty())
            return;
        const auto percentile = [&latencies](double p) {
            const size_t at = std::min(latencies.size() - 1, size_t(p * double(latencies.size())));
            std::nth_element(latencies.begin(), latencies.begin() + qsizetype(at), latencies.end());
            return double(latencies[at]) / 1000;
        };
        result->latencyP50Ms = percentile(0.50);
        result->latencyP99Ms = percentile(0.99);
        result->latencyMaxMs = double(*std::max_element(latencies.begin(), latencies.end())) / 1000;
    }

} // namespace

RelayResult measureDirect(Upstream *upstream, quint16 port, const QByteArray &path, int streams,
    const Options &options, bool parse)
{
    QThread thread;
    thread.setEventDispatcher(new EpollEventDispatcher); // as the proxy's, for a fair baseline
    QObject *home = new QObject;
    home->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, home, &QObject::deleteLater);
    thread.start();
    std::vector<DirectReader *> readers;
    QMetaObject::invokeMethod(
        home,
        [&] {
            for (int i = 0; i < streams; ++i) {
                auto *reader = new DirectReader;
                reader->setParent(home);
                reader->start(port, path, parse);
                readers.push_back(reader);
            }
        },
        Qt::BlockingQueuedConnection);
    const auto totalEvents = [&readers] {
        qint64 sum = 0;
        for (DirectReader *r : readers)
            sum += r->events.loadRelaxed();
        return sum;
    };
    const auto readerCpu = [home] {
        qint64 nanos = 0;
        QMetaObject::invokeMethod(
            home, [] { return threadCpuNanos(); }, Qt::BlockingQueuedConnection, &nanos);
        return nanos;
    };
    waitUntil(
        [&readers] {
            return std::all_of(readers.begin(), readers.end(),
                [](DirectReader *r) { return r->events.loadRelaxed() > 0; });
        },
        20000);
    runFor(options.warmupMs);
    const qint64 before = totalEvents();
    const qint64 cpuBefore = readerCpu();
    for (DirectReader *r : readers)
        r->recording = true;
    QElapsedTimer clock;
    clock.start();
    runFor(options.windowMs);
    for (DirectReader *r : readers)
        r->recording = false;
    const qint64 events = totalEvents() - before;
    const qint64 cpu = readerCpu() - cpuBefore;
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qint64 gaps = 0;
    for (DirectReader *r : readers)
        gaps += r->gaps.loadRelaxed();
    const bool allRead = std::all_of(readers.begin(), readers.end(),
        [](DirectReader *r) { return r->events.loadRelaxed() > 0; });
    std::vector<qint64> latencies; // gathered on the readers' thread, which deletes them at its end
    QMetaObject::invokeMethod(
        home,
        [&readers, &latencies] {
            for (DirectReader *r : readers) {
                r->stop();
                latencies.insert(
                    latencies.end(), r->latenciesMicros.begin(), r->latenciesMicros.end());
            }
        },
        Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);
    if (gaps != 0)
        fail("the direct reader saw events out of order");
    if (!allRead)
        fail("a direct reader received no event");
    RelayResult result;
    result.events = events;
    result.cpuMicros = cpu / 1000;
    result.eventsPerSecond = double(events) / seconds;
    result.cpuMicrosPerEvent = events > 0 ? double(cpu) / 1000 / double(events) : 0;
    result.proxyCpuPercent = double(cpu) / 1e7 / seconds;
    setLatencies(&result, std::move(latencies));
    return result;
}

RelayResult measureRelay(ProxyProcess &proxy, Upstream *upstream, quint16 upstreamPort,
    int clientCount, const QString &path, const Options &options, const char *label,
    const RelayProbe *probe)
{
    QObject owner;
    const bool hold = probe && probe->sessionsOpen;
    std::vector<RelayClient *> clients
        = openClients(&owner, proxy.url(), clientCount, requestFor(upstreamPort, path), 64, hold);
    if (std::any_of(clients.begin(), clients.end(), [](RelayClient *c) { return !c->connected; }))
        fail("not every client connected to the proxy");
    if (hold) {
        runFor(500);
        probe->sessionsOpen();
        startRequests(clients);
    }
    const auto total = [&](qint64 RelayClient::*field) {
        qint64 sum = 0;
        for (RelayClient *c : clients)
            sum += c->*field;
        return sum;
    };
    if (!waitUntil(
            [&] {
                return std::all_of(
                    clients.begin(), clients.end(), [](RelayClient *c) { return c->events > 0; });
            },
            20000)) {
        std::fprintf(stderr, "bench-relay: %s: a client had no event within 20 s\n", label);
        fail("not every client received events");
    }
    if (probe && probe->ready)
        probe->ready();
    runFor(options.warmupMs);

    std::vector<qint64> clientEventsBefore;
    for (RelayClient *c : clients)
        clientEventsBefore.push_back(c->events);
    const qint64 eventsBefore = total(&RelayClient::events);
    const qint64 cpuBefore = proxy.cpuMicros();
    const qint64 clientCpuBefore = threadCpuNanos();
    if (probe && probe->windowStart)
        probe->windowStart();
    for (RelayClient *c : clients)
        c->recording = true;
    QElapsedTimer clock;
    clock.start();
    runFor(options.windowMs);
    const qint64 cpu = proxy.cpuMicros() - cpuBefore;
    std::vector<qint64> latencies;
    for (RelayClient *c : clients) {
        c->recording = false;
        latencies.insert(latencies.end(), c->latenciesMicros.begin(), c->latenciesMicros.end());
    }
    const qint64 clientCpu = threadCpuNanos() - clientCpuBefore;
    if (probe && probe->windowEnd)
        probe->windowEnd();
    const qint64 events = total(&RelayClient::events) - eventsBefore;
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qint64 fewest = events;
    for (size_t i = 0; i < clients.size(); ++i)
        fewest = std::min(fewest, clients[i]->events - clientEventsBefore[i]);

    const qint64 gaps = total(&RelayClient::gaps);
    const qint64 others = total(&RelayClient::otherMessages);
    if (gaps != 0 || others != 0) {
        std::fprintf(stderr,
            "bench-relay: %s: %lld events out of order, %lld error/closed messages\n", label, gaps,
            others);
        fail("events lost or reordered through the proxy");
    }
    closeClients(clients);
    waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);

    RelayResult result;
    result.events = events;
    result.fewestPerClient = fewest;
    result.cpuMicros = cpu;
    result.eventsPerSecond = double(events) / seconds;
    result.cpuMicrosPerEvent = events > 0 ? double(cpu) / double(events) : 0;
    result.proxyCpuPercent = double(cpu) / 1e4 / seconds;
    result.clientCpuPercent = double(clientCpu) / 1e7 / seconds;
    setLatencies(&result, std::move(latencies));
    return result;
}

void runRelayBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options)
{
    const QString flood = QStringLiteral("/flood?size=%1").arg(options.smallSize);
    const QString tick
        = QStringLiteral("/tick?size=%1&rate=%2").arg(options.smallSize).arg(options.lowRate);

    struct Row
    {
        const char *key;
        const char *name;
        int clients;
        QString path;
        bool flooding;
        std::map<QString, RelayResult> byDispatcher;
    };
    std::vector<Row> rows;
    const Row all[] = { { "flood1", "flood, 1 client", 1, flood, true, {} },
        { "floodN", "flood, N clients", options.clients, flood, true, {} },
        { "tick", "ticking, S streams x R ev/s", options.lowStreams, tick, false, {} } };
    for (const Row &row : all) {
        if (options.relayCases.contains(QLatin1String(row.key)))
            rows.push_back(row);
    }
    // Baselines in the same run: the same upstream streams read directly, no proxy.
    RelayResult directFlood;
    RelayResult directTick;
    for (const Row &row : rows) {
        if (row.flooding && directFlood.eventsPerSecond == 0)
            directFlood = measureDirect(upstream, upstreamPort, flood.toUtf8(), 1, options);
        else if (!row.flooding)
            directTick
                = measureDirect(upstream, upstreamPort, tick.toUtf8(), options.lowStreams, options);
    }
    const double direct = directFlood.eventsPerSecond;
    for (const QString &dispatcher : options.dispatchers) {
        ProxyProcess proxy;
        if (!proxy.start(dispatcher)) {
            fail("cannot start ws-sse-proxy beside bench-relay");
            return;
        }
        for (Row &row : rows)
            row.byDispatcher[dispatcher] = measureRelay(
                proxy, upstream, upstreamPort, row.clients, row.path, options, row.name);
        proxy.stop();
    }

    std::printf(
        "\n## 2. Relay through ws-sse-proxy (%d-char events; %d ms window after %d ms warm-up)\n\n",
        options.smallSize, options.windowMs, options.warmupMs);
    std::printf(
        "Baselines, same run, no proxy: one QTcpSocket reader of the same flood (its own thread):\n"
        "%.0f events/s, %.2f us CPU/event (reader thread). The same %d ticking streams read "
        "directly on\n"
        "one thread: %.0f events/s, %.2f us CPU/event.\n\n",
        directFlood.eventsPerSecond, directFlood.cpuMicrosPerEvent, options.lowStreams,
        directTick.eventsPerSecond, directTick.cpuMicrosPerEvent);
    std::printf(
        "N = %d clients; ticking = %d streams x %d events/s. Dispatchers: epoll = ours (the\n"
        "default), glib = Qt's default, own = Qt's own (QT_NO_GLIB=1).\n\n",
        options.clients, options.lowStreams, options.lowRate);
    std::printf("| case | dispatcher | events/s delivered | events/s proxy/direct | proxy CPU %% | "
                "bench clients CPU %% | proxy us CPU/event | CPU/event proxy/direct |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Row &row : rows) {
        for (const QString &dispatcher : options.dispatchers) {
            const RelayResult &r = row.byDispatcher.at(dispatcher);
            const bool flooding = row.flooding;
            const RelayResult &d = flooding ? directFlood : directTick;
            std::printf("| %s | %s | %.0f | %s | %.0f | %.0f | %.2f | %.1f |\n", row.name,
                qPrintable(dispatcher), r.eventsPerSecond,
                flooding && direct > 0
                    ? qPrintable(QString::number(r.eventsPerSecond / direct, 'f', 2))
                    : "-",
                r.proxyCpuPercent, r.clientCpuPercent, r.cpuMicrosPerEvent,
                d.cpuMicrosPerEvent > 0 ? r.cpuMicrosPerEvent / d.cpuMicrosPerEvent : 0.0);
        }
    }
    if (options.dispatchers.size() < 2)
        return;
    const QString &base = options.dispatchers.constLast();
    for (const QString &dispatcher : options.dispatchers) {
        if (dispatcher == base)
            continue;
        std::printf("\n%s vs %s, CPU per event:", qPrintable(dispatcher), qPrintable(base));
        for (const Row &row : rows) {
            const double baseCpu = row.byDispatcher.at(base).cpuMicrosPerEvent;
            std::printf(" %s %+.0f%%;", row.name,
                baseCpu > 0
                    ? (row.byDispatcher.at(dispatcher).cpuMicrosPerEvent / baseCpu - 1) * 100
                    : 0.0);
        }
    }
    std::printf("\n");
    std::fflush(stdout);
}

} // namespace relaybench
