// bench-relay: what relaying one SSE event costs, end to end, in the real ws-sse-proxy.
//
//   1. Encoding: ProxyMessages::appendSseEvent into a reused buffer against the naive
//      QJsonObject + QJsonDocument::toJson + QString::fromUtf8, same events, same run.
//   2. Relay: starts <this dir>/ws-sse-proxy (or --proxy) as a child on port 0, feeds it from an
//   in-process
//      SSE upstream (flood or ticking) and reads with QWebSocket clients in this process.
//      Reports events/s delivered and the PROXY PROCESS's CPU (utime+stime from /proc) per event,
//      against a direct QTcpSocket reader of the same flood (no proxy) measured in the same run;
//      once on each event dispatcher named (--dispatchers: epoll, glib, own = QT_NO_GLIB=1).
//      Every event carries a sequence number: clients check order and gaps while measuring.
//   3. Memory: proxy RSS idle, with N idle sessions, and with M sessions streaming slowly.
//   4. A client that stops reading while the upstream floods: proxy RSS and upstream bytes stay
//      bounded.
//   5. Monitoring: the same relay cases with and without a /monitor feed connected (and
//      subscribed to the flooded session), alternated in one proxy process.
//   6. Upstream clients: proxy.upstreamClient "qt" and "inline" back to back, with the direct
//      reader (SseParser) as the floor: CPU per event at one event per read (50 x 100 ev/s,
//      10 / 500 / 2,000 streams x 2 ev/s) and at saturation, threads and RSS per stream.
//
// Loopback only, bounded in time (about 3 min with the defaults, half of it stage 6). Exits
// non-zero when an event is lost, reordered or mis-encoded, when a stream stops delivering, or
// when a stage cannot run. Build it in a Release tree.
// One file per stage (stage_*.cpp); docs/BENCHMARKS.md, "Relay", has results.

#include "epolleventdispatcher.h"
#include "measure.h"
#include "proxyprocess.h"
#include "stages.h"
#include "upstream.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstdio>

#include <unistd.h>

using namespace relaybench;

namespace {

int intOption(const QCommandLineParser &parser, const QCommandLineOption &option, int fallback)
{
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    return ok && value >= 0 ? value : fallback;
}

} // namespace

