#include "proxyrequest.h"

#include "hostvalidation.h"
#include "jsonfields.h"
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <algorithm>
#include <array>
#include <cmath>

// Validation of PROTOCOL.md §2. Every check names the field and the rule, because the message
// goes back to the client verbatim: a user who typed "adress" must learn that from the error,
// not from a request that silently went to the wrong place.

namespace {

using HostValidation::isAsciiDigits;
using JsonFields::typeName;

const QString fieldProtocol = QStringLiteral("protocol");
const QString fieldAddress = QStringLiteral("address");
const QString fieldPort = QStringLiteral("port");
const QString fieldPath = QStringLiteral("path");
const QString fieldMethod = QStringLiteral("method");
const QString fieldHeaders = QStringLiteral("headers");
const QString fieldBody = QStringLiteral("body");
const QString fieldType = QStringLiteral("type");
const QString fieldId = QStringLiteral("id");
const QString fieldReconnect = QStringLiteral("reconnect");

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
bool isTokenChar(char16_t c)
{
    if ((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9'))
        return true;
    switch (c) {
    case u'!':
    case u'#':
    case u'$':
    case u'%':
    case u'&':
    case u'\'':
    case u'*':
    case u'+':
    case u'-':
    case u'.':
    case u'^':
    case u'_':
    case u'`':
    case u'|':
    case u'~':
        return true;
    default:
        return false;
    }
}

bool isToken(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (QChar c : s) {
        if (!isTokenChar(c.unicode()))
            return false;
    }
    return true;
}

// CR and LF would split a request line or header field (request smuggling); NUL truncates it
// in C-based servers.
bool hasLineBreakOrNul(QStringView s)
{
    for (QChar c : s) {
        const char16_t u = c.unicode();
        if (u == u'\r' || u == u'\n' || u == 0)
            return true;
    }
    return false;
}

// RFC 9110 §5.5: a field value is visible characters, spaces and tabs. Any other control
// character (and DEL) could confuse a server or a log downstream.
bool hasControlCharacter(QStringView s)
{
    for (QChar c : s) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t') || u == 0x7f)
            return true;
    }
    return false;
}

// An integral JSON number, or a string of ASCII digits, within [min, max].
bool toPort(const QJsonValue &value, int *port)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::floor(d) || d < 1 || d > 65535)
            return false;
        *port = int(d);
        return true;
    }
    if (value.isString()) {
        const QString s = value.toString();
        if (!isAsciiDigits(s) || s.size() > 5)
            return false;
        const int p = s.toInt();
        if (p < 1 || p > 65535)
            return false;
        *port = p;
        return true;
    }
    return false;
}

// Quotes a client-supplied value for an error message: JSON-escaped so that control characters
// stay visible, and shortened so that a hostile value cannot make the message huge.
QString quoteForError(QStringView s)
{
    constexpr qsizetype maxChars = 64;
    if (s.size() <= maxChars)
        return JsonWriter::quoted(s);
    QString out = JsonWriter::quoted(s.first(maxChars));
    out.insert(out.size() - 1, QStringLiteral("..."));
    return out;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

// The optional "id" of a request or a cancel. Absent leaves `id` empty.
bool readId(const QJsonObject &object, QString *id, QString *error)
{
    const QJsonValue value = object.value(fieldId);
    if (value.isUndefined())
        return true;
    if (!value.isString() || !ProxyRequest::isValidId(value.toString())) {
        *error = QStringLiteral("must be a string of 1 to %1 printable ASCII characters, got ")
                     .arg(ProxyRequest::maxIdLength)
            + (value.isString() ? quoteForError(value.toString()) : typeName(value));
        return false;
    }
    *id = value.toString();
    return true;
}

// "reconnect": true, false, or {"maxAttempts": N, "maxDelayMs": M} (each optional, 0 = the
// proxy's limit, which also caps a larger value).
bool readReconnect(const QJsonValue &value, ReconnectOptions *options, QString *error)
{
    if (value.isUndefined() || value.isBool()) {
        options->enabled = value.toBool();
        return true;
    }
    if (!value.isObject()) {
        *error = QStringLiteral("must be true, false or an object, got ") + typeName(value);
        return false;
    }
    const QJsonObject object = value.toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (it.key() != u"maxAttempts" && it.key() != u"maxDelayMs") {
            *error = quoteForError(it.key())
                + QStringLiteral(" is not known (known: maxAttempts, maxDelayMs)");
            return false;
        }
    }
    JsonFields::FieldReader reader(object, error);
    constexpr qint64 maxAttempts = 1000000000;
    constexpr qint64 maxDelayMs = 86400000; // a day
    options->enabled = true;
    options->maxAttempts = int(reader.integer(u"maxAttempts", false, 0, maxAttempts));
    options->maxDelayMs = int(reader.integer(u"maxDelayMs", false, 0, maxDelayMs));
    return reader.ok();
}

} // namespace

