#pragma once

#include "monitormessages.h"

#include <QAbstractTableModel>

#include <vector>

// The recent events of one session, bounded: a ring buffer of at most capacity() records.
// Events arrive in batches (one per session-events message); each batch costs the view one
// removal of the oldest rows and one insertion at the end, never a reset or a per-event
// relayout, so the log keeps up with thousands of events a second.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, RequestColumn, TypeColumn, IdColumn, DataColumn, ColumnCount };

    explicit EventLogModel(int capacity = 1000, QObject *parent = nullptr);

    int capacity() const { return m_capacity; }
    // Appends a batch, oldest first, dropping the oldest rows beyond capacity().
    void appendEvents(const QList<MonitorEventRecord> &events);
    void clear();

    // Row 0 is the oldest event kept.
    const MonitorEventRecord &eventAt(int row) const;
    // Events appended since the last clear(), and how many of them were evicted.
    qint64 appendedCount() const { return m_appended; }
    qint64 evictedCount() const { return m_appended - qint64(m_count); }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    size_t slot(int row) const { return (m_head + size_t(row)) % size_t(m_capacity); }

    int m_capacity;
    std::vector<MonitorEventRecord> m_ring; // grows to m_capacity, then reused
    size_t m_head = 0; // slot of row 0
    int m_count = 0;
    qint64 m_appended = 0;
};