int main(int argc, char *argv[])
{
    // The harness's own threads hold as many sockets as the proxy (clients, upstream streams):
    // on Qt's dispatchers, which poll every one on each wake-up, the harness would be what
    // limits the quiet cases, not the proxy.
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench-relay"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures relaying SSE events through ws-sse-proxy (started from this program's\n"
        "directory) on loopback. Prints Markdown tables; exits 1 if any event is lost."));
    parser.addHelpOption();
    const QCommandLineOption windowOption(QStringLiteral("window"),
        QStringLiteral("Measuring window per relay case, ms (3000)."), QStringLiteral("ms"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup"),
        QStringLiteral("Warm-up before each window, ms (500)."), QStringLiteral("ms"));
    const QCommandLineOption clientsOption(QStringLiteral("clients"),
        QStringLiteral("Clients in the many-clients flood case (16)."), QStringLiteral("n"));
    const QCommandLineOption idleOption(QStringLiteral("idle-sessions"),
        QStringLiteral("Idle sessions in the memory test (1000)."), QStringLiteral("n"));
    const QCommandLineOption streamingOption(QStringLiteral("streaming-sessions"),
        QStringLiteral("Streaming sessions in the memory test (500)."), QStringLiteral("n"));
    const QCommandLineOption stallOption(QStringLiteral("stall-seconds"),
        QStringLiteral("Duration of the non-reading client test (10)."), QStringLiteral("s"));
    const QCommandLineOption casesOption(QStringLiteral("cases"),
        QStringLiteral("Relay cases: flood1,floodN,tick (all)."), QStringLiteral("list"));
    const QCommandLineOption dispatchersOption(QStringLiteral("dispatchers"),
        QStringLiteral("Proxy event dispatchers compared in stage relay, the last one the base: "
                       "epoll,glib (default), own (Qt's own: QT_NO_GLIB=1)."),
        QStringLiteral("list"));
    const QCommandLineOption roundsOption(QStringLiteral("monitor-rounds"),
        QStringLiteral("A/B rounds of the monitor stage (3)."), QStringLiteral("n"));
    const QCommandLineOption proxyOption(QStringLiteral("proxy"),
        QStringLiteral("The ws-sse-proxy to measure (the one beside bench-relay)."),
        QStringLiteral("path"));
    const QCommandLineOption workersOption(QStringLiteral("workers"),
        QStringLiteral(
            "proxy.workers of every proxy measured (the proxy's default: one per core)."),
        QStringLiteral("n"));
    const QCommandLineOption onlyOption(QStringLiteral("only"),
        QStringLiteral("Run only these stages: encode,relay,memory,stall,monitor,clients."),
        QStringLiteral("list"));
    const QCommandLineOption tickStreamsOption(QStringLiteral("tick-streams"),
        QStringLiteral("Streams of the ticking cases, stages relay, monitor and clients (50)."),
        QStringLiteral("n"));
    const QCommandLineOption tickRateOption(QStringLiteral("tick-rate"),
        QStringLiteral("Events/s per stream of the ticking cases (100)."), QStringLiteral("n"));
    const QCommandLineOption upstreamClientsOption(QStringLiteral("upstream-clients"),
        QStringLiteral(
            "Upstream clients compared in stage clients: qt,inline (both); a suffix :glib or :own "
            "runs that one on Qt's dispatcher, glib's or its own (QT_NO_GLIB=1), instead of epoll "
            "(e.g. inline,inline:glib); :wN with proxy.workers N (e.g. inline:w1,inline:w2)."),
        QStringLiteral("list"));
    const QCommandLineOption quietOption(QStringLiteral("quiet-streams"),
        QStringLiteral("Stream counts of the quiet cases in stage clients (10,500,2000)."),
        QStringLiteral("list"));
    const QCommandLineOption quietRateOption(QStringLiteral("quiet-rate"),
        QStringLiteral("Events/s per stream of the quiet cases (2; 0.5 = one every 2 s)."),
        QStringLiteral("n"));
    const QCommandLineOption eventSizeOption(QStringLiteral("event-size"),
        QStringLiteral("Characters of data per event of the ticking and flood cases (30)."),
        QStringLiteral("n"));
    const QCommandLineOption quietWindowOption(QStringLiteral("quiet-window"),
        QStringLiteral("Measuring window of the quiet cases, ms (6000; at least --window)."),
        QStringLiteral("ms"));
    parser.addOption(workersOption);
    parser.addOption(eventSizeOption);
    parser.addOptions({ windowOption, warmupOption, clientsOption, idleOption, streamingOption,
        stallOption, casesOption, dispatchersOption, roundsOption, proxyOption, onlyOption,
        tickStreamsOption, tickRateOption, upstreamClientsOption, quietOption, quietRateOption,
        quietWindowOption });
    parser.process(app);

    Options options;
    options.windowMs = qMax(500, intOption(parser, windowOption, options.windowMs));
    options.warmupMs = intOption(parser, warmupOption, options.warmupMs);
    options.clients = qMax(1, intOption(parser, clientsOption, options.clients));
    options.idleSessions = qMax(1, intOption(parser, idleOption, options.idleSessions));
    options.streamingSessions
        = qMax(1, intOption(parser, streamingOption, options.streamingSessions));
    options.stallSeconds = qMax(2, intOption(parser, stallOption, options.stallSeconds));
    options.monitorRounds = qMax(1, intOption(parser, roundsOption, options.monitorRounds));
    if (parser.isSet(casesOption))
        options.relayCases = parser.value(casesOption).split(u',', Qt::SkipEmptyParts);
    if (parser.isSet(dispatchersOption))
        options.dispatchers = parser.value(dispatchersOption).split(u',', Qt::SkipEmptyParts);
    for (const QString &dispatcher : options.dispatchers) {
        if (dispatcher != u"epoll" && dispatcher != u"glib" && dispatcher != u"own") {
            std::fprintf(stderr, "bench-relay: unknown dispatcher \"%s\" (epoll, glib, own)\n",
                qPrintable(dispatcher));
            return 2;
        }
    }
    options.lowStreams = qMax(1, intOption(parser, tickStreamsOption, options.lowStreams));
    options.lowRate = qBound(1, intOption(parser, tickRateOption, options.lowRate), 1000);
    if (parser.isSet(quietRateOption))
        options.quietRate = qBound(0.01, parser.value(quietRateOption).toDouble(), 1000.0);
    if (parser.isSet(eventSizeOption))
        options.smallSize = qBound(1, intOption(parser, eventSizeOption, options.smallSize), 65536);
    options.quietWindowMs = intOption(parser, quietWindowOption, options.quietWindowMs);
    if (parser.isSet(upstreamClientsOption))
        options.upstreamClients
            = parser.value(upstreamClientsOption).split(u',', Qt::SkipEmptyParts);
    if (parser.isSet(quietOption)) {
        options.quietStreams.clear();
        for (const QString &n : parser.value(quietOption).split(u',', Qt::SkipEmptyParts))
            options.quietStreams.append(qMax(1, n.toInt()));
    }
    if (parser.isSet(proxyOption))
        setProxyProgram(parser.value(proxyOption));
    if (parser.isSet(workersOption))
        setProxyWorkers(qBound(0, intOption(parser, workersOption, 0), 64));
    const QStringList only = parser.value(onlyOption).split(u',', Qt::SkipEmptyParts);
    const auto wanted = [&only](const char *stage) {
        return only.isEmpty() || only.contains(QLatin1String(stage));
    };

    raiseFileLimit();
    QElapsedTimer total;
    total.start();
    std::printf("# bench-relay (Qt %s, %ld CPUs online, load average at start: %s)\n", qVersion(),
        sysconf(_SC_NPROCESSORS_ONLN), loadAverage().constData());

    if (wanted("encode"))
        runEncodingBenchmark(300'000'000);

    QThread upstreamThread;
    upstreamThread.setEventDispatcher(new EpollEventDispatcher);
    auto *upstream = new Upstream;
    upstream->moveToThread(&upstreamThread);
    QObject::connect(&upstreamThread, &QThread::finished, upstream, &QObject::deleteLater);
    upstreamThread.start();
    quint16 upstreamPort = 0;
    QMetaObject::invokeMethod(
        upstream, [upstream] { return upstream->listen(); }, Qt::BlockingQueuedConnection,
        &upstreamPort);
    if (upstreamPort == 0) {
        fail("the upstream cannot listen on 127.0.0.1");
    } else {
        if (wanted("relay"))
            runRelayBenchmark(upstream, upstreamPort, options);
        if (wanted("memory"))
            runMemoryBenchmark(upstreamPort, upstream, options);
        if (wanted("stall"))
            runStalledClientBenchmark(upstreamPort, upstream, options);
        if (wanted("monitor"))
            runMonitorBenchmark(upstream, upstreamPort, options);
        if (wanted("clients"))
            runUpstreamClientBenchmark(upstream, upstreamPort, options);
    }
    upstreamThread.quit();
    upstreamThread.wait();

    std::printf("\nTotal %.1f s; load average at end: %s. %s\n", double(total.elapsed()) / 1000,
        loadAverage().constData(),
        failed() ? "FAILED (see stderr)" : "All events arrived in order.");
    return failed() ? 1 : 0;
}
