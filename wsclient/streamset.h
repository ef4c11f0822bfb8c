#pragma once

#include "proxymessages.h"
#include "proxyrequest.h"

#include <QList>
#include <QString>
#include <QStringList>

// The requests a run has in flight and where each one stands: still open (no `closed` yet) or
// closed, with or without an `error`. Pure bookkeeping, no I/O, so that which message belongs to
// which request and when the run is over are tested without sockets.
//
// Requests without an id (the echo test, or one --target without an id) are matched by the
// absence of an id, as the proxy sends them; requests with ids (several --targets, PROTOCOL.md
// §4) by their id. A set is either all one or all the other.
class StreamSet
{
public:
    enum class Outcome {
        Recorded, // the message belongs to an open request
        Closed, // it was that request's `closed`: the request is over
        Unknown // no open request has its id (never sent, or already closed)
    };

    StreamSet() = default;
    explicit StreamSet(const QList<ProxyRequest> &requests);

    // The requests have ids: output lines say which one each is about.
    bool tagged() const { return m_tagged; }
    int size() const { return int(m_streams.size()); }
    int openCount() const;
    bool allClosed() const { return openCount() == 0; }
    bool anyError() const;
    QStringList openIds() const;

    Outcome record(const ProxyMessages::Message &message);

    // The open requests for a message: `stream "2"` or `2 streams ("1", "3")`.
    QString describeOpen() const;

private:
    struct Stream
    {
        QString id;
        bool open = true;
        bool error = false;
    };

    QList<Stream> m_streams;
    bool m_tagged = false;
};
