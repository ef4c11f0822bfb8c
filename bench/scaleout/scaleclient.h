#pragma once

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

// One client of scale-clients: reads a finite /ticks stream through the proxy, and after a
// break reconnects and resumes with Last-Event-ID. Checks that tick n+1 follows tick n.
class ScaleClient : public QObject
{
    Q_OBJECT

public:
    struct Stream
    {
        int upstreamPort = 0;
        int events = 50;
        int intervalMs = 200;
    };
    struct Figures
    {
        qint64 events = 0;
        int reconnects = 0;
        int shutdownReconnects = 0; // after `closed` "proxy shutting down"
        int errors = 0; // `error` messages
        int outOfOrder = 0; // a tick that was not the next one
        Figures &operator+=(const Figures &other);
    };

    ScaleClient(const QUrl &url, const Stream &stream);
    void start();
    const Figures &figures() const { return m_figures; }

signals:
    void firstEvent();
    void complete();

private:
    void onMessage(const QString &text);
    void onSseEvent(const QString &id);
    void reconnectSoon();

    QUrl m_url;
    Stream m_stream;
    QWebSocket m_socket;
    QTimer m_backoff;
    qint64 m_lastTick = 0;
    bool m_done = false;
    Figures m_figures;
};
