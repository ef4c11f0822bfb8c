// Settings and SettingsCli against PROTOCOL.md §6 and docs/SETTINGS.md: the defaults, a partial
// file, a file with every key, each kind of bad file with its exact message, warnings for
// unknown keys, and the precedence defaults < file < command line.

#include "settings.h"
#include "upstreampolicy.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <cstdio>
#include <unistd.h>

namespace {

QString j(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(content) == content.size();
}

// Redirects the process's stderr into a file while alive, to check what SettingsCli prints.
class StderrCapture
{
public:
    StderrCapture()
    {
        m_file.open();
        std::fflush(stderr);
        m_saved = ::dup(STDERR_FILENO);
        ::dup2(m_file.handle(), STDERR_FILENO);
    }
    ~StderrCapture() { restore(); }
    QString text()
    {
        restore();
        m_file.seek(0);
        return QString::fromLocal8Bit(m_file.readAll());
    }

private:
    void restore()
    {
        if (m_saved < 0)
            return;
        std::fflush(stderr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
        m_saved = -1;
    }

    QTemporaryFile m_file;
    int m_saved = -1;
};

// Runs a test body with the working directory switched, restoring it afterwards.
class CurrentDir
{
public:
    explicit CurrentDir(const QString &path)
        : m_saved(QDir::currentPath())
    {
        QDir::setCurrent(path);
    }
    ~CurrentDir() { QDir::setCurrent(m_saved); }

private:
    QString m_saved;
};

// Every field as "section.key=value", to compare whole Settings values readably.
QStringList flatten(const Settings &s)
{
    const auto b = [](bool v) { return v ? QStringLiteral("true") : QStringLiteral("false"); };
    const auto n = [](int v) { return QString::number(v); };
    const auto l = [](const QStringList &v) { return v.join(u'|'); };
    return {
        u"proxy.host=" + s.proxy.host,
        u"proxy.port=" + n(s.proxy.port),
        u"proxy.path=" + s.proxy.path,
        u"proxy.sseTimeout=" + n(s.proxy.sseTimeout),
        u"proxy.legacyDataMessages=" + b(s.proxy.legacyDataMessages),
        u"proxy.maxQueuedRequests=" + n(s.proxy.maxQueuedRequests),
        u"proxy.maxStreamsPerSocket=" + n(s.proxy.maxStreamsPerSocket),
        u"proxy.maxReconnectAttempts=" + n(s.proxy.maxReconnectAttempts),
        u"proxy.maxReconnectDelayMs=" + n(s.proxy.maxReconnectDelayMs),
        u"proxy.minReconnectDelayMs=" + n(s.proxy.minReconnectDelayMs),
        u"proxy.maxMessageBytes=" + n(s.proxy.maxMessageBytes),
        u"proxy.maxLineBytes=" + n(s.proxy.maxLineBytes),
        u"proxy.maxEventBytes=" + n(s.proxy.maxEventBytes),
        u"proxy.readBufferBytes=" + n(s.proxy.readBufferBytes),
        u"proxy.highWatermarkBytes=" + n(s.proxy.highWatermarkBytes),
        u"proxy.lowWatermarkBytes=" + n(s.proxy.lowWatermarkBytes),
        u"proxy.stallTimeout=" + n(s.proxy.stallTimeout),
        u"proxy.upstreamClient=" + s.proxy.upstreamClient,
        u"proxy.connectTimeout=" + n(s.proxy.connectTimeout),
        u"proxy.responseHeadTimeout=" + n(s.proxy.responseHeadTimeout),
        u"proxy.maxResponseHeadBytes=" + n(s.proxy.maxResponseHeadBytes),
        u"proxy.maxResponseHeaders=" + n(s.proxy.maxResponseHeaders),
        u"proxy.upstream.policy=" + s.proxy.upstreamPolicy,
        u"proxy.upstream.allow=" + l(s.proxy.upstreamAllow),
        u"proxy.upstream.deny=" + l(s.proxy.upstreamDeny),
        u"proxy.errorExcerptBytes=" + n(s.proxy.errorExcerptBytes),
        u"proxy.authTokens=" + l(s.proxy.authTokens),
        u"proxy.allowedOrigins=" + l(s.proxy.allowedOrigins),
        u"proxy.browserClient=" + b(s.proxy.browserClient),
        u"proxy.maxSessions=" + n(s.proxy.maxSessions),
        u"proxy.maxSessionsPerAddress=" + n(s.proxy.maxSessionsPerAddress),
        u"proxy.idleTimeout=" + n(s.proxy.idleTimeout),
        u"proxy.pingInterval=" + n(s.proxy.pingInterval),
        u"proxy.maxIncomingBytes=" + n(s.proxy.maxIncomingBytes),
        u"proxy.maxEventMessageBytes=" + n(s.proxy.maxEventMessageBytes),
        u"proxy.maxSendQueueBytes=" + n(s.proxy.maxSendQueueBytes),
        u"proxy.maxRequestHeaders=" + n(s.proxy.maxRequestHeaders),
        u"proxy.maxRequestHeaderBytes=" + n(s.proxy.maxRequestHeaderBytes),
        u"proxy.tls.certificate=" + s.proxy.tlsCertificate,
        u"proxy.tls.privateKey=" + s.proxy.tlsPrivateKey,
        u"proxy.upstreamCaFile=" + s.proxy.upstreamCaFile,
        u"proxy.drainSeconds=" + n(s.proxy.drainSeconds),
        u"proxy.eventDispatcher=" + s.proxy.eventDispatcher,
        u"proxy.workers=" + QString::number(s.proxy.workers),
        u"admin.health=" + b(s.admin.health),
        u"admin.metrics=" + b(s.admin.metrics),
        u"admin.monitor=" + b(s.admin.monitor),
        u"admin.host=" + s.admin.host,
        u"admin.port=" + n(s.admin.port),
        u"admin.token=" + s.admin.token,
        u"admin.redact=" + b(s.admin.redact),
        u"admin.redactHeaders=" + l(s.admin.redactHeaders),
        u"testServer.host=" + s.testServer.host,
        u"testServer.port=" + n(s.testServer.port),
        u"testServer.responseCount=" + n(s.testServer.responseCount),
        u"testServer.responseDelay=" + n(s.testServer.responseDelay),
        u"testClient.message=" + s.testClient.message,
        u"testClient.maxMessages=" + n(s.testClient.maxMessages),
        u"testClient.sendDelay=" + n(s.testClient.sendDelay),
        u"testClient.url=" + s.testClient.url,
        u"testClient.timeout=" + n(s.testClient.timeout),
        u"monitor.url=" + s.monitor.url,
        u"monitor.token=" + s.monitor.token,
    };
}

// Keys in a settings object, counting those of nested sections ("proxy.upstream") one by one.
int countKeys(const QJsonObject &object)
{
    int keys = 0;
    for (const QJsonValue &value : object)
        keys += value.isObject() ? countKeys(value.toObject()) : 1;
    return keys;
}

} // namespace

Q_DECLARE_METATYPE(Settings)

class TestSettings : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaults();
    void missingFile();
    void partialFile();
    void everyKey();
    void repositorySettingsFile();
    void documentedExample();
    void badFile_data();
    void badFile();
    void notJson_data();
    void notJson();
    void applyKeepsValuesOnError();
    void boundaries_data();
    void boundaries();
    void unknownKeys();
    void toJsonRoundTrip();
    void validate_data();
    void validate();
    void urls_data();
    void urls();
    void cliPrecedence();
    void cliDefaultPath();
    void cliExplicitMissingPath();
    void cliPrintsWarnings();
    void overrideInt_data();
    void overrideInt();
    void overrideString();

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
};

