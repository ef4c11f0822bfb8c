#include "proxymessages.h"

#include "jsonfields.h"
#include "jsonwriter.h"

#include <QJsonObject>
#include <QJsonValue>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ProxyMessages {

namespace {

    // {"type":"<type>",("id":"<id>",)"payload":  -- the envelope every message starts with.
    void appendEnvelope(QString &out, QStringView type, QStringView id)
    {
        out += u"{\"type\":\"";
        out += type;
        out += u'"';
        if (!id.isEmpty()) {
            out += u",\"id\":";
            JsonWriter::appendString(out, id);
        }
        out += u",\"payload\":";
    }

    void appendObjectWithString(
        QString &out, QStringView type, QStringView id, QStringView key, QStringView value)
    {
        appendEnvelope(out, type, id);
        out += u"{\"";
        out += key;
        out += u"\":";
        JsonWriter::appendString(out, value);
        out += u"}}";
    }

} // namespace

QString connected(int status, const HttpHeaderList &headers, QStringView id)
{
    // Group by lower-cased name, keeping the order in which each name first arrived, and join
    // repeats with ", " (RFC 9110 §5.3). A handful of headers: a linear scan beats a hash.
    QList<std::pair<QByteArray, QByteArray>> merged;
    merged.reserve(headers.size());
    for (const HttpHeader &header : headers) {
        const QByteArray name = header.first.toLower();
        auto it = std::find_if(merged.begin(), merged.end(),
            [&name](const auto &entry) { return entry.first == name; });
        if (it == merged.end()) {
            merged.append({ name, header.second });
        } else {
            it->second += ", ";
            it->second += header.second;
        }
    }

    QString out;
    out.reserve(64 + headers.size() * 48);
    appendEnvelope(out, u"connected", id);
    out += u"{\"status\":";
    out += QString::number(status);
    out += u",\"headers\":{";
    bool first = true;
    for (const auto &[name, value] : merged) {
        if (!first)
            out += u',';
        first = false;
        // Header bytes are decoded as UTF-8 (invalid sequences become U+FFFD) so that the
        // message is always valid JSON text.
        JsonWriter::appendString(out, QString::fromLatin1(name));
        out += u':';
        JsonWriter::appendString(out, QString::fromUtf8(value));
    }
    out += u"}}}";
    return out;
}

QString sseEvent(const SseEvent &event, QStringView id)
{
    QString out;
    appendSseEvent(out, event, id);
    return out;
}

void appendSseEvent(QString &out, const SseEvent &event, QStringView id)
{
    out.reserve(out.size() + 64 + id.size() + event.type.size() + event.data.size()
        + event.lastEventId.size());
    appendEnvelope(out, u"sse-event", id);
    out += u'{';
    if (!event.lastEventId.isEmpty()) {
        out += u"\"id\":";
        JsonWriter::appendString(out, event.lastEventId);
        out += u',';
    }
    out += u"\"event\":";
    JsonWriter::appendString(out, event.type);
    out += u",\"data\":";
    JsonWriter::appendString(out, event.data);
    if (event.hasRetry) {
        out += u",\"retry\":";
        JsonWriter::appendString(out, event.retry);
    }
    out += u"}}";
}

qsizetype sseEventUtf8Size(const SseEvent &event, QStringView id)
{
    // The fixed parts of appendSseEvent(), generously: what matters is the escaped fields.
    constexpr qsizetype framing = 64;
    return framing + JsonWriter::quotedUtf8Size(event.lastEventId)
        + JsonWriter::quotedUtf8Size(event.type) + JsonWriter::quotedUtf8Size(event.data)
        + JsonWriter::quotedUtf8Size(event.retry)
        + (id.isEmpty() ? 0 : JsonWriter::quotedUtf8Size(id));
}

QString legacyData(const QString &data, QStringView id)
{
    QString out;
    out.reserve(32 + id.size() + data.size());
    appendEnvelope(out, u"data", id);
    JsonWriter::appendString(out, data);
    out += u'}';
    return out;
}

QString error(const QString &message, QStringView id)
{
    QString out;
    appendObjectWithString(out, u"error", id, u"message", message);
    return out;
}

QString closed(const QString &reason, QStringView id)
{
    QString out;
    appendObjectWithString(out, u"closed", id, u"reason", reason);
    return out;
}

QString reconnecting(const Reconnecting &what, QStringView id)
{
    QString out;
    appendEnvelope(out, u"reconnecting", id);
    out += u"{\"attempt\":";
    out += QString::number(what.attempt);
    out += u",\"delayMs\":";
    out += QString::number(what.delayMs);
    out += u",\"lastEventId\":";
    JsonWriter::appendString(out, what.lastEventId);
    out += u",\"reason\":";
    JsonWriter::appendString(out, what.reason);
    out += u'}';
    out += u'}';
    return out;
}

namespace {

    bool fail(QString *error, const QString &message)
    {
        if (error)
            *error = message;
        return false;
    }

