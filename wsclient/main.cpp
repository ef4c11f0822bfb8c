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

    // Unbuffered file descriptors: each transcript line reaches a pipe as soon as it is printed.
    QFile out;
    QFile err;
    out.open(STDOUT_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered);
    err.open(STDERR_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered);

    ClientConfig config;
    QString message;
    switch (ClientCli::parse(QCoreApplication::arguments(), &config, &message)) {
    case ClientCli::Outcome::Exit:
        out.write(message.toUtf8());
        return ClientExit::ok;
    case ClientCli::Outcome::BadUsage:
        if (!message.isEmpty())
            err.write(
                QCoreApplication::applicationName().toUtf8() + ": " + message.toUtf8() + '\n');
        return ClientExit::badUsage;
    case ClientCli::Outcome::Run:
        break;
    }

    WsTestClient client(config, &out, &err);
    SignalWatcher signalWatcher({ SIGINT, SIGTERM });
    if (!signalWatcher.isValid())
        err.write("warning: Ctrl-C will not cancel cleanly: " + signalWatcher.errorString().toUtf8()
            + '\n');
    QObject::connect(&signalWatcher, &SignalWatcher::signalled, &client, &WsTestClient::cancel);
    QObject::connect(&client, &WsTestClient::finished, &app, &QCoreApplication::exit);
    client.start();
    return app.exec();
}
