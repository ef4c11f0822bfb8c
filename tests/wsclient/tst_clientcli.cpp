// ClientCli: settings.json first, then options; bad options name themselves.
#include "clientcli.h"
#include "testcertificates.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

Q_DECLARE_METATYPE(ProxyRequest::BodyKind)
Q_DECLARE_METATYPE(ReconnectOptions)

class TstClientCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    // Happy day: settings, overrides and the request built from options.
    void defaultsFromSettingsFile();
    void optionsOverrideSettings();
    void target_data();
    void target();
    void body_data();
    void body();
    void headers();
    void methodDefaults_data();
    void methodDefaults();
    void helpAndVersion();
    void caFileForWss();
    void severalTargets_data();
    void severalTargets();
    void optionsApplyToEveryTarget();
    void reconnect_data();
    void reconnect();

    // Rainy day: each bad option is refused with a message that names it.
    void badOptions_data();
    void badOptions();
    void badSettingsFile();

private:
    using Action = ProgramCli::Outcome::Action;
    // ClientCli::parse(), its value taken apart for the checks below.
    static Action parse(const QStringList &arguments, ClientConfig *config, QString *message);
    QStringList args(const QStringList &options) const;
    QString writeFile(const QString &name, const QByteArray &content);

    QTemporaryDir m_dir;
    QString m_emptySettings;
};

void TstClientCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_emptySettings = writeFile(QStringLiteral("empty.json"), "{}");
}

QString TstClientCli::writeFile(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QString();
    file.write(content);
    return path;
}

TstClientCli::Action TstClientCli::parse(
    const QStringList &arguments, ClientConfig *config, QString *message)
{
    const ClientCli::CommandLine parsed = ClientCli::parse(arguments);
    *config = parsed.config;
    *message = parsed.outcome.text;
    return parsed.outcome.action;
}

QStringList TstClientCli::args(const QStringList &options) const
{
    return QStringList { QStringLiteral("ws-test-client"), QStringLiteral("--settings"),
        m_emptySettings }
    + options;
}

void TstClientCli::defaultsFromSettingsFile()
{
    const QString path = writeFile(QStringLiteral("s1.json"), R"({
        "proxy": {"host": "127.0.0.1", "port": 4000, "path": "/p"},
        "testServer": {"host": "srv", "port": 9000},
        "testClient": {"message": "Hi", "maxMessages": 2, "sendDelay": 5, "timeout": 700}
    })");
    ClientConfig config;
    QString message;
    QCOMPARE(parse({ QStringLiteral("ws-test-client"), QStringLiteral("--settings"), path },
                 &config, &message),
        Action::Run);
    QCOMPARE(message, QString());
    QCOMPARE(config.mode, ClientConfig::Mode::EchoTest);
    QCOMPARE(config.proxyUrl, QUrl(QStringLiteral("ws://127.0.0.1:4000/p")));
    QCOMPARE(config.message, QStringLiteral("Hi"));
    QCOMPARE(config.count, 2);
    QCOMPARE(config.sendDelay, 5);
    QCOMPARE(config.timeout, 700);
    QCOMPARE(config.serverHost, QStringLiteral("srv"));
    QCOMPARE(config.serverPort, 9000);
    QCOMPARE(config.json, false);

    // The echo request is built from those settings.
    const ProxyRequest request = config.echoRequest(2);
    QCOMPARE(request.address, QStringLiteral("srv"));
    QCOMPARE(request.port, 9000);
    QCOMPARE(request.path, QStringLiteral("/events"));
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.bodyKind, ProxyRequest::BodyKind::Json);
    QCOMPARE(request.body, QByteArray(R"({"message":"Hi #2"})"));
}

void TstClientCli::optionsOverrideSettings()
{
    const QString path = writeFile(QStringLiteral("s2.json"), R"({
        "testClient": {"message": "Hi", "maxMessages": 2, "sendDelay": 5,
                       "url": "ws://file.example:1/x"}
    })");
    ClientConfig config;
    QString message;
    QCOMPARE(parse({ QStringLiteral("ws-test-client"), QStringLiteral("--settings"), path,
                       QStringLiteral("--url"), QStringLiteral("wss://cli.example/proxy"),
                       QStringLiteral("--message"), QStringLiteral("Yo"), QStringLiteral("--count"),
                       QStringLiteral("7"), QStringLiteral("--delay"), QStringLiteral("0"),
                       QStringLiteral("--timeout"), QStringLiteral("0"), QStringLiteral("--json") },
                 &config, &message),
        Action::Run);
    QCOMPARE(message, QString());
    QCOMPARE(config.proxyUrl, QUrl(QStringLiteral("wss://cli.example/proxy")));
    QCOMPARE(config.message, QStringLiteral("Yo"));
    QCOMPARE(config.count, 7);
    QCOMPARE(config.sendDelay, 0);
    QCOMPARE(config.timeout, 0);
    QCOMPARE(config.json, true);

    // testClient.url from the file wins over proxy.host/port/path.
    QCOMPARE(parse({ QStringLiteral("ws-test-client"), QStringLiteral("--settings"), path },
                 &config, &message),
        Action::Run);
    QCOMPARE(config.proxyUrl, QUrl(QStringLiteral("ws://file.example:1/x")));
}

