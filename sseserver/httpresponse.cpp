#include "httpresponse.h"

#include "httpstatus.h"

namespace HttpResponse {

QByteArray head(int status, const HttpHeaderList &headers)
{
    QByteArray out = HttpStatus::statusLine(status);
    for (const HttpHeader &header : headers)
        out += header.first + ": " + header.second + "\r\n";
    out += "Connection: close\r\n\r\n";
    return out;
}

QByteArray eventStreamHead()
{
    return head(200,
        { { "Content-Type", "text/event-stream" }, { "Cache-Control", "no-cache" },
            { "X-Server-Name", serverName.toByteArray() } });
}

QByteArray chunkedEventStreamHead()
{
    return head(200,
        { { "Content-Type", "text/event-stream" }, { "Cache-Control", "no-cache" },
            { "Transfer-Encoding", "chunked" }, { "X-Server-Name", serverName.toByteArray() } });
}

QByteArray chunk(QByteArrayView bytes)
{
    return QByteArray::number(bytes.size(), 16) + "\r\n" + bytes.toByteArray() + "\r\n";
}

QByteArray lastChunk()
{
    return "0\r\n\r\n";
}

QByteArray plainText(int status, QByteArrayView body, const HttpHeaderList &extraHeaders)
{
    HttpHeaderList headers = { { "Content-Type", "text/plain; charset=utf-8" },
        { "Content-Length", QByteArray::number(body.size()) },
        { "X-Server-Name", serverName.toByteArray() } };
    headers += extraHeaders;
    return head(status, headers).append(body);
}

QByteArray error(int status, const QString &message, const HttpHeaderList &extraHeaders)
{
    return plainText(status, message.toUtf8().append('\n'), extraHeaders);
}

} // namespace HttpResponse
