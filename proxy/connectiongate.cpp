#include "connectiongate.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcGate, "wssp.proxy.gate", QtInfoMsg)

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

ConnectionGate::ConnectionGate(QTcpServer *listener, const Routes &routes, QObject *parent)
    : QObject(parent), m_listener(listener), m_routes(routes)
{
    connect(m_listener, &QTcpServer::newConnection, this, &ConnectionGate::onNewConnection);
}

void ConnectionGate::respond(QTcpSocket *socket, int status, const QByteArray &contentType,
                             const QByteArray &body)
{
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
            + "\r\nContent-Type: " + contentType
            + "\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body;
    socket->write(response);
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, [socket]() {
        if (socket->bytesToWrite() == 0)
            socket->disconnectFromHost();
    });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
}

void ConnectionGate::onNewConnection()
{
    while (QTcpSocket *socket = m_listener->nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        socket->setParent(this);
        auto *headTimer = new QTimer(socket);
        headTimer->setObjectName(QStringLiteral("headTimer"));
        headTimer->setSingleShot(true);
        connect(headTimer, &QTimer::timeout, socket, &QTcpSocket::abort);
        headTimer->start(headTimeoutMs);
        // Both connections have this gate as context, so routing drops them with one
        // disconnect(this): from then on the socket belongs to whoever it was handed to.
        connect(socket, &QTcpSocket::readyRead, this, [this, socket]() { inspect(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [socket]() { socket->deleteLater(); });
        if (socket->bytesAvailable() > 0)
            inspect(socket);
    }
}

void ConnectionGate::inspect(QTcpSocket *socket)
{
    HttpRequestHead head;
    QString error;
    const QByteArray peeked = socket->peek(socket->bytesAvailable());
    switch (HttpRequestHead::parse(peeked, &head, &error)) {
    case HttpRequestHead::Status::Incomplete:
        return;
    case HttpRequestHead::Status::Bad:
        socket->disconnect(this);
        delete socket->findChild<QTimer *>(QStringLiteral("headTimer"));
        qCInfo(lcGate) << "bad request from" << socket->peerAddress().toString() << "-" << error;
        respond(socket, error.contains(u"larger") ? 431 : 400, "text/plain; charset=utf-8",
                error.toUtf8() + '\n');
        return;
    case HttpRequestHead::Status::Complete:
        socket->disconnect(this);
        delete socket->findChild<QTimer *>(QStringLiteral("headTimer"));
        route(socket, head);
        return;
    }
}

void ConnectionGate::route(QTcpSocket *socket, const HttpRequestHead &head)
{
    const QByteArray path = head.path();
    const bool isGet = head.method == "GET";
    if (!m_routes.proxyPath.isEmpty() && path == m_routes.proxyPath) {
        emit proxyConnection(socket);
    } else if (m_routes.monitor && path == "/monitor") {
        if (!monitorTokenAccepted(head)) {
            respond(socket, 401, "text/plain; charset=utf-8",
                    "the monitor feed needs a token: ?token=... or Authorization: Bearer ...\n");
            return;
        }
        emit monitorConnection(socket);
    } else if (m_routes.health && path == "/healthz" && isGet) {
        emit healthRequested(socket);
    } else if (m_routes.metrics && path == "/metrics" && isGet) {
        emit metricsRequested(socket);
    } else {
        qCInfo(lcGate) << "404 for" << head.method << head.target << "from"
                       << socket->peerAddress().toString();
        respond(socket, 404, "text/plain; charset=utf-8",
                "no such endpoint: " + path + '\n');
    }
}

bool ConnectionGate::monitorTokenAccepted(const HttpRequestHead &head) const
{
    if (m_routes.monitorToken.isEmpty())
        return true;
    const QByteArray expected = m_routes.monitorToken.toUtf8();
    const QByteArray authorization = head.header("Authorization");
    if (authorization.startsWith("Bearer ")
        && constantTimeEquals(authorization.sliced(7).trimmed(), expected))
        return true;
    const QUrlQuery query(QString::fromUtf8(head.query()));
    return constantTimeEquals(query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8(),
                              expected);
}
