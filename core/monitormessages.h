#pragma once

#include "proxyrequest.h"
#include "settings.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

// The monitor feed (docs/MONITOR.md): JSON text messages {"type": ..., "payload": ...} between
// the proxy's /monitor endpoint and ws-sse-monitor. Value types convert to and from JSON;
// every fromJson() checks each field's JSON type and names the field on failure
// (`payload.sessions[2].bytesIn: must be a non-negative integer`). Unknown fields are ignored so
// that either side may add fields without breaking the other. The feed carries at most a few
// dozen messages a second, so the codec favours clarity over speed (QJsonObject throughout).

// Header names (lower-case) to values; repeated headers joined with ", " in arrival order.
using MonitorHeaders = QMap<QString, QString>;

// Converts raw headers into the feed's form: names lower-cased, repeats joined with ", ".
MonitorHeaders monitorHeaders(const HttpHeaderList &headers);

// hello.settings for these settings: a flat object of dotted keys ("proxy.port": 3001) covering
// the proxy and admin sections. Never includes a token, whatever admin.redact says: only
// whether admin.token and proxy.authTokens are set ("admin.tokenSet", "proxy.authTokensSet").
QJsonObject monitorSettingsSummary(const Settings &settings);

// How one proxied request ended. Names on the wire are in monitorOutcomeName().
enum class MonitorOutcome {
    Completed, // "completed": the upstream ended the body
    Rejected, // "rejected": the client's request broke a rule, or the queue was full
    UpstreamError, // "upstream-error": refused, DNS, TLS, reset, non-2xx, wrong content type
    Timeout, // "timeout": proxy.sseTimeout elapsed without a byte from the upstream
    Cancelled, // "cancelled": {"type":"cancel"} or the client went away
    Shutdown, // "shutdown": the proxy is shutting down
    Stalled, // "stalled": the client stopped reading for proxy.stallTimeout
};
inline constexpr int monitorOutcomeCount = 7;

QString monitorOutcomeName(MonitorOutcome outcome);
std::optional<MonitorOutcome> monitorOutcomeFromName(QStringView name);

// One request running on a session now (MonitorSession::requests). Requests with an "id" run
// side by side on one socket (docs/PROTOCOL.md §4), so a session has several; the one without
// an id shows with an empty id.
struct MonitorRequest
{
    enum class State {
        Connecting, // "connecting": sent upstream, no response head yet
        Streaming, // "streaming": the upstream answered; events are being relayed
        Reconnecting, // "reconnecting": its upstream ended; waiting, then asking again
    };

    QString id; // the client's "id"; empty for the request without one
    QString method;
    QString url; // upstream URL, redacted like the session's
    State state = State::Connecting;
    int status = 0; // of the last response head; 0 before the first
    qint64 eventsRelayed = 0; // events relayed by this request, every attempt
    int attempts = 1; // upstream requests made: 1, plus one per reconnect

    static QString stateName(State state);
    static std::optional<State> stateFromName(QStringView name);

    static std::optional<MonitorRequest> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;

    friend bool operator==(const MonitorRequest &a, const MonitorRequest &b);
    friend bool operator!=(const MonitorRequest &a, const MonitorRequest &b) { return !(a == b); }
};

// One client WebSocket connection to the proxy, its current (or last) request, and the
// requests it runs now.
struct MonitorSession
{
    enum class State {
        Idle, // "idle": connected, no request in progress
        Connecting, // "connecting": a request was sent upstream, no response head yet
        Streaming, // "streaming": the upstream answered; events are being relayed
        Closed, // "closed": the client connection is gone
    };

    qint64 id
        = 0; // unique per proxy run, > 0; increasing per worker (worker k of N: k+1, k+1+N, ...)
    int worker = 0; // the worker (event loop thread) that serves it, 0-based (proxy.workers)
    QString clientAddress; // "127.0.0.1:54012", "[::1]:54012"
    State state = State::Idle;
    QString method; // current or last request; empty before the first
    QString url; // upstream URL of that request
    MonitorHeaders requestHeaders; // as sent upstream
    int status = 0; // upstream HTTP status; 0 = none yet
    MonitorHeaders responseHeaders; // upstream response headers
    qint64 eventsRelayed = 0; // SSE events sent to the client, all requests
    qint64 bytesIn = 0; // body bytes read from upstreams, all requests
    qint64 bytesOut = 0; // bytes of WebSocket messages sent to the client
    qint64 requestsHandled = 0; // requests finished, whatever the outcome
    int queued = 0; // requests waiting behind the current one
    qint64 startedAt = 0; // ms since the epoch, when the client connected
    qint64 finishedAt = 0; // ms since the epoch, when it closed; 0 = still open
    QString lastError; // the last `error` message sent to the client; may be empty
    QList<MonitorRequest> requests; // running now, oldest first; empty when idle

    static QString stateName(State state);
    static std::optional<State> stateFromName(QStringView name);

    static std::optional<MonitorSession> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;

    friend bool operator==(const MonitorSession &a, const MonitorSession &b);
    friend bool operator!=(const MonitorSession &a, const MonitorSession &b) { return !(a == b); }
};

// Proxy-wide counters, cumulative since the proxy started (except the *Open/Active gauges).
struct MonitorTotals
{
    qint64 time = 0; // ms since the epoch when the counters were read
    qint64 sessionsOpen = 0; // gauge: client connections now open
    qint64 sessionsOpened = 0; // counter: client connections accepted
    qint64 requestsActive = 0; // gauge: requests connecting or streaming now
    qint64 eventsRelayed = 0; // counter: SSE events sent to clients
    qint64 bytesIn = 0; // counter: body bytes read from upstreams
    qint64 bytesOut = 0; // counter: bytes of messages sent to clients
    std::array<qint64, monitorOutcomeCount> requests {}; // counter per MonitorOutcome

