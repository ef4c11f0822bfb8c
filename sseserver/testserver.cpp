#include "testserver.h"

#include "httpconnection.h"
#include "listenaddresses.h"
#include "logging.h"
#include "tlslistener.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace {

constexpr int listenBacklog = 1024; // hundreds of clients may connect in one burst

} // namespace

TestServer::TestServer(const TestServerSettings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_requestTimeoutMs(HttpConnection::defaultRequestTimeoutMs)
{
}

TestServer::~TestServer()
{
    close();
}

bool TestServer::listen(const QString &host, quint16 port, QString *error)
{
    close();
    const std::optional<ListenAddresses::Plan> plan = ListenAddresses::resolve(host, error);
    if (!plan)
        return false;
    m_listeners = ListenAddresses::listen(
        *plan, port,
        [this] {
            QTcpServer *listener = TlsListener::create(m_tls, m_requestTimeoutMs, this);
            listener->setListenBacklogSize(listenBacklog);
            return listener;
        },
        error);
    for (QTcpServer *listener : std::as_const(m_listeners)) {
        // A TLS listener's sockets are pending only once their handshake is done.
        connect(listener, &QTcpServer::pendingConnectionAvailable, this,
            [this, listener] { onListenerNewConnection(listener); });
    }
    m_port = m_listeners.isEmpty() ? 0 : m_listeners.first()->serverPort();
    return !m_listeners.isEmpty();
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
        auto *connection
            = new HttpConnection(socket, m_nextId++, m_settings, m_requestTimeoutMs, this);
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
