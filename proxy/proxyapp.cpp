#include "proxyapp.h"

#include "eventdispatchers.h"
#include "programcli.h"
#include "proxyserver.h"
#include "settings.h"
#include "signalwatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QUrl>

#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <csignal>
#include <cstdio>
#include <limits>

Q_LOGGING_CATEGORY(lcProxyApp, "wssp.proxy.app", QtInfoMsg)

namespace {

void configureLogging(bool verbose, bool quiet)
{
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-dd hh:mm:ss.zzz} %{if-debug}debug%{endif}%{if-info}info %{endif}"
        "%{if-warning}warn %{endif}%{if-critical}error%{endif} %{category}: %{message}"));
    if (verbose)
        QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.debug=true"));
    else if (quiet)
        QLoggingCategory::setFilterRules(QStringLiteral("wssp.*.info=false"));
}

// Each session holds two descriptors (client and upstream): raise the soft limit to the hard
// one, and say when the sessions allowed could still run out of them.
// glibc gives each worker thread a heap of its own and, by default, hands memory freed at its top
// back to the kernel as soon as 128 KiB are free there: under a flood a worker then paid an
// madvise() for nearly every read buffer it freed (1.12 M events/s on a worker thread against
// 1.65 M on the main thread, whose heap trims differently; docs/BENCHMARKS.md, "Workers").
// These are the values glibc's own dynamic thresholds reach after the first large frees.
void tuneAllocator()
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
#endif
}

void raiseDescriptorLimit(const ProxySettings &proxy)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            limit.rlim_cur = before;
    }
    const qint64 needed = 2 * qint64(proxy.maxSessions) + 64;
    if (limit.rlim_cur != RLIM_INFINITY && qint64(limit.rlim_cur) < needed) {
        std::fprintf(stderr,
            "ws-sse-proxy: warning: %lld file descriptors allowed (raised from %lld), but "
            "proxy.maxSessions %d can need %lld: past that, new connections wait "
            "(raise LimitNOFILE / ulimit -n, or lower proxy.maxSessions)\n",
            static_cast<long long>(limit.rlim_cur), static_cast<long long>(before),
            proxy.maxSessions, static_cast<long long>(needed));
    }
}

// The options, with the parser that knows them.
struct ProxyOptions
{
    ProgramCli::Parser parser { QStringLiteral(
        "WebSocket-to-SSE proxy: clients send a JSON request over a WebSocket, the proxy\n"
        "performs it against an SSE server and relays every event back as JSON.\n"
        "Also serves GET /healthz, GET /metrics and the ws://.../monitor feed.") };
    QCommandLineOption host { QStringLiteral("host"),
        QStringLiteral("Listen on this host (proxy.host)."), QStringLiteral("host") };
    QCommandLineOption port { QStringLiteral("port"),
        QStringLiteral("Listen on this port, 0 = any (proxy.port)."), QStringLiteral("port") };
    QCommandLineOption path { QStringLiteral("path"),
        QStringLiteral("WebSocket endpoint path (proxy.path)."), QStringLiteral("path") };
    QCommandLineOption sseTimeout { QStringLiteral("sse-timeout"),
        QStringLiteral("End a request after this many ms of upstream "
                       "silence, 0 = off (proxy.sseTimeout)."),
        QStringLiteral("ms") };
    QCommandLineOption adminHost { QStringLiteral("admin-host"),
        QStringLiteral("Admin listener host for /metrics and /monitor; "
                       "\"\" = the proxy's own listener (admin.host)."),
        QStringLiteral("host") };
    QCommandLineOption adminPort { QStringLiteral("admin-port"),
        QStringLiteral("Admin listener port, 0 = any (admin.port)."), QStringLiteral("port") };
    QCommandLineOption verbose { QStringLiteral("verbose"),
        QStringLiteral("Log every relayed event.") };
    QCommandLineOption quiet { QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
        QStringLiteral("Log warnings and errors only.") };

    ProxyOptions()
    {
        parser.addOptions({ SettingsCli::settingsOption(), host, port, path, sseTimeout, adminHost,
            adminPort, verbose, quiet });
    }
};

