#include "sessionrecorder.h"

#include "clientstream.h"

#include <QDateTime>

#include <algorithm>

SessionRecorder::SessionRecorder(
    quint64 id, const QString &clientAddress, ProxyMetrics *metrics, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics)
{
    m_info.id = id;
    m_info.clientAddress = clientAddress;
    m_info.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    ++m_metrics->sessionsOpened;
    ++m_metrics->sessionsOpen;
}

SessionRecorder::~SessionRecorder()
{
    m_metrics->requestsActive -= m_info.requests.size();
    --m_metrics->sessionsOpen;
}

void SessionRecorder::follow(const ClientStream *stream)
{
    const ProxyRequest &r = stream->request();
    m_current = stream;
    m_info.method = r.method;
    m_info.url = r.url().toString();
    m_info.requestHeaders = r.upstreamHeaders();
    m_info.status = 0;
    m_info.responseHeaders.clear();
    m_info.requestEventsRelayed = 0;
    m_info.requests.append(
        { stream, r.id, r.method, m_info.url, RequestInfo::State::Connecting, 0, 0, 1 });
    ++m_metrics->requestsActive;
    updateState();

    connect(stream, &ClientStream::connected, this,
        [this, stream](int status, const HttpHeaderList &headers, double seconds) {
            onConnected(stream, status, headers, seconds);
        });
    connect(stream, &ClientStream::eventReceived, this, [this, stream] { onEvent(stream); });
    connect(stream, &ClientStream::bodyBytesRead, this, &SessionRecorder::onBytes);
    connect(stream, &ClientStream::reconnecting, this, [this, stream] { onReconnecting(stream); });
    connect(stream, &ClientStream::finished, this, [this, stream] { onFinished(stream); });
}

void SessionRecorder::countEnd(RequestOutcome outcome, const QString &error)
{
    m_metrics->countRequest(outcome);
    ++m_info.requestsHandled;
    if (!error.isEmpty())
        m_info.lastError = error;
}

void SessionRecorder::countSent(qint64 bytes)
{
    m_info.bytesOut += quint64(bytes);
    m_metrics->clientBytesSent += quint64(bytes);
}

void SessionRecorder::countPause()
{
    ++m_metrics->backpressurePauses;
}

void SessionRecorder::markClosed()
{
    m_info.state = SessionInfo::State::Closed;
    m_info.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
}

RequestInfo *SessionRecorder::find(const ClientStream *stream)
{
    // A handful of requests per session at most (proxy.maxStreamsPerSocket): a scan is cheapest.
    for (RequestInfo &request : m_info.requests) {
        if (request.stream == stream)
            return &request;
    }
    return nullptr;
}

void SessionRecorder::onConnected(
    const ClientStream *stream, int status, const HttpHeaderList &headers, double seconds)
{
    if (RequestInfo *request = find(stream)) {
        request->state = RequestInfo::State::Streaming;
        request->status = status;
    }
    if (stream == m_current) {
        m_info.status = status;
        m_info.responseHeaders = headers;
    }
    m_metrics->observeHeaderLatency(seconds);
    updateState();
}

void SessionRecorder::onEvent(const ClientStream *stream)
{
    // Every event a request reports is relayed: the session writes it before anything else.
    ++m_info.eventsRelayed;
    ++m_metrics->eventsRelayed;
    if (stream == m_current)
        ++m_info.requestEventsRelayed;
    if (RequestInfo *request = find(stream))
        ++request->eventsRelayed;
}

void SessionRecorder::onBytes(qint64 count)
{
    m_info.bytesIn += quint64(count);
    m_metrics->upstreamBytesReceived += quint64(count);
}

void SessionRecorder::onReconnecting(const ClientStream *stream)
{
    ++m_metrics->reconnects;
    if (RequestInfo *request = find(stream)) {
        request->state = RequestInfo::State::Reconnecting;
        ++request->attempts;
    }
    updateState();
}

void SessionRecorder::onFinished(const ClientStream *stream)
{
    // The end itself is counted in countEnd(), once the client was answered; here only the
    // request stops being active.
    const auto removed = m_info.requests.removeIf(
        [stream](const RequestInfo &request) { return request.stream == stream; });
    m_metrics->requestsActive -= removed;
    if (stream == m_current)
        m_current = nullptr;
    updateState();
}

void SessionRecorder::updateState()
{
    if (m_info.state == SessionInfo::State::Closed) // a session whose client is gone stays closed
        return;
    const auto any = [this](RequestInfo::State state) {
        return std::any_of(m_info.requests.cbegin(), m_info.requests.cend(),
            [state](const RequestInfo &request) { return request.state == state; });
    };
    if (any(RequestInfo::State::Streaming))
        m_info.state = SessionInfo::State::Streaming;
    else if (!m_info.requests.isEmpty())
        m_info.state = SessionInfo::State::Connecting;
    else
        m_info.state = SessionInfo::State::Idle;
}
