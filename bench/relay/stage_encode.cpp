// Stage 1: encoding one sse-event message, ours against a naive QJsonObject encoder.

#include "measure.h"
#include "proxymessages.h"
#include "sseevent.h"
#include "stages.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace relaybench {

namespace {

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
    template <typename Encode> double nanosPerEvent(Encode encode, qint64 minNanos)
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

} // namespace

void runEncodingBenchmark(qint64 minNanosPerCase)
{
    std::printf("\n## 1. Encoding one sse-event message (CPU ns/event, this thread)\n\n");
    std::printf("| event data | ours: appendSseEvent, reused buffer | naive: "
                "QJsonObject+toJson+fromUtf8 | naive/ours |\n");
    std::printf("|---|---:|---:|---:|\n");
    const struct
    {
        const char *name;
        int size;
    } cases[] = { { "small (30 chars)", 30 }, { "medium (1 KiB)", 1024 },
        { "large (64 KiB)", 64 * 1024 } };
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

        const double ours = nanosPerEvent(
            [&] {
                buffer.resize(0); // keeps its capacity, as ClientSession does
                ProxyMessages::appendSseEvent(buffer, event);
                return buffer.size();
            },
            minNanosPerCase);
        const double naive
            = nanosPerEvent([&] { return naiveEncode(event).size(); }, minNanosPerCase);
        std::printf("| %s | %.0f | %.0f | %.1fx |\n", c.name, ours, naive, naive / ours);
    }
    std::fflush(stdout);
}

} // namespace relaybench