void TstClientCli::target_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("path");

    QTest::newRow("http default port")
        << QStringLiteral("http://example.com") << QStringLiteral("http")
        << QStringLiteral("example.com") << 80 << QStringLiteral("/");
    QTest::newRow("https default port")
        << QStringLiteral("https://example.com/s") << QStringLiteral("https")
        << QStringLiteral("example.com") << 443 << QStringLiteral("/s");
    QTest::newRow("explicit port, query kept, fragment dropped")
        << QStringLiteral("http://localhost:8081/events?message=a%20b&x=1#top")
        << QStringLiteral("http") << QStringLiteral("localhost") << 8081
        << QStringLiteral("/events?message=a%20b&x=1");
    QTest::newRow("upper-case scheme")
        << QStringLiteral("HTTPS://h:8443/") << QStringLiteral("https") << QStringLiteral("h")
        << 8443 << QStringLiteral("/");
    QTest::newRow("IPv6 literal") << QStringLiteral("http://[::1]:3000/a/b")
                                  << QStringLiteral("http") << QStringLiteral("::1") << 3000
                                  << QStringLiteral("/a/b");
    QTest::newRow("query without path") << QStringLiteral("http://h?x=1") << QStringLiteral("http")
                                        << QStringLiteral("h") << 80 << QStringLiteral("/?x=1");
}

void TstClientCli::target()
{
    QFETCH(QString, target);
    QFETCH(QString, protocol);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QString, path);

    ClientConfig config;
    QString message;
    QCOMPARE(parse(args({ QStringLiteral("--target"), target }), &config, &message), Action::Run);
    QCOMPARE(config.mode, ClientConfig::Mode::Request);
    QCOMPARE(config.requests.size(), 1);
    QCOMPARE(config.requests.constFirst().id, QString()); // one target: no id, as before
    QCOMPARE(config.requests.constFirst().reconnect, ReconnectOptions());
    QCOMPARE(config.requests.constFirst().protocol, protocol);
    QCOMPARE(config.requests.constFirst().address, address);
    QCOMPARE(config.requests.constFirst().port, port);
    QCOMPARE(config.requests.constFirst().path, path);
    QCOMPARE(config.requests.constFirst().method, QByteArray("GET"));
    QCOMPARE(config.requests.constFirst().headers.size(), 0);
    QCOMPARE(config.requests.constFirst().bodyKind, ProxyRequest::BodyKind::None);
}

