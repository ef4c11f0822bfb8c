#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

// settings.json (PROTOCOL.md §6 plus the keys documented in docs/SETTINGS.md): built-in
// defaults, then the file, then each program's command-line overrides.

struct ProxySettings
{
    QString host = QStringLiteral("localhost");
    int port = 3001; // 0..65535; 0 = any free port
    QString path = QStringLiteral("/proxy"); // starts with '/'
    int sseTimeout = 0; // ms of upstream silence; 0 = off
    bool legacyDataMessages = false; // also send {"type":"data"} after each event
    int maxQueuedRequests = 16; // 0.. ; requests waiting behind the active one
    int maxStreamsPerSocket = 32; // requests with an "id" running at once on one socket
    int maxReconnectAttempts = 1000; // caps a request's reconnect.maxAttempts
    int maxReconnectDelayMs = 30000; // caps the wait before a reconnect (retry, maxDelayMs)
    int minReconnectDelayMs = 500; // least wait once attempts in a row fail (no hammering)
    int maxMessageBytes = 1024 * 1024; // largest client message accepted
    int maxLineBytes = 8 * 1024 * 1024; // SSE parser limit: one line
    int maxEventBytes = 16 * 1024 * 1024; // SSE parser limit: one event's data
    int readBufferBytes = 64 * 1024; // per upstream reply
    int highWatermarkBytes = 1024 * 1024; // client queue above this: pause the upstream
    int lowWatermarkBytes = 256 * 1024; // client queue below this: resume
    int stallTimeout = 60000; // ms paused before a stalled client is dropped; 0 = never
    QString upstreamClient
        = QStringLiteral("inline"); // "inline" (InlineHttpReply) or "qt" (Qt's threaded HTTP)
    int connectTimeout = 10000; // ms to resolve, connect and finish TLS; 0 = none (inline)
    int responseHeadTimeout
        = 30000; // ms from the request sent to the response head; 0 = none (inline)
    int maxResponseHeadBytes = 64 * 1024; // status line + headers of an upstream response (inline)
    int maxResponseHeaders = 100; // header fields in an upstream response (inline)

    // Safety (docs/SECURITY.md).
    QString upstreamPolicy = QStringLiteral("enforce"); // proxy.upstream.policy: "enforce" or "off"
    QStringList upstreamAllow; // proxy.upstream.allow: UpstreamRule texts
    QStringList upstreamDeny; // proxy.upstream.deny
    int errorExcerptBytes = 256; // of a failed upstream's body in `error`; 0 = none
    QStringList authTokens; // when set, an upgrade needs one of them
    QStringList allowedOrigins; // Origin values accepted; "*" = any
    bool browserClient = true; // serve /client.js and /demo (docs/BROWSER-CLIENT.md)
    int maxSessions = 10000; // WebSocket clients at once
    int maxSessionsPerAddress = 1000; // from one client IP address
    int idleTimeout = 300000; // ms a socket may sit with no request; 0 = never
    int pingInterval = 30000; // ms between pings; no pong in two: dropped; 0 = off
    int maxIncomingBytes = 64 * 1024 * 1024; // all clients' unfinished messages together
    int maxEventMessageBytes = 32 * 1024 * 1024; // one sse-event message after JSON escaping
    int maxSendQueueBytes = 64 * 1024 * 1024; // bytes queued to one client: past it, dropped
    int maxRequestHeaders = 100; // headers in one request
    int maxRequestHeaderBytes = 64 * 1024; // their names and values together
    QString tlsCertificate; // proxy.tls.certificate: PEM file; set: wss://
    QString tlsPrivateKey; // proxy.tls.privateKey: PEM file
    QString upstreamCaFile; // extra trusted CA (PEM) for https upstreams

    // Running (docs/SCALING.md, docs/EVENT-LOOP.md).
    int drainSeconds = 0; // after SIGTERM: /healthz 503, still serving; then stop
    QString eventDispatcher = QStringLiteral("epoll"); // "epoll" (ours) or "qt" (Qt's default)
    int workers = 0; // threads that serve clients; 0 = one per core, 1 = all on the main thread
};

struct AdminSettings
{
    bool health = true; // GET /healthz
    bool metrics = true; // GET /metrics
    bool monitor = true; // ws://.../monitor
    QString host = QStringLiteral("localhost"); // empty: answer on the proxy's own listener
    int port = 3002; // of the separate admin listener; 0 = any free port
    QString token; // when set, /monitor and /metrics need it
    bool redact = true; // hide credentials from the monitor feed
    QStringList redactHeaders; // more header names whose values are hidden
};

struct TestServerSettings
{
    QString host = QStringLiteral("localhost");
    int port = 8081; // 0..65535; 0 = any free port
    int responseCount = 3; // 1..
    int responseDelay = 1000; // ms, 0..
};

struct TestClientSettings
{
    QString message = QStringLiteral("Hello Server!");
    int maxMessages = 3; // 1..
    int sendDelay = 1000; // ms, 0..
    QString url; // proxy URL; empty = ws://proxy.host:proxy.port/proxy.path
    int timeout = 30000; // ms without progress before giving up
};

struct MonitorSettings
{
    QString url; // empty = ws://proxy.host:proxy.port/monitor
    QString token;
};

struct Settings
{
    ProxySettings proxy;
    AdminSettings admin;
    TestServerSettings testServer;
    TestClientSettings testClient;
    MonitorSettings monitor;

    // Applies the keys present in `root` over the current values, leaving the others alone.
    // Returns false and sets `error` on the first known key with a wrong type or an
    // out-of-range value, naming the key: `proxy.port: must be an integer from 0 to 65535`.
    // Unknown keys are listed in `warnings` (`unknown key "proxy.prot" ignored`).
    bool apply(const QJsonObject &root, QString *error, QStringList *warnings);

    // Defaults, then the file at `path`. A missing file is not an error unless `mustExist`.
    // Errors name the file and the key; a file that is not JSON names the offset.
    static std::optional<Settings> load(
        const QString &path, bool mustExist, QString *error, QStringList *warnings);

    // Every key with its current value, in the shape of settings.json.
    QJsonObject toJson() const;
    // Checks the current values against the same rules as apply() (for values that came from
    // the command line): false with `error` naming the key, e.g. `proxy.path: must be ...`.
    bool validate(QString *error) const;

    // The proxy's WebSocket URL as clients reach it (testClient.url when set).
    QString proxyUrl() const;
    // The monitor feed URL (monitor.url when set; else the admin listener's).
    QString monitorUrl() const;
    // "wss" when proxy.tls is set, else "ws": the scheme of the two URLs above.
    QString webSocketScheme() const;
};

// Shared command-line handling: every program takes `--settings PATH` and exits with status 2
// and a message naming the key or option when the settings are bad.
namespace SettingsCli {

inline constexpr int exitBadSettings = 2; // ProgramCli::exitBadUsage

QCommandLineOption settingsOption();

// Loads the settings named by --settings (or ./settings.json, which may be missing), printing
// warnings to stderr. On error prints it to stderr and returns nullopt.
std::optional<Settings> load(const QCommandLineParser &parser);

// Overrides an integer from an option when present; false (with `error` naming the option)
// when the value is not an integer within [min, max].
bool overrideInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
    int max, int *target, QString *error);
void overrideString(
    const QCommandLineParser &parser, const QCommandLineOption &option, QString *target);

} // namespace SettingsCli
