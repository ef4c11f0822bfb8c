// monitor-demo-feed: a simulated /monitor feed for trying ws-sse-monitor without a proxy
// (screenshots, manual checks). Not a test; it speaks docs/MONITOR.md with made-up sessions.
//   monitor-demo-feed [port]   (default 3101) -> ws://127.0.0.1:<port>/monitor
#include "monitormessages.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHostAddress>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>

class DemoFeed : public QObject
{
public:
    explicit DemoFeed(quint16 port)
        : m_server(QStringLiteral("demo"), QWebSocketServer::NonSecureMode)
    {
        if (!m_server.listen(QHostAddress::LocalHost, port)) {
            std::fprintf(stderr, "cannot listen on %u\n", unsigned(port));
            std::exit(1);
        }
        std::printf("ws://127.0.0.1:%u/monitor\n", unsigned(m_server.serverPort()));
        std::fflush(stdout);
        connect(&m_server, &QWebSocketServer::newConnection, this, &DemoFeed::onNewConnection);
        connect(&m_tick, &QTimer::timeout, this, &DemoFeed::onTick);
        connect(&m_second, &QTimer::timeout, this, &DemoFeed::onSecond);
        m_tick.start(100);
        m_second.start(1000);
        m_startedAt = now() - 3 * 60 * 1000;
        for (int i = 0; i < 9; ++i)
            openSession();
        // Pre-fill a few minutes of chart history on connect by replaying totals.
    }

private:
    static qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

    void broadcast(const QString &text)
    {
        for (const QPointer<QWebSocket> &s : std::as_const(m_clients))
            if (s)
                s->sendTextMessage(text);
    }

    MonitorTotals totals() const
    {
        MonitorTotals t = m_totals;
        t.time = now();
        t.sessionsOpen = 0;
        for (const MonitorSession &s : m_sessions)
            t.sessionsOpen += s.state == MonitorSession::State::Closed ? 0 : 1;
        return t;
    }

    void openSession()
    {
        auto *rng = QRandomGenerator::global();
        MonitorSession s;
        s.id = ++m_nextId;
        s.clientAddress = QStringLiteral("127.0.0.1:%1").arg(40000 + rng->bounded(20000));
        s.startedAt = now() - rng->bounded(120000);
        s.state = MonitorSession::State::Streaming;
        s.method = rng->bounded(3) == 0 ? QStringLiteral("GET") : QStringLiteral("POST");
        s.url = QStringLiteral("http://localhost:8081/events?stream=%1").arg(s.id);
        s.requestHeaders = { { QStringLiteral("accept"), QStringLiteral("text/event-stream") },
            { QStringLiteral("cache-control"), QStringLiteral("no-cache") },
            { QStringLiteral("content-type"), QStringLiteral("application/json") } };
        s.status = 200;
        s.responseHeaders
            = { { QStringLiteral("content-type"), QStringLiteral("text/event-stream") },
                  { QStringLiteral("x-server-name"), QStringLiteral("Test SSE Server") } };
        if (s.id % 7 == 3) {
            s.state = MonitorSession::State::Idle;
            s.status = 503;
            s.lastError = QStringLiteral("upstream answered 503 Service Unavailable");
        } else if (s.id % 3 == 1) {
            // Streams with ids side by side on one socket (docs/PROTOCOL.md §4).
            for (const QString &topic :
                { QStringLiteral("prices"), QStringLiteral("news"), QStringLiteral("alerts") }) {
                MonitorRequest r;
                r.id = topic;
                r.method = QStringLiteral("GET");
                r.url = QStringLiteral("http://localhost:8081/%1?api_key=[redacted]").arg(topic);
                r.state = MonitorRequest::State::Streaming;
                r.status = 200;
                s.requests.append(r);
            }
            s.method = s.requests.last().method;
            s.url = s.requests.last().url;
        } else {
            MonitorRequest r;
            r.method = s.method;
            r.url = s.url;
            r.state = MonitorRequest::State::Streaming;
            r.status = 200;
            s.requests.append(r);
        }
        m_sessions.append(s);
        ++m_totals.sessionsOpened;
        broadcast(MonitorMessages::sessionOpened(s));
    }

