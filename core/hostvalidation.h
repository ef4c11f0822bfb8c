#pragma once

#include <QString>
#include <QStringView>

// Checks of the request's `address` field (PROTOCOL.md §2): an ASCII host name, a dotted-quad
// IPv4 address without leading zeros, or an IPv6 literal with or without brackets and without a
// zone ID. Pure text checks; nothing is resolved.
namespace HostValidation {

// Returns an error reason ("not a valid IPv6 address", "must not include a port (use the
// \"port\" field)", ...), or an empty string with `*host` set to the address to store (an IPv6
// address without its brackets).
QString checkAddress(const QString &address, QString *host);

// Dotted quad, each part 0..255 without leading zeros.
bool isIpv4(QStringView s);
// RFC 4291 §2.2 text forms, without a zone ID and without brackets.
bool isIpv6(QStringView s);
// Non-empty and only the ASCII digits 0-9.
bool isAsciiDigits(QStringView s);

} // namespace HostValidation
