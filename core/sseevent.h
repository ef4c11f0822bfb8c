#pragma once

#include <QMetaType>
#include <QString>

// One dispatched Server-Sent Event, as the WHATWG "event stream" rules define it.
struct SseEvent
{
    QString type = QStringLiteral("message"); // event type buffer, or "message" when it was empty
    QString data; // data buffer without its trailing LF
    QString lastEventId; // the stream's last event ID at dispatch (may be empty)
    QString retry; // digits of this block's valid `retry` field, or empty
    bool hasRetry = false;

    friend bool operator==(const SseEvent &a, const SseEvent &b)
    {
        return a.type == b.type && a.data == b.data && a.lastEventId == b.lastEventId
            && a.hasRetry == b.hasRetry && a.retry == b.retry;
    }
    friend bool operator!=(const SseEvent &a, const SseEvent &b) { return !(a == b); }
};

Q_DECLARE_METATYPE(SseEvent)