void TestSettings::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCoreApplication::setApplicationName(QStringLiteral("tst_settings"));
}

void TestSettings::defaults()
{
    const Settings s;
    QCOMPARE(s.proxy.host, QStringLiteral("localhost"));
    QCOMPARE(s.proxy.port, 3001);
    QCOMPARE(s.proxy.path, QStringLiteral("/proxy"));
    QCOMPARE(s.proxy.sseTimeout, 0);
    QCOMPARE(s.proxy.legacyDataMessages, false);
    QCOMPARE(s.proxy.maxQueuedRequests, 16);
    QCOMPARE(s.proxy.maxStreamsPerSocket, 32);
    QCOMPARE(s.proxy.browserClient, true);
    QCOMPARE(s.proxy.maxReconnectAttempts, 1000);
    QCOMPARE(s.proxy.maxReconnectDelayMs, 30000);
    QCOMPARE(s.proxy.minReconnectDelayMs, 500);
    QCOMPARE(s.proxy.maxMessageBytes, 1024 * 1024);
    QCOMPARE(s.proxy.maxLineBytes, 8 * 1024 * 1024);
    QCOMPARE(s.proxy.maxEventBytes, 16 * 1024 * 1024);
    QCOMPARE(s.proxy.readBufferBytes, 64 * 1024);
    QCOMPARE(s.proxy.highWatermarkBytes, 1024 * 1024);
    QCOMPARE(s.proxy.lowWatermarkBytes, 256 * 1024);
    QCOMPARE(s.proxy.stallTimeout, 60000);
    QCOMPARE(s.proxy.upstreamClient, QStringLiteral("inline"));
    QCOMPARE(s.proxy.connectTimeout, 10000);
    QCOMPARE(s.proxy.responseHeadTimeout, 30000);
    QCOMPARE(s.proxy.maxResponseHeadBytes, 64 * 1024);
    QCOMPARE(s.proxy.maxResponseHeaders, 100);
    QCOMPARE(s.admin.health, true);
    QCOMPARE(s.admin.metrics, true);
    QCOMPARE(s.admin.monitor, true);
    QCOMPARE(s.admin.host, QStringLiteral("localhost"));
    QCOMPARE(s.admin.port, 3002);
    QCOMPARE(s.admin.token, QString());
    QCOMPARE(s.admin.redact, true);
    QCOMPARE(s.admin.redactHeaders, QStringList());
    QCOMPARE(s.proxy.upstreamPolicy, QStringLiteral("enforce"));
    QCOMPARE(s.proxy.upstreamAllow, QStringList());
    QCOMPARE(s.proxy.upstreamDeny, QStringList());
    QCOMPARE(s.proxy.maxSessions, 10000);
    QCOMPARE(s.proxy.idleTimeout, 300000);
    QCOMPARE(s.proxy.pingInterval, 30000);
    QCOMPARE(s.proxy.drainSeconds, 0);
    QCOMPARE(s.proxy.eventDispatcher, QStringLiteral("epoll"));
    QCOMPARE(s.proxy.workers, 0);
    QCOMPARE(s.testServer.host, QStringLiteral("localhost"));
    QCOMPARE(s.testServer.port, 8081);
    QCOMPARE(s.testServer.responseCount, 3);
    QCOMPARE(s.testServer.responseDelay, 1000);
    QCOMPARE(s.testClient.message, QStringLiteral("Hello Server!"));
    QCOMPARE(s.testClient.maxMessages, 3);
    QCOMPARE(s.testClient.sendDelay, 1000);
    QCOMPARE(s.testClient.url, QString());
    QCOMPARE(s.testClient.timeout, 30000);
    QCOMPARE(s.monitor.url, QString());
    QCOMPARE(s.monitor.token, QString());
    QCOMPARE(s.proxyUrl(), QStringLiteral("ws://localhost:3001/proxy"));
    QCOMPARE(s.monitorUrl(), QStringLiteral("ws://localhost:3002/monitor"));
    QCOMPARE(flatten(s).size(), 63);

    // An empty object changes nothing and warns about nothing.
    Settings applied;
    QString error;
    QStringList warnings;
    QVERIFY(applied.apply(QJsonObject(), &error, &warnings));
    QVERIFY(error.isEmpty());
    QCOMPARE(warnings.size(), 0);
    QCOMPARE(flatten(applied), flatten(s));
}

void TestSettings::missingFile()
{
    const QString missing = path(QStringLiteral("does-not-exist.json"));
    QString error;
    QStringList warnings;
    const std::optional<Settings> s = Settings::load(missing, false, &error, &warnings);
    QVERIFY(s);
    QVERIFY(error.isEmpty());
    QCOMPARE(warnings.size(), 0);
    QCOMPARE(flatten(*s), flatten(Settings()));

    QVERIFY(!Settings::load(missing, true, &error, &warnings));
    QCOMPARE(error, missing + QStringLiteral(": file not found"));
    QCOMPARE(warnings.size(), 0);
}

// PROTOCOL.md §6: `{"proxy": {"port": 4000}}` is valid and overrides only that key.
void TestSettings::partialFile()
{
    const QString file = path(QStringLiteral("partial.json"));
    QVERIFY(writeFile(file, R"({"proxy": {"port": 4000}})"));
    QString error;
    QStringList warnings;
    const std::optional<Settings> s = Settings::load(file, true, &error, &warnings);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(warnings.size(), 0);
    QCOMPARE(s->proxy.port, 4000);
    QCOMPARE(s->proxy.host, QStringLiteral("localhost"));
    QCOMPARE(s->proxy.path, QStringLiteral("/proxy"));
    QCOMPARE(s->testServer.port, 8081);
    QCOMPARE(s->testClient.maxMessages, 3);
    QCOMPARE(s->proxyUrl(), QStringLiteral("ws://localhost:4000/proxy"));
    Settings expected;
    expected.proxy.port = 4000;
    QCOMPARE(flatten(*s), flatten(expected));
}

