#include "inlinehttpreply.h"

#include "hostport.h"

#include <QHostInfo>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>

#include <cstring>

namespace {

constexpr qsizetype socketReadBytes = 64 * 1024;
constexpr qsizetype keptBufferBytes = 8 * 1024; // a drained body buffer larger than this is freed

// One socket read at a time per thread: every reply on it shares one scratch buffer, instead of
// each of thousands of mostly idle streams holding 64 KiB of its own.
char *scratchBuffer()
{
    thread_local QByteArray scratch(socketReadBytes, Qt::Uninitialized);
    return scratch.data();
}

bool isDefaultPort(bool tls, quint16 port)
{
    return port == (tls ? 443 : 80);
}

IpAddress toIpAddress(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return IpAddress::ipv4(address.toIPv4Address());
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    std::array<quint8, 16> copy {};
    std::memcpy(copy.data(), bytes.c, copy.size());
    return IpAddress::ipv6(copy);
}

} // namespace

InlineHttpReply::InlineHttpReply(const QNetworkRequest &request, const QByteArray &verb,
    const QByteArray &body, bool hasBody, const Options &options, QObject *parent)
    : QNetworkReply(parent)
    , m_options(options)
    , m_verb(verb)
    , m_body(body)
    , m_hasBody(hasBody)
    , m_reader({ [this](const HttpResponseReader::Head &head) {
                    m_head = head;
                    m_headPending = true;
                },
                   [this](QByteArrayView bytes) {
                       m_buffer.append(bytes.data(), bytes.size());
                       m_dataPending = true;
                   } },
          options.headLimits)
{
    setRequest(request);
    setUrl(request.url());
    setOperation(QNetworkAccessManager::CustomOperation);
    setAttribute(QNetworkRequest::CustomVerbAttribute, verb);
    setAttribute(DescribedErrorAttribute, true);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);

    m_isTls = request.url().scheme() == u"https";
    m_host = request.url().host();
    m_port = quint16(request.url().port(m_isTls ? 443 : 80));
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &InlineHttpReply::onTimeout);
    // Nothing may be signalled before the caller has connected to the reply.
    QMetaObject::invokeMethod(this, &InlineHttpReply::start, Qt::QueuedConnection);
}

InlineHttpReply::~InlineHttpReply()
{
    if (m_lookupId >= 0)
        QHostInfo::abortHostLookup(m_lookupId);
}

void InlineHttpReply::start()
{
    if (m_phase != Phase::Starting)
        return; // aborted before it started
    if (m_options.connectTimeoutMs > 0)
        m_timer.start(m_options.connectTimeoutMs);
    const QHostAddress literal(m_host);
    if (!literal.isNull()) {
        if (admit({ literal }))
            tryNextAddress(QString());
        return;
    }
    m_phase = Phase::Resolving;
    m_lookupId = QHostInfo::lookupHost(m_host, this, &InlineHttpReply::onHostResolved);
}

void InlineHttpReply::onHostResolved(const QHostInfo &info)
{
    m_lookupId = -1;
    if (m_phase != Phase::Resolving)
        return;
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
        fail(HostNotFoundError, QStringLiteral("host not found: %1").arg(m_host));
        return;
    }
    if (admit(info.addresses()))
        tryNextAddress(QString());
}

bool InlineHttpReply::admit(const QList<QHostAddress> &addresses)
{
    // All or nothing: a name that resolves to a public and a private address is refused, so
    // that rebinding tricks cannot pick which one is used.
    if (m_options.policy) {
        for (const QHostAddress &address : addresses) {
            const IpAddress ip = toIpAddress(address);
            const UpstreamPolicy::Verdict verdict = m_options.policy->check(m_host, ip, m_port);
            if (!verdict.allowed) {
                fail(ContentAccessDenied, UpstreamPolicy::refusal(m_host, ip, m_port, verdict));
                return false;
            }
        }
    }
    m_addresses = addresses;
    return true;
}

