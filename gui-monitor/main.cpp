// ws-sse-monitor: live view of a ws-sse-proxy's monitor feed (docs/MONITOR.md).
#include "monitorcli.h"
#include "monitorwindow.h"

#include <QApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("wssp"));
    QApplication::setApplicationName(QStringLiteral("ws-sse-monitor"));
    QApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));

    MonitorWindowOptions options;
    options.programDir = QCoreApplication::applicationDirPath();
    QString message;
    switch (MonitorCli::parse(QCoreApplication::arguments(), &options, &message)) {
    case MonitorCli::Outcome::Exit:
        std::fputs(message.toLocal8Bit().constData(), stdout);
        return 0;
    case MonitorCli::Outcome::BadUsage:
        if (!message.isEmpty())
            std::fprintf(stderr, "ws-sse-monitor: %s\n", message.toLocal8Bit().constData());
        return 2;
    case MonitorCli::Outcome::Run:
        break;
    }

    MonitorWindow window(options);
    window.show();
    return app.exec();
}
