#pragma once

#include "metriccounter.h"

#include <QByteArray>

#include <array>

enum class RequestOutcome {
    Completed, // upstream ended the body
    Rejected, // invalid request, binary frame, queue full
    UpstreamError, // refused, DNS, TLS, non-2xx, wrong content type, broken stream
    Timeout, // proxy.sseTimeout of upstream silence
    Cancelled, // {"type":"cancel"}
    ClientGone, // the client disconnected mid-request
    ClientStalled, // the client stopped reading for proxy.stallTimeout
    ShuttingDown, // SIGINT/SIGTERM
};
inline constexpr int requestOutcomeCount = 8;
const char *requestOutcomeName(RequestOutcome outcome); // "completed", "upstream_error", ...

// One worker's counters, updated in place on the relay path by that worker's thread only
// (MetricCounter: no lock, no read-modify-write), and the proxy's totals: the workers' metrics
// summed with += when scraped, rendered as Prometheus text. Counters only grow, so a scrape
// before and after N events differs by exactly N, however the sessions are spread.
struct ProxyMetrics
{
    // Upper bounds (seconds) of the time-to-response-headers histogram buckets.
    static constexpr std::array<double, 10> headerLatencyBuckets
        = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0 };

    MetricCounter<quint64> sessionsOpened;
    MetricCounter<qint64> sessionsOpen;
    std::array<MetricCounter<quint64>, requestOutcomeCount> requests;
    MetricCounter<qint64> requestsActive; // requests connecting to, streaming from or waiting to
                                          // reconnect to an upstream
    MetricCounter<quint64> reconnects; // waits before asking an upstream again ("reconnect")
    MetricCounter<quint64> eventsRelayed;
    MetricCounter<quint64> upstreamBytesReceived;
    MetricCounter<quint64> clientBytesSent;
    MetricCounter<qint64> queuedRequests;
    MetricCounter<quint64> backpressurePauses;
    std::array<MetricCounter<quint64>, headerLatencyBuckets.size()>
        headerLatencyCounts; // not cumulative
    MetricCounter<quint64> headerLatencyCount;
    MetricCounter<double> headerLatencySum;

    void countRequest(RequestOutcome outcome) { ++requests[size_t(outcome)]; }
    void observeHeaderLatency(double seconds);
    // Adds another worker's numbers to these (a snapshot, not a live counter).
    ProxyMetrics &operator+=(const ProxyMetrics &other);

    // Prometheus text exposition format 0.0.4.
    QByteArray toPrometheus() const;
};
