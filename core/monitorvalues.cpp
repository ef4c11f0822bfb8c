#include "monitormessages.h"

#include "jsonfields.h"

#include <QJsonArray>
#include <QJsonValue>

#include <array>

// The feed's value types to and from JSON (docs/MONITOR.md §2). Encoders and the decoder of
// whole messages are in monitormessages.cpp.

namespace {

using JsonFields::FieldReader;
using JsonFields::toJsonArray;

// The feed's enums by name, in enum order: one table each, one lookup for all of them.
const std::array<const char16_t *, monitorOutcomeCount> outcomeNames = {
    u"completed",
    u"rejected",
    u"upstream-error",
    u"timeout",
    u"cancelled",
    u"shutdown",
    u"stalled",
};
const std::array<const char16_t *, 3> requestStateNames
    = { u"connecting", u"streaming", u"reconnecting" };
const std::array<const char16_t *, 4> sessionStateNames
    = { u"idle", u"connecting", u"streaming", u"closed" };

template <typename Enum, size_t N>
std::optional<Enum> valueNamed(const std::array<const char16_t *, N> &names, QStringView name)
{
    for (size_t i = 0; i < N; ++i) {
        if (name == QStringView(names[i]))
            return Enum(i);
    }
    return std::nullopt;
}

// A required enum field: `what` names the kind in the error (`unknown state "waiting"`).
template <typename Enum, size_t N>
Enum readNamed(FieldReader &r, QStringView field, const std::array<const char16_t *, N> &names,
    const char *what, Enum fallback)
{
    const QString name = r.string(field, true);
    if (!r.ok())
        return fallback;
    if (const std::optional<Enum> value = valueNamed<Enum>(names, name))
        return *value;
    r.fail(field, QStringLiteral("unknown %1 \"%2\"").arg(QLatin1String(what), name));
    return fallback;
}

QJsonObject headersToJson(const MonitorHeaders &headers)
{
    QJsonObject o;
    for (auto it = headers.begin(); it != headers.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

} // namespace

MonitorHeaders monitorHeaders(const HttpHeaderList &headers)
{
    MonitorHeaders result;
    for (const HttpHeader &h : headers) {
        const QString name = QString::fromLatin1(h.first).toLower();
        const QString value = QString::fromUtf8(h.second);
        auto it = result.find(name);
        if (it == result.end())
            result.insert(name, value);
        else
            it.value() += QStringLiteral(", ") + value;
    }
    return result;
}

QJsonObject monitorSettingsSummary(const Settings &settings)
{
    const ProxySettings &p = settings.proxy;
    const AdminSettings &a = settings.admin;
    QJsonObject o;
    o.insert(QStringLiteral("proxy.host"), p.host);
    o.insert(QStringLiteral("proxy.port"), p.port);
    o.insert(QStringLiteral("proxy.path"), p.path);
    o.insert(QStringLiteral("proxy.sseTimeout"), p.sseTimeout);
    o.insert(QStringLiteral("proxy.legacyDataMessages"), p.legacyDataMessages);
    o.insert(QStringLiteral("proxy.maxQueuedRequests"), p.maxQueuedRequests);
    o.insert(QStringLiteral("proxy.maxStreamsPerSocket"), p.maxStreamsPerSocket);
    o.insert(QStringLiteral("proxy.maxMessageBytes"), p.maxMessageBytes);
    o.insert(QStringLiteral("proxy.maxLineBytes"), p.maxLineBytes);
    o.insert(QStringLiteral("proxy.maxEventBytes"), p.maxEventBytes);
    o.insert(QStringLiteral("proxy.readBufferBytes"), p.readBufferBytes);
    o.insert(QStringLiteral("proxy.highWatermarkBytes"), p.highWatermarkBytes);
    o.insert(QStringLiteral("proxy.lowWatermarkBytes"), p.lowWatermarkBytes);
    o.insert(QStringLiteral("proxy.stallTimeout"), p.stallTimeout);
    // Whether tokens are set, never what they are: the feed is for watching, not for keys.
    o.insert(QStringLiteral("proxy.authTokensSet"), !p.authTokens.isEmpty());
    o.insert(QStringLiteral("admin.health"), a.health);
    o.insert(QStringLiteral("admin.metrics"), a.metrics);
    o.insert(QStringLiteral("admin.monitor"), a.monitor);
    o.insert(QStringLiteral("admin.host"), a.host);
    o.insert(QStringLiteral("admin.port"), a.port);
    o.insert(QStringLiteral("admin.tokenSet"), !a.token.isEmpty());
    o.insert(QStringLiteral("admin.redact"), a.redact);
    return o;
}

QString monitorOutcomeName(MonitorOutcome outcome)
{
    return QString::fromUtf16(outcomeNames[size_t(outcome)]);
}

std::optional<MonitorOutcome> monitorOutcomeFromName(QStringView name)
{
    return valueNamed<MonitorOutcome>(outcomeNames, name);
}

// --- MonitorRequest

QString MonitorRequest::stateName(State state)
{
    return QString::fromUtf16(requestStateNames[size_t(state)]);
}

std::optional<MonitorRequest::State> MonitorRequest::stateFromName(QStringView name)
{
    return valueNamed<State>(requestStateNames, name);
}

std::optional<MonitorRequest> MonitorRequest::fromJson(const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorRequest q;
    q.id = r.string(u"id", false);
    q.method = r.string(u"method", false);
    q.url = r.string(u"url", false);
    q.state = readNamed(r, u"state", requestStateNames, "state", q.state);
    q.status = int(r.integer(u"status", false, 0, 999));
    q.eventsRelayed = r.integer(u"eventsRelayed", false);
    q.attempts = int(r.integer(u"attempts", false, 1, 1 << 30));
    if (!r.ok())
        return std::nullopt;
    return q;
}

QJsonObject MonitorRequest::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("method"), method);
    o.insert(QStringLiteral("url"), url);
    o.insert(QStringLiteral("state"), stateName(state));
    o.insert(QStringLiteral("status"), status);
    o.insert(QStringLiteral("eventsRelayed"), eventsRelayed);
    o.insert(QStringLiteral("attempts"), attempts);
    return o;
}

