#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QUrl>

#include <functional>

class QWebSocket;
class QWebSocketServer;

// A stand-in for ws-sse-proxy in the client's tests: a QWebSocketServer on 127.0.0.1, port 0,
// that records every text message it receives (with the time) and answers each request with a
// script. A test may also drive it by hand with send() and dropClient().
class FakeProxy : public QObject
{
    Q_OBJECT

public:
    struct Script
    {
        QStringList replies; // sent at once for each request, in order
        // When set, used instead of `replies`: the answer depends on the request received.
        std::function<QStringList(const QJsonObject &request)> replyFor;
        bool sendClosed = true; // then `closed` ...
        int closedDelayMs = 0; // ... after this delay
        QString closedReason = QStringLiteral("Server closed connection normally.");
        // {"type":"cancel"} -> `closed` "cancelled by client"; {"type":"cancel","id":"a"} ->
        // `closed` with that id, while request "a" is open (sent, and no `closed` sent for it)
        bool answerCancel = true;
        bool dropInsteadOfClosed = false; // abort the connection where `closed` would go
    };

    explicit FakeProxy(QObject *parent = nullptr);
    ~FakeProxy() override;

    bool listen();
    QUrl url() const; // ws://127.0.0.1:<port>/proxy
    quint16 port() const;

    void setScript(const Script &script) { m_script = script; }
    void setAutoReply(bool on) { m_autoReply = on; }

    void send(const QString &text); // to the connected client
    void dropClient(); // abort the client's TCP connection

    // What arrived, in order, with milliseconds since construction.
    QStringList received;
    QList<qint64> receivedAt;
    QList<qint64> closedSentAt; // when each scripted `closed` went out
    int connections = 0;
    int disconnections = 0;

    // Messages the tests send (the proxy's wire format, PROTOCOL.md §3).
    static QString connected(int status = 200);
    static QString sseEvent(const QString &id, const QString &event, const QString &data,
        const QString &retry = QString());
    static QString echoData(int n, int total, const QString &message);
    static QString echoEvent(int n, int total, const QString &message);
    static QString error(const QString &message);
    static QString closed(
        const QString &reason = QStringLiteral("Server closed connection normally."));
    // What the real test server says through the proxy: `connected`, then `total` echo events
    // of the request's body.message.
    static std::function<QStringList(const QJsonObject &)> echoReplies(int total);

signals:
    void messageReceived(const QString &text);

private:
    void onServerNewConnection();
    void onClientTextMessageReceived(const QString &text);
    void onClientDisconnected();
    void sendScriptedClosed();

    QWebSocketServer *m_server;
    QPointer<QWebSocket> m_client;
    QTimer m_closedTimer;
    Script m_script;
    bool m_autoReply = true;
    QElapsedTimer m_clock;
    QSet<QString> m_openIds; // requests with an id that have had no `closed` yet
};

// The §8 transcript ws-test-client prints for `count` echo requests answered by the fake proxy's
// echo script (ids echo-1704110400000-1..3, retry on the last), ending in a newline.
QString echoTranscript(int count, const QString &message);
