#include "servercli.h"

#include "hostport.h"
#include "logging.h"
#include "router.h"
#include "settings.h"
#include "signalwatcher.h"
#include "testserver.h"
#include "tlsfiles.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>

#include <csignal>
#include <cstdio>

namespace {

constexpr int maxCount = 1000000;
constexpr int maxDelayMs = 60 * 60 * 1000;

void printLine(const QString &text)
{
    std::fputs(text.toUtf8().append('\n').constData(), stdout);
    std::fflush(stdout);
}

// The options, with the parser that knows them.
struct Options
{
    ProgramCli::Parser parser { QStringLiteral(
                                    "Test SSE server: an echo endpoint (PROTOCOL.md §7) and a "
                                    "workbench of streams for testing SSE clients and proxies.\n\n"
                                    "Endpoints:\n")
        + Router::endpointHelp() };
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

    Options() { parser.addOptions({ settings, host, port, count, delay, quiet, tls }); }
};

// --tls CERT KEY and no other positional argument.
ProgramCli::Outcome takeTlsFiles(const Options &options, ServerCli::CommandLine *commandLine)
{
    const QCommandLineParser &parser = options.parser.qt();
    QStringList positional = parser.positionalArguments();
    if (parser.isSet(options.tls)) {
        if (positional.isEmpty())
            return ProgramCli::Outcome::badUsage(
                QStringLiteral("--tls needs two files: --tls CERT KEY (see --help)"));
        commandLine->tlsCertificate = parser.value(options.tls);
        commandLine->tlsKey = positional.takeFirst();
    }
    if (!positional.isEmpty())
        return ProgramCli::unexpectedArgument(positional.constFirst());
    return {};
}

ProgramCli::Outcome applyOptions(const Options &options, TestServerSettings *config)
{
    const QCommandLineParser &parser = options.parser.qt();
    QString error;
    SettingsCli::overrideString(parser, options.host, &config->host);
    if (!SettingsCli::overrideInt(parser, options.port, 0, 65535, &config->port, &error)
        || !SettingsCli::overrideInt(
            parser, options.count, 1, maxCount, &config->responseCount, &error)
        || !SettingsCli::overrideInt(
            parser, options.delay, 0, maxDelayMs, &config->responseDelay, &error))
        return ProgramCli::Outcome::badUsage(error);
    return {};
}

void printStartupLines(const TestServer &server, const TestServerSettings &config)
{
    const QString base = QStringLiteral("%1://%2:%3")
                             .arg(server.isTls() ? QStringLiteral("https") : QStringLiteral("http"),
                                 HostPort::urlHost(HostPort::reachableHost(config.host)))
                             .arg(server.serverPort());
    printLine(QStringLiteral("🚀 Test SSE Server listening on %1 (responseCount %2, "
                             "responseDelay %3 ms)")
                  .arg(base)
                  .arg(config.responseCount)
                  .arg(config.responseDelay));
    printLine(QStringLiteral("   POST %1/events with {\"message\": \"Hello\"}; "
                             "--help lists the other endpoints")
                  .arg(base));
}

} // namespace

namespace ServerCli {

CommandLine parse(const QStringList &arguments)
{
    Options options;
    CommandLine commandLine;
    commandLine.outcome = options.parser.parse(arguments, ProgramCli::Positional::Allowed);
    if (commandLine.outcome.isRun())
        commandLine.outcome = takeTlsFiles(options, &commandLine);
    if (!commandLine.outcome.isRun())
        return commandLine;
    std::optional<Settings> settings = SettingsCli::load(options.parser.qt());
    if (!settings) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(QString()); // SettingsCli printed why
        return commandLine;
    }
    commandLine.config = settings->testServer;
    commandLine.outcome = applyOptions(options, &commandLine.config);
    commandLine.quiet = options.parser.qt().isSet(options.quiet);
    return commandLine;
}

int serve(QCoreApplication &app, const CommandLine &commandLine)
{
    if (qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                          "%{if-critical}error: %{endif}%{message}"));
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
            ProgramCli::printError(error);
            return exitBadUsage;
        }
        server.setTls(*tlsConfiguration);
    }
    if (!server.listen(config.host, quint16(config.port), &error)) {
        ProgramCli::printError(error);
        return exitBadUsage;
    }
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &app, [&server, &app](int number) {
        qCInfo(lcSseServer).noquote()
            << QStringLiteral("🛑 signal %1: closing %2 connection(s) and exiting")
                   .arg(number)
                   .arg(server.connectionCount());
        server.close();
        app.quit();
    });
    printStartupLines(server, config);
    return app.exec();
}

int run(QCoreApplication &app)
{
    const CommandLine commandLine = parse(QCoreApplication::arguments());
    if (!commandLine.outcome.isRun())
        return ProgramCli::finish(commandLine.outcome);
    return serve(app, commandLine);
}

} // namespace ServerCli
