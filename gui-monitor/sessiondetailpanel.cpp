#include "sessiondetailpanel.h"

#include "eventlogmodel.h"
#include "requesttablemodel.h"
#include "sessiontablemodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

SessionDetailPanel::SessionDetailPanel(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_requestLabel(new QLabel(this))
    , m_requestView(new QTableView(this))
    , m_requests(new RequestTableModel(this))
    , m_headers(new QTreeWidget(this))
    , m_logLabel(new QLabel(this))
    , m_eventView(new QTableView(this))
    , m_eventLog(new EventLogModel(1000, this))
{
    m_title->setObjectName(QStringLiteral("sessionTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);

    m_headers->setObjectName(QStringLiteral("sessionHeaders"));
    m_headers->setColumnCount(2);
    m_headers->setHeaderLabels({ tr("Field"), tr("Value") });
    m_headers->setRootIsDecorated(true);
    m_headers->setUniformRowHeights(true);
    m_headers->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_headers->header()->resizeSection(0, 160);

    m_eventView->setObjectName(QStringLiteral("eventLog"));
    m_eventView->setModel(m_eventLog);
    m_eventView->setWordWrap(false);
    m_eventView->setAlternatingRowColors(true);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Fixed row heights: the view never measures rows as thousands of events go by.
    QHeaderView *vertical = m_eventView->verticalHeader();
    vertical->setSectionResizeMode(QHeaderView::Fixed);
    vertical->setDefaultSectionSize(m_eventView->fontMetrics().height() + 6);
    vertical->hide();
    QHeaderView *horizontal = m_eventView->horizontalHeader();
    horizontal->setStretchLastSection(true);
    horizontal->resizeSection(EventLogModel::TimeColumn, 100);
    horizontal->resizeSection(EventLogModel::RequestColumn, 90);
    horizontal->resizeSection(EventLogModel::TypeColumn, 110);
    horizontal->resizeSection(EventLogModel::IdColumn, 180);

    auto *logBox = new QWidget(this);
    auto *logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->setSpacing(2);
    m_logLabel->setObjectName(QStringLiteral("eventLogLabel"));
    logLayout->addWidget(m_logLabel);
    logLayout->addWidget(m_eventView);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("detailSplitter"));
    splitter->addWidget(m_headers);
    splitter->addWidget(logBox);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);

    // Requests above, headers and events below: a session runs a few requests at most
    // (proxy.maxStreamsPerSocket), its events go by by the thousand.
    auto *requestSplitter = new QSplitter(Qt::Vertical, this);
    requestSplitter->setObjectName(QStringLiteral("requestSplitter"));
    requestSplitter->addWidget(buildRequestBox());
    requestSplitter->addWidget(splitter);
    requestSplitter->setStretchFactor(0, 0);
    requestSplitter->setStretchFactor(1, 1);
    const int rowHeight = m_requestView->verticalHeader()->defaultSectionSize();
    requestSplitter->setSizes({ 5 * rowHeight, 12 * rowHeight });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(requestSplitter, 1);

    showSession(nullptr);
}

QWidget *SessionDetailPanel::buildRequestBox()
{
    m_requestLabel->setObjectName(QStringLiteral("requestLabel"));
    m_requestView->setObjectName(QStringLiteral("requestTable"));
    m_requestView->setModel(m_requests);
    m_requestView->setWordWrap(false);
    m_requestView->setAlternatingRowColors(true);
    m_requestView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_requestView->setSelectionMode(QAbstractItemView::SingleSelection);
    QHeaderView *vertical = m_requestView->verticalHeader();
    vertical->setSectionResizeMode(QHeaderView::Fixed);
    vertical->setDefaultSectionSize(m_requestView->fontMetrics().height() + 6);
    vertical->hide();
    QHeaderView *horizontal = m_requestView->horizontalHeader();
    horizontal->setHighlightSections(false);
    const int widths[RequestTableModel::ColumnCount] = { 110, 60, 420, 110, 55, 70, 60 };
    for (int c = 0; c < RequestTableModel::ColumnCount; ++c)
        horizontal->resizeSection(c, widths[c]);
    // The URL takes what the other columns leave.
    horizontal->setSectionResizeMode(RequestTableModel::UrlColumn, QHeaderView::Stretch);

    auto *box = new QWidget(this);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_requestLabel);
    layout->addWidget(m_requestView);
    return box;
}