void TstClientCli::body_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<ProxyRequest::BodyKind>("kind");
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("object") << QStringLiteral(R"({ "a" : 1 })") << ProxyRequest::BodyKind::Json
                            << QByteArray(R"({"a":1})");
    QTest::newRow("array") << QStringLiteral("[1, \"x\"]") << ProxyRequest::BodyKind::Json
                           << QByteArray(R"([1,"x"])");
    QTest::newRow("text") << QStringLiteral("hello") << ProxyRequest::BodyKind::Text
                          << QByteArray("hello");
    QTest::newRow("number is text")
        << QStringLiteral("42") << ProxyRequest::BodyKind::Text << QByteArray("42");
    QTest::newRow("JSON string is text")
        << QStringLiteral("\"s\"") << ProxyRequest::BodyKind::Text << QByteArray("\"s\"");
    QTest::newRow("broken JSON is text")
        << QStringLiteral("{\"a\":") << ProxyRequest::BodyKind::Text << QByteArray("{\"a\":");
    QTest::newRow("empty is text") << QString() << ProxyRequest::BodyKind::Text << QByteArray();
    QTest::newRow("UTF-8 text") << QStringLiteral("привет") << ProxyRequest::BodyKind::Text
                                << QStringLiteral("привет").toUtf8();
}

void TstClientCli::body()
{
    QFETCH(QString, body);
    QFETCH(ProxyRequest::BodyKind, kind);
    QFETCH(QByteArray, bytes);

    ClientConfig config;
    QString message;
    QCOMPARE(parse(args({ QStringLiteral("--target"), QStringLiteral("http://h/"),
                       QStringLiteral("--body"), body }),
                 &config, &message),
        Action::Run);
    QCOMPARE(config.requests.constFirst().bodyKind, kind);
    QCOMPARE(config.requests.constFirst().body, bytes);
}

void TstClientCli::headers()
{
    ClientConfig config;
    QString message;
    QCOMPARE(parse(args({ QStringLiteral("--target"), QStringLiteral("http://h/"),
                       QStringLiteral("--header"), QStringLiteral("X-A:  one  "),
                       QStringLiteral("--header"), QStringLiteral("last-event-id: old"),
                       QStringLiteral("--header"), QStringLiteral("X-Empty:"),
                       QStringLiteral("--header"), QStringLiteral("X-Colon: a:b"),
                       QStringLiteral("--last-event-id"), QStringLiteral("new") }),
                 &config, &message),
        Action::Run);
    const HttpHeaderList expected { { "X-A", "one" }, { "X-Empty", "" }, { "X-Colon", "a:b" },
        { "Last-Event-ID", "new" } };
    QCOMPARE(config.requests.constFirst().headers, expected);
}

void TstClientCli::methodDefaults_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QByteArray>("method");

    QTest::newRow("no body: GET") << QStringList() << QByteArray("GET");
    QTest::newRow("body: POST") << QStringList { QStringLiteral("--body"), QStringLiteral("x") }
                                << QByteArray("POST");
    QTest::newRow("method wins over body default") << QStringList { QStringLiteral("--body"),
        QStringLiteral("x"), QStringLiteral("--method"), QStringLiteral("get") }
                                                   << QByteArray("GET");
    QTest::newRow("lower-case delete") << QStringList { QStringLiteral("--method"),
        QStringLiteral("delete") } << QByteArray("DELETE");
}

void TstClientCli::methodDefaults()
{
    QFETCH(QStringList, options);
    QFETCH(QByteArray, method);
    ClientConfig config;
    QString message;
    QCOMPARE(parse(args(QStringList { QStringLiteral("--target"), QStringLiteral("http://h/") }
                       + options),
                 &config, &message),
        Action::Run);
    QCOMPARE(config.requests.constFirst().method, method);
}

void TstClientCli::helpAndVersion()
{
    ClientConfig config;
    QString message;
    QCOMPARE(parse(args({ QStringLiteral("--help") }), &config, &message), Action::ShowHelp);
    for (const char *option : { "--target", "--json", "--count", "--last-event-id", "--settings",
             "--reconnect", "--reconnect-max-attempts", "--reconnect-max-delay", "ID=URL" })
        QVERIFY2(message.contains(QLatin1StringView(option)), option);
    QCOMPARE(parse(args({ QStringLiteral("--version") }), &config, &message), Action::ShowVersion);
    QCOMPARE(message,
        QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion()
            + u'\n');
}

