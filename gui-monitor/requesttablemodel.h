#pragma once

#include "monitormessages.h"

#include <QAbstractTableModel>
#include <QList>

// One session's running requests as a table, one row per request in the proxy's order (oldest
// first): docs/MONITOR.md, Session.requests. Requests with an "id" run side by side on one
// socket; the one without an id shows with an empty id.
//
// The session's full state comes several times a second while it streams, so setRequests()
// compares it with what is shown by request id: rows that stay are changed in place, ended
// ones removed, new ones appended. A view's selection and scroll position survive updates.
class RequestTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        MethodColumn,
        UrlColumn,
        StateColumn,
        StatusColumn,
        EventsColumn,
        AttemptsColumn,
        ColumnCount
    };
    enum Role {
        RequestIdRole = Qt::UserRole + 1, // QString, any column
    };

    explicit RequestTableModel(QObject *parent = nullptr);

    // Shows `requests` of session `sessionId`; another session than the one shown starts over.
    void setRequests(qint64 sessionId, const QList<MonitorRequest> &requests);
    void clear();

    qint64 sessionId() const { return m_sessionId; }
    const QList<MonitorRequest> &requests() const { return m_requests; }
    int rowOf(const QString &requestId) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    // Applies `requests` as row changes; false when they do not follow from what is shown
    // (reordered, or a repeated id), and the caller resets instead.
    bool update(const QList<MonitorRequest> &requests);
    void reset(qint64 sessionId, const QList<MonitorRequest> &requests);
    QVariant displayData(const MonitorRequest &request, int column) const;

    qint64 m_sessionId = 0;
    QList<MonitorRequest> m_requests;
};
