#include "processpanel.h"

#include "monitorlogging.h"

#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QTime>

namespace {

constexpr int maxOutputLines = 5000;
constexpr int stopGraceMs = 2000;

} // namespace

ProcessPanel::ProcessPanel(
    const QString &programDir, const QStringList &commonArguments, QWidget *parent)
    : QWidget(parent)
    , m_programDir(programDir)
    , m_commonArguments(commonArguments)
    , m_startServer(new QPushButton(
          style()->standardIcon(QStyle::SP_MediaPlay), tr("Start %1").arg(serverProgram()), this))
    , m_stopServer(new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this))
    , m_serverArgs(new QLineEdit(this))
    , m_runClient(new QPushButton(
          style()->standardIcon(QStyle::SP_MediaPlay), tr("Run %1").arg(clientProgram()), this))
    , m_stopClient(new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this))
    , m_clientArgs(new QLineEdit(this))
    , m_output(new QPlainTextEdit(this))
{
    m_serverArgs->setPlaceholderText(tr("extra arguments, e.g. --port 8081"));
    m_clientArgs->setPlaceholderText(tr("extra arguments, e.g. --count 5 --message Hi"));
    m_output->setObjectName(QStringLiteral("processOutput"));
    m_output->setReadOnly(true);
    m_output->setMaximumBlockCount(maxOutputLines);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(4, 4, 4, 4);
    grid->addWidget(m_startServer, 0, 0);
    grid->addWidget(m_stopServer, 0, 1);
    grid->addWidget(m_serverArgs, 0, 2);
    grid->addWidget(m_runClient, 1, 0);
    grid->addWidget(m_stopClient, 1, 1);
    grid->addWidget(m_clientArgs, 1, 2);
    grid->addWidget(m_output, 2, 0, 1, 3);
    grid->setColumnStretch(2, 1);

    connect(m_startServer, &QPushButton::clicked, this, &ProcessPanel::startServer);
    connect(m_stopServer, &QPushButton::clicked, this, &ProcessPanel::stopServer);
    connect(m_runClient, &QPushButton::clicked, this, &ProcessPanel::runClient);
    connect(m_stopClient, &QPushButton::clicked, this, &ProcessPanel::stopClient);

    for (QProcess *p : { &m_server, &m_client }) {
        p->setProcessChannelMode(QProcess::MergedChannels);
        const QString tag = p == &m_server ? serverProgram() : clientProgram();
        connect(
            p, &QProcess::readyReadStandardOutput, this, [this, p, tag] { appendOutput(tag, *p); });
        connect(p, &QProcess::stateChanged, this, [this] {
            updateButtons();
            emit processStateChanged();
        });
        connect(p, &QProcess::finished, this,
            [this, p, tag](int exitCode, QProcess::ExitStatus status) {
                appendOutput(tag, *p);
                const QByteArray rest = p->readAll(); // a last line without its newline
                if (!rest.isEmpty())
                    appendLine(QStringLiteral("[%1] %2").arg(tag, QString::fromUtf8(rest)));
                appendLine(status == QProcess::CrashExit
                        ? tr("[%1] stopped (killed or crashed)").arg(tag)
                        : tr("[%1] exited with status %2").arg(tag).arg(exitCode));
            });
        connect(p, &QProcess::errorOccurred, this, [this, p, tag](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart)
                appendLine(tr("[%1] could not start: %2").arg(tag, p->errorString()));
        });
    }
    updateButtons();
}

ProcessPanel::~ProcessPanel()
{
    // Children must not outlive the monitor: a test server left running would hold its port.
    for (QProcess *p : { &m_server, &m_client }) {
        p->disconnect(this);
        if (p->state() != QProcess::NotRunning) {
            p->terminate();
            if (!p->waitForFinished(stopGraceMs)) {
                p->kill();
                p->waitForFinished(stopGraceMs);
            }
        }
    }
}

void ProcessPanel::startServer()
{
    if (!isServerRunning())
        launch(m_server, serverProgram(), m_serverArgs->text(), serverProgram());
}

void ProcessPanel::stopServer()
{
    if (isServerRunning()) {
        appendLine(tr("[%1] stopping").arg(serverProgram()));
        m_server.terminate();
    }
}

void ProcessPanel::runClient()
{
    if (!isClientRunning())
        launch(m_client, clientProgram(), m_clientArgs->text(), clientProgram());
}

void ProcessPanel::stopClient()
{
    if (isClientRunning())
        m_client.terminate();
}

void ProcessPanel::launch(
    QProcess &process, const QString &program, const QString &extraArguments, const QString &tag)
{
    const QString path = QDir(m_programDir).filePath(program);
    if (!QFileInfo(path).isExecutable()) {
        appendLine(tr("[%1] not found: %2").arg(tag, QDir::toNativeSeparators(path)));
        return;
    }
    const QStringList arguments = m_commonArguments + QProcess::splitCommand(extraArguments);
    appendLine(QStringLiteral("[%1] $ %2 %3").arg(tag, program, arguments.join(u' ')));
    qCInfo(lcMonitor) << "starting" << path << arguments;
    process.start(path, arguments);
}

void ProcessPanel::appendOutput(const QString &tag, QProcess &process)
{
    while (process.canReadLine()) {
        QString line = QString::fromUtf8(process.readLine());
        while (line.endsWith(u'\n') || line.endsWith(u'\r'))
            line.chop(1);
        appendLine(QStringLiteral("[%1] %2").arg(tag, line));
    }
}

void ProcessPanel::appendLine(const QString &line)
{
    m_output->appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss ")) + line);
}

void ProcessPanel::updateButtons()
{
    m_startServer->setEnabled(!isServerRunning());
    m_stopServer->setEnabled(isServerRunning());
    m_runClient->setEnabled(!isClientRunning());
    m_stopClient->setEnabled(isClientRunning());
}
