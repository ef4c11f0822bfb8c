// bench-relay: what relaying one SSE event costs, end to end, in the real ws-sse-proxy.
//
//   1. Encoding: ProxyMessages::appendSseEvent into a reused buffer against the naive
//      QJsonObject + QJsonDocument::toJson + QString::fromUtf8, same events, same run.
//   2. Relay: starts <this dir>/ws-sse-proxy as a child on port 0, feeds it from an in-process
//      SSE upstream (flood or ticking) and reads with QWebSocket clients in this process.
//      Reports events/s delivered and the PROXY PROCESS's CPU (utime+stime from /proc) per event,
//      against a direct QTcpSocket reader of the same flood (no proxy) measured in the same run;
//      once with the default (glib) event dispatcher and once with QT_NO_GLIB=1.
//      Every event carries a sequence number: clients check order and gaps while measuring.
//   3. Memory: proxy RSS idle, with N idle sessions, and with M sessions streaming slowly.
//   4. A client that stops reading while the upstream floods: proxy RSS and upstream bytes stay
//      bounded.
//
// Loopback only, bounded in time (about 50 s with the defaults). Exits non-zero when an event
// is lost, reordered or mis-encoded, or when a stage cannot run. Build it in a Release tree.

#include "proxymessages.h"
#include "sseevent.h"

#include <QAtomicInteger>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace {

// ---------------------------------------------------------------------------------------------
// Measuring helpers

qint64 threadCpuNanos()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// utime + stime of a whole process (every thread), in microseconds; -1 when unreadable.
qint64 processCpuMicros(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const qint64 ticks = fields.at(11).toLongLong() + fields.at(12).toLongLong(); // fields 14, 15
    return ticks * 1'000'000 / sysconf(_SC_CLK_TCK);
}

