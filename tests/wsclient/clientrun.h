#pragma once

#include "wstestclient.h"

#include <QBuffer>
#include <QSignalSpy>

// One client writing into buffers, with a spy on finished().
class ClientRun
{
public:
    explicit ClientRun(const ClientConfig &config)
        : client(config, &out, &err)
        , finished(&client, &WsTestClient::finished)
    {
        out.open(QIODevice::WriteOnly);
        err.open(QIODevice::WriteOnly);
    }

    QString stdoutText() const { return QString::fromUtf8(out.data()); }
    QString stderrText() const { return QString::fromUtf8(err.data()); }
    int exitCode() const { return finished.constFirst().constFirst().toInt(); }

    QBuffer out;
    QBuffer err;
    WsTestClient client;
    QSignalSpy finished;
};
