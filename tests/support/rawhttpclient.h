#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTcpSocket>

// A test client that writes raw request bytes and records every byte of the answer, with the
// time each complete event (blank line) arrived. Tests wait on isFinished() with QTRY_*.
class RawHttpClient : public QObject
{
    Q_OBJECT

public:
    explicit RawHttpClient(QObject *parent = nullptr);

    void send(quint16 port, const QByteArray &request);
    void abort() { m_socket.abort(); }

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    bool isFinished() const { return m_finished; }
    const QByteArray &bytes() const { return m_bytes; }
    QByteArray head() const; // up to and including the blank line
    QByteArray body() const; // after the head
    int status() const; // from the status line, 0 when none
    QByteArray header(QByteArrayView name) const;
    // Milliseconds from send() to the arrival of the body's n-th blank line (LF line endings).
    QList<qint64> eventArrivalsMs() const { return m_eventArrivalsMs; }
    int eventCount() const { return int(m_eventArrivalsMs.size()); }
    QString errorString() const { return m_errorString; }

    // "GET /path HTTP/1.1" with Host and the given extra header lines and body.
    static QByteArray request(const QByteArray &method, const QByteArray &target,
        const QByteArray &body = {}, const QByteArray &extraHeaders = {});

private:
    void onSocketReadyRead();
    void onSocketDisconnected();
    void onSocketErrorOccurred(QAbstractSocket::SocketError error);

    QTcpSocket m_socket;
    QByteArray m_request;
    QByteArray m_bytes;
    QElapsedTimer m_clock;
    QList<qint64> m_eventArrivalsMs;
    qsizetype m_scanFrom = 0;
    bool m_finished = false;
    QString m_errorString;
};