    // Reads payload.<key> as a string; `optional` keys may be absent.
    bool readString(const QJsonObject &payload, const QString &type, const QString &key,
        bool optional, QString *target, bool *present, QString *error)
    {
        const QJsonValue value = payload.value(key);
        if (present)
            *present = !value.isUndefined();
        if (value.isUndefined() && optional)
            return true;
        if (!value.isString())
            return fail(error,
                type + QStringLiteral(": payload.") + key + QStringLiteral(" must be a string"));
        *target = value.toString();
        return true;
    }

} // namespace

std::optional<Message> Message::parse(QStringView text, QString *error)
{
    const std::optional<QJsonObject> parsed = JsonFields::parseObject(text, error);
    if (!parsed)
        return std::nullopt;
    const QJsonObject &object = *parsed;
    const QJsonValue typeValue = object.value(QLatin1String("type"));
    if (!typeValue.isString()) {
        fail(error, QStringLiteral("type: must be a string"));
        return std::nullopt;
    }
    const QString type = typeValue.toString();
    const QJsonValue payload = object.value(QLatin1String("payload"));

    Message message;
    const QJsonValue id = object.value(QLatin1String("id"));
    if (!id.isUndefined()) {
        if (!id.isString() || !ProxyRequest::isValidId(id.toString())) {
            fail(error,
                QStringLiteral("id: must be a string of 1 to 64 printable ASCII characters"));
            return std::nullopt;
        }
        message.id = id.toString();
    }
    if (type == u"data") {
        if (!payload.isString()) {
            fail(error, QStringLiteral("data: payload must be a string"));
            return std::nullopt;
        }
        message.type = Type::Data;
        message.text = payload.toString();
        return message;
    }

    static const QStringList objectTypes
        = { QStringLiteral("connected"), QStringLiteral("sse-event"), QStringLiteral("error"),
              QStringLiteral("closed"), QStringLiteral("reconnecting") };
    if (!objectTypes.contains(type)) {
        fail(error, QStringLiteral("type: unknown message type \"%1\"").arg(type));
        return std::nullopt;
    }
    if (!payload.isObject()) {
        fail(error, type + QStringLiteral(": payload must be an object"));
        return std::nullopt;
    }
    const QJsonObject p = payload.toObject();

    if (type == u"connected") {
        message.type = Type::Connected;
        const QJsonValue status = p.value(QLatin1String("status"));
        const double s = status.toDouble(-1);
        if (!status.isDouble() || s != std::floor(s) || s < 0 || s > 999) {
            fail(error,
                QStringLiteral("connected: payload.status must be an integer from 0 to 999"));
            return std::nullopt;
        }
        message.status = int(s);
        const QJsonValue headers = p.value(QLatin1String("headers"));
        if (!headers.isObject()) {
            fail(error, QStringLiteral("connected: payload.headers must be an object"));
            return std::nullopt;
        }
        const QJsonObject h = headers.toObject();
        for (auto it = h.constBegin(); it != h.constEnd(); ++it) {
            if (!it.value().isString()) {
                fail(error,
                    QStringLiteral("connected: payload.headers.%1 must be a string").arg(it.key()));
                return std::nullopt;
            }
            message.headers.insert(it.key(), it.value().toString());
        }
        return message;
    }

    if (type == u"sse-event") {
        message.type = Type::SseEvent;
        const bool ok = readString(p, type, QStringLiteral("id"), true, &message.event.lastEventId,
                            nullptr, error)
            && readString(
                p, type, QStringLiteral("event"), false, &message.event.type, nullptr, error)
            && readString(
                p, type, QStringLiteral("data"), false, &message.event.data, nullptr, error)
            && readString(p, type, QStringLiteral("retry"), true, &message.event.retry,
                &message.event.hasRetry, error);
        if (!ok)
            return std::nullopt;
        const bool digits = std::all_of(message.event.retry.cbegin(), message.event.retry.cend(),
            [](QChar c) { return c >= u'0' && c <= u'9'; });
        if (message.event.hasRetry && (message.event.retry.isEmpty() || !digits)) {
            fail(error, QStringLiteral("sse-event: payload.retry must be a string of digits"));
            return std::nullopt;
        }
        return message;
    }

    if (type == u"reconnecting") {
        message.type = Type::Reconnecting;
        QString fieldError;
        JsonFields::FieldReader reader(p, &fieldError);
        message.reconnecting.attempt
            = int(reader.integer(u"attempt", true, 1, std::numeric_limits<int>::max()));
        message.reconnecting.delayMs
            = int(reader.integer(u"delayMs", true, 0, std::numeric_limits<int>::max()));
        message.reconnecting.lastEventId = reader.string(u"lastEventId", true);
        message.reconnecting.reason = reader.string(u"reason", true);
        if (!reader.ok()) {
            fail(error, QStringLiteral("reconnecting: payload.") + fieldError);
            return std::nullopt;
        }
        return message;
    }

    const bool isError = type == u"error";
    message.type = isError ? Type::Error : Type::Closed;
    if (!readString(p, type, isError ? QStringLiteral("message") : QStringLiteral("reason"), false,
            &message.text, nullptr, error)) {
        return std::nullopt;
    }
    return message;
}

} // namespace ProxyMessages
