#include "workbenchstreams.h"

#include "httpresponse.h"
#include "ssewriter.h"

#include <algorithm>

TickStream::TickStream(int intervalMs, qint64 count, qint64 size, qint64 resumeAfter)
    : m_intervalMs(intervalMs), m_count(count), m_size(size), m_sent(resumeAfter)
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

ResponseSource::Step TickStream::next()
{
    Step step;
    if (!m_headSent) {
        step.bytes = HttpResponse::eventStreamHead();
        m_headSent = true;
        if (m_count != 0 && m_sent >= m_count) { // resumed after the last tick: nothing is left
            step.then = Then::Finish;
            step.note = QStringLiteral("📤 ticks complete: resumed after tick %1 of %2").arg(m_sent).arg(m_count);
            return step;
        }
    }
    const qint64 sequence = ++m_sent;
    SseEvent event;
    event.type = QStringLiteral("tick");
    event.lastEventId = QStringLiteral("tick-%1").arg(sequence);
    event.data = QString::fromLatin1(data(sequence, m_size));
    step.bytes += SseWriter::encode(event);
    step.then = (m_count == 0 || sequence < m_count) ? Then::Wait : Then::Finish;
    step.delayMs = m_intervalMs;
    if (step.then == Then::Finish)
        step.note = QStringLiteral("📤 ticks complete: %1 sent").arg(sequence);
    return step;
}

QString TickStream::progress() const
{
    return m_count == 0 ? QStringLiteral("%1 ticks sent (endless)").arg(m_sent)
                        : QStringLiteral("%1 of %2 ticks sent").arg(m_sent).arg(m_count);
}

IdleStream::IdleStream(int intervalMs) : m_intervalMs(intervalMs) { }

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

BrokenStream::BrokenStream(qint64 after, int intervalMs) : m_after(after), m_intervalMs(intervalMs)
{
}

QByteArray BrokenStream::halfEvent(qint64 sequence)
{
    return "event: message\nid: broken-" + QByteArray::number(sequence)
        + "\ndata: {\"sequence\":" + QByteArray::number(sequence) + ",\"trunc";
}

ResponseSource::Step BrokenStream::next()
{
    // Chunked, so that the break is unmistakable: the body ends without its last chunk.
    Step step;
    if (m_sent == 0)
        step.bytes = HttpResponse::chunkedEventStreamHead();
    if (m_sent < m_after) {
        const qint64 sequence = ++m_sent;
        SseEvent event;
        event.lastEventId = QStringLiteral("broken-%1").arg(sequence);
        event.data = QStringLiteral("{\"sequence\":%1}").arg(sequence);
        step.bytes += HttpResponse::chunk(SseWriter::encode(event));
        step.then = Then::Wait;
        step.delayMs = m_intervalMs;
        return step;
    }
    step.bytes += HttpResponse::chunk(halfEvent(m_after + 1));
    step.then = Then::Abort;
    step.note = QStringLiteral("💥 %1 events and half an event sent, resetting the connection")
                    .arg(m_after);
    m_sent = m_after + 1; // so progress() reports the half event too
    return step;
}

QString BrokenStream::progress() const
{
    return QStringLiteral("%1 of %2 events sent before the planned break").arg(m_sent).arg(m_after);
}
