#pragma once

#include <QByteArray>
#include <QHash>

// One GET to an admin endpoint of a proxy on loopback (the proxy closes the connection after
// each answer), and the Prometheus text of /metrics as "name{labels}" -> value.
struct AdminResponse
{
    int status = 0;
    QByteArray headers;
    QByteArray body;
};
AdminResponse adminGet(quint16 port, const QByteArray &path);
QHash<QByteArray, double> prometheusSamples(const QByteArray &text);
