// ws-sse-monitor: live view of a ws-sse-proxy's monitor feed (docs/MONITOR.md).
#include "monitorcli.h"
#include "monitorwindow.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("wssp"));
    QApplication::setApplicationName(QStringLiteral("ws-sse-monitor"));
    QApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));

    const MonitorCli::CommandLine commandLine = MonitorCli::parse(QCoreApplication::arguments());
    if (!commandLine.outcome.isRun())
        return ProgramCli::finish(commandLine.outcome);
    MonitorWindowOptions options;
    options.url = commandLine.url;
    options.token = commandLine.token;
    options.childArguments = commandLine.childArguments;
    options.programDir = QCoreApplication::applicationDirPath();
    MonitorWindow window(options);
    window.show();
    return app.exec();
}
