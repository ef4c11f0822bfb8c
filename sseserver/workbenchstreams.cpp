#include "workbenchstreams.h"

#include "httpresponse.h"
#include "ssewriter.h"

#include <algorithm>

namespace {

// How /broken and /ticks?breakAfter= end a response that breaks: the start of one more event in
// its own chunk, then a reset (HttpConnection: RST via SO_LINGER 0) where the last chunk would
// be. Both bodies are chunked, so any HTTP client can tell this from a normal end.
ResponseSource::Step breakOff(QByteArrayView halfEvent, QString note)
{
    ResponseSource::Step step;
    step.bytes = HttpResponse::chunk(halfEvent);
    step.then = ResponseSource::Then::Abort;
    step.note = std::move(note);
    return step;
}

SseEvent tickEvent(qint64 sequence, qint64 size)
{
    SseEvent event;
    event.type = QStringLiteral("tick");
    event.lastEventId = QStringLiteral("tick-%1").arg(sequence);
    event.data = QString::fromLatin1(TickStream::data(sequence, size));
    return event;
}

} // namespace

TickStream::TickStream(
    int intervalMs, qint64 count, qint64 size, qint64 resumeAfter, qint64 breakAfter)
    : m_intervalMs(intervalMs)
    , m_count(count)
    , m_size(size)
    , m_resumedAfter(resumeAfter)
    , m_breakAfter(breakAfter)
    , m_sent(resumeAfter)
{
}

qint64 TickStream::resumePoint(const QByteArray &lastEventId)
{
    // "tick-<n>", n a plain decimal: resume after tick n. Anything else starts from the
    // beginning, as a server that does not know the id would.
    if (!lastEventId.startsWith("tick-"))
        return 0;
    const QByteArray digits = lastEventId.mid(5);
    if (digits.isEmpty() || digits.size() > 15
        || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return 0;
    return digits.toLongLong();
}

QByteArray TickStream::data(qint64 sequence, qint64 size)
{
    QByteArray text = "tick " + QByteArray::number(sequence);
    if (size <= 0)
        return text;
    text += ' ';
    if (text.size() >= size)
        return text.first(size);
    return text + QByteArray(size - text.size(), 'x');
}

QByteArray TickStream::halfTick(qint64 sequence, qint64 size)
{
    // The whole tick as it would go out, less its blank line and the second half of its data
    // (the data line comes last and the data is one line).
    const QByteArray whole = SseWriter::encode(tickEvent(sequence, size));
    const qsizetype dataSize = data(sequence, size).size();
    return whole.first(whole.size() - 2 - (dataSize - dataSize / 2));
}

QByteArray TickStream::framed(QByteArrayView bytes) const
{
    return chunked() ? HttpResponse::chunk(bytes) : bytes.toByteArray();
}

QByteArray TickStream::head() const
{
    return chunked() ? HttpResponse::chunkedEventStreamHead() : HttpResponse::eventStreamHead();
}

QByteArray TickStream::cleanEnd() const
{
    return chunked() ? HttpResponse::lastChunk() : QByteArray();
}

ResponseSource::Step TickStream::next()
{
    Step step;
    if (!m_headSent) {
        step.bytes = head();
        m_headSent = true;
    }
    if (chunked() && m_sent - m_resumedAfter >= m_breakAfter) {
        // breakAfter >= 1, so this is never the first step: the head went out already.
        return breakOff(halfTick(m_sent + 1, m_size),
            QStringLiteral("💥 ticks %1 to %2 and half of tick %3 sent, resetting "
                           "the connection (breakAfter %4)")
                .arg(m_resumedAfter + 1)
                .arg(m_sent)
                .arg(m_sent + 1)
                .arg(m_breakAfter));
    }
    const qint64 sequence = ++m_sent;
    step.bytes += framed(SseWriter::encode(tickEvent(sequence, m_size)));
    step.then = (m_count == 0 || sequence < m_count) ? Then::Wait : Then::Finish;
    step.delayMs = m_intervalMs;
    if (step.then == Then::Finish) {
        step.bytes += cleanEnd();
        step.note = QStringLiteral("📤 ticks complete: %1 sent").arg(sequence);
    }
    return step;
}

QString TickStream::progress() const
{
    return m_count == 0 ? QStringLiteral("%1 ticks sent (endless)").arg(m_sent)
                        : QStringLiteral("%1 of %2 ticks sent").arg(m_sent).arg(m_count);
}

IdleStream::IdleStream(int intervalMs)
    : m_intervalMs(intervalMs)
{
}

ResponseSource::Step IdleStream::next()
{
    Step step;
    if (++m_heartbeats == 0)
        step.bytes = HttpResponse::eventStreamHead();
    else
        step.bytes = SseWriter::comment("heartbeat");
    step.then = Then::Wait;
    step.delayMs = m_intervalMs;
    return step;
}

QString IdleStream::progress() const
{
    return QStringLiteral("%1 heartbeats sent").arg(qMax<qint64>(0, m_heartbeats));
}

BrokenStream::BrokenStream(qint64 after, int intervalMs)
    : m_after(after)
    , m_intervalMs(intervalMs)
{
}

QByteArray BrokenStream::halfEvent(qint64 sequence)
{
    return "event: message\nid: broken-" + QByteArray::number(sequence)
        + "\ndata: {\"sequence\":" + QByteArray::number(sequence) + ",\"trunc";
}

ResponseSource::Step BrokenStream::next()
{
    const QByteArray head = m_sent == 0 ? HttpResponse::chunkedEventStreamHead() : QByteArray();
    if (m_sent < m_after) {
        const qint64 sequence = ++m_sent;
        SseEvent event;
        event.lastEventId = QStringLiteral("broken-%1").arg(sequence);
        event.data = QStringLiteral("{\"sequence\":%1}").arg(sequence);
        Step step;
        step.bytes = head + HttpResponse::chunk(SseWriter::encode(event));
        step.then = Then::Wait;
        step.delayMs = m_intervalMs;
        return step;
    }
    Step step = breakOff(halfEvent(m_after + 1),
        QStringLiteral("💥 %1 events and half an event sent, resetting the "
                       "connection")
            .arg(m_after));
    step.bytes.prepend(head);
    m_sent = m_after + 1; // so progress() reports the half event too
    return step;
}

QString BrokenStream::progress() const
{
    return QStringLiteral("%1 of %2 events sent before the planned break").arg(m_sent).arg(m_after);
}
