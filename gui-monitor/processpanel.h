#pragma once

#include <QProcess>
#include <QWidget>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;

// Starts and stops a local sse-test-server and runs ws-test-client beside the proxy, both
// taken from `programDir` (the monitor's own directory), and shows their merged output.
class ProcessPanel : public QWidget
{
    Q_OBJECT

public:
    // `commonArguments` go first on every command line (e.g. --settings PATH).
    ProcessPanel(
        const QString &programDir, const QStringList &commonArguments, QWidget *parent = nullptr);
    ~ProcessPanel() override;

    static QString serverProgram() { return QStringLiteral("sse-test-server"); }
    static QString clientProgram() { return QStringLiteral("ws-test-client"); }

    bool isServerRunning() const { return m_server.state() != QProcess::NotRunning; }
    bool isClientRunning() const { return m_client.state() != QProcess::NotRunning; }
    qint64 serverProcessId() const { return m_server.processId(); }
    QPlainTextEdit *output() const { return m_output; }

    void startServer();
    void stopServer();
    void runClient();
    void stopClient();

signals:
    void processStateChanged();

private:
    void launch(QProcess &process, const QString &program, const QString &extraArguments,
        const QString &tag);
    void appendOutput(const QString &tag, QProcess &process);
    void appendLine(const QString &line);
    void updateButtons();

    QString m_programDir;
    QStringList m_commonArguments;
    QProcess m_server;
    QProcess m_client;
    QPushButton *m_startServer;
    QPushButton *m_stopServer;
    QLineEdit *m_serverArgs;
    QPushButton *m_runClient;
    QPushButton *m_stopClient;
    QLineEdit *m_clientArgs;
    QPlainTextEdit *m_output;
};
