#include "echostream.h"

#include "httpresponse.h"
#include "jsonwriter.h"
#include "ssewriter.h"

EchoStream::EchoStream(QString message, int count, int delayMs, qint64 epochMs, Clock clock)
    : m_message(std::move(message))
    , m_count(qMax(1, count))
    , m_delayMs(qMax(0, delayMs))
    , m_epochMs(epochMs)
    , m_clock(std::move(clock))
{
    if (!m_clock)
        m_clock = [] { return QDateTime::currentDateTimeUtc(); };
}

ResponseSource::Step EchoStream::next()
{
    Step step;
    if (m_sent == 0)
        step.bytes = HttpResponse::eventStreamHead();
    const int sequence = ++m_sent;
    const SseEvent event = EchoStream::event(m_message, sequence, m_count, m_epochMs, m_clock());
    step.bytes += SseWriter::encode(event);
    step.note = QStringLiteral("📤 [%1/%2] %3 %4")
                    .arg(sequence)
                    .arg(m_count)
                    .arg(event.type, event.lastEventId);
    step.then = sequence < m_count ? Then::Wait : Then::Finish;
    step.delayMs = m_delayMs;
    return step;
}

QString EchoStream::progress() const
{
    return QStringLiteral("%1 of %2 echo events sent").arg(m_sent).arg(m_count);
}

QString EchoStream::eventType(int sequence, int count)
{
    if (sequence >= count)
        return QStringLiteral("final-message");
    return sequence == 1 ? QStringLiteral("message") : QStringLiteral("user-message");
}

QString EchoStream::dataJson(
    const QString &message, int sequence, int count, const QDateTime &timestamp)
{
    QString json = QStringLiteral("{\"type\":\"echo\",\"originalMessage\":");
    JsonWriter::appendString(json, message);
    json += QStringLiteral(",\"timestamp\":");
    JsonWriter::appendString(json, timestamp.toUTC().toString(Qt::ISODateWithMs));
    json += QStringLiteral(",\"response\":");
    const QString response = QStringLiteral("Echo %1/%2: ").arg(sequence).arg(count) + message;
    JsonWriter::appendString(json, response);
    json += QStringLiteral(",\"sequence\":") + QString::number(sequence) + u'}';
    return json;
}

SseEvent EchoStream::event(
    const QString &message, int sequence, int count, qint64 epochMs, const QDateTime &timestamp)
{
    SseEvent event;
    event.type = eventType(sequence, count);
    event.lastEventId = QStringLiteral("echo-%1-%2").arg(epochMs).arg(sequence);
    event.data = dataJson(message, sequence, count, timestamp);
    if (sequence >= count) {
        event.retry = QStringLiteral("5000");
        event.hasRetry = true;
    }
    return event;
}
