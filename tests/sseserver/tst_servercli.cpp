// sse-test-server's command line read into a value with no process and no server: the
// settings file, the options over it, --tls CERT KEY, and what is refused (status 2).

#include "servercli.h"
#include "settingsfiles.h"

#include <QTest>

class TestServerCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void defaultsWithoutAFile();
    void optionsOverTheFile();
    void tlsFiles();
    void helpAndVersion();
    void refused_data();
    void refused();

private:
    static QStringList command(const QStringList &arguments)
    {
        return QStringList { QStringLiteral("sse-test-server") } + arguments;
    }

    SettingsFiles m_files;
};

void TestServerCli::initTestCase()
{
    QVERIFY(m_files.enter()); // no stray ./settings.json
}

void TestServerCli::defaultsWithoutAFile()
{
    const std::optional<ServerCli::CommandLine> parsed = ServerCli::parse(command({}));
    QVERIFY(parsed);
    QCOMPARE(parsed->action, ServerCli::CommandLine::Action::Run);
    QCOMPARE(parsed->config.port, TestServerSettings().port);
    QCOMPARE(parsed->config.responseCount, TestServerSettings().responseCount);
    QVERIFY(!parsed->quiet);
    QVERIFY(parsed->tlsCertificate.isEmpty() && parsed->tlsKey.isEmpty());
}

void TestServerCli::optionsOverTheFile()
{
    const QString file = m_files.write(R"({"testServer": {"port": 9000, "responseCount": 5,
                                                          "responseDelay": 20}})");
    QVERIFY(!file.isEmpty());
    const std::optional<ServerCli::CommandLine> parsed
        = ServerCli::parse(command({ QStringLiteral("--settings"), file, QStringLiteral("--port"),
            QStringLiteral("0"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--delay"), QStringLiteral("7"), QStringLiteral("--quiet") }));
    QVERIFY(parsed);
    QCOMPARE(parsed->config.port, 0); // the option wins
    QCOMPARE(parsed->config.responseCount, 5); // the file, where no option
    QCOMPARE(parsed->config.responseDelay, 7);
    QCOMPARE(parsed->config.host, QStringLiteral("127.0.0.1"));
    QVERIFY(parsed->quiet);
}

void TestServerCli::tlsFiles()
{
    const std::optional<ServerCli::CommandLine> parsed = ServerCli::parse(command(
        { QStringLiteral("--tls"), QStringLiteral("cert.pem"), QStringLiteral("key.pem") }));
    QVERIFY(parsed);
    QCOMPARE(parsed->tlsCertificate, QStringLiteral("cert.pem"));
    QCOMPARE(parsed->tlsKey, QStringLiteral("key.pem"));
}

void TestServerCli::helpAndVersion()
{
    const std::optional<ServerCli::CommandLine> help
        = ServerCli::parse(command({ QStringLiteral("--help") }));
    QVERIFY(help);
    QCOMPARE(help->action, ServerCli::CommandLine::Action::ShowHelp);
    QVERIFY(help->helpText.contains(QStringLiteral("/ticks")));
    QCOMPARE(ServerCli::parse(command({ QStringLiteral("--version") }))->action,
        ServerCli::CommandLine::Action::ShowVersion);
}

void TestServerCli::refused_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("unknown option")
        << QStringList { QStringLiteral("--prot"), QStringLiteral("1") };
    QTest::newRow("stray argument") << QStringList { QStringLiteral("8081") };
    QTest::newRow("--tls without KEY")
        << QStringList { QStringLiteral("--tls"), QStringLiteral("c.pem") };
    QTest::newRow("--tls with a third file") << QStringList { QStringLiteral("--tls"),
        QStringLiteral("c.pem"), QStringLiteral("k.pem"), QStringLiteral("x.pem") };
    QTest::newRow("port too big") << QStringList { QStringLiteral("--port"),
        QStringLiteral("65536") };
    QTest::newRow("count 0") << QStringList { QStringLiteral("--count"), QStringLiteral("0") };
    QTest::newRow("delay negative")
        << QStringList { QStringLiteral("--delay"), QStringLiteral("-1") };
    QTest::newRow("missing settings file")
        << QStringList { QStringLiteral("--settings"), QStringLiteral("/nonexistent/s.json") };
}

void TestServerCli::refused()
{
    QFETCH(QStringList, arguments);
    QVERIFY(!ServerCli::parse(command(arguments)));
}

QTEST_GUILESS_MAIN(TestServerCli)
#include "tst_servercli.moc"
