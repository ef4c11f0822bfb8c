#include "fakeproxy.h"

#include "proxymessages.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <QWebSocketServer>

namespace {

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

FakeProxy::FakeProxy(QObject *parent)
    : QObject(parent)
    , m_server(
          new QWebSocketServer(QStringLiteral("fake-proxy"), QWebSocketServer::NonSecureMode, this))
{
    m_clock.start();
    m_closedTimer.setSingleShot(true);
    m_closedTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_closedTimer, &QTimer::timeout, this, &FakeProxy::sendScriptedClosed);
    connect(m_server, &QWebSocketServer::newConnection, this, &FakeProxy::onServerNewConnection);
}

FakeProxy::~FakeProxy()
{
    if (m_client)
        m_client->disconnect(this);
}

bool FakeProxy::listen()
{
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 FakeProxy::port() const
{
    return m_server->serverPort();
}

QUrl FakeProxy::url() const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/proxy").arg(port()));
}

void FakeProxy::send(const QString &text)
{
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    if (object.value(QStringLiteral("type")).toString() == u"closed")
        m_openIds.remove(object.value(QStringLiteral("id")).toString());
    if (m_client)
        m_client->sendTextMessage(text);
}

void FakeProxy::dropClient()
{
    if (m_client)
        m_client->abort();
}

void FakeProxy::onServerNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        ++connections;
        m_client = socket;
        connect(socket, &QWebSocket::textMessageReceived, this,
            &FakeProxy::onClientTextMessageReceived);
        connect(socket, &QWebSocket::disconnected, this, &FakeProxy::onClientDisconnected);
    }
}

void FakeProxy::onClientDisconnected()
{
    ++disconnections;
    m_closedTimer.stop();
}

void FakeProxy::onClientTextMessageReceived(const QString &text)
{
    received.append(text);
    receivedAt.append(m_clock.elapsed());
    emit messageReceived(text);
    if (!m_autoReply)
        return;
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString id = object.value(QStringLiteral("id")).toString();
    if (object.value(QStringLiteral("type")).toString() == u"cancel") {
        if (!id.isEmpty()) {
            // A stream's cancel (PROTOCOL.md §4): its `closed`, if it is still open.
            if (m_script.answerCancel && m_openIds.contains(id))
                send(ProxyMessages::closed(QString::fromUtf16(ProxyMessages::reasonCancelled), id));
            return;
        }
        if (m_script.answerCancel && m_closedTimer.isActive()) {
            m_closedTimer.stop();
            send(closed(QStringLiteral("cancelled by client")));
        } else if (m_script.answerCancel && !m_script.sendClosed) {
            send(closed(QStringLiteral("cancelled by client")));
        }
        return;
    }
    if (!id.isEmpty())
        m_openIds.insert(id);
    const QStringList replies = m_script.replyFor ? m_script.replyFor(object) : m_script.replies;
    for (const QString &reply : replies)
        send(reply);
    if (m_script.sendClosed || m_script.dropInsteadOfClosed)
        m_closedTimer.start(m_script.closedDelayMs);
}

void FakeProxy::sendScriptedClosed()
{
    if (m_script.dropInsteadOfClosed) {
        dropClient();
        return;
    }
    closedSentAt.append(m_clock.elapsed());
    send(closed(m_script.closedReason));
}

QString FakeProxy::connected(int status)
{
    const QJsonObject headers { { QStringLiteral("content-type"),
                                    QStringLiteral("text/event-stream") },
        { QStringLiteral("cache-control"), QStringLiteral("no-cache") },
        { QStringLiteral("x-server-name"), QStringLiteral("Test SSE Server") } };
    return compact({ { QStringLiteral("type"), QStringLiteral("connected") },
        { QStringLiteral("payload"),
            QJsonObject {
                { QStringLiteral("status"), status }, { QStringLiteral("headers"), headers } } } });
}

QString FakeProxy::sseEvent(
    const QString &id, const QString &event, const QString &data, const QString &retry)
{
    QJsonObject payload { { QStringLiteral("event"), event }, { QStringLiteral("data"), data } };
    if (!id.isEmpty())
        payload.insert(QStringLiteral("id"), id);
    if (!retry.isEmpty())
        payload.insert(QStringLiteral("retry"), retry);
    return compact({ { QStringLiteral("type"), QStringLiteral("sse-event") },
        { QStringLiteral("payload"), payload } });
}

QString FakeProxy::echoData(int n, int total, const QString &message)
{
    return compact({ { QStringLiteral("type"), QStringLiteral("echo") },
        { QStringLiteral("originalMessage"), message },
        { QStringLiteral("timestamp"), QStringLiteral("2024-01-01T12:00:00.000Z") },
        { QStringLiteral("response"),
            QStringLiteral("Echo %1/%2: %3").arg(n).arg(total).arg(message) },
        { QStringLiteral("sequence"), n } });
}

QString FakeProxy::echoEvent(int n, int total, const QString &message)
{
    const QString type = n == 1 ? QStringLiteral("message")
        : n == total            ? QStringLiteral("final-message")
                                : QStringLiteral("user-message");
    return sseEvent(QStringLiteral("echo-1704110400000-%1").arg(n), type,
        echoData(n, total, message), n == total ? QStringLiteral("5000") : QString());
}

QString FakeProxy::error(const QString &message)
{
    return compact({ { QStringLiteral("type"), QStringLiteral("error") },
        { QStringLiteral("payload"), QJsonObject { { QStringLiteral("message"), message } } } });
}

QString FakeProxy::closed(const QString &reason)
{
    return compact({ { QStringLiteral("type"), QStringLiteral("closed") },
        { QStringLiteral("payload"), QJsonObject { { QStringLiteral("reason"), reason } } } });
}

std::function<QStringList(const QJsonObject &)> FakeProxy::echoReplies(int total)
{
    return [total](const QJsonObject &request) {
        const QString message = request.value(QStringLiteral("body"))
                                    .toObject()
                                    .value(QStringLiteral("message"))
                                    .toString();
        QStringList replies { connected() };
        for (int n = 1; n <= total; ++n)
            replies << echoEvent(n, total, message);
        return replies;
    };
}

QString echoTranscript(int count, const QString &message)
{
    QStringList lines { QStringLiteral("✅ Connected to Proxy WebSocket"),
        QStringLiteral("📋 Sending %1 messages").arg(count) };
    for (int i = 1; i <= count; ++i) {
        const QString text = QStringLiteral("%1 #%2").arg(message).arg(i);
        lines << QStringLiteral("📤 #%1: %2").arg(i).arg(text)
              << QStringLiteral("✅ Connected to server (200)")
              << QStringLiteral("📥 SSE Event [message]:")
              << QStringLiteral("   🆔 ID: echo-1704110400000-1")
              << QStringLiteral("   📝 Data: Echo 1/3: ") + text
              << QStringLiteral("📥 SSE Event [user-message]:")
              << QStringLiteral("   🆔 ID: echo-1704110400000-2")
              << QStringLiteral("   📝 Data: Echo 2/3: ") + text
              << QStringLiteral("📥 SSE Event [final-message]:")
              << QStringLiteral("   🆔 ID: echo-1704110400000-3")
              << QStringLiteral("   🔄 Retry: 5000ms")
              << QStringLiteral("   📝 Data: Echo 3/3: ") + text
              << QStringLiteral("🔚 Server closed: Server closed connection normally.");
    }
    lines << QStringLiteral("✅ Sent %1 messages. Test complete.").arg(count);
    return lines.join(u'\n') + u'\n';
}
