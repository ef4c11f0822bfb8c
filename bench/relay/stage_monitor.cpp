// Stage 5: does monitoring slow the relay? The same relay cases in one proxy process, with and
// without a /monitor feed connected, alternated round by round (A B, B A, A B, ...) so that the
// drift of a shared machine falls on both sides alike.
//
//   A: flood to 1 client, no monitor.  B: the same, a monitor connected and subscribed to the
//   flooded session (every relayed event is then copied into a record for the feed).
//   C: S streams x R events/s, without and with a monitor connected (not subscribed).

#include "measure.h"
#include "monitorclient.h"
#include "proxyprocess.h"
#include "stages.h"

#include <QElapsedTimer>
#include <QObject>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace relaybench {

namespace {

    struct Sample
    {
        RelayResult relay;
        MonitorClient::Counts feed; // over the measuring window; zero without a monitor
        double seconds = 0;
    };

    // One relay case; with `watch` a monitor connects once the clients stream and, with
    // `subscribe`, follows the session it sees streaming (the flood has only one).
    Sample measureCase(ProxyProcess &proxy, Upstream *upstream, quint16 upstreamPort, int clients,
        const QString &path, const Options &options, const char *label, bool watch, bool subscribe)
    {
        QObject owner;
        MonitorClient *monitor = nullptr;
        MonitorClient::Counts before;
        Sample sample;
        QElapsedTimer window;
        RelayProbe probe;
        probe.ready = [&] {
            if (!watch)
                return;
            monitor = new MonitorClient(proxy.monitorUrl(), &owner);
            if (!waitUntil([&] { return monitor->snapshotReceived(); }, 5000)) {
                fail("the monitor feed sent no snapshot");
                return;
            }
            if (!subscribe)
                return;
            if (!waitUntil([&] { return monitor->streamingSession() != 0; }, 5000)) {
                fail("the monitor feed shows no streaming session");
                return;
            }
            monitor->subscribe(monitor->streamingSession());
            if (!waitUntil([&] { return monitor->liveEventRecords() > 0; }, 5000))
                fail("the subscribed monitor received no session-events");
        };
        probe.windowStart = [&] {
            window.start();
            if (monitor)
                before = monitor->counts();
        };
        probe.windowEnd = [&] {
            sample.seconds = double(window.nsecsElapsed()) / 1e9;
            if (monitor)
                sample.feed = monitor->counts() - before;
        };
        sample.relay
            = measureRelay(proxy, upstream, upstreamPort, clients, path, options, label, &probe);
        if (monitor && monitor->problems() != 0)
            fail("the monitor feed sent undecodable or error messages");
        if (monitor) {
            monitor->abort();
            runFor(200); // the proxy drops the monitor: its feed timers stop before the next case
        }
        return sample;
    }

    struct Series
    {
        const char *name;
        std::vector<Sample> samples;

        std::vector<double> cpuPerEvent() const
        {
            std::vector<double> v;
            for (const Sample &s : samples)
                v.push_back(s.relay.cpuMicrosPerEvent);
            return v;
        }
    };

