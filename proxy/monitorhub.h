#pragma once

#include "monitormessages.h"
#include "proxymetrics.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <QWebSocketServer>

#include <memory>

class MonitorFeed;
struct ProxyShared;
class QTcpSocket;
class QWebSocket;

MonitorOutcome monitorOutcomeOf(RequestOutcome outcome);

// The main-thread end of the monitor feed (docs/MONITOR.md): owns every monitor's WebSocket,
// speaks for the proxy as a whole (hello, totals from the summed metrics, pong, errors), and
// merges what each worker's MonitorFeed posts to it: a monitor's snapshot is sent once every
// worker has sent its part (anything a worker says meanwhile waits behind it), and a subscribe
// goes to the worker that owns the session (a session id says which). A monitor that stops
// reading is dropped here, where its socket is, so no worker ever waits for a monitor.
class MonitorHub : public QObject
{
    Q_OBJECT

public:
    static constexpr int totalsIntervalMs = 1000;
    static constexpr qint64 maxQueuedBytes = 4 * 1024 * 1024; // a monitor that stops reading

    MonitorHub(const ProxyShared *shared, QObject *parent = nullptr);
    ~MonitorHub() override;

    // Once, before any monitor comes: feed i belongs to worker i.
    void setFeeds(const QList<MonitorFeed *> &feeds);
    // An admitted /monitor upgrade, on this thread: upgrades it, then sends hello and snapshot.
    void addConnection(QTcpSocket *socket);
    int monitorCount() const { return int(m_monitors.size()); }
    void closeAll();

    // Posted by the feeds.
    void takeSnapshotPart(int monitor, const QList<MonitorSession> &sessions);
    void takeMessage(const QList<int> &monitors, const QString &message);

private:
    struct Monitor
    {
        int id = 0;
        QWebSocket *socket = nullptr;
        int partsMissing = 0; // workers whose snapshot part has not come yet
        QList<MonitorSession> sessions; // the parts so far
        QStringList held; // workers' messages that came before the snapshot
        qint64 heldBytes = 0; // bounded by maxQueuedBytes, as the socket's queue is
        int followedWorker = -1; // the worker whose session it follows
    };

    void onWebSocketConnected();
    void onMonitorMessage(Monitor *monitor, const QString &text);
    void subscribe(Monitor *monitor, qint64 sessionId);
    void removeMonitor(int id);
    void send(Monitor *monitor, const QString &message);
    template <typename Call> void post(int worker, Call call); // runs call(feed) on worker's thread
    MonitorTotals totals() const;

    const ProxyShared *m_shared;
    QList<MonitorFeed *> m_feeds;
    QWebSocketServer m_sockets;
    QHash<int, std::shared_ptr<Monitor>> m_monitors;
    int m_nextId = 1;
    QTimer m_totalsTimer;
    qint64 m_startedAt;
};