qint64 processRssKb(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Runs the event loop until `done` holds or `timeoutMs` passes; returns `done()`.
bool waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() >= timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

void runFor(int ms)
{
    waitUntil([] { return false; }, ms);
}

// A JSON-looking payload of exactly `size` characters (quotes to escape, like real data).
QString payloadOf(int size)
{
    QString text = QStringLiteral("{\"v\":\"");
    text += QString(qMax(0, size - 8), u'x');
    text += QStringLiteral("\"}");
    return text.left(size);
}

bool g_failed = false;

void fail(const char *what)
{
    std::fprintf(stderr, "bench-relay: FAILED: %s\n", what);
    g_failed = true;
}

// ---------------------------------------------------------------------------------------------
// 1. Encoding micro-benchmark

QString naiveEncode(const SseEvent &event)
{
    QJsonObject payload { { QStringLiteral("event"), event.type },
                          { QStringLiteral("data"), event.data } };
    if (!event.lastEventId.isEmpty())
        payload.insert(QStringLiteral("id"), event.lastEventId);
    const QJsonObject message { { QStringLiteral("type"), QStringLiteral("sse-event") },
                               { QStringLiteral("payload"), payload } };
    return QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
}

qint64 g_sink = 0; // results flow here so the compiler cannot drop the work

// ns per call of `encode`, by this thread's CPU time, over at least `minNanos`.
template<typename Encode>
double nanosPerEvent(Encode encode, qint64 minNanos)
{
    const qint64 start = threadCpuNanos();
    qint64 calls = 0;
    qint64 elapsed = 0;
    do {
        for (int i = 0; i < 64; ++i)
            g_sink += encode();
        calls += 64;
        elapsed = threadCpuNanos() - start;
    } while (elapsed < minNanos);
    return double(elapsed) / double(calls);
}

void runEncodingBenchmark(qint64 minNanosPerCase)
{
    std::printf("\n## 1. Encoding one sse-event message (CPU ns/event, this thread)\n\n");
    std::printf("| event data | ours: appendSseEvent, reused buffer | naive: QJsonObject+toJson+fromUtf8 | naive/ours |\n");
    std::printf("|---|---:|---:|---:|\n");
    const struct { const char *name; int size; } cases[] = {
        { "small (30 chars)", 30 }, { "medium (1 KiB)", 1024 }, { "large (64 KiB)", 64 * 1024 } };
    for (const auto &c : cases) {
        SseEvent event;
        event.type = QStringLiteral("update");
        event.lastEventId = QStringLiteral("123456");
        event.data = payloadOf(c.size);

        // Same message, whatever the key order: compare as JSON before timing anything.
        QString buffer;
        ProxyMessages::appendSseEvent(buffer, event);
        if (QJsonDocument::fromJson(buffer.toUtf8()).object()
            != QJsonDocument::fromJson(naiveEncode(event).toUtf8()).object())
            fail("appendSseEvent and the naive encoder disagree");

        const double ours = nanosPerEvent([&] {
            buffer.resize(0); // keeps its capacity, as ClientSession does
            ProxyMessages::appendSseEvent(buffer, event);
            return buffer.size();
        }, minNanosPerCase);
        const double naive = nanosPerEvent([&] { return naiveEncode(event).size(); }, minNanosPerCase);
        std::printf("| %s | %.0f | %.0f | %.1fx |\n", c.name, ours, naive, naive / ours);
    }
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// The SSE upstream: GET /flood?size=N writes events as fast as the socket drains (about
// 256 KiB queued); GET /tick?size=N&rate=R writes R events per second. Each connection numbers
// its events from 0 in the `id` field. Lives in a thread of its own so that writing the flood
// does not compete with the clients' event loop.

class Upstream : public QObject
{
    Q_OBJECT

public:
    quint16 listen()
    {
        m_server = new QTcpServer(this);
        m_server->setMaxPendingConnections(1 << 16);
        connect(m_server, &QTcpServer::newConnection, this, &Upstream::onServerNewConnection);
        return m_server->listen(QHostAddress::LocalHost, 0) ? m_server->serverPort() : 0;
    }

    QAtomicInteger<int> openConnections = 0;
    QAtomicInteger<qint64> bytesWritten = 0;

private:
    struct Stream
    {
        QByteArray tail; // "\ndata: <payload>\n\n"
        qint64 next = 0;
    };

    void onServerNewConnection()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            ++openConnections;
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onSocketReadyRead(socket); });
            connect(socket, &QTcpSocket::bytesWritten, this, [this](qint64 n) { bytesWritten += n; });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                --openConnections;
                socket->deleteLater();
            });
        }
    }

    void onSocketReadyRead(QTcpSocket *socket)
    {
        if (socket->property("started").toBool()) {
            socket->readAll();
            return;
        }
        const QByteArray head = socket->peek(8192);
        if (!head.contains("\r\n\r\n"))
            return;
        socket->readAll();
        socket->setProperty("started", true);
        const QUrl url(QString::fromLatin1(head.split(' ').value(1)));
        const QUrlQuery query(url);
        const int size = qMax(1, query.queryItemValue(QStringLiteral("size")).toInt());
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
        auto stream = std::make_shared<Stream>();
        stream->tail = "\ndata: " + payloadOf(size).toUtf8() + "\n\n";
        if (url.path() == u"/tick") {
            const int rate = qMax(1, query.queryItemValue(QStringLiteral("rate")).toInt());
            auto *timer = new QTimer(socket);
            timer->setTimerType(Qt::PreciseTimer);
            connect(timer, &QTimer::timeout, socket, [socket, stream] {
                socket->write(eventBytes(*stream, 1));
            });
            timer->start(1000 / rate);
        } else {
            auto pump = [socket, stream] {
                while (socket->state() == QAbstractSocket::ConnectedState
                       && socket->bytesToWrite() < 256 * 1024)
                    socket->write(eventBytes(*stream, 64));
            };
            connect(socket, &QTcpSocket::bytesWritten, socket, pump);
            pump();
        }
    }

    static QByteArray eventBytes(Stream &stream, int count)
    {
        QByteArray out;
        out.reserve(count * (stream.tail.size() + 24));
        for (int i = 0; i < count; ++i) {
            out += "id: ";
            out += QByteArray::number(stream.next++);
            out += stream.tail;
        }
        return out;
    }

    QTcpServer *m_server = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Direct reader (the baseline): a plain QTcpSocket reads the flood with no proxy in between,
// counting events and checking their numbers. Runs in a thread of its own, like the proxy.

class DirectReader : public QObject
{
    Q_OBJECT

public:
    void start(quint16 port, const QByteArray &path)
    {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::readyRead, this, &DirectReader::onSocketReadyRead);
        m_socket->connectToHost(QHostAddress::LocalHost, port);
        m_socket->write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }
    void stop() { m_socket->abort(); }

    QAtomicInteger<qint64> events = 0;
    QAtomicInteger<qint64> gaps = 0;

