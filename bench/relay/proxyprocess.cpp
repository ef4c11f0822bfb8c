#include "proxyprocess.h"

#include <unistd.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace relaybench {

namespace {

    QString g_proxyProgram; // empty: <this program's directory>/ws-sse-proxy

} // namespace

int g_proxyWorkers = -1;

void setProxyWorkers(int workers)
{
    g_proxyWorkers = workers;
}

void setProxyProgram(const QString &path)
{
    g_proxyProgram = path;
}

bool ProxyProcess::start(const QString &dispatcher, const QString &upstreamClient, int workers)
{
    if (workers < 0)
        workers = g_proxyWorkers;
    const bool noGlib = dispatcher == u"own";
    QStringList arguments { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
        QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--quiet") };
    {
        // The bench's upstreams live on loopback (denied by default) and its thousands of
        // clients all come from 127.0.0.1 (past proxy.maxSessionsPerAddress's default); the
        // monitor stage finds /monitor on the proxy's own (loopback) listener.
        QJsonObject proxy { { QStringLiteral("maxSessionsPerAddress"), 1000000 },
            { QStringLiteral("maxSessions"), 1000000 } };
        QJsonObject upstream { { QStringLiteral("allow"),
            QJsonArray { QStringLiteral("127.0.0.1") } } };
        if (!upstreamClient.isEmpty())
            proxy.insert(QStringLiteral("upstreamClient"), upstreamClient);
        proxy.insert(QStringLiteral("eventDispatcher"),
            dispatcher == u"epoll" ? QStringLiteral("epoll") : QStringLiteral("qt"));
        if (workers >= 0)
            proxy.insert(QStringLiteral("workers"), workers);
        if (upstreamClient == u"qt")
            upstream.insert(QStringLiteral("policy"), QStringLiteral("off"));
        proxy.insert(QStringLiteral("upstream"), upstream);
        const QString path = m_dir.filePath(QStringLiteral("settings.json"));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return false;
        file.write(QJsonDocument(QJsonObject { { QStringLiteral("proxy"), proxy },
                                     { QStringLiteral("admin"),
                                         QJsonObject { { QStringLiteral("host"), QString() } } } })
                       .toJson());
        file.close();
        arguments << QStringLiteral("--settings") << path;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (noGlib)
        env.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    else
        env.remove(QStringLiteral("QT_NO_GLIB"));
    m_process.setProcessEnvironment(env);
    m_process.setWorkingDirectory(m_dir.path()); // settings: defaults + options (+ the client)
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(g_proxyProgram.isEmpty()
            ? QCoreApplication::applicationDirPath() + QStringLiteral("/ws-sse-proxy")
            : g_proxyProgram,
        arguments);
    if (!m_process.waitForStarted(5000))
        return false;
    static const QRegularExpression listening(QStringLiteral("listening on (ws://\\S+)"));
    QByteArray out;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 10000 && m_process.waitForReadyRead(1000)) {
        out += m_process.readAllStandardOutput();
        const QRegularExpressionMatch match = listening.match(QString::fromUtf8(out));
        if (match.hasMatch()) {
            m_url = QUrl(match.captured(1));
            return true;
        }
    }
    return false;
}

qint64 ProxyProcess::threads() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(m_process.processId()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toLongLong();
    }
    return -1;
}

qint64 ProxyProcess::contextSwitches() const
{
    const QDir tasks(QStringLiteral("/proc/%1/task").arg(m_process.processId()));
    if (!tasks.exists())
        return -1;
    qint64 sum = 0;
    for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile status(tasks.filePath(task + QStringLiteral("/status")));
        if (!status.open(QIODevice::ReadOnly))
            continue; // exited meanwhile
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:"))
                sum += line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
        }
    }
    return sum;
}

QList<qint64> ProxyProcess::workerCpuMicros() const
{
    QList<qint64> micros;
    const QDir tasks(QStringLiteral("/proc/%1/task").arg(m_process.processId()));
    for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(tasks.filePath(task + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const qsizetype open = text.indexOf('('), close = text.lastIndexOf(')');
        const QByteArray name = text.mid(open + 1, close - open - 1);
        if (!name.startsWith("worker "))
            continue; // QThread names the thread after its objectName (ProxyServer)
        const int index = name.mid(7).toInt();
        const QList<QByteArray> fields = text.mid(close + 2).split(' ');
        if (fields.size() < 13)
            continue;
        if (micros.size() <= index)
            micros.resize(index + 1);
        micros[index] = (fields.at(11).toLongLong() + fields.at(12).toLongLong()) * 1'000'000
            / sysconf(_SC_CLK_TCK);
    }
    return micros;
}

void ProxyProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
}

QUrl ProxyProcess::monitorUrl() const
{
    QUrl url = m_url;
    url.setPath(QStringLiteral("/monitor"));
    url.setQuery(QString());
    return url;
}

QByteArray requestFor(quint16 upstreamPort, const QString &path)
{
    return QJsonDocument(
        QJsonObject { { QStringLiteral("address"), QStringLiteral("127.0.0.1") },
            { QStringLiteral("port"), upstreamPort }, { QStringLiteral("path"), path } })
        .toJson(QJsonDocument::Compact);
}

} // namespace relaybench
