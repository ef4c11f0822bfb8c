#include "clientstream.h"

#include "proxiedrequest.h"

#include <limits>

ClientStream::ClientStream(
    const ProxyRequest &request, StartRequest startRequest, const Options &options, QObject *parent)
    : QObject(parent)
    , m_request(request)
    , m_startRequest(std::move(startRequest))
    , m_options(options)
{
    m_waitTimer.setSingleShot(true);
    connect(&m_waitTimer, &QTimer::timeout, this, &ClientStream::startAttempt);
    // A client that resumes a stream itself asks from its own ID, until events bring a newer.
    for (const HttpHeader &header : m_request.headers) {
        if (header.first.compare("last-event-id", Qt::CaseInsensitive) == 0)
            m_lastEventId = QString::fromUtf8(header.second);
    }
}

ClientStream::~ClientStream() = default;

void ClientStream::start()
{
    startAttempt();
}

void ClientStream::startAttempt()
{
    ProxyRequest request = m_request;
    if (m_attemptsStarted > 0)
        request.setLastEventId(m_lastEventId); // none when no event carried an ID: as EventSource
    ++m_attemptsStarted;
    m_attempt = new ProxiedRequest(request, m_startRequest(request), m_options.upstream, this);
    connect(m_attempt, &ProxiedRequest::connected, this,
        [this](int status, const HttpHeaderList &headers, double seconds) {
            m_responseHeaders = headers;
            emit connected(status, headers, seconds);
        });
    connect(m_attempt, &ProxiedRequest::eventReceived, this, &ClientStream::onAttemptEvent);
    connect(m_attempt, &ProxiedRequest::bodyBytesRead, this, &ClientStream::bodyBytesRead);
    connect(m_attempt, &ProxiedRequest::finished, this, &ClientStream::onAttemptFinished);
    if (m_paused)
        m_attempt->pause();
}

void ClientStream::pause()
{
    m_paused = true;
    if (m_attempt)
        m_attempt->pause();
}

void ClientStream::resume()
{
    m_paused = false;
    if (m_attempt)
        m_attempt->resume(); // relays what is buffered; may pause us again
}

void ClientStream::end(RequestOutcome outcome, const QString &error, const QString &reason)
{
    if (m_finished)
        return;
    m_waitTimer.stop();
    if (m_attempt) {
        m_attempt->disconnect(this); // its finished() is ours to report, not a reason to retry
        m_attempt->end(outcome, error, reason);
        m_attempt->deleteLater();
        m_attempt = nullptr;
    }
    finish(outcome, error, reason);
}

void ClientStream::onAttemptEvent(const SseEvent &event)
{
    ++m_eventsRelayed;
    m_lastEventId = event.lastEventId;
    if (event.hasRetry) {
        bool ok = false;
        const qulonglong retry = event.retry.toULongLong(&ok);
        m_retryMs = ok ? qint64(qMin<qulonglong>(retry, std::numeric_limits<int>::max()))
                       : std::numeric_limits<int>::max(); // more digits than a number holds
    }
    emit eventReceived(event);
}

void ClientStream::onAttemptFinished(
    RequestOutcome outcome, const QString &error, const QString &reason)
{
    const bool relayedEvents = m_attempt->eventsRelayed() > 0;
    const bool refusal = m_attempt->isRefusal();
    const int status = m_attempt->status();
    m_attempt->deleteLater(); // we are inside its signal
    m_attempt = nullptr;

    if (!m_request.reconnect.enabled) {
        finish(outcome, error, reason);
        return;
    }
    if (status == 204) { // "HTTP 204 No Content ... must prevent the user agent from reconnecting"
        finish(RequestOutcome::UpstreamError,
            QStringLiteral("upstream answered HTTP 204 No Content: the stream asks not to be "
                           "reconnected"),
            QString::fromUtf16(ProxyMessages::reasonUpstreamError));
        return;
    }
    if (refusal) {
        finish(outcome, error, reason);
        return;
    }
    if (relayedEvents)
        m_failedInARow = 0;
    const QString why = error.isEmpty() ? reason : error;
    if (++m_failedInARow > maxAttempts()) {
        const bool requestLimit = m_request.reconnect.maxAttempts > 0
            && m_request.reconnect.maxAttempts <= m_options.maxReconnectAttempts;
        finish(RequestOutcome::UpstreamError,
            QStringLiteral("stopped reconnecting after %1 in a row without an event (%2); "
                           "the last ended: %3")
                .arg(maxAttempts() == 1 ? QStringLiteral("1 attempt")
                                        : QStringLiteral("%1 attempts").arg(maxAttempts()))
                .arg(requestLimit ? QStringLiteral("reconnect.maxAttempts")
                                  : QStringLiteral("proxy.maxReconnectAttempts"),
                    why),
            QString::fromUtf16(ProxyMessages::reasonUpstreamError));
        return;
    }
    const int delay = reconnectDelayMs();
    emit reconnecting({ m_failedInARow, delay, m_lastEventId, why });
    m_waitTimer.start(delay);
}

int ClientStream::reconnectDelayMs() const
{
    qint64 delay = m_retryMs >= 0 ? m_retryMs : defaultReconnectDelayMs;
    delay = qMin<qint64>(delay, m_options.maxReconnectDelayMs);
    if (m_request.reconnect.maxDelayMs > 0)
        delay = qMin<qint64>(delay, m_request.reconnect.maxDelayMs);
    // A stream that relayed events resumes as its upstream asked (retry: 0 included); one whose
    // upstream keeps failing must not let a client (maxDelayMs: 1) turn the proxy into a
    // hammer against it.
    if (m_failedInARow > 1)
        delay = qMax<qint64>(
            delay, qMin(m_options.minReconnectDelayMs, m_options.maxReconnectDelayMs));
    return int(delay);
}

int ClientStream::maxAttempts() const
{
    const int requested = m_request.reconnect.maxAttempts;
    return requested > 0 ? qMin(requested, m_options.maxReconnectAttempts)
                         : m_options.maxReconnectAttempts;
}

void ClientStream::finish(RequestOutcome outcome, const QString &error, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    emit finished(outcome, error, reason);
}
