#pragma once

#include "monitormessages.h"

#include <QWidget>

class EventLogModel;
class QLabel;
class RequestTableModel;
class QTableView;
class QTreeWidget;

// The selected session: the requests it runs now (one row each), its current request's and
// response's headers, and a bounded live log of its events. Owns the models it shows.
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

    RequestTableModel *requestModel() const { return m_requests; }
    QTableView *requestView() const { return m_requestView; }
    QLabel *requestLabel() const { return m_requestLabel; }
    EventLogModel *eventLog() const { return m_eventLog; }
    QTableView *eventView() const { return m_eventView; }
    QTreeWidget *headerTree() const { return m_headers; }

private:
    QWidget *buildRequestBox();
    void rebuildHeaders(const MonitorSession &session);
    void updateLogLabel();
    QList<MonitorEventRecord> newerThanLog(const QList<MonitorEventRecord> &history) const;

    qint64 m_sessionId = 0;
    qint64 m_skipped = 0;
    QString m_headersKey; // what the header tree shows, to rebuild it only on change
    QLabel *m_title;
    QLabel *m_requestLabel;
    QTableView *m_requestView;
    RequestTableModel *m_requests;
    QTreeWidget *m_headers;
    QLabel *m_logLabel;
    QTableView *m_eventView;
    EventLogModel *m_eventLog;
};
