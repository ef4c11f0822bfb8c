// ws-test-client: console client for ws-sse-proxy (docs/TEST-CLIENT.md).
#include "clientcli.h"
#include "signalwatcher.h"
#include "wstestclient.h"

#include <QCoreApplication>
#include <QFile>

#include <csignal>
#include <unistd.h>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ws-test-client"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSP_VERSION));

    const ClientCli::CommandLine commandLine = ClientCli::parse(QCoreApplication::arguments());
    if (!commandLine.outcome.isRun())
        return ProgramCli::finish(commandLine.outcome);

    // Unbuffered file descriptors: each transcript line reaches a pipe as soon as it is printed.
    QFile out;
    QFile err;
    out.open(STDOUT_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered);
    err.open(STDERR_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered);

    WsTestClient client(commandLine.config, &out, &err);
    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    if (!signalWatcher.isValid())
        err.write("warning: Ctrl-C will not cancel cleanly: " + signalWatcher.errorString().toUtf8()
            + '\n');
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &client, &WsTestClient::cancel);
    QObject::connect(&client, &WsTestClient::finished, &app, &QCoreApplication::exit);
    client.start();
    return app.exec();
}
