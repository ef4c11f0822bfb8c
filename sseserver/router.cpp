#include "router.h"

#include "echostream.h"
#include "httpresponse.h"
#include "httpstatus.h"
#include "queryparams.h"
#include "ssewriter.h"
#include "workbenchstreams.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {

constexpr qint64 maxIntervalMs = 60 * 60 * 1000;
constexpr qint64 maxTickCount = 1000000000;
constexpr qint64 maxTickSize = 32 * 1024 * 1024; // beyond the proxy's 8 MiB line limit
constexpr qint64 maxBrokenAfter = 100000;

const QByteArrayList echoMethods = { "GET", "POST", "PUT" };
const QByteArrayList workbenchMethods = { "GET", "POST", "PUT", "DELETE" };

// A client's text in one log line: line breaks shown as escapes, long text cut.
QString forLog(QString text)
{
    constexpr qsizetype maxChars = 200;
    text.replace(u'\r', QStringLiteral("\\r")).replace(u'\n', QStringLiteral("\\n"));
    if (text.size() > maxChars)
        text = text.left(maxChars) + QStringLiteral("…");
    return text;
}

Router::Routed respond(int status, QByteArray bytes, QString note = {})
{
    Router::Routed routed;
    routed.status = status;
    routed.source = std::make_unique<FixedResponse>(std::move(bytes), std::move(note));
    return routed;
}

Router::Routed fail(int status, const QString &message, const HttpHeaderList &extra = {})
{
    return respond(status, HttpResponse::error(status, message, extra),
        QStringLiteral("↩️ %1 %2").arg(status).arg(message.section(u'\n', 0, 0)));
}

Router::Routed stream(std::unique_ptr<ResponseSource> source)
{
    Router::Routed routed;
    routed.source = std::move(source);
    return routed;
}

Router::Routed methodNotAllowed(const HttpRequest &request, const QByteArrayList &allowed)
{
    const QByteArray list = allowed.join(", ");
    return fail(405,
        QStringLiteral("method %1 is not allowed on %2 (allowed: %3)")
            .arg(QString::fromLatin1(request.head.method), QString::fromLatin1(request.head.path()),
                QString::fromLatin1(list)),
        { { "Allow", list } });
}

// The message of an echo request: ?message= for GET, the JSON body for POST and PUT.
std::optional<QString> echoMessage(const HttpRequest &request, QString *error)
{
    const std::optional<QueryParams> params
        = QueryParams::parse(request.head.query(), { QStringLiteral("message") }, error);
    if (!params)
        return std::nullopt;
    if (request.head.method == "GET") {
        if (!params->contains(QStringLiteral("message"))) {
            *error = QStringLiteral("query: \"message\" is missing (GET /events?message=Hello)");
            return std::nullopt;
        }
        return params->value(QStringLiteral("message"));
    }
    const QString example = QStringLiteral("{\"message\": \"Hello\"}");
    if (request.body.trimmed().isEmpty()) {
        *error = QStringLiteral("body: empty; expected a JSON object such as ") + example;
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("body: not valid JSON (%1 at offset %2); expected an object "
                                "such as %3")
                     .arg(parseError.errorString())
                     .arg(parseError.offset)
                     .arg(example);
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QStringLiteral("body: expected a JSON object such as ") + example;
        return std::nullopt;
    }
    const QJsonValue message = document.object().value(QStringLiteral("message"));
    if (message.isUndefined()) {
        *error = QStringLiteral("body: \"message\" is missing");
        return std::nullopt;
    }
    if (!message.isString()) {
        *error = QStringLiteral("body: \"message\" must be a string");
        return std::nullopt;
    }
    return message.toString();
}

Router::Routed routeEcho(
    const HttpRequest &request, const TestServerSettings &settings, qint64 epochMs, QString *note)
{
    if (!echoMethods.contains(request.head.method))
        return methodNotAllowed(request, echoMethods);
    QString error;
    const std::optional<QString> message = echoMessage(request, &error);
    if (!message)
        return fail(400, error);
    *note += QStringLiteral(": ") + forLog(*message);
    return stream(std::make_unique<EchoStream>(
        *message, settings.responseCount, settings.responseDelay, epochMs));
}