private:
    void onSocketReadyRead()
    {
        m_pending += m_socket->readAll();
        qsizetype from = 0;
        if (!m_headDone) {
            const qsizetype end = m_pending.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_headDone = true;
            from = end + 4;
        }
        qint64 counted = 0;
        for (;;) {
            const qsizetype end = m_pending.indexOf("\n\n", from);
            if (end < 0)
                break;
            // "id: <n>\n..." : the number starts 4 bytes in.
            const qsizetype idEnd = m_pending.indexOf('\n', from);
            if (QByteArrayView(m_pending).sliced(from + 4, idEnd - from - 4).toLongLong() != m_next)
                ++gaps;
            ++m_next;
            ++counted;
            from = end + 2;
        }
        m_pending.remove(0, from);
        events += counted;
    }

    QTcpSocket *m_socket = nullptr;
    QByteArray m_pending;
    bool m_headDone = false;
    qint64 m_next = 0;
};

// ---------------------------------------------------------------------------------------------
// One WebSocket client of the proxy. With a request it streams and checks that the events'
// numbers run 0, 1, 2, ... with no gap; without one it just stays connected.

class RelayClient : public QObject
{
    Q_OBJECT

public:
    RelayClient(const QUrl &proxyUrl, const QByteArray &request, QObject *parent)
        : QObject(parent), m_request(request)
    {
        connect(&m_socket, &QWebSocket::connected, this, &RelayClient::onSocketConnected);
        connect(&m_socket, &QWebSocket::textMessageReceived, this,
                &RelayClient::onSocketTextMessageReceived);
        m_socket.open(proxyUrl);
    }

    bool connected = false;
    qint64 events = 0;
    qint64 gaps = 0;
    qint64 otherMessages = 0; // error, closed: none expected while streaming

    void abort() { m_socket.abort(); }

private:
    void onSocketConnected()
    {
        connected = true;
        if (!m_request.isEmpty())
            m_socket.sendTextMessage(QString::fromUtf8(m_request));
    }

    void onSocketTextMessageReceived(const QString &message)
    {
        static const QString idKey = QStringLiteral("\"id\":\"");
        if (!message.startsWith(u"{\"type\":\"sse-event\"")) {
            if (!message.startsWith(u"{\"type\":\"connected\""))
                ++otherMessages;
            return;
        }
        const qsizetype at = message.indexOf(idKey);
        const qsizetype end = message.indexOf(u'"', at + idKey.size());
        if (at < 0 || end < 0
            || QStringView(message).sliced(at + idKey.size(), end - at - idKey.size()).toLongLong()
                    != m_next)
            ++gaps;
        ++m_next;
        ++events;
    }

    QWebSocket m_socket;
    QByteArray m_request;
    qint64 m_next = 0;
};

// Opens `count` clients, at most `inFlight` handshakes at a time (a burst of a thousand
// connects overflows the listen backlog and costs SYN retries, not proxy work).
std::vector<RelayClient *> openClients(QObject *owner, const QUrl &url, int count,
                                       const QByteArray &request, int inFlight = 64)
{
    std::vector<RelayClient *> clients;
    QElapsedTimer clock;
    clock.start();
    while (int(clients.size()) < count && clock.elapsed() < 60000) {
        const auto done = std::count_if(clients.begin(), clients.end(),
                                        [](RelayClient *c) { return c->connected; });
        if (qint64(clients.size()) - done < inFlight)
            clients.push_back(new RelayClient(url, request, owner));
        else
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    waitUntil([&] {
        return std::all_of(clients.begin(), clients.end(), [](RelayClient *c) { return c->connected; });
    }, 20000);
    return clients;
}

void closeClients(std::vector<RelayClient *> &clients)
{
    for (RelayClient *client : clients) {
        client->abort();
        client->deleteLater();
    }
    clients.clear();
    QCoreApplication::processEvents();
}

// ---------------------------------------------------------------------------------------------
// The proxy under test, as a child process.

class ProxyProcess
{
public:
    bool start(bool noGlib)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (noGlib)
            env.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
        else
            env.remove(QStringLiteral("QT_NO_GLIB"));
        m_process.setProcessEnvironment(env);
        m_process.setWorkingDirectory(m_dir.path()); // no settings.json: defaults + options
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QCoreApplication::applicationDirPath() + QStringLiteral("/ws-sse-proxy"),
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

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
    }

    ~ProxyProcess() { stop(); }

    QUrl url() const { return m_url; }
    qint64 cpuMicros() const { return processCpuMicros(m_process.processId()); }
    qint64 rssKb() const { return processRssKb(m_process.processId()); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QUrl m_url;
};

QByteArray requestFor(quint16 upstreamPort, const QString &path)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("address"), QStringLiteral("127.0.0.1") },
                                       { QStringLiteral("port"), upstreamPort },
                                       { QStringLiteral("path"), path } })
            .toJson(QJsonDocument::Compact);
}

