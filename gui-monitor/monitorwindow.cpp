#include "monitorwindow.h"

#include "chartspanel.h"
#include "connectdialog.h"
#include "eventlogmodel.h"
#include "monitorlogging.h"
#include "processpanel.h"
#include "sessiondetailpanel.h"
#include "sessiontablemodel.h"

#include <QAction>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QHeaderView>
#include <QJsonValue>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

namespace {

const QString connectedStyle = QStringLiteral(
    "QLabel { background: #2e7d32; color: white; padding: 2px 8px; border-radius: 3px; }");
const QString connectingStyle = QStringLiteral(
    "QLabel { background: #f9a825; color: black; padding: 2px 8px; border-radius: 3px; }");
const QString disconnectedStyle = QStringLiteral(
    "QLabel { background: #c62828; color: white; padding: 2px 8px; border-radius: 3px; }");

} // namespace

MonitorWindow::MonitorWindow(const MonitorWindowOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_sessions(new SessionTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_sessionView(new QTableView(this))
    , m_detail(new SessionDetailPanel(this))
    , m_splitter(new QSplitter(Qt::Vertical, this))
    , m_charts(new ChartsPanel(this))
    , m_processes(new ProcessPanel(options.programDir, options.childArguments, this))
    , m_connectionLabel(new QLabel(this))
    , m_totalsLabel(new QLabel(this))
{
    setWindowIcon(style()->standardIcon(QStyle::SP_ComputerIcon));
    m_sessions->setPruneDelay(options.pruneDelayMs);

    setUpSessionTable();
    buildLayout();
    buildMenus();
    connectSignals();
    m_tickTimer.start(m_options.tickIntervalMs);

    if (m_options.rememberLayout)
        restoreLayout();
    else
        resize(1280, 800);

    m_feed.setEndpoint(m_options.url, m_options.token);
    m_feed.setReconnectDelays(m_options.reconnectInitialMs, m_options.reconnectMaxMs);
    updateWindowTitle();
    updateConnectionLabel();
    updateTotalsLabel();
    m_feed.start();
}

MonitorWindow::~MonitorWindow()
{
    m_feed.stop();
}

// The session table: sorted and filtered through m_proxy, one row selected at a time.
void MonitorWindow::setUpSessionTable()
{
    m_proxy->setSourceModel(m_sessions);
    m_proxy->setSortRole(SessionTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // any column
    m_proxy->setDynamicSortFilter(true);

    m_filter->setObjectName(QStringLiteral("sessionFilter"));
    m_filter->setPlaceholderText(tr("Filter sessions (any column: address, URL, state, error…)"));
    m_filter->setClearButtonEnabled(true);
    connect(
        m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_sessionView->setObjectName(QStringLiteral("sessionTable"));
    m_sessionView->setModel(m_proxy);
    m_sessionView->setSortingEnabled(true);
    m_sessionView->sortByColumn(SessionTableModel::IdColumn, Qt::DescendingOrder);
    m_sessionView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sessionView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sessionView->setAlternatingRowColors(true);
    m_sessionView->setWordWrap(false);
    m_sessionView->verticalHeader()->hide();
    m_sessionView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_sessionView->verticalHeader()->setDefaultSectionSize(
        m_sessionView->fontMetrics().height() + 6);
    QHeaderView *header = m_sessionView->horizontalHeader();
    header->setObjectName(QStringLiteral("sessionHeader"));
    header->setStretchLastSection(true);
    header->setHighlightSections(false);
    const int widths[SessionTableModel::ColumnCount]
        = { 50, 55, 130, 280, 190, 55, 80, 80, 80, 70, 70, 200 };
    for (int c = 0; c < SessionTableModel::ColumnCount; ++c)
        header->resizeSection(c, widths[c]);
}

// The table above the detail pane, the charts and processes docks below, the status bar.
void MonitorWindow::buildLayout()
{
    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(4, 4, 4, 0);
    topLayout->setSpacing(4);
    topLayout->addWidget(m_filter);
    topLayout->addWidget(m_sessionView, 1);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(top);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);
    m_detail->setContentsMargins(4, 0, 4, 4);
    setCentralWidget(m_splitter);

    auto *chartsDock = new QDockWidget(tr("Charts"), this);
    chartsDock->setObjectName(QStringLiteral("chartsDock"));
    chartsDock->setWidget(m_charts);
    addDockWidget(Qt::BottomDockWidgetArea, chartsDock);
    auto *processesDock = new QDockWidget(tr("Processes"), this);
    processesDock->setObjectName(QStringLiteral("processesDock"));
    processesDock->setWidget(m_processes);
    addDockWidget(Qt::BottomDockWidgetArea, processesDock);
    tabifyDockWidget(chartsDock, processesDock);
    chartsDock->raise();
    // The charts stay short by default; a restored layout overrides this.
    resizeDocks({ chartsDock }, { 210 }, Qt::Vertical);
    // Half for the detail pane: a dozen sessions fit above, and the event log below shows
    // more than a handful of rows.
    m_splitter->setSizes({ 330, 330 });

    m_connectionLabel->setObjectName(QStringLiteral("connectionLabel"));
    m_totalsLabel->setObjectName(QStringLiteral("totalsLabel"));
    statusBar()->addPermanentWidget(m_totalsLabel);
    statusBar()->addPermanentWidget(m_connectionLabel);
}

void MonitorWindow::connectSignals()
{
    connect(
        &m_feed, &MonitorFeedClient::messageReceived, this, &MonitorWindow::onFeedMessageReceived);
    connect(&m_feed, &MonitorFeedClient::stateChanged, this, &MonitorWindow::onFeedStateChanged);
    connect(&m_feed, &MonitorFeedClient::reconnectScheduled, this,
        &MonitorWindow::onFeedReconnectScheduled);
    connect(m_sessions, &SessionTableModel::sessionChanged, this,
        &MonitorWindow::onSessionsSessionChanged);
    connect(m_sessionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &MonitorWindow::onSelectionCurrentRowChanged);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &MonitorWindow::onProxyModelReset);
    connect(&m_tickTimer, &QTimer::timeout, this, &MonitorWindow::onTickTimerTimeout);
}

void MonitorWindow::buildMenus()
{
    QMenu *connection = menuBar()->addMenu(tr("&Connection"));
    QAction *connectAction
        = connection->addAction(tr("&Connect…"), this, &MonitorWindow::showConnectDialog);
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    QAction *reconnect = connection->addAction(style()->standardIcon(QStyle::SP_BrowserReload),
        tr("&Reconnect now"), &m_feed, &MonitorFeedClient::reconnectNow);
    reconnect->setShortcut(QKeySequence::Refresh);
    connection->addAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Disconnect"), &m_feed,
        &MonitorFeedClient::stop);
    connection->addSeparator();
    QAction *quit = connection->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    const QList<QDockWidget *> docks = findChildren<QDockWidget *>();
    for (QDockWidget *dock : docks)
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("&Find session"), m_filter, qOverload<>(&QWidget::setFocus))
        ->setShortcut(QKeySequence::Find);

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(
        tr("Start %1").arg(ProcessPanel::serverProgram()), m_processes, &ProcessPanel::startServer);
    tools->addAction(
        tr("Stop %1").arg(ProcessPanel::serverProgram()), m_processes, &ProcessPanel::stopServer);
    tools->addAction(
        tr("Run %1").arg(ProcessPanel::clientProgram()), m_processes, &ProcessPanel::runClient);
}