Router::Routed routeStatus(const QueryParams &params)
{
    QString error;
    qint64 code = 0;
    if (!params.contains(QStringLiteral("code")))
        return fail(400, QStringLiteral("query: \"code\" is missing (/status?code=500)"));
    if (!params.integer(QStringLiteral("code"), 200, 599, 0, &code, &error))
        return fail(400, error);
    const int status = int(code);
    if (status == 204 || status == 304) // these never carry a body
        return respond(status, HttpResponse::head(status, {}));
    HttpHeaderList extra;
    if (status >= 300 && status < 400) {
        QString location = params.value(QStringLiteral("location"));
        if (location.isEmpty())
            location = QStringLiteral("/events");
        for (const QChar c : std::as_const(location)) {
            if (c < u' ' || c == u'\x7f')
                return fail(400, QStringLiteral("location: control characters are not allowed"));
        }
        extra.append({ "Location", location.toUtf8() });
    }
    const QByteArray body
        = QByteArray::number(status) + ' ' + HttpStatus::reasonPhrase(status) + " (from /status)\n";
    return respond(status, HttpResponse::plainText(status, body, extra));
}

// The workbench endpoints, one function each: the request and its checked query.

Router::Routed routeTicks(const HttpRequest &request, const QueryParams &params)
{
    QString error;
    qint64 interval = 0, count = 0, size = 0, breakAfter = 0;
    if (!params.integer(QStringLiteral("interval"), 0, maxIntervalMs, 1000, &interval, &error)
        || !params.integer(QStringLiteral("count"), 0, maxTickCount, 0, &count, &error)
        || !params.integer(QStringLiteral("size"), 0, maxTickSize, 0, &size, &error)
        || !params.integer(QStringLiteral("breakAfter"), 0, maxTickCount, 0, &breakAfter, &error))
        return fail(400, error);
    const qint64 resumeAfter = TickStream::resumePoint(request.head.header("Last-Event-ID"));
    // Nothing is left: "done", as EventSource (and the proxy's reconnect) understand it.
    if (count != 0 && resumeAfter >= count)
        return respond(204, HttpResponse::head(204, {}),
            QStringLiteral("📤 ticks complete: resumed after tick %1 of %2, 204 No Content")
                .arg(resumeAfter)
                .arg(count));
    return stream(
        std::make_unique<TickStream>(int(interval), count, size, resumeAfter, breakAfter));
}

Router::Routed routeIdle(const HttpRequest &, const QueryParams &params)
{
    QString error;
    qint64 interval = 0;
    if (!params.integer(QStringLiteral("interval"), 1, maxIntervalMs, 1000, &interval, &error))
        return fail(400, error);
    return stream(std::make_unique<IdleStream>(int(interval)));
}

Router::Routed routeBroken(const HttpRequest &, const QueryParams &params)
{
    QString error;
    qint64 after = 0, interval = 0;
    if (!params.integer(QStringLiteral("after"), 0, maxBrokenAfter, 1, &after, &error)
        || !params.integer(QStringLiteral("interval"), 0, maxIntervalMs, 0, &interval, &error))
        return fail(400, error);
    return stream(std::make_unique<BrokenStream>(after, int(interval)));
}

Router::Routed routeEndings(const HttpRequest &, const QueryParams &params)
{
    const QString style = params.contains(QStringLiteral("style"))
        ? params.value(QStringLiteral("style"))
        : QStringLiteral("lf");
    if (style != u"lf" && style != u"crlf" && style != u"cr")
        return fail(400, QStringLiteral("style: expected lf, crlf or cr, got \"%1\"").arg(style));
    return respond(200, HttpResponse::eventStreamHead() + Router::endingsBody(style));
}

Router::Routed routePlain(const HttpRequest &, const QueryParams &)
{
    return respond(200, HttpResponse::plainText(200, "This is plain text, not an event stream.\n"));
}

Router::Routed routeWorkbench(const HttpRequest &request, const QByteArray &path)
{
    struct Endpoint
    {
        QByteArrayView path;
        QStringList params; // the query parameters it takes; any other is an error
        Router::Routed (*route)(const HttpRequest &, const QueryParams &);
    };
    static const Endpoint endpoints[] = {
        { "/ticks",
            { QStringLiteral("interval"), QStringLiteral("count"), QStringLiteral("size"),
                QStringLiteral("breakAfter") },
            routeTicks },
        { "/idle", { QStringLiteral("interval") }, routeIdle },
        { "/status", { QStringLiteral("code"), QStringLiteral("location") },
            [](const HttpRequest &, const QueryParams &params) { return routeStatus(params); } },
        { "/broken", { QStringLiteral("after"), QStringLiteral("interval") }, routeBroken },
        { "/endings", { QStringLiteral("style") }, routeEndings },
        { "/plain", {}, routePlain },
    };
    const Endpoint *endpoint = nullptr;
    for (const Endpoint &candidate : endpoints) {
        if (candidate.path == path)
            endpoint = &candidate;
    }
    if (!endpoint) {
        return fail(404,
            QStringLiteral("no endpoint %1; the endpoints are:\n%2")
                .arg(QString::fromUtf8(path), Router::endpointHelp()));
    }
    if (!workbenchMethods.contains(request.head.method))
        return methodNotAllowed(request, workbenchMethods);

    QString error;
    const std::optional<QueryParams> params
        = QueryParams::parse(request.head.query(), endpoint->params, &error);
    if (!params)
        return fail(400, error);
    return endpoint->route(request, *params);
}

} // namespace

