#include "testupstream.h"

#include "ssewriter.h"
#include "upstreamrequest.h"

QByteArray TestUpstream::Recorded::header(QByteArrayView name) const
{
    for (const HttpHeader &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

bool TestUpstream::Recorded::hasHeader(QByteArrayView name) const
{
    for (const HttpHeader &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

TestUpstream::Exchange::Exchange(QTcpSocket *socket, Recorded request, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_request(std::move(request))
{
}

bool TestUpstream::Exchange::isOpen() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void TestUpstream::Exchange::writeHead(
    int status, const HttpHeaderList &headers, const QByteArray &reason)
{
    if (!isOpen())
        return;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    for (const HttpHeader &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    head += "Connection: close\r\n\r\n";
    m_socket->write(head);
}

void TestUpstream::Exchange::writeChunkedHead(int status, const HttpHeaderList &headers)
{
    if (!isOpen())
        return;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " OK\r\n";
    for (const HttpHeader &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    head += "Transfer-Encoding: chunked\r\n\r\n";
    m_socket->write(head);
    m_chunked = true;
}

void TestUpstream::Exchange::write(const QByteArray &bytes)
{
    if (!isOpen() || bytes.isEmpty())
        return;
    auto *upstream = static_cast<TestUpstream *>(parent());
    upstream->addBytesWritten(bytes.size());
    if (m_chunked)
        m_socket->write(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
    else
        m_socket->write(bytes);
}

void TestUpstream::Exchange::end()
{
    if (!isOpen())
        return;
    if (m_chunked)
        m_socket->write("0\r\n\r\n");
    m_socket->disconnectFromHost();
}

void TestUpstream::Exchange::reset()
{
    if (!m_socket)
        return;
    m_socket->flush();
    m_socket->abort();
}

TestUpstream::TestUpstream(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &TestUpstream::onNewConnection);
    m_server.listen(QHostAddress::LocalHost, 0);
}

void TestUpstream::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        ++m_openConnections;
        connect(socket, &QTcpSocket::readyRead, this, [this, socket]() { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket]() {
            --m_openConnections;
            socket->deleteLater();
            emit connectionClosed();
        });
    }
}

void TestUpstream::onReadyRead(QTcpSocket *socket)
{
    if (socket->property("handled").toBool())
        return; // one request per connection; ignore anything after it
    const QByteArray buffered = socket->peek(socket->bytesAvailable());
    HttpRequestHead head;
    const qsizetype size = completeRequestSize(buffered, &head);
    if (size == 0)
        return;
    socket->setProperty("handled", true);
    socket->read(size);

    Recorded request { head.method, head.target, head.headers,
        buffered.sliced(head.size, size - head.size) };
    m_requests.append(request);
    emit requestReceived(request);

    auto *exchange = new Exchange(socket, request, this);
    connect(socket, &QObject::destroyed, exchange, [exchange]() { delete exchange; });
    const Handler handler = m_routes.value(head.path());
    if (handler)
        handler(exchange);
    else
        status(404, "Not Found", "text/plain", "no route\n")(exchange);
}

TestUpstream::Handler TestUpstream::sse(const QByteArray &body, const HttpHeaderList &extraHeaders)
{
    return [body, extraHeaders](Exchange *exchange) {
        HttpHeaderList headers { { "Content-Type", "text/event-stream" },
            { "Cache-Control", "no-cache" } };
        headers += extraHeaders;
        exchange->writeHead(200, headers);
        exchange->write(body);
        exchange->end();
    };
}

TestUpstream::Handler TestUpstream::status(int code, const QByteArray &reason,
    const QByteArray &contentType, const QByteArray &body, const HttpHeaderList &extraHeaders)
{
    return [=](Exchange *exchange) {
        HttpHeaderList headers { { "Content-Type", contentType },
            { "Content-Length", QByteArray::number(body.size()) } };
        headers += extraHeaders;
        exchange->writeHead(code, headers, reason);
        exchange->write(body);
        exchange->end();
    };
}

TestUpstream::Handler TestUpstream::ticking(int intervalMs)
{
    return [intervalMs](Exchange *exchange) {
        exchange->writeHead(200, { { "Content-Type", "text/event-stream" } });
        auto *timer = new QTimer(exchange);
        int *counter = new int(0);
        connect(timer, &QTimer::destroyed, [counter]() { delete counter; });
        connect(timer, &QTimer::timeout, exchange, [exchange, counter]() {
            SseEvent event;
            event.type = QStringLiteral("tick");
            event.lastEventId = QString::number(++*counter);
            event.data = QStringLiteral("tick %1").arg(*counter);
            exchange->write(SseWriter::encode(event));
        });
        timer->start(intervalMs);
    };
}

TestUpstream::Handler TestUpstream::flood(int payloadBytes)
{
    return [payloadBytes](Exchange *exchange) {
        exchange->writeHead(200, { { "Content-Type", "text/event-stream" } });
        SseEvent event;
        event.data = QString(payloadBytes, u'x');
        const QByteArray block = SseWriter::encode(event).repeated(16);
        auto pump = [exchange, block]() {
            while (exchange->isOpen() && exchange->socket()->bytesToWrite() < 256 * 1024)
                exchange->write(block);
        };
        connect(exchange->socket(), &QTcpSocket::bytesWritten, exchange, pump);
        pump();
    };
}

TestUpstream::Handler TestUpstream::silent()
{
    return [](Exchange *exchange) {
        exchange->writeHead(200, { { "Content-Type", "text/event-stream" } });
    };
}
