#include "settings.h"

#include "hostport.h"
#include "programcli.h"

#include "settingsrules.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

// The schema is one table (schema() below) so that every key gets the same type and range
// checks and the same messages; docs/SETTINGS.md documents the same table.

namespace {

constexpr int intMax = std::numeric_limits<int>::max();

enum class StringRule { Any, NonEmpty, Path, WsUrl, Choice };

struct Key
{
    QString name;
    std::variant<int *, bool *, QString *, QStringList *> target;
    int min = 0;
    int max = intMax;
    StringRule rule = StringRule::Any;
    QStringList choices; // StringRule::Choice
};

struct Section
{
    QString name;
    QList<Key> keys;
};

Key intKey(const char *name, int *target, int min, int max = intMax)
{
    return Key { QString::fromLatin1(name), target, min, max, StringRule::Any, {} };
}

Key boolKey(const char *name, bool *target)
{
    return Key { QString::fromLatin1(name), target, 0, 0, StringRule::Any, {} };
}

Key stringKey(const char *name, QString *target, StringRule rule = StringRule::Any)
{
    return Key { QString::fromLatin1(name), target, 0, 0, rule, {} };
}

// A list of strings; what each item must be is checked after all keys are read
// (crossChecks), where the rules that need other keys live too.
Key listKey(const char *name, QStringList *target)
{
    return Key { QString::fromLatin1(name), target, 0, 0, StringRule::Any, {} };
}

Key choiceKey(const char *name, QString *target, const QStringList &choices)
{
    return Key { QString::fromLatin1(name), target, 0, 0, StringRule::Choice, choices };
}

// Binds the schema to one Settings value.
QList<Section> schema(Settings &s)
{
    ProxySettings &p = s.proxy;
    AdminSettings &a = s.admin;
    TestServerSettings &ts = s.testServer;
    TestClientSettings &tc = s.testClient;
    MonitorSettings &m = s.monitor;
    return {
        { QStringLiteral("proxy"),
            {
                stringKey("host", &p.host, StringRule::NonEmpty),
                intKey("port", &p.port, 0, 65535),
                stringKey("path", &p.path, StringRule::Path),
                intKey("sseTimeout", &p.sseTimeout, 0),
                boolKey("legacyDataMessages", &p.legacyDataMessages),
                intKey("maxQueuedRequests", &p.maxQueuedRequests, 0),
                intKey("maxStreamsPerSocket", &p.maxStreamsPerSocket, 1, 10000),
                intKey("maxReconnectAttempts", &p.maxReconnectAttempts, 1, 1000000000),
                intKey("maxReconnectDelayMs", &p.maxReconnectDelayMs, 0, 86400000),
                intKey("minReconnectDelayMs", &p.minReconnectDelayMs, 0, 86400000),
                intKey("maxMessageBytes", &p.maxMessageBytes, 1),
                intKey("maxLineBytes", &p.maxLineBytes, 1),
                intKey("maxEventBytes", &p.maxEventBytes, 1),
                intKey("readBufferBytes", &p.readBufferBytes, 1),
                intKey("highWatermarkBytes", &p.highWatermarkBytes, 1),
                intKey("lowWatermarkBytes", &p.lowWatermarkBytes, 0),
                intKey("stallTimeout", &p.stallTimeout, 0),
                choiceKey("upstreamClient", &p.upstreamClient,
                    { QStringLiteral("inline"), QStringLiteral("qt") }),
                intKey("connectTimeout", &p.connectTimeout, 0),
                intKey("responseHeadTimeout", &p.responseHeadTimeout, 0),
                intKey("maxResponseHeadBytes", &p.maxResponseHeadBytes, 256, 16 * 1024 * 1024),
                intKey("maxResponseHeaders", &p.maxResponseHeaders, 1, 10000),
                intKey("errorExcerptBytes", &p.errorExcerptBytes, 0, 4096),
                listKey("authTokens", &p.authTokens),
                listKey("allowedOrigins", &p.allowedOrigins),
                boolKey("browserClient", &p.browserClient),
                intKey("maxSessions", &p.maxSessions, 1, 1000000),
                intKey("maxSessionsPerAddress", &p.maxSessionsPerAddress, 1, 1000000),
                intKey("idleTimeout", &p.idleTimeout, 0),
                intKey("pingInterval", &p.pingInterval, 0),
                intKey("maxIncomingBytes", &p.maxIncomingBytes, 1024),
                intKey("maxEventMessageBytes", &p.maxEventMessageBytes, 1024),
                intKey("maxSendQueueBytes", &p.maxSendQueueBytes, 1024),
                intKey("maxRequestHeaders", &p.maxRequestHeaders, 0, 10000),
                intKey("maxRequestHeaderBytes", &p.maxRequestHeaderBytes, 0),
                stringKey("upstreamCaFile", &p.upstreamCaFile),
                intKey("drainSeconds", &p.drainSeconds, 0, 3600),
                choiceKey("eventDispatcher", &p.eventDispatcher,
                    { QStringLiteral("epoll"), QStringLiteral("qt") }),
                intKey("workers", &p.workers, 0, 64),
            } },
        { QStringLiteral("proxy.upstream"),
            {
                choiceKey("policy", &p.upstreamPolicy,
                    { QStringLiteral("enforce"), QStringLiteral("off") }),
                listKey("allow", &p.upstreamAllow),
                listKey("deny", &p.upstreamDeny),
            } },
        { QStringLiteral("proxy.tls"),
            {
                stringKey("certificate", &p.tlsCertificate),
                stringKey("privateKey", &p.tlsPrivateKey),
            } },
        { QStringLiteral("admin"),
            {
                boolKey("health", &a.health),
                boolKey("metrics", &a.metrics),
                boolKey("monitor", &a.monitor),
                stringKey("host", &a.host),
                intKey("port", &a.port, 0, 65535),
                stringKey("token", &a.token),
                boolKey("redact", &a.redact),
                listKey("redactHeaders", &a.redactHeaders),
            } },
        { QStringLiteral("testServer"),
            {
                stringKey("host", &ts.host, StringRule::NonEmpty),
                intKey("port", &ts.port, 0, 65535),
                intKey("responseCount", &ts.responseCount, 1),
                intKey("responseDelay", &ts.responseDelay, 0),
            } },
        { QStringLiteral("testClient"),
            {
                stringKey("message", &tc.message),
                intKey("maxMessages", &tc.maxMessages, 1),
                intKey("sendDelay", &tc.sendDelay, 0),
                stringKey("url", &tc.url, StringRule::WsUrl),
                intKey("timeout", &tc.timeout, 1),
            } },
        { QStringLiteral("monitor"),
            {
                stringKey("url", &m.url, StringRule::WsUrl),
                stringKey("token", &m.token),
            } },
    };
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

bool isWebSocketUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"ws" || url.scheme() == u"wss")
        && !url.host().isEmpty();
}