bool operator==(const MonitorRequest &a, const MonitorRequest &b)
{
    return a.id == b.id && a.method == b.method && a.url == b.url && a.state == b.state
        && a.status == b.status && a.eventsRelayed == b.eventsRelayed && a.attempts == b.attempts;
}

// --- MonitorSession

QString MonitorSession::stateName(State state)
{
    return QString::fromUtf16(sessionStateNames[size_t(state)]);
}

std::optional<MonitorSession::State> MonitorSession::stateFromName(QStringView name)
{
    return valueNamed<State>(sessionStateNames, name);
}

std::optional<MonitorSession> MonitorSession::fromJson(const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorSession s;
    s.id = r.integer(u"id", true, 1);
    s.worker = int(r.integer(u"worker", false, 0, 1023));
    s.clientAddress = r.string(u"clientAddress", false);
    s.state = readNamed(r, u"state", sessionStateNames, "state", s.state);
    s.method = r.string(u"method", false);
    s.url = r.string(u"url", false);
    s.requestHeaders = r.stringMap(u"requestHeaders");
    s.status = int(r.integer(u"status", false, 0, 999));
    s.responseHeaders = r.stringMap(u"responseHeaders");
    s.eventsRelayed = r.integer(u"eventsRelayed", false);
    s.bytesIn = r.integer(u"bytesIn", false);
    s.bytesOut = r.integer(u"bytesOut", false);
    s.requestsHandled = r.integer(u"requestsHandled", false);
    s.queued = int(r.integer(u"queued", false, 0, 1 << 30));
    s.startedAt = r.integer(u"startedAt", true);
    s.finishedAt = r.integer(u"finishedAt", false);
    s.lastError = r.string(u"lastError", false);
    // Absent from a proxy that predates it: no requests shown, rather than an error.
    s.requests = r.list<MonitorRequest>(u"requests", false);
    if (!r.ok())
        return std::nullopt;
    return s;
}

QJsonObject MonitorSession::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("worker"), worker);
    o.insert(QStringLiteral("clientAddress"), clientAddress);
    o.insert(QStringLiteral("state"), stateName(state));
    o.insert(QStringLiteral("method"), method);
    o.insert(QStringLiteral("url"), url);
    o.insert(QStringLiteral("requestHeaders"), headersToJson(requestHeaders));
    o.insert(QStringLiteral("status"), status);
    o.insert(QStringLiteral("responseHeaders"), headersToJson(responseHeaders));
    o.insert(QStringLiteral("eventsRelayed"), eventsRelayed);
    o.insert(QStringLiteral("bytesIn"), bytesIn);
    o.insert(QStringLiteral("bytesOut"), bytesOut);
    o.insert(QStringLiteral("requestsHandled"), requestsHandled);
    o.insert(QStringLiteral("queued"), queued);
    o.insert(QStringLiteral("startedAt"), startedAt);
    o.insert(QStringLiteral("finishedAt"), finishedAt);
    o.insert(QStringLiteral("lastError"), lastError);
    o.insert(QStringLiteral("requests"), toJsonArray(requests));
    return o;
}