void InlineHttpReply::tryNextAddress(const QString &failure)
{
    if (m_nextAddress >= m_addresses.size()) {
        fail(ConnectionRefusedError, failure);
        return;
    }
    connectTo(m_addresses.at(m_nextAddress++));
}

void InlineHttpReply::connectTo(const QHostAddress &address)
{
    // The one place where the proxy connects upstream, always to an address admit() checked:
    // there is no second lookup between the check and the connection.
    m_phase = Phase::Connecting;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    if (m_isTls) {
        auto *tls = new QSslSocket(this);
        tls->setSslConfiguration(request().sslConfiguration());
        tls->setPeerVerifyName(m_host); // SNI and the name the certificate must carry
        connect(tls, &QSslSocket::encrypted, this, &InlineHttpReply::onSocketEncrypted);
        connect(tls, &QSslSocket::sslErrors, this, &InlineHttpReply::onSslErrors);
        m_socket = tls;
    } else {
        m_socket = new QTcpSocket(this);
    }
    if (m_readBufferSize > 0)
        m_socket->setReadBufferSize(m_readBufferSize);
    connect(m_socket, &QAbstractSocket::connected, this, &InlineHttpReply::onSocketConnected);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &InlineHttpReply::onSocketError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &InlineHttpReply::onSocketDisconnected);
    connect(m_socket, &QIODevice::readyRead, this, &InlineHttpReply::pump);
    m_peerAddress = address;
    m_socket->connectToHost(address, m_port);
}

void InlineHttpReply::onSocketConnected()
{
    if (m_isTls)
        static_cast<QSslSocket *>(m_socket)->startClientEncryption();
    else
        sendRequest();
}

void InlineHttpReply::onSocketEncrypted()
{
    sendRequest();
}

void InlineHttpReply::onSslErrors(const QList<QSslError> &errors)
{
    QStringList reasons;
    for (const QSslError &error : errors)
        reasons.append(error.errorString());
    fail(SslHandshakeFailedError,
        QStringLiteral("TLS handshake with %1 failed: %2").arg(where(), reasons.join(u"; ")));
}

void InlineHttpReply::onSocketError()
{
    if (m_phase == Phase::Done)
        return;
    const QAbstractSocket::SocketError error = m_socket->error();
    if (m_phase == Phase::Connecting) {
        if (m_isTls && m_socket->state() == QAbstractSocket::ConnectedState) {
            fail(SslHandshakeFailedError,
                QStringLiteral("TLS handshake with %1 failed: %2")
                    .arg(where(), m_socket->errorString()));
            return;
        }
        tryNextAddress(error == QAbstractSocket::ConnectionRefusedError
                ? QStringLiteral("connection refused by %1").arg(where())
                : QStringLiteral("cannot connect to %1: %2").arg(where(), m_socket->errorString()));
        return;
    }
    // A close (or a reset: Qt reports both alike) is judged by what the reader has seen.
    if (error == QAbstractSocket::RemoteHostClosedError)
        return; // disconnected() follows
    fail(RemoteHostClosedError,
        QStringLiteral("upstream connection to %1 failed: %2")
            .arg(where(), m_socket->errorString()));
}

void InlineHttpReply::onSocketDisconnected()
{
    if (m_phase == Phase::Done)
        return;
    m_peerClosed = true;
    pump(); // reads what is left; finishes the reader once it is all read
}

void InlineHttpReply::onTimeout()
{
    if (m_phase == Phase::AwaitingHead) {
        fail(TimeoutError,
            QStringLiteral("upstream %1 sent no response head within %2 ms "
                           "(proxy.responseHeadTimeout)")
                .arg(where())
                .arg(m_options.responseHeadTimeoutMs));
    } else if (m_phase == Phase::Resolving || m_phase == Phase::Connecting) {
        fail(TimeoutError,
            QStringLiteral("connection to %1 timed out after %2 ms "
                           "(proxy.connectTimeout)")
                .arg(where())
                .arg(m_options.connectTimeoutMs));
    }
}