void TstClientCli::badOptions_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("named"); // the message must contain this

    const QString target = QStringLiteral("--target");
    const QString url = QStringLiteral("http://h/");
    QTest::newRow("unknown option")
        << QStringList { QStringLiteral("--bogus") } << QStringLiteral("bogus");
    QTest::newRow("missing value")
        << QStringList { QStringLiteral("--count") } << QStringLiteral("count");
    QTest::newRow("count not a number") << QStringList { QStringLiteral("--count"),
        QStringLiteral("x") } << QStringLiteral("--count");
    QTest::newRow("count zero") << QStringList { QStringLiteral("--count"), QStringLiteral("0") }
                                << QStringLiteral("--count");
    QTest::newRow("negative delay") << QStringList { QStringLiteral("--delay"),
        QStringLiteral("-1") } << QStringLiteral("--delay");
    QTest::newRow("timeout not a number") << QStringList { QStringLiteral("--timeout"),
        QStringLiteral("1s") } << QStringLiteral("--timeout");
    QTest::newRow("url not ws") << QStringList { QStringLiteral("--url"),
        QStringLiteral("http://h/p") }
                                << QStringLiteral("--url");
    QTest::newRow("url without host") << QStringList { QStringLiteral("--url"),
        QStringLiteral("ws:///p") } << QStringLiteral("--url");
    QTest::newRow("target ftp") << QStringList { target, QStringLiteral("ftp://h/") } << target;
    QTest::newRow("target relative") << QStringList { target, QStringLiteral("/events") } << target;
    QTest::newRow("target with user info")
        << QStringList { target, QStringLiteral("http://u:p@h/") } << target;
    QTest::newRow("method PATCH") << QStringList { target, url, QStringLiteral("--method"),
        QStringLiteral("PATCH") } << QStringLiteral("--method");
    QTest::newRow("header without colon") << QStringList { target, url, QStringLiteral("--header"),
        QStringLiteral("X-A") } << QStringLiteral("--header");
    QTest::newRow("header bad name") << QStringList { target, url, QStringLiteral("--header"),
        QStringLiteral("X A: 1") } << QStringLiteral("--header");
    QTest::newRow("header empty name") << QStringList { target, url, QStringLiteral("--header"),
        QStringLiteral(": 1") } << QStringLiteral("--header");
    QTest::newRow("header value with LF") << QStringList { target, url, QStringLiteral("--header"),
        QStringLiteral("X-A: 1\nX-B: 2") } << QStringLiteral("--header");
    QTest::newRow("last-event-id with CR")
        << QStringList { target, url, QStringLiteral("--last-event-id"), QStringLiteral("a\rb") }
        << QStringLiteral("--last-event-id");
    QTest::newRow("request option without target") << QStringList { QStringLiteral("--method"),
        QStringLiteral("GET") } << QStringLiteral("--method");
    QTest::newRow("body without target") << QStringList { QStringLiteral("--body"),
        QStringLiteral("x") } << QStringLiteral("--body");
    QTest::newRow("echo option with target")
        << QStringList { target, url, QStringLiteral("--count"), QStringLiteral("2") }
        << QStringLiteral("--count");
    const QString caFile = QStringLiteral("--ca-file");
    const QString wss = QStringLiteral("wss://h/proxy");
    QTest::newRow("ca-file with a ws URL") << QStringList { QStringLiteral("--url"),
        QStringLiteral("ws://h/proxy"), caFile, m_emptySettings }
                                           << caFile;
    QTest::newRow("ca-file missing") << QStringList { QStringLiteral("--url"), wss, caFile,
        m_dir.filePath(QStringLiteral("missing.pem")) }
                                     << caFile;
    QTest::newRow("ca-file not PEM")
        << QStringList { QStringLiteral("--url"), wss, caFile, m_emptySettings } << caFile;
    QTest::newRow("id used twice") << QStringList { target, QStringLiteral("a=http://h/1"), target,
        QStringLiteral("a=http://h/2") }
                                   << QStringLiteral("--target: the id \"a\" is used twice");
    QTest::newRow("an id that is another target's position")
        << QStringList { target, QStringLiteral("2=http://h/1"), target, url }
        << QStringLiteral("the id \"2\" is used twice (a target without an id gets its position");
    QTest::newRow("empty id") << QStringList { target, QStringLiteral("=http://h/") }
                              << QStringLiteral("--target '=http://h/': the id before '=' must be "
                                                "1 to 64 printable ASCII characters");
    QTest::newRow("id of 65 characters")
        << QStringList { target, QString(65, u'i') + QStringLiteral("=http://h/") }
        << QStringLiteral("the id before '='");
    QTest::newRow("id with a tab") << QStringList { target, QStringLiteral("a\tb=http://h/") }
                                   << QStringLiteral("the id before '='");
    QTest::newRow("id with non-ASCII") << QStringList { target, QStringLiteral("ñ=http://h/") }
                                       << QStringLiteral("the id before '='");
    QTest::newRow("one bad URL among several")
        << QStringList { target, url, target, QStringLiteral("b=ftp://h/") }
        << QStringLiteral("--target: expected an absolute http:// or https:// URL with a host, "
                          "got 'b=ftp://h/'");
    QTest::newRow("an id needs an http URL after '='") << QStringList { target,
        QStringLiteral("news=localhost:8081/x") } << QStringLiteral("got 'news=localhost:8081/x'");
    QTest::newRow("reconnect without target") << QStringList { QStringLiteral("--reconnect") }
                                              << QStringLiteral("--reconnect needs --target");
    QTest::newRow("max attempts without target")
        << QStringList { QStringLiteral("--reconnect-max-attempts"), QStringLiteral("3") }
        << QStringLiteral("--reconnect-max-attempts needs --target");
    QTest::newRow("max attempts not a number") << QStringList {
        target, url, QStringLiteral("--reconnect-max-attempts"), QStringLiteral("many")
    } << QStringLiteral("--reconnect-max-attempts: must be an integer from 0 to 1000000000");
    QTest::newRow("max attempts too many") << QStringList {
        target, url, QStringLiteral("--reconnect-max-attempts"), QStringLiteral("1000000001")
    } << QStringLiteral("--reconnect-max-attempts: must be an integer from 0 to 1000000000");
    QTest::newRow("max delay negative") << QStringList {
        target, url, QStringLiteral("--reconnect-max-delay"), QStringLiteral("-1")
    } << QStringLiteral("--reconnect-max-delay: must be an integer from 0 to 86400000");
    QTest::newRow("max delay over a day") << QStringList {
        target, url, QStringLiteral("--reconnect-max-delay"), QStringLiteral("86400001")
    } << QStringLiteral("--reconnect-max-delay: must be an integer from 0 to 86400000");
    QTest::newRow("positional argument")
        << QStringList { QStringLiteral("extra") }
        << QStringLiteral("unexpected argument \"extra\" (see --help)");
}

