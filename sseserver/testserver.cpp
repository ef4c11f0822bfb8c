#include "testserver.h"

#include "httpconnection.h"
#include "logging.h"
#include "tlslistener.h"

#include <QHostInfo>
#include <QTcpServer>
#include <QTcpSocket>

namespace {

constexpr int listenBacklog = 1024; // hundreds of clients may connect in one burst
constexpr int portZeroAttempts = 5;

} // namespace

TestServer::TestServer(const TestServerSettings &settings, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_requestTimeoutMs(HttpConnection::defaultRequestTimeoutMs)
{
}

TestServer::~TestServer()
{
    close();
}

bool TestServer::listen(const QString &host, quint16 port, QString *error)
{
    close();
    const QString name = host.trimmed();
    QList<QHostAddress> addresses;
    bool extraOptional = false; // extra addresses of a name may be unavailable (no IPv6)
    QHostAddress literal;
    if (name.isEmpty() || name == u"*") {
        addresses = { QHostAddress(QHostAddress::Any) };
    } else if (name.compare(u"localhost", Qt::CaseInsensitive) == 0) {
        addresses = { QHostAddress(QHostAddress::LocalHost),
                      QHostAddress(QHostAddress::LocalHostIPv6) };
        extraOptional = true;
    } else if (literal.setAddress(name)) {
        addresses = { literal };
    } else {
        const QHostInfo info = QHostInfo::fromName(name);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            *error = QStringLiteral("cannot resolve host \"%1\": %2").arg(name, info.errorString());
            return false;
        }
        for (const QHostAddress &address : info.addresses()) {
            if (!addresses.contains(address))
                addresses.append(address);
        }
        extraOptional = true;
    }

    // With port 0 the first address picks a free port and the others must get the same one;
    // when another program holds it there, start over with a new free port.
    for (int attempt = 0; attempt < (port == 0 ? portZeroAttempts : 1); ++attempt) {
        if (listenOn(addresses, port, extraOptional, name, error))
            return true;
        if (port != 0 || m_listeners.isEmpty())
            break;
        close();
    }
    close();
    return false;
}

bool TestServer::listenOn(const QList<QHostAddress> &addresses, quint16 port, bool extraOptional,
                          const QString &host, QString *error)
{
    quint16 chosen = port;
    for (const QHostAddress &address : addresses) {
        QTcpServer *listener = TlsListener::create(m_tls, m_requestTimeoutMs, this);
        listener->setListenBacklogSize(listenBacklog);
        if (!listener->listen(address, chosen)) {
            const bool inUse = listener->serverError() == QAbstractSocket::AddressInUseError;
            const bool isExtra = !m_listeners.isEmpty();
            if (isExtra && extraOptional && !inUse) {
                qCDebug(lcSseServer).noquote()
                    << QStringLiteral("not listening on %1: %2")
                           .arg(address.toString(), listener->errorString());
                delete listener;
                continue;
            }
            *error = inUse ? QStringLiteral("port %1 on %2 is already in use").arg(chosen).arg(host)
                           : QStringLiteral("cannot listen on %1 port %2 (%3): %4")
                                 .arg(host)
                                 .arg(chosen)
                                 .arg(address.toString(), listener->errorString());
            delete listener;
            // Signal "retry with another port" only when port 0 picked the clashing port.
            if (!(inUse && isExtra && port == 0))
                close();
            return false;
        }
        chosen = listener->serverPort();
        // A TLS listener's sockets are pending only once their handshake is done.
        connect(listener, &QTcpServer::pendingConnectionAvailable, this,
                [this, listener] { onListenerNewConnection(listener); });
        m_listeners.append(listener);
    }
    m_port = chosen;
    return true;
}

void TestServer::close()
{
    for (QTcpServer *listener : std::as_const(m_listeners)) {
        listener->close();
        listener->deleteLater();
    }
    m_listeners.clear();
    m_port = 0;
    // abort() emits finished(), which removes the connection from the list.
    const QList<HttpConnection *> connections = m_connections;
    for (HttpConnection *connection : connections)
        connection->abort();
}

int TestServer::activeStreamCount() const
{
    int count = 0;
    for (const HttpConnection *connection : m_connections)
        count += connection->isResponding() ? 1 : 0;
    return count;
}

int TestServer::activeTimerCount() const
{
    int count = 0;
    for (const HttpConnection *connection : m_connections)
        count += connection->hasActiveTimer() ? 1 : 0;
    return count;
}

void TestServer::onListenerNewConnection(QTcpServer *listener)
{
    while (QTcpSocket *socket = listener->nextPendingConnection()) {
        auto *connection =
            new HttpConnection(socket, m_nextId++, m_settings, m_requestTimeoutMs, this);
        connect(connection, &HttpConnection::finished, this,
                [this, connection] { onConnectionFinished(connection); });
        m_connections.append(connection);
        emit connectionCountChanged(connectionCount());
    }
}

void TestServer::onConnectionFinished(HttpConnection *connection)
{
    m_connections.removeOne(connection);
    connection->deleteLater();
    emit connectionCountChanged(connectionCount());
}