namespace Router {

Routed route(const HttpRequest &request, const TestServerSettings &settings, qint64 epochMs)
{
    const QByteArray path = request.head.path();
    QString note
        = QStringLiteral("📨 %1 %2 from %3")
              .arg(QString::fromLatin1(request.head.method),
                  forLog(QString::fromUtf8(path == "/events" ? path : request.head.target)),
                  request.peer);
    Routed routed;
    if (path == "/events") {
        routed = routeEcho(request, settings, epochMs, &note);
    } else if (path == "/headers") {
        SseEvent event;
        event.type = QStringLiteral("request");
        event.data = QString::fromUtf8(requestJson(request));
        routed = respond(200, HttpResponse::eventStreamHead() + SseWriter::encode(event));
    } else {
        routed = routeWorkbench(request, path);
    }
    routed.note = note;
    return routed;
}

QString endpointHelp()
{
    return QStringLiteral(
        "  POST|PUT /events  {\"message\": \"...\"}  echo: responseCount events responseDelay ms "
        "apart\n"
        "  GET /events?message=...               the same echo, message from the query\n"
        "  /ticks?interval=ms&count=N&size=bytes  tick events (interval 1000, count 0 = endless)\n"
        "        [&breakAfter=N]                 break like /broken after N ticks in a response\n"
        "  /idle?interval=ms                     only ': heartbeat' comments (interval 1000)\n"
        "  /status?code=NNN[&location=URL]       that status with a short text body (3xx: "
        "Location)\n"
        "  /broken?after=N[&interval=ms]         N events, half an event, then a connection reset\n"
        "  /endings?style=lf|crlf|cr             fixed events written with that line ending\n"
        "  /headers                              one event echoing method, headers and body as "
        "JSON\n"
        "  /plain                                200 text/plain, not an event stream");
}

QByteArray endingsBody(const QString &style)
{
    const SseWriter::LineEnding ending = style == u"crlf" ? SseWriter::LineEnding::CrLf
        : style == u"cr"                                  ? SseWriter::LineEnding::Cr
                                                          : SseWriter::LineEnding::Lf;
    QByteArray out
        = SseWriter::comment(QByteArray("line endings: ").append(style.toLatin1()), ending);
    SseEvent first;
    first.data = QStringLiteral("first");
    out += SseWriter::encode(first, ending);
    SseEvent multi;
    multi.type = QStringLiteral("multi-line");
    multi.lastEventId = QStringLiteral("endings-2");
    multi.data = QStringLiteral("line one\nline two\nline three");
    out += SseWriter::encode(multi, ending);
    SseEvent last;
    last.type = QStringLiteral("final");
    last.lastEventId = QStringLiteral("endings-3");
    last.data = QStringLiteral("last");
    last.retry = QStringLiteral("5000");
    last.hasRetry = true;
    out += SseWriter::encode(last, ending);
    return out;
}

QByteArray requestJson(const HttpRequest &request)
{
    const HttpRequestHead &head = request.head;
    QJsonObject headers;
    QJsonArray rawHeaders;
    for (const HttpHeader &header : head.headers) {
        const QString name = QString::fromLatin1(header.first).toLower();
        const QString value = QString::fromUtf8(header.second);
        const QJsonValue previous = headers.value(name);
        headers.insert(
            name, previous.isString() ? previous.toString() + QStringLiteral(", ") + value : value);
        rawHeaders.append(QJsonArray { QString::fromLatin1(header.first), value });
    }
    const QJsonObject object {
        { QStringLiteral("method"), QString::fromLatin1(head.method) },
        { QStringLiteral("target"), QString::fromUtf8(head.target) },
        { QStringLiteral("path"), QString::fromUtf8(head.path()) },
        { QStringLiteral("query"), QString::fromUtf8(head.query()) },
        { QStringLiteral("version"), QString::fromLatin1(head.version) },
        { QStringLiteral("headers"), headers },
        { QStringLiteral("rawHeaders"), rawHeaders },
        { QStringLiteral("body"), QString::fromUtf8(request.body) },
        { QStringLiteral("bodyBytes"), request.body.size() },
    };
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace Router
