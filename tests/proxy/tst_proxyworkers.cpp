// proxy.workers: clients spread over worker event loops, each on its own thread. What a user
// sees must not depend on which worker serves a client: session ids unique, /metrics exact
// (every worker's counters summed), the monitor showing every worker's sessions and following
// any of them, proxy-wide session limits, and a shutdown that reaches every worker.

#include "adminhttp.h"
#include "eventdispatchermain.h"
#include "monitormessages.h"
#include "proxytestbase.h"
#include "proxyworker.h"

#include <QSet>
#include <QSignalSpy>
#include <QWebSocket>

namespace {

// A /monitor client: every message it receives, decoded.
class MonitorClient : public QObject
{
public:
    explicit MonitorClient(quint16 port)
    {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            QString error;
            if (std::optional<MonitorMessage> message = MonitorMessage::parse(text, &error))
                messages.append(*message);
            else
                qWarning("undecodable monitor message: %s", qPrintable(error));
        });
        m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/monitor").arg(port)));
    }
    void send(const QString &text) { m_socket.sendTextMessage(text); }
    QList<MonitorMessage> ofType(MonitorMessage::Type type) const
    {
        QList<MonitorMessage> found;
        for (const MonitorMessage &message : messages) {
            if (message.type == type)
                found.append(message);
        }
        return found;
    }

    QList<MonitorMessage> messages;

private:
    QWebSocket m_socket;
};

} // namespace

class TestProxyWorkers : public ProxyTestBase
{
    Q_OBJECT

private slots:
    void everyCoreByDefault();
    void connectionsSpreadOverWorkers();
    void metricsSumEveryWorker();
    void monitorShowsAndFollowsEveryWorker();
    void monitorOnTheAdminListener();
    void sessionLimitsHoldAcrossWorkers();
    void shutdownReachesEveryWorker();
    void closedClientsLeaveNothingBehind();

private:
    ProxyServer *startWorkers(int count, Settings settings = Settings());
    QList<TestClient *> streamingClients(int count, const QString &path);
};

ProxyServer *TestProxyWorkers::startWorkers(int count, Settings settings)
{
    settings.proxy.workers = count;
    return startProxy(settings);
}

QList<TestClient *> TestProxyWorkers::streamingClients(int count, const QString &path)
{
    QList<TestClient *> clients;
    for (int i = 0; i < count; ++i) {
        TestClient *client = connectClient();
        client->send(upstreamRequest(m_upstream->port(), path));
        clients.append(client);
    }
    return clients;
}

void TestProxyWorkers::everyCoreByDefault()
{
    QCOMPARE(Settings().proxy.workers, 0);
    QCOMPARE(ProxyServer::workerCountFor(Settings().proxy), qMax(1, QThread::idealThreadCount()));
    Settings settings;
    settings.proxy.workers = 3;
    QCOMPARE(ProxyServer::workerCountFor(settings.proxy), 3);
    startWorkers(3);
    QCOMPARE(m_proxy->workerCount(), 3);
    for (int i = 0; i < 3; ++i) // each on a thread of its own
        QVERIFY(m_proxy->worker(i).thread() != QThread::currentThread());
    startWorkers(1); // today's single thread
    QCOMPARE(m_proxy->workerCount(), 1);
    QCOMPARE(m_proxy->worker(0).thread(), QThread::currentThread());
}

void TestProxyWorkers::connectionsSpreadOverWorkers()
{
    constexpr int clientCount = 20;
    startWorkers(2);
    m_upstream->route("/tick", TestUpstream::ticking(50));
    QSignalSpy opened(m_proxy.get(), &ProxyServer::sessionOpened);
    const QList<TestClient *> clients = streamingClients(clientCount, QStringLiteral("/tick"));
    QTRY_COMPARE(opened.count(), clientCount);
    QTRY_VERIFY(std::all_of(
        clients.begin(), clients.end(), [](TestClient *c) { return c->events().size() >= 2; }));
    // The fewest sessions wins: one after the other, they alternate.
    QCOMPARE(m_proxy->worker(0).sessionCount(), clientCount / 2);
    QCOMPARE(m_proxy->worker(1).sessionCount(), clientCount / 2);
    QCOMPARE(m_proxy->sessionCount(), clientCount);
    // Worker k of 2 numbers its sessions k+1, k+3, ...: unique, and telling their worker.
    QSet<quint64> ids;
    int odd = 0;
    for (const QList<QVariant> &arguments : std::as_const(opened)) {
        const quint64 id = arguments.first().toULongLong();
        QVERIFY(id > 0);
        ids.insert(id);
        odd += id % 2;
    }
    QCOMPARE(ids.size(), clientCount);
    QCOMPARE(odd, clientCount / 2);

    // A worker that loses its clients gets the next ones.
    for (int i = 0; i < clientCount; i += 2)
        clients[i]->socket().close(); // the odd ids: worker 0's (the first client went there)
    QTRY_COMPARE(m_proxy->worker(0).sessionCount(), 0);
    streamingClients(4, QStringLiteral("/tick"));
    QTRY_COMPARE(m_proxy->worker(0).sessionCount(), 4);
    QCOMPARE(m_proxy->worker(1).sessionCount(), clientCount / 2);
}