void TestSettings::everyKey()
{
    const QString file = path(QStringLiteral("every.json"));
    const QByteArray content = R"({
        "proxy": { "host": "0.0.0.0", "port": 0, "path": "/p", "sseTimeout": 1500,
                   "legacyDataMessages": true, "maxQueuedRequests": 0, "maxMessageBytes": 100,
                   "maxLineBytes": 200, "maxEventBytes": 300, "readBufferBytes": 400,
                   "highWatermarkBytes": 500, "lowWatermarkBytes": 500, "stallTimeout": 0,
                   "upstreamClient": "qt", "connectTimeout": 0, "responseHeadTimeout": 7,
                   "maxResponseHeadBytes": 256, "maxResponseHeaders": 1,
                   "upstream": { "policy": "off", "allow": ["10.0.0.0/8", "*.example.com:443"],
                                 "deny": ["[::1]:1-1024"] },
                   "errorExcerptBytes": 0, "authTokens": ["a", "b"],
                   "allowedOrigins": ["*", "https://example.com"], "browserClient": false,
                   "maxSessions": 2,
                   "maxSessionsPerAddress": 1, "idleTimeout": 0, "pingInterval": 0,
                   "maxIncomingBytes": 1024, "maxEventMessageBytes": 2048,
                   "maxSendQueueBytes": 4096, "maxRequestHeaders": 0, "maxRequestHeaderBytes": 9,
                   "tls": { "certificate": "c.pem", "privateKey": "k.pem" },
                   "upstreamCaFile": "ca.pem", "drainSeconds": 3600, "eventDispatcher": "qt",
                   "workers": 3 },
        "admin": { "health": false, "metrics": false, "monitor": false, "host": "127.0.0.1",
                   "port": 9090, "token": "secret", "redact": false, "redactHeaders": ["X-Key"] },
        "testServer": { "host": "::1", "port": 0, "responseCount": 1, "responseDelay": 0 },
        "testClient": { "message": "", "maxMessages": 10, "sendDelay": 0,
                        "url": "wss://example.com:8443/x?y=1", "timeout": 1 },
        "monitor": { "url": "ws://[::1]:1/monitor", "token": "t" }
    })";
    QVERIFY(writeFile(file, content));
    QString error;
    QStringList warnings;
    const std::optional<Settings> s = Settings::load(file, true, &error, &warnings);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(warnings.size(), 0);
    QCOMPARE(s->proxy.host, QStringLiteral("0.0.0.0"));
    QCOMPARE(s->proxy.port, 0);
    QCOMPARE(s->proxy.path, QStringLiteral("/p"));
    QCOMPARE(s->proxy.sseTimeout, 1500);
    QCOMPARE(s->proxy.legacyDataMessages, true);
    QCOMPARE(s->proxy.maxQueuedRequests, 0);
    QCOMPARE(s->proxy.maxMessageBytes, 100);
    QCOMPARE(s->proxy.maxLineBytes, 200);
    QCOMPARE(s->proxy.maxEventBytes, 300);
    QCOMPARE(s->proxy.readBufferBytes, 400);
    QCOMPARE(s->proxy.highWatermarkBytes, 500);
    QCOMPARE(s->proxy.lowWatermarkBytes, 500);
    QCOMPARE(s->proxy.stallTimeout, 0);
    QCOMPARE(s->proxy.upstreamClient, QStringLiteral("qt"));
    QCOMPARE(s->proxy.connectTimeout, 0);
    QCOMPARE(s->proxy.responseHeadTimeout, 7);
    QCOMPARE(s->proxy.maxResponseHeadBytes, 256);
    QCOMPARE(s->proxy.maxResponseHeaders, 1);
    QCOMPARE(s->admin.health, false);
    QCOMPARE(s->admin.metrics, false);
    QCOMPARE(s->admin.monitor, false);
    QCOMPARE(s->admin.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(s->admin.port, 9090);
    QCOMPARE(s->admin.token, QStringLiteral("secret"));
    QCOMPARE(s->admin.redact, false);
    QCOMPARE(s->admin.redactHeaders, QStringList { QStringLiteral("X-Key") });
    QCOMPARE(s->proxy.upstreamPolicy, QStringLiteral("off"));
    QCOMPARE(s->proxy.upstreamAllow,
        (QStringList { QStringLiteral("10.0.0.0/8"), QStringLiteral("*.example.com:443") }));
    QCOMPARE(s->proxy.upstreamDeny, QStringList { QStringLiteral("[::1]:1-1024") });
    QCOMPARE(s->proxy.errorExcerptBytes, 0);
    QCOMPARE(s->proxy.authTokens, (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
    QCOMPARE(s->proxy.allowedOrigins,
        (QStringList { QStringLiteral("*"), QStringLiteral("https://example.com") }));
    QCOMPARE(s->proxy.browserClient, false);
    QCOMPARE(s->proxy.maxSessions, 2);
    QCOMPARE(s->proxy.maxSessionsPerAddress, 1);
    QCOMPARE(s->proxy.idleTimeout, 0);
    QCOMPARE(s->proxy.pingInterval, 0);
    QCOMPARE(s->proxy.maxIncomingBytes, 1024);
    QCOMPARE(s->proxy.maxEventMessageBytes, 2048);
    QCOMPARE(s->proxy.maxSendQueueBytes, 4096);
    QCOMPARE(s->proxy.maxRequestHeaders, 0);
    QCOMPARE(s->proxy.drainSeconds, 3600);
    QCOMPARE(s->proxy.eventDispatcher, QStringLiteral("qt"));
    QCOMPARE(s->proxy.workers, 3);
    QCOMPARE(s->proxy.maxRequestHeaderBytes, 9);
    QCOMPARE(s->proxy.tlsCertificate, QStringLiteral("c.pem"));
    QCOMPARE(s->proxy.tlsPrivateKey, QStringLiteral("k.pem"));
    QCOMPARE(s->proxy.upstreamCaFile, QStringLiteral("ca.pem"));
    QCOMPARE(s->testServer.host, QStringLiteral("::1"));
    QCOMPARE(s->testServer.port, 0);
    QCOMPARE(s->testServer.responseCount, 1);
    QCOMPARE(s->testServer.responseDelay, 0);
    QCOMPARE(s->testClient.message, QString());
    QCOMPARE(s->testClient.maxMessages, 10);
    QCOMPARE(s->testClient.sendDelay, 0);
    QCOMPARE(s->testClient.url, QStringLiteral("wss://example.com:8443/x?y=1"));
    QCOMPARE(s->testClient.timeout, 1);
    QCOMPARE(s->monitor.url, QStringLiteral("ws://[::1]:1/monitor"));
    QCOMPARE(s->monitor.token, QStringLiteral("t"));
    QCOMPARE(s->proxyUrl(), QStringLiteral("wss://example.com:8443/x?y=1"));
    QCOMPARE(s->monitorUrl(), QStringLiteral("ws://[::1]:1/monitor"));
}

// The settings.json shipped at the top of the repository holds the documented defaults.
void TestSettings::repositorySettingsFile()
{
    const QString file = QFINDTESTDATA("../../settings.json");
    QVERIFY(QFile::exists(file));
    QString error;
    QStringList warnings;
    const std::optional<Settings> s = Settings::load(file, true, &error, &warnings);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(warnings, QStringList());
    const Settings defaults;
    QCOMPARE(s->proxyUrl(), defaults.proxyUrl());
    QCOMPARE(s->proxy.sseTimeout, defaults.proxy.sseTimeout);
    QCOMPARE(s->testServer.port, defaults.testServer.port);
    QCOMPARE(s->testServer.responseCount, defaults.testServer.responseCount);
    QCOMPARE(s->testServer.responseDelay, defaults.testServer.responseDelay);
    QCOMPARE(s->testClient.message, defaults.testClient.message);
    QCOMPARE(s->testClient.maxMessages, defaults.testClient.maxMessages);
    QCOMPARE(s->testClient.sendDelay, defaults.testClient.sendDelay);
    // It opens the local test server to the demo, and nothing else internal.
    const std::optional<UpstreamPolicy> policy
        = UpstreamPolicy::create(s->proxy.upstreamAllow, s->proxy.upstreamDeny, &error);
    QVERIFY2(policy, qPrintable(error));
    QVERIFY(policy->check(QStringLiteral("localhost"), *IpAddress::parse(u"::1"), 8081).allowed);
    QVERIFY(
        policy->check(QStringLiteral("127.0.0.1"), *IpAddress::parse(u"127.0.0.1"), 8081).allowed);
    QVERIFY(
        !policy->check(QStringLiteral("127.0.0.1"), *IpAddress::parse(u"127.0.0.1"), 22).allowed);
    QVERIFY(
        !policy->check(QStringLiteral("10.0.0.1"), *IpAddress::parse(u"10.0.0.1"), 8081).allowed);

    // The packaged service's file loads cleanly and denies every internal upstream.
    const std::optional<Settings> packaged
        = Settings::load(QFINDTESTDATA("../../packaging/settings.json"), true, &error, &warnings);
    QVERIFY2(packaged, qPrintable(error));
    QCOMPARE(warnings, QStringList());
    QCOMPARE(packaged->proxy.upstreamAllow, QStringList());
    QCOMPARE(packaged->proxy.upstreamPolicy, QStringLiteral("enforce"));
    QCOMPARE(packaged->admin.host, QStringLiteral("localhost"));
}

// docs/SETTINGS.md ends with every key at its default: it must load without warnings and give
// exactly the built-in defaults, so the page and the schema cannot drift apart.
void TestSettings::documentedExample()
{
    QFile doc(QFINDTESTDATA("../../docs/SETTINGS.md"));
    QVERIFY(doc.open(QIODevice::ReadOnly));
    const QByteArray text = doc.readAll();
    const qsizetype start = text.lastIndexOf("```json\n");
    QVERIFY(start >= 0);
    const qsizetype end = text.indexOf("```", start + 8);
    QVERIFY(end > start);
    const QByteArray json = text.mid(start + 8, end - start - 8);

    QJsonParseError parseError;
    const QJsonDocument example = QJsonDocument::fromJson(json, &parseError);
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
    Settings s;
    s.proxy.port = 1; // must be overwritten by the example
    QString error;
    QStringList warnings;
    QVERIFY2(s.apply(example.object(), &error, &warnings), qPrintable(error));
    QCOMPARE(warnings, QStringList());
    QCOMPARE(flatten(s), flatten(Settings()));
    // Every key appears in the example.
    QCOMPARE(countKeys(example.object()), flatten(Settings()).size());
}

// Each kind of bad file, with the message (after "<path>: ") naming the key and the rule.
void TestSettings::badFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("error");

    const QString port = j("proxy.port: must be an integer from 0 to 65535");
    QTest::newRow("top-level array")
        << QByteArray("[]") << j("the top level must be a JSON object");
    // wrong types
    QTest::newRow("port string") << QByteArray(R"({"proxy":{"port":"3001"}})") << port;
    QTest::newRow("port bool") << QByteArray(R"({"proxy":{"port":true}})") << port;
    QTest::newRow("port null") << QByteArray(R"({"proxy":{"port":null}})") << port;
    QTest::newRow("port fraction") << QByteArray(R"({"proxy":{"port":3001.5}})") << port;
    QTest::newRow("port array") << QByteArray(R"({"proxy":{"port":[1]}})") << port;
    QTest::newRow("host number") << QByteArray(R"({"proxy":{"host":1}})")
                                 << j("proxy.host: must be a string");
    QTest::newRow("host empty") << QByteArray(R"({"proxy":{"host":""}})")
                                << j("proxy.host: must not be empty");
    QTest::newRow("legacy string") << QByteArray(R"({"proxy":{"legacyDataMessages":"true"}})")
                                   << j("proxy.legacyDataMessages: must be true or false");
    QTest::newRow("legacy number") << QByteArray(R"({"proxy":{"legacyDataMessages":1}})")
                                   << j("proxy.legacyDataMessages: must be true or false");
    QTest::newRow("browserClient string") << QByteArray(R"({"proxy":{"browserClient":"false"}})")
                                          << j("proxy.browserClient: must be true or false");
    QTest::newRow("admin health null")
        << QByteArray(R"({"admin":{"health":null}})") << j("admin.health: must be true or false");
    QTest::newRow("token number") << QByteArray(R"({"monitor":{"token":5}})")
                                  << j("monitor.token: must be a string");
    QTest::newRow("message object") << QByteArray(R"({"testClient":{"message":{}}})")
                                    << j("testClient.message: must be a string");
    // out of range
    QTest::newRow("port 65536") << QByteArray(R"({"proxy":{"port":65536}})") << port;
    QTest::newRow("port -1") << QByteArray(R"({"proxy":{"port":-1}})") << port;
    QTest::newRow("port 1e300") << QByteArray(R"({"proxy":{"port":1e300}})") << port;
    QTest::newRow("sseTimeout negative")
        << QByteArray(R"({"proxy":{"sseTimeout":-5}})")
        << j("proxy.sseTimeout: must be an integer from 0 to 2147483647");
    QTest::newRow("sseTimeout too big")
        << QByteArray(R"({"proxy":{"sseTimeout":2147483648}})")
        << j("proxy.sseTimeout: must be an integer from 0 to 2147483647");
    QTest::newRow("readBufferBytes 0")
        << QByteArray(R"({"proxy":{"readBufferBytes":0}})")
        << j("proxy.readBufferBytes: must be an integer from 1 to 2147483647");
    QTest::newRow("responseCount 0")
        << QByteArray(R"({"testServer":{"responseCount":0}})")
        << j("testServer.responseCount: must be an integer from 1 to 2147483647");
    QTest::newRow("testServer port") << QByteArray(R"({"testServer":{"port":70000}})")
                                     << j("testServer.port: must be an integer from 0 to 65535");
    QTest::newRow("maxMessages 0")
        << QByteArray(R"({"testClient":{"maxMessages":0}})")
        << j("testClient.maxMessages: must be an integer from 1 to 2147483647");
    QTest::newRow("sendDelay negative")
        << QByteArray(R"({"testClient":{"sendDelay":-1}})")
        << j("testClient.sendDelay: must be an integer from 0 to 2147483647");
    QTest::newRow("admin port") << QByteArray(R"({"admin":{"port":65536}})")
                                << j("admin.port: must be an integer from 0 to 65535");
    QTest::newRow("watermarks crossed")
        << QByteArray(R"({"proxy":{"highWatermarkBytes":1000,"lowWatermarkBytes":1001}})")
        << j("proxy.lowWatermarkBytes: must not exceed proxy.highWatermarkBytes (1000)");
    QTest::newRow("low above default high")
        << QByteArray(R"({"proxy":{"lowWatermarkBytes":2000000}})")
        << j("proxy.lowWatermarkBytes: must not exceed proxy.highWatermarkBytes (1048576)");
    // string rules
    const QString pathRule
        = j("proxy.path: must be a path starting with '/', without spaces, '?' or '#'");
    QTest::newRow("upstreamClient unknown")
        << QByteArray(R"({"proxy":{"upstreamClient":"curl"}})")
        << QStringLiteral("proxy.upstreamClient: must be one of \"inline\", \"qt\"");
    QTest::newRow("upstreamClient number")
        << QByteArray(R"({"proxy":{"upstreamClient":1}})")
        << QStringLiteral("proxy.upstreamClient: must be a string");
    QTest::newRow("workers negative")
        << QByteArray(R"({"proxy":{"workers":-1}})")
        << QStringLiteral("proxy.workers: must be an integer from 0 to 64");
    QTest::newRow("workers too many")
        << QByteArray(R"({"proxy":{"workers":65}})")
        << QStringLiteral("proxy.workers: must be an integer from 0 to 64");
    QTest::newRow("eventDispatcher unknown")
        << QByteArray(R"({"proxy":{"eventDispatcher":"poll"}})")
        << QStringLiteral("proxy.eventDispatcher: must be one of \"epoll\", \"qt\"");
    QTest::newRow("drainSeconds too big")
        << QByteArray(R"({"proxy":{"drainSeconds":86400}})")
        << QStringLiteral("proxy.drainSeconds: must be an integer from 0 to 3600");
    QTest::newRow("maxResponseHeadBytes too small")
        << QByteArray(R"({"proxy":{"maxResponseHeadBytes":255}})")
        << QStringLiteral("proxy.maxResponseHeadBytes: must be an integer from 256 to 16777216");
    QTest::newRow("path no slash") << QByteArray(R"({"proxy":{"path":"proxy"}})") << pathRule;
    QTest::newRow("path empty") << QByteArray(R"({"proxy":{"path":""}})") << pathRule;
    QTest::newRow("path space") << QByteArray(R"({"proxy":{"path":"/a b"}})") << pathRule;
    QTest::newRow("path query") << QByteArray(R"({"proxy":{"path":"/a?b"}})") << pathRule;
    QTest::newRow("client url http")
        << QByteArray(R"({"testClient":{"url":"http://localhost:3001/proxy"}})")
        << j("testClient.url: must be empty or a ws:// or wss:// URL with a host");
    QTest::newRow("monitor url no host")
        << QByteArray(R"({"monitor":{"url":"ws:///monitor"}})")
        << j("monitor.url: must be empty or a ws:// or wss:// URL with a host");
    QTest::newRow("monitor url garbage")
        << QByteArray(R"({"monitor":{"url":"not a url"}})")
        << j("monitor.url: must be empty or a ws:// or wss:// URL with a host");
    // issue 10: lists, the upstream policy, admin exposure
    QTest::newRow("list not a list") << QByteArray(R"({"proxy":{"authTokens":"abc"}})")
                                     << j("proxy.authTokens: must be a list of strings");
    QTest::newRow("list of numbers") << QByteArray(R"({"proxy":{"allowedOrigins":[1]}})")
                                     << j("proxy.allowedOrigins: must be a list of strings");
    QTest::newRow("token with space")
        << QByteArray(R"({"proxy":{"authTokens":["a b"]}})")
        << j(R"(proxy.authTokens[0]: "a b": must be printable ASCII without spaces)");
    QTest::newRow("origin with path")
        << QByteArray(R"({"proxy":{"allowedOrigins":["https://a.example/x"]}})")
        << j(R"(proxy.allowedOrigins[0]: "https://a.example/x": must be "*" or an origin such as "https://example.com")");
    QTest::newRow("upstream not an object")
        << QByteArray(R"({"proxy":{"upstream":[]}})") << j("proxy.upstream: must be an object");
    QTest::newRow("upstream policy unknown")
        << QByteArray(R"({"proxy":{"upstream":{"policy":"maybe"}}})")
        << j(R"(proxy.upstream.policy: must be one of "enforce", "off")");
    QTest::newRow("upstream rule bad prefix")
        << QByteArray(R"({"proxy":{"upstream":{"allow":["10.0.0.0/33"]}}})")
        << j(R"(proxy.upstream.allow[0]: "10.0.0.0/33": "/33" is not a prefix length from 0 to 32)");
    QTest::newRow("upstream rule host bits")
        << QByteArray(R"({"proxy":{"upstream":{"deny":["x.example", "10.0.0.1/8"]}}})")
        << j(R"(proxy.upstream.deny[1]: "10.0.0.1/8": "10.0.0.1/8" has bits set after the prefix (did you mean 10.0.0.0/8?))");
    QTest::newRow("upstream rule bad port")
        << QByteArray(R"({"proxy":{"upstream":{"allow":["a.example:0"]}}})")
        << j(R"(proxy.upstream.allow[0]: "a.example:0": "0" is not a port (1-65535) or a range LOW-HIGH)");
    QTest::newRow("qt client with a policy")
        << QByteArray(R"({"proxy":{"upstreamClient":"qt"}})")
        << j(R"(proxy.upstreamClient: "qt" resolves and connects by itself, so proxy.upstream cannot be enforced on it: use "inline", or set proxy.upstream.policy to "off")");
    QTest::newRow("tls half")
        << QByteArray(R"({"proxy":{"tls":{"certificate":"c.pem"}}})")
        << j("proxy.tls: certificate and privateKey go together: set both or neither");
    QTest::newRow("send queue below watermark") << QByteArray(
        R"({"proxy":{"maxSendQueueBytes":2048,"highWatermarkBytes":4096,"lowWatermarkBytes":0}})")
                                                << j("proxy.maxSendQueueBytes: must not be below "
                                                     "proxy.highWatermarkBytes (4096)");
    QTest::newRow("admin open to the network")
        << QByteArray(R"({"proxy":{"host":"0.0.0.0"},"admin":{"host":""}})")
        << j(R"(admin.token: must be set when /metrics or /monitor answer on a non-loopback address ("0.0.0.0"); or set admin.host to a loopback address, or turn admin.metrics and admin.monitor off)");
    QTest::newRow("admin listener on a public address")
        << QByteArray(R"({"admin":{"host":"::"}})")
        << j(R"(admin.token: must be set when /metrics or /monitor answer on a non-loopback address ("::"); or set admin.host to a loopback address, or turn admin.metrics and admin.monitor off)");
    // sections that are not objects
    QTest::newRow("section number")
        << QByteArray(R"({"proxy":5})") << j("proxy: must be an object");
    QTest::newRow("section array")
        << QByteArray(R"({"testServer":[]})") << j("testServer: must be an object");
    QTest::newRow("section null") << QByteArray(R"({"admin":null})")
                                  << j("admin: must be an object");
    QTest::newRow("section string")
        << QByteArray(R"({"monitor":"ws://x"})") << j("monitor: must be an object");
}

void TestSettings::badFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, error);

    const QString file = path(QStringLiteral("bad.json"));
    QVERIFY(writeFile(file, content));
    QString actual;
    QStringList warnings;
    QVERIFY(!Settings::load(file, true, &actual, &warnings));
    QCOMPARE(actual, file + QStringLiteral(": ") + error);
    QCOMPARE(warnings.size(), 0);
    // The same file where it may be missing is still an error: it exists.
    QVERIFY(!Settings::load(file, false, nullptr, nullptr));
}

// A file that is not JSON: the message names the file, the parser's reason and the offset
// (and the line and column of the offending character, one before Qt's offset).
void TestSettings::notJson_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");

    QTest::newRow("empty file") << QByteArray() << 1 << 1;
    QTest::newRow("truncated") << QByteArray("{\"proxy\": {\"port\": 4000}") << 1 << 24;
    QTest::newRow("missing value line 3")
        << QByteArray("{\n  \"proxy\": {\n    \"port\": ,\n  }\n}") << 3 << 13;
    QTest::newRow("trailing comma") << QByteArray("{\"proxy\": {\"port\": 1,}}") << 1 << 22;
    QTest::newRow("comment") << QByteArray("// settings\n{}") << 1 << 1;
    QTest::newRow("single quotes") << QByteArray("{'proxy': {}}") << 1 << 2;
}

void TestSettings::notJson()
{
    QFETCH(QByteArray, content);
    QFETCH(int, line);
    QFETCH(int, column);

    QJsonParseError parseError;
    QJsonDocument::fromJson(content, &parseError);
    QVERIFY(parseError.error != QJsonParseError::NoError);

    const QString file = path(QStringLiteral("notjson.json"));
    QVERIFY(writeFile(file, content));
    QString error;
    QVERIFY(!Settings::load(file, false, &error, nullptr));
    QCOMPARE(error,
        QStringLiteral("%1: not valid JSON: %2 at offset %3 (line %4, column %5)")
            .arg(file, parseError.errorString())
            .arg(parseError.offset)
            .arg(line)
            .arg(column));
}

// apply() is all or nothing: the valid keys before a bad one are not applied either.
void TestSettings::applyKeepsValuesOnError()
{
    Settings s;
    s.proxy.port = 1234;
    QString error;
    const QJsonObject root = QJsonDocument::fromJson(
        R"({"proxy":{"host":"example.com","port":99999},"testServer":{"port":5}})")
                                 .object();
    QVERIFY(!s.apply(root, &error, nullptr));
    QCOMPARE(error, j("proxy.port: must be an integer from 0 to 65535"));
    Settings expected;
    expected.proxy.port = 1234;
    QCOMPARE(flatten(s), flatten(expected));

    // apply() over non-default values leaves the keys it does not name alone.
    QVERIFY(
        s.apply(QJsonDocument::fromJson(R"({"testServer":{"port":5}})").object(), &error, nullptr));
    QCOMPARE(s.proxy.port, 1234);
    QCOMPARE(s.testServer.port, 5);
}

// Integer keys at both ends of their range.
void TestSettings::boundaries_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("ok");

    QTest::newRow("port 0") << QByteArray(R"({"proxy":{"port":0}})") << true;
    QTest::newRow("port 65535") << QByteArray(R"({"proxy":{"port":65535}})") << true;
    QTest::newRow("port 65535.0") << QByteArray(R"({"proxy":{"port":65535.0}})") << true;
    QTest::newRow("port 1e3") << QByteArray(R"({"proxy":{"port":1e3}})") << true;
    QTest::newRow("port 65535.5") << QByteArray(R"({"proxy":{"port":65535.5}})") << false;
    QTest::newRow("sseTimeout max") << QByteArray(R"({"proxy":{"sseTimeout":2147483647}})") << true;
    QTest::newRow("maxQueuedRequests 0")
        << QByteArray(R"({"proxy":{"maxQueuedRequests":0}})") << true;
    QTest::newRow("maxQueuedRequests -1")
        << QByteArray(R"({"proxy":{"maxQueuedRequests":-1}})") << false;
    QTest::newRow("maxStreamsPerSocket 1")
        << QByteArray(R"({"proxy":{"maxStreamsPerSocket":1}})") << true;
    QTest::newRow("maxStreamsPerSocket 0")
        << QByteArray(R"({"proxy":{"maxStreamsPerSocket":0}})") << false;
    QTest::newRow("maxStreamsPerSocket 10001")
        << QByteArray(R"({"proxy":{"maxStreamsPerSocket":10001}})") << false;
    QTest::newRow("maxReconnectAttempts 0")
        << QByteArray(R"({"proxy":{"maxReconnectAttempts":0}})") << false;
    QTest::newRow("maxReconnectDelayMs 0")
        << QByteArray(R"({"proxy":{"maxReconnectDelayMs":0}})") << true;
    QTest::newRow("minReconnectDelayMs 0")
        << QByteArray(R"({"proxy":{"minReconnectDelayMs":0}})") << true;
    QTest::newRow("minReconnectDelayMs -1")
        << QByteArray(R"({"proxy":{"minReconnectDelayMs":-1}})") << false;
    QTest::newRow("maxReconnectDelayMs a day and 1 ms")
        << QByteArray(R"({"proxy":{"maxReconnectDelayMs":86400001}})") << false;
    QTest::newRow("maxMessageBytes 1") << QByteArray(R"({"proxy":{"maxMessageBytes":1}})") << true;
    QTest::newRow("maxMessageBytes 0") << QByteArray(R"({"proxy":{"maxMessageBytes":0}})") << false;
    QTest::newRow("maxLineBytes 0") << QByteArray(R"({"proxy":{"maxLineBytes":0}})") << false;
    QTest::newRow("maxEventBytes 0") << QByteArray(R"({"proxy":{"maxEventBytes":0}})") << false;
    QTest::newRow("highWatermarkBytes 0")
        << QByteArray(R"({"proxy":{"highWatermarkBytes":0}})") << false;
    QTest::newRow("watermarks equal")
        << QByteArray(R"({"proxy":{"highWatermarkBytes":7,"lowWatermarkBytes":7}})") << true;
    QTest::newRow("lowWatermarkBytes 0")
        << QByteArray(R"({"proxy":{"lowWatermarkBytes":0}})") << true;
    QTest::newRow("stallTimeout 0") << QByteArray(R"({"proxy":{"stallTimeout":0}})") << true;
    QTest::newRow("drainSeconds 3600") << QByteArray(R"({"proxy":{"drainSeconds":3600}})") << true;
    QTest::newRow("drainSeconds 3601") << QByteArray(R"({"proxy":{"drainSeconds":3601}})") << false;
    QTest::newRow("drainSeconds -1") << QByteArray(R"({"proxy":{"drainSeconds":-1}})") << false;
    QTest::newRow("eventDispatcher qt")
        << QByteArray(R"({"proxy":{"eventDispatcher":"qt"}})") << true;
    QTest::newRow("eventDispatcher glib")
        << QByteArray(R"({"proxy":{"eventDispatcher":"glib"}})") << false;
    QTest::newRow("responseDelay 0") << QByteArray(R"({"testServer":{"responseDelay":0}})") << true;
    QTest::newRow("timeout 0") << QByteArray(R"({"testClient":{"timeout":0}})") << false;
    QTest::newRow("url empty") << QByteArray(R"({"testClient":{"url":""}})") << true;
    QTest::newRow("admin host empty") << QByteArray(R"({"admin":{"host":""}})") << true;
}

void TestSettings::boundaries()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, ok);

    Settings s;
    QString error;
    QStringList warnings;
    QCOMPARE(s.apply(QJsonDocument::fromJson(json).object(), &error, &warnings), ok);
    QCOMPARE(error.isEmpty(), ok);
    QCOMPARE(warnings.size(), 0);
}

