#pragma once

// The readers of the bench: a direct QTcpSocket reader of the upstream (the baseline) and the
// WebSocket clients of the proxy. Both check that events arrive numbered 0, 1, 2, ...

#include "measure.h"
#include "sseparser.h"

#include <QAtomicInteger>
#include <QObject>
#include <QTcpSocket>
#include <QUrl>
#include <QWebSocket>

#include <atomic>
#include <vector>

namespace relaybench {

// Direct reader (the baseline): a plain QTcpSocket reads the flood with no proxy in between,
// counting events and checking their numbers. Runs in a thread of its own, like the proxy.
// By default it splits events with a bare line search; with `parse` the body goes through
// SseParser, as in the proxy (the floor for anything that relays parsed events).
class DirectReader : public QObject
{
    Q_OBJECT

public:
    void start(quint16 port, const QByteArray &path, bool parse = false)
    {
        if (parse) {
            m_parser = new SseParser(this);
            connect(m_parser, &SseParser::eventDispatched, this,
                &DirectReader::onParserEventDispatched);
        }
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::readyRead, this, &DirectReader::onSocketReadyRead);
        m_socket->connectToHost(QHostAddress::LocalHost, port);
        m_socket->write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }
    void stop() { m_socket->abort(); }

    QAtomicInteger<qint64> events = 0;
    QAtomicInteger<qint64> gaps = 0;
    // Parsing readers of stamped (ticking) events: delivery times while set, read on the
    // reader's thread.
    std::atomic<bool> recording { false };
    std::vector<qint64> latenciesMicros;

private:
    void onSocketReadyRead()
    {
        m_pending += m_socket->readAll();
        qsizetype from = 0;
        if (!m_headDone) {
            const qsizetype end = m_pending.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_headDone = true;
            from = end + 4;
        }
        if (m_parser) {
            m_parsed = 0;
            m_parser->feed(QByteArrayView(m_pending).sliced(from));
            m_pending.clear();
            events += m_parsed;
            return;
        }
        qint64 counted = 0;
        for (;;) {
            const qsizetype end = m_pending.indexOf("\n\n", from);
            if (end < 0)
                break;
            // "id: <n>\n..." : the number starts 4 bytes in.
            const qsizetype idEnd = m_pending.indexOf('\n', from);
            if (QByteArrayView(m_pending).sliced(from + 4, idEnd - from - 4).toLongLong() != m_next)
                ++gaps;
            ++m_next;
            ++counted;
            from = end + 2;
        }
        m_pending.remove(0, from);
        events += counted;
    }

    void onParserEventDispatched(const SseEvent &event)
    {
        if (event.lastEventId.toLongLong() != m_next)
            ++gaps;
        ++m_next;
        ++m_parsed;
        bool stamped = false;
        const qint64 stamp = event.type.toLongLong(&stamped);
        if (stamped && recording.load(std::memory_order_relaxed))
            latenciesMicros.push_back((steadyNanos() - stamp) / 1000);
    }

    QTcpSocket *m_socket = nullptr;
    SseParser *m_parser = nullptr;
    qint64 m_parsed = 0;
    QByteArray m_pending;
    bool m_headDone = false;
    qint64 m_next = 0;
};

// One WebSocket client of the proxy. With a request it streams and checks that the events'
// numbers run 0, 1, 2, ... with no gap; without one it just stays connected. With `hold` it
// sends its request only when sendRequest() is called (sessions open first, streams later).
class RelayClient : public QObject
{
    Q_OBJECT

public:
    RelayClient(const QUrl &proxyUrl, const QByteArray &request, QObject *parent, bool hold = false)
        : QObject(parent)
        , m_request(request)
        , m_hold(hold)
    {
        connect(&m_socket, &QWebSocket::connected, this, &RelayClient::onSocketConnected);
        connect(&m_socket, &QWebSocket::textMessageReceived, this,
            &RelayClient::onSocketTextMessageReceived);
        m_socket.open(proxyUrl);
    }

    bool connected = false;
    qint64 events = 0;
    qint64 gaps = 0;
    qint64 otherMessages = 0; // error, closed: none expected while streaming
    bool recording = false; // keep the delivery times of stamped events (measuring window)
    std::vector<qint64> latenciesMicros;

    void abort() { m_socket.abort(); }
    void sendRequest()
    {
        if (!m_request.isEmpty() && connected && !m_sent) {
            m_sent = true;
            m_socket.sendTextMessage(QString::fromUtf8(m_request));
        }
    }

private:
    void onSocketConnected()
    {
        connected = true;
        if (!m_hold)
            sendRequest();
    }

    void onSocketTextMessageReceived(const QString &message)
    {
        static const QString idKey = QStringLiteral("\"id\":\"");
        if (!message.startsWith(u"{\"type\":\"sse-event\"")) {
            if (!message.startsWith(u"{\"type\":\"connected\""))
                ++otherMessages;
            return;
        }
        const qsizetype at = message.indexOf(idKey);
        const qsizetype end = message.indexOf(u'"', at + idKey.size());
        if (at < 0 || end < 0
            || QStringView(message).sliced(at + idKey.size(), end - at - idKey.size()).toLongLong()
                != m_next)
            ++gaps;
        ++m_next;
        ++events;
        if (recording)
            recordLatency(message);
    }

    // A stamped event's type is the upstream's steadyNanos() when it wrote it.
    void recordLatency(const QString &message)
    {
        static const QString eventKey = QStringLiteral("\"event\":\"");
        const qsizetype at = message.indexOf(eventKey);
        if (at < 0)
            return;
        const qsizetype start = at + eventKey.size();
        const qsizetype end = message.indexOf(u'"', start);
        bool ok = false;
        const qint64 stamp = QStringView(message).sliced(start, end - start).toLongLong(&ok);
        if (ok)
            latenciesMicros.push_back((steadyNanos() - stamp) / 1000);
    }

    QWebSocket m_socket;
    QByteArray m_request;
    bool m_hold = false;
    bool m_sent = false;
    qint64 m_next = 0;
};

// Opens `count` clients, at most `inFlight` handshakes at a time (a burst of a thousand
// connects overflows the listen backlog and costs SYN retries, not proxy work). With `hold`
// they connect without sending their request (see startRequests()).
std::vector<RelayClient *> openClients(QObject *owner, const QUrl &url, int count,
    const QByteArray &request, int inFlight = 64, bool hold = false);
// Sends the held requests, `batch` at a time, letting the event loop run between batches.
void startRequests(const std::vector<RelayClient *> &clients, int batch = 100);
void closeClients(std::vector<RelayClient *> &clients);

} // namespace relaybench
