#include "monitormessages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <cmath>

namespace {

// Largest integer a JSON number (an IEEE double) holds exactly.
constexpr double maxExactInteger = 9007199254740992.0;

const char16_t *const outcomeNames[monitorOutcomeCount] = {
    u"completed",
    u"rejected",
    u"upstream-error",
    u"timeout",
    u"cancelled",
    u"shutdown",
    u"stalled",
};

// Reads the fields of one JSON object, remembering the first error with the field's full path
// (`payload.sessions[2].bytesIn`). After a failure further reads are no-ops, so a fromJson()
// reads every field and checks ok() once.
class FieldReader
{
public:
    FieldReader(const QJsonObject &object, QString *error)
        : m_object(object)
        , m_error(error)
    {
    }

    bool ok() const { return m_ok; }

    // Fails with "<field>: <reason>".
    void fail(QStringView field, const QString &reason)
    {
        if (!m_ok)
            return;
        m_ok = false;
        if (m_error)
            *m_error = field.toString() + QStringLiteral(": ") + reason;
    }

    // Forwards an error from a nested fromJson(), whose message is relative to `field`.
    void failNested(QStringView field, const QString &nestedError)
    {
        if (!m_ok)
            return;
        m_ok = false;
        if (m_error)
            *m_error = field.toString() + QLatin1Char('.') + nestedError;
    }

    // Present and not null.
    bool has(QStringView field) const
    {
        const QJsonValue v = m_object.value(field);
        return !v.isUndefined() && !v.isNull();
    }

    QString string(QStringView field, bool required)
    {
        const QJsonValue v = m_object.value(field);
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(field, QStringLiteral("missing"));
            return {};
        }
        if (!v.isString()) {
            fail(field, QStringLiteral("must be a string"));
            return {};
        }
        return v.toString();
    }

    qint64 integer(
        QStringView field, bool required, qint64 min = 0, qint64 max = qint64(maxExactInteger))
    {
        const QJsonValue v = m_object.value(field);
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(field, QStringLiteral("missing"));
            return min > 0 ? min : 0;
        }
        const double d = v.toDouble();
        if (!v.isDouble() || std::trunc(d) != d || d < double(min) || d > double(max)) {
            fail(field, rangeText(min, max));
            return min > 0 ? min : 0;
        }
        return qint64(d);
    }

    bool boolean(QStringView field)
    {
        const QJsonValue v = m_object.value(field);
        if (v.isUndefined() || v.isNull())
            return false;
        if (!v.isBool()) {
            fail(field, QStringLiteral("must be true or false"));
            return false;
        }
        return v.toBool();
    }

    QJsonObject object(QStringView field, bool required)
    {
        const QJsonValue v = m_object.value(field);
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(field, QStringLiteral("missing"));
            return {};
        }
        if (!v.isObject()) {
            fail(field, QStringLiteral("must be an object"));
            return {};
        }
        return v.toObject();
    }

    QJsonArray array(QStringView field, bool required)
    {
        const QJsonValue v = m_object.value(field);
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(field, QStringLiteral("missing"));
            return {};
        }
        if (!v.isArray()) {
            fail(field, QStringLiteral("must be an array"));
            return {};
        }
        return v.toArray();
    }

    MonitorHeaders headers(QStringView field)
    {
        MonitorHeaders result;
        const QJsonObject o = object(field, false);
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!it.value().isString()) {
                fail(QString(field + QLatin1Char('.') + it.key()),
                    QStringLiteral("must be a string"));
                return {};
            }
            result.insert(it.key(), it.value().toString());
        }
        return result;
    }

    // Decodes an array of objects with T::fromJson, naming the element that failed.
    template <typename T> QList<T> list(QStringView field, bool required)
    {
        QList<T> result;
        const QJsonArray a = array(field, required);
        result.reserve(a.size());
        for (qsizetype i = 0; i < a.size() && m_ok; ++i) {
            const QString path = field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
            if (!a.at(i).isObject()) {
                fail(path, QStringLiteral("must be an object"));
                break;
            }
            QString nested;
            std::optional<T> value = T::fromJson(a.at(i).toObject(), &nested);
            if (!value) {
                failNested(path, nested);
                break;
            }
            result.append(std::move(*value));
        }
        return result;
    }