void TestSettings::unknownKeys()
{
    const QString file = path(QStringLiteral("unknown.json"));
    QVERIFY(writeFile(file,
        R"({"proxy":{"prot":1,"port":4000,"Port":5},"testclient":{},"extra":[1],"testServer":{"delay":1}})"));
    QString error;
    QStringList warnings;
    const std::optional<Settings> s = Settings::load(file, true, &error, &warnings);
    QVERIFY2(s, qPrintable(error));
    QVERIFY(error.isEmpty());
    QCOMPARE(s->proxy.port, 4000);
    // QJsonObject hands keys over sorted; key names are case-sensitive.
    QCOMPARE(warnings,
        (QStringList { file + j(R"(: unknown section "extra" ignored)"),
            file + j(R"(: unknown key "proxy.Port" ignored)"),
            file + j(R"(: unknown key "proxy.prot" ignored)"),
            file + j(R"(: unknown key "testServer.delay" ignored)"),
            file + j(R"(: unknown section "testclient" ignored)") }));

    // apply() reports the same without the file name; a null list is allowed.
    Settings direct;
    QStringList applyWarnings;
    QVERIFY(direct.apply(
        QJsonDocument::fromJson(R"({"proxy":{"prot":1}})").object(), &error, &applyWarnings));
    QCOMPARE(applyWarnings, QStringList { j(R"(unknown key "proxy.prot" ignored)") });
    QVERIFY(direct.apply(
        QJsonDocument::fromJson(R"({"proxy":{"prot":1}})").object(), nullptr, nullptr));
}

