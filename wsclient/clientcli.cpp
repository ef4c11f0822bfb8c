#include "clientcli.h"

#include "programcli.h"
#include "settings.h"
#include "targetlist.h"
#include "tlsfiles.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonParseError>

namespace {

constexpr int maxMilliseconds = 24 * 60 * 60 * 1000;
constexpr int maxReconnectAttempts = 1000000000; // PROTOCOL.md §2: "reconnect" maxAttempts

bool isTokenChar(char16_t c)
{
    // RFC 9110 tchar.
    if ((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9'))
        return true;
    return QStringView(u"!#$%&'*+-.^_`|~").contains(QChar(c));
}

bool hasControlBreak(QStringView text)
{
    return text.contains(u'\r') || text.contains(u'\n') || text.contains(QChar(u'\0'));
}

QString quoted(const QString &text)
{
    return u'\'' + text + u'\'';
}

bool validProxyUrl(const QString &text, QUrl *url)
{
    *url = QUrl(text, QUrl::StrictMode);
    const QString scheme = url->scheme();
    return url->isValid() && (scheme == u"ws" || scheme == u"wss") && !url->host().isEmpty();
}

// The options, with the parser that knows them.
struct Options
{
    ProgramCli::Parser parser { QStringLiteral(
        "Console client for ws-sse-proxy.\n"
        "Without --target: the design's echo test (PROTOCOL.md section 8): sends --count POST "
        "requests to the test server's /events through the proxy, one after another.\n"
        "With --target: a request to any SSE URL, printed readably or (--json) as raw proxy "
        "messages. Several --targets run at once on one socket, each with an id (ID=URL, or "
        "its position 1, 2, ...) that every output line names.\n"
        "Exit status: 0 ok, 1 the proxy reported an error, 2 bad options or settings, "
        "3 cannot connect or connection lost, 4 timeout, 130 interrupted.") };
    QCommandLineOption settings = SettingsCli::settingsOption();
    QCommandLineOption url { QStringLiteral("url"),
        QStringLiteral("Proxy WebSocket URL (default: testClient.url or "
                       "ws://proxy.host:proxy.port/proxy.path)."),
        QStringLiteral("URL") };
    QCommandLineOption caFile { QStringLiteral("ca-file"),
        QStringLiteral("wss://: also trust the CA certificate(s) in this PEM file, e.g. the "
                       "proxy's own CA (docs/TLS.md)."),
        QStringLiteral("PATH") };
    QCommandLineOption timeout { QStringLiteral("timeout"),
        QStringLiteral("Give up after MS ms without a message while waiting (0 = never; "
                       "default testClient.timeout)."),
        QStringLiteral("MS") };
    QCommandLineOption json { QStringLiteral("json"),
        QStringLiteral("Print each proxy message exactly as received, one per line.") };
    // The echo test's.
    QCommandLineOption message { QStringLiteral("message"),
        QStringLiteral("Echo test: message text (default testClient.message)."),
        QStringLiteral("TEXT") };
    QCommandLineOption count { QStringLiteral("count"),
        QStringLiteral("Echo test: number of requests (default testClient.maxMessages)."),
        QStringLiteral("N") };
    QCommandLineOption delay { QStringLiteral("delay"),
        QStringLiteral("Echo test: pause in ms after each `closed` (default "
                       "testClient.sendDelay)."),
        QStringLiteral("MS") };
    // Request mode's.
    QCommandLineOption target { QStringLiteral("target"),
        QStringLiteral("Request mode: the http:// or https:// SSE URL to open, or ID=URL to "
                       "give the request an id (repeatable: the requests run at once)."),
        QStringLiteral("URL") };
    QCommandLineOption method { QStringLiteral("method"),
        QStringLiteral("Request mode: GET, POST, PUT or DELETE (default GET, POST with "
                       "--body)."),
        QStringLiteral("METHOD") };
    QCommandLineOption header { QStringLiteral("header"),
        QStringLiteral("Request mode: 'Name: value' request header (repeatable)."),
        QStringLiteral("HEADER") };
    QCommandLineOption body { QStringLiteral("body"),
        QStringLiteral("Request mode: body; a JSON object or array is sent as JSON, anything "
                       "else as text."),
        QStringLiteral("BODY") };
    QCommandLineOption lastEventId { QStringLiteral("last-event-id"),
        QStringLiteral("Request mode: sent as the Last-Event-ID header."), QStringLiteral("ID") };
    QCommandLineOption showHeaders { QStringLiteral("show-headers"),
        QStringLiteral("Request mode: also print the upstream's response headers.") };
    QCommandLineOption reconnect { QStringLiteral("reconnect"),
        QStringLiteral("Request mode: the proxy asks the upstream again, from the last event "
                       "ID, when it ends or breaks (\"reconnect\": true).") };
    QCommandLineOption maxAttempts { QStringLiteral("reconnect-max-attempts"),
        QStringLiteral("Request mode: give up after N attempts in a row without an event (0 = "
                       "the proxy's limit; implies --reconnect)."),
        QStringLiteral("N") };
    QCommandLineOption maxDelay { QStringLiteral("reconnect-max-delay"),
        QStringLiteral("Request mode: wait at most MS ms before asking again (0 = the proxy's "
                       "limit; implies --reconnect)."),
        QStringLiteral("MS") };

    Options()
    {
        parser.addOptions({ settings, url, caFile, timeout, json, message, count, delay, target,
            method, header, body, lastEventId, showHeaders, reconnect, maxAttempts, maxDelay });
    }

    bool requestMode() const { return parser.qt().isSet(target); }
    QList<QCommandLineOption> echoOnly() const { return { message, count, delay }; }
    QList<QCommandLineOption> requestOnly() const
    {
        return { method, header, body, lastEventId, showHeaders, reconnect, maxAttempts, maxDelay };
    }
};

// Options that belong to the other mode are mistakes worth reporting, not ignoring.
ProgramCli::Outcome refuseOtherModesOptions(const Options &options)
{
    const bool requestMode = options.requestMode();
    for (const QCommandLineOption &option :
        requestMode ? options.echoOnly() : options.requestOnly()) {
        if (!options.parser.qt().isSet(option))
            continue;
        const QString name = option.names().constFirst();
        return ProgramCli::Outcome::badUsage(requestMode
                ? QStringLiteral("--%1 belongs to the echo test and cannot be used with --target")
                      .arg(name)
                : QStringLiteral("--%1 needs --target").arg(name));
    }
    return {};
}

// The options over testClient's settings, and what both modes take from them.
ProgramCli::Outcome readCommonOptions(
    const Options &options, Settings *settings, ClientConfig *config)
{
    const QCommandLineParser &parser = options.parser.qt();
    TestClientSettings &client = settings->testClient;
    QString error;
    SettingsCli::overrideString(parser, options.url, &client.url);
    SettingsCli::overrideString(parser, options.message, &client.message);
    if (!SettingsCli::overrideInt(parser, options.count, 1, 1000000, &client.maxMessages, &error)
        || !SettingsCli::overrideInt(
            parser, options.delay, 0, maxMilliseconds, &client.sendDelay, &error)
        || !SettingsCli::overrideInt(
            parser, options.timeout, 0, maxMilliseconds, &client.timeout, &error))
        return ProgramCli::Outcome::badUsage(error);
    config->timeout = client.timeout;
    config->json = parser.isSet(options.json);
    config->message = client.message;
    config->count = client.maxMessages;
    config->sendDelay = client.sendDelay;
    config->serverHost = settings->testServer.host;
    config->serverPort = settings->testServer.port;
    return {};
}

// The proxy's URL (--url, testClient.url or proxy.*, after readCommonOptions()), and the CAs
// --ca-file adds for it.
ProgramCli::Outcome readProxyUrl(
    const Options &options, const Settings &settings, ClientConfig *config)
{
    const QCommandLineParser &parser = options.parser.qt();
    const QString proxyUrl = settings.proxyUrl();
    if (!validProxyUrl(proxyUrl, &config->proxyUrl)) {
        const QString source = parser.isSet(options.url) ? QStringLiteral("--url")
            : settings.testClient.url.isEmpty() ? QStringLiteral("proxy.host/proxy.port/proxy.path")
                                                : QStringLiteral("testClient.url");
        return ProgramCli::Outcome::badUsage(
            QStringLiteral("%1: expected a ws:// or wss:// URL with a host, got %2")
                .arg(source, quoted(proxyUrl)));
    }
    if (!parser.isSet(options.caFile))
        return {};
    // A CA for a ws:// URL would be silently useless: most likely the URL is wrong.
    if (config->proxyUrl.scheme() != u"wss") {
        return ProgramCli::Outcome::badUsage(
            QStringLiteral("--ca-file: the proxy URL %1 is not wss://").arg(quoted(proxyUrl)));
    }
    QString error;
    std::optional<QList<QSslCertificate>> cas
        = TlsFiles::certificates(parser.value(options.caFile), QStringLiteral("--ca-file"), &error);
    if (!cas)
        return ProgramCli::Outcome::badUsage(error);
    config->caCertificates = *cas;
    return {};
}

// --header and --last-event-id into `request`; the option wins over a Last-Event-ID header.
ProgramCli::Outcome readHeaders(const Options &options, ProxyRequest *request)
{
    const QCommandLineParser &parser = options.parser.qt();
    QString error;
    for (const QString &text : parser.values(options.header)) {
        HttpHeader header;
        if (!ClientCli::parseHeader(text, &header, &error))
            return ProgramCli::Outcome::badUsage(error);
        request->headers.append(header);
    }
    if (!parser.isSet(options.lastEventId))
        return {};
    const QString id = parser.value(options.lastEventId);
    if (hasControlBreak(id))
        return ProgramCli::Outcome::badUsage(
            QStringLiteral("--last-event-id: must not contain CR, LF or NUL"));
    request->headers.removeIf([](const HttpHeader &header) {
        return header.first.compare("Last-Event-ID", Qt::CaseInsensitive) == 0;
    });
    request->headers.append(HttpHeader("Last-Event-ID", id.toUtf8()));
    return {};
}

// --body and --method into `request`.
ProgramCli::Outcome readMethodAndBody(const Options &options, ProxyRequest *request)
{
    const QCommandLineParser &parser = options.parser.qt();
    if (parser.isSet(options.body)) {
        ClientCli::applyBody(parser.value(options.body), request);
        request->method = "POST"; // like curl --data, unless --method says otherwise
    }
    if (!parser.isSet(options.method))
        return {};
    const QString method = parser.value(options.method).toUpper();
    if (method != u"GET" && method != u"POST" && method != u"PUT" && method != u"DELETE") {
        return ProgramCli::Outcome::badUsage(
            QStringLiteral("--method: must be GET, POST, PUT or DELETE, got %1")
                .arg(quoted(parser.value(options.method))));
    }
    request->method = method.toLatin1();
    return {};
}

// Request mode: the options common to every target make a template request, and each --target
// a request from it.
ProgramCli::Outcome readRequests(const Options &options, ClientConfig *config)
{
    const QCommandLineParser &parser = options.parser.qt();
    config->mode = ClientConfig::Mode::Request;
    config->showHeaders = parser.isSet(options.showHeaders);
    ProxyRequest request;
    ProgramCli::Outcome outcome = readHeaders(options, &request);
    if (outcome.isRun())
        outcome = readMethodAndBody(options, &request);
    if (!outcome.isRun())
        return outcome;
    ReconnectOptions &reconnect = request.reconnect;
    reconnect.enabled = parser.isSet(options.reconnect) || parser.isSet(options.maxAttempts)
        || parser.isSet(options.maxDelay);
    QString error;
    if (!SettingsCli::overrideInt(
            parser, options.maxAttempts, 0, maxReconnectAttempts, &reconnect.maxAttempts, &error)
        || !SettingsCli::overrideInt(
            parser, options.maxDelay, 0, maxMilliseconds, &reconnect.maxDelayMs, &error)
        || !TargetList::build(parser.values(options.target), request, &config->requests, &error))
        return ProgramCli::Outcome::badUsage(error);
    return {};
}

} // namespace

namespace ClientCli {

bool applyTarget(const QString &target, ProxyRequest *request, QString *error)
{
    const QUrl url(target, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http" && scheme != u"https") || url.host().isEmpty()) {
        *error = QStringLiteral("--target: expected an absolute http:// or https:// URL with a "
                                "host, got %1")
                     .arg(quoted(target));
        return false;
    }
    if (!url.userInfo().isEmpty()) {
        *error = QStringLiteral("--target: user info in the URL is not supported; send "
                                "credentials with --header 'Authorization: ...'");
        return false;
    }
    request->protocol = scheme;
    request->address = url.host(); // an IPv6 literal comes back without brackets
    request->port = url.port(scheme == u"https" ? 443 : 80);
    QString path = url.path(QUrl::FullyEncoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    if (url.hasQuery())
        path += u'?' + url.query(QUrl::FullyEncoded);
    request->path = path; // the fragment never reaches a server
    return true;
}

bool parseHeader(const QString &text, HttpHeader *header, QString *error)
{
    const qsizetype colon = text.indexOf(u':');
    const QString name = colon < 0 ? QString() : text.left(colon).trimmed();
    const QString value = colon < 0 ? QString() : text.mid(colon + 1).trimmed();
    bool tokenOk = !name.isEmpty();
    for (const QChar c : name)
        tokenOk = tokenOk && isTokenChar(c.unicode());
    if (colon < 0 || !tokenOk) {
        *error = QStringLiteral("--header %1: expected 'Name: value' with a name made of HTTP "
                                "token characters")
                     .arg(quoted(text));
        return false;
    }
    if (hasControlBreak(value)) {
        *error = QStringLiteral("--header %1: the value must not contain CR, LF or NUL")
                     .arg(quoted(name));
        return false;
    }
    *header = HttpHeader(name.toLatin1(), value.toUtf8());
    return true;
}

void applyBody(const QString &text, ProxyRequest *request)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error == QJsonParseError::NoError && (doc.isObject() || doc.isArray())) {
        request->bodyKind = ProxyRequest::BodyKind::Json;
        request->body = doc.toJson(QJsonDocument::Compact);
    } else {
        request->bodyKind = ProxyRequest::BodyKind::Text;
        request->body = text.toUtf8();
    }
}

CommandLine parse(const QStringList &arguments)
{
    Options options;
    CommandLine commandLine;
    commandLine.outcome = options.parser.parse(arguments);
    if (commandLine.outcome.isRun())
        commandLine.outcome = refuseOtherModesOptions(options);
    if (!commandLine.outcome.isRun())
        return commandLine;
    std::optional<Settings> settings = SettingsCli::load(options.parser.qt());
    if (!settings) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(QString()); // SettingsCli printed why
        return commandLine;
    }
    ClientConfig config;
    commandLine.outcome = readCommonOptions(options, &*settings, &config);
    if (commandLine.outcome.isRun())
        commandLine.outcome = readProxyUrl(options, *settings, &config);
    if (commandLine.outcome.isRun() && options.requestMode())
        commandLine.outcome = readRequests(options, &config);
    if (commandLine.outcome.isRun())
        commandLine.config = config;
    return commandLine;
}

} // namespace ClientCli
