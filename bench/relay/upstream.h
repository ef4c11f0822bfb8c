#pragma once

// The SSE upstream: GET /flood?size=N writes events as fast as the socket drains (about
// 256 KiB queued); GET /tick?size=N&rate=R writes R events per second (&interval=MS instead:
// one every MS). Each connection numbers
// its events from 0 in the `id` field. Lives in a thread of its own so that writing the flood
// does not compete with the clients' event loop.
//
// Not tests/support's TestUpstream or RawUpstream, on purpose: those serve a handful of
// connections on the test's own thread and record every request for assertions, while this
// one must hold thousands of streams (a 4096 backlog), count bytes across threads with
// atomics and spend nothing on bookkeeping, or the bench would measure its upstream.

#include "measure.h"

#include <QAtomicInteger>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <memory>

namespace relaybench {

class Upstream : public QObject
{
    Q_OBJECT

public:
    quint16 listen()
    {
        m_server = new QTcpServer(this);
        m_server->setMaxPendingConnections(1 << 16);
        m_server->setListenBacklogSize(4096); // thousands of streams may connect at once
        connect(m_server, &QTcpServer::newConnection, this, &Upstream::onServerNewConnection);
        return m_server->listen(QHostAddress::LocalHost, 0) ? m_server->serverPort() : 0;
    }

    QAtomicInteger<int> openConnections = 0;
    QAtomicInteger<qint64> bytesWritten = 0;

private:
    struct Stream
    {
        QByteArray tail; // "\ndata: <payload>\n\n"
        qint64 next = 0;
    };

    void onServerNewConnection()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            ++openConnections;
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this,
                [this, socket] { onSocketReadyRead(socket); });
            connect(
                socket, &QTcpSocket::bytesWritten, this, [this](qint64 n) { bytesWritten += n; });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                --openConnections;
                socket->deleteLater();
            });
        }
    }

    void onSocketReadyRead(QTcpSocket *socket)
    {
        if (socket->property("started").toBool()) {
            socket->readAll();
            return;
        }
        const QByteArray head = socket->peek(8192);
        if (!head.contains("\r\n\r\n"))
            return;
        socket->readAll();
        socket->setProperty("started", true);
        const QUrl url(QString::fromLatin1(head.split(' ').value(1)));
        const QUrlQuery query(url);
        const int size = qMax(1, query.queryItemValue(QStringLiteral("size")).toInt());
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
        auto stream = std::make_shared<Stream>();
        stream->tail = "\ndata: " + payloadOf(size).toUtf8() + "\n\n";
        if (url.path() == u"/tick") {
            // interval=MS (one event every MS), else rate=R events per second
            const int rate = qMax(1, query.queryItemValue(QStringLiteral("rate")).toInt());
            const int interval = query.hasQueryItem(QStringLiteral("interval"))
                ? qMax(1, query.queryItemValue(QStringLiteral("interval")).toInt())
                : 1000 / rate;
            auto *timer = new QTimer(socket);
            timer->setTimerType(Qt::PreciseTimer);
            connect(timer, &QTimer::timeout, socket, [socket, stream] {
                if (socket->state()
                    == QAbstractSocket::ConnectedState) // not between close and delete
                    socket->write(eventBytes(*stream, 1, true));
            });
            timer->start(interval);
        } else {
            auto pump = [socket, stream] {
                while (socket->state() == QAbstractSocket::ConnectedState
                    && socket->bytesToWrite() < 256 * 1024)
                    socket->write(eventBytes(*stream, 64));
            };
            connect(socket, &QTcpSocket::bytesWritten, socket, pump);
            pump();
        }
    }

    // `stamped`: the event's type is the time it was written (steadyNanos()), so the clients,
    // in this same process, can tell how long the proxy took to deliver it.
    static QByteArray eventBytes(Stream &stream, int count, bool stamped = false)
    {
        QByteArray out;
        out.reserve(count * (stream.tail.size() + 48));
        for (int i = 0; i < count; ++i) {
            out += "id: ";
            out += QByteArray::number(stream.next++);
            if (stamped) {
                out += "\nevent: ";
                out += QByteArray::number(steadyNanos());
            }
            out += stream.tail;
        }
        return out;
    }

    QTcpServer *m_server = nullptr;
};

} // namespace relaybench
