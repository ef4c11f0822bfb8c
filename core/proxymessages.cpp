#include "proxymessages.h"

#include "jsonfields.h"
#include "jsonwriter.h"

#include <QJsonObject>
#include <QJsonValue>

#include <algorithm>
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

    using JsonFields::FieldReader;

    // Each object payload's fields, read with the one field reader (jsonfields.h).

    void readConnected(FieldReader &r, Message &m)
    {
        m.status = int(r.integer(u"status", true, 0, 999));
        if (r.object(u"headers", true); r.ok())
            m.headers = r.stringMap(u"headers");
    }

    void readSseEvent(FieldReader &r, Message &m)
    {
        m.event.lastEventId = r.string(u"id", false);
        m.event.type = r.string(u"event", true);
        m.event.data = r.string(u"data", true);
        m.event.hasRetry = r.has(u"retry");
        m.event.retry = r.string(u"retry", false);
        const bool digits = std::all_of(m.event.retry.cbegin(), m.event.retry.cend(),
            [](QChar c) { return c >= u'0' && c <= u'9'; });
        if (r.ok() && m.event.hasRetry && (m.event.retry.isEmpty() || !digits))
            r.fail(u"retry", QStringLiteral("must be a string of digits"));
    }

    void readReconnecting(FieldReader &r, Message &m)
    {
        m.reconnecting.attempt
            = int(r.integer(u"attempt", true, 1, std::numeric_limits<int>::max()));
        m.reconnecting.delayMs
            = int(r.integer(u"delayMs", true, 0, std::numeric_limits<int>::max()));
        m.reconnecting.lastEventId = r.string(u"lastEventId", true);
        m.reconnecting.reason = r.string(u"reason", true);
    }

    void readError(FieldReader &r, Message &m)
    {
        m.text = r.string(u"message", true);
    }
    void readClosed(FieldReader &r, Message &m)
    {
        m.text = r.string(u"reason", true);
    }

    struct ObjectType
    {
        const char16_t *name;
        Message::Type type;
        void (*read)(FieldReader &, Message &);
    };
    const ObjectType objectTypes[] = {
        { u"connected", Message::Type::Connected, readConnected },
        { u"sse-event", Message::Type::SseEvent, readSseEvent },
        { u"error", Message::Type::Error, readError },
        { u"closed", Message::Type::Closed, readClosed },
        { u"reconnecting", Message::Type::Reconnecting, readReconnecting },
    };

    std::nullopt_t fail(QString *error, const QString &message)
    {
        if (error)
            *error = message;
        return std::nullopt;
    }

} // namespace

// Errors read "<field>: <reason>" like every decoder's: "connected: payload.status: must be an
// integer from 0 to 999".
std::optional<Message> Message::parse(QStringView text, QString *error)
{
    const std::optional<QJsonObject> parsed = JsonFields::parseObject(text, error);
    if (!parsed)
        return std::nullopt;
    const QJsonObject &object = *parsed;
    const QJsonValue typeValue = object.value(QLatin1String("type"));
    if (!typeValue.isString())
        return fail(error, QStringLiteral("type: must be a string"));
    const QString type = typeValue.toString();
    const QJsonValue payload = object.value(QLatin1String("payload"));

    Message message;
    const QJsonValue id = object.value(QLatin1String("id"));
    if (!id.isUndefined()) {
        if (!id.isString() || !ProxyRequest::isValidId(id.toString()))
            return fail(error,
                QStringLiteral("id: must be a string of 1 to 64 printable ASCII characters"));
        message.id = id.toString();
    }
    if (type == u"data") {
        if (!payload.isString())
            return fail(error, QStringLiteral("data: payload must be a string"));
        message.type = Type::Data;
        message.text = payload.toString();
        return message;
    }

    const auto known = std::find_if(std::begin(objectTypes), std::end(objectTypes),
        [&](const ObjectType &t) { return type == QStringView(t.name); });
    if (known == std::end(objectTypes))
        return fail(error, QStringLiteral("type: unknown message type \"%1\"").arg(type));
    if (!payload.isObject())
        return fail(error, type + QStringLiteral(": payload must be an object"));
    message.type = known->type;
    QString fieldError;
    FieldReader reader(payload.toObject(), &fieldError);
    known->read(reader, message);
    if (!reader.ok())
        return fail(error, type + QStringLiteral(": payload.") + fieldError);
    return message;
}

} // namespace ProxyMessages