    void onNewConnection()
    {
        while (QWebSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            m_clients.append(socket);
            connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket](const QString &text) { onClientMessage(socket, text); });
            connect(socket, &QWebSocket::disconnected, this, [this, socket] {
                m_subscribed.remove(socket);
                socket->deleteLater();
            });
            MonitorHello hello;
            hello.proxyVersion = QStringLiteral("0.1.0-demo");
            hello.startedAt = m_startedAt;
            hello.serverTime = now();
            hello.settings = monitorSettingsSummary(Settings());
            socket->sendTextMessage(MonitorMessages::hello(hello));
            socket->sendTextMessage(MonitorMessages::snapshot(m_sessions, totals()));
        }
    }

    void onClientMessage(QWebSocket *socket, const QString &text)
    {
        QString error;
        const std::optional<MonitorMessage> m = MonitorMessage::parse(text, &error);
        if (!m) {
            socket->sendTextMessage(MonitorMessages::error(error));
            return;
        }
        if (m->type == MonitorMessage::Type::Subscribe) {
            m_subscribed[socket] = m->sessionId;
            MonitorSessionEvents history;
            history.sessionId = m->sessionId;
            history.history = true;
            history.events = makeEvents(m->sessionId, 40);
            socket->sendTextMessage(MonitorMessages::sessionEvents(history));
        } else if (m->type == MonitorMessage::Type::Unsubscribe) {
            m_subscribed.remove(socket);
        } else if (m->type == MonitorMessage::Type::Ping) {
            socket->sendTextMessage(MonitorMessages::pong());
        }
    }

    QList<MonitorEventRecord> makeEvents(qint64 sessionId, int count)
    {
        QList<MonitorEventRecord> events;
        for (int i = 0; i < count; ++i) {
            const qint64 n = ++m_eventSeq;
            MonitorEventRecord e;
            e.time = now() - (count - i) * 7;
            e.type = n % 10 == 0 ? QStringLiteral("final-message") : QStringLiteral("user-message");
            e.id = QStringLiteral("echo-%1-%2").arg(sessionId).arg(n);
            e.data = QStringLiteral(
                R"({"type":"echo","originalMessage":"Hello Server! #%1","sequence":%2})")
                         .arg(sessionId)
                         .arg(n);
            if (n % 25 == 0) {
                e.data = QString(1024, u'x');
                e.truncated = true;
                e.dataLength = 50000;
            } else {
                e.dataLength = e.data.size();
            }
            events.append(e);
        }
        return events;
    }

    void onTick()
    {
        auto *rng = QRandomGenerator::global();
        QList<MonitorSession> changed;
        for (MonitorSession &s : m_sessions) {
            if (s.state != MonitorSession::State::Streaming)
                continue;
            const int n = 5 + rng->bounded(40);
            s.eventsRelayed += n;
            for (MonitorRequest &r : s.requests) {
                // Now and then a stream's upstream breaks and the proxy asks again.
                if (r.state == MonitorRequest::State::Reconnecting) {
                    if (rng->bounded(20) == 0)
                        r.state = MonitorRequest::State::Streaming;
                    continue;
                }
                if (rng->bounded(150) == 0) {
                    r.state = MonitorRequest::State::Reconnecting;
                    ++r.attempts;
                    continue;
                }
                r.eventsRelayed += n / s.requests.size();
            }
            s.bytesIn += n * 140;
            s.bytesOut += n * 180;
            m_totals.eventsRelayed += n;
            m_totals.bytesIn += n * 140;
            m_totals.bytesOut += n * 180;
            changed.append(s);
        }
        if (!changed.isEmpty())
            broadcast(MonitorMessages::sessionUpdated(changed));
        for (auto it = m_subscribed.begin(); it != m_subscribed.end(); ++it) {
            MonitorSessionEvents batch;
            batch.sessionId = it.value();
            batch.events = makeEvents(it.value(), 20);
            it.key()->sendTextMessage(MonitorMessages::sessionEvents(batch));
        }
    }

    void onSecond()
    {
        auto *rng = QRandomGenerator::global();
        if (rng->bounded(3) == 0)
            openSession();
        if (rng->bounded(4) == 0) {
            for (MonitorSession &s : m_sessions) {
                if (s.state == MonitorSession::State::Closed)
                    continue;
                s.state = MonitorSession::State::Closed;
                s.finishedAt = now();
                s.requests.clear();
                ++m_totals.requestsWith(MonitorOutcome::Completed);
                ++s.requestsHandled;
                broadcast(MonitorMessages::sessionClosed(s));
                break;
            }
        }
        broadcast(MonitorMessages::totals(totals()));
    }

    QWebSocketServer m_server;
    QList<QPointer<QWebSocket>> m_clients;
    QHash<QWebSocket *, qint64> m_subscribed; // removed when the socket goes
    QList<MonitorSession> m_sessions;
    MonitorTotals m_totals;
    QTimer m_tick;
    QTimer m_second;
    qint64 m_nextId = 0;
    qint64 m_eventSeq = 0;
    qint64 m_startedAt = 0;
};

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const quint16 port = argc > 1 ? quint16(QByteArray(argv[1]).toUInt()) : 3101;
    DemoFeed feed(port);
    return app.exec();
}
