#include "peeraddress.h"

#include "hostport.h"

namespace PeerAddress {

QHostAddress plain(const QHostAddress &address)
{
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    // Only ::ffff:a.b.c.d: QHostAddress::toIPv4Address() also accepts "::" (as 0.0.0.0).
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    for (int i = 0; i < 10; ++i) {
        if (bytes[i] != 0)
            return address;
    }
    if (bytes[10] != 0xff || bytes[11] != 0xff)
        return address;
    return QHostAddress(address.toIPv4Address());
}

QString text(const QHostAddress &address)
{
    return plain(address).toString();
}

QString text(const QHostAddress &address, quint16 port)
{
    return HostPort::join(text(address), port);
}

} // namespace PeerAddress
