#pragma once

#include <QString>
#include <QStringView>

// How the suite writes hosts and ports, one rule for every program (docs/SETTINGS.md, "Listen
// addresses"): an IPv6 literal goes in brackets wherever a port or a URL follows it.
namespace HostPort {

// "example.com", "127.0.0.1", "[::1]": a host as it is written in a URL or before ":port"
// (an already bracketed one is left alone).
QString urlHost(QStringView host);
// "example.com:80", "[::1]:3001".
QString join(QStringView host, int port);
// The host a client on this machine uses to reach a listener on `listenHost`: the wildcards
// ("", "*", "0.0.0.0", "::") are not addresses anyone can connect to, so they become "localhost".
QString reachableHost(const QString &listenHost);

} // namespace HostPort