void TestProxyWorkers::metricsSumEveryWorker()
{
    constexpr int clientCount = 10;
    constexpr int eventCount = 25;
    QByteArray body;
    for (int i = 0; i < eventCount; ++i)
        body += "data: event " + QByteArray::number(i) + "\n\n";
    m_upstream->route("/n", TestUpstream::sse(body));
    startWorkers(2);
    const auto before = prometheusSamples(adminGet(m_proxy->port(), "/metrics").body);
    const QList<TestClient *> clients = streamingClients(clientCount, QStringLiteral("/n"));
    QTRY_VERIFY(std::all_of(clients.begin(), clients.end(),
        [](TestClient *c) { return c->count(MessageType::Closed) == 1; }));
    QVERIFY(m_proxy->worker(0).sessionCount() > 0 && m_proxy->worker(1).sessionCount() > 0);
    qint64 sentToClients = 0;
    for (TestClient *client : clients) {
        QCOMPARE(client->events().size(), eventCount);
        for (const QString &message : client->rawMessages())
            sentToClients += message.toUtf8().size();
    }
    const auto after = prometheusSamples(adminGet(m_proxy->port(), "/metrics").body);
    const auto delta
        = [&](const QByteArray &name) { return after.value(name) - before.value(name); };
    QCOMPARE(delta("wssp_events_relayed_total"), double(clientCount * eventCount));
    QCOMPARE(delta("wssp_requests_total{outcome=\"completed\"}"), double(clientCount));
    QCOMPARE(delta("wssp_upstream_received_bytes_total"), double(clientCount * body.size()));
    QCOMPARE(delta("wssp_client_sent_bytes_total"), double(sentToClients));
    QCOMPARE(after.value("wssp_sessions_open"), double(clientCount));
    QCOMPARE(after.value("wssp_requests_active"), 0.0);
    QCOMPARE(m_proxy->metrics().eventsRelayed,
        m_proxy->worker(0).metrics().eventsRelayed + m_proxy->worker(1).metrics().eventsRelayed);
}

void TestProxyWorkers::monitorShowsAndFollowsEveryWorker()
{
    using Type = MonitorMessage::Type;
    startWorkers(2);
    m_upstream->route("/tick", TestUpstream::ticking(50));
    QSignalSpy opened(m_proxy.get(), &ProxyServer::sessionOpened);
    streamingClients(4, QStringLiteral("/tick"));
    QTRY_COMPARE(opened.count(), 4);
    QTRY_COMPARE(m_proxy->metrics().requestsActive, 4);

    // No admin listener of its own here: the upgrade came in through a worker's gate and was
    // passed to the main thread, where the hub lives.
    MonitorClient monitor(m_proxy->port());
    QTRY_COMPARE(monitor.ofType(Type::Snapshot).size(), 1);
    QCOMPARE(monitor.messages.first().type, Type::Hello);
    const MonitorMessage snapshot = monitor.ofType(Type::Snapshot).first();
    QCOMPARE(snapshot.sessions.size(), 4); // one snapshot, both workers' parts
    QCOMPARE(snapshot.totals.sessionsOpen, 4);
    QCOMPARE(snapshot.totals.requestsActive, 4);
    QSet<int> workers;
    for (const MonitorSession &session : snapshot.sessions) {
        QCOMPARE(session.worker, int((session.id - 1) % 2));
        workers.insert(session.worker);
    }
    QCOMPARE(workers, (QSet<int> { 0, 1 }));

    // A session that opens later is announced with its worker.
    streamingClients(1, QStringLiteral("/tick"));
    QTRY_COMPARE(monitor.ofType(Type::SessionOpened).size(), 1);
    const MonitorSession later = monitor.ofType(Type::SessionOpened).first().session;
    QCOMPARE(later.worker, int((later.id - 1) % 2));

    // Following a session of each worker in turn: its events come, then the other's.
    for (const MonitorSession &session : snapshot.sessions) {
        monitor.messages.clear();
        monitor.send(MonitorMessages::subscribe(session.id));
        QTRY_VERIFY(std::any_of(
            monitor.messages.cbegin(), monitor.messages.cend(), [&](const MonitorMessage &m) {
                return m.type == Type::SessionEvents && !m.sessionEvents.history
                    && m.sessionEvents.sessionId == session.id && !m.sessionEvents.events.isEmpty();
            }));
        for (const MonitorMessage &m : monitor.ofType(Type::SessionEvents))
            QCOMPARE(m.sessionEvents.sessionId, session.id);
    }
    // A session no worker has.
    monitor.messages.clear();
    monitor.send(MonitorMessages::subscribe(1000));
    QTRY_COMPARE(monitor.ofType(Type::Error).size(), 1);
    QCOMPARE(
        monitor.ofType(Type::Error).first().message, QStringLiteral("subscribe: no session 1000"));
}

