#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QRegularExpressionMatch>
#include <QString>
#include <QStringList>

// One of the project's programs (or another, such as chromium) as a child process of a test:
// started, waited for until it prints where it listens, its output collected as it comes, and
// stopped with a bounded wait. Every wait spins this process's event loop (never a sleep, never
// a blocking read), so servers inside the test keep serving meanwhile; every wait ends by the
// deadline and says what the program printed when it fails.
class TestProcess : public QObject
{
    Q_OBJECT

public:
    enum class Channel { StandardOutput, StandardError };

    // The programs' build directory, from WSSP_BIN_DIR (ctest sets it); empty when unset.
    static QString binDir();
    // `name` in binDir(), absolute: QProcess resolves a relative program against the child's
    // working directory.
    static QString program(const QString &name);

    explicit TestProcess(QObject *parent = nullptr);
    ~TestProcess() override; // kills a program still running

    // A directory without a stray ./settings.json is what the tests give their programs.
    void setWorkingDirectory(const QString &dir) { m_process.setWorkingDirectory(dir); }
    void setProcessEnvironment(const QProcessEnvironment &environment)
    {
        m_process.setProcessEnvironment(environment);
    }
    // Starts `program` (a path) with `arguments`; the output of an earlier run is dropped.
    void start(const QString &program, const QStringList &arguments);

    // Waits until the output on `channel` matches `pattern` (for a multi-line pattern, across
    // lines), the program exits, or `timeoutMs` pass. The match, or an invalid one with a
    // warning that quotes the output.
    QRegularExpressionMatch waitForOutput(const QRegularExpression &pattern, int timeoutMs,
        Channel channel = Channel::StandardOutput);
    // The port in group `group` of waitForOutput()'s match; 0 when there was none.
    quint16 waitForPort(const QRegularExpression &listening, int timeoutMs, int group = 1);
    // True when the program has exited within `timeoutMs` (at once when it already had).
    bool waitForFinished(int timeoutMs);
    // SIGTERM, then waitForFinished(timeoutMs).
    bool terminate(int timeoutMs);
    // Sends `signalNumber` (kill(2)); false when it could not be delivered.
    bool sendSignal(int signalNumber);
    // SIGKILL and a bounded wait: for cleanup, when the test no longer cares how it ends.
    void kill();

    // Everything the program has written on each channel since start().
    QByteArray standardOutput();
    QByteArray standardError();

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    qint64 processId() const { return m_process.processId(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    int exitCode() const { return m_process.exitCode(); }
    // Exited by itself (not by a signal) with status 0.
    bool exitedCleanly() const
    {
        return !isRunning() && exitStatus() == QProcess::NormalExit && exitCode() == 0;
    }
    // Why the program could not be started (or crashed), from QProcess.
    QString errorString() const { return m_process.errorString(); }
    // "stdout: ... stderr: ..." for a failure message.
    QByteArray describeOutput();

signals:
    void finished();

private:
    void collect();

    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
};