void TstClientCli::badOptions()
{
    QFETCH(QStringList, options);
    QFETCH(QString, named);
    ClientConfig config;
    QString message;
    QCOMPARE(parse(args(options), &config, &message), Action::BadUsage);
    QVERIFY2(message.contains(named), qPrintable(message));
}

void TstClientCli::caFileForWss()
{
    TestCertificates certificates;
    QString error;
    QVERIFY2(certificates.create(&error), qPrintable(error));
    // With proxy.tls set the proxy listens with TLS: the default URL is wss://.
    const QString settings = writeFile(QStringLiteral("tls.json"),
        R"({"proxy": {"host": "127.0.0.1", "port": 4443,
                      "tls": {"certificate": "c.pem", "privateKey": "k.pem"}}})");
    ClientConfig config;
    QString message;
    QCOMPARE(parse({ QStringLiteral("ws-test-client"), QStringLiteral("--settings"), settings,
                       QStringLiteral("--ca-file"), certificates.caFile() },
                 &config, &message),
        Action::Run);
    QCOMPARE(config.proxyUrl, QUrl(QStringLiteral("wss://127.0.0.1:4443/proxy")));
    QCOMPARE(config.caCertificates, certificates.caCertificates());
}

// Several --targets (or one with an id): every request gets an id, its own (ID=URL) or else its
// position; one target without an id stays the id-less request of before.
void TstClientCli::severalTargets_data()
{
    QTest::addColumn<QStringList>("targets");
    QTest::addColumn<QStringList>("ids");
    QTest::addColumn<QStringList>("paths");

    QTest::newRow("two targets: their positions")
        << QStringList { QStringLiteral("http://h/a"), QStringLiteral("http://h/b") }
        << QStringList { QStringLiteral("1"), QStringLiteral("2") }
        << QStringList { QStringLiteral("/a"), QStringLiteral("/b") };
    QTest::newRow("ids given") << QStringList { QStringLiteral("prices=http://h/p"),
        QStringLiteral("news=HTTPS://h/n") }
                               << QStringList { QStringLiteral("prices"), QStringLiteral("news") }
                               << QStringList { QStringLiteral("/p"), QStringLiteral("/n") };
    QTest::newRow("one target with an id")
        << QStringList { QStringLiteral("a=http://h/") } << QStringList { QStringLiteral("a") }
        << QStringList { QStringLiteral("/") };
    QTest::newRow("some with ids, some by position")
        << QStringList { QStringLiteral("x=http://h/a"), QStringLiteral("http://h/b"),
               QStringLiteral("http://h/c") }
        << QStringList { QStringLiteral("x"), QStringLiteral("2"), QStringLiteral("3") }
        << QStringList { QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c") };
    QTest::newRow("id with spaces and punctuation")
        << QStringList { QStringLiteral("my feed #1: \"eu\"=http://h/") }
        << QStringList { QStringLiteral("my feed #1: \"eu\"") }
        << QStringList { QStringLiteral("/") };
    QTest::newRow("id of 64 characters")
        << QStringList { QString(64, u'i') + QStringLiteral("=http://h/") }
        << QStringList { QString(64, u'i') } << QStringList { QStringLiteral("/") };
    QTest::newRow("a URL whose query holds =http:// has no id")
        << QStringList { QStringLiteral("http://h/r?next=http://x/") } << QStringList { QString() }
        << QStringList { QStringLiteral("/r?next=http://x/") };
    QTest::newRow("an id, then a URL whose query holds =")
        << QStringList { QStringLiteral("q=http://h/r?a=b") } << QStringList { QStringLiteral("q") }
        << QStringList { QStringLiteral("/r?a=b") };
}

void TstClientCli::severalTargets()
{
    QFETCH(QStringList, targets);
    QFETCH(QStringList, ids);
    QFETCH(QStringList, paths);

    QStringList options;
    for (const QString &target : std::as_const(targets))
        options << QStringLiteral("--target") << target;
    ClientConfig config;
    QString message;
    QCOMPARE(parse(args(options), &config, &message), Action::Run);
    QCOMPARE(message, QString());
    QCOMPARE(config.mode, ClientConfig::Mode::Request);
    QCOMPARE(config.requests.size(), ids.size());
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const ProxyRequest &request = config.requests.at(i);
        QCOMPARE(request.id, ids.at(i));
        QCOMPARE(request.address, QStringLiteral("h"));
        QCOMPARE(request.path, paths.at(i));
        // The id is on the wire exactly when there is one.
        QCOMPARE(request.toJson().value(QStringLiteral("id")).toString(), ids.at(i));
        QCOMPARE(request.toJson().contains(QStringLiteral("id")), !ids.at(i).isEmpty());
    }
}