struct Options
{
    int warmupMs = 500;
    int windowMs = 3000;
    int clients = 16;
    int lowStreams = 50;
    int lowRate = 100;
    int smallSize = 30;
    int idleSessions = 1000;
    int streamingSessions = 500;
    int memoryRate = 10;
    int stallSeconds = 10;
    QStringList relayCases { QStringLiteral("flood1"), QStringLiteral("floodN"), QStringLiteral("tick") };
    QStringList dispatchers { QStringLiteral("glib"), QStringLiteral("own") };
};

struct RelayResult
{
    double eventsPerSecond = 0;
    double cpuMicrosPerEvent = 0;
    double proxyCpuPercent = 0;
    double clientCpuPercent = 0; // this process's client thread: near 100 = the clients are the limit
};

// ---------------------------------------------------------------------------------------------
// 2. Relay

// Reads `streams` upstream connections of `path` directly (no proxy) on one thread of its own;
// events/s and that thread's CPU per event.
RelayResult measureDirect(Upstream *upstream, quint16 port, const QByteArray &path, int streams,
                          const Options &options)
{
    QThread thread;
    QObject *home = new QObject;
    home->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, home, &QObject::deleteLater);
    thread.start();
    std::vector<DirectReader *> readers;
    QMetaObject::invokeMethod(home, [&] {
        for (int i = 0; i < streams; ++i) {
            auto *reader = new DirectReader;
            reader->setParent(home);
            reader->start(port, path);
            readers.push_back(reader);
        }
    }, Qt::BlockingQueuedConnection);
    const auto totalEvents = [&readers] {
        qint64 sum = 0;
        for (DirectReader *r : readers)
            sum += r->events.loadRelaxed();
        return sum;
    };
    const auto readerCpu = [home] {
        qint64 nanos = 0;
        QMetaObject::invokeMethod(home, [] { return threadCpuNanos(); }, Qt::BlockingQueuedConnection, &nanos);
        return nanos;
    };
    runFor(options.warmupMs);
    const qint64 before = totalEvents();
    const qint64 cpuBefore = readerCpu();
    QElapsedTimer clock;
    clock.start();
    runFor(options.windowMs);
    const qint64 events = totalEvents() - before;
    const qint64 cpu = readerCpu() - cpuBefore;
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qint64 gaps = 0;
    for (DirectReader *r : readers)
        gaps += r->gaps.loadRelaxed();
    QMetaObject::invokeMethod(home, [&readers] {
        for (DirectReader *r : readers)
            r->stop();
    }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);
    if (gaps != 0)
        fail("the direct reader saw events out of order");
    RelayResult result;
    result.eventsPerSecond = double(events) / seconds;
    result.cpuMicrosPerEvent = events > 0 ? double(cpu) / 1000 / double(events) : 0;
    result.proxyCpuPercent = double(cpu) / 1e7 / seconds;
    return result;
}