// The admin listener's connections stay on the main thread (its own gate); the hub still asks
// every worker for its part.
void TestProxyWorkers::monitorOnTheAdminListener()
{
    Settings settings;
    settings.admin.host = QStringLiteral("127.0.0.1");
    settings.admin.port = 0;
    startWorkers(2, settings);
    QVERIFY(m_proxy->adminPort() != m_proxy->port());
    m_upstream->route("/tick", TestUpstream::ticking(50));
    QSignalSpy opened(m_proxy.get(), &ProxyServer::sessionOpened);
    streamingClients(2, QStringLiteral("/tick"));
    QTRY_COMPARE(opened.count(), 2);
    MonitorClient monitor(m_proxy->adminPort());
    QTRY_COMPARE(monitor.ofType(MonitorMessage::Type::Snapshot).size(), 1);
    const MonitorMessage snapshot = monitor.ofType(MonitorMessage::Type::Snapshot).first();
    QCOMPARE(snapshot.sessions.size(), 2);
    QCOMPARE(snapshot.sessions.at(0).worker + snapshot.sessions.at(1).worker, 1); // one each
    QCOMPARE(adminGet(m_proxy->port(), "/metrics").status, 404); // not on the clients' listener
    QCOMPARE(adminGet(m_proxy->adminPort(), "/metrics").status, 200);
    QCOMPARE(adminGet(m_proxy->port(), "/healthz").status, 200);
}

void TestProxyWorkers::sessionLimitsHoldAcrossWorkers()
{
    Settings settings;
    settings.proxy.maxSessions = 3;
    startWorkers(2, settings);
    QList<TestClient *> admitted;
    for (int i = 0; i < 3; ++i) {
        admitted.append(connectClient());
        QVERIFY(admitted.last()->isConnected());
    }
    QTRY_COMPARE(m_proxy->sessionCount(), 3);
    QVERIFY(m_proxy->worker(0).sessionCount() > 0 && m_proxy->worker(1).sessionCount() > 0);
    const AdminResponse full = adminGet(m_proxy->port(), "/proxy");
    QCOMPARE(full.status, 503);
    QVERIFY2(full.body.contains("(proxy.maxSessions)"), full.body.constData());

    // A place given back on one worker can be taken on the other.
    QCOMPARE(m_proxy->admittedConnections(), 3);
    admitted.first()->socket().close();
    QTRY_COMPARE(m_proxy->sessionCount(), 2);
    QTRY_COMPARE(m_proxy->admittedConnections(), 2);
    QVERIFY(connectClient()->isConnected());
    QTRY_COMPARE(m_proxy->sessionCount(), 3);
}

void TestProxyWorkers::shutdownReachesEveryWorker()
{
    startWorkers(2);
    m_upstream->route("/tick", TestUpstream::ticking(50));
    const QList<TestClient *> clients = streamingClients(6, QStringLiteral("/tick"));
    QTRY_VERIFY(std::all_of(
        clients.begin(), clients.end(), [](TestClient *c) { return !c->events().isEmpty(); }));
    QSignalSpy stopped(m_proxy.get(), &ProxyServer::stopped);
    m_proxy->shutdown();
    QVERIFY(stopped.wait(5000));
    for (TestClient *client : clients) {
        QTRY_COMPARE(client->count(MessageType::Closed), 1);
        QCOMPARE(client->ofType(MessageType::Closed).first().text,
            QStringLiteral("proxy shutting down"));
    }
    QCOMPARE(m_proxy->sessionCount(), 0);
    QCOMPARE(adminGet(m_proxy->port(), "/healthz").status, 0); // nobody listens any more
}

// Sockets, sessions and quota places of clients that left are all gone, however they left (a
// close handshake or a dropped connection): a long-running proxy must not grow per client.
void TestProxyWorkers::closedClientsLeaveNothingBehind()
{
    startWorkers(1); // on this thread, so the test may look at the worker's objects
    m_upstream->route("/tick", TestUpstream::ticking(50));
    const int socketsBefore = int(m_proxy->worker(0).findChildren<QTcpSocket *>().size());
    for (int round = 0; round < 2; ++round) {
        const QList<TestClient *> clients = streamingClients(10, QStringLiteral("/tick"));
        QTRY_VERIFY(std::all_of(
            clients.begin(), clients.end(), [](TestClient *c) { return !c->events().isEmpty(); }));
        QCOMPARE(m_proxy->admittedConnections(), 10);
        for (int i = 0; i < clients.size(); ++i) {
            if (i % 2 == 0)
                clients[i]->socket().close();
            else
                clients[i]->socket().abort();
        }
        QTRY_COMPARE(m_proxy->sessionCount(), 0);
        QTRY_COMPARE(m_proxy->admittedConnections(), 0);
        QTRY_COMPARE(int(m_proxy->worker(0).findChildren<QTcpSocket *>().size()), socketsBefore);
    }
}

WSSP_TEST_MAIN(TestProxyWorkers)
#include "tst_proxyworkers.moc"
