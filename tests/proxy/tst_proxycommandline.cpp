// The proxy's command line read into a value with no process and no application event loop:
// the settings file, the options over it, and what is refused (status 2 in the program).

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

private:
    static QStringList command(const QStringList &arguments)
    {
        return QStringList { QStringLiteral("ws-sse-proxy") } + arguments;
    }

    SettingsFiles m_files;
};

void TestProxyCommandLine::initTestCase()
{
    QVERIFY(m_files.enter()); // no stray ./settings.json
}

void TestProxyCommandLine::defaultsWithoutAFile()
{
    const std::optional<ProxyCommandLine> parsed = parseProxyCommandLine(command({}));
    QVERIFY(parsed);
    QCOMPARE(parsed->action, ProxyCommandLine::Action::Run);
    QCOMPARE(parsed->settings.proxy.port, Settings().proxy.port);
    QCOMPARE(parsed->settings.proxy.eventDispatcher, QStringLiteral("epoll"));
    QCOMPARE(parsed->settings.proxy.drainSeconds, 0);
    QVERIFY(!parsed->verbose);
    QVERIFY(!parsed->quiet);
}

void TestProxyCommandLine::optionsOverTheFile()
{
    const QString file
        = m_files.write(R"({"proxy": {"port": 4000, "path": "/p", "eventDispatcher": "qt",
                                                     "drainSeconds": 5}, "admin": {"port": 4001}})");
    QVERIFY(!file.isEmpty());
    const std::optional<ProxyCommandLine> parsed = parseProxyCommandLine(
        command({ QStringLiteral("--settings"), file, QStringLiteral("--port"), QStringLiteral("0"),
            QStringLiteral("--admin-host"), QString(), QStringLiteral("--sse-timeout"),
            QStringLiteral("250"), QStringLiteral("-q") }));
    QVERIFY(parsed);
    QCOMPARE(parsed->settings.proxy.port, 0); // the option wins
    QCOMPARE(parsed->settings.proxy.path, QStringLiteral("/p")); // the file, where no option
    QCOMPARE(parsed->settings.proxy.eventDispatcher, QStringLiteral("qt"));
    QCOMPARE(parsed->settings.proxy.drainSeconds, 5);
    QCOMPARE(parsed->settings.proxy.sseTimeout, 250);
    QCOMPARE(parsed->settings.admin.host, QString());
    QCOMPARE(parsed->settings.admin.port, 4001);
    QVERIFY(parsed->quiet);
}

void TestProxyCommandLine::helpAndVersion()
{
    QCOMPARE(parseProxyCommandLine(command({ QStringLiteral("--help") }))->action,
        ProxyCommandLine::Action::ShowHelp);
    QCOMPARE(parseProxyCommandLine(command({ QStringLiteral("--version") }))->action,
        ProxyCommandLine::Action::ShowVersion);
    // Help wins over anything else on the line, even a bad value: it is what was asked.
    QCOMPARE(parseProxyCommandLine(
                 command({ QStringLiteral("--port"), QStringLiteral("x"), QStringLiteral("-h") }))
                 ->action,
        ProxyCommandLine::Action::ShowHelp);
}

void TestProxyCommandLine::refused_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("unknown option")
        << QStringList { QStringLiteral("--prot"), QStringLiteral("1") };
    QTest::newRow("stray argument") << QStringList { QStringLiteral("3001") };
    QTest::newRow("port not a number")
        << QStringList { QStringLiteral("--port"), QStringLiteral("x") };
    QTest::newRow("port too big") << QStringList { QStringLiteral("--port"),
        QStringLiteral("65536") };
    QTest::newRow("admin port negative")
        << QStringList { QStringLiteral("--admin-port"), QStringLiteral("-1") };
    QTest::newRow("path without slash")
        << QStringList { QStringLiteral("--path"), QStringLiteral("p") };
    QTest::newRow("missing settings file")
        << QStringList { QStringLiteral("--settings"), QStringLiteral("/nonexistent/s.json") };
}

void TestProxyCommandLine::refused()
{
    QFETCH(QStringList, arguments);
    QVERIFY(!parseProxyCommandLine(command(arguments)));
}

QTEST_GUILESS_MAIN(TestProxyCommandLine)
#include "tst_proxycommandline.moc"
