// The proxy's command line read into a value with no process and no application event loop:
// the settings file, the options over it, help and version, and what is refused with which
// message (status 2 in the program).

#include "proxyapp.h"
#include "settingsfiles.h"

#include <QTest>

class TestProxyCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaultsWithoutAFile();
    void optionsOverTheFile();
    void helpAndVersion();
    void refused_data();
    void refused();
    void settingsFileErrorsArePrintedBySettingsCli_data();
    void settingsFileErrorsArePrintedBySettingsCli();

private:
    static QStringList command(const QStringList &arguments)
    {
        return QStringList { QStringLiteral("ws-sse-proxy") } + arguments;
    }
    static ProgramCli::Outcome::Action action(const QStringList &arguments)
    {
        return parseProxyCommandLine(command(arguments)).outcome.action;
    }

    SettingsFiles m_files;
};

void TestProxyCommandLine::initTestCase()
{
    QVERIFY(m_files.enter()); // no stray ./settings.json
}

void TestProxyCommandLine::defaultsWithoutAFile()
{
    const ProxyCommandLine parsed = parseProxyCommandLine(command({}));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::Run);
    QCOMPARE(parsed.outcome.text, QString());
    QCOMPARE(parsed.settings.proxy.port, Settings().proxy.port);
    QCOMPARE(parsed.settings.proxy.eventDispatcher, QStringLiteral("epoll"));
    QCOMPARE(parsed.settings.proxy.drainSeconds, 0);
    QVERIFY(!parsed.verbose);
    QVERIFY(!parsed.quiet);
}

void TestProxyCommandLine::optionsOverTheFile()
{
    const QString file
        = m_files.write(R"({"proxy": {"port": 4000, "path": "/p", "eventDispatcher": "qt",
                                                     "drainSeconds": 5}, "admin": {"port": 4001}})");
    QVERIFY(!file.isEmpty());
    const ProxyCommandLine parsed = parseProxyCommandLine(command({ QStringLiteral("--settings"),
        file, QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-host"),
        QString(), QStringLiteral("--sse-timeout"), QStringLiteral("250"), QStringLiteral("-q") }));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::Run);
    QCOMPARE(parsed.settings.proxy.port, 0); // the option wins
    QCOMPARE(parsed.settings.proxy.path, QStringLiteral("/p")); // the file, where no option
    QCOMPARE(parsed.settings.proxy.eventDispatcher, QStringLiteral("qt"));
    QCOMPARE(parsed.settings.proxy.drainSeconds, 5);
    QCOMPARE(parsed.settings.proxy.sseTimeout, 250);
    QCOMPARE(parsed.settings.admin.host, QString());
    QCOMPARE(parsed.settings.admin.port, 4001);
    QVERIFY(parsed.quiet);
}

void TestProxyCommandLine::helpAndVersion()
{
    const ProxyCommandLine help = parseProxyCommandLine(command({ QStringLiteral("--help") }));
    QCOMPARE(help.outcome.action, ProgramCli::Outcome::Action::ShowHelp);
    for (const char *text : { "WebSocket-to-SSE proxy", "--help", "--version", "--settings",
             "--port", "--admin-host", "--sse-timeout", "--quiet" })
        QVERIFY2(help.outcome.text.contains(QLatin1StringView(text)), text);
    const ProxyCommandLine version = parseProxyCommandLine(command({ QStringLiteral("-v") }));
    QCOMPARE(version.outcome.action, ProgramCli::Outcome::Action::ShowVersion);
    QCOMPARE(version.outcome.text,
        QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion()
            + u'\n');
    // Help wins over anything else on the line, even a bad value or a stray argument: it is
    // what was asked.
    QCOMPARE(action({ QStringLiteral("--port"), QStringLiteral("x"), QStringLiteral("-h") }),
        ProgramCli::Outcome::Action::ShowHelp);
    QCOMPARE(action({ QStringLiteral("stray"), QStringLiteral("--version") }),
        ProgramCli::Outcome::Action::ShowVersion);
}

void TestProxyCommandLine::refused_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message"); // what main() prints after "ws-sse-proxy: error: "
    QTest::newRow("unknown option") << QStringList { QStringLiteral("--prot"), QStringLiteral("1") }
                                    << QStringLiteral("Unknown option 'prot'. (see --help)");
    QTest::newRow("option without its value")
        << QStringList { QStringLiteral("--port") }
        << QStringLiteral("Missing value after '--port'. (see --help)");
    QTest::newRow("stray argument") << QStringList { QStringLiteral("3001") }
                                    << QStringLiteral("unexpected argument \"3001\" (see --help)");
    QTest::newRow("port not a number")
        << QStringList { QStringLiteral("--port"), QStringLiteral("x") }
        << QStringLiteral("--port: must be an integer from 0 to 65535, got \"x\"");
    QTest::newRow("port too big") << QStringList {
        QStringLiteral("--port"), QStringLiteral("65536")
    } << QStringLiteral("--port: must be an integer from 0 to 65535, got \"65536\"");
    QTest::newRow("admin port negative")
        << QStringList { QStringLiteral("--admin-port"), QStringLiteral("-1") }
        << QStringLiteral("--admin-port: must be an integer from 0 to 65535, got \"-1\"");
    QTest::newRow("sse timeout negative")
        << QStringList { QStringLiteral("--sse-timeout"), QStringLiteral("-5") }
        << QStringLiteral("--sse-timeout: must be an integer from 0 to 2147483647, got \"-5\"");
    QTest::newRow("path without slash") << QStringList { QStringLiteral("--path"),
        QStringLiteral("p") } << QStringLiteral("proxy.path");
}

void TestProxyCommandLine::refused()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const ProxyCommandLine parsed = parseProxyCommandLine(command(arguments));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::BadUsage);
    QVERIFY2(parsed.outcome.text.startsWith(message), qPrintable(parsed.outcome.text));
}

// A bad settings file is refused too, but SettingsCli has printed the key at fault itself (on
// stderr, with its warnings): the outcome carries no second message.
void TestProxyCommandLine::settingsFileErrorsArePrintedBySettingsCli_data()
{
    QTest::addColumn<QByteArray>("content"); // empty: no such file
    QTest::newRow("missing settings file") << QByteArray();
    QTest::newRow("not JSON") << QByteArray("{nope");
    QTest::newRow("wrong type") << QByteArray(R"({"proxy": {"port": "x"}})");
    QTest::newRow("bad event dispatcher")
        << QByteArray(R"({"proxy": {"eventDispatcher": "select"}})");
}

void TestProxyCommandLine::settingsFileErrorsArePrintedBySettingsCli()
{
    QFETCH(QByteArray, content);
    const QString file
        = content.isEmpty() ? QStringLiteral("/nonexistent/s.json") : m_files.write(content);
    QVERIFY(!file.isEmpty());
    const ProxyCommandLine parsed
        = parseProxyCommandLine(command({ QStringLiteral("--settings"), file }));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::BadUsage);
    QCOMPARE(parsed.outcome.text, QString());
}

QTEST_GUILESS_MAIN(TestProxyCommandLine)
#include "tst_proxycommandline.moc"