RelayResult measureRelay(ProxyProcess &proxy, Upstream *upstream, quint16 upstreamPort,
                         int clientCount, const QString &path, const Options &options,
                         const char *label)
{
    QObject owner;
    std::vector<RelayClient *> clients = openClients(&owner, proxy.url(), clientCount,
                                                     requestFor(upstreamPort, path));
    const auto total = [&](qint64 RelayClient::*field) {
        qint64 sum = 0;
        for (RelayClient *c : clients)
            sum += c->*field;
        return sum;
    };
    if (!waitUntil([&] {
            return std::all_of(clients.begin(), clients.end(), [](RelayClient *c) { return c->events > 0; });
        }, 10000))
        fail("not every client received events");
    runFor(options.warmupMs);

    const qint64 eventsBefore = total(&RelayClient::events);
    const qint64 cpuBefore = proxy.cpuMicros();
    const qint64 clientCpuBefore = threadCpuNanos();
    QElapsedTimer clock;
    clock.start();
    runFor(options.windowMs);
    const qint64 cpu = proxy.cpuMicros() - cpuBefore;
    const qint64 clientCpu = threadCpuNanos() - clientCpuBefore;
    const qint64 events = total(&RelayClient::events) - eventsBefore;
    const double seconds = double(clock.nsecsElapsed()) / 1e9;

    const qint64 gaps = total(&RelayClient::gaps);
    const qint64 others = total(&RelayClient::otherMessages);
    if (gaps != 0 || others != 0) {
        std::fprintf(stderr, "bench-relay: %s: %lld events out of order, %lld error/closed messages\n",
                     label, gaps, others);
        fail("events lost or reordered through the proxy");
    }
    closeClients(clients);
    waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);

    RelayResult result;
    result.eventsPerSecond = double(events) / seconds;
    result.cpuMicrosPerEvent = events > 0 ? double(cpu) / double(events) : 0;
    result.proxyCpuPercent = double(cpu) / 1e4 / seconds;
    result.clientCpuPercent = double(clientCpu) / 1e7 / seconds;
    return result;
}

void runRelayBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options)
{
    const QString flood = QStringLiteral("/flood?size=%1").arg(options.smallSize);
    const QString tick = QStringLiteral("/tick?size=%1&rate=%2").arg(options.smallSize).arg(options.lowRate);

    struct Row { const char *key; const char *name; int clients; QString path; bool flooding;
                 RelayResult glib; RelayResult own; };
    std::vector<Row> rows;
    const Row all[] = { { "flood1", "flood, 1 client", 1, flood, true, {}, {} },
                        { "floodN", "flood, N clients", options.clients, flood, true, {}, {} },
                        { "tick", "ticking, S streams x R ev/s", options.lowStreams, tick, false, {}, {} } };
    for (const Row &row : all) {
        if (options.relayCases.contains(QLatin1String(row.key)))
            rows.push_back(row);
    }
    const std::vector<bool> modes = [&options] {
        std::vector<bool> m;
        if (options.dispatchers.contains(u"glib"))
            m.push_back(false);
        if (options.dispatchers.contains(u"own"))
            m.push_back(true);
        return m;
    }();
    // Baselines in the same run: the same upstream streams read directly, no proxy.
    RelayResult directFlood;
    RelayResult directTick;
    for (const Row &row : rows) {
        if (row.flooding && directFlood.eventsPerSecond == 0)
            directFlood = measureDirect(upstream, upstreamPort, flood.toUtf8(), 1, options);
        else if (!row.flooding)
            directTick = measureDirect(upstream, upstreamPort, tick.toUtf8(), options.lowStreams, options);
    }
    const double direct = directFlood.eventsPerSecond;
    for (const bool noGlib : modes) {
        ProxyProcess proxy;
        if (!proxy.start(noGlib)) {
            fail("cannot start ws-sse-proxy beside bench-relay");
            return;
        }
        for (Row &row : rows)
            (noGlib ? row.own : row.glib) = measureRelay(proxy, upstream, upstreamPort, row.clients,
                                                         row.path, options, row.name);
        proxy.stop();
    }

    std::printf("\n## 2. Relay through ws-sse-proxy (%d-char events; %d ms window after %d ms warm-up)\n\n",
                options.smallSize, options.windowMs, options.warmupMs);
    std::printf("Baselines, same run, no proxy: one QTcpSocket reader of the same flood (its own thread):\n"
                "%.0f events/s, %.2f us CPU/event (reader thread). The same %d ticking streams read directly on\n"
                "one thread: %.0f events/s, %.2f us CPU/event.\n\n",
                directFlood.eventsPerSecond, directFlood.cpuMicrosPerEvent, options.lowStreams,
                directTick.eventsPerSecond, directTick.cpuMicrosPerEvent);
    std::printf("N = %d clients; ticking = %d streams x %d events/s.\n\n", options.clients,
                options.lowStreams, options.lowRate);
    std::printf("| case | dispatcher | events/s delivered | events/s proxy/direct | proxy CPU %% | bench clients CPU %% | proxy us CPU/event | CPU/event proxy/direct |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Row &row : rows) {
        for (const bool noGlib : modes) {
            const RelayResult &r = noGlib ? row.own : row.glib;
            const bool flooding = row.flooding;
            const RelayResult &d = flooding ? directFlood : directTick;
            std::printf("| %s | %s | %.0f | %s | %.0f | %.0f | %.2f | %.1f |\n", row.name,
                        noGlib ? "QT_NO_GLIB=1" : "glib", r.eventsPerSecond,
                        flooding && direct > 0 ? qPrintable(QString::number(r.eventsPerSecond / direct, 'f', 2)) : "-",
                        r.proxyCpuPercent, r.clientCpuPercent, r.cpuMicrosPerEvent,
                        d.cpuMicrosPerEvent > 0 ? r.cpuMicrosPerEvent / d.cpuMicrosPerEvent : 0.0);
        }
    }
    if (modes.size() < 2)
        return;
    std::printf("\nQT_NO_GLIB=1 vs glib, CPU per event:");
    for (const Row &row : rows)
        std::printf(" %s %+.0f%%;", row.name,
                    row.glib.cpuMicrosPerEvent > 0
                            ? (row.own.cpuMicrosPerEvent / row.glib.cpuMicrosPerEvent - 1) * 100 : 0.0);
    std::printf("\n");
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// 3. Memory per session

void runMemoryBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options)
{
    std::printf("\n## 3. Proxy memory (VmRSS of the proxy process)\n\n");
    std::printf("| state | sessions | RSS KB | KB per session over idle |\n|---|---:|---:|---:|\n");
    const auto settle = [] { runFor(500); };
    QString streamingNote;
    for (const bool streaming : { false, true }) {
        ProxyProcess proxy;
        if (!proxy.start(false)) {
            fail("cannot start ws-sse-proxy beside bench-relay");
            return;
        }
        settle();
        const qint64 idle = proxy.rssKb();
        QObject owner;
        const int count = streaming ? options.streamingSessions : options.idleSessions;
        const QByteArray request = streaming
                ? requestFor(upstreamPort, QStringLiteral("/tick?size=%1&rate=%2")
                                                   .arg(options.smallSize).arg(options.memoryRate))
                : QByteArray();
        std::vector<RelayClient *> clients = openClients(&owner, proxy.url(), count, request);
        const auto connected = std::count_if(clients.begin(), clients.end(),
                                             [](RelayClient *c) { return c->connected; });
        if (connected != count)
            fail("not every memory-test session connected");
        if (streaming) {
            if (!waitUntil([&] {
                    return std::all_of(clients.begin(), clients.end(),
                                       [](RelayClient *c) { return c->events > 0; });
                }, 20000))
                fail("not every streaming session received events");
            runFor(options.warmupMs);
            // Same total rate as the ticking relay case, ten times the streams: shows how the
            // cost of one event grows with the number of open sockets.
            qint64 eventsBefore = 0;
            for (RelayClient *c : clients)
                eventsBefore += c->events;
            const qint64 cpuBefore = proxy.cpuMicros();
            runFor(options.windowMs);
            const qint64 cpu = proxy.cpuMicros() - cpuBefore;
            qint64 events = -eventsBefore;
            for (RelayClient *c : clients)
                events += c->events;
            streamingNote = QStringLiteral("While streaming: %1 events/s delivered, proxy %2 us CPU per event.")
                                    .arg(double(events) * 1000 / options.windowMs, 0, 'f', 0)
                                    .arg(double(cpu) / double(qMax<qint64>(1, events)), 0, 'f', 2);
        }
        settle();
        const qint64 loaded = proxy.rssKb();
        if (!streaming)
            std::printf("| idle proxy | 0 | %lld | - |\n", idle);
        std::printf("| %s | %lld | %lld | %.1f |\n",
                    streaming ? qPrintable(QStringLiteral("streaming %1 ev/s each").arg(options.memoryRate))
                              : "connected, no request",
                    qint64(connected), loaded, double(loaded - idle) / double(qMax<qint64>(1, connected)));
        qint64 gaps = 0;
        for (RelayClient *c : clients)
            gaps += c->gaps + c->otherMessages;
        if (gaps != 0)
            fail("events lost or reordered in the memory test");
        closeClients(clients);
        proxy.stop();
        waitUntil([upstream] { return upstream->openConnections.loadRelaxed() == 0; }, 5000);
    }
    std::printf("\n%s\n", qPrintable(streamingNote));
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// 4. A client that stops reading

QByteArray maskedTextFrame(const QByteArray &payload)
{
    QByteArray frame;
    frame.append(char(0x81));
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else {
        frame.append(char(0x80 | 126));
        frame.append(char((payload.size() >> 8) & 0xFF));
        frame.append(char(payload.size() & 0xFF));
    }
    const char key[4] = { 0x12, 0x34, 0x56, 0x78 };
    frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload[i] ^ key[i % 4]));
    return frame;
}

