#include "rawupstream.h"

#include "upstreamrequest.h"

#include <QSslServer>
#include <QSslSocket>
#include <QTimer>

#include <sys/socket.h>

RawUpstream::RawUpstream(const QList<Step> &script, const QHostAddress &address,
    const QSslConfiguration &tls, QObject *parent)
    : QObject(parent)
    , m_script(script)
{
    if (tls.isNull()) {
        m_server = std::make_unique<QTcpServer>();
    } else {
        auto server = std::make_unique<QSslServer>();
        server->setSslConfiguration(tls);
        m_server = std::move(server);
    }
    connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this,
        &RawUpstream::onNewConnection);
    m_server->listen(address, 0);
}

RawUpstream::~RawUpstream() = default;

quint16 RawUpstream::port() const
{
    return m_server->serverPort();
}

void RawUpstream::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        ++m_connections;
        m_last = socket;
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket]() { onReadyRead(socket); });
        if (m_answerAtOnce)
            play(socket, 0);
    }
}

void RawUpstream::onReadyRead(QTcpSocket *socket)
{
    if (socket->property("answered").toBool() || m_answerAtOnce) {
        socket->readAll();
        return;
    }
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    HttpRequestHead head;
    const qsizetype n = completeRequestSize(buffer, &head);
    socket->setProperty("buffer", buffer);
    if (n == 0)
        return;
    m_requests.append(buffer.first(n));
    socket->setProperty("answered", true);
    emit requestReceived();
    play(socket, 0);
}

void RawUpstream::play(QTcpSocket *socket, int step)
{
    if (step >= m_script.size())
        return;
    const Step &s = m_script.at(step);
    switch (s.kind) {
    case Step::Kind::Write:
        socket->write(s.bytes);
        socket->flush();
        // Paced a little apart so that the pieces tend to arrive in separate reads.
        QTimer::singleShot(5, socket, [this, socket, step]() { play(socket, step + 1); });
        return;
    case Step::Kind::Pause:
        QTimer::singleShot(s.ms, socket, [this, socket, step]() { play(socket, step + 1); });
        return;
    case Step::Kind::Close:
        socket->disconnectFromHost();
        return;
    case Step::Kind::Reset: {
        socket->flush();
        const linger hard { 1, 0 };
        ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        socket->abort();
        return;
    }
    case Step::Kind::Hold:
        return;
    }
}