// Returns an empty string when `value` is acceptable for `key` (and stores it), else the reason.
QString applyValue(const Key &key, const QJsonValue &value)
{
    if (int *const *target = std::get_if<int *>(&key.target)) {
        const QString reason
            = QStringLiteral("must be an integer from %1 to %2").arg(key.min).arg(key.max);
        if (!value.isDouble())
            return reason;
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::floor(d) || d < key.min || d > key.max)
            return reason;
        **target = int(d);
        return QString();
    }
    if (bool *const *target = std::get_if<bool *>(&key.target)) {
        if (!value.isBool())
            return QStringLiteral("must be true or false");
        **target = value.toBool();
        return QString();
    }
    if (QStringList *const *target = std::get_if<QStringList *>(&key.target)) {
        if (!value.isArray())
            return QStringLiteral("must be a list of strings");
        QStringList items;
        for (const QJsonValue &item : value.toArray()) {
            if (!item.isString())
                return QStringLiteral("must be a list of strings");
            items.append(item.toString());
        }
        **target = items;
        return QString();
    }
    QString *const target = std::get<QString *>(key.target);
    if (!value.isString())
        return QStringLiteral("must be a string");
    const QString s = value.toString();
    switch (key.rule) {
    case StringRule::Any:
        break;
    case StringRule::NonEmpty:
        if (s.isEmpty())
            return QStringLiteral("must not be empty");
        break;
    case StringRule::Path:
        if (!s.startsWith(u'/') || s.contains(u'?') || s.contains(u'#')
            || std::any_of(s.cbegin(), s.cend(), [](QChar c) { return c.isSpace() || c < u' '; })) {
            return QStringLiteral("must be a path starting with '/', without spaces, '?' or '#'");
        }
        break;
    case StringRule::WsUrl:
        if (!s.isEmpty() && !isWebSocketUrl(s))
            return QStringLiteral("must be empty or a ws:// or wss:// URL with a host");
        break;
    case StringRule::Choice:
        if (!key.choices.contains(s))
            return QStringLiteral("must be one of \"%1\"")
                .arg(key.choices.join(QStringLiteral("\", \"")));
        break;
    }
    *target = s;
    return QString();
}

} // namespace

