#include "proxyprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace relaybench {

namespace {

QString g_proxyProgram; // empty: <this program's directory>/ws-sse-proxy

} // namespace

void setProxyProgram(const QString &path)
{
    g_proxyProgram = path;
}

bool ProxyProcess::start(bool noGlib)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (noGlib)
        env.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    else
        env.remove(QStringLiteral("QT_NO_GLIB"));
    m_process.setProcessEnvironment(env);
    m_process.setWorkingDirectory(m_dir.path()); // no settings.json: defaults + options
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(g_proxyProgram.isEmpty()
                            ? QCoreApplication::applicationDirPath() + QStringLiteral("/ws-sse-proxy")
                            : g_proxyProgram,
                    { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                      QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--quiet") });
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
    return QJsonDocument(QJsonObject { { QStringLiteral("address"), QStringLiteral("127.0.0.1") },
                                       { QStringLiteral("port"), upstreamPort },
                                       { QStringLiteral("path"), path } })
            .toJson(QJsonDocument::Compact);
}

} // namespace relaybench
