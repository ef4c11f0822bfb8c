#pragma once

#include "responsesource.h"
#include "sseevent.h"

#include <QDateTime>
#include <QString>

#include <functional>

// The echo endpoint of PROTOCOL.md §7: `count` events `delayMs` apart, the first at once.
//
// Event n of N: id `echo-<epochMs>-<n>` (epochMs taken once per request), type `message` for the
// first, `user-message` for the middle ones, `final-message` for the last (so with N = 1 the
// only event is `final-message`: clients wait for it to know the echo is complete), `retry: 5000`
// on the last only, and one data line of JSON.
class EchoStream : public ResponseSource
{
public:
    using Clock = std::function<QDateTime()>;

    // `clock` gives each event's timestamp (UTC); the default is the current time.
    EchoStream(QString message, int count, int delayMs, qint64 epochMs, Clock clock = {});

    Step next() override;
    QString progress() const override;

    static QString eventType(int sequence, int count);
    // {"type":"echo","originalMessage":...,"timestamp":...,"response":"Echo n/N: ...","sequence":n}
    static QString dataJson(
        const QString &message, int sequence, int count, const QDateTime &timestamp);
    static SseEvent event(const QString &message, int sequence, int count, qint64 epochMs,
        const QDateTime &timestamp);

private:
    QString m_message;
    int m_count;
    int m_delayMs;
    qint64 m_epochMs;
    Clock m_clock;
    int m_sent = 0;
};
