#include "processpanel.h"

#include <QFile>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <signal.h>

// ProcessPanel against stand-in programs (shell scripts named like the real ones): arguments
// passed, output shown line by line, stop terminates, exit status reported, nothing left running.
class TestProcessPanel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void serverStartsAndStops();
    void clientRunsToCompletion();
    void destructorStopsChildren();

private:
    void writeScript(const QString &name, const QByteArray &body);
    QString output(const ProcessPanel &panel) const { return panel.output()->toPlainText(); }

    QTemporaryDir m_dir;
};

void TestProcessPanel::writeScript(const QString &name, const QByteArray &body)
{
    QFile file(m_dir.filePath(name));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\n" + body);
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

void TestProcessPanel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // exec: SIGTERM reaches the sleeping process itself.
    writeScript(ProcessPanel::serverProgram(), "echo \"listening with $*\"\nexec sleep 30\n");
    writeScript(ProcessPanel::clientProgram(),
        "echo \"\xe2\x9c\x85 Connected\"\nprintf 'no newline at the end'\nexit 3\n");
}

void TestProcessPanel::serverStartsAndStops()
{
    ProcessPanel panel(
        m_dir.path(), { QStringLiteral("--settings"), QStringLiteral("/tmp/s.json") });
    QVERIFY(!panel.isServerRunning());
    panel.startServer();
    QTRY_VERIFY(panel.isServerRunning());
    QTRY_VERIFY2(output(panel).contains(
                     QStringLiteral("[sse-test-server] listening with --settings /tmp/s.json")),
        qPrintable(output(panel)));
    panel.startServer(); // already running: ignored
    QCOMPARE(output(panel).count(QStringLiteral("$ sse-test-server")), 1);

    panel.stopServer();
    QTRY_VERIFY(!panel.isServerRunning());
    QTRY_VERIFY2(output(panel).contains(QStringLiteral("[sse-test-server] stopped")),
        qPrintable(output(panel)));
}

void TestProcessPanel::clientRunsToCompletion()
{
    ProcessPanel panel(m_dir.path(), {});
    QSignalSpy changed(&panel, &ProcessPanel::processStateChanged);
    panel.runClient();
    QTRY_VERIFY(output(panel).contains(QStringLiteral("exited with status 3")));
    QVERIFY(!panel.isClientRunning());
    QVERIFY2(output(panel).contains(QStringLiteral("[ws-test-client] \u2705 Connected")),
        qPrintable(output(panel)));
    QVERIFY(output(panel).contains(QStringLiteral("[ws-test-client] no newline at the end")));
    QVERIFY(changed.count() >= 2); // starting/running, then not running
}

void TestProcessPanel::destructorStopsChildren()
{
    qint64 pid = 0;
    {
        ProcessPanel panel(m_dir.path(), {});
        panel.startServer();
        QTRY_VERIFY(output(panel).contains(QStringLiteral("listening")));
        pid = panel.serverProcessId();
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid_t(pid), 0), 0);
    }
    // The destructor terminated the child and reaped it: the pid no longer exists.
    QCOMPARE(::kill(pid_t(pid), 0), -1);
    QCOMPARE(errno, ESRCH);
}

QTEST_MAIN(TestProcessPanel)
#include "tst_processpanel.moc"
