#pragma once

#include "monitormessages.h"

#include <QHash>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

namespace relaybench {

// A client of the proxy's /monitor feed that reads everything it receives, as ws-sse-monitor
// would: every message is decoded with MonitorMessage::parse, and it keeps each session's last
// state so that the bench can find the session that is streaming and subscribe to it.
class MonitorClient : public QObject
{
    Q_OBJECT

public:
    // What the feed sent so far; differences of two give the traffic of a window.
    struct Counts
    {
        qint64 messages = 0;
        qint64 characters = 0; // UTF-16 code units; the feed is ASCII here, so also bytes
        qint64 sessionUpdated = 0;
        qint64 totals = 0;
        qint64 sessionEventBatches = 0;
        qint64 eventRecords = 0;
        qint64 skipped = 0;
        qint64 other = 0;

        Counts operator-(const Counts &before) const;
    };

    MonitorClient(const QUrl &monitorUrl, QObject *parent);

    bool snapshotReceived() const { return m_snapshotReceived; }
    // The lowest id of a session whose last reported state is streaming; 0 when none.
    qint64 streamingSession() const;
    void subscribe(qint64 sessionId);
    // Live (not history) event records received since subscribe().
    qint64 liveEventRecords() const { return m_liveEventRecords; }
    Counts counts() const { return m_counts; }
    // Decoding failures and `error` messages from the proxy: none expected.
    qint64 problems() const { return m_problems; }
    void abort() { m_socket.abort(); }

private:
    void onSocketTextMessageReceived(const QString &text);
    void noteSession(const MonitorSession &session);

    QWebSocket m_socket;
    QHash<qint64, MonitorSession::State> m_states;
    Counts m_counts;
    bool m_snapshotReceived = false;
    qint64 m_liveEventRecords = 0;
    qint64 m_problems = 0;
};

} // namespace relaybench
