#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

// An upstream that answers with exactly the bytes a test scripts, for the attack and framing
// rows of the upstream client and for a stream that must stay open while the proxy is
// signalled: on each connection it reads the request (head, then a Content-Length body; see
// upstreamrequest.h), records it, and plays the script one step after another. Listens on
// port 0 of a loopback address, plain or TLS. Well-formed answers chosen by path are
// TestUpstream's job; this one is for bytes no real server would send.
class RawUpstream : public QObject
{
    Q_OBJECT

public:
    struct Step
    {
        enum class Kind { Write, Pause, Close, Reset, Hold };
        Kind kind = Kind::Hold;
        QByteArray bytes;
        int ms = 0; // Pause only
    };
    // Writes are paced a few ms apart, so that the pieces tend to arrive in separate reads.
    static Step write(const QByteArray &bytes) { return { Step::Kind::Write, bytes, 0 }; }
    // A timer's wait before the next step (a slow server; never a sleep).
    static Step pause(int ms) { return { Step::Kind::Pause, {}, ms }; }
    static Step close() { return { Step::Kind::Close, {}, 0 }; } // FIN after what was written
    static Step reset() { return { Step::Kind::Reset, {}, 0 }; } // RST (SO_LINGER 0)
    static Step hold() { return { Step::Kind::Hold, {}, 0 }; } // stay open, say nothing more

    // `tls`: a configuration with a local certificate and key, or a null one for plain TCP.
    explicit RawUpstream(const QList<Step> &script,
        const QHostAddress &address = QHostAddress::LocalHost,
        const QSslConfiguration &tls = QSslConfiguration(), QObject *parent = nullptr);
    ~RawUpstream() override;

    quint16 port() const;
    const QList<QByteArray> &requests() const { return m_requests; } // raw bytes, one per request
    int requestCount() const { return int(m_requests.size()); }
    int connectionCount() const { return m_connections; }
    QTcpSocket *lastConnection() const { return m_last; }
    // Answers without waiting for a request (for clients that never finish one, e.g. TLS).
    void setAnswerAtOnce(bool on) { m_answerAtOnce = on; }

signals:
    void requestReceived();

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void play(QTcpSocket *socket, int step);

    QList<Step> m_script;
    std::unique_ptr<QTcpServer> m_server;
    QList<QByteArray> m_requests;
    QPointer<QTcpSocket> m_last;
    int m_connections = 0;
    bool m_answerAtOnce = false;
};

Q_DECLARE_METATYPE(QList<RawUpstream::Step>)
