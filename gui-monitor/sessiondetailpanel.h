#pragma once

#include "monitormessages.h"

#include <QWidget>

class EventLogModel;
class QLabel;
class QTableView;
class QTreeWidget;

// The selected session: its request and response headers, and a bounded live log of its
// events. Owns the EventLogModel it shows.
class SessionDetailPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SessionDetailPanel(QWidget *parent = nullptr);

    // Shows `session` (nullptr: nothing selected / the session is gone). Clears the log when
    // the session id changes.
    void showSession(const MonitorSession *session);
    qint64 sessionId() const { return m_sessionId; }

    // A session-events batch for the shown session (others are ignored). A history batch
    // starts the log, or, when the log already holds events (a renewed subscription after a
    // reconnect), adds only the events the log does not have.
    void appendEvents(const MonitorSessionEvents &events);

    EventLogModel *eventLog() const { return m_eventLog; }
    QTableView *eventView() const { return m_eventView; }
    QTreeWidget *headerTree() const { return m_headers; }

private:
    void rebuildHeaders(const MonitorSession &session);
    void updateLogLabel();
    QList<MonitorEventRecord> newerThanLog(const QList<MonitorEventRecord> &history) const;

    qint64 m_sessionId = 0;
    qint64 m_skipped = 0;
    QString m_headersKey; // what the header tree shows, to rebuild it only on change
    QLabel *m_title;
    QTreeWidget *m_headers;
    QLabel *m_logLabel;
    QTableView *m_eventView;
    EventLogModel *m_eventLog;
};
