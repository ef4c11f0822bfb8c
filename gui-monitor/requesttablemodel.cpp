#include "requesttablemodel.h"

#include <QColor>
#include <QLocale>
#include <QSet>

namespace {

QColor stateColor(MonitorRequest::State state)
{
    // Connecting and streaming as in the sessions table; a wait to reconnect stands out.
    switch (state) {
    case MonitorRequest::State::Connecting:
        return QColor(0xe0, 0x9b, 0x1a);
    case MonitorRequest::State::Streaming:
        return QColor(0x2e, 0xa0, 0x43);
    case MonitorRequest::State::Reconnecting:
        return QColor(0x8e, 0x5c, 0xc2);
    }
    return {};
}

} // namespace

RequestTableModel::RequestTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RequestTableModel::setRequests(qint64 sessionId, const QList<MonitorRequest> &requests)
{
    if (sessionId != m_sessionId || !update(requests))
        reset(sessionId, requests);
}

void RequestTableModel::clear()
{
    reset(0, {});
}

void RequestTableModel::reset(qint64 sessionId, const QList<MonitorRequest> &requests)
{
    beginResetModel();
    m_sessionId = sessionId;
    m_requests = requests;
    endResetModel();
}

bool RequestTableModel::update(const QList<MonitorRequest> &requests)
{
    // Ids are unique among a socket's running requests (the one without an id runs alone), so
    // they tell the rows apart.
    QSet<QString> incoming;
    for (const MonitorRequest &r : requests)
        incoming.insert(r.id);
    if (incoming.size() != requests.size())
        return false;

    // Ended requests: removed in runs, from the bottom so that row numbers above stay valid.
    for (int row = int(m_requests.size()) - 1; row >= 0;) {
        if (incoming.contains(m_requests.at(row).id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !incoming.contains(m_requests.at(first - 1).id))
            --first;
        beginRemoveRows(QModelIndex(), first, row);
        m_requests.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }

    // The proxy appends what starts: those still running lead the list, in the same order.
    for (int row = 0; row < int(m_requests.size()); ++row) {
        if (requests.at(row).id != m_requests.at(row).id)
            return false;
    }
    int first = -1;
    int last = -1;
    for (int row = 0; row < int(m_requests.size()); ++row) {
        if (m_requests.at(row) == requests.at(row))
            continue;
        m_requests[row] = requests.at(row);
        first = first < 0 ? row : first;
        last = row;
    }
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));

    if (requests.size() > m_requests.size()) {
        beginInsertRows(QModelIndex(), int(m_requests.size()), int(requests.size()) - 1);
        m_requests.append(requests.mid(m_requests.size()));
        endInsertRows();
    }
    return true;
}

int RequestTableModel::rowOf(const QString &requestId) const
{
    for (int row = 0; row < int(m_requests.size()); ++row) {
        if (m_requests.at(row).id == requestId)
            return row;
    }
    return -1;
}

int RequestTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_requests.size());
}

int RequestTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestTableModel::displayData(const MonitorRequest &r, int column) const
{
    switch (column) {
    case IdColumn:
        return r.id.isEmpty() ? tr("(none)") : r.id;
    case MethodColumn:
        return r.method;
    case UrlColumn:
        return r.url;
    case StateColumn:
        return MonitorRequest::stateName(r.state);
    case StatusColumn:
        return r.status > 0 ? QVariant(r.status) : QVariant(QString());
    case EventsColumn:
        return QLocale().toString(r.eventsRelayed);
    case AttemptsColumn:
        return r.attempts;
    }
    return {};
}

QVariant RequestTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MonitorRequest &r = m_requests.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(r, column);
    case RequestIdRole:
        return r.id;
    case Qt::ForegroundRole:
        if (column == IdColumn && r.id.isEmpty())
            return QColor(Qt::gray);
        if (column == StatusColumn && r.status >= 300)
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateColor(r.state);
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case StatusColumn:
        case EventsColumn:
        case AttemptsColumn:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::ToolTipRole:
        if (column == IdColumn && r.id.isEmpty())
            return tr("A request without an id: such requests run one at a time, in order");
        if (column == UrlColumn)
            return r.url;
        if (column == AttemptsColumn)
            return tr("Upstream requests made: 1, plus one per reconnect");
        return {};
    default:
        return {};
    }
}

QVariant RequestTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Request id");
    case MethodColumn:
        return tr("Method");
    case UrlColumn:
        return tr("URL");
    case StateColumn:
        return tr("State");
    case StatusColumn:
        return tr("Status");
    case EventsColumn:
        return tr("Events");
    case AttemptsColumn:
        return tr("Attempts");
    }
    return {};
}