namespace {

// Each reader checks one field of PROTOCOL.md §2 into `request`; on a broken rule it returns the
// reason (the caller prefixes the field's name), else an empty string.

QString readProtocol(const QJsonValue &protocol, ProxyRequest *request)
{
    if (protocol.isUndefined())
        return QString();
    const QString p = protocol.toString();
    if (!protocol.isString() || (p != u"http" && p != u"https"))
        return QStringLiteral("must be \"http\" or \"https\" (lower-case), got ")
            + (protocol.isString() ? quoteForError(p) : typeName(protocol));
    request->protocol = p;
    return QString();
}

QString readAddress(const QJsonValue &address, ProxyRequest *request)
{
    if (address.isUndefined())
        return QStringLiteral("required");
    if (!address.isString())
        return QStringLiteral("must be a string, got ") + typeName(address);
    return HostValidation::checkAddress(address.toString(), &request->address);
}

QString readPort(const QJsonValue &port, ProxyRequest *request)
{
    if (port.isUndefined())
        request->port = request->protocol == u"https" ? 443 : 80;
    else if (!toPort(port, &request->port))
        return QStringLiteral("must be an integer from 1 to 65535");
    return QString();
}

QString readPath(const QJsonValue &path, ProxyRequest *request)
{
    if (path.isUndefined())
        return QString();
    if (!path.isString())
        return QStringLiteral("must be a string, got ") + typeName(path);
    const QString p = path.toString();
    if (!p.startsWith(u'/'))
        return QStringLiteral("must start with '/'");
    if (hasLineBreakOrNul(p))
        return QStringLiteral("must not contain CR, LF or NUL");
    request->path = p;
    return QString();
}

QString readMethod(const QJsonValue &method, ProxyRequest *request)
{
    if (method.isUndefined())
        return QString();
    // Upper-cased only when ASCII: Unicode case mapping would turn "poſt" into "POST".
    const QString given = method.toString();
    const bool ascii
        = std::all_of(given.cbegin(), given.cend(), [](QChar c) { return c.unicode() < 0x80; });
    const QString m = ascii ? given.toUpper() : QString();
    if (!method.isString() || (m != u"GET" && m != u"POST" && m != u"PUT" && m != u"DELETE"))
        return QStringLiteral("must be GET, POST, PUT or DELETE, got ")
            + (method.isString() ? quoteForError(method.toString()) : typeName(method));
    request->method = m.toLatin1();
    return QString();
}

// Returns the full error (it may name one header: "headers.X-A: ...").
QString readHeaders(
    const QJsonValue &headers, const ProxyRequestLimits &limits, ProxyRequest *request)
{
    const auto invalid = [](const QString &field, const QString &reason) -> QString {
        return field + QStringLiteral(": ") + reason;
    };
    if (headers.isUndefined())
        return QString();
    if (!headers.isObject())
        return invalid(fieldHeaders, QStringLiteral("must be an object, got ") + typeName(headers));
    const QJsonObject h = headers.toObject();
    // Counted before any is looked at: tens of thousands of headers must cost nothing.
    if (h.size() > limits.maxHeaders)
        return invalid(fieldHeaders,
            QStringLiteral("%1 headers, more than the %2 allowed "
                           "(proxy.maxRequestHeaders)")
                .arg(h.size())
                .arg(limits.maxHeaders));
    qsizetype headerBytes = 0;
    for (auto it = h.constBegin(); it != h.constEnd(); ++it) {
        if (!isToken(it.key()))
            return invalid(fieldHeaders,
                quoteForError(it.key())
                    + QStringLiteral(" is not a valid header name (RFC 9110 token)"));
        const QString field = fieldHeaders + u'.' + it.key();
        if (!it.value().isString())
            return invalid(field, QStringLiteral("must be a string, got ") + typeName(it.value()));
        const QString value = it.value().toString();
        if (hasControlCharacter(value))
            return invalid(field,
                QStringLiteral("must not contain control characters "
                               "(CR, LF, NUL or any other but tab)"));
        request->headers.append({ it.key().toLatin1(), value.toUtf8() });
        headerBytes += request->headers.constLast().first.size()
            + request->headers.constLast().second.size();
        if (headerBytes > limits.maxHeaderBytes)
            return invalid(fieldHeaders,
                QStringLiteral("more than %1 bytes of names and values "
                               "(proxy.maxRequestHeaderBytes)")
                    .arg(limits.maxHeaderBytes));
    }
    return QString();
}

QString readBody(const QJsonValue &body, ProxyRequest *request)
{
    using BodyKind = ProxyRequest::BodyKind;
    switch (body.type()) {
    case QJsonValue::Undefined:
    case QJsonValue::Null:
        break;
    case QJsonValue::Object:
        request->bodyKind = BodyKind::Json;
        request->body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
        break;
    case QJsonValue::Array:
        request->bodyKind = BodyKind::Json;
        request->body = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
        break;
    case QJsonValue::String:
        request->bodyKind = BodyKind::Text;
        request->body = body.toString().toUtf8();
        break;
    case QJsonValue::Bool:
    case QJsonValue::Double:
        return QStringLiteral("must be an object, an array, a string or null, got ")
            + typeName(body);
    }
    return QString();
}

} // namespace

