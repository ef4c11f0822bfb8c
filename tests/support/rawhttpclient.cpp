#include "rawhttpclient.h"

#include <QHostAddress>

RawHttpClient::RawHttpClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::connected, this, [this] { m_socket.write(m_request); });
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawHttpClient::onSocketReadyRead);
    connect(&m_socket, &QTcpSocket::disconnected, this, &RawHttpClient::onSocketDisconnected);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, &RawHttpClient::onSocketErrorOccurred);
}

void RawHttpClient::send(quint16 port, const QByteArray &request)
{
    m_request = request;
    m_clock.start();
    m_socket.connectToHost(QHostAddress::LocalHost, port);
}

QByteArray RawHttpClient::request(const QByteArray &method, const QByteArray &target,
    const QByteArray &body, const QByteArray &extraHeaders)
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders;
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "\r\n" + body;
    return out;
}

QByteArray RawHttpClient::head() const
{
    const qsizetype end = m_bytes.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : m_bytes.first(end + 4);
}

QByteArray RawHttpClient::body() const
{
    const qsizetype end = m_bytes.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : m_bytes.sliced(end + 4);
}

int RawHttpClient::status() const
{
    if (!m_bytes.startsWith("HTTP/1.1 ") || m_bytes.size() < 12)
        return 0;
    return m_bytes.mid(9, 3).toInt();
}

QByteArray RawHttpClient::header(QByteArrayView name) const
{
    const QList<QByteArray> lines = head().split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && QByteArrayView(line.first(colon)).compare(name, Qt::CaseInsensitive) == 0)
            return line.sliced(colon + 1).trimmed();
    }
    return QByteArray();
}

void RawHttpClient::onSocketReadyRead()
{
    if (m_socket.isOpen())
        m_bytes += m_socket.readAll();
    const qsizetype headEnd = m_bytes.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return;
    m_scanFrom = qMax(m_scanFrom, headEnd + 4);
    for (;;) {
        const qsizetype blank = m_bytes.indexOf("\n\n", m_scanFrom);
        if (blank < 0)
            break;
        m_eventArrivalsMs.append(m_clock.elapsed());
        m_scanFrom = blank + 2;
    }
}

void RawHttpClient::onSocketDisconnected()
{
    onSocketReadyRead();
    m_finished = true;
}

void RawHttpClient::onSocketErrorOccurred(QAbstractSocket::SocketError)
{
    m_errorString = m_socket.errorString();
    if (m_socket.state() != QAbstractSocket::ConnectedState)
        m_finished = true;
}
