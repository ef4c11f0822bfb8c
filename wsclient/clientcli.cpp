#include "clientcli.h"

#include "settings.h"
#include "targetlist.h"
#include "tlsfiles.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
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

Outcome parse(const QStringList &arguments, ClientConfig *config, QString *message)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Console client for ws-sse-proxy.\n"
        "Without --target: the design's echo test (PROTOCOL.md section 8): sends --count POST "
        "requests to the test server's /events through the proxy, one after another.\n"
        "With --target: a request to any SSE URL, printed readably or (--json) as raw proxy "
        "messages. Several --targets run at once on one socket, each with an id (ID=URL, or "
        "its position 1, 2, ...) that every output line names.\n"
        "Exit status: 0 ok, 1 the proxy reported an error, 2 bad options or settings, "
        "3 cannot connect or connection lost, 4 timeout, 130 interrupted."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption settingsOption = SettingsCli::settingsOption();
    const QCommandLineOption urlOption(QStringLiteral("url"),
        QStringLiteral("Proxy WebSocket URL (default: testClient.url or "
                       "ws://proxy.host:proxy.port/proxy.path)."),
        QStringLiteral("URL"));
    const QCommandLineOption caFileOption(QStringLiteral("ca-file"),
        QStringLiteral("wss://: also trust the CA certificate(s) in this PEM file, e.g. the "
                       "proxy's own CA (docs/TLS.md)."),
        QStringLiteral("PATH"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"),
        QStringLiteral("Give up after MS ms without a message while waiting (0 = never; "
                       "default testClient.timeout)."),
        QStringLiteral("MS"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
        QStringLiteral("Print each proxy message exactly as received, one per line."));
    const QCommandLineOption messageOption(QStringLiteral("message"),
        QStringLiteral("Echo test: message text (default testClient.message)."),
        QStringLiteral("TEXT"));
    const QCommandLineOption countOption(QStringLiteral("count"),
        QStringLiteral("Echo test: number of requests (default testClient.maxMessages)."),
        QStringLiteral("N"));
    const QCommandLineOption delayOption(QStringLiteral("delay"),
        QStringLiteral("Echo test: pause in ms after each `closed` (default "
                       "testClient.sendDelay)."),
        QStringLiteral("MS"));
    const QCommandLineOption targetOption(QStringLiteral("target"),
        QStringLiteral("Request mode: the http:// or https:// SSE URL to open, or ID=URL to "
                       "give the request an id (repeatable: the requests run at once)."),
        QStringLiteral("URL"));
    const QCommandLineOption methodOption(QStringLiteral("method"),
        QStringLiteral("Request mode: GET, POST, PUT or DELETE (default GET, POST with "
                       "--body)."),
        QStringLiteral("METHOD"));
    const QCommandLineOption headerOption(QStringLiteral("header"),
        QStringLiteral("Request mode: 'Name: value' request header (repeatable)."),
        QStringLiteral("HEADER"));
    const QCommandLineOption bodyOption(QStringLiteral("body"),
        QStringLiteral("Request mode: body; a JSON object or array is sent as JSON, anything "
                       "else as text."),
        QStringLiteral("BODY"));
    const QCommandLineOption lastEventIdOption(QStringLiteral("last-event-id"),
        QStringLiteral("Request mode: sent as the Last-Event-ID header."), QStringLiteral("ID"));
    const QCommandLineOption headersOption(QStringLiteral("show-headers"),
        QStringLiteral("Request mode: also print the upstream's response headers."));
    const QCommandLineOption reconnectOption(QStringLiteral("reconnect"),
        QStringLiteral("Request mode: the proxy asks the upstream again, from the last event "
                       "ID, when it ends or breaks (\"reconnect\": true)."));
    const QCommandLineOption maxAttemptsOption(QStringLiteral("reconnect-max-attempts"),
        QStringLiteral("Request mode: give up after N attempts in a row without an event (0 = "
                       "the proxy's limit; implies --reconnect)."),
        QStringLiteral("N"));
    const QCommandLineOption maxDelayOption(QStringLiteral("reconnect-max-delay"),
        QStringLiteral("Request mode: wait at most MS ms before asking again (0 = the proxy's "
                       "limit; implies --reconnect)."),
        QStringLiteral("MS"));
    parser.addOptions(
        { settingsOption, urlOption, caFileOption, timeoutOption, jsonOption, messageOption,
            countOption, delayOption, targetOption, methodOption, headerOption, bodyOption,
            lastEventIdOption, headersOption, reconnectOption, maxAttemptsOption, maxDelayOption });

    if (!parser.parse(arguments)) {
        *message = parser.errorText();
        return Outcome::BadUsage;
    }
    if (parser.isSet(helpOption)) {
        *message = parser.helpText();
        return Outcome::Exit;
    }
    if (parser.isSet(versionOption)) {
        *message = QCoreApplication::applicationName() + u' '
            + QCoreApplication::applicationVersion() + u'\n';
        return Outcome::Exit;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *message = QStringLiteral("unexpected argument %1 (options start with --)")
                       .arg(quoted(parser.positionalArguments().constFirst()));
        return Outcome::BadUsage;
    }

    const bool requestMode = parser.isSet(targetOption);
    // Options that belong to the other mode are mistakes worth reporting, not ignoring.
    const QList<QCommandLineOption> echoOnly { messageOption, countOption, delayOption };
    const QList<QCommandLineOption> requestOnly { methodOption, headerOption, bodyOption,
        lastEventIdOption, headersOption, reconnectOption, maxAttemptsOption, maxDelayOption };
    for (const QCommandLineOption &option : requestMode ? echoOnly : requestOnly) {
        if (parser.isSet(option)) {
            *message = requestMode
                ? QStringLiteral("--%1 belongs to the echo test and cannot be used with --target")
                      .arg(option.names().constFirst())
                : QStringLiteral("--%1 needs --target").arg(option.names().constFirst());
            return Outcome::BadUsage;
        }
    }

    std::optional<Settings> loaded = SettingsCli::load(parser);
    if (!loaded) {
        message->clear(); // SettingsCli printed the reason
        return Outcome::BadUsage;
    }
    Settings settings = *loaded;
    QString error;
    TestClientSettings &client = settings.testClient;
    const bool urlGiven = parser.isSet(urlOption);
    SettingsCli::overrideString(parser, urlOption, &client.url);
    SettingsCli::overrideString(parser, messageOption, &client.message);
    if (!SettingsCli::overrideInt(parser, countOption, 1, 1000000, &client.maxMessages, &error)
        || !SettingsCli::overrideInt(
            parser, delayOption, 0, maxMilliseconds, &client.sendDelay, &error)
        || !SettingsCli::overrideInt(
            parser, timeoutOption, 0, maxMilliseconds, &client.timeout, &error)) {
        *message = error;
        return Outcome::BadUsage;
    }

    ClientConfig result;
    const QString proxyUrl = settings.proxyUrl();
    if (!validProxyUrl(proxyUrl, &result.proxyUrl)) {
        const QString source = urlGiven ? QStringLiteral("--url")
            : client.url.isEmpty()      ? QStringLiteral("proxy.host/proxy.port/proxy.path")
                                        : QStringLiteral("testClient.url");
        *message = QStringLiteral("%1: expected a ws:// or wss:// URL with a host, got %2")
                       .arg(source, quoted(proxyUrl));
        return Outcome::BadUsage;
    }
    if (parser.isSet(caFileOption)) {
        // A CA for a ws:// URL would be silently useless: most likely the URL is wrong.
        if (result.proxyUrl.scheme() != u"wss") {
            *message
                = QStringLiteral("--ca-file: the proxy URL %1 is not wss://").arg(quoted(proxyUrl));
            return Outcome::BadUsage;
        }
        std::optional<QList<QSslCertificate>> cas = TlsFiles::certificates(
            parser.value(caFileOption), QStringLiteral("--ca-file"), &error);
        if (!cas) {
            *message = error;
            return Outcome::BadUsage;
        }
        result.caCertificates = *cas;
    }
    result.timeout = client.timeout;
    result.json = parser.isSet(jsonOption);
    result.message = client.message;
    result.count = client.maxMessages;
    result.sendDelay = client.sendDelay;
    result.serverHost = settings.testServer.host;
    result.serverPort = settings.testServer.port;

    if (requestMode) {
        result.mode = ClientConfig::Mode::Request;
        result.showHeaders = parser.isSet(headersOption);
        // The options below apply to every target: `request` is the template.
        ProxyRequest request;
        for (const QString &text : parser.values(headerOption)) {
            HttpHeader header;
            if (!parseHeader(text, &header, &error)) {
                *message = error;
                return Outcome::BadUsage;
            }
            request.headers.append(header);
        }
        if (parser.isSet(lastEventIdOption)) {
            const QString id = parser.value(lastEventIdOption);
            if (hasControlBreak(id)) {
                *message = QStringLiteral("--last-event-id: must not contain CR, LF or NUL");
                return Outcome::BadUsage;
            }
            // The option wins over a Last-Event-ID given with --header.
            request.headers.removeIf([](const HttpHeader &header) {
                return header.first.compare("Last-Event-ID", Qt::CaseInsensitive) == 0;
            });
            request.headers.append(HttpHeader("Last-Event-ID", id.toUtf8()));
        }
        if (parser.isSet(bodyOption)) {
            applyBody(parser.value(bodyOption), &request);
            request.method = "POST"; // like curl --data, unless --method says otherwise
        }
        if (parser.isSet(methodOption)) {
            const QString method = parser.value(methodOption).toUpper();
            if (method != u"GET" && method != u"POST" && method != u"PUT" && method != u"DELETE") {
                *message = QStringLiteral("--method: must be GET, POST, PUT or DELETE, got %1")
                               .arg(quoted(parser.value(methodOption)));
                return Outcome::BadUsage;
            }
            request.method = method.toLatin1();
        }
        ReconnectOptions &reconnect = request.reconnect;
        reconnect.enabled = parser.isSet(reconnectOption) || parser.isSet(maxAttemptsOption)
            || parser.isSet(maxDelayOption);
        if (!SettingsCli::overrideInt(
                parser, maxAttemptsOption, 0, maxReconnectAttempts, &reconnect.maxAttempts, &error)
            || !SettingsCli::overrideInt(
                parser, maxDelayOption, 0, maxMilliseconds, &reconnect.maxDelayMs, &error)
            || !TargetList::build(parser.values(targetOption), request, &result.requests, &error)) {
            *message = error;
            return Outcome::BadUsage;
        }
    }
    *config = result;
    return Outcome::Run;
}

} // namespace ClientCli
