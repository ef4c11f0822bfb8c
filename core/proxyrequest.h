#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrl>

#include <optional>
#include <utility>

using HttpHeader = std::pair<QByteArray, QByteArray>;
using HttpHeaderList = QList<HttpHeader>;

// What one request may carry (the rest is bounded by proxy.maxMessageBytes).
struct ProxyRequestLimits
{
    int maxHeaders = 100; // proxy.maxRequestHeaders
    int maxHeaderBytes = 64 * 1024; // proxy.maxRequestHeaderBytes: names and values
};

// A request's "reconnect" field (PROTOCOL.md §4): ask the upstream again after it ends or breaks.
struct ReconnectOptions
{
    bool enabled = false;
    int maxAttempts = 0; // 0: the proxy's limit (proxy.maxReconnectAttempts)
    int maxDelayMs = 0; // 0: the proxy's limit (proxy.maxReconnectDelayMs)

    bool operator==(const ReconnectOptions &other) const
    {
        return enabled == other.enabled && maxAttempts == other.maxAttempts
            && maxDelayMs == other.maxDelayMs;
    }
};

// A validated client request (PROTOCOL.md §2): what the proxy performs against the upstream.
struct ProxyRequest
{
    enum class BodyKind { None, Json, Text };

    QString protocol = QStringLiteral("http"); // "http" or "https"
    QString address; // host name, IPv4, or IPv6 (without brackets)
    int port = 80; // 1..65535; defaults by protocol
    QString path = QStringLiteral("/"); // starts with '/', may carry a query
    QByteArray method = "GET"; // upper-case: GET, POST, PUT or DELETE
    HttpHeaderList headers; // as the client sent them (validated)
    BodyKind bodyKind = BodyKind::None;
    QByteArray body; // JSON text (compact) or the string's UTF-8
    QString id; // empty: runs in turn; else concurrently (§4)
    ReconnectOptions reconnect;

    // Decodes and validates one request object. On failure returns nullopt and sets `error` to
    // a message naming the field and the reason, e.g. `port: must be an integer from 1 to 65535`.
    // Decisions where PROTOCOL.md §2 is silent: unknown fields are rejected (a typo must not
    // silently fall back to a default); "type" may be present only as "request"; `protocol` is
    // exactly "http" or "https" (lower-case); only `body` may be null; `address` is an ASCII
    // host name ([A-Za-z0-9-._] labels), a dotted-quad IPv4 without leading zeros, or an IPv6
    // literal with or without brackets and without a zone ID (stored without brackets); a
    // `port` string is 1-5 ASCII digits.
    using Limits = ProxyRequestLimits;
    static std::optional<ProxyRequest> fromJson(const QJsonObject &object, QString *error,
        const ProxyRequestLimits &limits = ProxyRequestLimits());
    // The request as a client sends it (used by ws-test-client and tests).
    QJsonObject toJson() const;

    // protocol://address:port/path?query, with an IPv6 address in brackets.
    QUrl url() const;
    // True when the client set this header (name compared case-insensitively).
    bool hasHeader(QByteArrayView name) const;
    // The headers sent upstream: the client's minus hop-by-hop, Host and Content-Length, plus
    // `Accept: text/event-stream`, `Cache-Control: no-cache`, `Accept-Encoding: identity`, and a
    // Content-Type for a body (`application/json` for JSON, `text/plain; charset=utf-8` for a
    // string), each only where the client did not set it.
    HttpHeaderList upstreamHeaders() const;

    // Whether a header is never forwarded (hop-by-hop, Proxy-*, Host, Content-Length).
    static bool isDroppedHeader(QByteArrayView name);
    // Replaces any Last-Event-ID header the client set (a resumed request asks from there).
    void setLastEventId(const QString &lastEventId);

    // A request "id": 1 to 64 printable ASCII characters (space to tilde).
    static constexpr int maxIdLength = 64;
    static bool isValidId(QStringView id);
};

// One text message from a client: a request, or the control message {"type": "cancel"}.
struct ClientMessage
{
    enum class Kind { Request, Cancel };

    Kind kind = Kind::Request;
    ProxyRequest request; // valid when kind == Request
    QString id; // the request's id, or the one to cancel (empty: the id-less lane)

    // Parses a WebSocket text message. Errors say what and where: not JSON (with the parser's
    // reason and offset), not an object, an unknown "type", or ProxyRequest::fromJson's error.
    // `idOnError`, when given, receives the message's "id" if it has a valid one even though
    // the message is rejected, so that the rejection can name the stream it was meant for.
    static std::optional<ClientMessage> parse(QStringView text, QString *error,
        const ProxyRequestLimits &limits = ProxyRequestLimits(), QString *idOnError = nullptr);
};
