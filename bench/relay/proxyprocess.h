#pragma once

#include "measure.h"

#include <QByteArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QUrl>

namespace relaybench {

// The proxy under test, as a child process. Not tests/support's TestProcess: the bench
// forwards the proxy's stderr to the reader as it runs instead of collecting it for
// assertions, starts it with a per-dispatcher environment, and reads its threads and CPU
// from /proc; a blocking wait for the startup line is right here, as nothing else runs yet.
class ProxyProcess
{
public:
    // Starts ws-sse-proxy (see setProxyProgram) on 127.0.0.1, port 0, and reads its URL.
    // `dispatcher`: "epoll" (proxy.eventDispatcher's default), "glib" (Qt's default) or "own"
    // (Qt's own, QT_NO_GLIB=1). `upstreamClient`: proxy.upstreamClient ("inline", "qt"); empty =
    // the proxy's default. `workers`: proxy.workers; -1 = what setProxyWorkers() chose.
    bool start(
        const QString &dispatcher, const QString &upstreamClient = QString(), int workers = -1);
    qint64 threads() const;
    // Voluntary + involuntary context switches of all the proxy's threads so far (a thread that
    // exited is no longer counted); -1 when unreadable.
    qint64 contextSwitches() const;
    // CPU of each worker thread ("worker N", proxy.workers > 1), by N; empty with one worker.
    QList<qint64> workerCpuMicros() const;
    void stop();
    ~ProxyProcess() { stop(); }

    QUrl url() const { return m_url; }
    // ws://127.0.0.1:<port>/monitor on the same listener (admin.monitor is on by default).
    QUrl monitorUrl() const;
    qint64 cpuMicros() const { return processCpuMicros(m_process.processId()); }
    qint64 rssKb() const { return processRssKb(m_process.processId()); }
    qint64 pid() const { return m_process.processId(); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QUrl m_url;
};

// The ws-sse-proxy executable to start; default: the one beside this program.
void setProxyProgram(const QString &path);
// proxy.workers of every proxy started without a count of its own; -1 (default): the proxy's
// default (one per core).
void setProxyWorkers(int workers);

// The proxy's JSON request for `path` on the bench's upstream.
QByteArray requestFor(quint16 upstreamPort, const QString &path);

} // namespace relaybench
