#pragma once

#include "proxyrequest.h"
#include "sseevent.h"

#include <QMap>
#include <QString>

#include <optional>

// Messages from the proxy to its clients (PROTOCOL.md §3): {"type": ..., "payload": ...}, and
// {"type": ..., "id": ..., "payload": ...} for a request that has an id (§4). Every encoder
// takes that id (empty: none). Encoders write JSON text directly (no QJsonObject on the hot
// path); the decoder is for clients and tests.
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
QString connected(int status, const HttpHeaderList &headers, QStringView id = {});
// {"type":"sse-event","payload":{"id":..,"event":..,"data":..,"retry":..}}: `id` only when the
// last event ID is not empty, `retry` only when the event's block set one.
QString sseEvent(const SseEvent &event, QStringView id = {});
// Appends the same text as sseEvent() to `out` (lets a caller reuse one buffer).
void appendSseEvent(QString &out, const SseEvent &event, QStringView id = {});
// At least the UTF-8 size of the message appendSseEvent() writes (at most 64 bytes more).
qsizetype sseEventUtf8Size(const SseEvent &event, QStringView id = {});
// {"type":"data","payload":"<data>"}: the legacy message.
QString legacyData(const QString &data, QStringView id = {});
QString error(const QString &message, QStringView id = {});
QString closed(const QString &reason, QStringView id = {});

// {"type":"reconnecting","payload":{"attempt":1,"delayMs":3000,"lastEventId":"..","reason":".."}}
struct Reconnecting
{
    int attempt = 0; // 1 for the first attempt after events were relayed
    int delayMs = 0; // how long the proxy waits before asking again
    QString lastEventId; // sent as Last-Event-ID (empty: not sent)
    QString reason; // why the previous attempt ended
};
QString reconnecting(const Reconnecting &what, QStringView id = {});

// A decoded proxy message, for clients.
struct Message
{
    enum class Type { Connected, SseEvent, Data, Error, Closed, Reconnecting };

    Type type = Type::Closed;
    QString id; // the request's id (empty: the request had none)
    int status = 0; // Connected
    QMap<QString, QString> headers; // Connected
    ::SseEvent event; // SseEvent (event.type is the "event" field)
    QString text; // Data: the data; Error: the message; Closed: the reason
    struct Reconnecting reconnecting; // Reconnecting

    static std::optional<Message> parse(QStringView text, QString *error);
};

} // namespace ProxyMessages
