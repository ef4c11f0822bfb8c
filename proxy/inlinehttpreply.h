#pragma once

#include "httpresponsereader.h"
#include "upstreampolicy.h"

#include <QHostAddress>
#include <QList>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

#include <memory>

class QHostInfo;
class QSslError;
class QTcpSocket;

// An HTTP/1.1 QNetworkReply that does all its work on the thread that created it: no HTTP
// thread, no hop per read, no per-host connection limit (UpstreamAccessManager hands these out
// for http and https). One reply, one connection, one request, written exactly once: it never
// retries, follows a redirect, caches, or stores or sends a cookie of its own.
//
// It resolves the host asynchronously, tries the addresses in order and connects to each
// itself (connectTo() is the one place a policy can refuse or pin an address), speaks TLS with
// SNI and verifies the certificate against the requested host name. The response is read by
// HttpResponseReader (libhttp-parser), so every end is reported exactly: a complete body is a
// normal end; a chunked or Content-Length body cut short, a malformed response or a TLS failure
// is an error saying which. Reads stop while the consumer's buffer (setReadBufferSize) is full,
// and the socket's own buffer is capped the same way, so TCP flow control holds back the peer.
class InlineHttpReply : public QNetworkReply
{
    Q_OBJECT

public:
    struct Options
    {
        int connectTimeoutMs = 10000; // resolve + connect + TLS; 0 = none
        int responseHeadTimeoutMs = 30000; // request written -> final response head; 0 = none
        HttpResponseReader::Limits headLimits;
        // Checked on every address the host resolves to, before connecting to any; the
        // connection goes only to checked addresses. Null: no policy (proxy.upstream.policy off).
        std::shared_ptr<const UpstreamPolicy> policy;
    };

    // Set to true on every reply of this class: its errorString() is a complete message for a
    // user ("connection refused by 127.0.0.1:8081"), not Qt's generic text.
    static constexpr QNetworkRequest::Attribute DescribedErrorAttribute = QNetworkRequest::User;

    // `body` is sent when `hasBody` (with Content-Length, also when empty).
    InlineHttpReply(const QNetworkRequest &request, const QByteArray &verb, const QByteArray &body,
        bool hasBody, const Options &options, QObject *parent = nullptr);
    ~InlineHttpReply() override;

    void abort() override;
    void close() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    void setReadBufferSize(qint64 size) override;

    // The address the request went to; null until connected.
    QHostAddress peerAddress() const { return m_peerAddress; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    enum class Phase { Starting, Resolving, Connecting, AwaitingHead, ReadingBody, Done };

    void start();
    void onHostResolved(const QHostInfo &info);
    // Checks every address against the policy, then connects to the first; false when one was
    // refused (the reply has failed with the refusal).
    bool admit(const QList<QHostAddress> &addresses);
    void connectTo(const QHostAddress &address);
    void tryNextAddress(const QString &failure);
    void onSocketConnected();
    void onSocketEncrypted();
    void onSslErrors(const QList<QSslError> &errors);
    void onSocketError();
    void onSocketDisconnected();
    void onTimeout();
    void sendRequest();

    // Reads from the socket while the consumer's buffer has room, then tells the consumer.
    void pump();
    void schedulePump();
    void publish();
    void fail(NetworkError code, const QString &message);
    // `atClose`: the reader failed at the connection's end (cut short), not on a byte it read.
    void failFromReader(bool atClose);
    void applyHead();
    void endConnection();
    qint64 buffered() const { return m_buffer.size() - m_readPos; }
    QString where() const;

    Options m_options;
    QByteArray m_verb;
    QByteArray m_body;
    bool m_hasBody = false;
    bool m_isTls = false;
    QString m_host;
    quint16 m_port = 0;
    Phase m_phase = Phase::Starting;

    int m_lookupId = -1;
    QList<QHostAddress> m_addresses;
    qsizetype m_nextAddress = 0;
    QTcpSocket *m_socket = nullptr;
    QHostAddress m_peerAddress;
    QTimer m_timer; // the connect timeout, then the response head timeout
    bool m_peerClosed = false;

    HttpResponseReader m_reader;
    HttpResponseReader::Head m_head;
    QByteArray m_buffer; // body bytes not yet read by the consumer, from m_readPos
    qsizetype m_readPos = 0;
    qint64 m_readBufferSize = 0; // 0: unlimited (Qt's convention)

    // What pump() produced, announced by publish() outside the reader's callbacks.
    bool m_headPending = false;
    bool m_dataPending = false;
    bool m_finishPending = false;
    bool m_pumpScheduled = false;
    bool m_finishedEmitted = false;
};