void TestSettings::toJsonRoundTrip()
{
    Settings s;
    s.proxy.port = 4321;
    s.proxy.legacyDataMessages = true;
    s.admin.token = QStringLiteral("tok");
    s.testClient.url = QStringLiteral("ws://h:1/p");
    const QJsonObject json = s.toJson();
    QCOMPARE(json.size(), 5);
    QCOMPARE(json[QStringLiteral("proxy")][QStringLiteral("port")].toInt(), 4321);
    QCOMPARE(
        json[QStringLiteral("admin")][QStringLiteral("token")].toString(), QStringLiteral("tok"));

    Settings back;
    QString error;
    QStringList warnings;
    QVERIFY2(back.apply(json, &error, &warnings), qPrintable(error));
    QCOMPARE(warnings, QStringList());
    QCOMPARE(flatten(back), flatten(s));

    // Every key is written.
    QCOMPARE(countKeys(json), flatten(s).size());
}

// validate(): the file's rules applied to values set in code or from the command line.
void TestSettings::validate_data()
{
    QTest::addColumn<Settings>("settings");
    QTest::addColumn<QString>("error");

    Settings s;
    QTest::newRow("defaults") << s << QString();
    s.proxy.path = QStringLiteral("proxy");
    QTest::newRow("path") << s
                          << j("proxy.path: must be a path starting with '/', without spaces, '?' "
                               "or '#'");
    s = Settings();
    s.proxy.port = 70000;
    QTest::newRow("port") << s << j("proxy.port: must be an integer from 0 to 65535");
    s = Settings();
    s.testServer.host.clear();
    QTest::newRow("host") << s << j("testServer.host: must not be empty");
    s = Settings();
    s.proxy.lowWatermarkBytes = s.proxy.highWatermarkBytes + 1;
    QTest::newRow("watermarks")
        << s << j("proxy.lowWatermarkBytes: must not exceed proxy.highWatermarkBytes (1048576)");
    s = Settings();
    s.monitor.url = QStringLiteral("http://x/monitor");
    QTest::newRow("monitor url")
        << s << j("monitor.url: must be empty or a ws:// or wss:// URL with a host");
}

