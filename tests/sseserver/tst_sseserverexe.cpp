// The real sse-test-server executable (from WSSP_BIN_DIR): startup line with the chosen port,
// an echo fetched over loopback, the log, --quiet, CLI overrides, exit statuses for bad
// settings, bad options and a port in use, and a clean exit on SIGINT and SIGTERM.
#include "rawhttpclient.h"
#include "testprocess.h"

#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

class TestSseServerExe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void helpListsEndpoints();
    void versionPrintsNameAndVersion();
    void echoAndLog();
    void quietSilencesLog();
    void optionsOverrideSettings();
    void exitsCleanlyOnSignal_data();
    void exitsCleanlyOnSignal();
    void portInUse();
    void badStart_data();
    void badStart();

private:
    QString writeSettings(const QByteArray &json);
    // Starts the server on 127.0.0.1 with a free port; returns the port read from its stdout.
    quint16 start(TestProcess &process, const QStringList &arguments);

    QString m_program;
    QTemporaryDir m_dir;
    int m_files = 0;
};

void TestSseServerExe::initTestCase()
{
    QVERIFY2(!TestProcess::binDir().isEmpty(), "WSSP_BIN_DIR is not set (run through ctest)");
    m_program = TestProcess::program(QStringLiteral("sse-test-server"));
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
    QVERIFY(m_dir.isValid());
}

