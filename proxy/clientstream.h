#pragma once

#include "proxymessages.h"
#include "proxymetrics.h"
#include "proxyrequest.h"
#include "sseevent.h"
#include "upstreamstream.h"

#include <QObject>
#include <QTimer>

#include <functional>

class ProxiedRequest;
class QNetworkReply;

// One client request for its whole life, from start() to its single finished(). Without
// "reconnect" that is one upstream request (a ProxiedRequest). With it, when the upstream ends
// or breaks, the stream waits its reconnection time and asks again with Last-Event-ID set to
// the last event ID it relayed, announcing each wait with reconnecting(), until an attempt is
// refused (ProxiedRequest::isRefusal(), or a 204), the attempts run out, or end() is called
// (docs/PROTOCOL.md §4, "Reconnect"). Whoever listens sees one stream: connected() once per
// attempt that got a response head, every event once, finished() once.
class ClientStream : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        UpstreamStream::Options upstream;
        int maxReconnectAttempts = 1000; // proxy.maxReconnectAttempts
        int maxReconnectDelayMs = 30000; // proxy.maxReconnectDelayMs
        int minReconnectDelayMs = 500; // proxy.minReconnectDelayMs
    };

    // EventSource's reconnection time before the stream sets one with `retry`.
    static constexpr int defaultReconnectDelayMs = 3000;

    // Sends one upstream request (the session's: UpstreamPool::start); the stream owns the reply.
    using StartRequest = std::function<QNetworkReply *(const ProxyRequest &)>;

    // Nothing happens before start().
    ClientStream(const ProxyRequest &request, StartRequest startRequest, const Options &options,
        QObject *parent = nullptr);
    ~ClientStream() override;

    void start();

    const ProxyRequest &request() const { return m_request; }
    const QString &id() const { return m_request.id; }
    bool isPaused() const { return m_paused; }
    bool isWaiting() const { return m_waitTimer.isActive(); } // between two attempts
    quint64 eventsRelayed() const { return m_eventsRelayed; }
    const QString &lastEventId() const { return m_lastEventId; }
    // The last response head's headers; empty before the first. Kept for the monitor, which
    // scrubs an error text of the secrets of the request it ends, response cookies included.
    const HttpHeaderList &responseHeaders() const { return m_responseHeaders; }

    // Flow control from the consumer; a new attempt starts paused while the stream is.
    void pause();
    void resume();

    // Ends the stream from outside (cancel, client gone, stall, shutdown, an event too large):
    // never retried. finished() comes with these, at once.
    void end(RequestOutcome outcome, const QString &error, const QString &reason);

signals:
    // An attempt's response head, `seconds` after that attempt started.
    void connected(int status, const HttpHeaderList &headers, double seconds);
    void eventReceived(const SseEvent &event);
    void bodyBytesRead(qint64 count);
    // The upstream ended or broke and the stream will ask again after `what.delayMs`.
    void reconnecting(const ProxyMessages::Reconnecting &what);
    // Exactly once, last. `error` is the `error` message to send (empty: none); `reason` the
    // `closed` reason.
    void finished(RequestOutcome outcome, const QString &error, const QString &reason);

private:
    void startAttempt();
    void onAttemptEvent(const SseEvent &event);
    void onAttemptFinished(RequestOutcome outcome, const QString &error, const QString &reason);
    // The wait before the next attempt: the last `retry` relayed (else 3 s), capped; once
    // attempts fail in a row, at least proxy.minReconnectDelayMs.
    int reconnectDelayMs() const;
    int maxAttempts() const;
    void finish(RequestOutcome outcome, const QString &error, const QString &reason);

    ProxyRequest m_request;
    StartRequest m_startRequest;
    Options m_options;
    ProxiedRequest *m_attempt = nullptr;
    QTimer m_waitTimer;
    QString m_lastEventId; // sent as Last-Event-ID on the next attempt
    HttpHeaderList m_responseHeaders;
    qint64 m_retryMs = -1; // the upstream's last `retry`; -1: none yet
    quint64 m_eventsRelayed = 0;
    int m_attemptsStarted = 0;
    int m_failedInARow = 0; // attempts since the last one that relayed an event
    bool m_paused = false;
    bool m_finished = false;
};