namespace {

// Applies one section's object; a key naming a nested section ("upstream" in "proxy") recurses.
bool applySection(const QList<Section> &sections, const QString &name, const QJsonObject &values,
    QString *error, QStringList *warnings)
{
    const auto section = std::find_if(
        sections.cbegin(), sections.cend(), [&name](const Section &s) { return s.name == name; });
    for (auto kit = values.constBegin(); kit != values.constEnd(); ++kit) {
        const QString fullName = name + u'.' + kit.key();
        const bool isSection = std::any_of(sections.cbegin(), sections.cend(),
            [&fullName](const Section &s) { return s.name == fullName; });
        if (isSection) {
            if (!kit.value().isObject())
                return fail(error, fullName + QStringLiteral(": must be an object"));
            if (!applySection(sections, fullName, kit.value().toObject(), error, warnings))
                return false;
            continue;
        }
        const auto key = std::find_if(section->keys.cbegin(), section->keys.cend(),
            [&kit](const Key &k) { return k.name == kit.key(); });
        if (key == section->keys.cend()) {
            if (warnings)
                warnings->append(QStringLiteral("unknown key \"%1\" ignored").arg(fullName));
            continue;
        }
        const QString reason = applyValue(*key, kit.value());
        if (!reason.isEmpty())
            return fail(error, fullName + QStringLiteral(": ") + reason);
    }
    return true;
}

} // namespace

bool Settings::apply(const QJsonObject &root, QString *error, QStringList *warnings)
{
    // Work on a copy so that a bad file leaves *this untouched.
    Settings result = *this;
    const QList<Section> sections = schema(result);
    for (auto sit = root.constBegin(); sit != root.constEnd(); ++sit) {
        const bool known = !sit.key().contains(u'.')
            && std::any_of(sections.cbegin(), sections.cend(),
                [&sit](const Section &s) { return s.name == sit.key(); });
        if (!known) {
            if (warnings)
                warnings->append(QStringLiteral("unknown section \"%1\" ignored").arg(sit.key()));
            continue;
        }
        if (!sit.value().isObject())
            return fail(error, sit.key() + QStringLiteral(": must be an object"));
        if (!applySection(sections, sit.key(), sit.value().toObject(), error, warnings))
            return false;
    }
    if (!SettingsRules::check(result, error))
        return false;
    *this = result;
    return true;
}

