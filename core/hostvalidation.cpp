#include "hostvalidation.h"

namespace HostValidation {

namespace {

    bool isHexDigit(char16_t c)
    {
        return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
    }

    // Counts the 16-bit groups of one side of "::"; an embedded IPv4 tail counts as two.
    bool countIpv6Groups(QStringView s, bool allowIpv4Tail, int *groups)
    {
        *groups = 0;
        if (s.isEmpty())
            return true;
        qsizetype start = 0;
        while (true) {
            const qsizetype colon = s.indexOf(u':', start);
            const QStringView group = s.mid(start, colon < 0 ? -1 : colon - start);
            if (colon < 0 && allowIpv4Tail && group.contains(u'.')) {
                if (!isIpv4(group))
                    return false;
                *groups += 2;
                return true;
            }
            if (group.isEmpty() || group.size() > 4)
                return false;
            for (QChar c : group) {
                if (!isHexDigit(c.unicode()))
                    return false;
            }
            ++*groups;
            if (colon < 0)
                return true;
            start = colon + 1;
        }
    }

    QString checkHostName(QStringView s)
    {
        if (s.size() > 253)
            return QStringLiteral("host name longer than 253 characters");
        for (QChar c : s) {
            const char16_t u = c.unicode();
            if (u > 0x7F) {
                return QStringLiteral("must be an ASCII host name, IPv4 or IPv6 address (write an "
                                      "internationalised name in its punycode form)");
            }
            if (!((u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
                    || u == u'-' || u == u'.' || u == u'_')) {
                return QStringLiteral("invalid character '%1' in host name").arg(c);
            }
        }
        // One trailing dot (a fully qualified name) is allowed.
        const QStringView name = s.endsWith(u'.') ? s.chopped(1) : s;
        qsizetype start = 0;
        while (true) {
            const qsizetype dot = name.indexOf(u'.', start);
            const QStringView label = name.mid(start, dot < 0 ? -1 : dot - start);
            if (label.isEmpty())
                return QStringLiteral("empty label in host name");
            if (label.size() > 63)
                return QStringLiteral("host name label longer than 63 characters");
            if (label.front() == u'-' || label.back() == u'-')
                return QStringLiteral("host name label starts or ends with '-'");
            if (dot < 0)
                break;
            start = dot + 1;
        }
        return QString();
    }

} // namespace

bool isAsciiDigits(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (QChar c : s) {
        if (c.unicode() < u'0' || c.unicode() > u'9')
            return false;
    }
    return true;
}

// Dotted quad, each part 0..255 without leading zeros (which some resolvers read as octal).
bool isIpv4(QStringView s)
{
    int parts = 0;
    qsizetype start = 0;
    while (true) {
        qsizetype dot = s.indexOf(u'.', start);
        const QStringView part = s.mid(start, dot < 0 ? -1 : dot - start);
        if (!isAsciiDigits(part) || part.size() > 3 || (part.size() > 1 && part.front() == u'0')
            || part.toInt() > 255) {
            return false;
        }
        ++parts;
        if (dot < 0)
            break;
        start = dot + 1;
    }
    return parts == 4;
}

// RFC 4291 §2.2 text forms, without a zone ID.
bool isIpv6(QStringView s)
{
    const qsizetype gap = s.indexOf(u"::");
    int head = 0;
    int tail = 0;
    if (gap < 0)
        return countIpv6Groups(s, true, &head) && head == 8;
    if (s.indexOf(u"::", gap + 1) >= 0)
        return false;
    return countIpv6Groups(s.first(gap), false, &head)
        && countIpv6Groups(s.sliced(gap + 2), true, &tail) && head + tail <= 7;
}

// Returns an error reason, or an empty string with `*host` set to the address to store.
QString checkAddress(const QString &address, QString *host)
{
    if (address.isEmpty())
        return QStringLiteral("must not be empty");
    for (QChar c : address) {
        if (c.isSpace() || c.unicode() < 0x20 || c.unicode() == 0x7F)
            return QStringLiteral("must not contain whitespace or control characters");
    }
    if (address.contains(u"://"))
        return QStringLiteral("must not include a scheme (use the \"protocol\" field)");
    if (address.contains(u'@'))
        return QStringLiteral("must not include user info");
    if (address.contains(u'/') || address.contains(u'?') || address.contains(u'#'))
        return QStringLiteral("must not include a path (use the \"path\" field)");
    const QString portReason = QStringLiteral("must not include a port (use the \"port\" field)");

    if (address.startsWith(u'[')) {
        const qsizetype close = address.indexOf(u']');
        if (close < 0)
            return QStringLiteral("unterminated '[' in IPv6 address");
        if (close != address.size() - 1) {
            const QStringView after = QStringView(address).sliced(close + 1);
            if (after.startsWith(u':') && isAsciiDigits(after.sliced(1)))
                return portReason;
            return QStringLiteral("unexpected text after ']' in IPv6 address");
        }
        const QStringView inner = QStringView(address).sliced(1, address.size() - 2);
        if (!isIpv6(inner))
            return QStringLiteral("not a valid IPv6 address");
        *host = inner.toString();
        return QString();
    }
    if (address.contains(u':')) {
        if (isIpv6(address)) {
            *host = address;
            return QString();
        }
        const qsizetype colon = address.indexOf(u':');
        if (colon == address.lastIndexOf(u':')
            && isAsciiDigits(QStringView(address).sliced(colon + 1)))
            return portReason;
        return QStringLiteral("not a valid IPv6 address");
    }
    bool numeric = true;
    for (QChar c : address) {
        if (c != u'.' && !(c >= u'0' && c <= u'9')) {
            numeric = false;
            break;
        }
    }
    if (numeric) {
        // An all-numeric name is never a DNS name; resolvers would read "10.1" or "08.0.0.1" in
        // surprising ways, so only a plain dotted quad is accepted.
        if (!isIpv4(address))
            return QStringLiteral("not a valid IPv4 address");
        *host = address;
        return QString();
    }
    const QString reason = checkHostName(address);
    if (reason.isEmpty())
        *host = address;
    return reason;
}

} // namespace HostValidation
