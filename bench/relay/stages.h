#pragma once

// The stages of bench-relay (see the comment at the top of main.cpp) and what they share.

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace relaybench {

class ProxyProcess;
class Upstream;

struct Options
{
    int warmupMs = 500;
    int windowMs = 3000;
    int clients = 16;
    int lowStreams = 50;
    int lowRate = 100;
    int smallSize = 30;
    int idleSessions = 1000;
    int streamingSessions = 500;
    int memoryRate = 10;
    int stallSeconds = 10;
    int monitorRounds = 3;
    QStringList relayCases { QStringLiteral("flood1"), QStringLiteral("floodN"),
        QStringLiteral("tick") };
    QStringList dispatchers { QStringLiteral("epoll"),
        QStringLiteral("glib") }; // the last is the base
    // Stage "clients": the proxy's upstream clients side by side; streams at quietRate ev/s
    // each, measured over quietWindowMs (CPU from /proc is counted in 10 ms ticks).
    QStringList upstreamClients { QStringLiteral("qt"), QStringLiteral("inline") };
    QList<int> quietStreams { 10, 500, 2000 };
    double quietRate = 2; // may be below 1: 0.5 is one event every 2 s
    int quietWindowMs = 6000;
};

struct RelayResult
{
    double eventsPerSecond = 0;
    double cpuMicrosPerEvent = 0;
    double proxyCpuPercent = 0;
    double clientCpuPercent
        = 0; // this process's client thread: near 100 = the clients are the limit
    qint64 events = 0; // counted in the window
    qint64 fewestPerClient = 0; // the events of the client that received the fewest in the window
    qint64 cpuMicros = 0; // the proxy's (or direct reader's) CPU in the window
    // Upstream write to client receipt of ticking events in the window, ms (-1: none stamped).
    double latencyP50Ms = -1;
    double latencyP99Ms = -1;
    double latencyMaxMs = -1;
};

// Optional hooks into measureRelay(), for stages that add something to a relay case.
struct RelayProbe
{
    // Set: the clients connect without a request, this runs once every session is open (and
    // 500 ms have passed), then the requests go out.
    std::function<void()> sessionsOpen;
    std::function<void()> ready; // every client has received events; before the warm-up
    std::function<void()> windowStart; // the measuring window starts
    std::function<void()> windowEnd; // it ends
};

// Opens `clientCount` clients of `proxy` requesting `path` from the upstream, warms up, and
// measures the proxy's CPU per event over options.windowMs; fails on a gap or error message.
RelayResult measureRelay(ProxyProcess &proxy, Upstream *upstream, quint16 upstreamPort,
    int clientCount, const QString &path, const Options &options, const char *label,
    const RelayProbe *probe = nullptr);

// The baseline: `streams` upstream connections of `path` read directly (no proxy) by plain
// QTcpSockets on one thread of their own, split into events by a line search or, with `parse`,
// by SseParser; events/s and that thread's CPU per event.
RelayResult measureDirect(Upstream *upstream, quint16 port, const QByteArray &path, int streams,
    const Options &options, bool parse = false);

void runEncodingBenchmark(qint64 minNanosPerCase);
void runUpstreamClientBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options);
void runRelayBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options);
void runMemoryBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options);
void runStalledClientBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options);
void runMonitorBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options);

} // namespace relaybench