    qint64 requestsWith(MonitorOutcome outcome) const { return requests[size_t(outcome)]; }
    qint64 &requestsWith(MonitorOutcome outcome) { return requests[size_t(outcome)]; }

    static std::optional<MonitorTotals> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;

    friend bool operator==(const MonitorTotals &a, const MonitorTotals &b);
    friend bool operator!=(const MonitorTotals &a, const MonitorTotals &b) { return !(a == b); }
};

// One SSE event relayed by a subscribed session.
struct MonitorEventRecord
{
    qint64 time = 0; // ms since the epoch when the proxy relayed it
    QString requestId; // the "id" of the request that relayed it; empty for one without
    QString type; // the event type ("message" when the stream named none)
    QString id; // the last event ID; may be empty
    QString data; // the data, possibly cut to the proxy's excerpt limit
    bool truncated = false; // `data` was cut
    qint64 dataLength = 0; // UTF-16 length of the full data (data.size() unless truncated)

    static std::optional<MonitorEventRecord> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;

    friend bool operator==(const MonitorEventRecord &a, const MonitorEventRecord &b);
    friend bool operator!=(const MonitorEventRecord &a, const MonitorEventRecord &b)
    {
        return !(a == b);
    }
};

// "hello": first message on every monitor connection.
struct MonitorHello
{
    int protocolVersion = 1;
    QString proxyVersion; // "0.1.0"
    qint64 startedAt = 0; // ms since the epoch, when the proxy started
    qint64 serverTime = 0; // ms since the epoch, the proxy's clock when sending this
    QJsonObject settings; // summary: flat object of scalars ("proxy.port": 3001, ...)

    static std::optional<MonitorHello> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

// "request-started": a session began performing a request.
struct MonitorRequestStarted
{
    qint64 sessionId = 0;
    qint64 time = 0;
    QString method;
    QString url;
    MonitorHeaders headers; // request headers as sent upstream
    QString requestId; // the request's "id"; empty for one without

    static std::optional<MonitorRequestStarted> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

// "request-connected": the upstream answered with a response head (again after each reconnect).
struct MonitorRequestConnected
{
    qint64 sessionId = 0;
    qint64 time = 0;
    int status = 0;
    MonitorHeaders headers; // response headers
    QString requestId; // the request's "id"; empty for one without

    static std::optional<MonitorRequestConnected> fromJson(
        const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

// "request-finished": the request ended (the client got `closed`). One that never started (a
// rejection, a queued request dropped at shutdown) ends no running request, even one with the
// same id.
struct MonitorRequestFinished
{
    qint64 sessionId = 0;
    qint64 time = 0;
    MonitorOutcome outcome = MonitorOutcome::Completed;
    QString error; // the `error` message sent to the client; empty when none
    QString reason; // the `closed` reason sent to the client
    qint64 eventsRelayed = 0; // events relayed by this request
    QString requestId; // the request's "id"; empty for one without
    bool started = true; // false: it never ran (no request-started came for it)

    static std::optional<MonitorRequestFinished> fromJson(
        const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

// "session-events": events of the subscribed session.
struct MonitorSessionEvents
{
    qint64 sessionId = 0;
    bool history = false; // true for the first batch after subscribe: the recent past
    qint64 skipped = 0; // events relayed but left out of the feed since the previous batch
    QList<MonitorEventRecord> events; // oldest first

    static std::optional<MonitorSessionEvents> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

// Encoders: each returns one compact JSON text message.
namespace MonitorMessages {

inline constexpr int protocolVersion = 1;

// proxy -> monitor
QString hello(const MonitorHello &hello);
QString snapshot(const QList<MonitorSession> &sessions, const MonitorTotals &totals);
QString sessionOpened(const MonitorSession &session);
// Every session that changed since the previous batch, in one message.
QString sessionUpdated(const QList<MonitorSession> &sessions);
QString sessionClosed(const MonitorSession &session);
QString requestStarted(const MonitorRequestStarted &request);
QString requestConnected(const MonitorRequestConnected &request);
QString requestFinished(const MonitorRequestFinished &request);
QString totals(const MonitorTotals &totals);
QString sessionEvents(const MonitorSessionEvents &events);
QString error(const QString &message);
QString pong();

// monitor -> proxy
QString subscribe(qint64 sessionId);
QString unsubscribe();
QString ping();

} // namespace MonitorMessages

// One decoded feed message, either direction. Only the fields of its type are set.
struct MonitorMessage
{
    enum class Type {
        Hello,
        Snapshot,
        SessionOpened,
        SessionUpdated,
        SessionClosed,
        RequestStarted,
        RequestConnected,
        RequestFinished,
        Totals,
        SessionEvents,
        Error,
        Pong,
        Subscribe,
        Unsubscribe,
        Ping,
    };

    Type type = Type::Ping;
    MonitorHello hello; // Hello
    QList<MonitorSession> sessions; // Snapshot, SessionUpdated
    MonitorSession session; // SessionOpened, SessionClosed
    MonitorTotals totals; // Snapshot, Totals
    MonitorRequestStarted requestStarted; // RequestStarted
    MonitorRequestConnected requestConnected; // RequestConnected
    MonitorRequestFinished requestFinished; // RequestFinished
    MonitorSessionEvents sessionEvents; // SessionEvents
    qint64 sessionId = 0; // Subscribe
    QString message; // Error

    // The wire name: "hello", "session-updated", ...
    static QString typeName(Type type);

    // Decodes one text message. Errors say what and where: not JSON (with the parser's reason
    // and offset), not an object, a missing or unknown "type", or a field of the payload
    // (`payload.sessions[0].state: unknown state "open"`).
    static std::optional<MonitorMessage> parse(QStringView text, QString *error);
};