private:
    static QString rangeText(qint64 min, qint64 max)
    {
        if (min == 0 && max == qint64(maxExactInteger))
            return QStringLiteral("must be a non-negative integer");
        if (max == qint64(maxExactInteger))
            return QStringLiteral("must be an integer of at least %1").arg(min);
        return QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max);
    }

    const QJsonObject &m_object;
    QString *m_error;
    bool m_ok = true;
};

QJsonObject headersToJson(const MonitorHeaders &headers)
{
    QJsonObject o;
    for (auto it = headers.begin(); it != headers.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

template <typename T> QJsonArray toJsonArray(const QList<T> &values)
{
    QJsonArray a;
    for (const T &v : values)
        a.append(v.toJson());
    return a;
}

QString encode(QStringView type, const QJsonValue &payload)
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), type.toString());
    o.insert(QStringLiteral("payload"), payload);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
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
    o.insert(QStringLiteral("proxy.maxMessageBytes"), p.maxMessageBytes);
    o.insert(QStringLiteral("proxy.maxLineBytes"), p.maxLineBytes);
    o.insert(QStringLiteral("proxy.maxEventBytes"), p.maxEventBytes);
    o.insert(QStringLiteral("proxy.readBufferBytes"), p.readBufferBytes);
    o.insert(QStringLiteral("proxy.highWatermarkBytes"), p.highWatermarkBytes);
    o.insert(QStringLiteral("proxy.lowWatermarkBytes"), p.lowWatermarkBytes);
    o.insert(QStringLiteral("proxy.stallTimeout"), p.stallTimeout);
    o.insert(QStringLiteral("admin.health"), a.health);
    o.insert(QStringLiteral("admin.metrics"), a.metrics);
    o.insert(QStringLiteral("admin.monitor"), a.monitor);
    o.insert(QStringLiteral("admin.host"), a.host);
    o.insert(QStringLiteral("admin.port"), a.port);
    o.insert(QStringLiteral("admin.monitorTokenSet"), !a.monitorToken.isEmpty());
    return o;
}

QString monitorOutcomeName(MonitorOutcome outcome)
{
    return QString::fromUtf16(outcomeNames[int(outcome)]);
}

std::optional<MonitorOutcome> monitorOutcomeFromName(QStringView name)
{
    for (int i = 0; i < monitorOutcomeCount; ++i) {
        if (name == QStringView(outcomeNames[i]))
            return MonitorOutcome(i);
    }
    return std::nullopt;
}

// --- MonitorSession

