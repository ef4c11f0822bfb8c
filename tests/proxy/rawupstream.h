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
// rows of the upstream client: on each connection it reads the request (head, then a
// Content-Length body), records it, and plays the script one step after another. Listens on
// port 0 of a loopback address, plain or TLS.
class RawUpstream : public QObject
{
    Q_OBJECT

public:
    struct Step
    {
        enum class Kind { Write, Close, Reset, Hold };
        Kind kind = Kind::Hold;
        QByteArray bytes;
    };
    static Step write(const QByteArray &bytes) { return { Step::Kind::Write, bytes }; }
    static Step close() { return { Step::Kind::Close, {} }; } // FIN after what was written
    static Step reset() { return { Step::Kind::Reset, {} }; } // RST (SO_LINGER 0)
    static Step hold() { return { Step::Kind::Hold, {} }; } // stay open, say nothing more

    // `tls`: a configuration with a local certificate and key, or a null one for plain TCP.
    explicit RawUpstream(const QList<Step> &script,
        const QHostAddress &address = QHostAddress::LocalHost,
        const QSslConfiguration &tls = QSslConfiguration(), QObject *parent = nullptr);
    ~RawUpstream() override;

    quint16 port() const;
    const QList<QByteArray> &requests() const { return m_requests; } // raw bytes, one per request
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
