#pragma once

#include "proxymetrics.h"
#include "proxyrequest.h"
#include "sseevent.h"
#include "upstreamstream.h"

#include <QElapsedTimer>
#include <QObject>

class QNetworkReply;

// One client request, from the moment its upstream reply exists to its single finished():
// owns the reply and its reader (UpstreamStream: parser, silence timer, pause state), times the
// response head, counts what it relayed, and decides the outcome with its `error` and `closed`
// texts. Whatever ends it (the upstream's end or failure, a timeout, or end() from outside:
// cancel, client gone, stall, shutdown) goes through one path and finished() comes exactly once.
//
// It knows nothing of sockets or sessions: the session relays what it reports, and several
// requests could run side by side, or one be restarted after a broken upstream.
class ProxiedRequest : public QObject
{
    Q_OBJECT

public:
    // Takes ownership of `reply`.
    ProxiedRequest(const ProxyRequest &request, QNetworkReply *reply,
        const UpstreamStream::Options &options, QObject *parent = nullptr);
    ~ProxiedRequest() override;

    const ProxyRequest &request() const { return m_request; }
    bool isFinished() const { return m_finished; }
    bool isPaused() const { return m_stream->isPaused(); }
    quint64 eventsRelayed() const { return m_eventsRelayed; }
    qint64 bytesReceived() const { return m_stream->bytesReceived(); }
    int status() const { return m_status; } // of the response head; 0 before it
    bool isRefusal() const { return m_stream->isRefusal(); } // see UpstreamStream

    // Flow control from the consumer: while paused nothing is read from the upstream.
    void pause() { m_stream->pause(); }
    void resume() { m_stream->resume(); }

    // Ends the request from outside: the upstream is aborted, then finished() with these.
    void end(RequestOutcome outcome, const QString &error, const QString &reason);

signals:
    // The upstream's response head, `seconds` after the request started.
    void connected(int status, const HttpHeaderList &headers, double seconds);
    void eventReceived(const SseEvent &event);
    void bodyBytesRead(qint64 count);
    // Exactly once, last. `error` is the `error` message to send (empty: none); `reason` the
    // `closed` reason.
    void finished(RequestOutcome outcome, const QString &error, const QString &reason);

private:
    void onStreamFinished(UpstreamStream::Outcome outcome, const QString &message);

    ProxyRequest m_request;
    UpstreamStream *m_stream;
    QElapsedTimer m_clock;
    quint64 m_eventsRelayed = 0;
    int m_status = 0;
    bool m_finished = false;
};
