// sse-test-server's command line read into a value with no process and no server: the
// settings file, the options over it, --tls CERT KEY, help and version, and what is refused
// with which message (status 2).

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
    void settingsFileErrorsArePrintedBySettingsCli_data();
    void settingsFileErrorsArePrintedBySettingsCli();

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
    const ServerCli::CommandLine parsed = ServerCli::parse(command({}));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::Run);
    QCOMPARE(parsed.config.port, TestServerSettings().port);
    QCOMPARE(parsed.config.responseCount, TestServerSettings().responseCount);
    QVERIFY(!parsed.quiet);
    QVERIFY(parsed.tlsCertificate.isEmpty() && parsed.tlsKey.isEmpty());
}

void TestServerCli::optionsOverTheFile()
{
    const QString file = m_files.write(R"({"testServer": {"port": 9000, "responseCount": 5,
                                                          "responseDelay": 20}})");
    QVERIFY(!file.isEmpty());
    const ServerCli::CommandLine parsed
        = ServerCli::parse(command({ QStringLiteral("--settings"), file, QStringLiteral("--port"),
            QStringLiteral("0"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--delay"), QStringLiteral("7"), QStringLiteral("--quiet") }));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::Run);
    QCOMPARE(parsed.config.port, 0); // the option wins
    QCOMPARE(parsed.config.responseCount, 5); // the file, where no option
    QCOMPARE(parsed.config.responseDelay, 7);
    QCOMPARE(parsed.config.host, QStringLiteral("127.0.0.1"));
    QVERIFY(parsed.quiet);
}

void TestServerCli::tlsFiles()
{
    const ServerCli::CommandLine parsed = ServerCli::parse(command(
        { QStringLiteral("--tls"), QStringLiteral("cert.pem"), QStringLiteral("key.pem") }));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::Run);
    QCOMPARE(parsed.tlsCertificate, QStringLiteral("cert.pem"));
    QCOMPARE(parsed.tlsKey, QStringLiteral("key.pem"));
}

void TestServerCli::helpAndVersion()
{
    const ServerCli::CommandLine help = ServerCli::parse(command({ QStringLiteral("--help") }));
    QCOMPARE(help.outcome.action, ProgramCli::Outcome::Action::ShowHelp);
    for (const char *text : { "/ticks", "--help", "--version", "--settings", "--tls" })
        QVERIFY2(help.outcome.text.contains(QLatin1StringView(text)), text);
    const ServerCli::CommandLine version
        = ServerCli::parse(command({ QStringLiteral("--version") }));
    QCOMPARE(version.outcome.action, ProgramCli::Outcome::Action::ShowVersion);
    QCOMPARE(version.outcome.text,
        QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion()
            + u'\n');
    // Asked for, help wins over a stray argument or a bad value.
    QCOMPARE(ServerCli::parse(command({ QStringLiteral("extra"), QStringLiteral("--count"),
                                  QStringLiteral("0"), QStringLiteral("-h") }))
                 .outcome.action,
        ProgramCli::Outcome::Action::ShowHelp);
}

void TestServerCli::refused_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message"); // what main() prints after "sse-test-server: error: "
    QTest::newRow("unknown option") << QStringList { QStringLiteral("--prot"), QStringLiteral("1") }
                                    << QStringLiteral("Unknown option 'prot'. (see --help)");
    QTest::newRow("option without its value")
        << QStringList { QStringLiteral("--count") }
        << QStringLiteral("Missing value after '--count'. (see --help)");
    QTest::newRow("stray argument") << QStringList { QStringLiteral("8081") }
                                    << QStringLiteral("unexpected argument \"8081\" (see --help)");
    QTest::newRow("--tls without KEY")
        << QStringList { QStringLiteral("--tls"), QStringLiteral("c.pem") }
        << QStringLiteral("--tls needs two files: --tls CERT KEY (see --help)");
    QTest::newRow("--tls with a third file") << QStringList { QStringLiteral("--tls"),
        QStringLiteral("c.pem"), QStringLiteral("k.pem"),
        QStringLiteral("x.pem") } << QStringLiteral("unexpected argument \"x.pem\" (see --help)");
    QTest::newRow("port too big") << QStringList {
        QStringLiteral("--port"), QStringLiteral("65536")
    } << QStringLiteral("--port: must be an integer from 0 to 65535, got \"65536\"");
    QTest::newRow("count 0") << QStringList { QStringLiteral("--count"), QStringLiteral("0") }
                             << QStringLiteral("--count: must be an integer from 1 to 1000000");
    QTest::newRow("delay negative") << QStringList { QStringLiteral("--delay"),
        QStringLiteral("-1") } << QStringLiteral("--delay: must be an integer from 0 to 3600000");
}

void TestServerCli::refused()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const ServerCli::CommandLine parsed = ServerCli::parse(command(arguments));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::BadUsage);
    QVERIFY2(parsed.outcome.text.startsWith(message), qPrintable(parsed.outcome.text));
}

// A bad settings file is refused too, but SettingsCli has printed the key at fault itself (on
// stderr, with its warnings): the outcome carries no second message.
void TestServerCli::settingsFileErrorsArePrintedBySettingsCli_data()
{
    QTest::addColumn<QByteArray>("content"); // empty: no such file
    QTest::newRow("missing settings file") << QByteArray();
    QTest::newRow("not JSON") << QByteArray("{nope");
    QTest::newRow("wrong type") << QByteArray(R"({"testServer": {"responseDelay": "fast"}})");
}

void TestServerCli::settingsFileErrorsArePrintedBySettingsCli()
{
    QFETCH(QByteArray, content);
    const QString file
        = content.isEmpty() ? QStringLiteral("/nonexistent/s.json") : m_files.write(content);
    QVERIFY(!file.isEmpty());
    const ServerCli::CommandLine parsed
        = ServerCli::parse(command({ QStringLiteral("--settings"), file }));
    QCOMPARE(parsed.outcome.action, ProgramCli::Outcome::Action::BadUsage);
    QCOMPARE(parsed.outcome.text, QString());
}

QTEST_GUILESS_MAIN(TestServerCli)
#include "tst_servercli.moc"