void TestSettings::validate()
{
    QFETCH(Settings, settings);
    QFETCH(QString, error);
    QString actual;
    QCOMPARE(settings.validate(&actual), error.isEmpty());
    QCOMPARE(actual, error);
}

void TestSettings::urls_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("proxyUrl");
    QTest::addColumn<QString>("monitorUrl");

    // The monitor is on the admin listener (localhost:3002) unless admin.host is empty.
    QTest::newRow("defaults") << QByteArray("{}") << j("ws://localhost:3001/proxy")
                              << j("ws://localhost:3002/monitor");
    QTest::newRow("host port path")
        << QByteArray(
               R"({"proxy":{"host":"127.0.0.1","port":4000,"path":"/ws"},"admin":{"host":""}})")
        << j("ws://127.0.0.1:4000/ws") << j("ws://127.0.0.1:4000/monitor");
    QTest::newRow("ipv6 host") << QByteArray(
        R"({"proxy":{"host":"::1"},"admin":{"host":"::1","port":9}})")
                               << j("ws://[::1]:3001/proxy") << j("ws://[::1]:9/monitor");
    // A wildcard is a listen address, not one to connect to: the same machine reaches it as
    // localhost.
    QTest::newRow("wildcard *") << QByteArray(
        R"({"proxy":{"host":"*"},"admin":{"host":"0.0.0.0","token":"t"}})")
                                << j("ws://localhost:3001/proxy")
                                << j("ws://localhost:3002/monitor");
    QTest::newRow("wildcard ::") << QByteArray(
        R"({"proxy":{"host":"::"},"admin":{"host":"","token":"t"}})")
                                 << j("ws://localhost:3001/proxy")
                                 << j("ws://localhost:3001/monitor");
    QTest::newRow("explicit urls")
        << QByteArray(R"({"testClient":{"url":"wss://a:1/p"},"monitor":{"url":"ws://b:2/m"}})")
        << j("wss://a:1/p") << j("ws://b:2/m");
}

