#include "servercli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sse-test-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));
    return ServerCli::run(app);
}
