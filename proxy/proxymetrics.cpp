#include "proxymetrics.h"

const char *requestOutcomeName(RequestOutcome outcome)
{
    switch (outcome) {
    case RequestOutcome::Completed:
        return "completed";
    case RequestOutcome::Rejected:
        return "rejected";
    case RequestOutcome::UpstreamError:
        return "upstream_error";
    case RequestOutcome::Timeout:
        return "timeout";
    case RequestOutcome::Cancelled:
        return "cancelled";
    case RequestOutcome::ClientGone:
        return "client_gone";
    case RequestOutcome::ClientStalled:
        return "client_stalled";
    case RequestOutcome::ShuttingDown:
        return "shutting_down";
    }
    return "unknown";
}

void ProxyMetrics::observeHeaderLatency(double seconds)
{
    for (size_t i = 0; i < headerLatencyBuckets.size(); ++i) {
        if (seconds <= headerLatencyBuckets[i]) {
            ++headerLatencyCounts[i];
            break;
        }
    }
    ++headerLatencyCount;
    headerLatencySum += seconds;
}

ProxyMetrics &ProxyMetrics::operator+=(const ProxyMetrics &other)
{
    sessionsOpened += other.sessionsOpened;
    sessionsOpen += other.sessionsOpen;
    for (size_t i = 0; i < requests.size(); ++i)
        requests[i] += other.requests[i];
    requestsActive += other.requestsActive;
    reconnects += other.reconnects;
    eventsRelayed += other.eventsRelayed;
    upstreamBytesReceived += other.upstreamBytesReceived;
    clientBytesSent += other.clientBytesSent;
    queuedRequests += other.queuedRequests;
    backpressurePauses += other.backpressurePauses;
    for (size_t i = 0; i < headerLatencyCounts.size(); ++i)
        headerLatencyCounts[i] += other.headerLatencyCounts[i];
    headerLatencyCount += other.headerLatencyCount;
    headerLatencySum += other.headerLatencySum;
    return *this;
}

namespace {

void metric(QByteArray &out, const char *name, const char *type, const char *help)
{
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
}

void sample(QByteArray &out, const char *name, quint64 value, const QByteArray &labels = {})
{
    out.append(name).append(labels).append(' ').append(QByteArray::number(value)).append('\n');
}

} // namespace

QByteArray ProxyMetrics::toPrometheus() const
{
    QByteArray out;
    out.reserve(4096);

    metric(out, "wssp_sessions_open", "gauge", "WebSocket client sessions currently open.");
    sample(out, "wssp_sessions_open", quint64(qMax<qint64>(sessionsOpen, 0)));
    metric(out, "wssp_sessions_opened_total", "counter", "WebSocket client sessions opened.");
    sample(out, "wssp_sessions_opened_total", sessionsOpened);

    metric(out, "wssp_requests_total", "counter", "Client requests finished, by outcome.");
    for (int i = 0; i < requestOutcomeCount; ++i) {
        sample(out, "wssp_requests_total", requests[size_t(i)],
            QByteArray("{outcome=\"").append(requestOutcomeName(RequestOutcome(i))).append("\"}"));
    }

    metric(out, "wssp_requests_active", "gauge",
        "Requests connecting to, streaming from, or waiting to reconnect to an upstream.");
    sample(out, "wssp_requests_active", quint64(qMax<qint64>(requestsActive, 0)));
    metric(out, "wssp_upstream_reconnects_total", "counter",
        "Times a request with reconnect asked its upstream again after it ended or broke.");
    sample(out, "wssp_upstream_reconnects_total", reconnects);

    metric(out, "wssp_events_relayed_total", "counter", "SSE events relayed to clients.");
    sample(out, "wssp_events_relayed_total", eventsRelayed);
    metric(out, "wssp_upstream_received_bytes_total", "counter",
        "Body bytes received from upstream SSE servers.");
    sample(out, "wssp_upstream_received_bytes_total", upstreamBytesReceived);
    metric(out, "wssp_client_sent_bytes_total", "counter",
        "WebSocket message payload bytes sent to clients.");
    sample(out, "wssp_client_sent_bytes_total", clientBytesSent);
    metric(out, "wssp_queued_requests", "gauge", "Requests waiting behind an active one.");
    sample(out, "wssp_queued_requests", quint64(qMax<qint64>(queuedRequests, 0)));
    metric(out, "wssp_backpressure_pauses_total", "counter",
        "Times an upstream was paused because its client was not reading fast enough.");
    sample(out, "wssp_backpressure_pauses_total", backpressurePauses);

    metric(out, "wssp_upstream_response_seconds", "histogram",
        "Time from a request's start to the upstream's response headers.");
    quint64 cumulative = 0;
    for (size_t i = 0; i < headerLatencyBuckets.size(); ++i) {
        cumulative += headerLatencyCounts[i];
        sample(out, "wssp_upstream_response_seconds_bucket", cumulative,
            QByteArray("{le=\"")
                .append(QByteArray::number(headerLatencyBuckets[i], 'g', 6))
                .append("\"}"));
    }
    sample(out, "wssp_upstream_response_seconds_bucket", headerLatencyCount, "{le=\"+Inf\"}");
    out.append("wssp_upstream_response_seconds_sum ")
        .append(QByteArray::number(headerLatencySum, 'g', 12))
        .append('\n');
    sample(out, "wssp_upstream_response_seconds_count", headerLatencyCount);
    return out;
}