void TestSettings::urls()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, proxyUrl);
    QFETCH(QString, monitorUrl);

    Settings s;
    QString error;
    QVERIFY2(s.apply(QJsonDocument::fromJson(json).object(), &error, nullptr), qPrintable(error));
    QCOMPARE(s.proxyUrl(), proxyUrl);
    QCOMPARE(s.monitorUrl(), monitorUrl);
}

// defaults < file < command line.
void TestSettings::cliPrecedence()
{
    const QString file = path(QStringLiteral("cli.json"));
    QVERIFY(writeFile(
        file, R"({"proxy":{"host":"127.0.0.1","port":4000},"testServer":{"responseCount":5}})"));

    QCommandLineParser parser;
    const QCommandLineOption portOption(
        QStringLiteral("port"), QStringLiteral("port"), QStringLiteral("port"));
    const QCommandLineOption hostOption(
        QStringLiteral("host"), QStringLiteral("host"), QStringLiteral("host"));
    QVERIFY(parser.addOption(SettingsCli::settingsOption()));
    QVERIFY(parser.addOption(portOption));
    QVERIFY(parser.addOption(hostOption));
    QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--settings"), file,
        QStringLiteral("--port"), QStringLiteral("4001") }));

    StderrCapture capture;
    std::optional<Settings> s = SettingsCli::load(parser);
    QVERIFY(s);
    QString error;
    QVERIFY(SettingsCli::overrideInt(parser, portOption, 0, 65535, &s->proxy.port, &error));
    SettingsCli::overrideString(parser, hostOption, &s->proxy.host);
    QCOMPARE(capture.text(), QString());
    QCOMPARE(s->proxy.port, 4001); // command line
    QCOMPARE(s->proxy.host, QStringLiteral("127.0.0.1")); // file (option not given)
    QCOMPARE(s->testServer.responseCount, 5); // file
    QCOMPARE(s->proxy.path, QStringLiteral("/proxy")); // default
    QCOMPARE(s->testServer.port, 8081); // default
}

