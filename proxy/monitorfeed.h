#pragma once

#include "clientsession.h"
#include "monitormessages.h"
#include "redactor.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

#include <vector>

class MonitorHub;
class ProxyWorker;

// One worker's part of the monitor feed (docs/MONITOR.md): tells the monitor hub, on the main
// thread, what this worker's sessions are doing, for each monitor ("watcher") the hub has
// registered. Lifecycle messages go out as they happen; per-session counters are compared every
// 100 ms and only changed sessions are sent, so a busy proxy costs a monitor a dozen messages a
// second. Relay cost is untouched unless a monitor follows a session: only then is the feed
// connected to that session's eventRelayed signal. The feed only listens; it never sets
// anything on a session. It lives on its worker's thread and reaches the hub only by posting
// finished messages to it, so nothing here is read from another thread.
//
// What it shows of requests (URLs, headers, error texts) is redacted as each record is built,
// once for every monitor (admin.redact, docs/MONITOR.md §7); events are not redacted.
class MonitorFeed : public QObject
{
    Q_OBJECT

public:
    static constexpr int updateIntervalMs = 100;
    static constexpr int historyLength = 100; // events kept per followed session
    static constexpr int eventsPerBatch = 100; // 1,000 events/s per follower
    static constexpr int dataExcerptChars = 1024;

    MonitorFeed(ProxyWorker *worker, MonitorHub *hub);
    ~MonitorFeed() override;

    // Called on this feed's thread (the hub posts them). A new watcher gets this worker's part
    // of its snapshot first, then every change.
    void addWatcher(int watcher);
    void removeWatcher(int watcher);
    // Follows `sessionId` (one of this worker's) for `watcher`, replacing what it followed here.
    void follow(int watcher, qint64 sessionId);
    void unfollow(int watcher);

private:
    struct Watcher
    {
        int id = 0;
        qint64 following = 0; // session id, 0 = none
        quint64 sentUpTo = 0; // Followed::count already sent (or skipped)
    };
    struct Tapped
    {
        qint64 time = 0;
        QString requestId;
        SseEvent event; // data cut to dataExcerptChars: the ring never pins a huge event
        qsizetype dataLength = 0;
    };
    struct Followed
    {
        std::vector<Tapped> ring; // the last historyLength events, overwritten in place
        quint64 count = 0; // events tapped since the first follower came
    };
    // A session's current request as the feed shows it: redacted once per request and
    // reused by every description until the next request-started or request-connected.
    struct ShownRequest
    {
        QString url;
        MonitorHeaders requestHeaders;
        MonitorHeaders responseHeaders;
        // The URLs of its other running requests (with ids), as sent -> as shown; the
        // current request's is `url`.
        QHash<QString, QString> otherUrls;
    };
    // Records of the events numbered [from, count) still in the ring; `skipped` gets the rest.
    QList<MonitorEventRecord> recordsSince(
        const Followed &followed, quint64 from, int max, qint64 *skipped) const;
    void flushEvents(Watcher *watcher);

    void onSessionOpened(ClientSession *session);
    void onSessionClosed(const ClientSession *session, quint64 id);
    void onRequestStarted(quint64 id, const ClientStream *stream);
    void onRequestConnected(quint64 id, const ClientStream *stream);
    void onRequestFinished(quint64 id, const QString &requestId, const ClientStream *stream,
        RequestOutcome outcome, const QString &error, const QString &reason);
    void onEventTapped(quint64 id, const QString &requestId, const SseEvent &event);
    void onUpdateTimerTimeout();

    Watcher *watcher(int id);
    void unfollowIfUnwatched(qint64 sessionId);
    void broadcast(const QString &message);
    void send(const Watcher &watcher, const QString &message);
    void post(const QList<int> &watchers, const QString &message); // to the hub, on its thread
    MonitorSession describe(const ClientSession &session);
    ShownRequest &shownRequest(const ClientSession &session);
    QList<MonitorRequest> describeRequests(const SessionInfo &info, ShownRequest *shown) const;
    // `error` scrubbed of the secrets of the request it ends (its URL, request and response
    // headers).
    QString shownError(const QString &error, const QString &url,
        const HttpHeaderList &requestHeaders, const HttpHeaderList &responseHeaders) const;

    ProxyWorker *m_worker;
    MonitorHub *m_hub;
    Redactor m_redactor;
    std::vector<Watcher> m_watchers;
    QHash<quint64, Followed> m_followed; // sessions some monitor follows
    QHash<quint64, QByteArray> m_lastSent; // per session: the counters last broadcast
    QHash<quint64, ShownRequest> m_shown; // per session, built while monitors watch
    // Per session: its lastError as shown. Redacted when the error happens, with the secrets
    // of the request it belongs to, whether or not anyone watches: a later request has others.
    QHash<quint64, QString> m_shownLastErrors;
    QTimer m_updateTimer;
};
