#include "monitorcli.h"

#include "settings.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace MonitorCli {

Outcome parse(const QStringList &arguments, MonitorWindowOptions *options, QString *message)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Live view of a ws-sse-proxy: sessions, events and charts."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption urlOption(QStringLiteral("url"),
        QStringLiteral("Monitor feed URL (default: monitor.url, else "
                       "ws://proxy.host:proxy.port/monitor)."),
        QStringLiteral("ws-url"));
    const QCommandLineOption tokenOption(QStringLiteral("token"),
        QStringLiteral("Monitor token (admin.token)."), QStringLiteral("token"));
    const QCommandLineOption settingsOption = SettingsCli::settingsOption();
    parser.addOptions({ urlOption, tokenOption, settingsOption });

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
        *message = QStringLiteral("unexpected argument \"%1\"")
                       .arg(parser.positionalArguments().first());
        return Outcome::BadUsage;
    }

    const std::optional<Settings> settings = SettingsCli::load(parser);
    if (!settings) {
        message->clear(); // SettingsCli printed the error
        return Outcome::BadUsage;
    }

    const QString urlText
        = parser.isSet(urlOption) ? parser.value(urlOption) : settings->monitorUrl();
    const QUrl url(urlText, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"ws" && url.scheme() != u"wss")
        || url.host().isEmpty()) {
        *message
            = QStringLiteral("--url: not a ws:// or wss:// URL with a host: \"%1\"").arg(urlText);
        return Outcome::BadUsage;
    }
    options->url = url;
    options->token
        = parser.isSet(tokenOption) ? parser.value(tokenOption) : settings->monitor.token;
    // The test server and client the monitor starts read the same settings file.
    options->childArguments.clear();
    if (parser.isSet(settingsOption))
        options->childArguments << QStringLiteral("--settings")
                                << QFileInfo(parser.value(settingsOption)).absoluteFilePath();
    return Outcome::Run;
}

} // namespace MonitorCli
