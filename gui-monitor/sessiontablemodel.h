#pragma once

#include "monitormessages.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

#include <functional>
#include <optional>

// The proxy's sessions as a table, fed by decoded monitor messages (docs/MONITOR.md). It knows
// nothing of sockets or widgets, so tests drive it with recorded feeds.
//
// Closed sessions stay visible (greyed) for pruneDelay() and are then dropped by prune(); the
// delay is measured on the injectable local clock from the moment the model saw the session
// close, so clock skew between proxy and monitor does not matter. Durations of open sessions
// are measured on the proxy's clock, estimated from hello.serverTime.
class SessionTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        WorkerColumn,
        ClientColumn,
        UpstreamColumn,
        StateColumn,
        StatusColumn,
        EventsColumn,
        BytesInColumn,
        BytesOutColumn,
        StartedColumn,
        DurationColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value for sorting (numbers as numbers)
        SessionIdRole, // qint64 id, any column
        ClosedRole, // bool
    };

    // Milliseconds since the epoch on this machine.
    using Clock = std::function<qint64()>;

    explicit SessionTableModel(QObject *parent = nullptr);

    void setClock(Clock clock);
    void setPruneDelay(qint64 ms);
    qint64 pruneDelay() const { return m_pruneDelay; }

    // Applies one feed message. Messages that carry no session data (pong, error, ...) are
    // ignored; a message for an unknown session adds it, so a missed session-opened heals.
    void applyMessage(const MonitorMessage &message);

    void clear();
    void resetSessions(const QList<MonitorSession> &sessions);
    void upsertSession(const MonitorSession &session);
    // A session-updated batch: known sessions change with one dataChanged for the batch.
    void upsertSessions(const QList<MonitorSession> &sessions);

    // Drops closed sessions that were seen closed at least pruneDelay() ago. Returns how many.
    int prune();
    // Tells views that open sessions' durations moved on (call about once a second).
    void refreshDurations();

    const MonitorSession *session(qint64 id) const;
    int rowOf(qint64 id) const { return m_rowById.value(id, -1); }
    qint64 idAt(int row) const;
    int openCount() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString formatDuration(qint64 ms);

signals:
    // A session's data changed (or it was added); the detail pane listens for its own.
    void sessionChanged(qint64 id);

private:
    // The request-* messages: what they announce changes at once on a known, open session.
    void applyRequestStarted(const MonitorRequestStarted &r);
    void applyRequestConnected(const MonitorRequestConnected &r);
    void applyRequestFinished(const MonitorRequestFinished &r);

    struct Row
    {
        MonitorSession session;
        qint64 closedSeenAt = 0; // local clock; 0 while open
        // The id of the request started last, whose status and headers the session shows;
        // unknown until a request-started since the snapshot says.
        std::optional<QString> currentRequestId;
    };

    Row *rowFor(qint64 id);
    bool storeRowSession(int row, const MonitorSession &session); // false: refused
    void setRowSession(int row, const MonitorSession &session);
    void emitRowChanged(int row);
    void rebuildIndex();
    qint64 durationOf(const MonitorSession &session) const;
    QVariant displayData(const MonitorSession &session, int column) const;
    QVariant sortData(const MonitorSession &session, int column) const;

    QList<Row> m_rows;
    QHash<qint64, int> m_rowById;
    Clock m_clock;
    qint64 m_pruneDelay = 60000;
    qint64 m_serverOffset = 0; // proxy clock minus local clock, from hello
};
