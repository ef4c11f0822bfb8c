#include "sessiontablemodel.h"

#include <QColor>
#include <QDateTime>
#include <QLocale>

namespace {

QColor stateColor(MonitorSession::State state)
{
    switch (state) {
    case MonitorSession::State::Idle:
        return QColor(0x5b, 0x8d, 0xd6);
    case MonitorSession::State::Connecting:
        return QColor(0xe0, 0x9b, 0x1a);
    case MonitorSession::State::Streaming:
        return QColor(0x2e, 0xa0, 0x43);
    case MonitorSession::State::Closed:
        return QColor(0x9e, 0x9e, 0x9e);
    }
    return {};
}

bool isClosed(const MonitorSession &s)
{
    return s.state == MonitorSession::State::Closed;
}

// The session's state from its running requests, as the proxy derives it: streaming when one
// streams, connecting when any other runs, else idle.
MonitorSession::State stateOfRequests(const QList<MonitorRequest> &requests)
{
    if (requests.isEmpty())
        return MonitorSession::State::Idle;
    for (const MonitorRequest &r : requests) {
        if (r.state == MonitorRequest::State::Streaming)
            return MonitorSession::State::Streaming;
    }
    return MonitorSession::State::Connecting;
}

MonitorRequest *findRequest(MonitorSession *s, const QString &requestId)
{
    for (MonitorRequest &r : s->requests) {
        if (r.id == requestId)
            return &r;
    }
    return nullptr;
}

} // namespace

SessionTableModel::SessionTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
}

void SessionTableModel::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

void SessionTableModel::setPruneDelay(qint64 ms)
{
    m_pruneDelay = qMax<qint64>(0, ms);
}

void SessionTableModel::applyMessage(const MonitorMessage &message)
{
    using Type = MonitorMessage::Type;
    switch (message.type) {
    case Type::Hello:
        // The snapshot that always follows replaces the table (a restarted proxy numbers its
        // sessions from 1 again). Not clearing here keeps the selection alive until then.
        m_serverOffset = message.hello.serverTime - m_clock();
        break;
    case Type::Snapshot:
        resetSessions(message.sessions);
        break;
    case Type::SessionOpened:
    case Type::SessionClosed:
        upsertSession(message.session);
        break;
    case Type::SessionUpdated:
        upsertSessions(message.sessions);
        break;
    // The request-* messages change what they announce at once. The request rows themselves
    // come only with the session's full state (snapshot, session-updated, at most 100 ms
    // later): a proxy that sends no `requests` then shows none, rather than rows that vanish
    // at its next update.
    case Type::RequestStarted:
        applyRequestStarted(message.requestStarted);
        break;
    case Type::RequestConnected:
        applyRequestConnected(message.requestConnected);
        break;
    case Type::RequestFinished:
        applyRequestFinished(message.requestFinished);
        break;
    case Type::Totals:
    case Type::SessionEvents:
    case Type::Error:
    case Type::Pong:
    case Type::Subscribe:
    case Type::Unsubscribe:
    case Type::Ping:
        break;
    }
}

void SessionTableModel::applyRequestStarted(const MonitorRequestStarted &r)
{
    const int row = rowOf(r.sessionId);
    if (row < 0 || isClosed(m_rows.at(row).session))
        return;
    m_rows[row].currentRequestId = r.requestId;
    MonitorSession s = m_rows.at(row).session;
    // Another request that streams keeps the session streaming.
    s.state = stateOfRequests(s.requests) == MonitorSession::State::Streaming
        ? MonitorSession::State::Streaming
        : MonitorSession::State::Connecting;
    s.method = r.method;
    s.url = r.url;
    s.requestHeaders = r.headers;
    s.status = 0;
    s.responseHeaders.clear();
    setRowSession(row, s);
}

void SessionTableModel::applyRequestConnected(const MonitorRequestConnected &r)
{
    const int row = rowOf(r.sessionId);
    if (row < 0 || isClosed(m_rows.at(row).session))
        return;
    MonitorSession s = m_rows.at(row).session;
    s.state = MonitorSession::State::Streaming;
    if (MonitorRequest *request = findRequest(&s, r.requestId)) {
        request->state = MonitorRequest::State::Streaming;
        request->status = r.status;
    }
    // The session's own status and headers are its current request's, the one started
    // last; when that is not known (no request-started seen since the snapshot), any.
    const std::optional<QString> &current = m_rows.at(row).currentRequestId;
    if (!current || *current == r.requestId) {
        s.status = r.status;
        s.responseHeaders = r.headers;
    }
    setRowSession(row, s);
}

