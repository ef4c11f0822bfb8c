#pragma once

#include <QSslConfiguration>
#include <QSslServer>

#include <functional>
#include <optional>

class QSslSocket;
class QTcpServer;

// A QSslServer that says why a connection never got past its TLS handshake: one info line per
// failed connection, in category wssp.tls ("TLS handshake with 127.0.0.1:5xxxx failed: ..."),
// for a plain-text request to the TLS port, a client that does not trust the certificate, a
// handshake timeout. QSslServer alone drops a client that sends no ClientHello without a word.
// A failed handshake costs only its own connection.
//
// Only connections whose handshake succeeded reach nextPendingConnection(). Take them on
// pendingConnectionAvailable(): newConnection() comes at the TCP accept, before the handshake,
// when there is nothing to take yet.
class TlsListener : public QSslServer
{
    Q_OBJECT

public:
    // `handshakeTimeoutMs`: how long a client may take from connecting to a finished handshake.
    TlsListener(
        const QSslConfiguration &configuration, int handshakeTimeoutMs, QObject *parent = nullptr);

    // A plain QTcpServer without `tls`, a TlsListener with it.
    static QTcpServer *create(
        const std::optional<QSslConfiguration> &tls, int handshakeTimeoutMs, QObject *parent);

    // For a descriptor accept()ed elsewhere (by another thread's listener): the server side of
    // the handshake as a TlsListener runs it (started when the ClientHello's first bytes come,
    // the same timeout, the same log line when it fails), on the calling thread. `ready` gets
    // the socket (a child of `parent`) once encrypted; a socket that fails deletes itself.
    static void adopt(qintptr descriptor, const QSslConfiguration &configuration,
        int handshakeTimeoutMs, QObject *parent, const std::function<void(QSslSocket *)> &ready);

protected:
    void incomingConnection(qintptr descriptor) override;
};
