#pragma once

#include "requestreader.h"
#include "responsesource.h"
#include "settings.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>

class QTcpSocket;

// One client connection: reads one request, routes it, then feeds the response source's steps
// to the socket, one timer tick at a time. A client that leaves stops everything at once.
//
// Flow control: when more than `highWatermark` bytes wait in the socket (a slow reader, or
// /ticks with interval 0), the next step waits until the queue drains below `lowWatermark`.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    static constexpr int defaultRequestTimeoutMs = 10000;
    static constexpr qint64 highWatermark = 1024 * 1024;
    static constexpr qint64 lowWatermark = 256 * 1024;
    // A planned reset waits until the peer has every byte before it (see resetOnceDelivered()),
    // polling this often, but a peer that stops reading gets the reset after resetWaitLimitMs.
    static constexpr int resetPollMs = 2;
    static constexpr int resetWaitLimitMs = 2000;

    // Takes ownership of `socket`. A client that has not sent a whole request within
    // `requestTimeoutMs` gets 408.
    HttpConnection(QTcpSocket *socket, quint64 id, const TestServerSettings &settings,
        int requestTimeoutMs = defaultRequestTimeoutMs, QObject *parent = nullptr);
    ~HttpConnection() override;

    quint64 id() const { return m_id; }
    // Between the request and the end of its response.
    bool isResponding() const { return m_state == State::Responding; }
    bool hasActiveTimer() const { return m_stepTimer.isActive() || m_requestTimer.isActive(); }

    // Drops the connection now (server shutdown). finished() follows.
    void abort();

signals:
    // Emitted exactly once, when the connection is closed for whatever reason.
    void finished();

private:
    enum class State { ReadingRequest, Responding, Closing, Done };

    void onSocketReadyRead();
    void onSocketBytesWritten();
    void onSocketDisconnected();
    void onStepTimerTimeout();
    void onRequestTimerTimeout();

    void startResponse(std::unique_ptr<ResponseSource> source);
    void pump();
    void resetOnceDelivered();
    void resetConnection();
    qint64 undeliveredBytes() const;
    void finish();
    void log(const QString &text) const;

    QTcpSocket *m_socket;
    quint64 m_id;
    TestServerSettings m_settings;
    int m_requestTimeoutMs;
    QString m_peer;
    State m_state = State::ReadingRequest;
    RequestReader m_reader;
    std::unique_ptr<ResponseSource> m_source;
    QTimer m_stepTimer;
    QTimer m_requestTimer;
    bool m_waitingForDrain = false;
    bool m_resetPending = false; // Then::Abort: reset once the bytes before it are delivered
    QElapsedTimer m_resetWait;
};