void SessionTableModel::applyRequestFinished(const MonitorRequestFinished &r)
{
    const int row = rowOf(r.sessionId);
    if (row < 0 || isClosed(m_rows.at(row).session))
        return;
    MonitorSession s = m_rows.at(row).session;
    if (r.started) { // a rejection ends no running request, whatever its id
        s.requests.removeIf([&r](const MonitorRequest &q) { return q.id == r.requestId; });
        s.state = stateOfRequests(s.requests);
    }
    if (!r.error.isEmpty())
        s.lastError = r.error;
    setRowSession(row, s);
}

void SessionTableModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    endResetModel();
}

void SessionTableModel::resetSessions(const QList<MonitorSession> &sessions)
{
    const qint64 now = m_clock();
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    for (const MonitorSession &s : sessions) {
        // A repeated id keeps the later entry, like an update would.
        const auto existing = m_rowById.constFind(s.id);
        const Row row { s, isClosed(s) ? now : 0, std::nullopt };
        if (existing != m_rowById.constEnd()) {
            m_rows[existing.value()] = row;
        } else {
            m_rowById.insert(s.id, int(m_rows.size()));
            m_rows.append(row);
        }
    }
    endResetModel();
    for (const Row &r : std::as_const(m_rows))
        emit sessionChanged(r.session.id);
}

void SessionTableModel::upsertSession(const MonitorSession &session)
{
    const int row = rowOf(session.id);
    if (row >= 0) {
        setRowSession(row, session);
        return;
    }
    const int at = int(m_rows.size());
    beginInsertRows(QModelIndex(), at, at);
    m_rows.append(Row { session, isClosed(session) ? m_clock() : 0, std::nullopt });
    m_rowById.insert(session.id, at);
    endInsertRows();
    emit sessionChanged(session.id);
}

void SessionTableModel::upsertSessions(const QList<MonitorSession> &sessions)
{
    // One dataChanged over the span of updated rows instead of one per row: a sorting proxy
    // then re-sorts once per batch, not once per session (5,000 sessions: ~6x cheaper).
    int first = -1;
    int last = -1;
    QList<qint64> changed;
    changed.reserve(sessions.size());
    for (const MonitorSession &s : sessions) {
        const int row = rowOf(s.id);
        if (row < 0 || !storeRowSession(row, s))
            continue;
        first = first < 0 ? row : qMin(first, row);
        last = qMax(last, row);
        changed.append(s.id);
    }
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    for (const MonitorSession &s : sessions) {
        if (rowOf(s.id) < 0)
            upsertSession(s); // unknown: a missed session-opened heals
    }
    for (qint64 id : std::as_const(changed))
        emit sessionChanged(id);
}

bool SessionTableModel::storeRowSession(int row, const MonitorSession &session)
{
    Row &r = m_rows[row];
    if (isClosed(r.session) && !isClosed(session))
        return false; // a late update must not revive a closed session
    if (isClosed(session) && r.closedSeenAt == 0)
        r.closedSeenAt = m_clock();
    r.session = session;
    return true;
}

void SessionTableModel::setRowSession(int row, const MonitorSession &session)
{
    if (!storeRowSession(row, session))
        return;
    emitRowChanged(row);
    emit sessionChanged(session.id);
}

void SessionTableModel::emitRowChanged(int row)
{
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int SessionTableModel::prune()
{
    const qint64 now = m_clock();
    int removed = 0;
    // Walk backwards so row numbers below the current one stay valid; remove runs at once.
    for (int row = int(m_rows.size()) - 1; row >= 0;) {
        auto expired = [&](int r) {
            const Row &x = m_rows.at(r);
            return x.closedSeenAt != 0 && now - x.closedSeenAt >= m_pruneDelay;
        };
        if (!expired(row)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && expired(first - 1))
            --first;
        beginRemoveRows(QModelIndex(), first, row);
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        removed += row - first + 1;
        row = first - 1;
    }
    if (removed > 0)
        rebuildIndex();
    return removed;
}

void SessionTableModel::refreshDurations()
{
    // One dataChanged per contiguous run of open rows keeps the view's work small.
    int runStart = -1;
    for (int row = 0; row <= int(m_rows.size()); ++row) {
        const bool open = row < int(m_rows.size()) && !isClosed(m_rows.at(row).session);
        if (open && runStart < 0)
            runStart = row;
        if (!open && runStart >= 0) {
            emit dataChanged(index(runStart, DurationColumn), index(row - 1, DurationColumn));
            runStart = -1;
        }
    }
}

void SessionTableModel::rebuildIndex()
{
    m_rowById.clear();
    for (int row = 0; row < int(m_rows.size()); ++row)
        m_rowById.insert(m_rows.at(row).session.id, row);
}

const MonitorSession *SessionTableModel::session(qint64 id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_rows.at(row).session;
}

qint64 SessionTableModel::idAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows.at(row).session.id : 0;
}

