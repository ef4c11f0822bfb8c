#include "ipaddress.h"

#include <arpa/inet.h>

#include <cstring>

namespace {

// Whether the first `bits` bits of a and b are equal.
bool samePrefix(const quint8 *a, const quint8 *b, int bits)
{
    const int whole = bits / 8;
    if (std::memcmp(a, b, size_t(whole)) != 0)
        return false;
    const int rest = bits % 8;
    if (rest == 0)
        return true;
    const quint8 mask = quint8(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool startsWith(const quint8 *bytes, std::initializer_list<quint8> prefix)
{
    return std::memcmp(bytes, prefix.begin(), prefix.size()) == 0;
}

IpAddress ipv4From(const quint8 *p, bool inverted = false)
{
    quint32 value = (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3];
    return IpAddress::ipv4(inverted ? ~value : value);
}

} // namespace

std::optional<IpAddress> IpAddress::parse(QStringView text)
{
    if (text.isEmpty() || text.size() > 45)
        return std::nullopt;
    const QByteArray latin1 = text.toLatin1();
    IpAddress address;
    if (!latin1.contains(':')) {
        if (inet_pton(AF_INET, latin1.constData(), address.m_bytes.data()) != 1)
            return std::nullopt;
        address.m_isIpv4 = true;
        return address;
    }
    if (inet_pton(AF_INET6, latin1.constData(), address.m_bytes.data()) != 1)
        return std::nullopt;
    return address;
}

IpAddress IpAddress::ipv4(quint32 value)
{
    IpAddress address;
    address.m_isIpv4 = true;
    address.m_bytes[0] = quint8(value >> 24);
    address.m_bytes[1] = quint8(value >> 16);
    address.m_bytes[2] = quint8(value >> 8);
    address.m_bytes[3] = quint8(value);
    return address;
}

IpAddress IpAddress::ipv6(const std::array<quint8, 16> &bytes)
{
    IpAddress address;
    address.m_bytes = bytes;
    return address;
}

QString IpAddress::toString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(m_isIpv4 ? AF_INET : AF_INET6, m_bytes.data(), text, sizeof text);
    return QString::fromLatin1(text);
}

std::optional<IpAddress> IpAddress::embeddedIpv4() const
{
    if (m_isIpv4)
        return std::nullopt;
    const quint8 *b = m_bytes.data();
    static constexpr quint8 zeros[10] = {};
    if (std::memcmp(b, zeros, 10) == 0) {
        if (b[10] == 0xff && b[11] == 0xff) // ::ffff:a.b.c.d, mapped
            return ipv4From(b + 12);
        if (b[10] == 0 && b[11] == 0) // ::a.b.c.d, compatible (also :: and ::1)
            return ipv4From(b + 12);
    }
    if (std::memcmp(b, zeros, 8) == 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        return ipv4From(b + 12); // ::ffff:0:a.b.c.d, translated (SIIT)
    if (startsWith(b, { 0x00, 0x64, 0xff, 0x9b }) && std::memcmp(b + 4, zeros, 8) == 0)
        return ipv4From(b + 12); // 64:ff9b::/96, NAT64 well-known prefix
    if (startsWith(b, { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }))
        return ipv4From(b + 12); // 64:ff9b:1::/48, NAT64 local use (address in the low bits)
    if (startsWith(b, { 0x20, 0x02 }))
        return ipv4From(b + 2); // 2002:AABB:CCDD::/48, 6to4
    if (startsWith(b, { 0x20, 0x01, 0x00, 0x00 }))
        return ipv4From(b + 12, true); // Teredo: the client's address, inverted
    return std::nullopt;
}

std::optional<IpRange> IpRange::parse(QStringView text, QString *error)
{
    const qsizetype slash = text.indexOf(u'/');
    const std::optional<IpAddress> address = IpAddress::parse(slash < 0 ? text : text.first(slash));
    if (!address) {
        *error = QStringLiteral("\"%1\" is not an IP address")
                     .arg(slash < 0 ? text : text.first(slash));
        return std::nullopt;
    }
    int prefix = address->bitCount();
    if (slash >= 0) {
        const QStringView digits = text.sliced(slash + 1);
        bool ok = !digits.isEmpty() && digits.size() <= 3;
        for (QChar c : digits)
            ok = ok && c >= u'0' && c <= u'9';
        prefix = ok ? digits.toInt() : -1;
        if (prefix < 0 || prefix > address->bitCount()) {
            *error = QStringLiteral("\"/%1\" is not a prefix length from 0 to %2")
                         .arg(digits)
                         .arg(address->bitCount());
            return std::nullopt;
        }
    }
    const IpRange range = of(*address, prefix);
    if (!(range.m_base == *address)) {
        *error = QStringLiteral("\"%1\" has bits set after the prefix (did you mean %2?)")
                     .arg(text, range.toString());
        return std::nullopt;
    }
    return range;
}

IpRange IpRange::of(const IpAddress &address, int prefixLength)
{
    IpRange range;
    std::array<quint8, 16> bytes {};
    std::memcpy(bytes.data(), address.bytes(), size_t(address.bitCount() / 8));
    for (int bit = prefixLength; bit < address.bitCount(); ++bit)
        bytes[size_t(bit / 8)] &= quint8(~(0x80 >> (bit % 8)));
    range.m_base = address.isIpv4() ? IpAddress::ipv4((quint32(bytes[0]) << 24)
                       | (quint32(bytes[1]) << 16) | (quint32(bytes[2]) << 8) | bytes[3])
                                    : IpAddress::ipv6(bytes);
    range.m_prefixLength = prefixLength;
    return range;
}

bool IpRange::contains(const IpAddress &address) const
{
    return address.isIpv4() == m_base.isIpv4()
        && samePrefix(address.bytes(), m_base.bytes(), m_prefixLength);
}

QString IpRange::toString() const
{
    return m_base.toString() + u'/' + QString::number(m_prefixLength);
}
