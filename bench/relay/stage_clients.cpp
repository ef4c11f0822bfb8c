// Stage 6, "clients": the proxy's two upstream clients (proxy.upstreamClient "qt" and "inline")
// side by side in one run, with the direct reader (no proxy) as the floor. Cases:
//
//   - one event per read: S streams x R ev/s (50 x 100) and each of the "quiet" stream counts
//     at 2 ev/s (10, 500, 2,000); CPU per event of the proxy process (all threads);
//   - saturation: the flood to 1 client and to N clients;
//   - at each quiet count: the proxy's threads (/proc/<pid>/status) and VmRSS, idle, with the
//     sessions open and no request sent yet, and streaming.
//
// Every case starts a fresh proxy per client (RSS deltas are then not blurred by what an earlier
// case left in the heap) and runs the clients back to back, alternating which goes first, so the
// ratios compare figures taken within seconds of each other on this shared machine.

#include "measure.h"
#include "proxyprocess.h"
#include "stages.h"
#include "upstream.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace relaybench {

namespace {

    struct ClientFigures
    {
        RelayResult relay;
        qint64 idleThreads = -1;
        qint64 threads = -1; // at the start of the window
        qint64 idleRssKb = -1; // fresh proxy
        qint64 sessionsRssKb = -1; // WebSocket sessions open, no request yet
        qint64 streamingRssKb = -1; // at the end of the window
        qint64 switchesBefore = -1; // context switches of all the proxy's threads, window start
        qint64 switchesAfter = -1; // and end
        QList<qint64> workerCpuBefore; // each worker thread's CPU, window start
        QList<qint64> workerCpuAfter; // and end
    };

    struct Case
    {
        QString name;
        int streams = 0;
        double rate = 0; // events/s per stream; 0 = flood
        QString path;
        bool quiet = false; // longer window; sessions opened first, then the requests (memory)
        bool direct = false; // measure the direct reader too
        RelayResult directResult;
        std::map<QString, ClientFigures> clients;
    };

    ClientFigures measureClient(const QString &client, const Case &c, Upstream *upstream,
        quint16 port, const Options &options)
    {
        ClientFigures f;
        ProxyProcess proxy;
        // "inline:glib" = the inline client on Qt's default event dispatcher; ":own" on Qt's own
        // (QT_NO_GLIB=1); no suffix: on ours (epoll). ":w2" = proxy.workers 2 (else --workers).
        QString dispatcher = QStringLiteral("epoll");
        int workers = -1;
        const QStringList parts = client.split(u':');
        for (const QString &part : parts.mid(1)) {
            if (part.startsWith(u'w'))
                workers = part.mid(1).toInt();
            else
                dispatcher = part;
        }
        if (!proxy.start(dispatcher, parts.value(0), workers)) {
            fail("cannot start ws-sse-proxy beside bench-relay");
            return f;
        }
        runFor(300);
        f.idleThreads = proxy.threads();
        f.idleRssKb = proxy.rssKb();
        RelayProbe probe;
        if (c.quiet)
            probe.sessionsOpen = [&] { f.sessionsRssKb = proxy.rssKb(); };
        probe.windowStart = [&] {
            f.switchesBefore = proxy.contextSwitches();
            f.workerCpuBefore = proxy.workerCpuMicros();
            f.threads = proxy.threads();
        };
        probe.windowEnd = [&] {
            f.switchesAfter = proxy.contextSwitches();
            f.workerCpuAfter = proxy.workerCpuMicros();
            f.streamingRssKb = proxy.rssKb();
        };
        Options o = options;
        if (c.quiet)
            o.windowMs = qMax(options.windowMs, options.quietWindowMs);
        const QByteArray label = (client + u' ' + c.name).toUtf8();
        f.relay
            = measureRelay(proxy, upstream, port, c.streams, c.path, o, label.constData(), &probe);
        // A stream that stops delivering is no gap (nothing comes after it): check each stream got
        // events in the window when it should have had at least four.
        if (c.rate > 0 && c.rate * o.windowMs / 1000 >= 4 && f.relay.fewestPerClient == 0) {
            std::fprintf(stderr,
                "bench-relay: %s: a stream received no event in the %d ms window\n",
                label.constData(), o.windowMs);
            fail("a stream stopped delivering events");
        }
        proxy.stop();
        return f;
    }

