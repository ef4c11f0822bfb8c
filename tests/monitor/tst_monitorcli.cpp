#include "monitorcli.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

// ws-sse-monitor's command line: where the feed URL and token come from, and bad input refused
// with a message naming the option.
class TestMonitorCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parse_data();
    void parse();

private:
    QTemporaryDir m_dir;
};

void TestMonitorCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QFile file(m_dir.filePath(QStringLiteral("settings.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        R"({"proxy": {"port": 4000}, "admin": {"host": "::1", "port": 4001}, "monitor": {"token": "from-file"}})");
    file.close();
    QFile bad(m_dir.filePath(QStringLiteral("bad.json")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"proxy": {"port": "x"}})");
}

void TestMonitorCli::parse_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("message");

    const QString settings = m_dir.filePath(QStringLiteral("settings.json"));
    const int run = int(ProgramCli::Outcome::Action::Run);
    const int bad = int(ProgramCli::Outcome::Action::BadUsage);

    QTest::newRow("url and token")
        << QStringList { QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:5000/monitor"),
               QStringLiteral("--token"), QStringLiteral("t") }
        << run << QStringLiteral("ws://127.0.0.1:5000/monitor") << QStringLiteral("t") << QString();
    QTest::newRow("from settings")
        << QStringList { QStringLiteral("--settings"), settings } << run
        << QStringLiteral("ws://[::1]:4001/monitor") << QStringLiteral("from-file") << QString();
    QTest::newRow("url beats settings")
        << QStringList { QStringLiteral("--settings"), settings, QStringLiteral("--url"),
               QStringLiteral("wss://h/monitor") }
        << run << QStringLiteral("wss://h/monitor") << QStringLiteral("from-file") << QString();
    QTest::newRow("http url") << QStringList { QStringLiteral("--url"),
        QStringLiteral("http://h/monitor") }
                              << bad << QString() << QString()
                              << QStringLiteral("--url: not a ws:// or wss:// URL");
    QTest::newRow("no host") << QStringList { QStringLiteral("--url"),
        QStringLiteral("ws:///monitor") }
                             << bad << QString() << QString()
                             << QStringLiteral("--url: not a ws:// or wss:// URL");
    QTest::newRow("help, whatever else is on the line")
        << QStringList { QStringLiteral("extra"), QStringLiteral("--help") }
        << int(ProgramCli::Outcome::Action::ShowHelp) << QString() << QString()
        << QStringLiteral("Usage: ");
    QTest::newRow("version") << QStringList { QStringLiteral("--version") }
                             << int(ProgramCli::Outcome::Action::ShowVersion) << QString()
                             << QString() << QCoreApplication::applicationName() + u' ';
    QTest::newRow("unknown option") << QStringList { QStringLiteral("--bogus") } << bad << QString()
                                    << QString() << QStringLiteral("Unknown option 'bogus'");
    QTest::newRow("positional") << QStringList { QStringLiteral("extra") } << bad << QString()
                                << QString()
                                << QStringLiteral("unexpected argument \"extra\" (see --help)");
    QTest::newRow("missing settings file")
        << QStringList { QStringLiteral("--settings"), m_dir.filePath(QStringLiteral("none.json")) }
        << bad << QString() << QString() << QString();
    QTest::newRow("bad settings") << QStringList { QStringLiteral("--settings"),
        m_dir.filePath(QStringLiteral("bad.json")) }
                                  << bad << QString() << QString() << QString();
}

void TestMonitorCli::parse()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, outcome);
    QFETCH(QString, url);
    QFETCH(QString, token);
    QFETCH(QString, message);

    const MonitorCli::CommandLine parsed
        = MonitorCli::parse(QStringList { QStringLiteral("ws-sse-monitor") } + arguments);
    QVERIFY2(parsed.outcome.text.startsWith(message), qPrintable(parsed.outcome.text));
    QCOMPARE(int(parsed.outcome.action), outcome);
    if (parsed.outcome.isRun()) {
        QCOMPARE(parsed.url.toString(), url);
        QCOMPARE(parsed.token, token);
        const bool settingsGiven = arguments.contains(QStringLiteral("--settings"));
        QCOMPARE(parsed.childArguments.size(), settingsGiven ? 2 : 0);
    } else {
        QVERIFY(parsed.url.isEmpty());
    }
}

QTEST_GUILESS_MAIN(TestMonitorCli)
#include "tst_monitorcli.moc"
