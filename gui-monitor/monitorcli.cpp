#include "monitorcli.h"

#include "settings.h"

#include <QCommandLineOption>
#include <QFileInfo>

namespace MonitorCli {

CommandLine parse(const QStringList &arguments)
{
    ProgramCli::Parser parser(
        QStringLiteral("Live view of a ws-sse-proxy: sessions, events and charts."));
    const QCommandLineOption urlOption(QStringLiteral("url"),
        QStringLiteral("Monitor feed URL (default: monitor.url, else "
                       "ws://proxy.host:proxy.port/monitor)."),
        QStringLiteral("ws-url"));
    const QCommandLineOption tokenOption(QStringLiteral("token"),
        QStringLiteral("Monitor token (admin.token)."), QStringLiteral("token"));
    const QCommandLineOption settingsOption = SettingsCli::settingsOption();
    parser.addOptions({ urlOption, tokenOption, settingsOption });

    CommandLine commandLine;
    commandLine.outcome = parser.parse(arguments);
    if (!commandLine.outcome.isRun())
        return commandLine;
    const QCommandLineParser &options = parser.qt();
    const std::optional<Settings> settings = SettingsCli::load(options);
    if (!settings) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(QString()); // SettingsCli printed why
        return commandLine;
    }

    const QString urlText
        = options.isSet(urlOption) ? options.value(urlOption) : settings->monitorUrl();
    const QUrl url(urlText, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"ws" && url.scheme() != u"wss")
        || url.host().isEmpty()) {
        commandLine.outcome = ProgramCli::Outcome::badUsage(
            QStringLiteral("--url: not a ws:// or wss:// URL with a host: \"%1\"").arg(urlText));
        return commandLine;
    }
    commandLine.url = url;
    commandLine.token
        = options.isSet(tokenOption) ? options.value(tokenOption) : settings->monitor.token;
    // The test server and client the monitor starts read the same settings file.
    if (options.isSet(settingsOption))
        commandLine.childArguments << QStringLiteral("--settings")
                                   << QFileInfo(options.value(settingsOption)).absoluteFilePath();
    return commandLine;
}

} // namespace MonitorCli
