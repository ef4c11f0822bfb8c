#pragma once

#include "monitorfeedclient.h"
#include "totalshistory.h"

#include <QMainWindow>
#include <QStringList>
#include <QTimer>
#include <QUrl>

class ChartsPanel;
class EventLogModel;
class ProcessPanel;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class SessionDetailPanel;
class SessionTableModel;

struct MonitorWindowOptions
{
    QUrl url; // the feed, ws://host:port/monitor
    QString token;
    QString programDir; // where sse-test-server and ws-test-client live
    QStringList childArguments; // given to them first (e.g. --settings PATH)
    bool rememberLayout = true; // restore and save geometry/state with QSettings
    int reconnectInitialMs = 500;
    int reconnectMaxMs = 10000;
    qint64 pruneDelayMs = 60000;
    int tickIntervalMs = 1000; // pruning and duration refresh
};

// The main window: sessions table (filterable, sortable) over the selected session's detail,
// charts and child processes in docks, connection state and totals in the status bar. It only
// wires the feed to the models and the models to the views.
class MonitorWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MonitorWindow(const MonitorWindowOptions &options, QWidget *parent = nullptr);
    ~MonitorWindow() override;

    MonitorFeedClient *feed() { return &m_feed; }
    SessionTableModel *sessionModel() const { return m_sessions; }
    QSortFilterProxyModel *sessionProxy() const { return m_proxy; }
    QTableView *sessionView() const { return m_sessionView; }
    SessionDetailPanel *detailPanel() const { return m_detail; }
    QLabel *connectionLabel() const { return m_connectionLabel; }
    QLabel *totalsLabel() const { return m_totalsLabel; }
    QLineEdit *filterEdit() const { return m_filter; }
    ProcessPanel *processPanel() const { return m_processes; }
    const TotalsHistory &history() const { return m_history; }

    // Selects the row of this session (0: clears the selection).
    void selectSession(qint64 id);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void setUpSessionTable();
    void buildLayout();
    void buildMenus();
    void connectSignals();
    void restoreLayout();
    void saveLayout();
    void showConnectDialog();
    void updateConnectionLabel();
    void updateTotalsLabel();
    void updateWindowTitle();
    QString connectedToolTip() const;
    qint64 currentSessionId() const;

    void onFeedMessageReceived(const MonitorMessage &message);
    void onFeedStateChanged(MonitorFeedClient::State state);
    void onFeedReconnectScheduled(int delayMs, const QString &reason);
    void onSessionsSessionChanged(qint64 id);
    void onSelectionCurrentRowChanged();
    void onProxyModelReset();
    void onTickTimerTimeout();

    MonitorWindowOptions m_options;
    MonitorFeedClient m_feed;
    TotalsHistory m_history;
    QTimer m_tickTimer;
    MonitorHello m_hello;
    bool m_haveHello = false;
    bool m_pruning = false;
    qint64 m_retryAt = 0; // local ms of the next reconnect attempt
    QString m_retryReason;

    SessionTableModel *m_sessions;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTableView *m_sessionView;
    SessionDetailPanel *m_detail;
    QSplitter *m_splitter;
    ChartsPanel *m_charts;
    ProcessPanel *m_processes;
    QLabel *m_connectionLabel;
    QLabel *m_totalsLabel;
};
