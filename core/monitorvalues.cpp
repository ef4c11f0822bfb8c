#include "monitormessages.h"

#include "jsonschema.h"

#include <QJsonArray>
#include <QJsonValue>

#include <array>

// The feed's value types to and from JSON (docs/MONITOR.md §2). Encoders and the decoder of
// whole messages are in monitormessages.cpp.

namespace {

using namespace JsonFields;

// The feed's enums by name, in enum order.
const EnumNames<MonitorOutcome, monitorOutcomeCount> outcomeNames {
    { u"completed", u"rejected", u"upstream-error", u"timeout", u"cancelled", u"shutdown",
        u"stalled" },
    "outcome"
};
const EnumNames<MonitorRequest::State, 3> requestStateNames {
    { u"connecting", u"streaming", u"reconnecting" }, "state"
};
const EnumNames<MonitorSession::State, 4> sessionStateNames {
    { u"idle", u"connecting", u"streaming", u"closed" }, "state"
};

// One table per struct: the key, the member and its rule, in the order the feed writes them.
// docs/MONITOR.md §2 documents the same fields.

const auto requestRows = std::make_tuple( //
    text(u"id", &MonitorRequest::id, Need::Optional),
    text(u"method", &MonitorRequest::method, Need::Optional),
    text(u"url", &MonitorRequest::url, Need::Optional),
    enumerated(u"state", &MonitorRequest::state, requestStateNames),
    integer(u"status", &MonitorRequest::status, Need::Optional, 0, 999),
    integer(u"eventsRelayed", &MonitorRequest::eventsRelayed, Need::Optional),
    integer(u"attempts", &MonitorRequest::attempts, Need::Optional, 1, 1 << 30));

const auto sessionRows = std::make_tuple( //
    integer(u"id", &MonitorSession::id, Need::Required, 1),
    integer(u"worker", &MonitorSession::worker, Need::Optional, 0, 1023),
    text(u"clientAddress", &MonitorSession::clientAddress, Need::Optional),
    enumerated(u"state", &MonitorSession::state, sessionStateNames),
    text(u"method", &MonitorSession::method, Need::Optional),
    text(u"url", &MonitorSession::url, Need::Optional),
    stringMap(u"requestHeaders", &MonitorSession::requestHeaders),
    integer(u"status", &MonitorSession::status, Need::Optional, 0, 999),
    stringMap(u"responseHeaders", &MonitorSession::responseHeaders),
    integer(u"eventsRelayed", &MonitorSession::eventsRelayed, Need::Optional),
    integer(u"bytesIn", &MonitorSession::bytesIn, Need::Optional),
    integer(u"bytesOut", &MonitorSession::bytesOut, Need::Optional),
    integer(u"requestsHandled", &MonitorSession::requestsHandled, Need::Optional),
    integer(u"queued", &MonitorSession::queued, Need::Optional, 0, 1 << 30),
    integer(u"startedAt", &MonitorSession::startedAt, Need::Required),
    integer(u"finishedAt", &MonitorSession::finishedAt, Need::Optional),
    text(u"lastError", &MonitorSession::lastError, Need::Optional),
    // Absent from a proxy that predates it: no requests shown, rather than an error.
    list(u"requests", &MonitorSession::requests, Need::Optional));

// totals.requests: a count per outcome name. Each is optional (absent = 0); an unknown outcome
// is ignored like any unknown field, so a newer proxy may count outcomes this monitor does not
// know.
void readOutcomeCounts(FieldReader &r, MonitorTotals &t)
{
    const QJsonObject requests = r.object(u"requests", true);
    if (!r.ok())
        return;
    FieldReader counts(requests, nullptr);
    for (size_t i = 0; i < monitorOutcomeCount && r.ok(); ++i) {
        const QString name = outcomeNames.name(MonitorOutcome(i));
        t.requests[i] = counts.integer(name, false);
        if (!counts.ok())
            r.fail(QString(QStringLiteral("requests.") + name),
                QStringLiteral("must be a non-negative integer"));
    }
}

void writeOutcomeCounts(QJsonObject &o, const MonitorTotals &t)
{
    QJsonObject requests;
    for (size_t i = 0; i < monitorOutcomeCount; ++i)
        requests.insert(outcomeNames.name(MonitorOutcome(i)), t.requests[i]);
    o.insert(QStringLiteral("requests"), requests);
}

const auto totalsRows = std::make_tuple( //
    integer(u"time", &MonitorTotals::time, Need::Required),
    integer(u"sessionsOpen", &MonitorTotals::sessionsOpen, Need::Required),
    integer(u"sessionsOpened", &MonitorTotals::sessionsOpened, Need::Required),
    integer(u"requestsActive", &MonitorTotals::requestsActive, Need::Optional),
    integer(u"eventsRelayed", &MonitorTotals::eventsRelayed, Need::Required),
    integer(u"bytesIn", &MonitorTotals::bytesIn, Need::Required),
    integer(u"bytesOut", &MonitorTotals::bytesOut, Need::Required),
    custom(u"requests", &MonitorTotals::requests, readOutcomeCounts, writeOutcomeCounts));

// dataLength: the full data's length, so never less than the excerpt's; absent means the data
// was not cut. Read after `data`.
void readDataLength(FieldReader &r, MonitorEventRecord &e)
{
    e.dataLength = r.has(u"dataLength") ? r.integer(u"dataLength", false) : e.data.size();
    if (r.ok() && e.dataLength < e.data.size())
        r.fail(u"dataLength", QStringLiteral("must not be less than the length of data"));
}

void writeDataLength(QJsonObject &o, const MonitorEventRecord &e)
{
    o.insert(QStringLiteral("dataLength"), qMax(e.dataLength, qint64(e.data.size())));
}

const auto eventRows = std::make_tuple( //
    integer(u"time", &MonitorEventRecord::time, Need::Required),
    // Absent from a proxy that predates it: the request without an id.
    text(u"requestId", &MonitorEventRecord::requestId, Need::Optional),
    text(u"type", &MonitorEventRecord::type, Need::Required),
    text(u"id", &MonitorEventRecord::id, Need::Optional),
    text(u"data", &MonitorEventRecord::data, Need::Required),
    flag(u"truncated", &MonitorEventRecord::truncated),
    custom(u"dataLength", &MonitorEventRecord::dataLength, readDataLength, writeDataLength));

const auto helloRows = std::make_tuple( //
    integer(u"protocolVersion", &MonitorHello::protocolVersion, Need::Required, 1, 1 << 30),
    text(u"proxyVersion", &MonitorHello::proxyVersion, Need::Required),
    integer(u"startedAt", &MonitorHello::startedAt, Need::Required),
    integer(u"serverTime", &MonitorHello::serverTime, Need::Required),
    object(u"settings", &MonitorHello::settings, Need::Optional));

const auto requestStartedRows = std::make_tuple( //
    integer(u"sessionId", &MonitorRequestStarted::sessionId, Need::Required, 1),
    integer(u"time", &MonitorRequestStarted::time, Need::Required),
    text(u"method", &MonitorRequestStarted::method, Need::Required),
    text(u"url", &MonitorRequestStarted::url, Need::Required),
    stringMap(u"headers", &MonitorRequestStarted::headers),
    text(u"requestId", &MonitorRequestStarted::requestId, Need::Optional));

const auto requestConnectedRows = std::make_tuple( //
    integer(u"sessionId", &MonitorRequestConnected::sessionId, Need::Required, 1),
    integer(u"time", &MonitorRequestConnected::time, Need::Required),
    integer(u"status", &MonitorRequestConnected::status, Need::Required, 100, 999),
    stringMap(u"headers", &MonitorRequestConnected::headers),
    text(u"requestId", &MonitorRequestConnected::requestId, Need::Optional));

const auto requestFinishedRows = std::make_tuple( //
    integer(u"sessionId", &MonitorRequestFinished::sessionId, Need::Required, 1),
    integer(u"time", &MonitorRequestFinished::time, Need::Required),
    enumerated(u"outcome", &MonitorRequestFinished::outcome, outcomeNames),
    text(u"error", &MonitorRequestFinished::error, Need::Optional),
    text(u"reason", &MonitorRequestFinished::reason, Need::Required),
    integer(u"eventsRelayed", &MonitorRequestFinished::eventsRelayed, Need::Optional),
    text(u"requestId", &MonitorRequestFinished::requestId, Need::Optional),
    // Absent from an older proxy: taken as started, as monitors read every end before it.
    flag(u"started", &MonitorRequestFinished::started, true));

const auto sessionEventsRows = std::make_tuple( //
    integer(u"sessionId", &MonitorSessionEvents::sessionId, Need::Required, 1),
    flag(u"history", &MonitorSessionEvents::history),
    integer(u"skipped", &MonitorSessionEvents::skipped, Need::Optional),
    list(u"events", &MonitorSessionEvents::events, Need::Required));

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
    return outcomeNames.name(outcome);
}

