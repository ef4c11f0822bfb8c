#include "connectiongate.h"

#include "admission.h"
#include "browserclientfiles.h"
#include "httpstatus.h"
#include "peeraddress.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcGate, "wssp.proxy.gate", QtInfoMsg)

ConnectionGate::ConnectionGate(const Routes &routes, QObject *parent)
    : QObject(parent)
    , m_routes(routes)
{
}

void ConnectionGate::watch(QTcpServer *listener)
{
    // Not newConnection(): a TLS listener emits that at the TCP accept, and its socket becomes
    // pending only after the handshake.
    connect(listener, &QTcpServer::pendingConnectionAvailable, this, [this, listener]() {
        while (QTcpSocket *socket = listener->nextPendingConnection())
            take(socket);
    });
}

void ConnectionGate::respond(QTcpSocket *socket, int status, const QByteArray &contentType,
    const QByteArray &body, const QByteArray &extraHeaders)
{
    QByteArray response = HttpStatus::statusLine(status) + extraHeaders
        + "Content-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body;
    socket->write(response);
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, [socket]() {
        if (socket->bytesToWrite() == 0)
            socket->disconnectFromHost();
    });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
}

void ConnectionGate::take(QTcpSocket *socket)
{
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

void ConnectionGate::inspect(QTcpSocket *socket)
{
    HttpRequestHead head;
    QString error;
    const QByteArray peeked = socket->peek(socket->bytesAvailable());
    const HttpRequestHead::Status status = HttpRequestHead::parse(peeked, &head, &error);
    switch (status) {
    case HttpRequestHead::Status::Incomplete:
        return;
    case HttpRequestHead::Status::Bad:
    case HttpRequestHead::Status::TooLarge:
        socket->disconnect(this);
        delete socket->findChild<QTimer *>(QStringLiteral("headTimer"));
        qCInfo(lcGate) << "bad request from" << PeerAddress::text(socket->peerAddress()) << "-"
                       << error;
        respond(socket, status == HttpRequestHead::Status::TooLarge ? 431 : 400,
            "text/plain; charset=utf-8", error.toUtf8() + '\n');
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
    Admission *admission = m_routes.admission;
    if (!m_routes.proxyPath.isEmpty() && path == m_routes.proxyPath) {
        const Admission::Refusal refusal = admission->admitClient(socket, head);
        if (!refused(socket, head, refusal.status, refusal.message, refusal.extraHeaders))
            emit proxyConnection(socket);
    } else if (m_routes.monitor && path == "/monitor") {
        const Admission::Refusal refusal = admission->admitAdmin(head, true);
        if (!refused(socket, head, refusal.status, refusal.message, refusal.extraHeaders))
            emit monitorConnection(socket);
    } else if (m_routes.health && path == "/healthz" && isGet) {
        emit healthRequested(socket);
    } else if (m_routes.metrics && path == "/metrics" && isGet) {
        const Admission::Refusal refusal = admission->admitAdmin(head, false);
        if (!refused(socket, head, refusal.status, refusal.message, refusal.extraHeaders))
            emit metricsRequested(socket);
    } else if (m_routes.browserClient && isGet && m_routes.browserClient->serves(path)) {
        // Static and public: no token (the page asks for one when the WebSocket needs it).
        emit browserFileRequested(socket, path);
    } else {
        refused(socket, head, 404, "no such endpoint: " + path, {});
    }
}

bool ConnectionGate::refused(QTcpSocket *socket, const HttpRequestHead &head, int status,
    const QByteArray &message, const QByteArray &extraHeaders)
{
    if (status == 0)
        return false;
    // The target may carry a token: log the path only.
    qCInfo(lcGate).noquote() << status << "for" << head.method << head.path() << "from"
                             << PeerAddress::text(socket->peerAddress()) << "-" << message;
    respond(socket, status, "text/plain; charset=utf-8", message + '\n', extraHeaders);
    return true;
}