void MonitorWindow::restoreLayout()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("window"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray()))
        resize(1280, 800);
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_sessionView->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("sessionHeader")).toByteArray());
}

void MonitorWindow::saveLayout()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("window"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(
        QStringLiteral("sessionHeader"), m_sessionView->horizontalHeader()->saveState());
}

void MonitorWindow::closeEvent(QCloseEvent *event)
{
    if (m_options.rememberLayout)
        saveLayout();
    m_feed.stop();
    event->accept();
}

void MonitorWindow::showConnectDialog()
{
    ConnectDialog dialog(m_feed.url(), m_feed.token(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_feed.setEndpoint(dialog.url(), dialog.token());
    m_haveHello = false;
    m_sessions->clear();
    m_history.clear();
    m_charts->updateFrom(m_history);
    updateWindowTitle();
    m_feed.start();
}

void MonitorWindow::selectSession(qint64 id)
{
    const int sourceRow = m_sessions->rowOf(id);
    if (sourceRow < 0) {
        m_sessionView->selectionModel()->clear();
        return;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_sessions->index(sourceRow, 0));
    if (!index.isValid())
        return; // filtered out
    m_sessionView->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_sessionView->scrollTo(index);
}

qint64 MonitorWindow::currentSessionId() const
{
    const QModelIndex current = m_sessionView->selectionModel()->currentIndex();
    return current.isValid() ? current.data(SessionTableModel::SessionIdRole).toLongLong() : 0;
}

void MonitorWindow::onFeedMessageReceived(const MonitorMessage &message)
{
    using Type = MonitorMessage::Type;
    switch (message.type) {
    case Type::Hello:
        m_hello = message.hello;
        m_haveHello = true;
        if (message.hello.protocolVersion != MonitorMessages::protocolVersion)
            qCWarning(lcMonitor) << "proxy speaks monitor protocol" << message.hello.protocolVersion
                                 << "- this monitor knows" << MonitorMessages::protocolVersion;
        m_history.clear();
        m_sessions->applyMessage(message);
        updateWindowTitle();
        updateConnectionLabel();
        break;
    case Type::Snapshot:
        m_sessions->applyMessage(message);
        m_history.add(message.totals);
        m_charts->updateFrom(m_history);
        updateTotalsLabel();
        break;
    case Type::Totals:
        m_history.add(message.totals);
        m_charts->updateFrom(m_history);
        updateTotalsLabel();
        break;
    case Type::SessionEvents:
        m_detail->appendEvents(message.sessionEvents);
        break;
    case Type::Error:
        qCWarning(lcMonitor) << "proxy reported:" << message.message;
        statusBar()->showMessage(tr("Proxy: %1").arg(message.message), 10000);
        break;
    default:
        m_sessions->applyMessage(message);
        break;
    }
}

void MonitorWindow::onFeedStateChanged(MonitorFeedClient::State state)
{
    if (state != MonitorFeedClient::State::Connected)
        m_haveHello = false;
    updateConnectionLabel();
    updateTotalsLabel();
}

void MonitorWindow::onFeedReconnectScheduled(int delayMs, const QString &reason)
{
    m_retryAt = QDateTime::currentMSecsSinceEpoch() + delayMs;
    m_retryReason = reason;
    updateConnectionLabel();
}

void MonitorWindow::onSessionsSessionChanged(qint64 id)
{
    if (id != m_detail->sessionId())
        return;
    const MonitorSession *session = m_sessions->session(id);
    m_detail->showSession(session);
    // The proxy sent the session's last events before session-closed and forgets it now;
    // still being subscribed would earn an error after the next reconnect.
    if (session && session->state == MonitorSession::State::Closed
        && m_feed.subscribedSession() == id)
        m_feed.unsubscribe();
}

void MonitorWindow::onSelectionCurrentRowChanged()
{
    if (m_pruning)
        return; // the view moved the current row off a pruned session; see onTickTimerTimeout
    const qint64 id = currentSessionId();
    if (id == m_detail->sessionId())
        return;
    const MonitorSession *session = m_sessions->session(id);
    m_detail->showSession(session);
    // A closed session relays nothing more and the proxy no longer knows it: its row and
    // headers are all there is to show.
    if (session && session->state != MonitorSession::State::Closed)
        m_feed.subscribe(id);
    else
        m_feed.unsubscribe();
}

void MonitorWindow::onProxyModelReset()
{
    // A snapshot replaced the table: keep following the session we followed, if it survived.
    const qint64 id = m_detail->sessionId();
    if (id > 0 && m_sessions->session(id)) {
        selectSession(id);
        m_detail->showSession(m_sessions->session(id));
    } else if (id > 0) {
        m_detail->showSession(nullptr);
        m_feed.unsubscribe();
    }
}

void MonitorWindow::onTickTimerTimeout()
{
    // When the followed session is pruned the view moves the current row to a neighbour; the
    // detail pane must not silently start following that one.
    m_pruning = true;
    if (m_sessions->prune() > 0 && m_detail->sessionId() > 0
        && !m_sessions->session(m_detail->sessionId())) {
        m_sessionView->selectionModel()->clear();
        m_detail->showSession(nullptr);
        m_feed.unsubscribe();
    }
    m_pruning = false;
    m_sessions->refreshDurations();
    if (m_feed.state() == MonitorFeedClient::State::Disconnected)
        updateConnectionLabel(); // the retry countdown
}

void MonitorWindow::updateWindowTitle()
{
    QString title = tr("WS-SSE Monitor — %1").arg(m_feed.url().toString(QUrl::RemoveQuery));
    if (m_haveHello)
        title += tr(" (proxy %1)").arg(m_hello.proxyVersion);
    setWindowTitle(title);
}

void MonitorWindow::updateConnectionLabel()
{
    switch (m_feed.state()) {
    case MonitorFeedClient::State::Connected:
        m_connectionLabel->setStyleSheet(connectedStyle);
        m_connectionLabel->setText(m_haveHello
                ? tr("● Connected, proxy %1").arg(m_hello.proxyVersion)
                : tr("● Connected"));
        m_connectionLabel->setToolTip(connectedToolTip());
        break;
    case MonitorFeedClient::State::Connecting:
        m_connectionLabel->setStyleSheet(connectingStyle);
        m_connectionLabel->setText(tr("◌ Connecting…"));
        m_connectionLabel->setToolTip(m_feed.url().toString(QUrl::RemoveQuery));
        break;
    case MonitorFeedClient::State::Disconnected: {
        m_connectionLabel->setStyleSheet(disconnectedStyle);
        const qint64 left = m_retryAt - QDateTime::currentMSecsSinceEpoch();
        QString text = tr("○ Disconnected");
        if (!m_feed.lastError().isEmpty())
            text += QStringLiteral(": ") + m_feed.lastError();
        if (m_retryAt > 0 && left > 0)
            text += tr(" — retry in %1 s").arg((left + 999) / 1000);
        m_connectionLabel->setText(text);
        m_connectionLabel->setToolTip(m_feed.url().toString(QUrl::RemoveQuery));
        break;
    }
    }
}

QString MonitorWindow::connectedToolTip() const
{
    QString tip = m_feed.url().toString(QUrl::RemoveQuery);
    if (!m_haveHello)
        return tip;
    tip += tr("\nProxy %1, up since %2")
               .arg(m_hello.proxyVersion,
                   QDateTime::fromMSecsSinceEpoch(m_hello.startedAt).toString(Qt::ISODate));
    for (auto it = m_hello.settings.begin(); it != m_hello.settings.end(); ++it)
        tip += u'\n' + it.key() + QStringLiteral(": ") + it.value().toVariant().toString();
    return tip;
}

void MonitorWindow::updateTotalsLabel()
{
    const std::optional<MonitorTotals> t = m_history.latest();
    if (!t) {
        m_totalsLabel->setText(tr("No totals yet"));
        return;
    }
    const bool live = m_feed.state() == MonitorFeedClient::State::Connected;
    const QLocale locale;
    QStringList outcomes;
    for (int i = 0; i < monitorOutcomeCount; ++i) {
        if (t->requests[size_t(i)] > 0)
            outcomes.append(QStringLiteral("%1 %2").arg(
                locale.toString(t->requests[size_t(i)]), monitorOutcomeName(MonitorOutcome(i))));
    }
    QString text
        = tr("Sessions %1 open / %2 · Events %3 (%4/s) · In %5 · Out %6")
              .arg(locale.toString(t->sessionsOpen), locale.toString(t->sessionsOpened),
                  locale.toString(t->eventsRelayed),
                  locale.toString(m_history.latestEventRate(), 'f', 0),
                  locale.formattedDataSize(t->bytesIn, 1, QLocale::DataSizeTraditionalFormat),
                  locale.formattedDataSize(t->bytesOut, 1, QLocale::DataSizeTraditionalFormat));
    if (!outcomes.isEmpty())
        text += tr(" · Requests: %1").arg(outcomes.join(QStringLiteral(", ")));
    if (!live)
        text = tr("Last known: ") + text;
    m_totalsLabel->setText(text);
}
