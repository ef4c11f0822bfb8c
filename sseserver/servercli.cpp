#include "servercli.h"

#include "hostport.h"
#include "logging.h"
#include "router.h"
#include "settings.h"
#include "signalwatcher.h"
#include "testserver.h"
#include "tlsfiles.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>

#include <csignal>
#include <cstdio>

namespace {

constexpr int maxCount = 1000000;
constexpr int maxDelayMs = 60 * 60 * 1000;

void printLine(FILE *stream, const QString &text)
{
    std::fputs(text.toUtf8().append('\n').constData(), stream);
    std::fflush(stream);
}

// The same shape as SettingsCli's messages: "sse-test-server: error: ...".
void printError(const QString &text)
{
    printLine(stderr, QCoreApplication::applicationName() + QStringLiteral(": error: ") + text);
}

// The options, with the parser that knows them.
struct Options
{
    QCommandLineParser parser;
    QCommandLineOption settings = SettingsCli::settingsOption();
    QCommandLineOption host { QStringLiteral("host"),
        QStringLiteral("Listen on this host (testServer.host)."), QStringLiteral("host") };
    QCommandLineOption port { QStringLiteral("port"),
        QStringLiteral("Listen on this port, 0 for any free one (testServer.port)."),
        QStringLiteral("port") };
    QCommandLineOption count { QStringLiteral("count"),
        QStringLiteral("Events per echo request (testServer.responseCount)."),
        QStringLiteral("n") };
    QCommandLineOption delay { QStringLiteral("delay"),
        QStringLiteral("Milliseconds between echo events (testServer.responseDelay)."),
        QStringLiteral("ms") };
    QCommandLineOption quiet { QStringLiteral("quiet"),
        QStringLiteral("Do not log requests and events.") };
    // QCommandLineParser options take one value: KEY arrives as the one positional argument.
    QCommandLineOption tls { QStringLiteral("tls"),
        QStringLiteral("Serve https: --tls CERT KEY, with CERT the PEM certificate "
                       "(chain) and KEY its PEM private key (docs/TLS.md)."),
        QStringLiteral("CERT") };

    Options()
    {
        parser.setApplicationDescription(
            QStringLiteral("Test SSE server: an echo endpoint (PROTOCOL.md §7) and a workbench of "
                           "streams for testing SSE clients and proxies.\n\nEndpoints:\n")
            + Router::endpointHelp());
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({ settings, host, port, count, delay, quiet, tls });
    }
};

// --tls CERT KEY and no other positional argument.
bool takeTlsFiles(const Options &options, ServerCli::CommandLine *commandLine)
{
    QStringList positional = options.parser.positionalArguments();
    if (options.parser.isSet(options.tls)) {
        if (positional.isEmpty()) {
            printError(QStringLiteral("--tls needs two files: --tls CERT KEY (see --help)"));
            return false;
        }
        commandLine->tlsCertificate = options.parser.value(options.tls);
        commandLine->tlsKey = positional.takeFirst();
    }
    if (!positional.isEmpty()) {
        printError(
            QStringLiteral("unexpected argument \"%1\" (see --help)").arg(positional.constFirst()));
        return false;
    }
    return true;
}

bool applyOptions(const Options &options, TestServerSettings *config)
{
    const QCommandLineParser &parser = options.parser;
    QString error;
    SettingsCli::overrideString(parser, options.host, &config->host);
    if (!SettingsCli::overrideInt(parser, options.port, 0, 65535, &config->port, &error)
        || !SettingsCli::overrideInt(
            parser, options.count, 1, maxCount, &config->responseCount, &error)
        || !SettingsCli::overrideInt(
            parser, options.delay, 0, maxDelayMs, &config->responseDelay, &error)) {
        printError(error);
        return false;
    }
    return true;
}

int serve(QCoreApplication &app, const ServerCli::CommandLine &commandLine)
{
    if (commandLine.quiet)
        QLoggingCategory::setFilterRules(
            QStringLiteral("wssp.sseserver.info=false\nwssp.sseserver.debug=false"));
    const TestServerSettings &config = commandLine.config;
    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    TestServer server(config);
    QString error;
    if (!commandLine.tlsCertificate.isEmpty()) {
        const std::optional<QSslConfiguration> tlsConfiguration = TlsFiles::serverConfiguration(
            commandLine.tlsCertificate, QStringLiteral("--tls CERT"), commandLine.tlsKey,
            QStringLiteral("--tls KEY"), &error);
        if (!tlsConfiguration) {
            printError(error);
            return ServerCli::exitBadUsage;
        }
        server.setTls(*tlsConfiguration);
    }
    if (!server.listen(config.host, quint16(config.port), &error)) {
        printError(error);
        return ServerCli::exitBadUsage;
    }
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &app, [&server, &app](int number) {
        qCInfo(lcSseServer).noquote()
            << QStringLiteral("🛑 signal %1: closing %2 connection(s) and exiting")
                   .arg(number)
                   .arg(server.connectionCount());
        server.close();
        app.quit();
    });

    const QString base = QStringLiteral("%1://%2:%3")
                             .arg(server.isTls() ? QStringLiteral("https") : QStringLiteral("http"),
                                 HostPort::urlHost(HostPort::reachableHost(config.host)))
                             .arg(server.serverPort());
    printLine(stdout,
        QStringLiteral("🚀 Test SSE Server listening on %1 (responseCount %2, "
                       "responseDelay %3 ms)")
            .arg(base)
            .arg(config.responseCount)
            .arg(config.responseDelay));
    printLine(stdout,
        QStringLiteral("   POST %1/events with {\"message\": \"Hello\"}; "
                       "--help lists the other endpoints")
            .arg(base));
    return app.exec();
}

} // namespace

namespace ServerCli {

std::optional<CommandLine> parse(const QStringList &arguments)
{
    Options options;
    if (!options.parser.parse(arguments)) {
        printError(options.parser.errorText() + QStringLiteral(" (see --help)"));
        return std::nullopt;
    }
    CommandLine commandLine;
    if (options.parser.isSet(QStringLiteral("help"))) {
        commandLine.action = CommandLine::Action::ShowHelp;
        commandLine.helpText = options.parser.helpText();
        return commandLine;
    }
    if (options.parser.isSet(QStringLiteral("version"))) {
        commandLine.action = CommandLine::Action::ShowVersion;
        return commandLine;
    }
    if (!takeTlsFiles(options, &commandLine))
        return std::nullopt;
    std::optional<Settings> settings = SettingsCli::load(options.parser);
    if (!settings)
        return std::nullopt; // SettingsCli printed why
    commandLine.config = settings->testServer;
    if (!applyOptions(options, &commandLine.config))
        return std::nullopt;
    commandLine.quiet = options.parser.isSet(options.quiet);
    return commandLine;
}

int run(QCoreApplication &app)
{
    if (qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                          "%{if-critical}error: %{endif}%{message}"));
    const std::optional<CommandLine> commandLine = parse(app.arguments());
    if (!commandLine)
        return exitBadUsage;
    switch (commandLine->action) {
    case CommandLine::Action::ShowHelp:
        printLine(stdout, commandLine->helpText);
        return 0;
    case CommandLine::Action::ShowVersion:
        printLine(stdout,
            QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion());
        return 0;
    case CommandLine::Action::Run:
        break;
    }
    return serve(app, *commandLine);
}

} // namespace ServerCli