void runStalledClientBenchmark(quint16 upstreamPort, Upstream *upstream, const Options &options)
{
    ProxyProcess proxy;
    if (!proxy.start(false)) {
        fail("cannot start ws-sse-proxy beside bench-relay");
        return;
    }
    runFor(300);
    const qint64 rssStart = proxy.rssKb();
    const qint64 writtenStart = upstream->bytesWritten.loadRelaxed();

    // A WebSocket handshake by hand, then Qt buffers at most one byte for us: the kernel's
    // buffers fill, TCP's window closes, and the proxy's writes to this client back up.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, proxy.url().port());
    if (!socket.waitForConnected(5000)) {
        fail("stalled client cannot connect");
        return;
    }
    socket.write("GET " + proxy.url().path().toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    if (!waitUntil([&] { return socket.peek(4096).contains("\r\n\r\n"); }, 5000)
        || !socket.read(socket.peek(4096).indexOf("\r\n\r\n") + 4).startsWith("HTTP/1.1 101")) {
        fail("stalled client: no WebSocket handshake");
        return;
    }
    socket.setReadBufferSize(1);
    socket.write(maskedTextFrame(requestFor(upstreamPort, QStringLiteral("/flood?size=1024"))));

    std::printf("\n## 4. A client that stops reading; upstream floods 1 KiB events for %d s\n\n",
                options.stallSeconds);
    std::printf("| t (s) | proxy RSS KB | upstream bytes written (total) |\n|---:|---:|---:|\n");
    std::printf("| 0 | %lld | 0 |\n", rssStart);
    qint64 rssMax = rssStart;
    qint64 writtenAt1 = 0;
    qint64 rssAt1 = 0;
    for (int second = 1; second <= options.stallSeconds; ++second) {
        runFor(1000);
        const qint64 rss = proxy.rssKb();
        const qint64 written = upstream->bytesWritten.loadRelaxed() - writtenStart;
        rssMax = qMax(rssMax, rss);
        if (second == 1) {
            writtenAt1 = written;
            rssAt1 = rss;
        }
        if (second == 1 || second == options.stallSeconds || second % 3 == 0)
            std::printf("| %d | %lld | %lld |\n", second, rss, written);
    }
    const qint64 rssEnd = proxy.rssKb();
    const qint64 writtenEnd = upstream->bytesWritten.loadRelaxed() - writtenStart;
    std::printf("\nRSS start %lld KB, after 1 s %lld KB, end %lld KB (max %lld); upstream wrote "
                "%lld KB in all, %lld KB after the first second.\n",
                rssStart, rssAt1, rssEnd, rssMax, writtenEnd / 1024, (writtenEnd - writtenAt1) / 1024);
    if (writtenEnd > 64 * 1024 * 1024 || rssEnd - rssAt1 > 32 * 1024)
        fail("a client that does not read made the proxy buffer without bound");
    socket.abort();
    proxy.stop();
    std::fflush(stdout);
}

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray("?");
}

void raiseFileLimit()
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t wanted = std::min<rlim_t>(limit.rlim_max, 16384);
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = wanted;
        setrlimit(RLIMIT_NOFILE, &limit); // inherited by the proxy child
    }
}

