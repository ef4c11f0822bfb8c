#include "sessionrecorder.h"

#include "proxiedrequest.h"

#include <QDateTime>

SessionRecorder::SessionRecorder(quint64 id, const QString &clientAddress, ProxyMetrics *metrics,
                                 QObject *parent)
    : QObject(parent), m_metrics(metrics)
{
    m_info.id = id;
    m_info.clientAddress = clientAddress;
    m_info.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    ++m_metrics->sessionsOpened;
    ++m_metrics->sessionsOpen;
}

SessionRecorder::~SessionRecorder()
{
    setState(SessionInfo::State::Closed);
    --m_metrics->sessionsOpen;
}

void SessionRecorder::setState(SessionInfo::State state)
{
    const auto active = [](SessionInfo::State s) {
        return s == SessionInfo::State::Connecting || s == SessionInfo::State::Streaming;
    };
    if (active(state) != active(m_info.state))
        m_metrics->requestsActive += active(state) ? 1 : -1;
    m_info.state = state;
}

void SessionRecorder::follow(const ProxiedRequest *request)
{
    const ProxyRequest &r = request->request();
    setState(SessionInfo::State::Connecting);
    m_info.method = r.method;
    m_info.url = r.url().toString();
    m_info.requestHeaders = r.upstreamHeaders();
    m_info.status = 0;
    m_info.responseHeaders.clear();
    m_info.requestEventsRelayed = 0;

    connect(request, &ProxiedRequest::connected, this, &SessionRecorder::onRequestConnected);
    connect(request, &ProxiedRequest::eventReceived, this, &SessionRecorder::onRequestEvent);
    connect(request, &ProxiedRequest::bodyBytesRead, this, &SessionRecorder::onRequestBytes);
    connect(request, &ProxiedRequest::finished, this, &SessionRecorder::onRequestFinished);
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
    setState(SessionInfo::State::Closed);
    m_info.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
}

void SessionRecorder::onRequestConnected(int status, const HttpHeaderList &headers, double seconds)
{
    setState(SessionInfo::State::Streaming);
    m_info.status = status;
    m_info.responseHeaders = headers;
    m_metrics->observeHeaderLatency(seconds);
}

void SessionRecorder::onRequestEvent()
{
    // Every event a request reports is relayed: the session writes it before anything else.
    ++m_info.eventsRelayed;
    ++m_info.requestEventsRelayed;
    ++m_metrics->eventsRelayed;
}

void SessionRecorder::onRequestBytes(qint64 count)
{
    m_info.bytesIn += quint64(count);
    m_metrics->upstreamBytesReceived += quint64(count);
}

void SessionRecorder::onRequestFinished()
{
    // The end itself is counted in countEnd(), once the client was answered; here only the
    // session stops being busy. A session whose client is gone stays closed.
    if (m_info.state != SessionInfo::State::Closed)
        setState(SessionInfo::State::Idle);
}
