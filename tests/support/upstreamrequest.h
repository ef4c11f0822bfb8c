#pragma once

#include "httprequesthead.h"

#include <QByteArray>

// The one way both test upstreams (TestUpstream, RawUpstream) tell that a request has fully
// arrived: its head, parsed by the proxy's own HttpRequestHead, then a Content-Length body.
// Bytes of the whole request at the start of `buffer` (its head in `*head`), or 0 while some
// are missing or when the head is not HTTP.
inline qsizetype completeRequestSize(const QByteArray &buffer, HttpRequestHead *head)
{
    QString error;
    if (HttpRequestHead::parse(buffer, head, &error) != HttpRequestHead::Status::Complete)
        return 0;
    const qsizetype total = head->size + head->header("Content-Length").toLongLong();
    return buffer.size() >= total ? total : 0;
}
