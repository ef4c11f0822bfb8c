#include "settings.h"

bool Settings::apply(const QJsonObject &, QString *, QStringList *) { return true; }

std::optional<Settings> Settings::load(const QString &, bool, QString *, QStringList *)
{
    return Settings();
}

QString Settings::proxyUrl() const { return {}; }
QString Settings::monitorUrl() const { return {}; }

namespace SettingsCli {

QCommandLineOption settingsOption()
{
    return QCommandLineOption(QStringLiteral("settings"), QStringLiteral("settings file"),
                              QStringLiteral("path"));
}

std::optional<Settings> load(const QCommandLineParser &) { return Settings(); }

bool overrideInt(const QCommandLineParser &, const QCommandLineOption &, int, int, int *,
                 QString *)
{
    return true;
}

void overrideString(const QCommandLineParser &, const QCommandLineOption &, QString *) { }

} // namespace SettingsCli
