#include "scaleclient.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {

constexpr int reconnectDelayMs = 200;
constexpr int maxReconnects = 20;

} // namespace

ScaleClient::Figures &ScaleClient::Figures::operator+=(const Figures &other)
{
    events += other.events;
    reconnects += other.reconnects;
    shutdownReconnects += other.shutdownReconnects;
    errors += other.errors;
    outOfOrder += other.outOfOrder;
    return *this;
}

ScaleClient::ScaleClient(const QUrl &url, const Stream &stream)
    : m_url(url)
    , m_stream(stream)
{
    m_backoff.setSingleShot(true);
    m_backoff.setInterval(reconnectDelayMs);
    connect(&m_backoff, &QTimer::timeout, this, &ScaleClient::start);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &ScaleClient::onMessage);
    connect(&m_socket, &QWebSocket::disconnected, this, &ScaleClient::reconnectSoon);
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        QJsonObject request { { QStringLiteral("address"), QStringLiteral("127.0.0.1") },
            { QStringLiteral("port"), m_stream.upstreamPort },
            { QStringLiteral("path"),
                QStringLiteral("/ticks?interval=%1&count=%2")
                    .arg(m_stream.intervalMs)
                    .arg(m_stream.events) } };
        if (m_lastTick > 0) {
            request.insert(QStringLiteral("headers"),
                QJsonObject { { QStringLiteral("Last-Event-ID"),
                    QStringLiteral("tick-%1").arg(m_lastTick) } });
        }
        m_socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(request).toJson(QJsonDocument::Compact)));
    });
}

void ScaleClient::start()
{
    m_socket.open(m_url);
}

void ScaleClient::onMessage(const QString &text)
{
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = message.value(QStringLiteral("type")).toString();
    const QJsonObject payload = message.value(QStringLiteral("payload")).toObject();
    if (type == u"sse-event") {
        onSseEvent(payload.value(QStringLiteral("id")).toString());
    } else if (type == u"error") {
        ++m_figures.errors;
        qWarning("scale-clients: error: %s",
            qPrintable(payload.value(QStringLiteral("message")).toString()));
    } else if (type == u"closed") {
        if (m_lastTick == m_stream.events) {
            m_done = true;
            m_socket.close();
            emit complete();
            return;
        }
        if (payload.value(QStringLiteral("reason")).toString() == u"proxy shutting down")
            ++m_figures.shutdownReconnects;
        m_socket.close(); // reconnects on disconnected
    }
}

void ScaleClient::onSseEvent(const QString &id)
{
    const qint64 tick = id.startsWith(u"tick-") ? id.mid(5).toLongLong() : 0;
    if (tick != m_lastTick + 1) {
        ++m_figures.outOfOrder;
        qWarning("scale-clients: tick %lld after tick %lld", static_cast<long long>(tick),
            static_cast<long long>(m_lastTick));
    }
    m_lastTick = qMax(m_lastTick, tick);
    if (++m_figures.events == 1)
        emit firstEvent();
}

void ScaleClient::reconnectSoon()
{
    if (m_done || m_backoff.isActive())
        return;
    if (++m_figures.reconnects > maxReconnects) {
        qWarning("scale-clients: giving up after %d reconnects", maxReconnects);
        return;
    }
    m_backoff.start();
}