int SessionTableModel::openCount() const
{
    int n = 0;
    for (const Row &r : m_rows)
        n += isClosed(r.session) ? 0 : 1;
    return n;
}

int SessionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 SessionTableModel::durationOf(const MonitorSession &s) const
{
    const qint64 end = s.finishedAt > 0 ? s.finishedAt : m_clock() + m_serverOffset;
    return qMax<qint64>(0, end - s.startedAt);
}

QString SessionTableModel::formatDuration(qint64 ms)
{
    const qint64 seconds = ms / 1000;
    if (seconds < 60)
        return QStringLiteral("%1.%2 s").arg(seconds).arg((ms % 1000) / 100);
    const qint64 h = seconds / 3600;
    const qint64 m = (seconds / 60) % 60;
    const qint64 s = seconds % 60;
    if (h == 0)
        return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2:%3")
        .arg(h)
        .arg(m, 2, 10, QLatin1Char('0'))
        .arg(s, 2, 10, QLatin1Char('0'));
}

QVariant SessionTableModel::displayData(const MonitorSession &s, int column) const
{
    const QLocale locale;
    switch (column) {
    case IdColumn:
        return s.id;
    case WorkerColumn:
        return s.worker;
    case ClientColumn:
        return s.clientAddress;
    case UpstreamColumn:
        return s.method.isEmpty() ? QString() : QString(s.method + QLatin1Char(' ') + s.url);
    case StateColumn: {
        QStringList more;
        if (s.requests.size() > 1)
            more.append(tr("%1 requests").arg(s.requests.size()));
        if (s.queued > 0)
            more.append(tr("+%1 queued").arg(s.queued));
        if (more.isEmpty())
            return MonitorSession::stateName(s.state);
        return QString(MonitorSession::stateName(s.state) + QStringLiteral(" (")
            + more.join(QStringLiteral(", ")) + u')');
    }
    case StatusColumn:
        return s.status > 0 ? QVariant(s.status) : QVariant(QString());
    case EventsColumn:
        return locale.toString(s.eventsRelayed);
    case BytesInColumn:
        return locale.formattedDataSize(s.bytesIn, 1, QLocale::DataSizeTraditionalFormat);
    case BytesOutColumn:
        return locale.formattedDataSize(s.bytesOut, 1, QLocale::DataSizeTraditionalFormat);
    case StartedColumn:
        return QDateTime::fromMSecsSinceEpoch(s.startedAt).toString(QStringLiteral("HH:mm:ss"));
    case DurationColumn:
        return formatDuration(durationOf(s));
    case ErrorColumn:
        return s.lastError;
    }
    return {};
}

QVariant SessionTableModel::sortData(const MonitorSession &s, int column) const
{
    switch (column) {
    case IdColumn:
        return s.id;
    case WorkerColumn:
        return s.worker;
    case StatusColumn:
        return s.status;
    case EventsColumn:
        return s.eventsRelayed;
    case BytesInColumn:
        return s.bytesIn;
    case BytesOutColumn:
        return s.bytesOut;
    case StartedColumn:
        return s.startedAt;
    case DurationColumn:
        return durationOf(s);
    case StateColumn:
        return int(s.state);
    default:
        return displayData(s, column);
    }
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const MonitorSession &s = row.session;
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        return displayData(s, column);
    case SortRole:
        return sortData(s, column);
    case SessionIdRole:
        return s.id;
    case ClosedRole:
        return isClosed(s);
    case Qt::ForegroundRole:
        if (isClosed(s))
            return QColor(Qt::gray);
        if (column == ErrorColumn || (column == StatusColumn && s.status >= 300))
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateColor(s.state);
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case IdColumn:
        case WorkerColumn:
        case StatusColumn:
        case EventsColumn:
        case BytesInColumn:
        case BytesOutColumn:
        case DurationColumn:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::ToolTipRole:
        if (column == UpstreamColumn || column == ErrorColumn || column == ClientColumn)
            return displayData(s, column);
        if (column == StartedColumn)
            return QDateTime::fromMSecsSinceEpoch(s.startedAt).toString(Qt::ISODateWithMs);
        return {};
    default:
        return {};
    }
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case WorkerColumn:
        return tr("Worker");
    case ClientColumn:
        return tr("Client");
    case UpstreamColumn:
        return tr("Upstream");
    case StateColumn:
        return tr("State");
    case StatusColumn:
        return tr("Status");
    case EventsColumn:
        return tr("Events");
    case BytesInColumn:
        return tr("Bytes in");
    case BytesOutColumn:
        return tr("Bytes out");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case ErrorColumn:
        return tr("Last error");
    }
    return {};
}