void TstClientCli::optionsApplyToEveryTarget()
{
    ClientConfig config;
    QString message;
    QCOMPARE(
        parse(args({ QStringLiteral("--target"), QStringLiteral("http://h/a"),
                  QStringLiteral("--target"), QStringLiteral("b=https://g:8443/b"),
                  QStringLiteral("--method"), QStringLiteral("put"), QStringLiteral("--header"),
                  QStringLiteral("X-A: 1"), QStringLiteral("--body"), QStringLiteral("{\"k\": 2}"),
                  QStringLiteral("--last-event-id"), QStringLiteral("e-9"),
                  QStringLiteral("--reconnect"), QStringLiteral("--show-headers") }),
            &config, &message),
        Action::Run);
    QCOMPARE(config.requests.size(), 2);
    QVERIFY(config.showHeaders);
    const HttpHeaderList headers { { "X-A", "1" }, { "Last-Event-ID", "e-9" } };
    for (const ProxyRequest &request : std::as_const(config.requests)) {
        QCOMPARE(request.method, QByteArray("PUT"));
        QCOMPARE(request.headers, headers);
        QCOMPARE(request.bodyKind, ProxyRequest::BodyKind::Json);
        QCOMPARE(request.body, QByteArray(R"({"k":2})"));
        QVERIFY(request.reconnect.enabled);
    }
    QCOMPARE(config.requests.at(0).id, QStringLiteral("1"));
    QCOMPARE(config.requests.at(1).id, QStringLiteral("b"));
    QCOMPARE(config.requests.at(1).protocol, QStringLiteral("https"));
    QCOMPARE(config.requests.at(1).port, 8443);
}

