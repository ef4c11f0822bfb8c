#include "eventlogmodel.h"

#include <QDateTime>

namespace {

// Longest data text put in a cell; the tooltip shows more.
constexpr int cellDataChars = 300;
constexpr int tooltipDataChars = 4000;

QString oneLine(const QString &text, int maxChars)
{
    QString s = text.left(maxChars);
    s.replace(QLatin1Char('\n'), QChar(0x23CE)); // ⏎ keeps multi-line data on one row
    s.replace(QLatin1Char('\r'), QChar(0x23CE));
    if (text.size() > maxChars)
        s += QChar(0x2026);
    return s;
}

} // namespace

EventLogModel::EventLogModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(1, capacity))
{
}

void EventLogModel::appendEvents(const QList<MonitorEventRecord> &events)
{
    if (events.isEmpty())
        return;
    m_appended += events.size();

    if (events.size() >= m_capacity) {
        // The batch alone fills the log: keep its newest capacity() events.
        beginResetModel();
        m_ring.assign(events.end() - m_capacity, events.end());
        m_head = 0;
        m_count = m_capacity;
        endResetModel();
        return;
    }

    const int incoming = int(events.size());
    const int overflow = m_count + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows(QModelIndex(), 0, overflow - 1);
        m_head = (m_head + size_t(overflow)) % size_t(m_capacity);
        m_count -= overflow;
        endRemoveRows();
    }

    beginInsertRows(QModelIndex(), m_count, m_count + incoming - 1);
    for (const MonitorEventRecord &e : events) {
        const size_t s = slot(m_count);
        if (s < m_ring.size())
            m_ring[s] = e;
        else
            m_ring.push_back(e); // still growing: slots fill in order 0, 1, 2, ...
        ++m_count;
    }
    endInsertRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_ring.clear();
    m_head = 0;
    m_count = 0;
    m_appended = 0;
    endResetModel();
}

const MonitorEventRecord &EventLogModel::eventAt(int row) const
{
    Q_ASSERT(row >= 0 && row < m_count);
    return m_ring[slot(row)];
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MonitorEventRecord &e = eventAt(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(e.time).toString(QStringLiteral("HH:mm:ss.zzz"));
        case RequestColumn:
            return e.requestId;
        case TypeColumn:
            return e.type;
        case IdColumn:
            return e.id;
        case DataColumn:
            if (e.truncated)
                return QString(oneLine(e.data, cellDataChars)
                    + tr(" [cut, %1 chars in all]").arg(e.dataLength));
            return oneLine(e.data, cellDataChars);
        }
    } else if (role == Qt::ToolTipRole && index.column() == DataColumn) {
        return e.data.left(tooltipDataChars);
    } else if (role == Qt::ToolTipRole && index.column() == RequestColumn) {
        return tr("The id of the request (stream) that relayed it; empty for the one without");
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case RequestColumn:
        return tr("Request");
    case TypeColumn:
        return tr("Type");
    case IdColumn:
        return tr("Event id");
    case DataColumn:
        return tr("Data");
    }
    return {};
}