std::optional<MonitorOutcome> monitorOutcomeFromName(QStringView name)
{
    return outcomeNames.value(name);
}

QString MonitorRequest::stateName(State state)
{
    return requestStateNames.name(state);
}

std::optional<MonitorRequest::State> MonitorRequest::stateFromName(QStringView name)
{
    return requestStateNames.value(name);
}

QString MonitorSession::stateName(State state)
{
    return sessionStateNames.name(state);
}

std::optional<MonitorSession::State> MonitorSession::stateFromName(QStringView name)
{
    return sessionStateNames.value(name);
}

// Each struct's codec and comparison: its table, walked.

std::optional<MonitorRequest> MonitorRequest::fromJson(const QJsonObject &object, QString *error)
{
    return readFields<MonitorRequest>(object, error, requestRows);
}
QJsonObject MonitorRequest::toJson() const
{
    return writeFields(*this, requestRows);
}
bool operator==(const MonitorRequest &a, const MonitorRequest &b)
{
    return equalFields(a, b, requestRows);
}

std::optional<MonitorSession> MonitorSession::fromJson(const QJsonObject &object, QString *error)
{
    return readFields<MonitorSession>(object, error, sessionRows);
}
QJsonObject MonitorSession::toJson() const
{
    return writeFields(*this, sessionRows);
}
bool operator==(const MonitorSession &a, const MonitorSession &b)
{
    return equalFields(a, b, sessionRows);
}