bool operator==(const MonitorSession &a, const MonitorSession &b)
{
    return a.id == b.id && a.worker == b.worker && a.clientAddress == b.clientAddress
        && a.state == b.state && a.method == b.method && a.url == b.url
        && a.requestHeaders == b.requestHeaders && a.status == b.status
        && a.responseHeaders == b.responseHeaders && a.eventsRelayed == b.eventsRelayed
        && a.bytesIn == b.bytesIn && a.bytesOut == b.bytesOut
        && a.requestsHandled == b.requestsHandled && a.queued == b.queued
        && a.startedAt == b.startedAt && a.finishedAt == b.finishedAt && a.lastError == b.lastError
        && a.requests == b.requests;
}

// --- MonitorTotals

std::optional<MonitorTotals> MonitorTotals::fromJson(const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorTotals t;
    t.time = r.integer(u"time", true);
    t.sessionsOpen = r.integer(u"sessionsOpen", true);
    t.sessionsOpened = r.integer(u"sessionsOpened", true);
    t.requestsActive = r.integer(u"requestsActive", false);
    t.eventsRelayed = r.integer(u"eventsRelayed", true);
    t.bytesIn = r.integer(u"bytesIn", true);
    t.bytesOut = r.integer(u"bytesOut", true);
    const QJsonObject requests = r.object(u"requests", true);
    if (r.ok()) {
        // Each outcome is optional (absent = 0); an unknown outcome is ignored like any
        // unknown field, so a newer proxy may count outcomes this monitor does not know.
        FieldReader rr(requests, nullptr);
        for (int i = 0; i < monitorOutcomeCount && r.ok(); ++i) {
            const QString name = QString::fromUtf16(outcomeNames[i]);
            t.requests[size_t(i)] = rr.integer(name, false);
            if (!rr.ok())
                r.fail(QString(QStringLiteral("requests.") + name),
                    QStringLiteral("must be a non-negative integer"));
        }
    }
    if (!r.ok())
        return std::nullopt;
    return t;
}

QJsonObject MonitorTotals::toJson() const
{
    QJsonObject requestsObject;
    for (int i = 0; i < monitorOutcomeCount; ++i)
        requestsObject.insert(QString::fromUtf16(outcomeNames[i]), requests[size_t(i)]);
    QJsonObject o;
    o.insert(QStringLiteral("time"), time);
    o.insert(QStringLiteral("sessionsOpen"), sessionsOpen);
    o.insert(QStringLiteral("sessionsOpened"), sessionsOpened);
    o.insert(QStringLiteral("requestsActive"), requestsActive);
    o.insert(QStringLiteral("eventsRelayed"), eventsRelayed);
    o.insert(QStringLiteral("bytesIn"), bytesIn);
    o.insert(QStringLiteral("bytesOut"), bytesOut);
    o.insert(QStringLiteral("requests"), requestsObject);
    return o;
}

bool operator==(const MonitorTotals &a, const MonitorTotals &b)
{
    return a.time == b.time && a.sessionsOpen == b.sessionsOpen
        && a.sessionsOpened == b.sessionsOpened && a.requestsActive == b.requestsActive
        && a.eventsRelayed == b.eventsRelayed && a.bytesIn == b.bytesIn && a.bytesOut == b.bytesOut
        && a.requests == b.requests;
}

// --- MonitorEventRecord

std::optional<MonitorEventRecord> MonitorEventRecord::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorEventRecord e;
    e.time = r.integer(u"time", true);
    e.type = r.string(u"type", true);
    e.id = r.string(u"id", false);
    e.data = r.string(u"data", true);
    e.truncated = r.boolean(u"truncated");
    e.dataLength = r.has(u"dataLength") ? r.integer(u"dataLength", false) : e.data.size();
    if (r.ok() && e.dataLength < e.data.size())
        r.fail(u"dataLength", QStringLiteral("must not be less than the length of data"));
    if (!r.ok())
        return std::nullopt;
    return e;
}

QJsonObject MonitorEventRecord::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("time"), time);
    o.insert(QStringLiteral("type"), type);
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("data"), data);
    o.insert(QStringLiteral("truncated"), truncated);
    o.insert(QStringLiteral("dataLength"), qMax(dataLength, qint64(data.size())));
    return o;
}