QString TestSseServerExe::writeSettings(const QByteArray &json)
{
    const QString path = m_dir.filePath(QStringLiteral("settings-%1.json").arg(++m_files));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

quint16 TestSseServerExe::start(TestProcess &process, const QStringList &arguments)
{
    process.setWorkingDirectory(m_dir.path()); // no stray ./settings.json
    process.start(m_program,
        QStringList { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--port"), QStringLiteral("0") }
            + arguments);
    return process.waitForPort(QRegularExpression(QStringLiteral(
                                   "Test SSE Server listening on http://127\\.0\\.0\\.1:(\\d+) ")),
        10000);
}

void TestSseServerExe::helpListsEndpoints()
{
    TestProcess process;
    process.start(m_program, { QStringLiteral("--help") });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QByteArray help = process.standardOutput();
    for (const char *text : { "/events", "/ticks?interval=ms&count=N&size=bytes", "[&breakAfter=N]",
             "/idle?interval=ms", "/status?code=NNN", "/broken?after=N",
             "/endings?style=lf|crlf|cr", "/headers", "/plain", "--settings", "--host", "--port",
             "--count", "--delay", "--quiet" })
        QVERIFY2(help.contains(text), text);
}

void TestSseServerExe::versionPrintsNameAndVersion()
{
    TestProcess process;
    process.start(m_program, { QStringLiteral("--version") });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(process.standardOutput(), QByteArray("sse-test-server " WSSP_VERSION "\n"));
}

void TestSseServerExe::echoAndLog()
{
    TestProcess process;
    const quint16 port = start(process,
        { QStringLiteral("--settings"), writeSettings(R"({"testServer": {"responseCount": 2,
                                                             "responseDelay": 10}})") });
    QVERIFY(port != 0);
    RawHttpClient client;
    client.send(port, RawHttpClient::request("POST", "/events", "{\"message\":\"Hello exe\"}"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.status(), 200);
    QCOMPARE(client.header("X-Server-Name"), QByteArray("Test SSE Server"));
    QCOMPARE(client.eventCount(), 2);
    QVERIFY(client.body().startsWith("event: message\nid: echo-"));
    QVERIFY(client.body().contains("event: final-message\nid: echo-"));
    QVERIFY(client.body().contains("\"response\":\"Echo 2/2: Hello exe\""));

    QTRY_VERIFY(process.standardError().contains("📤 [2/2] final-message echo-"));
    const QByteArray log = process.standardError();
    QVERIFY2(log.contains("📨 POST /events from 127.0.0.1: Hello exe\n"), log.constData());
    QVERIFY2(log.contains("📤 [1/2] message echo-"), log.constData());
    QVERIFY(process.terminate(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
}

void TestSseServerExe::quietSilencesLog()
{
    TestProcess process;
    const quint16 port = start(
        process, { QStringLiteral("--quiet"), QStringLiteral("--delay"), QStringLiteral("0") });
    QVERIFY(port != 0);
    RawHttpClient client;
    client.send(port, RawHttpClient::request("GET", "/events?message=shh"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.eventCount(), 3); // the built-in default responseCount
    QVERIFY(process.terminate(10000));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray log = process.standardError();
    QVERIFY2(!log.contains("📨"), log.constData());
    QVERIFY2(!log.contains("📤"), log.constData());
}

void TestSseServerExe::optionsOverrideSettings()
{
    TestProcess process;
    const quint16 port = start(process,
        { QStringLiteral("--settings"), writeSettings(R"({"testServer": {"responseCount": 5}})"),
            QStringLiteral("--count"), QStringLiteral("1"), QStringLiteral("--delay"),
            QStringLiteral("0") });
    QVERIFY(port != 0);
    RawHttpClient client;
    client.send(port, RawHttpClient::request("PUT", "/events", "{\"message\":\"one\"}"));
    QTRY_VERIFY(client.isFinished());
    QCOMPARE(client.eventCount(), 1);
    QVERIFY(client.body().startsWith("event: final-message\nid: echo-"));
    QVERIFY(client.body().contains("\nretry: 5000\n"));
    QVERIFY(process.terminate(10000));
}

void TestSseServerExe::exitsCleanlyOnSignal_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGINT") << int(SIGINT);
    QTest::newRow("SIGTERM") << int(SIGTERM);
}

// A signal with a stream in progress: the server drops it and exits 0.
void TestSseServerExe::exitsCleanlyOnSignal()
{
    QFETCH(int, signalNumber);
    TestProcess process;
    const quint16 port = start(process, {});
    QVERIFY(port != 0);
    RawHttpClient client;
    client.send(port, RawHttpClient::request("GET", "/idle?interval=50"));
    QTRY_COMPARE(client.status(), 200);
    QVERIFY(process.sendSignal(signalNumber));
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QTRY_VERIFY(client.isFinished());
}

void TestSseServerExe::portInUse()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    TestProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.start(m_program,
        { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
            QString::number(holder.serverPort()) });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 2);
    QCOMPARE(process.standardError(),
        QStringLiteral("sse-test-server: error: port %1 on 127.0.0.1 is already in use\n")
            .arg(holder.serverPort())
            .toUtf8());
    QCOMPARE(process.standardOutput(), QByteArray());
}

void TestSseServerExe::badStart_data()
{
    QTest::addColumn<QByteArray>("settings"); // empty: no --settings
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("error");
    QTest::newRow("not JSON") << QByteArray("{nope") << QStringList()
                              << QByteArray("not valid JSON");
    QTest::newRow("wrong type") << QByteArray(R"({"testServer": {"responseDelay": "fast"}})")
                                << QStringList() << QByteArray("testServer.responseDelay");
    QTest::newRow("port range") << QByteArray()
                                << QStringList { QStringLiteral("--port"), QStringLiteral("70000") }
                                << QByteArray("--port");
    QTest::newRow("count zero") << QByteArray()
                                << QStringList { QStringLiteral("--count"), QStringLiteral("0") }
                                << QByteArray("--count");
    QTest::newRow("unknown option")
        << QByteArray() << QStringList { QStringLiteral("--bogus") } << QByteArray("bogus");
    QTest::newRow("stray argument") << QByteArray() << QStringList { QStringLiteral("extra") }
                                    << QByteArray("unexpected argument \"extra\"");
}

void TestSseServerExe::badStart()
{
    QFETCH(QByteArray, settings);
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, error);
    if (!settings.isEmpty())
        arguments += { QStringLiteral("--settings"), writeSettings(settings) };
    TestProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.start(m_program, arguments);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    const QByteArray stderrText = process.standardError();
    QVERIFY2(stderrText.contains("error: "), stderrText.constData());
    QVERIFY2(stderrText.contains(error), stderrText.constData());
    QCOMPARE(process.standardOutput(), QByteArray()); // never claimed to listen
}

QTEST_GUILESS_MAIN(TestSseServerExe)
#include "tst_sseserverexe.moc"