void InlineHttpReply::sendRequest()
{
    m_timer.stop();
    m_phase = Phase::AwaitingHead;
    if (m_options.responseHeadTimeoutMs > 0)
        m_timer.start(m_options.responseHeadTimeoutMs);

    QByteArray target
        = url().toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (target.isEmpty())
        target = "/";
    QByteArray head;
    head.reserve(512);
    head += m_verb + ' ' + target + " HTTP/1.1\r\nHost: " + HostPort::urlHost(m_host).toLatin1();
    if (!isDefaultPort(m_isTls, m_port))
        head += ':' + QByteArray::number(m_port);
    head += "\r\n";
    const QNetworkRequest req = request();
    for (const QByteArray &name : req.rawHeaderList())
        head += name + ": " + req.rawHeader(name) + "\r\n";
    if (m_hasBody || m_verb == "POST" || m_verb == "PUT")
        head += "Content-Length: " + QByteArray::number(m_body.size()) + "\r\n";
    // One request per connection: the stream owns it until it ends.
    head += "Connection: close\r\n\r\n";
    m_socket->write(head + m_body);
    m_body.clear();
}

void InlineHttpReply::pump()
{
    m_pumpScheduled = false;
    if (m_phase != Phase::AwaitingHead && m_phase != Phase::ReadingBody)
        return;
    while (m_phase != Phase::Done) {
        qint64 room = socketReadBytes;
        if (m_readBufferSize > 0)
            room = qMin(room, m_readBufferSize - buffered());
        if (room <= 0)
            break;
        char *scratch = scratchBuffer();
        const qint64 n = m_socket->read(scratch, room);
        if (n <= 0)
            break;
        m_reader.feed(QByteArrayView(scratch, n)); // bytes after a complete response are dropped
        if (m_headPending && m_phase == Phase::AwaitingHead) {
            m_timer.stop();
            m_phase = Phase::ReadingBody;
        }
        if (m_reader.hasFailed()) {
            failFromReader(false);
            return;
        }
        if (m_reader.isComplete()) {
            endConnection();
            m_finishPending = true;
            break;
        }
    }
    if (m_phase != Phase::Done && m_peerClosed && m_socket->bytesAvailable() == 0) {
        m_reader.finishAtClose();
        if (m_reader.hasFailed()) {
            failFromReader(true);
            return;
        }
        endConnection();
        m_finishPending = true;
    }
    publish();
}

void InlineHttpReply::schedulePump()
{
    if (m_pumpScheduled || (m_phase != Phase::AwaitingHead && m_phase != Phase::ReadingBody))
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &InlineHttpReply::pump, Qt::QueuedConnection);
}

// Signals go out here, after the reader has returned: a consumer may abort the reply (or
// schedule its deletion) from any of them.
void InlineHttpReply::publish()
{
    const QPointer<InlineHttpReply> self(this);
    if (m_headPending) {
        m_headPending = false;
        applyHead();
        emit metaDataChanged();
        if (!self || m_finishedEmitted)
            return;
    }
    if (m_dataPending && buffered() > 0) {
        m_dataPending = false;
        emit readyRead();
        if (!self || m_finishedEmitted)
            return;
    }
    if (m_finishPending) {
        m_finishPending = false;
        m_finishedEmitted = true;
        setFinished(true);
        if (error() != NoError)
            emit errorOccurred(error());
        if (!self)
            return;
        emit finished();
    }
}

void InlineHttpReply::applyHead()
{
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, m_head.status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QString::fromLatin1(m_head.reason));
    // Repeated fields are joined as Qt's own HTTP joins them (Set-Cookie with a newline).
    for (const HttpHeader &header : std::as_const(m_head.headers)) {
        QByteArray value = rawHeader(header.first);
        if (hasRawHeader(header.first))
            value += (header.first.compare("set-cookie", Qt::CaseInsensitive) == 0 ? "\n" : ", ");
        setRawHeader(header.first, value + header.second);
    }
}

