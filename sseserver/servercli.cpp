#include "servercli.h"

#include "logging.h"
#include "router.h"
#include "settings.h"
#include "testserver.h"
#include "tlsfiles.h"
#include "signalwatcher.h"

#include <QCommandLineParser>

#include <csignal>
#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>

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

QString urlHost(const QString &host)
{
    if (host.isEmpty() || host == u"*")
        return QStringLiteral("0.0.0.0");
    QHostAddress address;
    if (address.setAddress(host) && address.protocol() == QAbstractSocket::IPv6Protocol)
        return u'[' + host + u']';
    return host;
}

} // namespace

namespace ServerCli {

int run(QCoreApplication &app)
{
    if (qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                          "%{if-critical}error: %{endif}%{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Test SSE server: an echo endpoint (PROTOCOL.md §7) and a workbench of "
                       "streams for testing SSE clients and proxies.\n\nEndpoints:\n")
        + Router::endpointHelp());
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption settingsOption = SettingsCli::settingsOption();
    const QCommandLineOption hostOption(QStringLiteral("host"),
                                        QStringLiteral("Listen on this host (testServer.host)."),
                                        QStringLiteral("host"));
    const QCommandLineOption portOption(
        QStringLiteral("port"),
        QStringLiteral("Listen on this port, 0 for any free one (testServer.port)."),
        QStringLiteral("port"));
    const QCommandLineOption countOption(
        QStringLiteral("count"),
        QStringLiteral("Events per echo request (testServer.responseCount)."), QStringLiteral("n"));
    const QCommandLineOption delayOption(
        QStringLiteral("delay"),
        QStringLiteral("Milliseconds between echo events (testServer.responseDelay)."),
        QStringLiteral("ms"));
    const QCommandLineOption quietOption(
        QStringLiteral("quiet"), QStringLiteral("Do not log requests and events."));
    // QCommandLineParser options take one value: KEY arrives as the one positional argument.
    const QCommandLineOption tlsOption(
        QStringLiteral("tls"),
        QStringLiteral("Serve https: --tls CERT KEY, with CERT the PEM certificate (chain) and "
                       "KEY its PEM private key (docs/TLS.md)."),
        QStringLiteral("CERT"));
    parser.addOptions(
        { settingsOption, hostOption, portOption, countOption, delayOption, quietOption, tlsOption });

    if (!parser.parse(app.arguments())) {
        printError(parser.errorText() + QStringLiteral(" (see --help)"));
        return exitBadUsage;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printLine(stdout, parser.helpText());
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        printLine(stdout, QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion());
        return 0;
    }
    QStringList positional = parser.positionalArguments();
    const bool tls = parser.isSet(tlsOption);
    if (tls && positional.isEmpty()) {
        printError(QStringLiteral("--tls needs two files: --tls CERT KEY (see --help)"));
        return exitBadUsage;
    }
    const QString tlsKey = tls ? positional.takeFirst() : QString();
    if (!positional.isEmpty()) {
        printError(QStringLiteral("unexpected argument \"%1\" (see --help)")
                              .arg(positional.constFirst()));
        return exitBadUsage;
    }

    std::optional<Settings> settings = SettingsCli::load(parser);
    if (!settings)
        return SettingsCli::exitBadSettings; // SettingsCli printed why
    TestServerSettings &config = settings->testServer;
    QString error;
    SettingsCli::overrideString(parser, hostOption, &config.host);
    if (!SettingsCli::overrideInt(parser, portOption, 0, 65535, &config.port, &error)
        || !SettingsCli::overrideInt(parser, countOption, 1, maxCount, &config.responseCount,
                                     &error)
        || !SettingsCli::overrideInt(parser, delayOption, 0, maxDelayMs, &config.responseDelay,
                                     &error)) {
        printError(error);
        return exitBadUsage;
    }
    if (parser.isSet(quietOption))
        QLoggingCategory::setFilterRules(
            QStringLiteral("wssp.sseserver.info=false\nwssp.sseserver.debug=false"));

    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    TestServer server(config);
    if (tls) {
        const std::optional<QSslConfiguration> tlsConfiguration = TlsFiles::serverConfiguration(
                parser.value(tlsOption), QStringLiteral("--tls CERT"), tlsKey,
                QStringLiteral("--tls KEY"), &error);
        if (!tlsConfiguration) {
            printError(error);
            return exitBadUsage;
        }
        server.setTls(*tlsConfiguration);
    }
    if (!server.listen(config.host, quint16(config.port), &error)) {
        printError(error);
        return exitBadUsage;
    }
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &app,
        [&server, &app](int number) {
            qCInfo(lcSseServer).noquote()
                << QStringLiteral("🛑 signal %1: closing %2 connection(s) and exiting")
                       .arg(number)
                       .arg(server.connectionCount());
            server.close();
            app.quit();
        });

    const QString base =
        QStringLiteral("%1://%2:%3")
            .arg(server.isTls() ? QStringLiteral("https") : QStringLiteral("http"), urlHost(config.host))
            .arg(server.serverPort());
    printLine(stdout, QStringLiteral("🚀 Test SSE Server listening on %1 (responseCount %2, "
                                     "responseDelay %3 ms)")
                          .arg(base)
                          .arg(config.responseCount)
                          .arg(config.responseDelay));
    printLine(stdout, QStringLiteral("   POST %1/events with {\"message\": \"Hello\"}; "
                                     "--help lists the other endpoints")
                          .arg(base));
    return app.exec();
}

} // namespace ServerCli
