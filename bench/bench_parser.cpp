// bench-parser: SseParser throughput for small and large events at several chunk sizes, against
// baselines measured in the same run over the same bytes, and a linearity check for one very
// long line fed in small chunks. Bounded to roughly 10 seconds; exits non-zero if the parser
// miscounts events or a long line costs more than linear time.
//
// Each figure is given twice: from wall time (QElapsedTimer) and from this thread's CPU time.
// On a shared machine the wall figures drop whenever other processes take the cores; the CPU
// figures (and the ratios, which compare runs of the same process) stay comparable.

#include "sseparser.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QString>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {

constexpr qint64 minNanosPerCase = 300'000'000; // each throughput figure covers >= 0.3 s
const qsizetype chunkSizes[] = { 1, 16, 256, 4096, 65536 };

struct Input
{
    const char *name;
    QByteArray bytes;
    qint64 events = 0;
};

// Typical ticker-style events: an id, a type and a one-line JSON payload (~90 bytes each).
Input smallEvents(qsizetype targetBytes)
{
    Input in { "small (~90 B)", {}, 0 };
    while (in.bytes.size() < targetBytes) {
        const QByteArray n = QByteArray::number(in.events);
        in.bytes += "id: " + n + "\nevent: update\ndata: {\"seq\":" + n
            + ",\"symbol\":\"ABC\",\"price\":101.25,\"qty\":7}\n\n";
        ++in.events;
    }
    return in;
}

// 64 KiB single-line payloads, about 1% of the characters two-byte UTF-8.
Input largeEvents(qsizetype targetBytes)
{
    QByteArray payload;
    while (payload.size() < 64 * 1024)
        payload += (payload.size() % 200 == 0) ? QByteArray("Ж") : QByteArray("abcdefghij");
    Input in { "large (64 KiB)", {}, 0 };
    while (in.bytes.size() < targetBytes) {
        in.bytes += "event: blob\ndata: " + payload + "\n\n";
        ++in.events;
    }
    return in;
}

qint64 g_sink = 0; // results flow here so the compiler cannot drop the work

qint64 threadCpuNanos()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Wall and CPU time of one measured stretch.
class Stopwatch
{
public:
    Stopwatch()
        : m_cpuStart(threadCpuNanos())
    {
        m_wall.start();
    }
    qint64 wallNanos() const { return m_wall.nsecsElapsed(); }
    qint64 cpuNanos() const { return threadCpuNanos() - m_cpuStart; }

private:
    QElapsedTimer m_wall;
    qint64 m_cpuStart;
};

struct Measurement
{
    qint64 wallNanos = 0;
    qint64 cpuNanos = 0;
    qint64 bytes = 0;
    qint64 events = 0;
    void stop(const Stopwatch &watch)
    {
        wallNanos = watch.wallNanos();
        cpuNanos = watch.cpuNanos();
    }
    double wallMBps() const { return double(bytes) / 1e6 / (double(wallNanos) / 1e9); }
    double cpuMBps() const { return double(bytes) / 1e6 / (double(cpuNanos) / 1e9); }
    double cpuNanosPerEvent() const { return events ? double(cpuNanos) / double(events) : 0.0; }
};

// Feeds the input in `chunk`-byte pieces, repeated until minNanosPerCase has passed.
Measurement measureParser(const Input &in, qsizetype chunk, bool *countsOk)
{
    SseParser parser;
    qint64 dispatched = 0;
    QObject::connect(&parser, &SseParser::eventDispatched, &parser, [&](const SseEvent &event) {
        ++dispatched;
        g_sink += event.data.size();
    });
    Measurement m;
    const Stopwatch watch;
    do {
        parser.reset();
        const char *p = in.bytes.constData();
        const char *const end = p + in.bytes.size();
        for (; p < end; p += chunk)
            parser.feed(QByteArrayView(p, std::min<qsizetype>(chunk, end - p)));
        parser.finish();
        m.bytes += in.bytes.size();
        m.events += in.events;
    } while (watch.wallNanos() < minNanosPerCase);
    m.stop(watch);
    if (dispatched != m.events) {
        std::fprintf(stderr, "%s, chunk %lld: dispatched %lld events, expected %lld\n", in.name,
            qlonglong(chunk), qlonglong(dispatched), qlonglong(m.events));
        *countsOk = false;
    }
    return m;
}

// The floor for any line-based reader: memchr for each LF over the whole buffer, no decoding.
Measurement measureMemchrBaseline(const Input &in)
{
    Measurement m;
    const Stopwatch watch;
    do {
        const char *p = in.bytes.constData();
        const char *const end = p + in.bytes.size();
        qint64 lines = 0;
        while (p < end) {
            const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
            if (!lf)
                break;
            g_sink += lf - p;
            ++lines;
            p = lf + 1;
        }
        g_sink += lines;
        m.bytes += in.bytes.size();
        m.events += in.events;
    } while (watch.wallNanos() < minNanosPerCase);
    m.stop(watch);
    return m;
}

// A second reference: only the UTF-8 -> UTF-16 conversion of the whole buffer, with Qt's decoder.
Measurement measureFromUtf8Baseline(const Input &in)
{
    Measurement m;
    const Stopwatch watch;
    do {
        g_sink += QString::fromUtf8(in.bytes).size();
        m.bytes += in.bytes.size();
        m.events += in.events;
    } while (watch.wallNanos() < minNanosPerCase);
    m.stop(watch);
    return m;
}

