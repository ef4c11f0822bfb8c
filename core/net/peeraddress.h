#pragma once

#include <QHostAddress>
#include <QString>

// How the suite shows and counts a peer's address, one rule for every program: a dual-stack
// listener sees IPv4 clients as IPv4-mapped IPv6 ("::ffff:127.0.0.1"), which is the same
// client as 127.0.0.1 and reads better as that.
namespace PeerAddress {

// The address with an IPv4-mapped IPv6 address turned into its IPv4 address.
QHostAddress plain(const QHostAddress &address);
// "127.0.0.1", "::1".
QString text(const QHostAddress &address);
// "127.0.0.1:54012", "[::1]:54012".
QString text(const QHostAddress &address, quint16 port);

} // namespace PeerAddress
