#pragma once

#include <QHostAddress>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

class QTcpServer;

// What a listen host setting means, one meaning for every program of the suite (the proxy's
// proxy.host and admin.host, the test server's testServer.host; docs/SETTINGS.md, "Listen
// addresses"), and listening on all of it on one port.
namespace ListenAddresses {

// "" or "localhost"  127.0.0.1 and ::1 (::1 only where the machine has IPv6)
// "*" or "::"        every address, IPv4 and IPv6 (one dual-stack socket)
// "0.0.0.0"          every IPv4 address
// an IP literal      that address
// a name             every address it resolves to: the first must work, the others may not
struct Plan
{
    QString host; // as configured, for messages
    QList<QHostAddress> addresses;
    bool extrasOptional = false; // addresses after the first may be unavailable
};

// On failure (a name that does not resolve) returns nullopt and sets `error`:
// `cannot resolve host "nosuch.example": Host not found`.
std::optional<Plan> resolve(const QString &host, QString *error);

// Makes one listener, not yet listening (each program sets its own TLS, backlog and timeouts).
using MakeListener = std::function<QTcpServer *()>;

// Listens on every address of `plan` on `port`. With port 0 the first address picks a free port
// and the others must get the same one; when another program holds it on a later address, it
// starts over with a new free port (a few times). Returns the listening servers (the caller owns
// them), or none and sets `error`: `port 3001 on localhost is already in use`, `cannot listen on
// example.org port 80 (192.0.2.1): The address is not available`.
QList<QTcpServer *> listen(
    const Plan &plan, quint16 port, const MakeListener &make, QString *error);

} // namespace ListenAddresses