bool applyOptions(const ProxyOptions &options, Settings *settings, QString *error)
{
    const QCommandLineParser &parser = options.parser.qt();
    SettingsCli::overrideString(parser, options.host, &settings->proxy.host);
    SettingsCli::overrideString(parser, options.path, &settings->proxy.path);
    SettingsCli::overrideString(parser, options.adminHost, &settings->admin.host);
    return SettingsCli::overrideInt(parser, options.port, 0, 65535, &settings->proxy.port, error)
        && SettingsCli::overrideInt(
            parser, options.adminPort, 0, 65535, &settings->admin.port, error)
        && SettingsCli::overrideInt(parser, options.sseTimeout, 0, std::numeric_limits<int>::max(),
            &settings->proxy.sseTimeout, error)
        && settings->validate(error);
}

void printStartupLines(const Settings &settings, const ProxyServer &server)
{
    std::printf("ws-sse-proxy %s listening on %s\n", WSSP_VERSION, qPrintable(server.proxyUrl()));
    const QString adminHost
        = settings.admin.host.isEmpty() ? settings.proxy.host : settings.admin.host;
    const bool tls = !settings.proxy.tlsCertificate.isEmpty();
    const char *http = tls ? "https" : "http";
    std::printf(
        "  health: %s://%s:%u/healthz  metrics: %s://%s:%u/metrics  monitor: %s://%s:%u/monitor\n",
        http, qPrintable(adminHost), server.adminPort(), http, qPrintable(adminHost),
        server.adminPort(), tls ? "wss" : "ws", qPrintable(adminHost), server.adminPort());
    if (settings.proxy.browserClient) {
        // On the proxy's own listener, the origin a page's WebSocket goes to
        // (docs/BROWSER-CLIENT.md).
        QUrl url(server.proxyUrl());
        url.setScheme(QString::fromLatin1(http));
        url.setPath(QStringLiteral("/demo"));
        const QString demo = url.toString();
        url.setPath(QStringLiteral("/client.js"));
        std::printf("  browser: %s  module: %s\n", qPrintable(demo), qPrintable(url.toString()));
    }
    std::fflush(stdout);
}

int runProxy(const ProxyCommandLine &commandLine)
{
    configureLogging(commandLine.verbose, commandLine.quiet);
    const Settings &settings = commandLine.settings;
    raiseDescriptorLimit(settings.proxy);
    tuneAllocator();
    // Before the startup line: from then on a supervisor may signal us at any moment.
    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    ProxyServer server(settings);
    QString error;
    if (!server.listen(&error)) {
        ProgramCli::printError(error);
        return exitCannotListen;
    }
    printStartupLines(settings, server);
    qCInfo(lcProxyApp).nospace().noquote()
        << "event dispatcher: " << settings.proxy.eventDispatcher << " ("
        << QAbstractEventDispatcher::instance()->metaObject()->className() << ")";
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &server,
        [&server](int) { server.drainThenShutdown(); });
    QObject::connect(&server, &ProxyServer::stopped, qApp, [] { QCoreApplication::exit(0); });
    return QCoreApplication::exec();
}

QStringList argumentList(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

} // namespace

ProxyCommandLine parseProxyCommandLine(const QStringList &arguments)
{
    ProxyOptions options;
    ProxyCommandLine commandLine;
    commandLine.outcome = options.parser.parse(arguments);
    if (!commandLine.outcome.isRun())
        return commandLine;
    const QCommandLineParser &parser = options.parser.qt();
    commandLine.verbose = parser.isSet(options.verbose);
    commandLine.quiet = parser.isSet(options.quiet);
    std::optional<Settings> settings = SettingsCli::load(parser);
    if (!settings) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(QString()); // SettingsCli printed why
        return commandLine;
    }
    QString error;
    if (!applyOptions(options, &*settings, &error)) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(error);
        return commandLine;
    }
    commandLine.settings = *settings;
    return commandLine;
}

int proxyMain(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("ws-sse-proxy"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));
    const QStringList arguments = argumentList(argc, argv);
    ProxyCommandLine commandLine = parseProxyCommandLine(arguments);
    if (commandLine.outcome.action == ProgramCli::Outcome::Action::ShowHelp) {
        QCoreApplication app(argc, argv); // Qt's help text names the program from it
        commandLine = parseProxyCommandLine(arguments);
    }
    if (!commandLine.outcome.isRun())
        return ProgramCli::finish(commandLine.outcome);
    // Settings::validate() accepted the name, so the kind is known.
    const EventDispatcherKind kind
        = parseEventDispatcherKind(commandLine.settings.proxy.eventDispatcher)
              .value_or(EventDispatcherKind::Qt);
    if (QAbstractEventDispatcher *dispatcher = createEventDispatcher(kind))
        QCoreApplication::setEventDispatcher(dispatcher);
    QCoreApplication app(argc, argv);
    return runProxy(commandLine);
}