void SessionDetailPanel::showSession(const MonitorSession *session)
{
    const qint64 id = session ? session->id : 0;
    if (id != m_sessionId) {
        m_sessionId = id;
        m_skipped = 0;
        m_eventLog->clear();
        m_headersKey.clear();
        m_headers->clear();
    }
    m_requests->setRequests(id, session ? session->requests : QList<MonitorRequest>());
    m_requestLabel->setText(m_requests->rowCount() == 0
            ? tr("Requests: none running")
            : tr("Requests: %n running", nullptr, m_requests->rowCount()));
    if (!session) {
        m_title->setText(tr("No session selected: pick one in the table to follow its events."));
        m_headers->clear();
        m_headersKey.clear();
        updateLogLabel();
        return;
    }
    const QLocale locale;
    QString title = tr("Session %1 · %2 · %3 · %4 events · %5 requests finished")
                        .arg(session->id)
                        .arg(session->clientAddress, MonitorSession::stateName(session->state))
                        .arg(locale.toString(session->eventsRelayed))
                        .arg(session->requestsHandled);
    if (session->queued > 0)
        title += tr(" · %1 queued").arg(session->queued);
    const qint64 end = session->finishedAt > 0 ? session->finishedAt : 0;
    if (end > 0)
        title += tr(" · closed after %1")
                     .arg(SessionTableModel::formatDuration(end - session->startedAt));
    m_title->setText(title);
    rebuildHeaders(*session);
    updateLogLabel();
}

void SessionDetailPanel::rebuildHeaders(const MonitorSession &s)
{
    // Counters change many times a second; the request rarely does. Rebuild only on change.
    QString key
        = s.method + u'\n' + s.url + u'\n' + QString::number(s.status) + u'\n' + s.lastError;
    for (auto it = s.requestHeaders.begin(); it != s.requestHeaders.end(); ++it)
        key += it.key() + u':' + it.value() + u'\n';
    key += u'\n';
    for (auto it = s.responseHeaders.begin(); it != s.responseHeaders.end(); ++it)
        key += it.key() + u':' + it.value() + u'\n';
    if (key == m_headersKey)
        return;
    m_headersKey = key;

    m_headers->clear();
    auto addItem = [this](QTreeWidgetItem *parent, const QString &name, const QString &value) {
        auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_headers);
        item->setText(0, name);
        item->setText(1, value);
        item->setToolTip(1, value);
        return item;
    };
    if (s.method.isEmpty()) {
        addItem(nullptr, tr("Request"), tr("none yet"));
    } else {
        addItem(nullptr, tr("Request"), s.method + u' ' + s.url);
        addItem(nullptr, tr("Status"), s.status > 0 ? QString::number(s.status) : tr("waiting"));
    }
    if (!s.lastError.isEmpty())
        addItem(nullptr, tr("Last error"), s.lastError)->setForeground(1, QColor(0xc6, 0x28, 0x28));
    auto *request
        = addItem(nullptr, tr("Request headers"), QString::number(s.requestHeaders.size()));
    for (auto it = s.requestHeaders.begin(); it != s.requestHeaders.end(); ++it)
        addItem(request, it.key(), it.value());
    auto *response
        = addItem(nullptr, tr("Response headers"), QString::number(s.responseHeaders.size()));
    for (auto it = s.responseHeaders.begin(); it != s.responseHeaders.end(); ++it)
        addItem(response, it.key(), it.value());
    m_headers->expandAll();
}

void SessionDetailPanel::appendEvents(const MonitorSessionEvents &events)
{
    if (events.sessionId != m_sessionId)
        return;
    QList<MonitorEventRecord> fresh = events.events;
    if (events.history && m_eventLog->rowCount() > 0)
        fresh = newerThanLog(events.events);
    m_skipped += events.skipped;
    // Follow the tail only when the user is already looking at it.
    QScrollBar *bar = m_eventView->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 2;
    m_eventLog->appendEvents(fresh);
    if (atBottom)
        m_eventView->scrollToBottom();
    updateLogLabel();
}

QList<MonitorEventRecord> SessionDetailPanel::newerThanLog(
    const QList<MonitorEventRecord> &history) const
{
    // A history batch for the session already shown comes after a reconnect renewed the
    // subscription. The proxy keeps only the last 100 events, and none from before the
    // renewal when no other monitor followed the session meanwhile, so replacing the log
    // would throw events away: keep the log and add what it does not have yet.
    const MonitorEventRecord &last = m_eventLog->eventAt(m_eventLog->rowCount() - 1);
    for (qsizetype i = history.size() - 1; i >= 0; --i) {
        if (history.at(i) == last)
            return history.mid(i + 1);
    }
    QList<MonitorEventRecord> newer;
    for (const MonitorEventRecord &e : history) {
        if (e.time > last.time)
            newer.append(e);
    }
    return newer;
}

void SessionDetailPanel::updateLogLabel()
{
    if (m_sessionId == 0) {
        m_logLabel->setText(tr("Events"));
        return;
    }
    const QLocale locale;
    QString text = tr("Events: last %1 of %2 received")
                       .arg(locale.toString(m_eventLog->rowCount()),
                           locale.toString(m_eventLog->appendedCount()));
    if (m_skipped > 0)
        text += tr(" · %1 not sent by the proxy (rate limit)").arg(locale.toString(m_skipped));
    m_logLabel->setText(text);
}