// One `data:` line of `lineBytes` bytes in `chunk`-byte pieces; best of three runs, in CPU ns.
qint64 timeLongLine(qsizetype lineBytes, qsizetype chunk)
{
    const QByteArray input = "data: " + QByteArray(lineBytes - 6, 'x') + "\n\n";
    SseParser parser(SseParser::Limits { 64 * 1024 * 1024, 64 * 1024 * 1024 });
    qint64 dispatched = 0;
    QObject::connect(&parser, &SseParser::eventDispatched, &parser, [&](const SseEvent &event) {
        ++dispatched;
        g_sink += event.data.size();
    });
    qint64 best = -1;
    for (int run = 0; run < 3; ++run) {
        parser.reset();
        const Stopwatch watch;
        const char *p = input.constData();
        const char *const end = p + input.size();
        for (; p < end; p += chunk)
            parser.feed(QByteArrayView(p, std::min<qsizetype>(chunk, end - p)));
        const qint64 nanos = watch.cpuNanos();
        best = best < 0 ? nanos : std::min(best, nanos);
    }
    if (dispatched != 3)
        std::fprintf(stderr, "long line, chunk %lld: %lld events\n", qlonglong(chunk),
            qlonglong(dispatched));
    return best;
}

} // namespace

int main()
{
#ifdef __GLIBC__
    // Keep freed blocks in the heap instead of returning each large one to the kernel: otherwise
    // every multi-megabyte line is written into fresh pages, and page faults (linear, but ~3x the
    // parser's own cost) hide what the parser does. A long-running proxy reuses its heap the same
    // way.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
    QElapsedTimer total;
    total.start();
    bool ok = true;

    const Input inputs[] = { smallEvents(4 * 1024 * 1024), largeEvents(4 * 1024 * 1024) };
    std::printf("SseParser throughput (each row: >= %.1f s of repeated parsing of 4 MiB)\n\n",
        double(minNanosPerCase) / 1e9);
    std::printf(
        "| events | chunk (B) | MB/s (wall) | MB/s (CPU) | ns/event (CPU) | vs memchr (CPU) |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (const Input &in : inputs) {
        const Measurement memchrBase = measureMemchrBaseline(in);
        const Measurement utf8Base = measureFromUtf8Baseline(in);
        for (qsizetype chunk : chunkSizes) {
            const Measurement m = measureParser(in, chunk, &ok);
            std::printf("| %s | %lld | %.1f | %.1f | %.0f | %.3f |\n", in.name, qlonglong(chunk),
                m.wallMBps(), m.cpuMBps(), m.cpuNanosPerEvent(),
                m.cpuMBps() / memchrBase.cpuMBps());
        }
        std::printf("| %s | baseline: memchr line split | %.1f | %.1f | %.0f | 1.000 |\n", in.name,
            memchrBase.wallMBps(), memchrBase.cpuMBps(), memchrBase.cpuNanosPerEvent());
        std::printf("| %s | baseline: QString::fromUtf8 only | %.1f | %.1f | %.0f | %.3f |\n",
            in.name, utf8Base.wallMBps(), utf8Base.cpuMBps(), utf8Base.cpuNanosPerEvent(),
            utf8Base.cpuMBps() / memchrBase.cpuMBps());
    }

    // Linear cost means a line four times as long takes about four times as long, at any chunk
    // size; a parser that re-scanned or re-copied the line it carries would show ~16x (and with
    // 1-byte chunks would not finish an 8 MiB line at all).
    const qsizetype big = 8 * 1024 * 1024;
    const qsizetype quarter = big / 4;
    std::printf("\nOne long data line fed in chunks (CPU time, best of 3)\n\n");
    std::printf("| chunk (B) | feed() calls | 8 MiB line (ms) | 2 MiB line (ms) | ratio 8/2 | MB/s "
                "(8 MiB) | ns/feed() |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (qsizetype chunk : chunkSizes) {
        const qint64 nanosBig = timeLongLine(big, chunk);
        const qint64 nanosQuarter = timeLongLine(quarter, chunk);
        const double ratio = double(nanosBig) / double(std::max<qint64>(nanosQuarter, 1));
        const qsizetype calls = (big + 2 + chunk - 1) / chunk;
        std::printf("| %lld | %lld | %.1f | %.1f | %.2f | %.1f | %.1f |\n", qlonglong(chunk),
            qlonglong(calls), double(nanosBig) / 1e6, double(nanosQuarter) / 1e6, ratio,
            double(big) / 1e6 / (double(nanosBig) / 1e9), double(nanosBig) / double(calls));
        if (ratio > 8.0) {
            std::fprintf(stderr, "chunk %lld: 4x the line took %.1fx the time: not linear\n",
                qlonglong(chunk), ratio);
            ok = false;
        }
    }

    std::printf("\ntotal %.1f s (wall)\n", double(total.elapsed()) / 1e3);
    if (g_sink == 0)
        std::printf("(nothing parsed?)\n");
    return ok ? 0 : 1;
}
