#include "proxyapp.h"

#include "proxyserver.h"
#include "settings.h"
#include "signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>

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

} // namespace

int runProxyApp(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "WebSocket-to-SSE proxy: clients send a JSON request over a WebSocket, the proxy\n"
            "performs it against an SSE server and relays every event back as JSON.\n"
            "Also serves GET /healthz, GET /metrics and the ws://.../monitor feed."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(SettingsCli::settingsOption());
    const QCommandLineOption hostOption(QStringLiteral("host"),
                                        QStringLiteral("Listen on this host (proxy.host)."),
                                        QStringLiteral("host"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        QStringLiteral("Listen on this port, 0 = any (proxy.port)."),
                                        QStringLiteral("port"));
    const QCommandLineOption pathOption(QStringLiteral("path"),
                                        QStringLiteral("WebSocket endpoint path (proxy.path)."),
                                        QStringLiteral("path"));
    const QCommandLineOption timeoutOption(
            QStringLiteral("sse-timeout"),
            QStringLiteral("End a request after this many ms of upstream silence, 0 = off "
                           "(proxy.sseTimeout)."),
            QStringLiteral("ms"));
    const QCommandLineOption adminHostOption(
            QStringLiteral("admin-host"),
            QStringLiteral("Admin listener host for /metrics and /monitor; \"\" = the proxy's own "
                           "listener (admin.host)."),
            QStringLiteral("host"));
    const QCommandLineOption adminPortOption(
            QStringLiteral("admin-port"),
            QStringLiteral("Admin listener port, 0 = any (admin.port)."), QStringLiteral("port"));
    const QCommandLineOption verboseOption(QStringLiteral("verbose"),
                                           QStringLiteral("Log every relayed event."));
    const QCommandLineOption quietOption(QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
                                         QStringLiteral("Log warnings and errors only."));
    parser.addOptions({ hostOption, portOption, pathOption, timeoutOption, adminHostOption,
                        adminPortOption, verboseOption, quietOption });
    // parse(), not process(): process() exits with status 1 on bad usage; ours is 2.
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "ws-sse-proxy: error: %s\n", qPrintable(parser.errorText()));
        return SettingsCli::exitBadSettings;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "ws-sse-proxy: error: unexpected argument \"%s\"\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return SettingsCli::exitBadSettings;
    }

    configureLogging(parser.isSet(verboseOption), parser.isSet(quietOption));

    std::optional<Settings> settings = SettingsCli::load(parser);
    if (!settings)
        return SettingsCli::exitBadSettings;
    QString error;
    SettingsCli::overrideString(parser, hostOption, &settings->proxy.host);
    SettingsCli::overrideString(parser, pathOption, &settings->proxy.path);
    SettingsCli::overrideString(parser, adminHostOption, &settings->admin.host);
    if (!SettingsCli::overrideInt(parser, portOption, 0, 65535, &settings->proxy.port, &error)
        || !SettingsCli::overrideInt(parser, adminPortOption, 0, 65535, &settings->admin.port, &error)
        || !SettingsCli::overrideInt(parser, timeoutOption, 0, std::numeric_limits<int>::max(),
                                     &settings->proxy.sseTimeout, &error)) {
        std::fprintf(stderr, "ws-sse-proxy: error: %s\n", qPrintable(error));
        return SettingsCli::exitBadSettings;
    }
    if (!settings->validate(&error)) {
        std::fprintf(stderr, "ws-sse-proxy: error: %s\n", qPrintable(error));
        return SettingsCli::exitBadSettings;
    }

    raiseDescriptorLimit(settings->proxy);
    // Before the startup line: from then on a supervisor may signal us at any moment.
    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    ProxyServer server(*settings);
    if (!server.listen(&error)) {
        std::fprintf(stderr, "ws-sse-proxy: error: %s\n", qPrintable(error));
        return exitCannotListen;
    }
    std::printf("ws-sse-proxy %s listening on %s\n", WSSP_VERSION, qPrintable(server.proxyUrl()));
    const QString adminHost = settings->admin.host.isEmpty() ? settings->proxy.host : settings->admin.host;
    const bool tls = !settings->proxy.tlsCertificate.isEmpty();
    const char *http = tls ? "https" : "http";
    std::printf("  health: %s://%s:%u/healthz  metrics: %s://%s:%u/metrics  monitor: %s://%s:%u/monitor\n",
                http, qPrintable(adminHost), server.adminPort(), http, qPrintable(adminHost),
                server.adminPort(), tls ? "wss" : "ws", qPrintable(adminHost), server.adminPort());
    std::fflush(stdout);

    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &server,
                     [&server](int) { server.drainThenShutdown(); });
    QObject::connect(&server, &ProxyServer::stopped, qApp, [] { QCoreApplication::exit(0); });
    return QCoreApplication::exec();
}
