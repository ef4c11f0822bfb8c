#pragma once

#include "gaugedqueue.h"
#include "proxymetrics.h"
#include "proxyrequest.h"
#include "settings.h"
#include "sseevent.h"

#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <optional>

class ProxiedRequest;
class UpstreamPool;

// One WebSocket client: decodes its messages, runs its requests one at a time (later ones wait
// in a bounded queue), and relays what each request (a ProxiedRequest, which owns everything
// about one request) reports as protocol messages. Metrics and the monitor's Info are updated
// here, from those reports, in one place each.
//
// Flow control: when the client's socket has more than proxy.highWatermarkBytes queued, the
// upstream is paused until the queue drains below proxy.lowWatermarkBytes. A client paused
// for proxy.stallTimeout ms is dropped (docs/ARCHITECTURE.md, "Slow clients").
class ClientSession : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Connecting, Streaming, Closed };
    Q_ENUM(State)

    // What the monitor feed shows of a session; updated in place as the session works.
    struct Info
    {
        quint64 id = 0;
        QString clientAddress;
        qint64 startedAtMs = 0;      // ms since the epoch
        qint64 finishedAtMs = 0;
        State state = State::Idle;
        QByteArray method;           // of the current or last request
        QString url;
        HttpHeaderList requestHeaders;
        int status = 0;              // of the current or last response
        HttpHeaderList responseHeaders;
        quint64 requestEventsRelayed = 0; // by the current or last request
        quint64 eventsRelayed = 0;
        quint64 bytesIn = 0;         // from upstreams
        quint64 bytesOut = 0;        // to the client
        quint64 requestsHandled = 0;
        QString lastError;
    };

    // Takes ownership of `socket`. `pool` and `metrics` must outlive the session.
    ClientSession(quint64 id, QWebSocket *socket, UpstreamPool *pool,
                  const ProxySettings &settings, ProxyMetrics *metrics,
                  QObject *parent = nullptr);
    ~ClientSession() override;

    quint64 id() const { return m_info.id; }
    const Info &info() const { return m_info; }
    int queuedRequests() const { return int(m_queue.size()); }

    // The proxy is stopping: every request (active and queued) gets `closed` with reason
    // "proxy shutting down" (an idle client gets one too), then the socket is closed.
    void shutdown();

signals:
    // The client is gone; the owner deletes the session (later, not from the slot).
    void closed(quint64 id);
    void requestStarted(quint64 id);
    void requestConnected(quint64 id);
    // `error` is the `error` message sent (empty when none); `reason` the `closed` reason.
    void requestFinished(quint64 id, RequestOutcome outcome, const QString &error,
                         const QString &reason);
    // Every relayed event. Emitting it costs next to nothing while nothing is connected, so the
    // monitor feed connects only while someone follows this session.
    void eventRelayed(quint64 id, const SseEvent &event);

private:
    // A queued item: a request to perform, or a rejection to answer in its turn.
    struct Pending
    {
        std::optional<ProxyRequest> request;
        QString rejection;
    };

    void onTextMessageReceived(const QString &message);
    void onBinaryMessageReceived(const QByteArray &message);
    void onSocketDisconnected();
    void onSocketBytesWritten();
    void onStallTimerTimeout();
    void onRequestConnected(int status, const HttpHeaderList &headers, double seconds);
    void onRequestEvent(const SseEvent &event);
    void onRequestFinished(RequestOutcome outcome, const QString &error, const QString &reason);

    void enqueue(Pending pending);
    void startNext();
    void run(const Pending &pending);
    void start(const ProxyRequest &request);
    void cancel();
    void answerRejection(const QString &error);
    // Counts a request's end (any request: run or rejected) in the metrics and the Info.
    void recordEnd(RequestOutcome outcome, const QString &error, const QString &reason);
    void send(const QString &message);
    void pauseIfBackedUp();
    QString logPrefix() const;

    QWebSocket *m_socket;
    UpstreamPool *m_pool;
    ProxySettings m_settings;
    ProxyMetrics *m_metrics;
    Info m_info;
    GaugedQueue<Pending> m_queue;
    ProxiedRequest *m_active = nullptr;
    QTimer m_stallTimer;
    QString m_messageBuffer; // reused for every sse-event message
    bool m_shuttingDown = false;
};