void TstClientCli::reconnect_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<ReconnectOptions>("expected");
    QTest::addColumn<QJsonValue>("onTheWire"); // the request's "reconnect" field

    QTest::newRow("none: no field")
        << QStringList() << ReconnectOptions() << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("--reconnect") << QStringList { QStringLiteral("--reconnect") }
                                 << ReconnectOptions { true, 0, 0 } << QJsonValue(true);
    QTest::newRow("max attempts implies --reconnect")
        << QStringList { QStringLiteral("--reconnect-max-attempts"), QStringLiteral("5") }
        << ReconnectOptions { true, 5, 0 }
        << QJsonValue(QJsonObject { { QStringLiteral("maxAttempts"), 5 } });
    QTest::newRow("both limits") << QStringList { QStringLiteral("--reconnect"),
        QStringLiteral("--reconnect-max-delay"), QStringLiteral("1500"),
        QStringLiteral("--reconnect-max-attempts"), QStringLiteral("1000000000") }
                                 << ReconnectOptions { true, 1000000000, 1500 }
                                 << QJsonValue(
                                        QJsonObject { { QStringLiteral("maxAttempts"), 1000000000 },
                                            { QStringLiteral("maxDelayMs"), 1500 } });
    QTest::newRow("0: the proxy's limits")
        << QStringList { QStringLiteral("--reconnect-max-delay"), QStringLiteral("0") }
        << ReconnectOptions { true, 0, 0 } << QJsonValue(true);
}

void TstClientCli::reconnect()
{
    QFETCH(QStringList, options);
    QFETCH(ReconnectOptions, expected);
    QFETCH(QJsonValue, onTheWire);

    ClientConfig config;
    QString message;
    QCOMPARE(parse(args(QStringList { QStringLiteral("--target"), QStringLiteral("http://h/") }
                       + options),
                 &config, &message),
        Action::Run);
    QCOMPARE(config.requests.size(), 1);
    const ProxyRequest &request = config.requests.constFirst();
    QVERIFY(request.reconnect == expected);
    QCOMPARE(request.id, QString()); // --reconnect alone does not make a stream
    const QJsonObject json = request.toJson();
    QCOMPARE(json.value(QStringLiteral("reconnect")), onTheWire);
    // What the client sends, the proxy's codec reads back the same.
    QString error;
    const std::optional<ProxyRequest> decoded = ProxyRequest::fromJson(json, &error);
    QVERIFY2(decoded, qPrintable(error));
    QVERIFY(decoded->reconnect == expected);
}

void TstClientCli::badSettingsFile()
{
    // SettingsCli reports the key itself (on stderr); parse() only says "bad usage".
    const QString path
        = writeFile(QStringLiteral("bad.json"), R"({"testClient": {"maxMessages": "three"}})");
    ClientConfig config;
    QString message;
    QCOMPARE(parse({ QStringLiteral("ws-test-client"), QStringLiteral("--settings"), path },
                 &config, &message),
        Action::BadUsage);
    QCOMPARE(message, QString());
}

QTEST_GUILESS_MAIN(TstClientCli)
#include "tst_clientcli.moc"