    double median(std::vector<double> v)
    {
        if (v.empty())
            return 0;
        std::sort(v.begin(), v.end());
        const size_t n = v.size();
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    QString minMax(const std::vector<double> &v, int decimals)
    {
        if (v.empty())
            return QStringLiteral("-");
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        return QStringLiteral("%1-%2 (%3)")
            .arg(*lo, 0, 'f', decimals)
            .arg(*hi, 0, 'f', decimals)
            .arg(median(v), 0, 'f', decimals);
    }

    QString list(const std::vector<double> &v, int decimals)
    {
        QStringList parts;
        for (double x : v)
            parts.append(QString::number(x, 'f', decimals));
        return parts.join(QStringLiteral(", "));
    }

    void printSeries(const Series &series)
    {
        std::vector<double> rates;
        std::vector<double> cpuPercent;
        for (const Sample &s : series.samples) {
            rates.push_back(s.relay.eventsPerSecond / 1000);
            cpuPercent.push_back(s.relay.proxyCpuPercent);
        }
        std::printf("| %s | %s | %s | %s | %s |\n", series.name,
            qPrintable(list(series.cpuPerEvent(), 2)), qPrintable(minMax(series.cpuPerEvent(), 2)),
            qPrintable(minMax(rates, 1)), qPrintable(minMax(cpuPercent, 0)));
    }

    void printRatio(const char *name, const Series &with, const Series &without)
    {
        std::vector<double> ratios;
        const std::vector<double> a = without.cpuPerEvent();
        const std::vector<double> b = with.cpuPerEvent();
        for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
            ratios.push_back(a[i] > 0 ? b[i] / a[i] : 0);
        const double ofMedians = median(a) > 0 ? median(b) / median(a) : 0;
        std::printf("| %s | %s | %s | ratio of medians %.3f |\n", name, qPrintable(list(ratios, 3)),
            qPrintable(minMax(ratios, 3)), ofMedians);
    }

    void printFeed(const Series &series)
    {
        std::vector<double> messages, kilobytes, updates, totals, batches, records, skipped;
        for (const Sample &s : series.samples) {
            const double sec = qMax(1e-9, s.seconds);
            messages.push_back(double(s.feed.messages) / sec);
            kilobytes.push_back(double(s.feed.characters) / 1024 / sec);
            updates.push_back(double(s.feed.sessionUpdated) / sec);
            totals.push_back(double(s.feed.totals) / sec);
            batches.push_back(double(s.feed.sessionEventBatches) / sec);
            records.push_back(double(s.feed.eventRecords) / sec);
            skipped.push_back(double(s.feed.skipped) / sec);
        }
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", series.name,
            qPrintable(minMax(messages, 1)), qPrintable(minMax(kilobytes, 1)),
            qPrintable(minMax(updates, 1)), qPrintable(minMax(totals, 1)),
            qPrintable(minMax(batches, 1)), qPrintable(minMax(records, 0)),
            qPrintable(minMax(skipped, 0)));
    }

} // namespace

void runMonitorBenchmark(Upstream *upstream, quint16 upstreamPort, const Options &options)
{
    const QString flood = QStringLiteral("/flood?size=%1").arg(options.smallSize);
    const QString tick
        = QStringLiteral("/tick?size=%1&rate=%2").arg(options.smallSize).arg(options.lowRate);
    ProxyProcess proxy;
    if (!proxy.start(QStringLiteral("epoll"))) {
        fail("cannot start ws-sse-proxy beside bench-relay");
        return;
    }
    Series floodPlain { "A: flood, 1 client, no monitor", {} };
    Series floodWatched { "B: flood, 1 client, monitor subscribed to it", {} };
    Series tickPlain { "C: S x R ticking, no monitor", {} };
    Series tickWatched { "C: S x R ticking, monitor connected", {} };
    for (int round = 0; round < options.monitorRounds; ++round) {
        // A B, then B A: a trend over the run weighs on both sides alike.
        for (const bool watch : { round % 2 == 1, round % 2 == 0 }) {
            (watch ? floodWatched : floodPlain)
                .samples.push_back(measureCase(proxy, upstream, upstreamPort, 1, flood, options,
                    watch ? "monitor B" : "monitor A", watch, true));
        }
        for (const bool watch : { round % 2 == 1, round % 2 == 0 }) {
            (watch ? tickWatched : tickPlain)
                .samples.push_back(measureCase(proxy, upstream, upstreamPort, options.lowStreams,
                    tick, options, watch ? "monitor C with" : "monitor C without", watch, false));
        }
    }
    proxy.stop();

    std::printf(
        "\n## 5. Monitoring: relay with and without a /monitor feed (%d rounds, alternated; "
        "epoll; %d-char events; S x R = %d x %d ev/s)\n\n",
        options.monitorRounds, options.smallSize, options.lowStreams, options.lowRate);
    std::printf("| case | proxy us CPU/event, by round | min-max (median) | k events/s delivered | "
                "proxy CPU %% |\n");
    std::printf("|---|---|---:|---:|---:|\n");
    for (const Series *series : { &floodPlain, &floodWatched, &tickPlain, &tickWatched })
        printSeries(*series);
    std::printf(
        "\n| CPU per event, same round | by round | min-max (median) | |\n|---|---|---:|---|\n");
    printRatio("B/A (flood, subscribed monitor)", floodWatched, floodPlain);
    printRatio("C with/without (ticking, monitor connected)", tickWatched, tickPlain);
    std::printf("\nWhat the monitor received during the windows (per second):\n\n");
    std::printf("| case | messages | KB | session-updated | totals | session-events batches | "
                "event records | skipped |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    printFeed(floodWatched);
    printFeed(tickWatched);
    std::fflush(stdout);
}

} // namespace relaybench
