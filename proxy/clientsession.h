#pragma once

#include "clientwatchdog.h"
#include "gaugedqueue.h"
#include "proxymetrics.h"
#include "proxyrequest.h"
#include "sessionrecorder.h"
#include "settings.h"
#include "sseevent.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <optional>

class ClientStream;
class IncomingBudget;
class UpstreamPool;

// One WebSocket client: decodes its messages and runs its requests (docs/PROTOCOL.md §4):
// those without an id one at a time in arrival order (later ones wait in a bounded queue),
// those with an id at once, side by side (at most proxy.maxStreamsPerSocket). It relays what
// each request (a ClientStream, which owns everything about one request, reconnects included)
// reports as protocol messages, with the request's id. Every end, whatever caused it, is
// answered in one place (answerEnd). What is counted of all this, for /metrics and for the
// monitor's Info, is counted by the session's SessionRecorder, never here.
//
// Flow control: when the client's socket has more than proxy.highWatermarkBytes queued, every
// upstream is paused until the queue drains below proxy.lowWatermarkBytes. When a client must
// go for how it behaves on the wire (stalled, idle, no pong, over a limit), its ClientWatchdog
// says so and the session answers (docs/ARCHITECTURE.md, "Slow clients"; docs/SECURITY.md).
class ClientSession : public QObject
{
    Q_OBJECT

public:
    using State = SessionInfo::State;
    using Info = SessionInfo; // what the monitor feed reads; kept by the SessionRecorder

    // Takes ownership of `socket`; `transport` is the TCP socket under it (may be null).
    // `pool`, `metrics` and `budget` must outlive the session.
    ClientSession(quint64 id, QWebSocket *socket, QTcpSocket *transport, UpstreamPool *pool,
        const ProxySettings &settings, ProxyMetrics *metrics, IncomingBudget *budget,
        QObject *parent = nullptr);
    ~ClientSession() override;

    quint64 id() const { return m_recorder.info().id; }
    const Info &info() const { return m_recorder.info(); }
    int queuedRequests() const { return int(m_queue.size()); }

    // The proxy is stopping: every request (running and queued) gets `closed` with reason
    // "proxy shutting down" (an idle client gets one too), then the socket is closed.
    void shutdown();

signals:
    // Each is emitted once info() already shows what it announces, so a listener reads it there.
    // The client is gone; the owner deletes the session (later, not from the slot).
    void closed(quint64 id);
    // `stream` is the request (its id, what was asked, its response head); it is deleted
    // later, never during the signal. info() shows it as the current request.
    void requestStarted(quint64 id, const ClientStream *stream);
    // An attempt of `stream` got its response head (once more after each reconnect).
    void requestConnected(quint64 id, const ClientStream *stream);
    // Once per request, run or rejected: `requestId` is its id (empty for one without);
    // `stream` the request that ran, null for a rejection, which never started. `error` is
    // the `error` message sent (empty when none); `reason` the `closed` reason.
    void requestFinished(quint64 id, const QString &requestId, const ClientStream *stream,
        RequestOutcome outcome, const QString &error, const QString &reason);
    // Every relayed event. Emitting it costs next to nothing while nothing is connected, so the
    // monitor feed connects only while someone follows this session.
    // `requestId`: the stream's id (empty for the request without one).
    void eventRelayed(quint64 id, const QString &requestId, const SseEvent &event);

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
    void onWatchdogVerdict(ClientWatchdog::Verdict verdict, const QString &message);
    void onStreamConnected(const ClientStream *stream, int status, const HttpHeaderList &headers);
    void onStreamEvent(ClientStream *stream, const SseEvent &event);
    void onStreamFinished(
        ClientStream *stream, RequestOutcome outcome, const QString &error, const QString &reason);

    void enqueue(Pending pending);
    void startNext();
    void run(const Pending &pending);
    void startWithId(const ProxyRequest &request);
    ClientStream *start(const ProxyRequest &request);
    void cancel(const QString &id);
    // Every running request, the id-less one first.
    QList<ClientStream *> streams() const;
    // Answers one request's end to the client (`error` when there is one, then `closed`, both
    // with the request's id), has it counted, and tells the monitor: the only way any request,
    // run or rejected, ends.
    void answerEnd(RequestOutcome outcome, const QString &error, const QString &reason,
        const QString &id = QString(), const ClientStream *stream = nullptr);
    void send(const QString &message);
    void pauseIfBackedUp();
    void updateBusy();
    QString logPrefix() const;

    QWebSocket *m_socket;
    UpstreamPool *m_pool;
    ProxySettings m_settings;
    SessionRecorder m_recorder;
    GaugedQueue<Pending> m_queue; // mirrors its length into ProxyMetrics::queuedRequests
    ClientStream *m_active = nullptr; // the id-less request running now
    QHash<QString, ClientStream *> m_streams; // requests with an id, by id
    bool m_backedUp = false; // every stream paused until the client's queue drains
    ClientWatchdog m_watchdog;
    QString m_messageBuffer; // reused for every sse-event message
    bool m_shuttingDown = false;
    bool m_clientGone = false; // the socket disconnected: nothing more is sent
    bool m_muted = false; // being dropped for not reading: nothing more is queued
};
