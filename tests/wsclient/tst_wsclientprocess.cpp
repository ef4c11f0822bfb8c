// The real ws-test-client executable (from WSSP_BIN_DIR) against FakeProxy: stdout, stderr,
// exit status and a real SIGINT.
#include "fakeproxy.h"
#include "testprocess.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {

constexpr int finishMs = 20000; // one process start plus a short run

} // namespace

class TstWsClientProcess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void echoTest();
    void jsonOutput();
    void proxyError();
    void badOption_data();
    void badOption();
    void sigintCancels();

private:
    // Starts the client; the test then waits for its end while FakeProxy keeps serving.
    void start(TestProcess *process, const QStringList &arguments);

    QString m_program;
    QTemporaryDir m_dir;
    QString m_settingsPath;
};

void TstWsClientProcess::initTestCase()
{
    QVERIFY2(!TestProcess::binDir().isEmpty(), "WSSP_BIN_DIR is not set (run through ctest)");
    m_program = TestProcess::program(QStringLiteral("ws-test-client"));
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
    QVERIFY(m_dir.isValid());
    m_settingsPath = m_dir.filePath(QStringLiteral("settings.json"));
    QFile file(m_settingsPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"testClient": {"message": "Hello Server!", "sendDelay": 0, "timeout": 10000}})");
}

void TstWsClientProcess::start(TestProcess *process, const QStringList &arguments)
{
    process->setWorkingDirectory(m_dir.path());
    process->start(
        m_program, QStringList { QStringLiteral("--settings"), m_settingsPath } + arguments);
}

void TstWsClientProcess::echoTest()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replyFor = FakeProxy::echoReplies(3);
    proxy.setScript(script);

    TestProcess process;
    start(&process,
        { QStringLiteral("--url"), proxy.url().toString(), QStringLiteral("--count"),
            QStringLiteral("2") });
    QVERIFY(process.waitForFinished(finishMs));

    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(process.standardError()), QString());
    QCOMPARE(QString::fromUtf8(process.standardOutput()),
        echoTranscript(2, QStringLiteral("Hello Server!")));
    QCOMPARE(proxy.received.size(), 2);
    QTRY_COMPARE(proxy.disconnections, 1);
}

void TstWsClientProcess::jsonOutput()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    const QStringList replies { FakeProxy::connected(),
        FakeProxy::sseEvent(
            QStringLiteral("1"), QStringLiteral("message"), QStringLiteral("x\ny")) };
    FakeProxy::Script script;
    script.replies = replies;
    proxy.setScript(script);

    TestProcess process;
    start(&process,
        { QStringLiteral("--url"), proxy.url().toString(), QStringLiteral("--target"),
            QStringLiteral("http://127.0.0.1:1/s"), QStringLiteral("--json") });
    QVERIFY(process.waitForFinished(finishMs));

    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(process.standardOutput()),
        (replies + QStringList { FakeProxy::closed() }).join(u'\n') + u'\n');
    QCOMPARE(QString::fromUtf8(process.standardError()), QString());
}

void TstWsClientProcess::proxyError()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replies = { FakeProxy::error(QStringLiteral("address: must not be empty")) };
    script.closedReason = QStringLiteral("request rejected");
    proxy.setScript(script);

    TestProcess process;
    start(&process,
        { QStringLiteral("--url"), proxy.url().toString(), QStringLiteral("--count"),
            QStringLiteral("3") });
    QVERIFY(process.waitForFinished(finishMs));

    QCOMPARE(process.exitCode(), 1);
    QCOMPARE(QString::fromUtf8(process.standardError()),
        QStringLiteral("❌ Error: address: must not be empty\n"
                       "stopped after request #1 of 3 because of the error above\n"));
    QCOMPARE(proxy.received.size(), 1);
}

void TstWsClientProcess::badOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("named");

    QTest::newRow("bad count") << QStringList { QStringLiteral("--count"), QStringLiteral("many") }
                               << QStringLiteral("--count");
    QTest::newRow("unknown option")
        << QStringList { QStringLiteral("--nope") } << QStringLiteral("nope");
    QTest::newRow("bad target") << QStringList { QStringLiteral("--target"),
        QStringLiteral("ws://h/") }
                                << QStringLiteral("--target");
}

void TstWsClientProcess::badOption()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, named);

    TestProcess process;
    start(&process, arguments);
    QVERIFY(process.waitForFinished(finishMs));

    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    const QString err = QString::fromUtf8(process.standardError());
    QVERIFY2(err.startsWith(QStringLiteral("ws-test-client: error: ")), qPrintable(err));
    QVERIFY2(err.contains(named), qPrintable(err));
    QCOMPARE(process.standardOutput(), QByteArray());
}

void TstWsClientProcess::sigintCancels()
{
    FakeProxy proxy;
    QVERIFY(proxy.listen());
    FakeProxy::Script script;
    script.replies = { FakeProxy::connected() };
    script.sendClosed = false; // a stream that never ends on its own
    proxy.setScript(script);

    TestProcess process;
    start(&process,
        { QStringLiteral("--url"), proxy.url().toString(), QStringLiteral("--target"),
            QStringLiteral("http://127.0.0.1:1/forever") });
    QTRY_COMPARE_WITH_TIMEOUT(proxy.received.size(), 1, finishMs);
    QVERIFY(process.isRunning());
    QVERIFY(process.sendSignal(SIGINT));
    QVERIFY(process.waitForFinished(finishMs));

    QCOMPARE(process.exitStatus(), QProcess::NormalExit); // handled, not killed by the signal
    QCOMPARE(process.exitCode(), 130);
    QCOMPARE(proxy.received.size(), 2);
    QCOMPARE(proxy.received.at(1), QStringLiteral(R"({"type":"cancel"})"));
    QVERIFY(QString::fromUtf8(process.standardOutput())
                .endsWith(QStringLiteral("🔚 Server closed: cancelled by client\n")));
}

QTEST_GUILESS_MAIN(TstWsClientProcess)
#include "tst_wsclientprocess.moc"