int intOption(const QCommandLineParser &parser, const QCommandLineOption &option, int fallback)
{
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    return ok && value >= 0 ? value : fallback;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench-relay"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Measures relaying SSE events through ws-sse-proxy (started from this program's\n"
            "directory) on loopback. Prints Markdown tables; exits 1 if any event is lost."));
    parser.addHelpOption();
    const QCommandLineOption windowOption(QStringLiteral("window"), QStringLiteral("Measuring window per relay case, ms (3000)."), QStringLiteral("ms"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup"), QStringLiteral("Warm-up before each window, ms (500)."), QStringLiteral("ms"));
    const QCommandLineOption clientsOption(QStringLiteral("clients"), QStringLiteral("Clients in the many-clients flood case (16)."), QStringLiteral("n"));
    const QCommandLineOption idleOption(QStringLiteral("idle-sessions"), QStringLiteral("Idle sessions in the memory test (1000)."), QStringLiteral("n"));
    const QCommandLineOption streamingOption(QStringLiteral("streaming-sessions"), QStringLiteral("Streaming sessions in the memory test (500)."), QStringLiteral("n"));
    const QCommandLineOption stallOption(QStringLiteral("stall-seconds"), QStringLiteral("Duration of the non-reading client test (10)."), QStringLiteral("s"));
    const QCommandLineOption casesOption(QStringLiteral("cases"), QStringLiteral("Relay cases: flood1,floodN,tick (all)."), QStringLiteral("list"));
    const QCommandLineOption dispatchersOption(QStringLiteral("dispatchers"), QStringLiteral("Proxy event dispatchers: glib,own (both; own = QT_NO_GLIB=1)."), QStringLiteral("list"));
    const QCommandLineOption onlyOption(QStringLiteral("only"), QStringLiteral("Run only these stages: encode,relay,memory,stall."), QStringLiteral("list"));
    parser.addOptions({ windowOption, warmupOption, clientsOption, idleOption, streamingOption, stallOption, casesOption, dispatchersOption, onlyOption });
    parser.process(app);

    Options options;
    options.windowMs = qMax(500, intOption(parser, windowOption, options.windowMs));
    options.warmupMs = intOption(parser, warmupOption, options.warmupMs);
    options.clients = qMax(1, intOption(parser, clientsOption, options.clients));
    options.idleSessions = qMax(1, intOption(parser, idleOption, options.idleSessions));
    options.streamingSessions = qMax(1, intOption(parser, streamingOption, options.streamingSessions));
    options.stallSeconds = qMax(2, intOption(parser, stallOption, options.stallSeconds));
    if (parser.isSet(casesOption))
        options.relayCases = parser.value(casesOption).split(u',', Qt::SkipEmptyParts);
    if (parser.isSet(dispatchersOption))
        options.dispatchers = parser.value(dispatchersOption).split(u',', Qt::SkipEmptyParts);
    const QStringList only = parser.value(onlyOption).split(u',', Qt::SkipEmptyParts);
    const auto wanted = [&only](const char *stage) { return only.isEmpty() || only.contains(QLatin1String(stage)); };

    raiseFileLimit();
    QElapsedTimer total;
    total.start();
    std::printf("# bench-relay (Qt %s, %ld CPUs online, load average at start: %s)\n", qVersion(),
                sysconf(_SC_NPROCESSORS_ONLN), loadAverage().constData());

    if (wanted("encode"))
        runEncodingBenchmark(300'000'000);

    QThread upstreamThread;
    auto *upstream = new Upstream;
    upstream->moveToThread(&upstreamThread);
    QObject::connect(&upstreamThread, &QThread::finished, upstream, &QObject::deleteLater);
    upstreamThread.start();
    quint16 upstreamPort = 0;
    QMetaObject::invokeMethod(upstream, [upstream] { return upstream->listen(); },
                              Qt::BlockingQueuedConnection, &upstreamPort);
    if (upstreamPort == 0) {
        fail("the upstream cannot listen on 127.0.0.1");
    } else {
        if (wanted("relay"))
            runRelayBenchmark(upstream, upstreamPort, options);
        if (wanted("memory"))
            runMemoryBenchmark(upstreamPort, upstream, options);
        if (wanted("stall"))
            runStalledClientBenchmark(upstreamPort, upstream, options);
    }
    upstreamThread.quit();
    upstreamThread.wait();

    std::printf("\nTotal %.1f s; load average at end: %s. %s\n", double(total.elapsed()) / 1000,
                loadAverage().constData(),
                g_failed ? "FAILED (see stderr)" : "All events arrived in order.");
    return g_failed ? 1 : 0;
}

#include "bench_relay.moc"