void InlineHttpReply::fail(NetworkError code, const QString &message)
{
    if (m_phase == Phase::Done)
        return;
    endConnection();
    setError(code, message);
    m_finishPending = true;
    if (m_pumpScheduled)
        return; // the scheduled pump publishes
    // Errors found inside a socket's signal are announced from the event loop, like Qt does.
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(
        this,
        [this]() {
            m_pumpScheduled = false;
            publish();
        },
        Qt::QueuedConnection);
}

void InlineHttpReply::failFromReader(bool atClose)
{
    QString detail = m_reader.error();
    switch (m_reader.exceededLimit()) {
    case HttpResponseReader::ExceededLimit::HeadBytes:
        detail += QStringLiteral(" (proxy.maxResponseHeadBytes)");
        break;
    case HttpResponseReader::ExceededLimit::HeaderCount:
        detail += QStringLiteral(" (proxy.maxResponseHeaders)");
        break;
    case HttpResponseReader::ExceededLimit::None:
        break;
    }
    if (atClose && m_phase == Phase::AwaitingHead) {
        fail(RemoteHostClosedError,
            QStringLiteral("upstream %1 closed the connection before answering (%2)")
                .arg(where(), detail));
    } else if (atClose) {
        fail(RemoteHostClosedError,
            QStringLiteral("upstream connection to %1 broke off mid-stream (%2)")
                .arg(where(), detail));
    } else {
        fail(ProtocolFailure,
            QStringLiteral("upstream %1 sent an invalid response: %2").arg(where(), detail));
    }
}

void InlineHttpReply::endConnection()
{
    m_phase = Phase::Done;
    m_timer.stop();
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void InlineHttpReply::abort()
{
    if (m_finishedEmitted)
        return;
    const bool wasDone = m_phase == Phase::Done;
    endConnection();
    if (!wasDone)
        setError(OperationCanceledError, QStringLiteral("request cancelled"));
    m_finishPending = true;
    m_headPending = false;
    m_dataPending = false;
    publish();
}

void InlineHttpReply::close()
{
    abort();
    QNetworkReply::close();
}

qint64 InlineHttpReply::bytesAvailable() const
{
    return buffered() + QNetworkReply::bytesAvailable();
}

void InlineHttpReply::setReadBufferSize(qint64 size)
{
    const bool grew = size == 0 || size > m_readBufferSize;
    m_readBufferSize = size;
    QNetworkReply::setReadBufferSize(size);
    if (m_socket)
        m_socket->setReadBufferSize(size);
    if (grew)
        schedulePump();
}

qint64 InlineHttpReply::readData(char *data, qint64 maxSize)
{
    const qint64 n = qMin(maxSize, buffered());
    if (n <= 0)
        return m_finishedEmitted || m_phase == Phase::Done ? -1 : 0;
    std::memcpy(data, m_buffer.constData() + m_readPos, size_t(n));
    m_readPos += n;
    if (m_readPos == m_buffer.size()) {
        // Keeps a small capacity for the next read; a backlog's large one is given back.
        if (m_buffer.capacity() > keptBufferBytes)
            m_buffer = QByteArray();
        else
            m_buffer.resize(0);
        m_readPos = 0;
    } else if (m_readPos >= keptBufferBytes && m_readPos * 2 >= m_buffer.size()) {
        // A reader that never drains it all must not make the buffer grow: drop what was read.
        m_buffer.remove(0, m_readPos);
        m_readPos = 0;
    }
    // Room again: read on from the socket (not from inside the consumer's read).
    if (m_socket && m_socket->bytesAvailable() > 0)
        schedulePump();
    else if (m_peerClosed)
        schedulePump();
    return n;
}

QString InlineHttpReply::where() const
{
    return HostPort::join(m_host, m_port);
}