bool operator==(const MonitorEventRecord &a, const MonitorEventRecord &b)
{
    return a.time == b.time && a.type == b.type && a.id == b.id && a.data == b.data
        && a.truncated == b.truncated && a.dataLength == b.dataLength;
}

// --- MonitorHello

std::optional<MonitorHello> MonitorHello::fromJson(const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorHello h;
    h.protocolVersion = int(r.integer(u"protocolVersion", true, 1, 1 << 30));
    h.proxyVersion = r.string(u"proxyVersion", true);
    h.startedAt = r.integer(u"startedAt", true);
    h.serverTime = r.integer(u"serverTime", true);
    h.settings = r.object(u"settings", false);
    if (!r.ok())
        return std::nullopt;
    return h;
}

QJsonObject MonitorHello::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("protocolVersion"), protocolVersion);
    o.insert(QStringLiteral("proxyVersion"), proxyVersion);
    o.insert(QStringLiteral("startedAt"), startedAt);
    o.insert(QStringLiteral("serverTime"), serverTime);
    o.insert(QStringLiteral("settings"), settings);
    return o;
}

// --- request lifecycle

std::optional<MonitorRequestStarted> MonitorRequestStarted::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorRequestStarted q;
    q.sessionId = r.integer(u"sessionId", true, 1);
    q.time = r.integer(u"time", true);
    q.method = r.string(u"method", true);
    q.url = r.string(u"url", true);
    q.headers = r.stringMap(u"headers");
    q.requestId = r.string(u"requestId", false);
    if (!r.ok())
        return std::nullopt;
    return q;
}

QJsonObject MonitorRequestStarted::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("sessionId"), sessionId);
    o.insert(QStringLiteral("time"), time);
    o.insert(QStringLiteral("method"), method);
    o.insert(QStringLiteral("url"), url);
    o.insert(QStringLiteral("headers"), headersToJson(headers));
    o.insert(QStringLiteral("requestId"), requestId);
    return o;
}

std::optional<MonitorRequestConnected> MonitorRequestConnected::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorRequestConnected q;
    q.sessionId = r.integer(u"sessionId", true, 1);
    q.time = r.integer(u"time", true);
    q.status = int(r.integer(u"status", true, 100, 999));
    q.headers = r.stringMap(u"headers");
    q.requestId = r.string(u"requestId", false);
    if (!r.ok())
        return std::nullopt;
    return q;
}

QJsonObject MonitorRequestConnected::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("sessionId"), sessionId);
    o.insert(QStringLiteral("time"), time);
    o.insert(QStringLiteral("status"), status);
    o.insert(QStringLiteral("headers"), headersToJson(headers));
    o.insert(QStringLiteral("requestId"), requestId);
    return o;
}

std::optional<MonitorRequestFinished> MonitorRequestFinished::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorRequestFinished q;
    q.sessionId = r.integer(u"sessionId", true, 1);
    q.time = r.integer(u"time", true);
    q.outcome = readNamed(r, u"outcome", outcomeNames, "outcome", q.outcome);
    q.error = r.string(u"error", false);
    q.reason = r.string(u"reason", true);
    q.eventsRelayed = r.integer(u"eventsRelayed", false);
    q.requestId = r.string(u"requestId", false);
    // Absent from an older proxy: taken as started, as monitors read every end before it.
    q.started = !r.has(u"started") || r.boolean(u"started");
    if (!r.ok())
        return std::nullopt;
    return q;
}

QJsonObject MonitorRequestFinished::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("sessionId"), sessionId);
    o.insert(QStringLiteral("time"), time);
    o.insert(QStringLiteral("outcome"), monitorOutcomeName(outcome));
    o.insert(QStringLiteral("error"), error);
    o.insert(QStringLiteral("reason"), reason);
    o.insert(QStringLiteral("eventsRelayed"), eventsRelayed);
    o.insert(QStringLiteral("requestId"), requestId);
    o.insert(QStringLiteral("started"), started);
    return o;
}

std::optional<MonitorSessionEvents> MonitorSessionEvents::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorSessionEvents e;
    e.sessionId = r.integer(u"sessionId", true, 1);
    e.history = r.boolean(u"history");
    e.skipped = r.integer(u"skipped", false);
    e.events = r.list<MonitorEventRecord>(u"events", true);
    if (!r.ok())
        return std::nullopt;
    return e;
}

QJsonObject MonitorSessionEvents::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("sessionId"), sessionId);
    o.insert(QStringLiteral("history"), history);
    o.insert(QStringLiteral("skipped"), skipped);
    o.insert(QStringLiteral("events"), toJsonArray(events));
    return o;
}
