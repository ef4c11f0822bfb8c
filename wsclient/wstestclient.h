#pragma once

#include "clientconfig.h"
#include "proxymessages.h"
#include "streamset.h"
#include "transcriptprinter.h"

#include <QAbstractSocket>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

class QIODevice;
class QWebSocket;

Q_DECLARE_LOGGING_CATEGORY(lcWsClient)

// One run of ws-test-client: connects to the proxy, sends the request(s) of its ClientConfig,
// writes the transcript and emits finished() exactly once with the exit status (ClientExit).
// The echo test sends its requests strictly one at a time (the next only after `closed` of the
// previous); request mode sends all its --targets at once and waits until every one is closed
// (StreamSet keeps track).
//
// Output goes to the two devices given (not owned; stdout and stderr in the program, buffers
// in tests): transcript lines or raw JSON lines to `out`, failures and warnings to `err`.
class WsTestClient : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Connecting, WaitingForClosed, Pausing, Cancelling, Closing, Finished };
    Q_ENUM(State)

    WsTestClient(
        const ClientConfig &config, QIODevice *out, QIODevice *err, QObject *parent = nullptr);
    ~WsTestClient() override;

    void start();
    // The Ctrl-C entry point: with requests in flight sends {"type":"cancel"} (one per open
    // request with its "id", when they have ids) and waits up to cancelGrace ms for their
    // `closed`; otherwise (or on a second call) finishes at once. Either way the exit status is
    // ClientExit::interrupted.
    void cancel();

    State state() const { return m_state; }
    int exitCode() const { return m_exitCode; }
    int requestsSent() const { return m_sent; }

signals:
    // Emitted once, after the WebSocket is closed. Delete the client with deleteLater().
    void finished(int exitCode);

private:
    void onSocketConnected();
    void onSocketDisconnected();
    void onSocketError(QAbstractSocket::SocketError error);
    void onSocketTextMessageReceived(const QString &text);
    void onTimeoutTimerTimeout();
    void onPauseTimerTimeout();
    void onCancelTimerTimeout();

    void handleMessage(const ProxyMessages::Message &message, const QString &text);
    void printMessage(const ProxyMessages::Message &message);
    void handleAllClosed();
    void sendNextEchoRequest();
    void sendRequests(const QList<ProxyRequest> &requests);
    // Restarts the silence timeout. `quietMs`: the proxy announced that long a pause (a
    // `reconnecting` wait), which the timeout does not count.
    void armTimeout(int quietMs = 0);
    QString waitingFor() const;
    // The single way out: reports `reason` on err (when not empty), closes the socket and then
    // emits finished(exitCode).
    void finish(int exitCode, const QString &reason = QString());
    void emitFinished();
    void writeOut(const QString &line);
    void writeErr(const QString &line);

    ClientConfig m_config;
    TranscriptPrinter m_printer;
    QIODevice *m_out;
    QIODevice *m_err;
    QWebSocket *m_socket = nullptr; // child
    QTimer m_timeoutTimer; // silence while waiting for the proxy
    QTimer m_pauseTimer; // sendDelay between requests
    QTimer m_cancelTimer; // grace for `closed` after cancel, then for the close
    State m_state = State::Idle;
    int m_sent = 0; // requests sent so far
    StreamSet m_streams; // the request(s) in flight: the echo test's current one, or all targets
    QDeadlineTimer m_quietUntil; // the end of the longest pause the proxy announced
    QString m_socketError; // last socket error text, for the failure message
    int m_exitCode = -1;
};