std::optional<ProxyRequest> ProxyRequest::fromJson(
    const QJsonObject &object, QString *error, const Limits &limits)
{
    const auto invalid = [error](const QString &message) {
        fail(error, message);
        return std::nullopt;
    };

    static const std::array<QString, 10> knownFields = { fieldProtocol, fieldAddress, fieldPort,
        fieldPath, fieldMethod, fieldHeaders, fieldBody, fieldType, fieldId, fieldReconnect };
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (std::find(knownFields.begin(), knownFields.end(), it.key()) == knownFields.end())
            return invalid(quoteForError(it.key())
                + QStringLiteral(": unknown field (known: protocol, address, port, "
                                 "path, method, headers, body, id, reconnect)"));
    }
    // "type" belongs to the message envelope; a request object may carry "type": "request".
    const QJsonValue type = object.value(fieldType);
    if (!type.isUndefined() && type != QJsonValue(QStringLiteral("request")))
        return invalid(QStringLiteral("type: must be \"request\" in a request"));

    ProxyRequest request;
    QString reason;
    if (!readId(object, &request.id, &reason))
        return invalid(fieldId + QStringLiteral(": ") + reason);
    if (!readReconnect(object.value(fieldReconnect), &request.reconnect, &reason))
        return invalid(fieldReconnect + QStringLiteral(": ") + reason);
    // In this order: the first broken rule is the one reported, and the port's default
    // depends on the protocol.
    using Reader = QString (*)(const QJsonValue &, ProxyRequest *);
    const std::array<std::pair<const QString *, Reader>, 5> fields = { {
        { &fieldProtocol, readProtocol },
        { &fieldAddress, readAddress },
        { &fieldPort, readPort },
        { &fieldPath, readPath },
        { &fieldMethod, readMethod },
    } };
    for (const auto &[name, read] : fields) {
        reason = read(object.value(*name), &request);
        if (!reason.isEmpty())
            return invalid(*name + QStringLiteral(": ") + reason);
    }
    reason = readHeaders(object.value(fieldHeaders), limits, &request);
    if (!reason.isEmpty())
        return invalid(reason);
    reason = readBody(object.value(fieldBody), &request);
    if (!reason.isEmpty())
        return invalid(fieldBody + QStringLiteral(": ") + reason);
    return request;
}

QJsonObject ProxyRequest::toJson() const
{
    QJsonObject object;
    object.insert(fieldProtocol, protocol);
    object.insert(fieldAddress, address);
    object.insert(fieldPort, port);
    object.insert(fieldPath, path);
    object.insert(fieldMethod, QString::fromLatin1(method));
    QJsonObject h;
    for (const HttpHeader &header : headers)
        h.insert(QString::fromLatin1(header.first), QString::fromUtf8(header.second));
    object.insert(fieldHeaders, h);
    if (!id.isEmpty())
        object.insert(fieldId, id);
    if (reconnect.enabled) {
        if (reconnect.maxAttempts == 0 && reconnect.maxDelayMs == 0) {
            object.insert(fieldReconnect, true);
        } else {
            QJsonObject r;
            if (reconnect.maxAttempts > 0)
                r.insert(QStringLiteral("maxAttempts"), reconnect.maxAttempts);
            if (reconnect.maxDelayMs > 0)
                r.insert(QStringLiteral("maxDelayMs"), reconnect.maxDelayMs);
            object.insert(fieldReconnect, r);
        }
    }
    switch (bodyKind) {
    case BodyKind::None:
        break;
    case BodyKind::Json: {
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (doc.isArray())
            object.insert(fieldBody, doc.array());
        else
            object.insert(fieldBody, doc.object());
        break;
    }
    case BodyKind::Text:
        object.insert(fieldBody, QString::fromUtf8(body));
        break;
    }
    return object;
}

