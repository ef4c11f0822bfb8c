#pragma once

#include "proxyrequest.h"
#include "sseevent.h"

#include <QMap>
#include <QString>

#include <optional>

// Messages from the proxy to its clients (PROTOCOL.md §3): {"type": ..., "payload": ...}.
// Encoders write JSON text directly (no QJsonObject on the hot path); the decoder is for
// clients and tests.
namespace ProxyMessages {

// `closed` reasons.
inline constexpr char16_t reasonUpstreamEnded[] = u"Server closed connection normally.";
inline constexpr char16_t reasonCancelled[] = u"cancelled by client";
inline constexpr char16_t reasonRejected[] = u"request rejected";
inline constexpr char16_t reasonUpstreamError[] = u"upstream error";
inline constexpr char16_t reasonTimeout[] = u"timeout";
inline constexpr char16_t reasonShuttingDown[] = u"proxy shutting down";
inline constexpr char16_t reasonClientStalled[] = u"client not reading";

// {"type":"connected","payload":{"status":200,"headers":{...}}}: header names lower-cased,
// repeated headers joined with ", " in their order of arrival.
QString connected(int status, const HttpHeaderList &headers);
// {"type":"sse-event","payload":{"id":..,"event":..,"data":..,"retry":..}}: `id` only when the
// last event ID is not empty, `retry` only when the event's block set one.
QString sseEvent(const SseEvent &event);
// Appends the same text as sseEvent() to `out` (lets a caller reuse one buffer).
void appendSseEvent(QString &out, const SseEvent &event);
// At least the UTF-8 size of the message appendSseEvent() writes (at most 64 bytes more).
qsizetype sseEventUtf8Size(const SseEvent &event);
// {"type":"data","payload":"<data>"}: the legacy message.
QString legacyData(const QString &data);
QString error(const QString &message);
QString closed(const QString &reason);

// A decoded proxy message, for clients.
struct Message
{
    enum class Type { Connected, SseEvent, Data, Error, Closed };

    Type type = Type::Closed;
    int status = 0;                  // Connected
    QMap<QString, QString> headers;  // Connected
    ::SseEvent event;                // SseEvent (event.type is the "event" field)
    QString text;                    // Data: the data; Error: the message; Closed: the reason

    static std::optional<Message> parse(QStringView text, QString *error);
};

} // namespace ProxyMessages