// Without --settings: ./settings.json when present, defaults when missing.
void TestSettings::cliDefaultPath()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    CurrentDir cd(dir.path());
    QCommandLineParser parser;
    parser.addOption(SettingsCli::settingsOption());
    QVERIFY(parser.parse({ QStringLiteral("prog") }));

    {
        StderrCapture capture;
        const std::optional<Settings> s = SettingsCli::load(parser);
        QVERIFY(s);
        QCOMPARE(s->proxy.port, 3001);
        QCOMPARE(capture.text(), QString());
    }
    QVERIFY(writeFile(dir.filePath(QStringLiteral("settings.json")), R"({"proxy":{"port":4100}})"));
    {
        StderrCapture capture;
        const std::optional<Settings> s = SettingsCli::load(parser);
        QVERIFY(s);
        QCOMPARE(s->proxy.port, 4100);
        QCOMPARE(capture.text(), QString());
    }
    QVERIFY(writeFile(dir.filePath(QStringLiteral("settings.json")), R"({"proxy":{"port":"x"}})"));
    {
        StderrCapture capture;
        QVERIFY(!SettingsCli::load(parser));
        QCOMPARE(capture.text(),
            j("tst_settings: error: settings.json: proxy.port: must be an integer from 0 to "
              "65535\n"));
    }
}

void TestSettings::cliExplicitMissingPath()
{
    const QString missing = path(QStringLiteral("nope/settings.json"));
    QCommandLineParser parser;
    parser.addOption(SettingsCli::settingsOption());
    QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--settings=") + missing }));

    StderrCapture capture;
    QVERIFY(!SettingsCli::load(parser));
    QCOMPARE(
        capture.text(), QStringLiteral("tst_settings: error: %1: file not found\n").arg(missing));
}

void TestSettings::cliPrintsWarnings()
{
    const QString file = path(QStringLiteral("warn.json"));
    QVERIFY(writeFile(file, R"({"proxy":{"prot":1}})"));
    QCommandLineParser parser;
    parser.addOption(SettingsCli::settingsOption());
    QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--settings"), file }));

    StderrCapture capture;
    QVERIFY(SettingsCli::load(parser));
    QCOMPARE(capture.text(),
        QStringLiteral("tst_settings: warning: %1: unknown key \"proxy.prot\" ignored\n")
            .arg(file));
}

void TestSettings::overrideInt_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("value");
    QTest::addColumn<QString>("error");

    const auto bad = [](const char *text) {
        return QStringLiteral("--port: must be an integer from 0 to 65535, got \"%1\"")
            .arg(j(text));
    };
    QTest::newRow("absent") << QStringList() << true << 3001 << QString();
    QTest::newRow("value") << QStringList { QStringLiteral("--port"), QStringLiteral("4001") }
                           << true << 4001 << QString();
    QTest::newRow("min") << QStringList { QStringLiteral("--port=0") } << true << 0 << QString();
    QTest::newRow("max") << QStringList { QStringLiteral("--port=65535") } << true << 65535
                         << QString();
    QTest::newRow("leading zeros")
        << QStringList { QStringLiteral("--port=007") } << true << 7 << QString();
    QTest::newRow("last wins") << QStringList { QStringLiteral("--port=1"),
        QStringLiteral("--port=2") }
                               << true << 2 << QString();
    QTest::newRow("above max") << QStringList { QStringLiteral("--port=65536") } << false << 3001
                               << bad("65536");
    QTest::newRow("negative") << QStringList { QStringLiteral("--port=-1") } << false << 3001
                              << bad("-1");
    QTest::newRow("letters") << QStringList { QStringLiteral("--port=abc") } << false << 3001
                             << bad("abc");
    QTest::newRow("suffix") << QStringList { QStringLiteral("--port=12abc") } << false << 3001
                            << bad("12abc");
    QTest::newRow("empty") << QStringList { QStringLiteral("--port=") } << false << 3001 << bad("");
    QTest::newRow("space") << QStringList { QStringLiteral("--port= 80") } << false << 3001
                           << bad(" 80");
    QTest::newRow("plus") << QStringList { QStringLiteral("--port=+80") } << false << 3001
                          << bad("+80");
    QTest::newRow("fraction") << QStringList { QStringLiteral("--port=80.0") } << false << 3001
                              << bad("80.0");
    QTest::newRow("overflow") << QStringList { QStringLiteral("--port=99999999999999999999") }
                              << false << 3001 << bad("99999999999999999999");
}

void TestSettings::overrideInt()
{
    QFETCH(QStringList, args);
    QFETCH(bool, ok);
    QFETCH(int, value);
    QFETCH(QString, error);

    QCommandLineParser parser;
    const QCommandLineOption option(
        QStringLiteral("port"), QStringLiteral("port"), QStringLiteral("port"));
    parser.addOption(option);
    QVERIFY(parser.parse(QStringList { QStringLiteral("prog") } + args));
    int target = 3001;
    QString actual;
    QCOMPARE(SettingsCli::overrideInt(parser, option, 0, 65535, &target, &actual), ok);
    QCOMPARE(target, value);
    QCOMPARE(actual, error);
}

void TestSettings::overrideString()
{
    QCommandLineParser parser;
    const QCommandLineOption host(
        QStringLiteral("host"), QStringLiteral("host"), QStringLiteral("host"));
    const QCommandLineOption message({ QStringLiteral("m"), QStringLiteral("message") },
        QStringLiteral("m"), QStringLiteral("text"));
    parser.addOption(host);
    parser.addOption(message);
    QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("-m"), QString() }));
    QString hostValue = QStringLiteral("localhost");
    QString messageValue = QStringLiteral("Hello");
    SettingsCli::overrideString(parser, host, &hostValue);
    SettingsCli::overrideString(parser, message, &messageValue);
    QCOMPARE(hostValue, QStringLiteral("localhost"));
    QCOMPARE(messageValue, QString()); // given explicitly empty: an override, not "absent"

    // A short option is named with one dash in errors.
    const QCommandLineOption count(
        { QStringLiteral("n") }, QStringLiteral("n"), QStringLiteral("n"));
    QCommandLineParser p2;
    p2.addOption(count);
    QVERIFY(p2.parse({ QStringLiteral("prog"), QStringLiteral("-n"), QStringLiteral("x") }));
    int n = 1;
    QString error;
    QVERIFY(!SettingsCli::overrideInt(p2, count, 1, 9, &n, &error));
    QCOMPARE(error, j(R"(-n: must be an integer from 1 to 9, got "x")"));
    QCOMPARE(n, 1);
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