QUrl ProxyRequest::url() const
{
    QUrl url;
    url.setScheme(protocol);
    url.setHost(address);
    url.setPort(port);
    // The client's path may already be percent-encoded: TolerantMode keeps "%20" as it is.
    const qsizetype q = path.indexOf(u'?');
    if (q < 0) {
        url.setPath(path, QUrl::TolerantMode);
    } else {
        url.setPath(path.first(q), QUrl::TolerantMode);
        url.setQuery(path.sliced(q + 1), QUrl::TolerantMode);
    }
    return url;
}

bool ProxyRequest::hasHeader(QByteArrayView name) const
{
    for (const HttpHeader &header : headers) {
        if (equalsIgnoringCase(header.first, name))
            return true;
    }
    return false;
}

HttpHeaderList ProxyRequest::upstreamHeaders() const
{
    // RFC 9110 §7.6.1: the fields named in Connection are hop-by-hop too.
    QList<QByteArray> connectionOptions;
    for (const HttpHeader &header : headers) {
        if (!equalsIgnoringCase(header.first, "connection"))
            continue;
        for (const QByteArray &option : header.second.split(','))
            connectionOptions.append(option.trimmed());
    }
    const auto namedByConnection = [&connectionOptions](QByteArrayView name) {
        for (const QByteArray &option : connectionOptions) {
            if (equalsIgnoringCase(option, name))
                return true;
        }
        return false;
    };

    HttpHeaderList result;
    result.reserve(headers.size() + 4);
    for (const HttpHeader &header : headers) {
        if (!isDroppedHeader(header.first) && !namedByConnection(header.first))
            result.append(header);
    }
    const auto addDefault = [this, &result](const QByteArray &name, const QByteArray &value) {
        if (!hasHeader(name))
            result.append({ name, value });
    };
    addDefault("Accept", "text/event-stream");
    addDefault("Cache-Control", "no-cache");
    // A compressed event stream may be batched by the decompressor; ask for the raw bytes.
    addDefault("Accept-Encoding", "identity");
    if (bodyKind == BodyKind::Json)
        addDefault("Content-Type", "application/json");
    else if (bodyKind == BodyKind::Text)
        addDefault("Content-Type", "text/plain; charset=utf-8");
    return result;
}

void ProxyRequest::setLastEventId(const QString &lastEventId)
{
    headers.removeIf(
        [](const HttpHeader &header) { return equalsIgnoringCase(header.first, "last-event-id"); });
    if (!lastEventId.isEmpty())
        headers.append({ QByteArrayLiteral("Last-Event-ID"), lastEventId.toUtf8() });
}

bool ProxyRequest::isValidId(QStringView id)
{
    if (id.isEmpty() || id.size() > maxIdLength)
        return false;
    return std::all_of(
        id.begin(), id.end(), [](QChar c) { return c.unicode() >= 0x20 && c.unicode() <= 0x7e; });
}

bool ProxyRequest::isDroppedHeader(QByteArrayView name)
{
    static constexpr std::array<QByteArrayView, 8> dropped = {
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "transfer-encoding",
        "host",
        "content-length",
    };
    for (QByteArrayView d : dropped) {
        if (equalsIgnoringCase(d, name))
            return true;
    }
    return name.size() >= 6 && equalsIgnoringCase(name.first(6), "proxy-");
}

std::optional<ClientMessage> ClientMessage::parse(
    QStringView text, QString *error, const ProxyRequestLimits &limits, QString *idOnError)
{
    std::optional<QJsonObject> parsed = JsonFields::parseObject(text, error);
    if (!parsed)
        return std::nullopt;
    QJsonObject object = std::move(*parsed);

    if (idOnError)
        idOnError->clear();
    ClientMessage message;
    QString idError;
    if (!readId(object, &message.id, &idError)) {
        fail(error, fieldId + QStringLiteral(": ") + idError);
        return std::nullopt;
    }
    if (idOnError)
        *idOnError = message.id;
    const QJsonValue type = object.value(fieldType);
    if (!type.isUndefined()) {
        if (!type.isString()) {
            fail(error, QStringLiteral("type: must be a string, got ") + typeName(type));
            return std::nullopt;
        }
        const QString t = type.toString();
        if (t == u"cancel") {
            message.kind = Kind::Cancel;
            return message;
        }
        if (t != u"request") {
            fail(error,
                QStringLiteral("type: unknown message type ") + quoteForError(t)
                    + QStringLiteral(" (expected \"request\" or \"cancel\")"));
            return std::nullopt;
        }
        object.remove(fieldType);
    }
    std::optional<ProxyRequest> request = ProxyRequest::fromJson(object, error, limits);
    if (!request)
        return std::nullopt;
    message.request = std::move(*request);
    if (idOnError)
        idOnError->clear(); // accepted
    return message;
}
