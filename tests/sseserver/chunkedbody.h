#pragma once

#include <QByteArray>
#include <QByteArrayView>

// A chunked HTTP body (Transfer-Encoding: chunked) decoded as far as it is whole. The tests use
// it to tell a body that broke off (every chunk whole, no last chunk) from one that ended.
struct ChunkedBody
{
    QByteArray payload; // the data of the whole chunks, in order
    bool complete = false; // the last chunk (size 0, no trailers) ended the body
    bool wellFormed = true; // no chunk cut short or malformed, nothing after the last chunk

    static ChunkedBody decode(QByteArrayView bytes)
    {
        ChunkedBody body;
        qsizetype at = 0;
        while (at < bytes.size()) {
            const qsizetype lineEnd = QByteArrayView(bytes).indexOf("\r\n", at);
            bool ok = false;
            const qsizetype size = lineEnd < 0
                ? 0
                : bytes.sliced(at, lineEnd - at).toByteArray().toLongLong(&ok, 16);
            if (!ok || size < 0 || lineEnd + 2 + size + 2 > bytes.size()
                || bytes.sliced(lineEnd + 2 + size, 2) != "\r\n") {
                body.wellFormed = false;
                return body;
            }
            at = lineEnd + 2 + size + 2;
            if (size == 0) {
                body.complete = true;
                body.wellFormed = at == bytes.size();
                return body;
            }
            body.payload += bytes.sliced(lineEnd + 2, size);
        }
        return body;
    }
};
