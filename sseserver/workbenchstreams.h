#pragma once

#include "responsesource.h"

// Long-lived streams for exercising SSE clients and proxies (docs/TEST-SERVER.md).

// /ticks: an event every `intervalMs` (the first at once), `count` of them or endless when 0.
// Event n: `event: tick`, `id: tick-<n>`, data `tick <n>` or, when `size` > 0, exactly `size`
// bytes: `tick <n> ` followed by 'x' filler, cut to `size`.
//
// With `breakAfter` > 0 the body is chunked and, after `breakAfter` ticks in this response, it
// breaks the way /broken does (half a tick, then a reset instead of the last chunk), so that a
// client resuming with Last-Event-ID gets the next `breakAfter`, and so on; the response that
// reaches `count` ends cleanly with the last chunk.
class TickStream : public ResponseSource
{
public:
    // resumeAfter: the ticks already delivered (from Last-Event-ID: resumePoint()).
    TickStream(
        int intervalMs, qint64 count, qint64 size, qint64 resumeAfter = 0, qint64 breakAfter = 0);
    Step next() override;
    QString progress() const override;

    static QByteArray data(qint64 sequence, qint64 size);
    // The start of tick `sequence` where a break cuts it: its event and id lines and the first
    // half of its data line, no line end.
    static QByteArray halfTick(qint64 sequence, qint64 size);
    // The tick a Last-Event-ID names ("tick-<n>": n), 0 for any other id.
    static qint64 resumePoint(const QByteArray &lastEventId);

private:
    bool chunked() const { return m_breakAfter > 0; }
    QByteArray framed(QByteArrayView bytes) const; // a chunk when chunked, else as it is
    QByteArray head() const;
    QByteArray cleanEnd() const; // the last chunk when chunked, else nothing (FIN ends it)

    int m_intervalMs;
    qint64 m_count;
    qint64 m_size;
    qint64 m_resumedAfter;
    qint64 m_breakAfter;
    qint64 m_sent = 0; // the number of the last tick sent (or resumed after)
    bool m_headSent = false;
};

// /idle: the event-stream head, then only `: heartbeat` comment lines every `intervalMs`.
class IdleStream : public ResponseSource
{
public:
    explicit IdleStream(int intervalMs);
    Step next() override;
    QString progress() const override;

private:
    int m_intervalMs;
    qint64 m_heartbeats = -1; // the first step sends only the head
};

// /broken: `after` complete events `intervalMs` apart, then half an event (no blank line, the
// data line cut short), then a reset (RST) instead of a clean end of the body.
class BrokenStream : public ResponseSource
{
public:
    BrokenStream(qint64 after, int intervalMs);
    Step next() override;
    QString progress() const override;

    static QByteArray halfEvent(qint64 sequence);

private:
    qint64 m_after;
    int m_intervalMs;
    qint64 m_sent = 0;
};
