#pragma once

#include <QByteArray>

#include <array>

enum class RequestOutcome {
    Completed,     // upstream ended the body
    Rejected,      // invalid request, binary frame, queue full
    UpstreamError, // refused, DNS, TLS, non-2xx, wrong content type, broken stream
    Timeout,       // proxy.sseTimeout of upstream silence
    Cancelled,     // {"type":"cancel"}
    ClientGone,    // the client disconnected mid-request
    ClientStalled, // the client stopped reading for proxy.stallTimeout
    ShuttingDown,  // SIGINT/SIGTERM
};
inline constexpr int requestOutcomeCount = 8;
const char *requestOutcomeName(RequestOutcome outcome); // "completed", "upstream_error", ...

// The proxy's counters, updated in place on the relay path (plain integers: the proxy runs on
// one thread) and rendered as Prometheus text on demand. Counters only grow, so a scrape
// before and after N events differs by exactly N.
struct ProxyMetrics
{
    // Upper bounds (seconds) of the time-to-response-headers histogram buckets.
    static constexpr std::array<double, 10> headerLatencyBuckets = { 0.001, 0.0025, 0.005, 0.01,
                                                                     0.025, 0.05, 0.1, 0.25,
                                                                     1.0, 5.0 };

    quint64 sessionsOpened = 0;
    qint64 sessionsOpen = 0;
    std::array<quint64, requestOutcomeCount> requests = {};
    quint64 eventsRelayed = 0;
    quint64 upstreamBytesReceived = 0;
    quint64 clientBytesSent = 0;
    qint64 queuedRequests = 0;
    quint64 backpressurePauses = 0;
    std::array<quint64, headerLatencyBuckets.size()> headerLatencyCounts = {}; // not cumulative
    quint64 headerLatencyCount = 0;
    double headerLatencySum = 0;

    void countRequest(RequestOutcome outcome) { ++requests[size_t(outcome)]; }
    void observeHeaderLatency(double seconds);

    // Prometheus text exposition format 0.0.4.
    QByteArray toPrometheus() const;
};
