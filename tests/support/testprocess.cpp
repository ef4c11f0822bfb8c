#include "testprocess.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

namespace {

constexpr int killMs = 5000; // a SIGKILLed program is gone long before this

} // namespace

QString TestProcess::binDir()
{
    const QString dir = qEnvironmentVariable("WSSP_BIN_DIR");
    return dir.isEmpty() ? QString() : QFileInfo(dir).absoluteFilePath();
}

QString TestProcess::program(const QString &name)
{
    return QDir(binDir()).absoluteFilePath(name);
}

TestProcess::TestProcess(QObject *parent)
    : QObject(parent)
{
    // Collected as it arrives, so a chatty program never fills its pipe and blocks.
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &TestProcess::collect);
    connect(&m_process, &QProcess::readyReadStandardError, this, &TestProcess::collect);
    connect(&m_process, &QProcess::finished, this, [this]() {
        collect();
        emit finished();
    });
}

TestProcess::~TestProcess()
{
    kill();
}

void TestProcess::start(const QString &program, const QStringList &arguments)
{
    m_stdout.clear();
    m_stderr.clear();
    m_process.start(program, arguments);
}

void TestProcess::collect()
{
    m_stdout += m_process.readAllStandardOutput();
    m_stderr += m_process.readAllStandardError();
}

QRegularExpressionMatch TestProcess::waitForOutput(
    const QRegularExpression &pattern, int timeoutMs, Channel channel)
{
    const QByteArray &output = channel == Channel::StandardOutput ? m_stdout : m_stderr;
    QRegularExpressionMatch match;
    // A program that fails to start goes back to NotRunning, so that ends the wait too.
    const bool ended = QTest::qWaitFor(
        [&]() {
            collect();
            match = pattern.match(QString::fromUtf8(output));
            return match.hasMatch() || !isRunning();
        },
        timeoutMs);
    if (!match.hasMatch()) {
        qWarning("%s: no line matching /%s/ (%s); %s", qPrintable(m_process.program()),
            qPrintable(pattern.pattern()), ended ? "it exited" : "timeout",
            describeOutput().constData());
    }
    return match;
}

quint16 TestProcess::waitForPort(const QRegularExpression &listening, int timeoutMs, int group)
{
    const QRegularExpressionMatch match = waitForOutput(listening, timeoutMs);
    return match.hasMatch() ? quint16(match.captured(group).toUInt()) : 0;
}

bool TestProcess::waitForFinished(int timeoutMs)
{
    const bool done = QTest::qWaitFor([this]() { return !isRunning(); }, timeoutMs);
    collect();
    return done;
}

bool TestProcess::terminate(int timeoutMs)
{
    m_process.terminate();
    return waitForFinished(timeoutMs);
}

bool TestProcess::sendSignal(int signalNumber)
{
    return isRunning() && ::kill(pid_t(m_process.processId()), signalNumber) == 0;
}

void TestProcess::kill()
{
    if (!isRunning())
        return;
    m_process.kill();
    // Blocking is fine here: the program is being killed and nobody waits on this process.
    m_process.waitForFinished(killMs);
    collect();
}

QByteArray TestProcess::standardOutput()
{
    collect();
    return m_stdout;
}

QByteArray TestProcess::standardError()
{
    collect();
    return m_stderr;
}

QByteArray TestProcess::describeOutput()
{
    collect();
    return "stdout: " + m_stdout + " stderr: " + m_stderr;
}
