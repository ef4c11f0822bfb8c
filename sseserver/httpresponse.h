#pragma once

#include "proxyrequest.h" // HttpHeaderList

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// Response heads and short complete responses. Every response carries `Connection: close`:
// the server answers one request per connection and ends a stream by closing it, which is
// how SSE servers end a body that has no Content-Length.
namespace HttpResponse {

inline constexpr QByteArrayView serverName = "Test SSE Server";

// Status line and header fields, ending with the blank line.
QByteArray head(int status, const HttpHeaderList &headers);

// 200 with Content-Type: text/event-stream, Cache-Control: no-cache, X-Server-Name.
QByteArray eventStreamHead();
// The same head with `Transfer-Encoding: chunked`, and one chunk of a chunked body: a stream
// broken off before its last chunk is then an error for any client, not an ambiguous close.
QByteArray chunkedEventStreamHead();
QByteArray chunk(QByteArrayView bytes);

// A complete response with a text/plain body (Content-Length set).
QByteArray plainText(int status, QByteArrayView body, const HttpHeaderList &extraHeaders = {});

// A plain-text error: the body is `message` and a line feed.
QByteArray error(int status, const QString &message, const HttpHeaderList &extraHeaders = {});

} // namespace HttpResponse