QString MonitorSession::stateName(State state)
{
    switch (state) {
    case State::Idle:
        return QStringLiteral("idle");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Streaming:
        return QStringLiteral("streaming");
    case State::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

std::optional<MonitorSession::State> MonitorSession::stateFromName(QStringView name)
{
    for (State s : { State::Idle, State::Connecting, State::Streaming, State::Closed }) {
        if (name == stateName(s))
            return s;
    }
    return std::nullopt;
}

std::optional<MonitorSession> MonitorSession::fromJson(const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorSession s;
    s.id = r.integer(u"id", true, 1);
    s.clientAddress = r.string(u"clientAddress", false);
    const QString state = r.string(u"state", true);
    if (r.ok()) {
        const std::optional<State> parsed = stateFromName(state);
        if (!parsed)
            r.fail(u"state", QStringLiteral("unknown state \"%1\"").arg(state));
        else
            s.state = *parsed;
    }
    s.method = r.string(u"method", false);
    s.url = r.string(u"url", false);
    s.requestHeaders = r.headers(u"requestHeaders");
    s.status = int(r.integer(u"status", false, 0, 999));
    s.responseHeaders = r.headers(u"responseHeaders");
    s.eventsRelayed = r.integer(u"eventsRelayed", false);
    s.bytesIn = r.integer(u"bytesIn", false);
    s.bytesOut = r.integer(u"bytesOut", false);
    s.requestsHandled = r.integer(u"requestsHandled", false);
    s.queued = int(r.integer(u"queued", false, 0, 1 << 30));
    s.startedAt = r.integer(u"startedAt", true);
    s.finishedAt = r.integer(u"finishedAt", false);
    s.lastError = r.string(u"lastError", false);
    if (!r.ok())
        return std::nullopt;
    return s;
}

QJsonObject MonitorSession::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
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
    return o;
}

bool operator==(const MonitorSession &a, const MonitorSession &b)
{
    return a.id == b.id && a.clientAddress == b.clientAddress && a.state == b.state
        && a.method == b.method && a.url == b.url && a.requestHeaders == b.requestHeaders
        && a.status == b.status && a.responseHeaders == b.responseHeaders
        && a.eventsRelayed == b.eventsRelayed && a.bytesIn == b.bytesIn && a.bytesOut == b.bytesOut
        && a.requestsHandled == b.requestsHandled && a.queued == b.queued
        && a.startedAt == b.startedAt && a.finishedAt == b.finishedAt && a.lastError == b.lastError;
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
    q.headers = r.headers(u"headers");
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
    q.headers = r.headers(u"headers");
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
    return o;
}

std::optional<MonitorRequestFinished> MonitorRequestFinished::fromJson(
    const QJsonObject &object, QString *error)
{
    FieldReader r(object, error);
    MonitorRequestFinished q;
    q.sessionId = r.integer(u"sessionId", true, 1);
    q.time = r.integer(u"time", true);
    const QString outcome = r.string(u"outcome", true);
    if (r.ok()) {
        const std::optional<MonitorOutcome> parsed = monitorOutcomeFromName(outcome);
        if (!parsed)
            r.fail(u"outcome", QStringLiteral("unknown outcome \"%1\"").arg(outcome));
        else
            q.outcome = *parsed;
    }
    q.error = r.string(u"error", false);
    q.reason = r.string(u"reason", true);
    q.eventsRelayed = r.integer(u"eventsRelayed", false);
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

// --- encoders

namespace MonitorMessages {

QString hello(const MonitorHello &hello)
{
    return encode(u"hello", hello.toJson());
}

QString snapshot(const QList<MonitorSession> &sessions, const MonitorTotals &totals)
{
    QJsonObject payload;
    payload.insert(QStringLiteral("sessions"), toJsonArray(sessions));
    payload.insert(QStringLiteral("totals"), totals.toJson());
    return encode(u"snapshot", payload);
}

QString sessionOpened(const MonitorSession &session)
{
    return encode(u"session-opened", session.toJson());
}

QString sessionUpdated(const QList<MonitorSession> &sessions)
{
    QJsonObject payload;
    payload.insert(QStringLiteral("sessions"), toJsonArray(sessions));
    return encode(u"session-updated", payload);
}

QString sessionClosed(const MonitorSession &session)
{
    return encode(u"session-closed", session.toJson());
}

QString requestStarted(const MonitorRequestStarted &request)
{
    return encode(u"request-started", request.toJson());
}

QString requestConnected(const MonitorRequestConnected &request)
{
    return encode(u"request-connected", request.toJson());
}

QString requestFinished(const MonitorRequestFinished &request)
{
    return encode(u"request-finished", request.toJson());
}

QString totals(const MonitorTotals &totals)
{
    return encode(u"totals", totals.toJson());
}

QString sessionEvents(const MonitorSessionEvents &events)
{
    return encode(u"session-events", events.toJson());
}

QString error(const QString &message)
{
    QJsonObject payload;
    payload.insert(QStringLiteral("message"), message);
    return encode(u"error", payload);
}

QString pong()
{
    return encode(u"pong", QJsonObject());
}

QString subscribe(qint64 sessionId)
{
    QJsonObject payload;
    payload.insert(QStringLiteral("sessionId"), sessionId);
    return encode(u"subscribe", payload);
}

QString unsubscribe()
{
    return encode(u"unsubscribe", QJsonObject());
}

QString ping()
{
    return encode(u"ping", QJsonObject());
}

} // namespace MonitorMessages

// --- decoder

namespace {

using Type = MonitorMessage::Type;

struct TypeName
{
    Type type;
    const char16_t *name;
};

const TypeName typeNames[] = {
    { Type::Hello, u"hello" },
    { Type::Snapshot, u"snapshot" },
    { Type::SessionOpened, u"session-opened" },
    { Type::SessionUpdated, u"session-updated" },
    { Type::SessionClosed, u"session-closed" },
    { Type::RequestStarted, u"request-started" },
    { Type::RequestConnected, u"request-connected" },
    { Type::RequestFinished, u"request-finished" },
    { Type::Totals, u"totals" },
    { Type::SessionEvents, u"session-events" },
    { Type::Error, u"error" },
    { Type::Pong, u"pong" },
    { Type::Subscribe, u"subscribe" },
    { Type::Unsubscribe, u"unsubscribe" },
    { Type::Ping, u"ping" },
};

// Decodes `payload` with T::fromJson, prefixing errors with "payload.".
template <typename T> bool decodeInto(const QJsonObject &payload, T *target, QString *error)
{
    QString nested;
    std::optional<T> value = T::fromJson(payload, &nested);
    if (!value) {
        if (error)
            *error = QStringLiteral("payload.") + nested;
        return false;
    }
    *target = std::move(*value);
    return true;
}

} // namespace

QString MonitorMessage::typeName(Type type)
{
    for (const TypeName &t : typeNames) {
        if (t.type == type)
            return QString::fromUtf16(t.name);
    }
    return {};
}

std::optional<MonitorMessage> MonitorMessage::parse(QStringView text, QString *error)
{
    auto failWith = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return failWith(QStringLiteral("not JSON: %1 at offset %2")
                            .arg(parseError.errorString())
                            .arg(parseError.offset));
    if (!doc.isObject())
        return failWith(QStringLiteral("not a JSON object"));
    const QJsonObject root = doc.object();

    const QJsonValue typeValue = root.value(u"type");
    if (typeValue.isUndefined())
        return failWith(QStringLiteral("type: missing"));
    if (!typeValue.isString())
        return failWith(QStringLiteral("type: must be a string"));
    const QString typeText = typeValue.toString();

    MonitorMessage m;
    bool known = false;
    for (const TypeName &t : typeNames) {
        if (typeText == QStringView(t.name)) {
            m.type = t.type;
            known = true;
            break;
        }
    }
    if (!known)
        return failWith(QStringLiteral("type: unknown message type \"%1\"").arg(typeText));

    // Every payload is an object; messages without fields may omit it.
    const QJsonValue payloadValue = root.value(u"payload");
    QJsonObject payload;
    if (!payloadValue.isUndefined() && !payloadValue.isNull()) {
        if (!payloadValue.isObject())
            return failWith(QStringLiteral("payload: must be an object"));
        payload = payloadValue.toObject();
    } else if (m.type != Type::Pong && m.type != Type::Ping && m.type != Type::Unsubscribe) {
        return failWith(QStringLiteral("payload: missing"));
    }

    bool ok = true;
    switch (m.type) {
    case Type::Hello:
        ok = decodeInto(payload, &m.hello, error);
        break;
    case Type::Snapshot: {
        QString nested;
        FieldReader r(payload, &nested);
        m.sessions = r.list<MonitorSession>(u"sessions", true);
        const QJsonObject totals = r.object(u"totals", true);
        if (r.ok()) {
            QString totalsError;
            std::optional<MonitorTotals> t = MonitorTotals::fromJson(totals, &totalsError);
            if (t)
                m.totals = *t;
            else
                r.failNested(u"totals", totalsError);
        }
        if (!r.ok())
            return failWith(QStringLiteral("payload.") + nested);
        break;
    }
    case Type::SessionUpdated: {
        QString nested;
        FieldReader r(payload, &nested);
        m.sessions = r.list<MonitorSession>(u"sessions", true);
        if (!r.ok())
            return failWith(QStringLiteral("payload.") + nested);
        break;
    }
    case Type::SessionOpened:
    case Type::SessionClosed:
        ok = decodeInto(payload, &m.session, error);
        break;
    case Type::RequestStarted:
        ok = decodeInto(payload, &m.requestStarted, error);
        break;
    case Type::RequestConnected:
        ok = decodeInto(payload, &m.requestConnected, error);
        break;
    case Type::RequestFinished:
        ok = decodeInto(payload, &m.requestFinished, error);
        break;
    case Type::Totals:
        ok = decodeInto(payload, &m.totals, error);
        break;
    case Type::SessionEvents:
        ok = decodeInto(payload, &m.sessionEvents, error);
        break;
    case Type::Error: {
        QString nested;
        FieldReader r(payload, &nested);
        m.message = r.string(u"message", true);
        if (!r.ok())
            return failWith(QStringLiteral("payload.") + nested);
        break;
    }
    case Type::Subscribe: {
        QString nested;
        FieldReader r(payload, &nested);
        m.sessionId = r.integer(u"sessionId", true, 1);
        if (!r.ok())
            return failWith(QStringLiteral("payload.") + nested);
        break;
    }
    case Type::Pong:
    case Type::Unsubscribe:
    case Type::Ping:
        break;
    }
    if (!ok)
        return std::nullopt;
    return m;
}
