#pragma once

#include "proxymetrics.h"
#include "proxyrequest.h"

#include <QObject>
#include <QString>

class ClientStream;

// One request running on a session (docs/MONITOR.md, "Session", `requests`).
struct RequestInfo
{
    enum class State { Connecting, Streaming, Reconnecting };

    const ClientStream *stream = nullptr; // which one (never dereferenced by readers)
    QString id; // the request's "id"; empty for a request without one
    QByteArray method;
    QString url;
    State state = State::Connecting;
    int status = 0; // of the last response head; 0 before the first
    quint64 eventsRelayed = 0;
    int attempts = 0; // upstream requests made: 1, plus one per reconnect
};

// What the monitor feed shows of one client session (docs/MONITOR.md, "Session").
struct SessionInfo
{
    enum class State { Idle, Connecting, Streaming, Closed };

    quint64 id = 0;
    QString clientAddress;
    qint64 startedAtMs = 0; // ms since the epoch
    qint64 finishedAtMs = 0;
    State state = State::Idle;
    QByteArray method; // of the current or last request
    QString url;
    HttpHeaderList requestHeaders;
    int status = 0; // of the current or last response
    HttpHeaderList responseHeaders;
    quint64 requestEventsRelayed = 0; // by the current or last request
    quint64 eventsRelayed = 0;
    quint64 bytesIn = 0; // from upstreams
    quint64 bytesOut = 0; // to the client
    quint64 requestsHandled = 0;
    QString lastError;
    QList<RequestInfo> requests; // running now, oldest first
};

// The one place where a session's numbers change: the proxy-wide ProxyMetrics and the session's
// SessionInfo. It takes what each request (a ClientStream, several at once with ids) reports
// (its start, response heads, body bytes, events, reconnects, and the end of its run) straight
// from the stream's signals, and is told the few things only the session sees (an end it
// answered, which may be a rejection that never had a stream; bytes sent to the client; a
// backpressure pause; the client leaving).
//
// Data flows one way: it never acts on a request, a socket or the session, so the relay cannot
// depend on what is counted, and the monitor reads numbers that nothing else keeps.
class SessionRecorder : public QObject
{
    Q_OBJECT

public:
    // `metrics` must outlive the recorder. Counts the session as opened (and, when destroyed,
    // as gone).
    SessionRecorder(
        quint64 id, const QString &clientAddress, ProxyMetrics *metrics, QObject *parent = nullptr);
    ~SessionRecorder() override;

    const SessionInfo &info() const { return m_info; }

    // `stream` starts: it becomes the current request (method, url, headers, status), and its
    // reports are counted until it finishes. Call before connecting anything else to it, so
    // that whoever hears its signals after the recorder (the session, and the monitor through
    // the session) reads numbers that already include them.
    void follow(const ClientStream *stream);

    // A request's end as answered to the client, whatever ended it and whether or not it had a
    // request object (rejections do not): called once per request.
    void countEnd(RequestOutcome outcome, const QString &error);
    void countSent(qint64 bytes);
    void countPause();
    void markClosed(); // the client is gone: the session is closed for good

private:
    void onConnected(
        const ClientStream *stream, int status, const HttpHeaderList &headers, double seconds);
    void onEvent(const ClientStream *stream);
    void onBytes(qint64 count);
    void onReconnecting(const ClientStream *stream);
    void onFinished(const ClientStream *stream);
    RequestInfo *find(const ClientStream *stream);
    // The session's state from its requests': streaming if one streams, connecting if one
    // connects, else idle. The only writer of m_info.state.
    void updateState();

    ProxyMetrics *m_metrics;
    SessionInfo m_info;
    const ClientStream *m_current = nullptr; // the last started, whose head Info shows
};