    QString ratio(double a, double b)
    {
        return a > 0 && b > 0 ? QString::number(a / b, 'f', 2) : QStringLiteral("-");
    }

    // CPU per event, marked "~" when the window held fewer than 20 ticks of proxy CPU (/proc counts
    // 10 ms ticks, so such a figure is good to +-5 % at best), left out under 5 ticks.
    QString perEvent(const RelayResult &r)
    {
        if (r.events <= 0 || r.cpuMicros < 50'000)
            return QStringLiteral("-");
        return (r.cpuMicros < 200'000 ? QStringLiteral("~") : QString())
            + QString::number(r.cpuMicrosPerEvent, 'f', 2);
    }

    // Each worker thread's share of the window's CPU, "52 / 48" (%); "-" with one worker.
    QString workerShares(const ClientFigures &f, qint64 windowMicros)
    {
        if (f.workerCpuAfter.size() < 2 || f.workerCpuBefore.size() != f.workerCpuAfter.size()
            || windowMicros <= 0)
            return QStringLiteral("-");
        QStringList shares;
        for (qsizetype i = 0; i < f.workerCpuAfter.size(); ++i)
            shares.append(QString::number(
                100.0 * double(f.workerCpuAfter[i] - f.workerCpuBefore[i]) / double(windowMicros),
                'f', 0));
        return shares.join(QStringLiteral(" / "));
    }

    QString latencyText(const RelayResult &r)
    {
        if (r.latencyP50Ms < 0)
            return QStringLiteral("-");
        return QStringLiteral("%1 / %2 / %3")
            .arg(r.latencyP50Ms, 0, 'f', 2)
            .arg(r.latencyP99Ms, 0, 'f', 2)
            .arg(r.latencyMaxMs, 0, 'f', 1);
    }

    QString verdict(double value, double limit, bool lowerIsBetter = true)
    {
        if (value <= 0)
            return QStringLiteral("not measured (under 5 ticks of CPU in the window, or no data)");
        const bool met = lowerIsBetter ? value <= limit : value >= limit;
        return met ? QStringLiteral("met")
                   : QStringLiteral("MISSED by %1x").arg(value / limit, 0, 'f', 2);
    }

} // namespace

void runUpstreamClientBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options)
{
    const auto tick = [&options](double rate) {
        return QStringLiteral("/tick?size=%1&interval=%2")
            .arg(options.smallSize)
            .arg(qRound(1000 / rate));
    };
    const QString flood = QStringLiteral("/flood?size=%1").arg(options.smallSize);
    QList<int> quietCounts = options.quietStreams;
    std::sort(quietCounts.begin(), quietCounts.end());
    const int mostQuiet = quietCounts.isEmpty() ? 0 : quietCounts.last();

    std::vector<Case> cases;
    cases.push_back({ QStringLiteral("%1 x %2 ev/s").arg(options.lowStreams).arg(options.lowRate),
        options.lowStreams, double(options.lowRate), tick(options.lowRate), false, true, {}, {} });
    for (const int n : quietCounts)
        cases.push_back({ QStringLiteral("%1 x %2 ev/s").arg(n).arg(options.quietRate, 0, 'g', 3),
            n, options.quietRate, tick(options.quietRate), true, n == mostQuiet, {}, {} });
    cases.push_back({ QStringLiteral("flood, 1 client"), 1, 0, flood, false, true, {}, {} });
    cases.push_back({ QStringLiteral("flood, %1 clients").arg(options.clients), options.clients, 0,
        flood, false, false, {}, {} });

    QStringList order = options.upstreamClients;
    for (Case &c : cases) {
        if (c.direct) {
            Options o = options;
            if (c.quiet)
                o.windowMs = qMax(options.windowMs, options.quietWindowMs);
            c.directResult
                = measureDirect(upstream, upstreamPort, c.path.toUtf8(), c.streams, o, true);
        }
        for (const QString &client : order)
            c.clients[client] = measureClient(client, c, upstream, upstreamPort, options);
        std::reverse(order.begin(), order.end()); // the other client goes first next time
    }

    const QStringList &names = options.upstreamClients;
    const bool pair = names.contains(u"qt") && names.contains(u"inline");
    std::printf("\n## 6. Upstream clients (proxy.upstreamClient), same run, %d-char events\n\n",
        options.smallSize);
    std::printf(
        "A fresh proxy per client and case, clients back to back. Direct reader = the same "
        "upstream streams read by plain QTcpSockets on one thread, body through SseParser, "
        "no proxy (its thread's CPU). Proxy CPU = utime+stime of all its threads; context "
        "switches = voluntary + involuntary, all its threads. Windows: "
        "%d ms (quiet cases %d ms) after %d ms warm-up. \"~\": under 20 ticks (10 ms) of CPU in "
        "the window; \"-\": under 5.\n\n",
        options.windowMs, qMax(options.windowMs, options.quietWindowMs), options.warmupMs);
    std::printf("Latency: from the upstream's write to the client's receipt, both in this process "
                "(the upstream stamps each ticking event), ms.\n\n");
    std::printf(
        "| case | reader | k events/s | CPU %% | us CPU/event | context switches/event | "
        "CPU/event vs direct | inline/qt | latency p50 / p99 / max ms | each worker's CPU %% |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    // No ratio from a figure of under 5 ticks (perEvent() shows "-").
    const auto usable
        = [](const RelayResult &r) { return r.cpuMicros >= 50'000 ? r.cpuMicrosPerEvent : 0.0; };
    for (const Case &c : cases) {
        const double direct = c.direct ? c.directResult.cpuMicrosPerEvent : 0;
        if (c.direct)
            std::printf("| %s | direct reader | %.1f | %.0f | %.2f | - | 1 | - | %s | - |\n",
                qPrintable(c.name), c.directResult.eventsPerSecond / 1000,
                c.directResult.proxyCpuPercent, direct, qPrintable(latencyText(c.directResult)));
        for (const QString &n : names) {
            const ClientFigures &f = c.clients.at(n);
            const RelayResult &r = f.relay;
            const QString vsQt = pair && n == u"inline"
                ? ratio(usable(r), usable(c.clients.at(QStringLiteral("qt")).relay))
                : QStringLiteral("-");
            const qint64 switches = f.switchesAfter - f.switchesBefore;
            const qint64 windowMicros
                = r.proxyCpuPercent > 0 ? qint64(double(r.cpuMicros) * 100 / r.proxyCpuPercent) : 0;
            std::printf("| %s | %s | %.1f | %.0f | %s | %s | %s | %s | %s | %s |\n",
                qPrintable(c.name), qPrintable(n), r.eventsPerSecond / 1000, r.proxyCpuPercent,
                qPrintable(perEvent(r)),
                r.events > 0 && f.switchesBefore >= 0 && f.switchesAfter >= 0
                    ? qPrintable(QString::number(double(switches) / double(r.events), 'f', 2))
                    : "-",
                qPrintable(ratio(usable(r), direct)), qPrintable(vsQt), qPrintable(latencyText(r)),
                qPrintable(workerShares(f, windowMicros)));
        }
    }

    std::printf(
        "\nThreads and memory of the proxy process (VmRSS; \"per session\" = (streaming - idle) "
        "/ streams; \"per stream\" = (streaming - sessions open, no request) / streams):\n\n");
    std::printf("| open streams | client | threads idle | threads streaming | RSS idle KB | "
                "RSS sessions open KB | RSS streaming KB | KiB per session | KiB per stream | "
                "fewest events of a stream in the window | k events/s (nominal) | bench clients "
                "CPU %% |\n");
    std::printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Case &c : cases) {
        if (!c.quiet)
            continue;
        for (const QString &n : names) {
            const ClientFigures &f = c.clients.at(n);
            std::printf("| %d | %s | %lld | %lld | %lld | %lld | %lld | %.1f | %.1f | %lld of ~%d "
                        "| %.1f (%.1f) | %.0f |\n",
                c.streams, qPrintable(n), f.idleThreads, f.threads, f.idleRssKb, f.sessionsRssKb,
                f.streamingRssKb, double(f.streamingRssKb - f.idleRssKb) / c.streams,
                double(f.streamingRssKb - f.sessionsRssKb) / c.streams, f.relay.fewestPerClient,
                qRound(c.rate * qMax(options.windowMs, options.quietWindowMs) / 1000),
                f.relay.eventsPerSecond / 1000, double(c.streams) * c.rate / 1000,
                f.relay.clientCpuPercent);
        }
    }

    if (!pair) {
        std::fflush(stdout);
        return;
    }
    // The targets, from the figures above.
    const auto quietCase = [&cases](int streams) -> const Case * {
        for (const Case &c : cases) {
            if (c.quiet && c.streams == streams)
                return &c;
        }
        return nullptr;
    };
    std::printf("\nTargets (inline client):\n\n");
    for (const Case &c : cases) {
        if (!c.direct || c.path == flood)
            continue;
        const double in = usable(c.clients.at(QStringLiteral("inline")).relay);
        const double qt = usable(c.clients.at(QStringLiteral("qt")).relay);
        const double direct = c.directResult.cpuMicrosPerEvent;
        const auto value = [](double a, double b) { return a > 0 && b > 0 ? a / b : 0.0; };
        std::printf("- %s, one event per read: inline/qt %s (target <= 0.33: %s); inline/direct %s "
                    "(target <= 2: %s)\n",
            qPrintable(c.name), qPrintable(ratio(in, qt)),
            qPrintable(verdict(value(in, qt), 1.0 / 3)), qPrintable(ratio(in, direct)),
            qPrintable(verdict(value(in, direct), 2.0)));
    }
    if (!quietCounts.isEmpty()) {
        const ClientFigures &inFewest
            = quietCase(quietCounts.first())->clients.at(QStringLiteral("inline"));
        const ClientFigures &qtFewest
            = quietCase(quietCounts.first())->clients.at(QStringLiteral("qt"));
        const ClientFigures &inMost = quietCase(mostQuiet)->clients.at(QStringLiteral("inline"));
        const ClientFigures &qtMost = quietCase(mostQuiet)->clients.at(QStringLiteral("qt"));
        std::printf("- threads from %d to %d streams: inline %lld -> %lld (target flat: %s); qt "
                    "%lld -> %lld\n",
            quietCounts.first(), mostQuiet, inFewest.threads, inMost.threads,
            inMost.threads == inFewest.threads && inMost.threads > 0 ? "met" : "MISSED",
            qtFewest.threads, qtMost.threads);
        const auto perSession = [mostQuiet](const ClientFigures &f) {
            return double(f.streamingRssKb - f.idleRssKb) / mostQuiet;
        };
        const auto perStream = [mostQuiet](const ClientFigures &f) {
            return double(f.streamingRssKb - f.sessionsRssKb) / mostQuiet;
        };
        std::printf(
            "- RSS at %d streams: inline %.1f KiB per session (WebSocket + stream; target <= 40 "
            "KiB: "
            "%s), %.1f KiB per upstream stream over an open session (%s); qt %.1f and %.1f KiB\n",
            mostQuiet, perSession(inMost), qPrintable(verdict(perSession(inMost), 40)),
            perStream(inMost), qPrintable(verdict(perStream(inMost), 40)), perSession(qtMost),
            perStream(qtMost));
        if (quietCounts.first() < mostQuiet) {
            // Per additional session: without the fixed cost of the first sessions (libraries'
            // and Qt's one-time allocations, a few MB) that "per session" spreads over N.
            const auto marginal = [&](const ClientFigures &few, const ClientFigures &most) {
                return double(most.streamingRssKb - few.streamingRssKb)
                    / (mostQuiet - quietCounts.first());
            };
            std::printf(
                "- RSS per additional streaming session from %d to %d streams: inline %.1f KiB "
                "(target <= 40 KiB: %s); qt %.1f KiB\n",
                quietCounts.first(), mostQuiet, marginal(inFewest, inMost),
                qPrintable(verdict(marginal(inFewest, inMost), 40)), marginal(qtFewest, qtMost));
        }
    }
    for (const Case &c : cases) {
        if (c.path != flood)
            continue;
        const double in = c.clients.at(QStringLiteral("inline")).relay.cpuMicrosPerEvent;
        const double qt = c.clients.at(QStringLiteral("qt")).relay.cpuMicrosPerEvent;
        std::printf(
            "- saturation, %s: inline/qt %.2f (target: no worse than qt, i.e. ~1 within noise)\n",
            qPrintable(c.name), in / qMax(1e-9, qt));
    }
    std::fflush(stdout);
}

} // namespace relaybench
