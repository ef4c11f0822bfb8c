#pragma once

#include "proxyrequest.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// The head of an HTTP/1.x request (request line and header fields), parsed from bytes without
// touching a socket. The proxy peeks at it to route a connection before the WebSocket upgrade;
// the test SSE server reads its requests with it.
struct HttpRequestHead
{
    // TooLarge: the head passes `maxBytes` (a server answers 431); Bad: it breaks a rule (400).
    enum class Status { Incomplete, Complete, Bad, TooLarge };

    QByteArray method;
    QByteArray target; // as sent: path and query
    QByteArray version; // "HTTP/1.1"
    HttpHeaderList headers; // names as sent
    qsizetype size = 0; // bytes of the head, including the blank line that ends it

    QByteArray path() const; // target up to '?'
    QByteArray query() const; // target after '?', or empty
    // The first header with this name (case-insensitive), or a null QByteArray.
    QByteArray header(QByteArrayView name) const;

    // Parses the head at the start of `bytes`. Incomplete when the blank line has not arrived
    // (and the head is still within `maxBytes`); TooLarge or Bad, with `error` set, otherwise.
    static Status parse(QByteArrayView bytes, HttpRequestHead *head, QString *error,
        qsizetype maxBytes = 16 * 1024);
};