std::optional<Settings> Settings::load(
    const QString &path, bool mustExist, QString *error, QStringList *warnings)
{
    Settings settings;
    QFile file(path);
    if (!file.exists()) {
        if (mustExist) {
            fail(error, path + QStringLiteral(": file not found"));
            return std::nullopt;
        }
        return settings;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        fail(error, path + QStringLiteral(": cannot read: ") + file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // QJsonParseError's offset is just past the offending character: point at the character.
        const QByteArrayView before = QByteArrayView(bytes).first(
            qBound(qsizetype(0), qsizetype(parseError.offset) - 1, bytes.size()));
        const qsizetype line = before.count('\n') + 1;
        const qsizetype column = before.size() - (before.lastIndexOf('\n') + 1) + 1;
        fail(error,
            QStringLiteral("%1: not valid JSON: %2 at offset %3 (line %4, column %5)")
                .arg(path, parseError.errorString())
                .arg(parseError.offset)
                .arg(line)
                .arg(column));
        return std::nullopt;
    }
    if (!doc.isObject()) {
        fail(error, path + QStringLiteral(": the top level must be a JSON object"));
        return std::nullopt;
    }
    QString applyError;
    QStringList applyWarnings;
    const bool ok = settings.apply(doc.object(), &applyError, &applyWarnings);
    if (warnings) {
        for (const QString &warning : std::as_const(applyWarnings))
            warnings->append(path + QStringLiteral(": ") + warning);
    }
    if (!ok) {
        fail(error, path + QStringLiteral(": ") + applyError);
        return std::nullopt;
    }
    return settings;
}

QJsonObject Settings::toJson() const
{
    Settings copy = *this;
    QJsonObject root;
    const QList<Section> sections = schema(copy);
    // Nested sections come after their parent in the table, so the parent exists to insert into.
    for (const Section &section : sections) {
        QJsonObject values;
        for (const Key &key : section.keys) {
            if (int *const *i = std::get_if<int *>(&key.target))
                values.insert(key.name, **i);
            else if (bool *const *b = std::get_if<bool *>(&key.target))
                values.insert(key.name, **b);
            else if (QStringList *const *l = std::get_if<QStringList *>(&key.target))
                values.insert(key.name, QJsonArray::fromStringList(**l));
            else
                values.insert(key.name, *std::get<QString *>(key.target));
        }
        const qsizetype dot = section.name.indexOf(u'.');
        if (dot < 0) {
            root.insert(section.name, values);
        } else {
            QJsonObject parent = root.value(section.name.first(dot)).toObject();
            parent.insert(section.name.sliced(dot + 1), values);
            root.insert(section.name.first(dot), parent);
        }
    }
    return root;
}

bool Settings::validate(QString *error) const
{
    Settings copy;
    return copy.apply(toJson(), error, nullptr);
}

QString Settings::proxyUrl() const
{
    if (!testClient.url.isEmpty())
        return testClient.url;
    return QStringLiteral("%1://%2:%3%4")
        .arg(webSocketScheme(), HostPort::urlHost(HostPort::reachableHost(proxy.host)))
        .arg(proxy.port)
        .arg(proxy.path);
}

QString Settings::monitorUrl() const
{
    if (!monitor.url.isEmpty())
        return monitor.url;
    const bool separateAdmin = !admin.host.isEmpty();
    return QStringLiteral("%1://%2:%3/monitor")
        .arg(webSocketScheme(),
            HostPort::urlHost(HostPort::reachableHost(separateAdmin ? admin.host : proxy.host)))
        .arg(separateAdmin ? admin.port : proxy.port);
}

QString Settings::webSocketScheme() const
{
    // proxy.tls puts every listener of the proxy, the admin one too, behind TLS.
    return proxy.tlsCertificate.isEmpty() ? QStringLiteral("ws") : QStringLiteral("wss");
}

namespace SettingsCli {

namespace {

    QString optionName(const QCommandLineOption &option)
    {
        const QString name = option.names().value(0);
        return (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
    }

} // namespace

QCommandLineOption settingsOption()
{
    return QCommandLineOption(QStringLiteral("settings"),
        QStringLiteral("Read settings from <path> (default: ./settings.json; "
                       "a missing default file means built-in defaults)."),
        QStringLiteral("path"));
}

std::optional<Settings> load(const QCommandLineParser &parser)
{
    const QCommandLineOption option = settingsOption();
    const bool explicitPath = parser.isSet(option);
    const QString path = explicitPath ? parser.value(option) : QStringLiteral("settings.json");

    QString error;
    QStringList warnings;
    const std::optional<Settings> settings = Settings::load(path, explicitPath, &error, &warnings);
    for (const QString &warning : std::as_const(warnings))
        ProgramCli::printWarning(warning);
    if (!settings)
        ProgramCli::printError(error);
    return settings;
}

bool overrideInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
    int max, int *target, QString *error)
{
    if (!parser.isSet(option))
        return true;
    const QString text = parser.value(option);
    const QStringView digits
        = text.startsWith(u'-') ? QStringView(text).sliced(1) : QStringView(text);
    bool ok = !digits.isEmpty() && digits.size() <= 18
        && std::all_of(
            digits.cbegin(), digits.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
    const qlonglong value = ok ? text.toLongLong(&ok) : 0;
    if (!ok || value < min || value > max) {
        return fail(error,
            QStringLiteral("%1: must be an integer from %2 to %3, got \"%4\"")
                .arg(optionName(option))
                .arg(min)
                .arg(max)
                .arg(text));
    }
    *target = int(value);
    return true;
}

void overrideString(
    const QCommandLineParser &parser, const QCommandLineOption &option, QString *target)
{
    if (parser.isSet(option))
        *target = parser.value(option);
}

} // namespace SettingsCli
