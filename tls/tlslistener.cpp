#include "tlslistener.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTimer>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcTls, "wssp.tls", QtInfoMsg)

namespace {

// Follows one connection until its handshake ends; when the socket goes without having been
// encrypted, logs why, once. A child of the socket, so it never outlives what it watches.
class HandshakeWatch : public QObject
{
    Q_OBJECT // for findChild()

        public : HandshakeWatch(QSslSocket *socket, int timeoutMs)
        : QObject(socket)
        , m_peer(describePeer(*socket))
        , m_timeoutMs(timeoutMs)
    {
        connect(socket, &QSslSocket::encrypted, this, [this]() {
            m_finished = true;
            deleteLater();
        });
        connect(socket, &QAbstractSocket::errorOccurred, this,
            [this, socket](QAbstractSocket::SocketError error) {
                if (!m_failure.isEmpty())
                    return;
                // A client that rejects the certificate often just hangs up.
                if (error == QAbstractSocket::RemoteHostClosedError)
                    m_failure = m_started ? QStringLiteral("the client closed the connection "
                                                           "during the handshake (does it "
                                                           "trust the certificate?)")
                                          : QStringLiteral("the client closed the connection "
                                                           "before its TLS ClientHello");
                else
                    m_failure = socket->errorString();
            });
        // destroyed() comes before the socket deletes its children: this is still whole.
        connect(socket, &QObject::destroyed, this, &HandshakeWatch::reportFailure);
    }

    static HandshakeWatch *of(QSslSocket *socket)
    {
        return socket->findChild<HandshakeWatch *>(QString(), Qt::FindDirectChildrenOnly);
    }

    void noteHandshakeStarted() { m_started = true; }
    // QSslServer reports its timeout on itself, after it has closed the socket.
    void noteTimedOut()
    {
        m_failure = QStringLiteral("no finished handshake within %1 ms").arg(m_timeoutMs);
    }

private:
    static QString describePeer(const QSslSocket &socket)
    {
        const QString address = socket.peerAddress().toString();
        return (address.contains(u':') ? u'[' + address + u']' : address) + u':'
            + QString::number(socket.peerPort());
    }

    void reportFailure()
    {
        if (m_finished)
            return;
        m_finished = true;
        QString reason = m_failure;
        if (reason.isEmpty())
            reason = m_started ? QStringLiteral("the connection ended during the handshake")
                               : QStringLiteral("no TLS ClientHello (a plain-text request to a "
                                                "TLS port?)");
        qCInfo(lcTls).noquote() << "TLS handshake with" << m_peer << "failed:" << reason;
    }

    QString m_peer; // kept: a closed socket no longer knows its peer
    int m_timeoutMs;
    QString m_failure;
    bool m_started = false;
    bool m_finished = false;
};

} // namespace

TlsListener::TlsListener(
    const QSslConfiguration &configuration, int handshakeTimeoutMs, QObject *parent)
    : QSslServer(parent)
{
    setSslConfiguration(configuration);
    setHandshakeTimeout(handshakeTimeoutMs);
    connect(this, &QSslServer::startedEncryptionHandshake, this, [](QSslSocket *socket) {
        if (HandshakeWatch *watch = HandshakeWatch::of(socket))
            watch->noteHandshakeStarted();
    });
    connect(this, &QSslServer::errorOccurred, this,
        [](QSslSocket *socket, QAbstractSocket::SocketError error) {
            HandshakeWatch *watch = HandshakeWatch::of(socket);
            if (watch && error == QAbstractSocket::SocketTimeoutError)
                watch->noteTimedOut();
        });
}

QTcpServer *TlsListener::create(
    const std::optional<QSslConfiguration> &tls, int handshakeTimeoutMs, QObject *parent)
{
    if (tls)
        return new TlsListener(*tls, handshakeTimeoutMs, parent);
    return new QTcpServer(parent);
}

void TlsListener::incomingConnection(qintptr descriptor)
{
    QSslServer::incomingConnection(descriptor);
    // QSslServer gives no signal with the new socket before its handshake ends, and none at all
    // for a client that sends no ClientHello; it makes the socket its newest child.
    const QObjectList &children = this->children();
    auto *socket = children.isEmpty() ? nullptr : qobject_cast<QSslSocket *>(children.constLast());
    if (socket && socket->state() == QAbstractSocket::ConnectedState && !HandshakeWatch::of(socket))
        new HandshakeWatch(socket, handshakeTimeout());
}

#include "tlslistener.moc"

void TlsListener::adopt(qintptr descriptor, const QSslConfiguration &configuration,
    int handshakeTimeoutMs, QObject *parent, const std::function<void(QSslSocket *)> &ready)
{
    auto *socket = new QSslSocket(parent);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCInfo(lcTls).noquote() << "cannot take an accepted connection:" << socket->errorString();
        ::close(int(descriptor));
        delete socket;
        return;
    }
    socket->setSslConfiguration(configuration);
    auto *watch = new HandshakeWatch(socket, handshakeTimeoutMs);
    auto *timeout = new QTimer(watch); // goes with the watch once the handshake is done
    timeout->setSingleShot(true);
    QObject::connect(timeout, &QTimer::timeout, socket, [socket, watch]() {
        watch->noteTimedOut();
        socket->abort();
    });
    timeout->start(handshakeTimeoutMs);
    QObject::connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    // Plain bytes wait in the socket until the handshake reads them as its ClientHello.
    QObject::connect(socket, &QIODevice::readyRead, watch, [socket, watch]() {
        if (socket->mode() != QSslSocket::UnencryptedMode)
            return;
        watch->noteHandshakeStarted();
        socket->startServerEncryption();
    });
    QObject::connect(socket, &QSslSocket::encrypted, socket, [socket, timeout, ready]() {
        timeout->stop(); // the watch, and the timer with it, goes later
        // From here on the socket belongs to `ready`'s receiver, which decides when it goes.
        QObject::disconnect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        ready(socket);
    });
}
