#include "monitormessages.h"

#include "jsonfields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

// Encoders and the decoder of whole feed messages; the value types' fromJson()/toJson() are in
// monitorvalues.cpp.

namespace {

using JsonFields::FieldReader;
using JsonFields::toJsonArray;

QString encode(QStringView type, const QJsonValue &payload)
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), type.toString());
    o.insert(QStringLiteral("payload"), payload);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

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

// Reads `payload`'s fields with `read(FieldReader &)`, prefixing a field's error with "payload.".
template <typename Read> bool readPayload(const QJsonObject &payload, QString *error, Read read)
{
    QString nested;
    FieldReader r(payload, &nested);
    read(r);
    if (!r.ok() && error)
        *error = QStringLiteral("payload.") + nested;
    return r.ok();
}

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

// Decodes the payload of a message of type `type` into `m`.
bool decodePayload(Type type, const QJsonObject &payload, MonitorMessage &m, QString *error)
{
    switch (type) {
    case Type::Hello:
        return decodeInto(payload, &m.hello, error);
    case Type::Snapshot:
        return readPayload(payload, error, [&](FieldReader &r) {
            m.sessions = r.list<MonitorSession>(u"sessions", true);
            m.totals = r.record<MonitorTotals>(u"totals");
        });
    case Type::SessionUpdated:
        return readPayload(payload, error,
            [&](FieldReader &r) { m.sessions = r.list<MonitorSession>(u"sessions", true); });
    case Type::SessionOpened:
    case Type::SessionClosed:
        return decodeInto(payload, &m.session, error);
    case Type::RequestStarted:
        return decodeInto(payload, &m.requestStarted, error);
    case Type::RequestConnected:
        return decodeInto(payload, &m.requestConnected, error);
    case Type::RequestFinished:
        return decodeInto(payload, &m.requestFinished, error);
    case Type::Totals:
        return decodeInto(payload, &m.totals, error);
    case Type::SessionEvents:
        return decodeInto(payload, &m.sessionEvents, error);
    case Type::Error:
        return readPayload(
            payload, error, [&](FieldReader &r) { m.message = r.string(u"message", true); });
    case Type::Subscribe:
        return readPayload(payload, error,
            [&](FieldReader &r) { m.sessionId = r.integer(u"sessionId", true, 1); });
    case Type::Pong:
    case Type::Unsubscribe:
    case Type::Ping:
        return true;
    }
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

    const std::optional<QJsonObject> parsed = JsonFields::parseObject(text, error);
    if (!parsed)
        return std::nullopt;
    const QJsonObject &root = *parsed;

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

    if (!decodePayload(m.type, payload, m, error))
        return std::nullopt;
    return m;
}
