#include "proxyapp.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ws-sse-proxy"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));
    return runProxyApp(QCoreApplication::arguments());
}