std::optional<MonitorTotals> MonitorTotals::fromJson(const QJsonObject &object, QString *error)
{
    return readFields<MonitorTotals>(object, error, totalsRows);
}
QJsonObject MonitorTotals::toJson() const
{
    return writeFields(*this, totalsRows);
}
bool operator==(const MonitorTotals &a, const MonitorTotals &b)
{
    return equalFields(a, b, totalsRows);
}

std::optional<MonitorEventRecord> MonitorEventRecord::fromJson(
    const QJsonObject &object, QString *error)
{
    return readFields<MonitorEventRecord>(object, error, eventRows);
}
QJsonObject MonitorEventRecord::toJson() const
{
    return writeFields(*this, eventRows);
}
bool operator==(const MonitorEventRecord &a, const MonitorEventRecord &b)
{
    return equalFields(a, b, eventRows);
}

std::optional<MonitorHello> MonitorHello::fromJson(const QJsonObject &object, QString *error)
{
    return readFields<MonitorHello>(object, error, helloRows);
}
QJsonObject MonitorHello::toJson() const
{
    return writeFields(*this, helloRows);
}

std::optional<MonitorRequestStarted> MonitorRequestStarted::fromJson(
    const QJsonObject &object, QString *error)
{
    return readFields<MonitorRequestStarted>(object, error, requestStartedRows);
}
QJsonObject MonitorRequestStarted::toJson() const
{
    return writeFields(*this, requestStartedRows);
}

std::optional<MonitorRequestConnected> MonitorRequestConnected::fromJson(
    const QJsonObject &object, QString *error)
{
    return readFields<MonitorRequestConnected>(object, error, requestConnectedRows);
}
QJsonObject MonitorRequestConnected::toJson() const
{
    return writeFields(*this, requestConnectedRows);
}

std::optional<MonitorRequestFinished> MonitorRequestFinished::fromJson(
    const QJsonObject &object, QString *error)
{
    return readFields<MonitorRequestFinished>(object, error, requestFinishedRows);
}
QJsonObject MonitorRequestFinished::toJson() const
{
    return writeFields(*this, requestFinishedRows);
}

std::optional<MonitorSessionEvents> MonitorSessionEvents::fromJson(
    const QJsonObject &object, QString *error)
{
    return readFields<MonitorSessionEvents>(object, error, sessionEventsRows);
}
QJsonObject MonitorSessionEvents::toJson() const
{
    return writeFields(*this, sessionEventsRows);
}
