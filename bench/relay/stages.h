#pragma once

// The stages of bench-relay (see the comment at the top of main.cpp) and what they share.

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
    QStringList relayCases { QStringLiteral("flood1"), QStringLiteral("floodN"), QStringLiteral("tick") };
    QStringList dispatchers { QStringLiteral("glib"), QStringLiteral("own") };
};

struct RelayResult
{
    double eventsPerSecond = 0;
    double cpuMicrosPerEvent = 0;
    double proxyCpuPercent = 0;
    double clientCpuPercent = 0; // this process's client thread: near 100 = the clients are the limit
};

// Optional hooks into measureRelay(), for stages that add something to a relay case.
struct RelayProbe
{
    std::function<void()> ready;       // every client has received events; before the warm-up
    std::function<void()> windowStart; // the measuring window starts
    std::function<void()> windowEnd;   // it ends
};

// Opens `clientCount` clients of `proxy` requesting `path` from the upstream, warms up, and
// measures the proxy's CPU per event over options.windowMs; fails on a gap or error message.
RelayResult measureRelay(ProxyProcess &proxy, Upstream *upstream, quint16 upstreamPort,
                         int clientCount, const QString &path, const Options &options,
                         const char *label, const RelayProbe *probe = nullptr);

void runEncodingBenchmark(qint64 minNanosPerCase);
void runRelayBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options);
void runMemoryBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options);
void runStalledClientBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options);
void runMonitorBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options);

} // namespace relaybench
