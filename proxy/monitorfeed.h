#pragma once

#include "clientsession.h"
#include "monitormessages.h"
#include "redactor.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

class ProxyServer;
class QWebSocket;

// The proxy side of the monitor feed (docs/MONITOR.md): tells each connected monitor what the
// sessions are doing. Lifecycle messages go out as they happen; per-session counters are
// compared every 100 ms and only changed sessions are sent, so a busy proxy costs a monitor a
// dozen messages a second. Relay cost is untouched unless a monitor follows a session: only
// then is the feed connected to that session's eventRelayed signal. The feed only listens; it
// never sets anything on a session.
//
// What it shows of requests (URLs, headers, error texts) is redacted as each record is built,
// once for every monitor (admin.redact, docs/MONITOR.md §7); events are not redacted.
class MonitorFeed : public QObject
{
    Q_OBJECT

public:
    static constexpr int updateIntervalMs = 100;
    static constexpr int totalsIntervalMs = 1000;
    static constexpr int historyLength = 100;        // events kept per followed session
    static constexpr int eventsPerBatch = 100;       // 1,000 events/s per follower
    static constexpr int dataExcerptChars = 1024;
    static constexpr qint64 maxQueuedBytes = 4 * 1024 * 1024; // a monitor that stops reading

    explicit MonitorFeed(ProxyServer *server);
    ~MonitorFeed() override;

    // Takes ownership of an upgraded /monitor socket: sends hello and snapshot.
    void addMonitor(QWebSocket *socket);
    int monitorCount() const { return int(m_monitors.size()); }
    void closeAll();

private:
    struct Monitor;
    struct Tapped
    {
        qint64 time = 0;
        SseEvent event;       // data cut to dataExcerptChars: the ring never pins a huge event
        qsizetype dataLength = 0;
    };
    struct Followed
    {
        std::vector<Tapped> ring; // the last historyLength events, overwritten in place
        quint64 count = 0;        // events tapped since the first follower came
    };
    // A session's current request as the feed shows it: redacted once per request and
    // reused by every description until the next request-started or request-connected.
    struct ShownRequest
    {
        QString url;
        MonitorHeaders requestHeaders;
        MonitorHeaders responseHeaders;
    };
    // Records of the events numbered [from, count) still in the ring; `skipped` gets the rest.
    QList<MonitorEventRecord> recordsSince(const Followed &followed, quint64 from, int max,
                                           qint64 *skipped) const;
    void flushEvents(Monitor *monitor);

    void onSessionOpened(ClientSession *session);
    void onSessionClosed(const ClientSession *session, quint64 id);
    void onRequestStarted(quint64 id);
    void onRequestConnected(quint64 id);
    void onRequestFinished(quint64 id, RequestOutcome outcome, const QString &error,
                           const QString &reason);
    void onEventTapped(quint64 id, const SseEvent &event);
    void onUpdateTimerTimeout();
    void onTotalsTimerTimeout();
    void onMonitorMessage(Monitor *monitor, const QString &text);
    void removeMonitor(Monitor *monitor);

    void subscribe(Monitor *monitor, qint64 sessionId);
    void unfollowIfUnwatched(qint64 sessionId);
    void broadcast(const QString &message);
    void send(Monitor *monitor, const QString &message);
    MonitorSession describe(const ClientSession &session);
    const ShownRequest &shownRequest(const ClientSession &session);
    QString shownError(const ClientSession &session, const QString &error) const;
    MonitorTotals totals() const;

    ProxyServer *m_server;
    Redactor m_redactor;
    std::vector<std::unique_ptr<Monitor>> m_monitors;
    QHash<quint64, Followed> m_followed;           // sessions some monitor follows
    QHash<quint64, QByteArray> m_lastSent;         // per session: the counters last broadcast
    QHash<quint64, ShownRequest> m_shown;          // per session, built while monitors watch
    // Per session: its lastError as shown. Redacted when the error happens, with the secrets
    // of the request it belongs to, whether or not anyone watches: a later request has others.
    QHash<quint64, QString> m_shownLastErrors;
    QTimer m_updateTimer;
    QTimer m_totalsTimer;
    qint64 m_startedAt;
};
